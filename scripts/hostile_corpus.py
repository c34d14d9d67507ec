#!/usr/bin/env python3
"""Write a corpus of hostile inputs into a folder (deterministic: same bytes every run).

Every file is something a news pipeline meets sooner or later: empty and blank files,
binary files, truncated UTF-8, UTF-16 with and without a byte-order mark, Windows-1256 and
ISO-8859-6, mixed Arabic/Latin/Hebrew/Persian, bidi-control soup, diacritics and joiners
only, 100,000-character lines, HTML with scripts and broken tags, malformed JSON, JSON
lines, CSV and RSS rows, wrong date formats and dates in the year 9999. ``--big-mb``
adds one huge plain-text article (50 MB for the benchmark; off by default).

``.manifest.json`` in the folder (hidden, so ``marsad ingest`` skips it) says, for each file, how many of its items a correct
reader processes and how many it skips, by reason (the reason codes of
``marsad.readers.REASONS``). ``tests/test_reliability_input.py`` checks
``marsad extract`` and ``marsad ingest`` against it.

    .venv/bin/python scripts/hostile_corpus.py /tmp/hostile
    .venv/bin/marsad ingest /tmp/hostile --db /tmp/hostile.db --quiet
"""

from __future__ import annotations

import argparse
import gzip
import json
import random
from pathlib import Path
from typing import Any

SEED = 20261125
#: Sentences written for this corpus (plain news prose, no copied text).
SENTENCES = (
    "اجتمع وزير الخارجية الجزائري بنظيره التونسي في العاصمة لبحث الأزمة الليبية.",
    "قصف الجيش مواقع المسلحين قرب مدينة درنة أمس، وقال الناطق إن العملية مستمرة.",
    "تظاهر مئات الطلاب أمام البرلمان في بيروت للمطالبة بإصلاح التعليم.",
    "أعلنت الشرطة المصرية اعتقال ثلاثة أشخاص في الإسكندرية يوم الاثنين.",
    "وقّع الرئيس الموريتاني اتفاقية تعاون مع المغرب في نواكشوط.",
    "دعت الأمم المتحدة الأطراف المتنازعة في اليمن إلى وقف إطلاق النار فوراً.",
)
HEBREW = "שלום עולם, זהו טקסט בעברית"
PERSIAN = "وزیر امور خارجه ایران گفت که گفتگوها ادامه دارد"
BIDI = "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f\u061c"
DIACRITICS = "".join(chr(c) for c in range(0x064B, 0x0653))

Manifest = dict[str, dict[str, Any]]


def _article(rng: random.Random, n: int = 3) -> str:
    return " ".join(rng.choice(SENTENCES) for _ in range(n))


def _expect(manifest: Manifest, name: str, processed: int, **skipped: int) -> None:
    manifest[name] = {"processed": processed, "skipped": {k: v for k, v in skipped.items() if v}}


