from __future__ import annotations

import gzip
import json
from pathlib import Path

import pytest

from marsad.errors import InputError
from marsad.readers import (
    decode,
    document_from_record,
    parse_date,
    read_jsonl,
    read_source,
    reader_for,
)

TEXT = "اشتبكت قوات الجيش مع مسلحين في سرت، وقال مصدر إن الوضع هادئ.\n"


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "utf-16", "utf-16-le",
                                      "utf-16-be", "utf-32", "cp1256", "iso8859_6"])
def test_readers_decode_every_supported_encoding(encoding: str) -> None:
    assert decode(TEXT.encode(encoding)) == TEXT


def test_readers_decode_latin_utf16_without_bom() -> None:
    text = "Plain English, no Arabic at all.\n"
    assert decode(text.encode("utf-16-le")) == text
    assert decode(text.encode("utf-16-be")) == text


def test_readers_decode_utf8_cut_mid_character_stays_utf8() -> None:
    data = (TEXT * 200).rstrip("\n.").encode("utf-8")[:-1]
    text = decode(data)
    assert text.startswith(TEXT) and text.endswith("\ufffd")


@pytest.mark.parametrize("data", [b"", b"   \n\t", "\ufeff".encode("utf-8-sig") + b"  ",
                                  " \n".encode("utf-16")])
def test_readers_decode_empty(data: bytes) -> None:
    with pytest.raises(InputError, match="empty"):
        decode(data, "x.txt")


@pytest.mark.parametrize("data", [
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)),
    b"%PDF-1.4\n\x00\x01\x02\x03\x04\x05\x06\x07\x08" * 20,
    TEXT.encode() + b"\x00\x00" + TEXT.encode(),
])
def test_readers_decode_binary(data: bytes) -> None:
    with pytest.raises(InputError, match="binary"):
        decode(data, "x.bin")


def test_readers_parse_date() -> None:
    assert parse_date("2015-07-21 02:51:32") == "2015-07-21"
    assert parse_date("2018-5-2") == "2018-05-02"
    assert parse_date("2018-02-30") is None
    assert parse_date("yesterday") is None
    assert parse_date(None) is None and parse_date("") is None


def test_readers_records_and_ids() -> None:
    doc = document_from_record({"body": "نص", "id": 7, "date": "2020-01-02T10:00"},
                               fields={"text": "body"})
    assert (doc.text, doc.id, doc.date) == ("نص", "7", "2020-01-02")
    anonymous = document_from_record({"text": "نص"})
    assert len(anonymous.id) == 16
    with pytest.raises(InputError, match="no text"):
        document_from_record({"id": "x"}, fallback_id="f-1")


def test_readers_jsonl_errors_name_the_line() -> None:
    data = b'{"text": "a"}\n\n[1, 2]\n'
    docs = read_jsonl(data, "in.jsonl")
    assert next(docs).text == "a"
    with pytest.raises(InputError, match=r"in.jsonl:3: expected a JSON object"):
        next(docs)


def test_readers_choose_by_suffix_and_read_gzip(tmp_path: Path) -> None:
    assert reader_for("a.jsonl").name == "jsonl"
    assert reader_for("a.JSONL.gz").name == "jsonl"
    assert reader_for("a.json").name == "json"
    assert reader_for("article").name == "text"
    with pytest.raises(InputError, match="unknown input format"):
        reader_for("a.txt", "xml")
    path = tmp_path / "batch.jsonl.gz"
    lines = [json.dumps({"id": f"n{i}", "text": TEXT}, ensure_ascii=False) for i in range(3)]
    path.write_bytes(gzip.compress("\n".join(lines).encode()))
    assert [d.id for d in read_source(str(path))] == ["n0", "n1", "n2"]
    broken = tmp_path / "broken.txt.gz"
    broken.write_bytes(b"not gzip at all")
    with pytest.raises(InputError, match="gzip"):
        list(read_source(str(broken)))


def test_readers_json_list_and_bad_json(tmp_path: Path) -> None:
    path = tmp_path / "two.json"
    path.write_text(json.dumps([{"text": "أ"}, {"text": "ب", "id": "b"}]), encoding="utf-8")
    assert [d.id for d in read_source(str(path))] == ["two-1", "b"]
    path.write_text("{oops", encoding="utf-8")
    with pytest.raises(InputError, match="invalid JSON"):
        list(read_source(str(path)))


def test_readers_stream_large_jsonl_files(tmp_path: Path) -> None:
    lines = [json.dumps({"id": f"r{i}", "text": TEXT * (i % 7 + 1)}, ensure_ascii=False)
             for i in range(3000)]
    raw = ("\ufeff" + "\r\n".join(lines) + "\r\n").encode("utf-8")  # BOM, CRLF
    assert len(raw) > 1 << 20  # more than one read chunk
    for name, data in (("big.jsonl", raw), ("big.jsonl.gz", gzip.compress(raw))):
        path = tmp_path / name
        path.write_bytes(data)
        docs = list(read_source(str(path), date="2019-09-09"))
        assert [d.id for d in docs] == [f"r{i}" for i in range(3000)]
        assert docs[5].text == TEXT * 6 and docs[5].date == "2019-09-09"
    utf16 = tmp_path / "wide.jsonl"
    utf16.write_bytes("\n".join(lines[:3]).encode("utf-16"))
    assert [d.id for d in read_source(str(utf16))] == ["r0", "r1", "r2"]
    broken = tmp_path / "broken.jsonl"
    broken.write_bytes(lines[0].encode() + b"\n" + b'{"text": "\xff\xfe"}\n')
    with pytest.raises(InputError, match=r"broken.jsonl:2: not valid UTF-8"):
        list(read_source(str(broken)))
    cut = tmp_path / "cut.jsonl.gz"
    cut.write_bytes(gzip.compress(raw)[:5000])
    with pytest.raises(InputError, match="gzip"):
        list(read_source(str(cut)))
