"""A readable terminal view of a document, with Arabic shaped right-to-left."""

from __future__ import annotations

from collections import defaultdict

from marsad.display import rtl
from marsad.doc import Document


def render_table(doc: Document, *, shape: bool = True, width: int = 100) -> str:
    """The document as text: header, then each sentence with its tokens, entities,
    places, dates and events."""

    def r(text: str) -> str:
        return rtl(text, shape=shape)

    lines = [f"# {doc.id}  date={doc.date or '-'}  sentences={len(doc.sentences)} "
             f"tokens={len(doc.tokens)} entities={len(doc.entities)} events={len(doc.events)}"]
    by_sentence: dict[int, list[str]] = defaultdict(list)
    for tok in doc.tokens:
        by_sentence[tok.sentence].append(tok.form if tok.kind != "stem" else tok.text)
    for i, sent in enumerate(doc.sentences):
        lines.append("")
        lines.append(f"[{i}] {sent.start}-{sent.end}")
        lines.append("    " + r(sent.text))
        if by_sentence.get(i):
            lines.append("    tokens: " + r(" | ".join(by_sentence[i])))
        for ent in doc.entities:
            if sent.start <= ent.start < sent.end:
                title = f" (title: {r(ent.title)})" if ent.title else ""
                lines.append(f"    {ent.type:<5} {ent.start:>6}-{ent.end:<6} {r(ent.text)}{title}")
        for place in doc.places:
            if sent.start <= place.start < sent.end:
                where = f"{place.lat:.3f},{place.lon:.3f}" if place.lat is not None and place.lon is not None else "-"
                lines.append(f"    PLACE {r(place.text)} -> {place.name_en or place.name} "
                             f"[{place.kind}, {place.country}] {where}")
        for t in doc.times:
            if sent.start <= t.start < sent.end:
                lines.append(f"    TIME  {r(t.text)} -> {t.value} ({t.precision})")
        for ev in doc.events:
            if ev.sentence == i:
                src = ev.source.name or ev.source.text if ev.source else "-"
                tgt = ev.target.name or ev.target.text if ev.target else "-"
                loc = ev.location.name or ev.location.text if ev.location else "-"
                flags = "".join(f" [{f}]" for f, on in (("negated", ev.negated),
                                ("hypothetical", ev.hypothetical)) if on)
                lines.append(f"    EVENT {ev.type}{'/' + ev.mode if ev.mode else ''}: "
                             f"{r(src)} -> {r(tgt)} @ {r(loc)} on {_date_text(ev.date)}{flags}")
    return "\n".join(lines) + "\n"


def _date_text(date: object) -> str:
    """An event date for reading: the ISO date, an interval as ISO 8601 ``start/end``."""
    if isinstance(date, dict):
        return f"{date.get('start') or '..'}/{date.get('end') or '..'}"
    return str(date) if date else "-"