def _plain_files(root: Path, rng: random.Random, m: Manifest) -> None:
    text = _article(rng)
    files: dict[str, bytes] = {
        "empty.txt": b"",
        "whitespace_only.txt": b"  \n\t\r\n \xc2\xa0\n",
        "invisible_only.txt": ("\u200b\u200c\u200d\ufeff\u2066\u2069\n" * 20).encode(),
        "binary.txt": bytes(rng.randrange(256) for _ in range(4096)),
        "png_named.txt": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)) * 8,
        "truncated_utf8.txt": text.encode("utf-8")[:-1],
        "utf8_bom.txt": b"\xef\xbb\xbf" + text.encode("utf-8"),
        "utf16_bom.txt": text.encode("utf-16"),
        "utf16le_nobom.txt": text.encode("utf-16-le"),
        "utf16be_nobom.txt": text.encode("utf-16-be"),
        "cp1256.txt": text.encode("cp1256"),
        "iso8859_6.txt": text.replace("ّ", "").encode("iso8859_6", errors="replace"),
        "mixed_scripts.txt": f"{SENTENCES[0]} The minister said: ok. {HEBREW}. {PERSIAN}. "
                             f"{SENTENCES[1]} ١٢٣ ۴۵۶ 789\n".encode(),
        "bidi_soup.txt": "".join(ch + rng.choice(BIDI) for ch in SENTENCES[2]).encode(),
        "diacritics_and_joiners_only.txt": "".join(
            rng.choice(DIACRITICS + "\u200d\u200c") for _ in range(2000)).encode(),
        "long_lines.txt": "\n".join(
            ((SENTENCES[k] + " ") * 2000)[:100_000] for k in range(2)).encode(),
        "one_line_no_spaces.txt": ("ب" * 100_000).encode(),
        "control_chars.txt": (SENTENCES[4] + "\x07\x1b[31m" + SENTENCES[5] + "\x0c").encode(),
        "lone_cr_lines.txt": "\r".join(SENTENCES).encode(),
        "nul_in_text.txt": SENTENCES[0].encode() + b"\x00" + SENTENCES[1].encode(),
    }
    for name, data in files.items():
        (root / name).write_bytes(data)
    for name in files:
        _expect(m, name, 1)
    for name in ("empty.txt", "whitespace_only.txt", "invisible_only.txt"):
        _expect(m, name, 0, empty=1)
    for name in ("binary.txt", "png_named.txt", "nul_in_text.txt"):
        _expect(m, name, 0, binary=1)
    (root / "not_gzip.txt.gz").write_bytes(b"plain bytes, not gzip")
    _expect(m, "not_gzip.txt.gz", 0, bad_gzip=1)
    (root / "truncated.jsonl.gz").write_bytes(gzip.compress(
        "\n".join(json.dumps({"text": s}, ensure_ascii=False) for s in SENTENCES).encode(), mtime=0)[:60])
    _expect(m, "truncated.jsonl.gz", 0, bad_gzip=1)


def _html_files(root: Path, rng: random.Random, m: Manifest) -> None:
    body = _article(rng, 4)
    pages = {
        "scripts.html": (
            "<html><head><meta charset='utf-8'><title>خبر</title>"
            "<script>document.write('<p>نص من سكربت يجب ألا يظهر</p>');alert(1)</script>"
            "<style>p{color:red}</style></head><body><nav>الرئيسية | أخبار</nav>"
            f"<article><p>{body}</p><p onclick=\"alert('x')\">{SENTENCES[5]}"
            "<img src=x onerror=alert(2)></p></article>"
            "<script>for(;;){}</script></body></html>"),
        "broken_tags.html": (f"<html><body><div><p>{SENTENCES[0]}<b>{SENTENCES[1]}<p>"
                             f"<table><tr><td>{SENTENCES[2]}</div></i></b></html"),
        "truncated.html": f"<!DOCTYPE html><html><head><title>x</title></head><body><p>{body}<sp",
        "scripts_only.html": "<html><head><script>var a = 'نص';</script></head><body>"
                             "<script>alert(1)</script></body></html>",
        "wrong_charset.html": f"<meta charset='klingon-7'><p>{body}</p>",
        "date_9999.html": (f"<html><head><meta name='date' content='9999-12-31'></head>"
                           f"<body><article><p>{body}</p></article></body></html>"),
    }
    for name, html in pages.items():
        (root / name).write_bytes(html.encode("utf-8"))
        _expect(m, name, 1)
    _expect(m, "scripts_only.html", 0, no_text=1)


