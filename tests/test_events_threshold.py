"""`[stages.events] assault_threshold` moves the ASSAULT classifier's cut (documented in
default.toml for recall on current news)."""

from __future__ import annotations

from marsad.doc import Document
from marsad.pipeline import Pipeline, load_config

TEXT = "قصفت الطائرات الحربية مواقع المسلحين في أطراف المدينة صباح أمس."


def _assaults(threshold: float | None) -> int:
    config = load_config(None)
    if threshold is not None:
        config.setdefault("stages", {}).setdefault("events", {})["assault_threshold"] = threshold
    doc = Pipeline.from_config(config)(Document(text=TEXT, date="2018-05-01"))
    return sum(e.type == "ASSAULT" and not e.hypothetical and not e.negated for e in doc.events)


def test_default_cut_codes_a_plain_air_strike() -> None:
    assert _assaults(None) == 1


def test_threshold_moves_the_cut() -> None:
    assert _assaults(0.999) == 0
    assert _assaults(0.35) == 1
