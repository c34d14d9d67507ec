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

#: Why an input item (a file, a JSON line or list item, a CSV row, a feed entry) was
#: skipped. ``bad_date`` is the one warning: the item is kept, without that date.
REASONS: dict[str, str] = {
    "empty": "no text (empty, blank or invisible characters only)",
    "binary": "a binary file, not text",
    "undecodable": "bytes that decode in no supported encoding",
    "bad_gzip": "a .gz file that is not valid gzip (or is truncated)",
    "unreadable": "cannot be read (missing, a folder, no permission)",
    "invalid_json": "invalid JSON",
    "not_an_object": "a JSON value that is not an object",
    "no_text": "no text field or column, or no article text in the page or entry",
    "invalid_csv": "a CSV row that cannot be parsed",
    "not_a_feed": "not an RSS/Atom feed",
    "stage_error": "a pipeline stage failed on the article",
    "too_large": "too large to process",
    "store_error": "the store refused the article",
    "bad_date": "a date that is not a plausible YYYY-MM-DD (the item is kept without it)",
}

#: Publication dates outside these years are treated as wrong (9999-12-31 is a common
#: placeholder; resolving relative dates against it overflows).
PLAUSIBLE_YEARS = (1800, 2199)


class ItemError(InputError):
    """One input item cannot be read; ``reason`` is a key of :data:`REASONS`. With
    ``skipped=False`` it is a warning: the item was kept (e.g. without a wrong date)."""

    def __init__(self, message: str, reason: str = "unreadable", *, skipped: bool = True):
        super().__init__(message)
        self.reason = reason
        self.skipped = skipped


#: Called with each problem of a multi-item input; without one, a skipped item raises.
OnError = Callable[[ItemError], None]


def reason_of(exc: BaseException) -> str:
    """The :data:`REASONS` key of an error (``unreadable`` for other input errors)."""
    reason = getattr(exc, "reason", None)
    if isinstance(reason, str):
        return reason
    return "unreadable" if isinstance(exc, InputError) else "stage_error"


def report_problem(on_error: OnError | None, error: ItemError, *, fatal: bool = True) -> None:
    """Hand ``error`` to ``on_error``; without a callback raise it (``fatal``) or log it."""
    if on_error is not None:
        on_error(error)
    elif fatal and error.skipped:
        raise error
    else:
        log.warning("%s", error)


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
_BLANK = "".join(ch for ch in map(chr, range(0x3001)) if ch.isspace()) + BIDI_MARKS
_BINARY_CONTROL = re.compile(rb"[\x00-\x08\x0e-\x1a\x1c-\x1f]")


def decode(data: bytes, name: str = "input") -> str:
    """Decode article bytes: UTF-8 (with or without BOM), UTF-16 (with or without BOM),
    UTF-32 with BOM, Windows-1256 or ISO-8859-6. Raises :class:`InputError` for empty or
    binary input."""
    if not data.strip():
        raise ItemError(f"{name}: the input is empty", "empty")
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
        raise ItemError(f"{name}: looks like a binary file, not text", "binary")
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


def is_blank(text: str) -> bool:
    """True when ``text`` holds only whitespace and invisible marks (bidi, zero-width)."""
    return not text.strip(_BLANK)


def _non_empty(text: str, name: str) -> str:
    """``text``, unless it holds nothing but whitespace and invisible marks."""
    if not text.strip(_BLANK):
        raise ItemError(f"{name}: the input is empty", "empty")
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
        raise ItemError(f"{name}: is not valid {encoding}", "undecodable") from None


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
            raise ItemError(f"{name}: cannot detect the text encoding", "undecodable")
        return str(match)
    return best[1]


# ---------------------------------------------------------------------------- helpers


def doc_id_for(text: str) -> str:
    """A stable id from the content (first 16 hex digits of its SHA-1)."""
    return hashlib.sha1(text.encode("utf-8", "surrogatepass")).hexdigest()[:16]