def _json_files(root: Path, rng: random.Random, m: Manifest) -> None:
    good = {"text": _article(rng), "id": "ok-1", "date": "2018-05-22"}
    (root / "not_json.json").write_bytes(b'{"text": "\xd9\x86\xd8\xb5", oops}')
    _expect(m, "not_json.json", 0, invalid_json=1)
    items: list[Any] = [good, 42, {"id": "no-text"}, {"text": 17}, {"text": ""},
                        {"text": SENTENCES[1], "date": "9999-12-31"},
                        {"text": SENTENCES[2], "date": "yesterday"},
                        {"text": SENTENCES[3], "date": {"nested": 1}},
                        {"text": SENTENCES[4], "id": ["list", "id"]}]
    (root / "mixed_list.json").write_text(json.dumps(items, ensure_ascii=False), "utf-8")
    _expect(m, "mixed_list.json", 5, not_an_object=1, no_text=2, empty=1)
    lines = [
        json.dumps(good, ensure_ascii=False),
        '{"text": "بداية سطر مقطوع',
        "[1, 2, 3]",
        "null",
        '{"id": "no-text-here"}',
        '{"text": null}',
        '{"text": "   "}',
        json.dumps({"text": SENTENCES[0] + " (1)", "date": "9999-12-31"}, ensure_ascii=False),
        json.dumps({"text": SENTENCES[1] + " (2)", "date": "0000-00-00"}, ensure_ascii=False),
        json.dumps({"text": SENTENCES[2] + " (3)", "date": "22/05/2018"}, ensure_ascii=False),
        json.dumps({"text": SENTENCES[3] + " (4)", "date": "2018-02-30"}, ensure_ascii=False),
        json.dumps({"text": SENTENCES[4] + " (5)", "date": 1526947200}, ensure_ascii=False),
        json.dumps({"text": SENTENCES[5] + " (6)", "date": "１９٩٩-01-01"}, ensure_ascii=False),
        '{"text": "\\ud800 نص فيه بديل منفرد \\udfff"}',
        '{"text": "نص فيه صفر \\u0000 بين الكلمات"}',
        '{"text": "مكرر", "text": "المفتاح مكرر مرتين في السجل"}',
        "\x00\x00\x00",
        json.dumps({"text": "x" * 10 + "\u202e" + SENTENCES[0], "title": "\u202e" * 3},
                   ensure_ascii=False),
        '{"text": "' + ("ن" * 100_000) + '"}',
        '{"text": ' + "[" * 50_000,
        '{"text": "عمق", "x": ' + "[" * 5_000 + "]" * 5_000 + "}",
    ]
    (root / "rows.jsonl").write_text("\n".join(lines) + "\n", "utf-8")
    _expect(m, "rows.jsonl", 12, invalid_json=4, not_an_object=2, no_text=2, empty=1)
    (root / "rows_crlf_bom.jsonl").write_bytes(
        b"\xef\xbb\xbf" + "\r\n".join(lines[:3]).encode("utf-8") + b"\r\n")
    _expect(m, "rows_crlf_bom.jsonl", 1, invalid_json=1, not_an_object=1)
    bad_utf8 = (lines[0].encode() + b"\n" + b'{"text": "\xff\xfe\xfd"}\n'
                + json.dumps({"text": SENTENCES[5]}, ensure_ascii=False).encode() + b"\n")
    (root / "bad_utf8_line.jsonl").write_bytes(bad_utf8)
    _expect(m, "bad_utf8_line.jsonl", 2, undecodable=1)
    (root / "rows.jsonl.gz").write_bytes(gzip.compress("\n".join(lines[:3]).encode(), mtime=0))
    _expect(m, "rows.jsonl.gz", 1, invalid_json=1, not_an_object=1)


def _csv_files(root: Path, rng: random.Random, m: Manifest) -> None:
    rows = [
        "id,text,date",
        f'c1,"{SENTENCES[0]}",2018-05-22',
        f'c2,"{SENTENCES[1]}",9999-12-31',
        f'c3,"{SENTENCES[2]}",not-a-date',
        'c4,,2018-05-22',
        f'c5,"{SENTENCES[3]}",2018-05-22,extra,columns',
        'c6',
        f'c7,"{SENTENCES[4]} ""مقتبس"" ",31/12/2018',
        f'c8,"{SENTENCES[5]}\nفي سطرين",2018-05-22',
    ]
    (root / "rows.csv").write_text("\n".join(rows) + "\n", "utf-8")
    _expect(m, "rows.csv", 6, empty=1, no_text=1)
    (root / "unclosed_quote.csv").write_text(
        f'text,date\n"{SENTENCES[0]}",2018-01-01\n"{SENTENCES[1]},2018-01-02\n', "utf-8")
    _expect(m, "unclosed_quote.csv", 2)
    (root / "no_text_column.csv").write_text("a,b\n1,2\n", "utf-8")
    _expect(m, "no_text_column.csv", 0, no_text=1)
    (root / "nul_row.csv").write_bytes(
        f"text\n{SENTENCES[0]}\nبداية\x00نهاية\n{SENTENCES[1]}\n".encode())
    _expect(m, "nul_row.csv", 0, binary=1)
    (root / "cp1256.tsv").write_bytes(f"text\tdate\n{SENTENCES[2]}\t2018-03-03\n".encode("cp1256"))
    _expect(m, "cp1256.tsv", 1)
    (root / "header_only.csv").write_text("id,text,date\n", "utf-8")
    _expect(m, "header_only.csv", 0, empty=1)


