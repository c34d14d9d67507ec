"""Small hand-written Arabic articles for the `marsad run` tests (not from any corpus)."""

from __future__ import annotations

import json
from pathlib import Path

ARTICLES = [
    {"id": "a1", "date": "2018-05-21", "source": "وكالة الأنباء",
     "title": "هجوم على نقطة تفتيش في درنة",
     "text": "قتل خمسة جنود في هجوم مسلح استهدف نقطة تفتيش في مدينة درنة الليبية أمس الأحد. "
             "وأدانت الحكومة الليبية الهجوم ودعت إلى التهدئة."},
    {"id": "a2", "date": "2018-05-21", "source": "صحيفة الشرق",
     "title": "مقتل جنود في درنة",
     "text": "لقي خمسة جنود مصرعهم في هجوم مسلح على نقطة تفتيش في مدينة درنة الليبية. "
             "وقال مسؤول عسكري إن المهاجمين فروا."},
    {"id": "a3", "date": "2018-05-22", "source": "وكالة الأنباء",
     "title": "اجتماع في الجزائر",
     "text": "التقى وزير الخارجية الجزائري نظيره التونسي في الجزائر العاصمة لبحث الأزمة في ليبيا."},
    {"id": "a4", "date": "2018-06-03", "source": "صحيفة الغرب",
     "title": "مظاهرة في تونس",
     "text": "تظاهر مئات المواطنين في تونس العاصمة احتجاجا على غلاء الأسعار، "
             "وطالبوا الحكومة بخفض الضرائب."},
    {"id": "a5", "date": "2018-06-04", "source": "صحيفة الشرق",
     "title": "اعتقالات في بنغازي",
     "text": "اعتقلت قوات الأمن ثلاثة أشخاص في بنغازي بتهمة التخطيط لهجوم على مقر حكومي."},
    {"id": "a6", "date": "2018-06-04", "source": "وكالة الأنباء",
     "title": "زيارة",
     "text": "وصل رئيس الوزراء المصري إلى عمّان في زيارة رسمية يلتقي خلالها الملك عبد الله الثاني."},
    {"id": "a7", "date": "2018-06-05", "source": "صحيفة الغرب", "title": "فارغ", "text": "   "},
    {"id": "a8", "date": "2018-06-05", "source": "صحيفة الغرب", "title": "مكرر",
     "text": "اعتقلت قوات الأمن ثلاثة أشخاص في بنغازي بتهمة التخطيط لهجوم على مقر حكومي."},
]


def write_corpus(path: Path, articles: list[dict[str, str]] = ARTICLES) -> Path:
    """The articles (by default :data:`ARTICLES`) as a JSON-lines file."""
    path.write_text("".join(json.dumps(a, ensure_ascii=False) + "\n" for a in articles),
                    encoding="utf-8")
    return path
