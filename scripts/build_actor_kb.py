#!/usr/bin/env python
"""Build the generated parts of Marsad's actor knowledge base.

Writes, under ``src/marsad/data/actors/``:

- ``countries.tsv`` — every ISO 3166 country with its Arabic name from CLDR (``babel``),
  the English name, and the extra Arabic names and capitals curated in
  ``nationalities.tsv``;
- ``up_actors.tsv`` — named actors from the UniversalPetrarch Arabic actor dictionary
  (``actor_dict_ar_v4.txt``, Open Event Data Alliance, MIT), one row per code period;
- ``up_agents.tsv`` — generic agents from ``agents.all.ar_v3.txt`` (same source).

The curated files (``curated.tsv``, ``roles.tsv``, ``generic.tsv``, ``nationalities.tsv``,
``cities.tsv``, ``given_names.txt``) are edited by hand and only read here.

Usage::

    .venv/bin/python scripts/build_actor_kb.py [--dictionaries DIR]

``babel`` and ``pycountry`` are needed only to run this script (not at run time).
"""

from __future__ import annotations

import argparse
import logging
import re
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "src" / "marsad" / "data" / "actors"
DICTS = ROOT.parent / "shared" / "data" / "events" / "up_arabic_dictionaries"

ACTOR_HEADER = (
    "kb_id\ttype\tcountry\tsector\tcode\tname_ar\tname_en\trole\tperiod\tparent\tcontext\taliases"
)
#: CAMEO pseudo-countries accepted as the first three letters of a code.
PSEUDO = {"IGO", "IMG", "NGO"}
#: Sector codes accepted after the country (CAMEO/PLOVER).
SECTORS = {
    "GOV", "MIL", "COP", "REB", "INS", "UAF", "IGO", "UNO", "NGO", "JUD", "LEG", "PTY", "OPP",
    "CVL", "MED", "JRN", "BUS", "REL", "REF", "SPY", "ELI", "LAB", "EDU", "HLH", "AGR", "CRM",
    "HRI", "ENV", "MOD", "RAD", "SEP", "IMG", "DEV", "SET", "MUS", "CHR", "JEW",
}
#: Imported names that are mostly something else in news text (the region, not the paper).
SKIP_IMPORTED = {"شرق أوسط", "الشرق الأوسط", "شرق الأوسط"}
#: CLDR country names that are common words; replaced by unambiguous forms.
AMBIGUOUS_COUNTRY_NAMES = {"مالي": ["جمهورية مالي", "دولة مالي", "باماكو"]}
_DATE = re.compile(r"(\d{8})?\s*([<>-])?\s*(\d{8})?")

log = logging.getLogger("build_actor_kb")


def _fmt(date: str | None) -> str:
    if not date or date in {"18000101", "19700101"}:
        return ""
    return f"{date[:4]}-{date[4:6]}-{date[6:]}"


def parse_period(text: str) -> str:
    """Turn ``20101221-20140908``, ``>20121105`` or ``<20081210`` into ``start..end``."""
    text = text.strip()
    if not text:
        return ""
    if text.startswith(">"):
        return f"{_fmt(text[1:].strip())}.."
    if text.startswith("<"):
        return f"..{_fmt(text[1:].strip())}"
    if "-" in text:
        start, end = (p.strip() for p in text.split("-", 1))
        s, e = _fmt(start), _fmt(end)
        if s and e and e < s:  # the dictionary has a few inverted ranges: keep the start
            e = ""
        return f"{s}..{e}"
    return ""


def split_code(code: str, countries: set[str]) -> tuple[str, str] | None:
    """Split a CAMEO code into (country, sector); None when it has no usable sector."""
    code = code.strip().upper()
    if len(code) < 3:
        return None
    head = code[:3]
    if head in countries or head in PSEUDO:
        rest = code[3:6]
        if head == "IGO":
            return "", "IGO"
        if rest in SECTORS:
            return head, rest
        return None
    return None


def _words(lemma: str) -> str:
    """``أمين_عام_ل_أمة_المتحدة_`` -> ``أمين عام لأمة المتحدة`` (clitic ل joined)."""
    parts = [p for p in lemma.strip().strip("_").split("_") if p]
    out: list[str] = []
    glue = ""
    for p in parts:
        if p in {"ل", "ب", "و", "ك", "لل"}:
            glue += p
            continue
        out.append(glue + p)
        glue = ""
    return " ".join(out)


def iter_actor_dict(path: Path) -> Iterator[tuple[str, list[tuple[str, str]]]]:
    """Yield ``(name, [(code, period) ...])`` for each entry of ``actor_dict_ar_v4.txt``."""
    name: str | None = None
    codes: list[tuple[str, str]] = []
    inline = re.compile(r"^(.*?)\s*\[([^\]]*)\]\s*$")
    for raw in path.read_text("utf-8").splitlines():
        if not raw.strip() or raw.lstrip().startswith("#"):
            continue
        if raw.startswith("\t"):
            m = re.search(r"\[([^\]]*)\]", raw)
            if m and name is not None:
                body = m.group(1).strip()
                code, _, period = body.partition(" ")
                codes.append((code, parse_period(period)))
            continue
        if name is not None:
            yield name, codes
        m = inline.match(raw.strip())
        if m:
            name = m.group(1).strip()
            body = m.group(2).strip()
            code, _, period = body.partition(" ")
            codes = [(code, parse_period(period))] if code else []
        else:
            name = raw.strip()
            codes = []
    if name is not None:
        yield name, codes


