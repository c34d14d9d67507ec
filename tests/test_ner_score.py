"""The shipped model's scores (exact spans): the reconstructed CAMeL ANERcorp test with the
main head, the AQMAR test (TopCoder split) with the ``aqmar`` head."""

from __future__ import annotations

from pathlib import Path

from marsad.evaluation.ner import evaluate

#: The floors reached so far (micro F1, percent); raise them as the model improves.
MIN_ANERCORP_F1 = 75.0
MIN_AQMAR_F1 = 60.0


def test_anercorp_floor(shared_data: Path) -> None:
    path = shared_data / "ner" / "anercorp" / "ANERCorp_CamelLab_test.reconstructed.txt"
    result = evaluate(path)
    micro = result["micro"]
    assert isinstance(micro, dict)
    assert micro["f1"] >= MIN_ANERCORP_F1, micro
    assert micro["support"] == 2232


def test_aqmar_head_floor(shared_data: Path) -> None:
    path = shared_data / "ner" / "aqmar" / "topcoder_liu2019_split" / "test.txt"
    result = evaluate(path, head="aqmar")
    micro = result["micro"]
    assert isinstance(micro, dict)
    assert micro["f1"] >= MIN_AQMAR_F1, micro