_DATE = re.compile(r"^\s*(\d{4})-(\d{1,2})-(\d{1,2})")
#: day first, as Arabic news sites and the shared corpus write it: ``15/03/2017``
_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\b")
_RFC2822 = re.compile(r"^\s*(?:[A-Za-z]{3},\s*)?\d{1,2}\s+[A-Za-z]{3}\s+\d{4}")


def parse_date(value: Any) -> str | None:
    """An ISO ``YYYY-MM-DD`` from a date-like value (``2015-07-21 02:51:32``, day-first
    ``15/03/2017``, or an RSS date such as ``Tue, 22 May 2018 10:00:00 GMT``), or None."""
    if value is None or value == "" or isinstance(value, bool | dict | list):
        return None
    import datetime as _dt

    text = str(value)
    m = _DATE.match(text)
    dmy = _DMY.match(text)
    if m:
        year, month, day = (int(g) for g in m.groups())
    elif dmy:
        day, month, year = (int(g) for g in dmy.groups())
    elif _RFC2822.match(text):
        from email.utils import parsedate

        parsed = parsedate(text)
        if parsed is None:
            return None
        year, month, day = parsed[:3]
    else:
        return None
    try:
        return _dt.date(year, month, day).isoformat()
    except ValueError:
        return None


def is_plausible_date(iso: str) -> bool:
    """Whether an ISO date lies in :data:`PLAUSIBLE_YEARS` (a publication date can)."""
    return PLAUSIBLE_YEARS[0] <= int(iso[:4]) <= PLAUSIBLE_YEARS[1]


def publication_date(value: Any, where: str = "input",
                     on_error: OnError | None = None) -> str | None:
    """The ISO date of a record's date value, or None; a value that is present but not a
    plausible date is reported as a ``bad_date`` warning (the record keeps no date)."""
    if value is None or value == "":
        return None
    iso = parse_date(value)
    if iso is not None and is_plausible_date(iso):
        return iso
    shown = str(value)[:40]
    report_problem(on_error, ItemError(
        f"{where}: date {shown!r} is not a plausible YYYY-MM-DD date "
        f"(years {PLAUSIBLE_YEARS[0]}-{PLAUSIBLE_YEARS[1]}); kept without it",
        "bad_date", skipped=False), fatal=False)
    return None


_SURROGATE = re.compile("[\ud800-\udfff]")


def clean_text(value: str) -> str:
    """``value`` with lone surrogates (from JSON ``\\ud800`` escapes; they cannot be
    written as UTF-8) replaced by U+FFFD, so every offset stays the same."""
    if value.isascii() or not _SURROGATE.search(value):
        return value
    return _SURROGATE.sub("\ufffd", value)


def json_type(value: Any) -> str:
    """The JSON name of a decoded value's type, for messages (``a list``, ``null``)."""
    names = {dict: "an object", list: "a list", str: "a string", bool: "a boolean",
             int: "a number", float: "a number", type(None): "null"}
    return names.get(type(value), type(value).__name__)


def document_from_record(record: Mapping[str, Any], *, fields: Mapping[str, str] | None = None,
                         default_date: str | None = None, fallback_id: str = "",
                         where: str = "", on_error: OnError | None = None) -> Document:
    """Make a Document from a JSON-like record (``text`` required; ``id``, ``date``,
    ``title``, ``source``, ``url`` optional). ``fields`` renames: ``{"text": "body"}``.

    Raises :class:`ItemError` (``no_text`` or ``empty``) when the text is missing or blank;
    a wrong date is reported to ``on_error`` as a warning and the default date used."""
    f = {"text": "text", "id": "id", "date": "date", "title": "title", "source": "source", "url": "url"}
    if fields:
        f.update(fields)
    where = where or f"record {fallback_id or '?'}"
    text = record.get(f["text"])
    if not isinstance(text, str):
        raise ItemError(f"{where}: no text field {f['text']!r}"
                        + (f" (it is {json_type(text)})" if text is not None else ""),
                        "no_text")
    if is_blank(text):
        raise ItemError(f"{where}: the text is empty", "empty")
    text = clean_text(text)
    raw_id = record.get(f["id"])
    date = publication_date(record.get(f["date"]), where, on_error) or default_date

    def opt(key: str) -> str | None:
        value = record.get(f[key])
        return clean_text(str(value)) if value not in (None, "") else None

    return Document(
        text=text,
        id=clean_text(str(raw_id)) if raw_id not in (None, "") else (fallback_id or doc_id_for(text)),
        date=date,
        title=opt("title"),
        source=opt("source"),
        url=opt("url"),
    )


