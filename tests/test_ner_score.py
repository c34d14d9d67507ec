"""The shipped model's score on the reconstructed CAMeL ANERcorp test (exact spans)."""

from __future__ import annotations

from pathlib import Path

from marsad.evaluation.ner import evaluate

#: The floor reached so far (micro F1, percent); raise it as the model improves.
MIN_ANERCORP_F1 = 74.5


def test_anercorp_floor(shared_data: Path) -> None:
    path = shared_data / "ner" / "anercorp" / "ANERCorp_CamelLab_test.reconstructed.txt"
    result = evaluate(path)
    micro = result["micro"]
    assert isinstance(micro, dict)
    assert micro["f1"] >= MIN_ANERCORP_F1, micro
    assert micro["support"] == 2232