def build_up_actors(path: Path, countries: set[str]) -> list[str]:
    """Rows for ``up_actors.tsv``: multi-word names, and single-word names of the
    ``الـ...`` shape (surnames such as القذافي), with a country+sector code.
    An entry repeated in the dictionary is merged; its first row carries the alias."""
    periods: dict[str, list[tuple[str, str, str, str]]] = {}
    names: dict[str, str] = {}
    for lemma, codes in iter_actor_dict(path):
        if not lemma or lemma[0].isdigit():
            continue
        name = _words(lemma)
        if name in SKIP_IMPORTED:
            continue
        n_words = len(name.split())
        if n_words == 1 and not (name.startswith("ال") and len(name) >= 6):
            continue
        kb_id = "up:" + "_".join(name.split())
        names[kb_id] = name
        for code, period in codes:
            split = split_code(code, countries)
            if split is None:
                continue
            row = (split[0], split[1], code.upper(), period)
            if row not in periods.setdefault(kb_id, []):
                periods[kb_id].append(row)
    rows: list[str] = []
    for kb_id, rows_of in periods.items():
        for i, (country, sector, code, period) in enumerate(rows_of):
            aliases = names[kb_id] if i == 0 else ""
            rows.append("\t".join([kb_id, "actor", country, sector, code, names[kb_id], "", "",
                                   period, "", "", aliases]))
    return rows


def build_up_agents(path: Path) -> list[str]:
    """Rows for ``up_agents.tsv``: multi-word generic agents with their sector."""
    rows: list[str] = []
    seen: set[str] = set()
    institution = {"GOV", "MIL", "COP", "LEG", "JUD", "SPY"}
    for raw in path.read_text("utf-8").splitlines():
        m = re.match(r"^\s*([^\[#]+?)\s*\[~?([A-Z]{3})[A-Z]*\]", raw)
        if not m:
            continue
        name = _words(m.group(1))
        sector = m.group(2)
        if len(name.split()) < 2 or name in seen or sector not in SECTORS:
            continue
        seen.add(name)
        kind = "institution" if sector in institution else "group"
        rows.append("\t".join([name, sector, name, kind]))
    return rows


def build_countries(out: Path) -> list[str]:
    """Rows for ``countries.tsv`` from CLDR and ``nationalities.tsv``."""
    import pycountry
    from babel import Locale

    ar = Locale("ar").territories
    en = Locale("en").territories
    extra: dict[str, list[str]] = {}
    for line in (out / "nationalities.tsv").read_text("utf-8").splitlines():
        if not line or line.startswith("#") or line.startswith("iso3\t"):
            continue
        iso3, names, _adjs = [*line.split("\t"), "", ""][:3]
        extra[iso3] = [n.strip() for n in names.split(",") if n.strip()]
    rows: list[str] = []
    for country in pycountry.countries:
        a2, a3 = country.alpha_2, country.alpha_3
        name_ar = ar.get(a2)
        if not name_ar:
            continue
        name_en = en.get(a2, country.name)
        aliases = [name_ar, *extra.get(a3, [])]
        if name_ar in AMBIGUOUS_COUNTRY_NAMES:
            aliases = [*AMBIGUOUS_COUNTRY_NAMES[name_ar], *extra.get(a3, [])]
        aliases = [a for a in dict.fromkeys(aliases) if a]
        rows.append(
            "\t".join([a3, "country", a3, "", a3, name_ar, name_en, "", "", "", "",
                       "|".join(aliases)])
        )
    return rows


def main() -> None:
    """Regenerate the generated KB files."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--dictionaries", type=Path, default=DICTS)
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")

    countries = build_countries(OUT)
    (OUT / "countries.tsv").write_text(
        "# Generated by scripts/build_actor_kb.py from CLDR (babel) and nationalities.tsv.\n"
        + ACTOR_HEADER + "\n" + "\n".join(countries) + "\n",
        "utf-8",
    )
    iso3 = {r.split("\t")[0] for r in countries}
    up = build_up_actors(args.dictionaries / "actor_dict_ar_v4.txt", iso3)
    (OUT / "up_actors.tsv").write_text(
        "# Generated by scripts/build_actor_kb.py from UniversalPetrarch actor_dict_ar_v4.txt\n"
        "# (Open Event Data Alliance, MIT). Names are lemmatised as in the source.\n"
        + ACTOR_HEADER + "\n" + "\n".join(up) + "\n",
        "utf-8",
    )
    agents = build_up_agents(args.dictionaries / "agents.all.ar_v3.txt")
    (OUT / "up_agents.tsv").write_text(
        "# Generated by scripts/build_actor_kb.py from UniversalPetrarch agents.all.ar_v3.txt\n"
        "# (Open Event Data Alliance, MIT). Lemmatised generic agents.\n"
        "pattern\tsector\tlabel\tkind\n" + "\n".join(agents) + "\n",
        "utf-8",
    )
    log.info("countries: %d, up actors: %d rows, up agents: %d", len(countries), len(up),
             len(agents))


if __name__ == "__main__":
    main()
