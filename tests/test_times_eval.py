"""``marsad eval dates`` on the packaged gold set (reads the shared corpus in place)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from marsad.errors import DataError
from marsad.evaluation.dates import default_gold, evaluate, load_gold


def test_gold_set_is_big_enough_and_by_reference() -> None:
    gold = load_gold(default_gold())
    positives = [g for g in gold if not g["negative"]]
    assert len(positives) >= 150
    assert sum(g["negative"] for g in gold) >= 20
    cats = {g["category"] for g in positives}
    assert {"day", "month", "year", "range", "deadline", "hijri", "week"} <= cats
    for g in gold:  # short surface strings only, never article text
        assert g["end"] - g["start"] == len(g["text"]) <= 60


def test_dates_scores_meet_the_target(shared_data: Path) -> None:
    result = evaluate()
    assert result["accuracy"] >= 0.95
    assert result["recall"] >= 0.90
    assert result["precision"] >= 0.95
    for split in result["by_split"].values():
        assert split["accuracy"] >= 0.95


def test_bad_gold_file_is_a_data_error(tmp_path: Path) -> None:
    bad = tmp_path / "gold.jsonl"
    bad.write_text(json.dumps({"article": "x"}) + "\n", "utf-8")
    with pytest.raises(DataError):
        load_gold(bad)
    with pytest.raises(DataError):
        load_gold(tmp_path / "missing.jsonl")


def test_exhaustive_articles_count_stray_expressions(tmp_path: Path, shared_data: Path) -> None:
    gold = [g for g in load_gold(default_gold()) if g["article"] == "snn-2015-08-10-1520"]
    assert gold and all(g["exhaustive"] for g in gold)
    partial = tmp_path / "gold.jsonl"
    partial.write_text("".join(json.dumps(g, ensure_ascii=False) + "\n" for g in gold[:1]), "utf-8")
    result = evaluate(partial)
    assert result["unannotated_false_positives"] >= 3  # اليوم، يونيو 2018، أغسطس 2022
    assert result["precision"] < 1.0
