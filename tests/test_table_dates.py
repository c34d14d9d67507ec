"""The terminal table shows an event's date interval the ISO 8601 way, not as a dict."""

from __future__ import annotations

from marsad.doc import Document
from marsad.pipeline import Pipeline
from marsad.table import render_table


def test_interval_dates_read_as_start_slash_end() -> None:
    doc = Pipeline.from_config()(Document(
        text="أيد الوزراء تنظيم انتخابات رئاسية قبل نهاية 2018.", date="2018-05-22"))
    table = render_table(doc, shape=False)
    events = [ln for ln in table.splitlines() if ln.strip().startswith("EVENT")]
    assert events and "{" not in table
    assert any(ln.endswith("on 2018-05-22/2018-12-31") for ln in events)
