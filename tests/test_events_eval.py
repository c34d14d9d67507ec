"""Minimum scores of the events stage (``marsad eval events``), on the shared data read in
place: the GSR held-out part, the GSR gold spans and the packaged multi-type gold set."""

from __future__ import annotations

from pathlib import Path

import pytest

from marsad.evaluation.events import (
    default_gold,
    evaluate_gold,
    evaluate_gsr,
    evaluate_spans,
    make_runner,
    token_f1,
)

GSR = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "events" / "arabic_event_gsr"


@pytest.fixture(scope="module")
def full_all():  # type: ignore[no-untyped-def]
    return make_runner("full-all")


def test_events_eval_gsr_heldout_minimum() -> None:
    report = evaluate_gsr(GSR / "assault_gsr.csv", split="heldout", baseline=True)
    assert report["sentences"] > 900
    assert report["f1"] >= 0.60 and report["recall"] >= 0.70
    # it beats the dictionary coder by a wide margin
    assert report["f1"] >= report["baseline_dictionary_coder"]["f1"] + 0.15


def test_events_eval_spans_minimum(full_all) -> None:  # type: ignore[no-untyped-def]
    report = evaluate_spans(GSR / "assault_spans.json", runner=full_all)
    assert report["source_f1"] >= 0.58
    assert report["target_f1"] >= 0.44


def test_events_eval_gold_minimum() -> None:
    report = evaluate_gold(default_gold())
    assert report["sentences"] >= 400
    assert len(report["per_type"]) == 16
    assert report["micro"]["f1"] >= 0.58
    assert report["per_type"]["ASSAULT"]["precision"] >= 0.7
    assert report["per_type"]["PROTEST"]["recall"] >= 0.8


def test_events_eval_token_f1() -> None:
    assert token_f1(["مسلحون"], ["مسلحون", "مجهولون"]) == pytest.approx(2 / 3)
    assert token_f1([], []) == 1.0
    assert token_f1(["والجيش"], ["الجيش"]) == 1.0
