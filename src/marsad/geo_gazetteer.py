"""The compiled gazetteer: loading, lookup keys and the word-sequence index.

The data file ``marsad/data/places/gazetteer.tsv.gz`` is built by
``scripts/build_gazetteer.py`` from GeoNames-derived packages (CC BY 4.0) and a curated
list; see ``marsad/data/places/README.md``. Keys are computed once at load time with
:func:`word_key` so that matching is a dictionary look-up per word.
"""

from __future__ import annotations

import csv
import gzip
import io
from collections import defaultdict
from collections.abc import Mapping
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources

from marsad.errors import ModelError
from marsad.normalize import match_key_table as key_chars

#: Place kinds, from the coarsest to the finest.
KINDS = ("country", "region", "admin1", "admin2", "city")


@dataclass(frozen=True, slots=True)
class Place:
    """One gazetteer entry."""

    index: int
    id: str
    geonames_id: int | None
    name: str
    name_en: str
    kind: str
    country: str
    admin1: str
    admin1_code: str
    lat: float
    lon: float
    population: int


def word_key(word: str) -> str:
    """The key a single word is matched by (all folds on, hyphen/quote marks dropped)."""
    return word.translate(key_chars()).replace("-", "").replace("'", "")


def alias_keys(alias: str) -> tuple[str, ...]:
    """An alias as a tuple of word keys (``قطاع غزة`` -> ``("قطاع", "غزه")``)."""
    return tuple(k for k in (word_key(w) for w in alias.replace("-", " ").split()) if k)


class Gazetteer:
    """Places and an index from word-key sequences to the places they name."""

    def __init__(self, places: list[Place], aliases: list[tuple[tuple[str, ...], ...]]) -> None:
        self.places = places
        #: first word key -> {alias key tuple -> place indices}
        self._index: dict[str, dict[tuple[str, ...], list[int]]] = defaultdict(dict)
        self._primary: dict[int, tuple[str, ...]] = {}
        for place, keys in zip(places, aliases, strict=True):
            for alias in keys:
                self._index[alias[0]].setdefault(alias, []).append(place.index)
            if keys:
                self._primary[place.index] = keys[0]
        #: longest alias length per first key, to bound the look-ahead
        self._longest = {k: max(len(a) for a in v) for k, v in self._index.items()}

    def __len__(self) -> int:
        return len(self.places)

    def starts(self, key: str) -> bool:
        """True when some alias begins with the word key ``key``."""
        return key in self._index

    @property
    def first_words(self) -> Mapping[str, int]:
        """First word key of every alias -> the number of words of the longest alias
        that begins with it."""
        return self._longest

    def match_at(self, keys: list[str], i: int, first: str) -> tuple[int, list[int]] | None:
        """The longest alias starting at word ``i`` (whose key is replaced by ``first``):
        ``(number of words, place indices)`` or None."""
        table = self._index.get(first)
        if table is None:
            return None
        longest = min(self._longest[first], len(keys) - i)
        for n in range(longest, 0, -1):
            alias = (first, *keys[i + 1 : i + n])
            hit = table.get(alias)
            if hit:
                return n, hit
        return None

    def lookup(self, name: str) -> list[Place]:
        """Every place an exact name (any alias) refers to, most populous first."""
        keys = alias_keys(name)
        if not keys:
            return []
        hit = self._index.get(keys[0], {}).get(keys, [])
        return sorted((self.places[i] for i in hit), key=lambda p: -p.population)

    def is_primary(self, index: int, alias: tuple[str, ...]) -> bool:
        """True when ``alias`` is the place's canonical name."""
        return self._primary.get(index) == alias


def _parse(text: str) -> Gazetteer:
    places: list[Place] = []
    aliases: list[tuple[tuple[str, ...], ...]] = []
    reader = csv.DictReader(io.StringIO(text), delimiter="\t")
    for i, row in enumerate(reader):
        gid = row["geonames_id"]
        places.append(
            Place(
                index=i,
                id=row["id"],
                geonames_id=int(gid) if gid.isdigit() else None,
                name=row["name"],
                name_en=row["name_en"],
                kind=row["kind"],
                country=row["country"],
                admin1=row["admin1"],
                admin1_code=row["admin1_code"],
                lat=float(row["lat"]),
                lon=float(row["lon"]),
                population=int(float(row["population"] or 0)),
            )
        )
        seen: list[tuple[str, ...]] = []
        for alias in [row["name"], *row["aliases"].split("|")]:
            keys = alias_keys(alias)
            if keys and keys not in seen:
                seen.append(keys)
        aliases.append(tuple(seen))
    return Gazetteer(places, aliases)


@lru_cache(maxsize=1)
def load_gazetteer() -> Gazetteer:
    """The packaged gazetteer (loaded once)."""
    try:
        raw = resources.files("marsad").joinpath("data/places/gazetteer.tsv.gz").read_bytes()
        return _parse(gzip.decompress(raw).decode("utf-8"))
    except (FileNotFoundError, OSError, KeyError, ValueError) as exc:
        raise ModelError(f"cannot load the gazetteer: {exc}") from exc


def _read_lines(name: str) -> list[str]:
    text = resources.files("marsad").joinpath(f"data/places/{name}").read_text("utf-8")
    return [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.startswith("#")]


@lru_cache(maxsize=1)
def load_ambiguous() -> frozenset[str]:
    """Word keys of place names that are also common words: matched only with context
    (a trigger word, a list of places, or an NER tag)."""
    return frozenset(
        " ".join(alias_keys(ln.lstrip("!").split("\t")[0])) for ln in _read_lines("ambiguous.txt")
    )


@lru_cache(maxsize=1)
def load_strict() -> frozenset[str]:
    """Word keys of names (marked ``!`` in ``ambiguous.txt``) read as places only inside an
    NER LOC/GPE entity."""
    return frozenset(
        " ".join(alias_keys(ln[1:])) for ln in _read_lines("ambiguous.txt") if ln.startswith("!")
    )


@lru_cache(maxsize=1)
def load_demonyms() -> dict[str, str]:
    """Nisba adjective stem key (``ليبي``) -> ISO alpha-3 country code."""
    out: dict[str, str] = {}
    for ln in _read_lines("demonyms.tsv"):
        form, country = ln.split("\t")[:2]
        out[word_key(form)] = country.strip()
    return out


@lru_cache(maxsize=1)
def load_not_places() -> frozenset[str]:
    """Word keys of words that are never a place by themselves (``not_places.txt``)."""
    return frozenset(word_key(ln) for ln in _read_lines("not_places.txt"))


@lru_cache(maxsize=1)
def load_short_names() -> frozenset[str]:
    """Keys of the short (<= 3 letters) names matched without context."""
    return frozenset(word_key(ln) for ln in _read_lines("short_names.txt"))
