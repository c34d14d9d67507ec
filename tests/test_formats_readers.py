"""HTML, CSV and RSS/Atom readers, and format sniffing for stdin."""

from __future__ import annotations

import pytest

from marsad.errors import InputError
from marsad.formats import read_csv, read_feed, read_html, sniff_format

PAGE = """<!DOCTYPE html>
<html lang="ar" dir="rtl"><head>
<meta charset="{charset}">
<title>عنوان الصفحة | موقع</title>
<meta property="og:title" content="الجيش يعلن السيطرة على مدينة درنة">
<meta property="og:site_name" content="صحيفة المرصد">
<meta property="article:published_time" content="2018-05-22T10:15:00+02:00">
<link rel="canonical" href="https://example.org/derna">
<style>body {{ color: red }}</style><script>var tracking = "يجب ألا يظهر";</script>
</head><body>
<nav><ul><li>الرئيسية</li><li>سياسة</li><li>اقتصاد</li><li>رياضة</li></ul></nav>
<article>
<h1>الجيش يعلن السيطرة على مدينة درنة</h1>
<p>أعلن الجيش الليبي اليوم الثلاثاء سيطرته على أجزاء واسعة من مدينة درنة بعد اشتباكات عنيفة
استمرت عدة أيام مع مسلحين متحصنين في الأحياء القديمة من المدينة الساحلية.</p>
<p>وقال المتحدث باسم الجيش في مؤتمر صحفي إن القوات فتحت ممرا آمنا للمدنيين الراغبين في مغادرة
المدينة، مؤكدا أن العمليات ستتواصل حتى تحرير كامل المدينة من الجماعات المسلحة.</p>
<p>ودعت الأمم المتحدة جميع الأطراف إلى حماية المدنيين والسماح بوصول المساعدات الإنسانية.</p>
</article>
<footer>جميع الحقوق محفوظة © صحيفة المرصد</footer>
</body></html>"""


def test_html_reader_strips_boilerplate_and_reads_meta() -> None:
    (doc,) = read_html(PAGE.format(charset="utf-8").encode("utf-8"), "derna.html")
    assert "سيطرته على أجزاء واسعة" in doc.text
    assert "ممرا آمنا" in doc.text
    assert "tracking" not in doc.text and "يجب ألا يظهر" not in doc.text
    assert "جميع الحقوق محفوظة" not in doc.text
    assert doc.title == "الجيش يعلن السيطرة على مدينة درنة"
    assert doc.date == "2018-05-22"
    assert doc.source == "صحيفة المرصد"
    assert doc.url == "https://example.org/derna"
    assert doc.id == "derna"


def test_html_reader_honours_declared_windows_1256() -> None:
    data = PAGE.format(charset="windows-1256").encode("cp1256")
    (doc,) = read_html(data, "page.htm")
    assert "ممرا آمنا" in doc.text


def test_html_reader_rejects_pages_without_text() -> None:
    with pytest.raises(InputError, match="no article text"):
        list(read_html(b"<html><body><script>x()</script></body></html>", "empty.html"))


def test_csv_reader_finds_the_body_column_and_maps_fields() -> None:
    data = ("id,headline,body,published\n"
            "a1,عنوان أول,\"نص الخبر الأول، مع فاصلة\",2018-05-21\n"
            "a2,عنوان ثان,نص الخبر الثاني,2018-05-22 08:00:00\n").encode("utf-8-sig")
    docs = list(read_csv(data, "news.csv", fields={"title": "headline", "date": "published"}))
    assert [d.id for d in docs] == ["a1", "a2"]
    assert docs[0].text == "نص الخبر الأول، مع فاصلة"
    assert docs[0].title == "عنوان أول"
    assert docs[1].date == "2018-05-22"


def test_csv_reader_reads_tsv_and_complains_without_text() -> None:
    docs = list(read_csv("text\ttitle\nخبر عن ليبيا\tعنوان\n".encode(), "n.tsv"))
    assert docs[0].text == "خبر عن ليبيا" and docs[0].title == "عنوان"
    with pytest.raises(InputError, match="no text column"):
        list(read_csv(b"a,b\n1,2\n", "bad.csv"))


RSS = """<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0"><channel><title>أخبار المرصد</title><link>https://example.org</link>
<item><title>قصف على درنة</title><link>https://example.org/1</link>
<guid>item-1</guid><pubDate>Mon, 21 May 2018 10:00:00 GMT</pubDate>
<description><![CDATA[<p>قصفت قوات الجيش مواقع في درنة.</p><p>وقتل ثلاثة أشخاص.</p>]]></description></item>
<item><title>اجتماع في الجزائر</title><link>https://example.org/2</link>
<pubDate>Tue, 22 May 2018 09:00:00 GMT</pubDate>
<description>اجتمع وزراء خارجية الجزائر ومصر وتونس.</description></item>
</channel></rss>"""

ATOM = """<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>موجز</title><id>urn:x</id>
<updated>2018-06-03T00:00:00Z</updated>
<entry><title>القاهرة تدعو إلى الحوار</title><id>urn:e1</id>
<link href="https://example.org/cairo"/><published>2018-06-03T08:00:00Z</published>
<updated>2018-06-03T08:00:00Z</updated>
<content type="html">&lt;p&gt;دعت القاهرة إلى وقف القتال.&lt;/p&gt;</content></entry></feed>"""


def test_feed_reader_reads_rss_items() -> None:
    docs = list(read_feed(RSS.encode("utf-8"), "news.rss"))
    assert len(docs) == 2
    assert docs[0].title == "قصف على درنة"
    assert docs[0].text == "قصفت قوات الجيش مواقع في درنة.\nوقتل ثلاثة أشخاص."
    assert docs[0].date == "2018-05-21" and docs[0].id == "item-1"
    assert docs[0].source == "أخبار المرصد" and docs[1].url == "https://example.org/2"


def test_feed_reader_reads_atom_entries_and_rejects_non_feeds() -> None:
    (doc,) = read_feed(ATOM.encode("utf-8"), "news.atom")
    assert doc.text == "دعت القاهرة إلى وقف القتال." and doc.date == "2018-06-03"
    with pytest.raises(InputError, match="not an RSS/Atom feed"):
        list(read_feed(b"<root>nothing</root>", "x.xml"))


@pytest.mark.parametrize(("data", "fmt"), [
    (b'{"text": "\xd8\xae"}\n{"text": "y"}\n', "jsonl"),
    (b'[{"text": "x"}]', "json"),
    (RSS.encode(), "feed"),
    (b"<!DOCTYPE html><html><body>x</body></html>", "html"),
    ("خبر عادي".encode(), "text"),
])
def test_sniff_format(data: bytes, fmt: str) -> None:
    assert sniff_format(data) == fmt
