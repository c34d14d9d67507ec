"""Reading articles from files: encoding detection and format readers, by registry.

A reader takes raw bytes (and the source name) and yields :class:`~marsad.doc.Document`
objects. Readers are registered by format name and file suffix; :func:`read_path` picks
one by suffix, :func:`read_bytes` by explicit format.
"""

from __future__ import annotations

import hashlib
import json
import logging
import re
import sys
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, cast

from marsad.doc import Document
from marsad.errors import InputError
from marsad.normalize import BIDI_MARKS

Reader = Callable[..., Iterator[Document]]
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReaderSpec:
    """A registered reader: its name, the file suffixes it claims and the function."""

    name: str
    suffixes: tuple[str, ...]
    func: Reader


_READERS: dict[str, ReaderSpec] = {}


def register_reader(name: str, *, suffixes: tuple[str, ...] = ()) -> Callable[[Reader], Reader]:
    """Register a reader for a format name and its file suffixes (decorator)."""

    def decorator(func: Reader) -> Reader:
        _READERS[name] = ReaderSpec(name, suffixes, func)
        return func

    return decorator


def reader_for(path: str | Path, fmt: str | None = None) -> ReaderSpec:
    """The reader for an explicit format, or for the file's suffix (plain text otherwise)."""
    if fmt:
        if fmt not in _READERS:
            raise InputError(f"unknown input format {fmt!r} (known: {', '.join(sorted(_READERS))})")
        return _READERS[fmt]
    suffixes = [s.lower() for s in Path(str(path)).suffixes]
    if suffixes and suffixes[-1] == ".gz":
        suffixes = suffixes[:-1]
    suffix = suffixes[-1] if suffixes else ""
    for spec in _READERS.values():
        if suffix in spec.suffixes:
            return spec
    return _READERS["text"]


# ---------------------------------------------------------------------------- decoding