def record_or_problem(record: Mapping[str, Any], on_error: OnError | None,
                      **options: Any) -> Document | None:
    """:func:`document_from_record`, with a bad record reported to ``on_error`` (None
    returned) instead of raised; without ``on_error`` a missing text raises and a blank
    one is logged and skipped."""
    try:
        return document_from_record(record, on_error=on_error, **options)
    except ItemError as err:
        report_problem(on_error, err, fatal=err.reason != "empty")
        return None


# ---------------------------------------------------------------------------- readers


@register_reader("text", suffixes=(".txt", ".text", ""))
def read_text(data: bytes, name: str, *, date: str | None = None, **_: Any) -> Iterator[Document]:
    """One plain-text article per file."""
    text = decode(data, name)
    stem = Path(name).name.split(".")[0] if name not in ("-", "<stdin>") else ""
    yield Document(text=text, id=stem or doc_id_for(text), date=date)


@register_reader("jsonl", suffixes=(".jsonl", ".ndjson"))
def read_jsonl(data: bytes, name: str, *, date: str | None = None,
               fields: Mapping[str, str] | None = None, on_error: OnError | None = None,
               **_: Any) -> Iterator[Document]:
    """One article per line: a JSON object with ``text`` and optional metadata. A bad
    line is reported to ``on_error`` and reading goes on (it raises without one)."""
    text = decode(data, name)
    yield from _jsonl_records(enumerate(text.splitlines(), 1), name, date=date, fields=fields,
                              on_error=on_error)


def _jsonl_records(lines: Iterable[tuple[int, str | bytes]], name: str, *, date: str | None,
                   fields: Mapping[str, str] | None,
                   on_error: OnError | None = None) -> Iterator[Document]:
    stem = Path(name).stem
    for lineno, line in lines:
        where = f"{name}:{lineno}"
        if isinstance(line, bytes):
            try:
                line = line.decode("utf-8")
            except UnicodeDecodeError:
                report_problem(on_error, ItemError(f"{where}: not valid UTF-8", "undecodable"))
                continue
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except (json.JSONDecodeError, RecursionError) as exc:
            msg = exc.msg if isinstance(exc, json.JSONDecodeError) else "nested too deeply"
            report_problem(on_error, ItemError(f"{where}: invalid JSON ({msg})", "invalid_json"))
            continue
        if not isinstance(record, dict):
            report_problem(on_error, ItemError(f"{where}: expected a JSON object, got "
                                               f"{json_type(record)}", "not_an_object"))
            continue
        doc = record_or_problem(record, on_error, fields=fields, default_date=date,
                                fallback_id=f"{stem}-{lineno}", where=where)
        if doc is not None:
            yield doc


