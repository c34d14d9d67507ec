"""More input formats for :mod:`marsad.readers`: HTML pages, CSV tables and RSS/Atom feeds.

Importing this module registers the readers ``html`` (``.html``, ``.htm``, ``.xhtml``),
``csv`` (``.csv``, ``.tsv``) and ``feed`` (``.rss``, ``.atom``, ``.xml``). HTML pages lose
their boilerplate (menus, footers, scripts) through trafilatura; the title, publication
date, publisher and canonical URL come from the page's meta tags where present.
:func:`sniff_format` guesses the format of unnamed input (stdin).
"""

from __future__ import annotations

import csv
import io
import logging
import re
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import Any

from marsad.doc import Document
from marsad.readers import (
    ItemError,
    OnError,
    decode,
    doc_id_for,
    is_blank,
    parse_date,
    publication_date,
    record_or_problem,
    register_reader,
    report_problem,
)

log = logging.getLogger(__name__)

_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-]+)""", re.IGNORECASE)
_BLOCK_TAGS = ("p", "div", "br", "li", "h1", "h2", "h3", "h4", "h5", "h6", "tr", "section",
               "article", "blockquote")
_DROP_TAGS = ("script", "style", "noscript", "nav", "header", "footer", "aside", "form",
              "iframe", "svg", "template")

#: Meta tags that carry each field, in order of preference.
_META: dict[str, tuple[str, ...]] = {
    "title": ("og:title", "twitter:title", "dc.title", "title"),
    "date": ("article:published_time", "og:article:published_time", "datepublished",
             "pubdate", "publishdate", "publish-date", "dc.date.issued", "dc.date", "date",
             "sailthru.date", "parsely-pub-date", "article:modified_time"),
    "source": ("og:site_name", "application-name", "publisher", "dc.publisher",
               "twitter:site"),
    "url": ("og:url",),
}


#: Characters lxml refuses in text (C0 controls other than tab and line breaks).
_XML_INCOMPATIBLE = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")


def _xml_safe(html: str) -> str:
    """``html`` without the control characters lxml cannot hold (they carry no text)."""
    return _XML_INCOMPATIBLE.sub("", html)


def decode_html(data: bytes, name: str) -> str:
    """Decode an HTML page: the charset it declares if any, else :func:`decode`'s guess."""
    m = _CHARSET.search(data[:4096])
    if m:
        charset = m.group(1).decode("ascii", "replace").lower()
        try:
            return data.decode(charset)
        except (LookupError, UnicodeDecodeError):
            log.debug("%s: declared charset %s does not decode; guessing", name, charset)
    return decode(data, name)


def html_metadata(html: str) -> dict[str, str | None]:
    """Title, date (ISO), source and URL from an HTML page's meta tags and ``<title>``."""
    from lxml import html as lxml_html

    out: dict[str, str | None] = {"title": None, "date": None, "source": None, "url": None}
    try:
        tree = lxml_html.fromstring(_xml_safe(html))
    except (ValueError, lxml_html.etree.ParserError):
        return out
    metas: dict[str, str] = {}
    for meta in tree.iter("meta"):
        key = (meta.get("property") or meta.get("name") or meta.get("itemprop") or "").lower()
        content = (meta.get("content") or "").strip()
        if key and content and key not in metas:
            metas[key] = content
    for fld, keys in _META.items():
        for key in keys:
            if metas.get(key):
                out[fld] = metas[key]
                break
    if out["date"] is None:
        for node in tree.iter("time"):
            if node.get("datetime"):
                out["date"] = node.get("datetime")
                break
    if out["date"] and parse_date(out["date"]) is not None:
        out["date"] = parse_date(out["date"])
    if out["title"] is None:
        titles = tree.xpath("//title/text()")
        if titles:
            out["title"] = str(titles[0]).strip() or None
    if out["url"] is None:
        canonical = tree.xpath("//link[@rel='canonical']/@href")
        if canonical:
            out["url"] = str(canonical[0])
    return out


def html_to_text(html: str) -> str:
    """Plain text of an HTML fragment or page, one paragraph per line (no boilerplate
    removal: see :func:`extract_article`)."""
    from lxml import html as lxml_html

    html = _xml_safe(html)
    try:
        tree = lxml_html.fromstring(html)
    except (ValueError, lxml_html.etree.ParserError):
        return html.strip()
    for tag in _DROP_TAGS:
        for node in tree.iter(tag):
            node.drop_tree()
    for node in tree.iter(*_BLOCK_TAGS):
        node.tail = "\n" + (node.tail or "")
    text = tree.text_content()
    lines = [re.sub(r"[ \t\u00a0]+", " ", line).strip() for line in text.splitlines()]
    return "\n".join(line for line in lines if line)


def extract_article(html: str) -> tuple[str, dict[str, str | None]]:
    """The main text of a page (boilerplate stripped) and its metadata."""
    html = _xml_safe(html)
    meta = html_metadata(html)
    text = ""
    try:
        import trafilatura

        result = trafilatura.bare_extraction(html, with_metadata=True, include_comments=False,
                                             include_tables=False, favor_recall=True)
    except Exception as exc:  # trafilatura is best effort; fall back to plain text
        log.debug("trafilatura failed: %s", exc)
        result = None
    if result is not None:
        data = result.as_dict() if hasattr(result, "as_dict") else dict(result)
        text = (data.get("text") or "").strip()
        for fld, key in (("title", "title"), ("source", "sitename"), ("url", "url")):
            if not meta.get(fld) and data.get(key):
                meta[fld] = str(data[key])
        if not meta.get("date") and data.get("date"):
            meta["date"] = parse_date(data["date"]) or str(data["date"])
    if not text:
        text = html_to_text(html)
    return text, meta


