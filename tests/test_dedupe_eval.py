"""`marsad eval dedupe`: the labelled pairs load, and deduplication reaches its minimum."""

from __future__ import annotations

import pytest

from marsad.evaluation.dedupe import evaluate, read_pairs


def test_dedupe_pairs_file_is_well_formed() -> None:
    pairs = read_pairs()
    assert len(pairs) >= 150
    assert sum(p.pair.startswith("h") for p in pairs) >= 60
    assert {p.label for p in pairs} == {True, False}
    assert len({p.pair for p in pairs}) == len(pairs)
    assert all(p.a[1] < p.a[2] and p.b[1] < p.b[2] for p in pairs)


@pytest.mark.slow
def test_dedupe_eval_minimum_f1(shared_data: object) -> None:
    result = evaluate(read_pairs(), workers=2)
    assert result["resolved"] >= 0.8 * result["pairs"]
    assert result["f1"] >= 0.85, result
    assert result["precision"] >= 0.85 and result["recall"] >= 0.85
    assert result["sets"]["held_out"]["f1"] >= 0.8  # labelled after the rules were written
