"""The shared Derna sample article (read in place): the persons and places it must yield."""

from __future__ import annotations

from pathlib import Path

import regex

from marsad.pipeline import Pipeline

PERSONS = ("عمر سرور", "احمد المسماري", "غسان سلامة", "حفتر", "عبد القادر مساهل",
           "خميس الجهيناوي", "سامح شكري")
PLACES = ("درنة", "ليبيا", "الجزائر", "مصر", "تونس", "سبها", "تاورغاء", "القبة", "القاهرة")


def test_derna_sample(shared_data: Path) -> None:
    text = (shared_data / "samples" / "derna_2018-05-22.txt").read_text("utf-8")
    doc = Pipeline.from_config(stages=["sentences", "tokens", "ner"])(text)
    persons = {e.text for e in doc.entities if e.type == "PER"}
    for name in PERSONS:
        assert any(name == p or name in p.split() or p.endswith(name) for p in persons), name
    places = {(e.start, e.end) for e in doc.entities if e.type in ("LOC", "GPE")}
    n = 0
    for name in PLACES:
        pattern = r"(?<![\p{L}\p{M}])(?:[وفبلك]|وب|ول|فب|فل)?(" + name + r")(?![\p{L}\p{M}])"
        for m in regex.finditer(pattern, text):
            assert m.span(1) in places, (name, m.span(1))
            n += 1
    assert n >= 20
