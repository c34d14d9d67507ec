"""`marsad export`: ACLED-like CSV, PLOVER JSONL, GeoJSON, Parquet; filters; safe writes."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import pytest

from _observatory_fixtures import fill_store
from marsad.cli import main
from marsad.errors import InputError
from marsad.export import CSV_COLUMNS, available_formats, export_to_path, get_exporter
from marsad.store import EventFilter, open_store


@pytest.fixture
def db(tmp_path: Path) -> str:
    path = str(tmp_path / "e.db")
    with open_store(path) as store:
        fill_store(store)
    return path


def _export(capsys: pytest.CaptureFixture[str], db: str, *args: str) -> tuple[int, str]:
    code = main(["export", "--db", db, *args])
    return code, capsys.readouterr().out


def test_export_csv_has_acled_columns(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events.csv"
    code, summary = _export(capsys, db, "--format", "csv", "-o", str(out))
    assert code == 0 and json.loads(summary)["events"] == 4
    raw = out.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # BOM for spreadsheets
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig"))))
    assert tuple(rows[0].keys()) == CSV_COLUMNS
    assault = next(r for r in rows if r["event_type"] == "ASSAULT")
    assert assault["event_date"] == "2018-05-20" and assault["sub_event_type"] == "heavy-weapons"
    assert assault["actor1"] == "الجيش الوطني الليبي" and assault["actor1_code"] == "LBYMIL"
    assert assault["actor2"] == "مسلحين" and assault["country"] == "LBY"
    assert assault["admin1"] == "Darnah" and assault["location"] == "درنة"
    assert float(assault["latitude"]) == pytest.approx(32.767)
    assert assault["geo_precision"] == "1" and assault["time_precision"] == "1"
    assert assault["fatalities"] == "3" and assault["notes"].startswith("قصفت")
    assert assault["negated"] == "0" and assault["hypothetical"] == "0"
    assert float(assault["confidence"]) > 0
    request = next(r for r in rows if r["event_type"] == "REQUEST")
    assert request["time_precision"] == "3" and request["event_date"] == "2018-06-01"
    assert [r["event_date"] for r in rows] == sorted(r["event_date"] for r in rows)


def test_export_jsonl_to_stdout_with_filters(db: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = _export(capsys, db, "--format", "jsonl", "--country", "LBY", "--type", "PROTEST")
    assert code == 0
    records = [json.loads(line) for line in out.splitlines()]
    assert len(records) == 1
    rec = records[0]
    assert rec["type"] == "PROTEST" and rec["mode"] == "demo"
    assert set(rec) >= {"source", "target", "location", "date", "date_precision", "evidence",
                        "confidence", "negated", "hypothetical", "reported_by", "fatalities",
                        "injured", "contexts", "article"}
    code, out = _export(capsys, db, "--format", "jsonl", "--from", "2018-06-01", "-q", "القاهرة")
    assert [json.loads(line)["type"] for line in out.splitlines()] == ["REQUEST"]


def test_export_geojson(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "events.geojson"
    assert _export(capsys, db, "--format", "geojson", "-o", str(out))[0] == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["type"] == "FeatureCollection" and len(data["features"]) == 4
    derna = next(f for f in data["features"] if f["properties"]["event_type"] == "ASSAULT")
    assert derna["geometry"] == {"type": "Point", "coordinates": [22.637, 32.767]}


def test_export_parquet(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    import pyarrow.parquet as pq

    out = tmp_path / "events.parquet"
    assert _export(capsys, db, "--format", "parquet", "-o", str(out))[0] == 0
    table = pq.read_table(out)
    assert table.num_rows == 4
    assert set(CSV_COLUMNS) <= set(table.column_names)
    rows = table.to_pylist()
    assault = next(r for r in rows if r["event_type"] == "ASSAULT")
    assert assault["fatalities"] == 3 and assault["contexts"] == ["military", "terrorism"]
    assert _export(capsys, db, "--format", "parquet")[0] == 65  # binary needs a file


def test_export_never_overwrites_without_force(db: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "keep.csv"
    out.write_text("precious", encoding="utf-8")
    code = main(["export", "--db", db, "--format", "csv", "-o", str(out)])
    assert code == 65 and "already exists" in capsys.readouterr().err
    assert out.read_text(encoding="utf-8") == "precious"
    assert _export(capsys, db, "--format", "csv", "-o", str(out), "--force")[0] == 0
    assert out.read_text(encoding="utf-8-sig").startswith("event_id,")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".part")] == []


def test_export_failure_leaves_no_partial_file(db: str, tmp_path: Path) -> None:
    def broken():  # type: ignore[no-untyped-def]
        with open_store(db, readonly=True) as store:
            yield from store.iter_events(EventFilter())
        raise RuntimeError("disk on fire")

    out = tmp_path / "half.jsonl"
    with pytest.raises(RuntimeError):
        export_to_path(broken(), "jsonl", out)
    assert not out.exists()
    assert list(tmp_path.glob("*.part")) == []


def test_exporter_registry() -> None:
    assert available_formats() == ["csv", "geojson", "jsonl", "parquet"]
    assert get_exporter("geojson").media_type == "application/geo+json"
    with pytest.raises(InputError, match="unknown export format"):
        get_exporter("xlsx")
