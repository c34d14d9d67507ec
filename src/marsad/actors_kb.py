"""The actor knowledge base: loading the data files of ``marsad/data/actors/``.

The KB is plain tab-separated data (see ``data/actors/README.md``):

- actor rows (``curated.tsv``, ``countries.tsv``, ``up_actors.tsv`` and any other
  ``*.tsv`` with the actor header) — one identity per ``kb_id``, one row per period;
- ``roles.tsv`` (titles and offices), ``generic.tsv`` and ``up_agents.tsv`` (generic
  actors), ``nationalities.tsv`` (adjectives), ``cities.tsv`` (places -> country),
  ``given_names.txt``.

Every alias is compiled to a tuple of word keys (:func:`word_key`: hamza, alef, ya and
ta-marbuta folded, diacritics removed, ``ال`` dropped), so «الأمم المتحدة», «الامم المتحده»
and «أمم المتحدة» share one key. :func:`load_kb` is cached.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from pathlib import Path

import regex

from marsad.errors import ModelError
from marsad.normalize import match_key, strip_al
from marsad.normalize import match_key_table as key_chars

log = logging.getLogger(__name__)

ACTOR_COLUMNS = (
    "kb_id", "type", "country", "sector", "code", "name_ar", "name_en", "role", "period",
    "parent", "context", "aliases",
)
#: Files of the actor table shipped with the package, in priority order (earlier wins a key).
ACTOR_FILES = ("curated.tsv", "countries.tsv", "up_actors.tsv")
GENERIC_FILES = ("generic.tsv", "up_agents.tsv")
#: Adjectives that point to an international body rather than a country.
SPECIAL_ADJECTIVES = {"اممي": "UN", "دولي": "", "اوروبي": "EU", "اوربي": "EU"}

_WORD = regex.compile(r"[\u0621-\u064A\u0671-\u06D3]+|[0-9]+")


def word_key(word: str) -> str:
    """The matching key of one word: every fold of :func:`match_key` (hamza, alef, ya,
    ta-marbuta, diacritics) and ``ال`` dropped, so definiteness does not matter."""
    return strip_al(word.translate(key_chars()))


def has_al(word: str) -> bool:
    """True when the word (normalised) carries the article ``ال``."""
    return strip_al(word) != word


def phrase_key(text: str) -> tuple[str, ...]:
    """The key of a multi-word alias: one :func:`word_key` per word."""
    return tuple(word_key(w) for w in _WORD.findall(match_key(text)))


@dataclass(frozen=True, slots=True)
class Period:
    """One period of an actor: its code and role between two dates (ISO, or empty)."""

    country: str | None
    sector: str | None
    code: str | None
    role: str | None
    start: str
    end: str

    def contains(self, date: str) -> bool:
        """True when ``date`` (ISO) falls inside the period (open ends allowed)."""
        return (not self.start or self.start <= date) and (not self.end or date <= self.end)


@dataclass(slots=True)
class Actor:
    """A knowledge-base identity."""

    kb_id: str
    type: str
    name_ar: str
    name_en: str | None
    parent: str | None
    context: str
    source: str
    periods: list[Period] = field(default_factory=list)

    @property
    def dated(self) -> bool:
        """True when at least one period has a date."""
        return any(p.start or p.end for p in self.periods)

    def period_for(self, date: str | None) -> tuple[Period | None, bool]:
        """The period that holds at ``date``; the flag says whether it really contains it.

        Without a date, the latest open period is used. Outside every period, the nearest
        one is returned with ``False``."""
        if not self.periods:
            return None, False
        if date:
            for p in self.periods:
                if p.contains(date):
                    return p, True
            # nearest period by its end (or start)
            best = min(self.periods, key=lambda p: _distance(p, date))
            return best, False
        open_ = [p for p in self.periods if not p.end]
        return (open_[-1] if open_ else self.periods[-1]), True


def _distance(p: Period, date: str) -> int:
    def num(d: str) -> int:
        return int(d[:4]) * 372 + int(d[5:7]) * 31 + int(d[8:10])

    d = num(date)
    if p.end and date > p.end:
        return d - num(p.end)
    if p.start and date < p.start:
        return num(p.start) - d
    return 0


@dataclass(frozen=True, slots=True)
class Role:
    """A title or office (``وزير الخارجية``)."""

    label: str
    sector: str | None
    number: str
    kind: str


@dataclass(frozen=True, slots=True)
class Generic:
    """A generic actor noun (``المدنيين``)."""

    label: str
    sector: str | None
    kind: str
    source: str


@dataclass(frozen=True, slots=True)
class Item:
    """What a matched alias key stands for. ``kind`` is ``actor``, ``ctx_actor``, ``role``,
    ``generic``, ``nationality``, ``place``; ``ref`` is a kb_id, ISO code or lexicon entry."""

    kind: str
    ref: object
    priority: int = 0
    #: for a one-word name: 1 when written with ال (الحوثي), 0 without (مالي, حماس), -1 any
    al: int = -1


@dataclass
class KnowledgeBase:
    """The compiled knowledge base: identities, alias keys and lexicons."""

    actors: dict[str, Actor] = field(default_factory=dict)
    keys: dict[tuple[str, ...], list[Item]] = field(default_factory=dict)
    prefixes: set[tuple[str, ...]] = field(default_factory=set)
    given_names: set[str] = field(default_factory=set)
    #: first word of an organisation name -> default sector (org_heads.tsv)
    org_heads: dict[str, str] = field(default_factory=dict)
    countries_en: dict[str, str] = field(default_factory=dict)
    children: dict[str, set[str]] = field(default_factory=dict)
    #: (country or parent kb_id, role label) -> kb_ids of people who held the role
    role_holders: dict[tuple[str, str], list[str]] = field(default_factory=dict)
    n_aliases: int = 0

    def add(self, key: tuple[str, ...], item: Item) -> None:
        """Register ``item`` under an alias key (a key from a higher-priority source shadows
        lower-priority items of the same kind)."""
        if not key or not all(key):
            return
        items = self.keys.setdefault(key, [])
        if item in items:
            return
        items.append(item)
        self.n_aliases += 1
        for n in range(1, len(key) + 1):
            self.prefixes.add(key[:n])

    def finalize(self) -> None:
        """Drop, under each key, items of a lower-priority source (the imported
        dictionaries) when a curated item exists."""
        nationality = {k[0] for k, v in self.keys.items()
                       if len(k) == 1 and any(i.kind == "nationality" for i in v)}
        heads = {k[0] for k, v in self.keys.items()
                 if len(k) == 1 and any(i.kind in {"role", "generic"} and i.priority == 0
                                        for i in v)}
        places = nationality | {k[0] for k, v in self.keys.items() if len(k) == 1 and any(
            i.kind == "actor" and i.priority == 0 and str(i.ref).isupper() and len(str(i.ref)) == 3
            for i in v)}
        role_heads = {k[0] for k, v in self.keys.items() if any(i.kind == "role" for i in v)}
        role_heads |= {"وزاره", "حكومه", "سفاره"}  # imported «وزارة عمل» coded for one country
        for key, items in self.keys.items():
            if len(key) > 1 and key[0] in role_heads:
                # imported «متحدث باسم حكومة», «رئيس وزراء ...»: the title rules do better
                items[:] = [i for i in items if i.priority == 0]
            if len(key) > 1 and key[0] in heads and any(w in places for w in key[1:]):
                # compositional imported lemmas («وزير خارجية مصري»): the title and
                # nationality rules resolve these, with the office holder and the name
                items[:] = [i for i in items if i.priority == 0]
            if len(key) > 1 and key[0] in nationality:
                # imported lemmas such as «مصري جنسية» are adjectives, not actors
                items[:] = [i for i in items if i.priority == 0]
            if not items:
                continue
            best = min(i.priority for i in items)
            if best < max(i.priority for i in items):
                self.keys[key] = [i for i in items if i.priority == best]
        names_only = self.given_names | {"عبد", "ابو", "بن", "ابن"}
        for key, items in self.keys.items():
            if all(w in names_only for w in key):
                # «عبد العزيز», «محمد»: a given name alone is nobody in particular
                items[:] = [i for i in items if i.priority == 0]
        for key in [k for k, v in self.keys.items() if not v]:
            del self.keys[key]
        self.n_aliases = sum(len(v) for v in self.keys.values())

    def family(self, kb_id: str) -> Iterator[str]:
        """``kb_id`` and its ancestors (parent chain)."""
        seen: set[str] = set()
        current: str | None = kb_id
        while current and current not in seen:
            seen.add(current)
            yield current
            actor = self.actors.get(current)
            current = actor.parent if actor else None

    def stats(self) -> dict[str, int]:
        """Sizes: identities by source, alias keys."""
        by_source = Counter(a.source for a in self.actors.values())
        return {"actors": len(self.actors), "alias_keys": len(self.keys),
                "aliases": self.n_aliases, **{f"actors_{k}": v for k, v in by_source.items()}}


def _rows(text: str, name: str) -> Iterator[list[str]]:
    header: list[str] | None = None
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        cells = line.split("\t")
        if header is None:
            header = cells
            continue
        if len(cells) > len(header):
            raise ModelError(f"{name}:{lineno}: {len(cells)} columns, expected {len(header)}")
        yield cells + [""] * (len(header) - len(cells))


def _period(text: str) -> tuple[str, str]:
    if not text:
        return "", ""
    start, _, end = text.partition("..")
    return start.strip(), end.strip()


def _data_dir() -> Path:
    return Path(str(resources.files("marsad").joinpath("data/actors")))


def _read(directory: Path, name: str) -> str:
    path = directory / name
    try:
        return path.read_text("utf-8")
    except FileNotFoundError:
        raise ModelError(f"actor knowledge-base file missing: {path}") from None


def _load_actor_rows(kb: KnowledgeBase, text: str, name: str, priority: int) -> None:
    source = name.removesuffix(".tsv")
    for cells in _rows(text, name):
        row = dict(zip(ACTOR_COLUMNS, cells, strict=True))
        kb_id = row["kb_id"].strip()
        if not kb_id:
            continue
        start, end = _period(row["period"])
        country = row["country"] or None
        sector = row["sector"] or None
        code = row["code"] or ((country or "") + (sector or "")) or None
        period = Period(country, sector, code, row["role"] or None, start, end)
        actor = kb.actors.get(kb_id)
        if actor is None:
            actor = Actor(kb_id, row["type"] or "org", row["name_ar"], row["name_en"] or None,
                          row["parent"] or None, row["context"], source)
            kb.actors[kb_id] = actor
            if actor.parent:
                kb.children.setdefault(actor.parent, set()).add(kb_id)
        actor.periods.append(period)
        if actor.type == "person" and period.role:
            for owner in (country, actor.parent):
                if owner:
                    kb.role_holders.setdefault((owner, period.role), []).append(kb_id)
        # the aliases column is authoritative (a country's CLDR name may be left out of it,
        # as مالي is: "financial")
        names = [a.strip() for a in row["aliases"].split("|") if a.strip()]
        for alias in names:
            contextual = alias.startswith("?")
            key = phrase_key(alias.lstrip("?"))
            kind = "ctx_actor" if contextual else "actor"
            al = int(has_al(match_key(alias.lstrip("?")))) if len(key) == 1 else -1
            kb.add(key, Item(kind, kb_id, priority, al))


def _load_roles(kb: KnowledgeBase, text: str) -> None:
    for pattern, label, sector, number, kind in _rows(text, "roles.tsv"):
        key = phrase_key(pattern)
        # a one-word title written with ال needs it (الأمير ≠ أمير, a given name;
        # اللواء the rank ≠ لواء, a brigade)
        al = 1 if len(key) == 1 and has_al(match_key(pattern)) else -1
        kb.add(key, Item("role", Role(label, sector or None, number or "sg", kind or "office"),
                         0, al))


def _load_generic(kb: KnowledgeBase, text: str, name: str, priority: int) -> None:
    source = name.removesuffix(".tsv")
    for pattern, sector, label, kind in _rows(text, name):
        kb.add(phrase_key(pattern),
               Item("generic", Generic(label, sector or None, kind or "group", source), priority))


def _derived_adjective(name: str) -> str | None:
    """A nationality adjective guessed from a one-word country name (كينيا -> كيني,
    تشاد -> تشادي, بوروندي -> بوروندي); None for longer names."""
    words = name.split()
    if len(words) != 1 or len(name) < 4:
        return None
    base = strip_al(name)
    if base.endswith("يا"):
        return base[:-1]  # أستراليا -> أسترالي
    if base.endswith(("ا", "ة", "ه")):
        return base[:-1] + "ي"  # أوغندا -> أوغندي
    if base.endswith("ي"):
        return base
    return base + "ي"


def _load_nationalities(kb: KnowledgeBase, text: str) -> None:
    curated: set[str] = set()
    rows = list(_rows(text, "nationalities.tsv"))
    for iso3, _names, _adjs in rows:
        curated.add(iso3)
    for actor in list(kb.actors.values()):
        if actor.type == "country" and actor.kb_id not in curated:
            adj = _derived_adjective(actor.name_ar)
            if adj:
                rows.append([actor.kb_id, "", adj])
    for iso3, _names, adjectives in rows:
        for adj in (a.strip() for a in adjectives.split(",")):
            if not adj:
                continue
            words = adj.split()
            for suffix in ("", "ة", "ين", "ون", "ا", "ان", "تان", "تين", "ات"):
                form = " ".join([*words[:-1], words[-1] + suffix])
                item = Item("nationality", (iso3, suffix in {"ين", "ون", "ان"}))
                kb.add(phrase_key(form), item)
    for adj, body in SPECIAL_ADJECTIVES.items():
        if body:
            kb.add((adj,), Item("nationality", (body, False)))


def _load_cities(kb: KnowledgeBase, text: str) -> None:
    for name, iso3 in _rows(text, "cities.tsv"):
        kb.add(phrase_key(name), Item("place", iso3))


@lru_cache(maxsize=4)
def load_kb(directory: str | None = None) -> KnowledgeBase:
    """Load and compile the actor knowledge base (cached).

    Args:
        directory: a directory with the KB files; default: the one shipped in the package.
            Extra ``*.tsv`` files there with the actor header are loaded too (after the
            shipped ones), so a user can extend the KB with a plain data file.
    Returns:
        The compiled :class:`KnowledgeBase`.
    """
    base = Path(directory) if directory else _data_dir()
    kb = KnowledgeBase()
    for name in ACTOR_FILES:
        _load_actor_rows(kb, _read(base, name), name, 1 if name.startswith("up_") else 0)
    known = {*ACTOR_FILES, *GENERIC_FILES, "roles.tsv", "nationalities.tsv", "cities.tsv",
             "org_heads.tsv"}
    for extra in sorted(base.glob("*.tsv")):
        if extra.name in known:
            continue
        text = extra.read_text("utf-8")
        if "kb_id\ttype\t" in text:
            _load_actor_rows(kb, text, extra.name, 0)
    _load_roles(kb, _read(base, "roles.tsv"))
    for name in GENERIC_FILES:
        _load_generic(kb, _read(base, name), name, 1 if name.startswith("up_") else 0)
    _load_nationalities(kb, _read(base, "nationalities.tsv"))
    _load_cities(kb, _read(base, "cities.tsv"))
    for line in _read(base, "given_names.txt").splitlines():
        if line.strip() and not line.startswith("#"):
            kb.given_names.add(word_key(line.strip()))
    for head, sector in _rows(_read(base, "org_heads.tsv"), "org_heads.tsv"):
        kb.org_heads[word_key(head)] = sector
    kb.finalize()
    for actor in kb.actors.values():
        if actor.type == "country":
            kb.countries_en[actor.kb_id] = actor.name_en or actor.kb_id
    log.debug("actor KB loaded: %s", kb.stats())
    return kb