#: Whitespace and invisible marks: a text made only of these is empty.
_BLANK = " \t\n\r\x0b\x0c\x85\xa0\u2028\u2029\u3000" + BIDI_MARKS
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode(data: bytes, name: str = "input") -> str:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16 (with or without BOM),
    UTF-32 with BOM, Windows-1256 or ISO-8859-6. Raises :class:`InputError` for empty or
    binary input."""
    if not data.strip():
        raise InputError(f"{name}: the input is empty")
    if data.startswith(b"\xef\xbb\xbf"):
        return _non_empty(_decode_as(data[3:], "utf-8", name), name)
    if data.startswith((b"\xff\xfe\x00\x00", b"\x00\x00\xfe\xff")):
        return _non_empty(_decode_as(data, "utf-32", name), name)
    if data.startswith((b"\xff\xfe", b"\xfe\xff")):
        return _non_empty(_decode_as(data, "utf-16", name), name)
    utf16 = _guess_utf16(data)
    if utf16 is not None:
        return _non_empty(_decode_as(data, utf16, name), name)
    sample = data[:65536]
    if b"\x00" in sample or len(_BINARY_CONTROL.findall(sample)) > max(2, len(sample) // 200):
        raise InputError(f"{name}: looks like a binary file, not text")
    try:
        return _non_empty(data.decode("utf-8"), name)
    except UnicodeDecodeError:
        pass
    # UTF-8 with a few broken bytes (a file cut mid-character) is still UTF-8; legacy
    # Arabic code pages give invalid UTF-8 on almost every letter
    text = data.decode("utf-8", errors="replace")
    bad = text.count("\ufffd")
    if bad <= max(2, len(text) // 1000):
        log.warning("%s: %d invalid UTF-8 byte sequence(s) replaced by U+FFFD", name, bad)
        return _non_empty(text, name)
    return _decode_legacy(data, name)


def _non_empty(text: str, name: str) -> str:
    """``text``, unless it holds nothing but whitespace and invisible marks."""
    if not text.strip(_BLANK):
        raise InputError(f"{name}: the input is empty")
    return text


def _guess_utf16(data: bytes) -> str | None:
    """``utf-16-le``/``utf-16-be`` when BOM-less bytes look like UTF-16 text: in one byte
    position of each pair a couple of values dominate (the high byte of Arabic is 0x06, of
    ASCII 0x00), and the decoded sample is readable text."""
    sample = data[: min(len(data), 8192) // 2 * 2]
    if len(sample) < 4:
        return None
    for encoding, high in (("utf-16-le", sample[1::2]), ("utf-16-be", sample[0::2])):
        counts = sorted((high.count(b) for b in set(high)), reverse=True)
        if sum(counts[:3]) < 0.9 * len(high):
            continue
        try:
            text = sample.decode(encoding)
        except UnicodeDecodeError:
            continue
        if _readable_share(text) >= 0.95:
            return encoding
    return None


def _readable_share(text: str) -> float:
    """The share of characters that are ordinary text: whitespace, Latin or Arabic letters,
    digits, punctuation (not CJK or control soup)."""
    ok = sum(1 for ch in text if ch in "\n\r\t" or " " <= ch < "\u0250" or
             "\u0600" <= ch <= "\u06ff" or "\u2000" <= ch <= "\u206f" or
             "\ufb50" <= ch <= "\ufeff")
    return ok / max(1, len(text))


def _decode_as(data: bytes, encoding: str, name: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError:
        raise InputError(f"{name}: is not valid {encoding}") from None


def _decode_legacy(data: bytes, name: str) -> str:
    # Windows-1256 and ISO-8859-6 both decode almost any byte string; prefer the one that
    # yields the most Arabic letters and the fewest control characters.
    best: tuple[float, str] | None = None
    for encoding in ("cp1256", "iso8859_6"):
        try:
            text = data.decode(encoding)
        except UnicodeDecodeError:
            continue
        arabic = sum(1 for ch in text if "\u0621" <= ch <= "\u064a")
        bad = sum(1 for ch in text if ord(ch) < 32 and ch not in "\n\r\t")
        score = arabic - 10 * bad
        if best is None or score > best[0]:
            best = (score, text)
    if best is None:
        try:
            from charset_normalizer import from_bytes

            match = from_bytes(data).best()
        except Exception:  # charset-normalizer is best effort
            match = None
        if match is None:
            raise InputError(f"{name}: cannot detect the text encoding")
        return str(match)
    return best[1]


# ---------------------------------------------------------------------------- helpers


def doc_id_for(text: str) -> str:
    """A stable id from the content (first 16 hex digits of its SHA-1)."""
    return hashlib.sha1(text.encode("utf-8")).hexdigest()[:16]


_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")


def parse_date(value: Any) -> str | None:
    """An ISO ``YYYY-MM-DD`` from a date-like value (``2015-07-21 02:51:32`` too), or None."""
    if value is None or value == "":
        return None
    m = _DATE.match(str(value))
    if not m:
        return None
    year, month, day = (int(g) for g in m.groups())
    import datetime as _dt

    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def document_from_record(record: Mapping[str, Any], *, fields: Mapping[str, str] | None = None,
                         default_date: str | None = None, fallback_id: str = "") -> Document:
    """Make a Document from a JSON-like record (``text`` required; ``id``, ``date``,
    ``title``, ``source``, ``url`` optional). ``fields`` renames: ``{"text": "body"}``."""
    f = {"text": "text", "id": "id", "date": "date", "title": "title", "source": "source", "url": "url"}
    if fields:
        f.update(fields)
    text = record.get(f["text"])
    if not isinstance(text, str):
        raise InputError(f"record {fallback_id or '?'} has no text field {f['text']!r}")
    raw_id = record.get(f["id"])
    date = parse_date(record.get(f["date"])) or default_date

    def opt(key: str) -> str | None:
        value = record.get(f[key])
        return str(value) if value not in (None, "") else None

    return Document(
        text=text,
        id=str(raw_id) if raw_id not in (None, "") else (fallback_id or doc_id_for(text)),
        date=date,
        title=opt("title"),
        source=opt("source"),
        url=opt("url"),
    )


# ---------------------------------------------------------------------------- readers


@register_reader("text", suffixes=(".txt", ".text", ""))
def read_text(data: bytes, name: str, *, date: str | None = None, **_: Any) -> Iterator[Document]:
    """One plain-text article per file."""
    text = decode(data, name)
    stem = Path(name).name.split(".")[0] if name not in ("-", "<stdin>") else ""
    yield Document(text=text, id=stem or doc_id_for(text), date=date)


@register_reader("jsonl", suffixes=(".jsonl", ".ndjson"))
def read_jsonl(data: bytes, name: str, *, date: str | None = None,
               fields: Mapping[str, str] | None = None, **_: Any) -> Iterator[Document]:
    """One article per line: a JSON object with ``text`` and optional metadata."""
    text = decode(data, name)
    yield from _jsonl_records(enumerate(text.splitlines(), 1), name, date=date, fields=fields)


def _jsonl_records(lines: Iterable[tuple[int, str]], name: str, *, date: str | None,
                   fields: Mapping[str, str] | None) -> Iterator[Document]:
    for lineno, line in lines:
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{name}:{lineno}: invalid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{name}:{lineno}: expected a JSON object")
        yield document_from_record(record, fields=fields, default_date=date,
                                   fallback_id=f"{Path(name).stem}-{lineno}")


def _stream_jsonl(path: Path, name: str, *, date: str | None = None,
                  fields: Mapping[str, str] | None = None, **_: Any) -> Iterator[Document]:
    """Read a (gzipped) UTF-8 JSON-lines file line by line, without loading it whole.
    Files in another encoding are decoded whole by :func:`read_jsonl`."""
    import gzip

    try:
        with _open_binary(path) as fh:
            head = fh.read(65536)
            if not head.strip():
                raise InputError(f"{name}: the input is empty")
            if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head:
                yield from read_jsonl(head + fh.read(), name, date=date, fields=fields)
                return
            if head.startswith(b"\xef\xbb\xbf"):
                head = head[3:]
            yield from _jsonl_records(_utf8_lines(head, fh, name), name, date=date,
                                      fields=fields)
    except (EOFError, gzip.BadGzipFile):
        raise InputError(f"{path}: not a valid gzip file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def _open_binary(path: Path) -> IO[bytes]:
    import gzip

    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _utf8_lines(first: bytes, fh: IO[bytes], name: str) -> Iterator[tuple[int, str]]:
    """Numbered, decoded lines of ``first`` followed by the rest of ``fh``."""
    buf = first
    lineno = 0
    while True:
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            lineno += 1
            yield lineno, _decode_line(raw, name, lineno)
        chunk = fh.read(1 << 20)
        if not chunk:
            break
        buf += chunk
    if buf:
        yield lineno + 1, _decode_line(buf, name, lineno + 1)


def _decode_line(raw: bytes, name: str, lineno: int) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        raise InputError(f"{name}:{lineno}: not valid UTF-8") from None


@register_reader("json", suffixes=(".json",))
def read_json(data: bytes, name: str, *, date: str | None = None,
              fields: Mapping[str, str] | None = None, **_: Any) -> Iterator[Document]:
    """A JSON object with ``text``, or a list of such objects."""
    text = decode(data, name)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise InputError(f"{name}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
    records = value if isinstance(value, list) else [value]
    for i, record in enumerate(records, 1):
        if not isinstance(record, dict):
            raise InputError(f"{name}: item {i} is not a JSON object")
        yield document_from_record(record, fields=fields, default_date=date,
                                   fallback_id=f"{Path(name).stem}-{i}")


def read_source(path: str, *, fmt: str | None = None, **options: Any) -> Iterator[Document]:
    """Read documents from a file path (``.gz`` is decompressed) or ``-`` for stdin."""
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        p = Path(path)
        if not p.exists():
            raise InputError(f"{path}: no such file")
        if p.is_dir():
            raise InputError(f"{path}: is a directory (give a file, or use `marsad ingest`)")
        if reader_for(path, fmt).name == "jsonl":
            yield from _stream_jsonl(p, path, **options)
            return
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise InputError(f"{path}: cannot read ({exc.strerror})") from None
        if p.suffix == ".gz":
            import gzip

            try:
                data = gzip.decompress(data)
            except (OSError, EOFError):
                raise InputError(f"{path}: not a valid gzip file") from None
        name = path
    spec = reader_for(name, fmt)
    yield from spec.func(data, name, **options)