@register_reader("html", suffixes=(".html", ".htm", ".xhtml"))
def read_html(data: bytes, name: str, *, date: str | None = None,
              on_error: OnError | None = None, **_: Any) -> Iterator[Document]:
    """One article per HTML page, boilerplate removed, metadata from the meta tags (a
    date that is not plausible is reported to ``on_error`` and not used)."""
    html = decode_html(data, name)
    text, meta = extract_article(html)
    if is_blank(text):
        raise ItemError(f"{name}: no article text found in the HTML page", "no_text")
    stem = Path(name).name.split(".")[0] if name not in ("-", "<stdin>") else ""
    page_date = publication_date(meta["date"], name, on_error)
    yield Document(text=text, id=stem or doc_id_for(text), date=page_date or date,
                   title=meta["title"], source=meta["source"], url=meta["url"])


_TEXT_COLUMNS = ("text", "body", "content", "article", "story", "النص", "نص")


@register_reader("csv", suffixes=(".csv", ".tsv"))
def read_csv(data: bytes, name: str, *, date: str | None = None,
             fields: Mapping[str, str] | None = None, on_error: OnError | None = None,
             **_: Any) -> Iterator[Document]:
    """One article per row of a CSV/TSV table with a header (``text`` column, or the one
    ``fields`` names; ``body``/``content`` are recognised too). A bad or empty row is
    reported to ``on_error`` and the others are read."""
    text = decode(data, name)
    if text.startswith("\ufeff"):
        text = text[1:]
    sample = text[:8192]
    delimiter = "\t" if name.endswith((".tsv", ".tsv.gz")) else ","
    try:
        delimiter = csv.Sniffer().sniff(sample.split("\n", 1)[0], delimiters=",\t;|").delimiter
    except csv.Error:
        pass
    csv.field_size_limit(1 << 28)
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = [h.strip() for h in (reader.fieldnames or [])]
    except csv.Error as exc:
        raise ItemError(f"{name}: invalid CSV header ({exc})", "invalid_csv") from None
    mapping = {k: v for k, v in (fields or {}).items() if v in header}
    if mapping.get("text", "text") not in header:
        found = next((c for c in _TEXT_COLUMNS if c in header), None)
        if found is None:
            raise ItemError(f"{name}: no text column (columns: {', '.join(header)}); "
                            "name it with --field text=COLUMN", "no_text")
        mapping["text"] = found
    rows = 0
    while True:
        lineno = reader.line_num + 1
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            report_problem(on_error, ItemError(f"{name}:{lineno}: invalid CSV row ({exc})",
                                               "invalid_csv"))
            continue
        rows += 1
        record = {(k or "").strip(): v for k, v in row.items() if isinstance(v, str)}
        doc = record_or_problem(record, on_error, fields=mapping, default_date=date,
                                fallback_id=f"{Path(name).stem}-{lineno}",
                                where=f"{name}:{lineno}")
        if doc is not None:
            yield doc
    if rows == 0:
        report_problem(on_error, ItemError(f"{name}: a header and no rows", "empty"),
                       fatal=False)


@register_reader("feed", suffixes=(".rss", ".atom", ".xml"))
def read_feed(data: bytes, name: str, *, date: str | None = None,
              on_error: OnError | None = None, **_: Any) -> Iterator[Document]:
    """One article per entry of an RSS or Atom feed file (content, else summary). An entry
    without text is reported to ``on_error`` (logged without one) and skipped."""
    import feedparser

    parsed = feedparser.parse(data)
    if not parsed.entries:
        reason = getattr(parsed, "bozo_exception", None)
        raise ItemError(f"{name}: not an RSS/Atom feed with entries"
                        + (f" ({reason})" if reason else ""), "not_a_feed")
    source = parsed.feed.get("title") or None
    for i, entry in enumerate(parsed.entries, 1):
        body = ""
        if entry.get("content"):
            body = entry["content"][0].get("value", "")
        body = body or entry.get("summary", "") or entry.get("description", "")
        text = html_to_text(body) if "<" in body else body.strip()
        if is_blank(text):
            report_problem(on_error, ItemError(f"{name}: entry {i} has no text", "no_text"),
                           fatal=False)
            continue
        when = entry.get("published_parsed") or entry.get("updated_parsed")
        raw_date = (f"{when.tm_year:04d}-{when.tm_mon:02d}-{when.tm_mday:02d}" if when
                    else entry.get("published") or entry.get("updated"))
        entry_date = publication_date(raw_date, f"{name}: entry {i}", on_error)
        title = entry.get("title")
        yield Document(
            text=text, id=str(entry.get("id") or entry.get("link") or f"{Path(name).stem}-{i}"),
            date=entry_date or date, title=html_to_text(title) if title and "<" in title else title,
            source=source, url=entry.get("link"),
        )


def sniff_format(data: bytes) -> str:
    """Guess the format of unnamed input from its first bytes: jsonl, json, feed, html or
    text."""
    head = data[:2048].lstrip(b"\xef\xbb\xbf \t\r\n")
    if head.startswith(b"{"):
        first_line = data.lstrip().split(b"\n", 1)[0].strip()
        return "jsonl" if first_line.endswith(b"}") else "json"
    if head.startswith(b"["):
        return "json"
    lowered = head.lower()
    if lowered.startswith(b"<?xml") or b"<rss" in lowered or b"<feed" in lowered:
        if b"<html" not in lowered:
            return "feed"
    if lowered.startswith((b"<!doctype html", b"<html")) or b"<body" in lowered:
        return "html"
    return "text"
