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
    assert report["f1"] >= 0.6 and report["precision"] >= 0.58 and report["recall"] >= 0.6
    # most "difficult no" sentences (one dissenting annotator) are rejected
    assert report["difficult_no_fp"] <= 0.25 * report["difficult_no_total"]
    # it beats the dictionary coder by a wide margin
    assert report["f1"] >= report["baseline_dictionary_coder"]["f1"] + 0.15


def test_events_eval_spans_minimum(full_all) -> None:  # type: ignore[no-untyped-def]
    report = evaluate_spans(GSR / "assault_spans.json", runner=full_all)
    assert report["source_f1"] >= 0.75
    assert report["target_f1"] >= 0.70
    assert report["verb_f1"] >= 0.80


def test_events_eval_gold_minimum() -> None:
    report = evaluate_gold(default_gold())
    assert report["sentences"] >= 400
    assert len(report["per_type"]) == 16
    assert report["micro"]["f1"] >= 0.68
    assert report["per_type"]["ASSAULT"]["precision"] >= 0.8
    assert report["per_type"]["ASSAULT"]["recall"] >= 0.42
    assert report["per_type"]["PROTEST"]["recall"] >= 0.9


def test_events_model_two_parts_and_calibration() -> None:
    from marsad.events_lexicon import load_lexicon, words_of
    from marsad.events_model import calibrate, load_model, make_knots, sentence_features

    model = load_model()
    assert model is not None and model.char_weights is not None and model.knots is not None
    lexicon = load_lexicon()

    def prob(text: str) -> float:
        words = words_of(text)
        return model.probability(sentence_features(words, lexicon.match(words)))

    attack = prob("قصفت طائرات حربية مواقع المسلحين في المدينة صباح اليوم مما أسفر عن مقتل عشرة أشخاص")
    talk = prob("يرى المحللون أن العنف والهجمات تهدد مستقبل البلاد")
    assert attack >= model.threshold > talk
    knots, threshold = make_knots(0.6)
    assert threshold == 0.5 and calibrate(0.6, knots) == pytest.approx(0.5)
    assert calibrate(0.3, knots) == pytest.approx(0.25) and calibrate(1.0, knots) == 1.0


def test_events_eval_token_f1() -> None:
    assert token_f1(["مسلحون"], ["مسلحون", "مجهولون"]) == pytest.approx(2 / 3)
    assert token_f1([], []) == 1.0
    assert token_f1(["والجيش"], ["الجيش"]) == 1.0


def test_eval_events_reads_a_configuration(tmp_path: Path) -> None:
    """`marsad eval events --config` builds its runners from the user's configuration."""
    import subprocess
    import sys

    bad = tmp_path / "bad.toml"
    bad.write_text('[stages.events]\nassault_encoder = "bogus"\n', encoding="utf-8")
    gsr = tmp_path / "g.csv"
    gsr.write_text("id,sentence,label\n", encoding="utf-8")
    proc = subprocess.run([sys.executable, "-m", "marsad", "eval", "events", "--gsr", str(gsr),
                           "--config", str(bad)], capture_output=True, text=True, check=False)
    assert proc.returncode != 0
    assert "unknown assault_encoder 'bogus'" in proc.stderr
    assert "Traceback" not in proc.stderr