def _feed_files(root: Path, rng: random.Random, m: Manifest) -> None:
    items = [
        f"<item><title>1</title><description>{SENTENCES[0]}</description>"
        "<pubDate>Tue, 22 May 2018 10:00:00 GMT</pubDate></item>",
        "<item><title>بلا نص</title></item>",
        f"<item><title>2</title><description><![CDATA[<script>alert(1)</script><p>{SENTENCES[1]}"
        "</p>]]></description><pubDate>Fri, 31 Dec 9999 23:59:59 GMT</pubDate></item>",
        f"<item><title>3</title><description>{SENTENCES[2]}</description>"
        "<pubDate>yesterday-ish</pubDate></item>",
        f"<item><title>4</title><description>{SENTENCES[3]} &amp; &bogus; <b>غامق"
        "</description></item>",
    ]
    feed = ("<?xml version='1.0' encoding='utf-8'?><rss version='2.0'><channel><title>ت</title>"
            + "".join(items) + "</channel></rss>")
    (root / "feed.rss").write_text(feed, "utf-8")
    _expect(m, "feed.rss", 4, no_text=1)
    (root / "truncated_feed.xml").write_text(feed[: len(feed) * 2 // 3], "utf-8")
    _expect(m, "truncated_feed.xml", 2, no_text=2)
    (root / "not_a_feed.xml").write_text("<root><a>نص</a></root>", "utf-8")
    _expect(m, "not_a_feed.xml", 0, not_a_feed=1)


def write_big_article(path: Path, megabytes: float, seed: int = SEED) -> int:
    """A plain-text article of about ``megabytes`` MB (paragraphs of the corpus
    sentences); returns its size in bytes."""
    rng = random.Random(seed)
    target = int(megabytes * 1_000_000)
    written = 0
    with path.open("w", encoding="utf-8") as out:
        while written < target:
            para = _article(rng, 6) + "\n"
            out.write(para)
            written += len(para.encode("utf-8"))
    return written


def build(root: Path, *, big_mb: float = 0.0, seed: int = SEED) -> Manifest:
    """Write the hostile corpus into ``root`` (created if needed); return the manifest."""
    root.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    manifest: Manifest = {}
    _plain_files(root, rng, manifest)
    _html_files(root, rng, manifest)
    _json_files(root, rng, manifest)
    _csv_files(root, rng, manifest)
    _feed_files(root, rng, manifest)
    if big_mb > 0:
        write_big_article(root / "big_article.txt", big_mb, seed)
        _expect(manifest, "big_article.txt", 1)
    (root / ".manifest.json").write_text(json.dumps(manifest, ensure_ascii=False, indent=1,
                                                   sort_keys=True), "utf-8")
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("folder", type=Path, help="Where to write the files.")
    parser.add_argument("--big-mb", type=float, default=0.0,
                        help="Also write a plain-text article of this many MB.")
    parser.add_argument("--seed", type=int, default=SEED)
    args = parser.parse_args(argv)
    manifest = build(args.folder, big_mb=args.big_mb, seed=args.seed)
    processed = sum(v["processed"] for v in manifest.values())
    skipped = sum(sum(v["skipped"].values()) for v in manifest.values())
    print(json.dumps({"folder": str(args.folder), "files": len(manifest),
                      "items_processed": processed, "items_skipped": skipped}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
