"""Shared, cheap fixtures. Arabic sentences here are written for the tests."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SHARED = ROOT.parent / "shared" / "data"

#: A short article written for the tests (not from any corpus).
ARTICLE = (
    "الجزائر تستضيف اجتماعا حول ليبيا\n"
    "ترأس وزير الخارجية الجزائري أمس الاثنين بالجزائر اجتماعا تشاوريا حول الأزمة في ليبيا، "
    "بحضور وزيري خارجية مصر وتونس. وقال الوزير إن الحل «لن يكون إلا سياسيا.» "
    "وبلغت نسبة المشاركة 1.5 بالمئة فقط؛ ودعا المجتمعون لدرنة إلى الهدوء!"
)


@pytest.fixture
def article() -> str:
    return ARTICLE


@pytest.fixture
def shared_data() -> Path:
    assert SHARED.exists(), f"shared data not found at {SHARED}"
    return SHARED