def _looks_binary(sample: bytes) -> bool:
    """Many NULs or control characters: not text (a few stray ones are tolerated)."""
    return (sample.count(b"\x00") > max(2, len(sample) // 100)
            or len(_BINARY_CONTROL.findall(sample)) > max(2, len(sample) // 200))


def _stream_jsonl(path: Path, name: str, *, date: str | None = None,
                  fields: Mapping[str, str] | None = None, on_error: OnError | None = None,
                  **_: Any) -> Iterator[Document]:
    """Read a (gzipped) UTF-8 JSON-lines file line by line, without loading it whole.
    Files in another encoding are decoded whole by :func:`read_jsonl`."""
    import gzip
    import zlib

    try:
        with _open_binary(path) as fh:
            head = fh.read(65536)
            if not head.strip():
                raise ItemError(f"{name}: the input is empty", "empty")
            if head.startswith((b"\xff\xfe", b"\xfe\xff")) or _guess_utf16(head):
                yield from read_jsonl(head + fh.read(), name, date=date, fields=fields,
                                      on_error=on_error)
                return
            if _looks_binary(head):
                raise ItemError(f"{name}: looks like a binary file, not text", "binary")
            if head.startswith(b"\xef\xbb\xbf"):
                head = head[3:]
            yield from _jsonl_records(_utf8_lines(head, fh), name, date=date,
                                      fields=fields, on_error=on_error)
    except (EOFError, gzip.BadGzipFile, zlib.error):
        raise ItemError(f"{path}: not a valid gzip file (or it is truncated)",
                        "bad_gzip") from None
    except OSError as exc:
        raise ItemError(f"{path}: cannot read ({exc.strerror or exc})", "unreadable") from None


def _open_binary(path: Path) -> IO[bytes]:
    import gzip

    if path.suffix == ".gz":
        return cast(IO[bytes], gzip.open(path, "rb"))
    return path.open("rb")


def _utf8_lines(first: bytes, fh: IO[bytes]) -> Iterator[tuple[int, bytes]]:
    """Numbered raw lines of ``first`` followed by the rest of ``fh``."""
    buf = first
    lineno = 0
    while True:
        *lines, buf = buf.split(b"\n")
        for raw in lines:
            lineno += 1
            yield lineno, raw
        chunk = fh.read(1 << 20)
        if not chunk:
            break
        buf += chunk
    if buf:
        yield lineno + 1, buf


@register_reader("json", suffixes=(".json",))
def read_json(data: bytes, name: str, *, date: str | None = None,
              fields: Mapping[str, str] | None = None, on_error: OnError | None = None,
              **_: Any) -> Iterator[Document]:
    """A JSON object with ``text``, or a list of such objects (a bad item is reported to
    ``on_error`` and the others are read; it raises without one)."""
    text = decode(data, name)
    try:
        value = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ItemError(f"{name}: invalid JSON ({exc.msg} at line {exc.lineno})",
                        "invalid_json") from None
    except RecursionError:
        raise ItemError(f"{name}: invalid JSON (nested too deeply)", "invalid_json") from None
    records = value if isinstance(value, list) else [value]
    stem = Path(name).stem
    for i, record in enumerate(records, 1):
        where = f"{name}: item {i}" if isinstance(value, list) else name
        if not isinstance(record, dict):
            report_problem(on_error, ItemError(f"{where} is not a JSON object but "
                                               f"{json_type(record)}", "not_an_object"))
            continue
        doc = record_or_problem(record, on_error, fields=fields, default_date=date,
                                fallback_id=f"{stem}-{i}", where=where)
        if doc is not None:
            yield doc


def read_source(path: str, *, fmt: str | None = None, **options: Any) -> Iterator[Document]:
    """Read documents from a file path (``.gz`` is decompressed) or ``-`` for stdin.

    ``on_error`` (an :data:`OnError`) receives the problems of single items of a
    multi-item file (a JSON line, a list item, a CSV row, a feed entry) and reading goes
    on; a file that cannot be read at all raises :class:`ItemError`."""
    if path == "-":
        data = sys.stdin.buffer.read()
        name = "<stdin>"
    else:
        p = Path(path)
        if not p.exists():
            raise ItemError(f"{path}: no such file", "unreadable")
        if p.is_dir():
            raise ItemError(f"{path}: is a directory (give a file, or use `marsad ingest`)",
                            "unreadable")
        if reader_for(path, fmt).name == "jsonl":
            yield from _stream_jsonl(p, path, **options)
            return
        try:
            data = p.read_bytes()
        except OSError as exc:
            raise ItemError(f"{path}: cannot read ({exc.strerror})", "unreadable") from None
        if p.suffix == ".gz":
            data = gunzip(data, path)
        name = path
    spec = reader_for(name, fmt)
    yield from spec.func(data, name, **options)


def gunzip(data: bytes, name: str) -> bytes:
    """Decompressed gzip bytes; :class:`ItemError` (``bad_gzip``) if they are not gzip."""
    import gzip
    import zlib

    try:
        return gzip.decompress(data)
    except (OSError, EOFError, zlib.error):
        raise ItemError(f"{name}: not a valid gzip file (or it is truncated)",
                        "bad_gzip") from None
