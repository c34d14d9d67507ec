"""Lexicons and compiled patterns for the times stage.

Lexicons live in ``marsad/data/times/`` (month names in every regional series, Hijri
months, weekdays, ordinals, count words, units, context cues). Every pattern is written in
ordinary spelling and passed through :func:`marsad.normalize.normalize_key` before it is
compiled, so it matches the normalised text the stage searches (alef and ya folded,
Arabic-Indic digits as ASCII, no diacritics).

Each rule is a compiled :mod:`regex` with one named group ``t`` (the expression without
its proclitics و ف ب ل ك) and rule-specific groups the resolver reads.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources

import regex

from marsad.errors import ModelError
from marsad.normalize import normalize_key


def _n(text: str) -> str:
    """Normalise a lexicon form or a regex fragment (alternations come back grouped)."""
    out = normalize_key(text)
    return f"(?:{out})" if "|" in out else out


def _data(name: str) -> str:
    try:
        return resources.files("marsad").joinpath(f"data/times/{name}").read_text("utf-8")
    except FileNotFoundError:
        raise ModelError(f"times lexicon missing: data/times/{name}") from None


def _tsv(name: str) -> list[list[str]]:
    rows = []
    for line in _data(name).splitlines():
        if line.strip() and not line.startswith("#"):
            rows.append(line.split("\t"))
    return rows


@dataclass(frozen=True)
class Lexicon:
    """Every lexicon, keyed by normalised form."""

    months: dict[str, int]
    month_strength: dict[str, str]
    hijri_months: dict[str, int]
    weekdays: dict[str, int]
    ordinals: dict[str, int]
    numbers: dict[str, int]
    units: dict[str, tuple[str, int]]
    cues: dict[str, list[str]]
    holidays: dict[str, tuple[str, int, int, str]]
    decades: dict[str, int]

    def lookup_month(self, form: str) -> int | None:
        """Month number of a (normalised) month name, spaces collapsed."""
        return self.months.get(_squash(form))

    def lookup_hijri(self, form: str) -> int | None:
        """Month number of a Hijri month name."""
        return self.hijri_months.get(_squash(form))


def _squash(form: str) -> str:
    return " ".join(form.split())


@lru_cache(maxsize=1)
def lexicon() -> Lexicon:
    """Load the lexicons (once)."""
    months: dict[str, int] = {}
    strength: dict[str, str] = {}
    for form, month, kind in _tsv("months.tsv"):
        months[_n(form)] = int(month)
        strength[_n(form)] = kind
    hijri = {_n(f): int(m) for f, m in _tsv("hijri_months.tsv")}
    weekdays = {_n(f): int(w) for f, w in _tsv("weekdays.tsv")}
    ordinals = {_n(f): int(d) for f, d in _tsv("ordinals.tsv")}
    numbers = {_n(f): int(v) for f, v in _tsv("numbers.tsv")}
    units = {_n(f): (u, int(c)) for f, u, c in _tsv("units.tsv")}
    holidays = {_n(f): (cal, int(m), int(d), _n(a)) for f, cal, m, d, a in _tsv("holidays.tsv")}
    raw = json.loads(_data("cues.json"))
    cues = {k: [_n(w) for w in v] for k, v in raw.items() if not k.startswith("_")}
    decades = {_n(f): int(d) for f, d in _tsv("decades.tsv")}
    return Lexicon(months, strength, hijri, weekdays, ordinals, numbers, units, cues, holidays,
                   decades)


def alt(forms: Iterable[str]) -> str:
    """A non-capturing alternation of literal forms, longest first, spaces flexible."""
    uniq = sorted(set(forms), key=len, reverse=True)
    parts = [r"\s+".join(regex.escape(w) for w in f.split()) for f in uniq]
    return "(?:" + "|".join(parts) + ")"


# The definite article, including the ل of «للعام» (preposition ل + article, alef dropped).
AL = r"(?:ال|(?<=(?<!\w)[وف]?ل)ل)"
PFX = r"(?<!\w)(?:[وف]?[بلك]?)"
END = r"(?!\w)"
YEAR = r"(?:1[89]\d\d|20\d\d)"
HYEAR = r"(?:1[34]\d\d)"
HSUF = r"(?:\s*(?:ه|هجري|هجريه|هجرية|للهجرة|للهجره)(?!\w))"
GSUF = r"(?:\s*(?:م|ميلادي|ميلادية|للميلاد)(?!\w))"
REL = _n(
    "الماضي|الماضية|المقبل|المقبلة|القادم|القادمة|الجاري|الجارية|الحالي|الحالية|المنصرم|"
    "المنصرمة|الفائت|الفائتة|المنقضي|السابق|السابقة|المنقضية|الأخير|الأخيرة|الماضيين|"
    "المقبلين|القادمين"
)
PART = _n(
    "مطلع|أوائل|بداية|بدايه|مستهل|بدايات|مطالع|منتصف|أواسط|وسط|أواخر|نهاية|نهايه|ختام|نهايات|"
    "أخر|آخر|موفى|مفتتح|غرة"
)
TOD = _n(
    r"صباح|مساء|فجر|ظهر|عصر|ليل|ليلة|ليله|ظهيرة|صبيحة|نهار|منتصف\s+ليل|منتصف\s+ليلة|"
    r"منتصف\s+نهار|ضحى|بعد\s+ظهر|مساء\s+يوم|صباح\s+يوم"
)
COUNT_OP = _n(
    r"منذ|قبل|بعد|خلال|طوال|طيلة|لمدة|مدة|على\s+مدى|على\s+مدار|في\s+غضون|غضون|طيلة|زهاء"
)
EVENT_NOUN = _n(r"بدء|انطلاق|موعد|انتهاء|إجراء|انعقاد|اندلاع|وفاة|رحيل|تولي|توقيع|سقوط")
APPROX = _n(r"نحو|حوالي|حوالى|قرابة|أكثر\s+من|أقل\s+من|أزيد\s+من|ما\s+يزيد\s+عن|ما\s+يقارب")


#: Which anchor words a rule's match always contains (the stage only runs a rule in
#: windows around its anchors, which keeps it fast).
RULE_ANCHORS: dict[str, str] = {
    "numeric": "numeric", "dmy": "month", "hijri_date": "hijri", "hijri_month": "hijri",
    "hijri_year": "year4", "month_year": "month", "month_rel": "month", "month": "month",
    "year_range": "year4", "year_range_old": "yearkw", "year": "year4", "rel_day": "relday",
    "weekday": "weekday", "rel_period": "unit", "count": "unit", "count_1": "unit",
    "count_after": "unit", "holiday": "holiday", "decade": "decade", "fraction": "fraction",
}


@dataclass(frozen=True)
class Anchors:
    """Words (one trie-shaped pattern, then ``kinds`` says which rules they anchor) and
    digit anchors (four-digit years, numeric dates)."""

    words: re.Pattern[str]
    kinds: dict[str, tuple[str, ...]]
    digits: re.Pattern[str]


def _trie(words: Iterable[str]) -> str:
    """A regex alternation of literal words factored as a trie (much faster to scan)."""
    root: dict[str, dict] = {}
    for word in words:
        node = root
        for ch in word:
            node = node.setdefault(ch, {})
        node[""] = {}

    def build(node: dict) -> str:
        alts = [re.escape(ch) + build(child) for ch, child in sorted(node.items()) if ch]
        if not alts:
            return ""
        body = "(?:" + "|".join(alts) + ")"
        return body + "?" if "" in node else body

    return build(root)


@dataclass(frozen=True)
class Rules:
    """The compiled rules, in priority order (earlier wins ties of equal length), and the
    anchor pattern whose named groups say which rules can match nearby."""

    patterns: tuple[tuple[str, regex.Pattern[str]], ...]
    anchors: Anchors
    future: regex.Pattern[str]
    future_verb: regex.Pattern[str]
    pre_wrapper: regex.Pattern[str]
    range_join: regex.Pattern[str]
    #: for some rules, a part every match of the rule contains (no look-around): a window
    #: where it is not found cannot hold a match, and the rule is not run there
    required: dict[str, regex.Pattern[str]] = field(default_factory=dict)


def _rule(core: str, *, prefix: str = PFX) -> regex.Pattern[str]:
    return regex.compile(prefix + "(?P<t>" + core + ")" + END, regex.V0)


@lru_cache(maxsize=1)
def rules() -> Rules:
    """Compile the rules (once)."""
    lx = lexicon()
    month_any = alt(lx.months)
    month_cue = alt(f for f, s in lx.month_strength.items() if s != "rare")
    month_strong = alt(f for f, s in lx.month_strength.items() if s == "strong")
    month_pair = rf"(?P<month>{month_any})(?:(?:\s*[/(\-]\s*|\s+){month_any}\s*\)?)?"
    hmonth = alt(lx.hijri_months)
    hmonth_cue = alt(f for f in lx.hijri_months if f not in (_n("صفر"), _n("رجب")))
    wd = alt(lx.weekdays)
    ordinal = alt(lx.ordinals)
    numword = alt(lx.numbers)
    unit_n = alt(u for u, (_, c) in lx.units.items() if c == 0)
    unit_1 = alt(u for u, (_, c) in lx.units.items() if c in (1, 2))
    kw_year = _n(r"عام|العام|سنة|السنة|عامي|العامين|سنتي")
    prep = _n(r"في|منذ|حتى|خلال|قبل|بعد|من|إلى|الى|طيلة|طوال|حلول|بحلول|لغاية|مع")
    yrel = _n(r"الماضي|المقبل|القادم|الجاري|الحالي|نفسه|ذاته|المنصرم|السابق|الفائت")
    yrel_words = yrel
    year_tail = (
        rf"(?:\s*,?\s*(?:{_n('من')}\s+)?(?:(?:{kw_year})\s+)?(?P<year>{YEAR}){GSUF}?"
        rf"|\s+(?:{_n('من')}\s+)?(?P<yrel>{_n('العام|السنة')}\s+{yrel}|{_n('هذا العام|هذه السنة')}))"
    )

    patterns: list[tuple[str, str]] = [
        (
            "numeric",
            r"(?<![\d.,/])(?P<a>\d{1,4})\s?(?P<sep>[/.\-])\s?(?P<b>\d{1,2})\s?(?P=sep)\s?(?P<c>\d{1,4})"
            rf"(?![\d,]|\.\d)(?P<hsuf>{HSUF})?{GSUF}?",
        ),
        (
            "dmy",
            rf"(?:(?P<tod>{TOD})\s+)?(?:(?:{_n('يوم')}\s+)?(?P<wd>{AL}?{wd})\s*,?\s*)?(?:{_n('يوم')}\s+)?"
            rf"(?:(?P<day>\d{{1,2}})(?:\s*(?:-|–|{_n('إلى|الى|حتى')}|(?<={_n('بين')}\s+\d{{1,2}}\s*){_n('و')})\s*(?P<day2>\d{{1,2}}))?"
            rf"|(?P<ord>{ordinal}))"
            rf"\s*(?:{_n('من')}\s+)?(?:{_n('شهر|شهري')}\s+)?{month_pair}{year_tail}?"
            rf"(?:\s+(?P<rel>{REL}))?",
        ),
        (
            "hijri_date",
            rf"(?:(?P<day>\d{{1,2}})(?:\s*(?:-|–|{_n('إلى|الى|حتى')})\s*(?P<day2>\d{{1,2}}))?|(?P<ord>{ordinal}))\s+(?:{_n('من')}\s+)?(?:{_n('شهر')}\s+)?"
            rf"(?P<hmonth>{hmonth})(?:\s+(?:{_n('المبارك|الكريم|المعظم|الحرام|الفضيل')}))?(?:\s+(?P<rel>{REL}))?"
            rf"(?:\s*,?\s*(?:{_n('من')}\s+)?(?:(?:{kw_year})\s+)?(?P<hyear>{HYEAR}))?{HSUF}?",
        ),
        (
            "hijri_month",
            rf"(?:(?P<part>{PART})\s+)?(?:(?P<hmonth_g>{hmonth_cue})\s+(?:{_n('من')}\s+)?(?:(?:{kw_year})\s+(?P<gyear>{YEAR}){GSUF}?"
            rf"|(?P<gyrel>{_n('العام|السنة')}\s+{yrel_words}|{_n('هذا العام|هذه السنة')}))"
            rf"|(?P<shahr>{_n('شهر')})\s+(?P<hmonth>{hmonth})"
            rf"|(?<=(?<!\w)[وف]?(?:{prep})\s+)(?P<hmonth_c>{hmonth_cue})"
            rf"|(?<=(?<!\w)(?:{PART})\s+)(?P<hmonth_p>{hmonth_cue})"
            rf"|(?P<hmonth_y>{hmonth})(?=\s+(?:{_n('من')}\s+)?(?:{_n('عام|سنة')}\s+)?{HYEAR})"
            rf")"
            rf"(?:\s+(?P<rel>{REL}))?"
            rf"(?:\s+(?:{_n('المبارك|الكريم|المعظم|الحرام|الفضيل')}))?"
            rf"(?:\s*,?\s*(?:{_n('من')}\s+)?(?:(?:{kw_year})\s+)?(?P<hyear>{HYEAR}))?{HSUF}?",
        ),
        (
            "hijri_year",
            rf"(?:(?P<part>{PART})\s+)?(?:(?:(?:{kw_year})\s+)?(?P<hyear>{HYEAR}){HSUF}"
            rf"|(?:{kw_year})\s+(?P<hyear2>{HYEAR})(?!\s*(?:/|\d|م(?!\w))))",
        ),
        (
            "month_year",
            rf"(?:(?P<part>{PART})\s+)?(?:{_n('شهر|شهري')}\s+)?{month_pair}{year_tail}",
        ),
        (
            "month_rel",
            rf"(?:(?P<part>{PART})\s+)?(?:{_n('شهر|شهري')}\s+)?{month_pair}\s+(?P<rel>{REL})",
        ),
        (
            "month",
            rf"(?:(?P<part>{PART})\s+(?:{_n('شهر')}\s+)?(?P<m1>{month_cue})"
            rf"|{_n('شهر|شهري')}\s+(?P<m2>{month_any})"
            rf"|(?<=(?<!\w)[وف]?(?:{prep})\s+)(?P<m3>{month_strong})"
            rf"|(?<=\(\s?)(?P<m5>{month_strong})(?=\s*(?:\)|{_n('و')}\s?{month_any}))"
            rf"|(?<=(?<!\w)[وف]?(?:{_n('في|منذ|خلال|حتى')})\s+)(?P<m4>{month_cue}))"
            rf"(?:\s*[/(\-]\s*{month_any}\s*\)?)?",
        ),
        (
            "year_range",
            rf"(?:(?P<between>{_n('بين|ما بين|من')})\s+)?(?:(?:{kw_year}|{_n('الفترة من|الفترة بين|الأعوام')})\s+)?"
            rf"(?P<y1>{YEAR}){GSUF}?\s*(?P<join>-|–|/|{_n('و|إلى|الى|حتى|ل')})\s*"
            rf"(?:(?:{kw_year})\s+)?(?P<y2>{YEAR}){GSUF}?",
        ),
        (
            "year_range_old",
            rf"(?P<between>{_n('بين|ما بين')})\s+(?:{_n('عامي|العامين|سنتي')})\s+(?P<y1>[1-9]\d{{2,3}}){GSUF}?"
            rf"\s*(?P<join>{_n('و|-|إلى|الى')})\s*(?P<y2>[1-9]\d{{2,3}}){GSUF}?",
        ),
        (
            "year",
            rf"(?:(?P<part>{PART})\s+(?:(?:{kw_year})\s+)?|(?:{kw_year})\s+"
            rf"|(?<=(?<!\w)[وف]?(?:{prep}|{_n('بين')})\s+))(?P<year>{YEAR}){GSUF}?(?!\s*%)",
        ),
        (
            "rel_day",
            rf"(?:(?P<tod>{TOD})\s+(?:{_n('يوم')}\s+)?)?"
            rf"(?P<rd>{_n('أول')}\s+(?:{_n('من')}\s+)?{AL}?{_n('أمس')}|{AL}?{_n('أمس')}\s+{_n('الأول')}|{AL}?{_n('أمس')}"
            rf"|{AL}?{_n('البارحة')}|{_n('اليوم|هذا اليوم')}|{_n('بعد')}\s+{_n('غد|غدا')}"
            rf"|(?:{_n('يوم')}\s+)?{_n('غدا|الغد|غد')}|{_n('الليلة')}(?:\s+{_n('الماضية|المقبلة|القادمة')})?)"
            rf"(?:\s*,?\s*\(?(?P<wd>{AL}{wd})(?!\s+{_n('عشر')})\)?)?",
        ),
        (
            "weekday",
            rf"(?:(?P<tod>{TOD})\s+)?(?:(?P<yawm>{_n('يوم|أيام')})\s+)?"
            rf"(?P<wd>{AL}{wd}|(?<={_n('يوم')}\s+){wd})(?!\s+{_n('عشر')})(?:\s+(?P<rel>{REL}))?",
        ),
        (
            "rel_period",
            rf"(?:(?P<part>{PART})\s+)?(?:(?P<this>{_n('هذا|هذه')})\s+)?"
            rf"(?P<unit>{AL}{_n('أسبوع|شهر|عام|سنة|سنه')})"
            rf"(?:\s+(?P<before_last>{_n('قبل')}\s+{_n('الماضي|الماضية|المنصرم|الفائت')})"
            rf"|\s+(?P<after_next>{_n('بعد')}\s+{_n('المقبل|المقبلة|القادم|القادمة')})"
            rf"|\s+(?P<rel>{REL})|(?<=(?:{PART}|{_n('هذا|هذه')})\s+\S+)(?!\s+(?:{_n('الدراسي|المالي|الهجري|الرياضي|الأول|الثاني|الثالث|الحالي|على|من')})))",
        ),
        (
            "fraction",
            rf"(?P<frac>{_n('الربع|النصف|الثلث')})\s+(?P<nth>{_n('الأول|الثاني|الثالث|الرابع|الأخير')})\s+(?:{_n('من')}\s+)?"
            rf"(?:(?:{kw_year})\s+(?P<year>{YEAR})|(?P<year2>{YEAR})"
            rf"|(?P<yrel>{_n('العام|السنة')}\s+{yrel}|{_n('هذا العام|هذه السنة')}))",
        ),
        (
            "decade",
            rf"(?:{_n('عقد')}\s+)?{AL}?(?P<dec>{alt(lx.decades)})"
            rf"(?:\s+(?:{_n('من')}\s+)?{_n('القرن')}\s+(?P<century>{_n('الماضي|العشرين|المنصرم|الحالي|الحادي والعشرين|الجاري')}))?",
        ),
        (
            "holiday",
            rf"(?:(?P<nth>{_n('أول|ثاني|ثالث|رابع')})\s+(?:{_n('أيام')}\s+)?)?(?P<hol>{alt(lx.holidays)})"
            rf"(?:\s+{_n('المبارك|السعيد|الشريف')})?(?:\s+(?P<rel>{REL}))?"
            rf"(?:\s+(?:{_n('من')}\s+)?(?:{_n('عام|لعام|العام|لهذا العام|هذا العام')}\s+)?(?P<hyear>{HYEAR}){HSUF})?",
        ),
        (
            "count",
            rf"(?P<op>{COUNT_OP})\s+(?:(?:{APPROX})\s+)?(?:{AL}\s*)?"
            rf"(?:(?P<n>\d{{1,3}})|(?P<nw>{numword}))\s*(?P<unit>{unit_n}|{unit_1})"
            rf"(?:\s+(?P<rel>{REL}))?",
        ),
        (
            "count_1",
            rf"(?P<op>{COUNT_OP})\s+(?:(?:{APPROX})\s+)?(?P<unit>{unit_1})"
            rf"(?:\s+(?P<rel>{_n('الماضيين|الأخيرين|المقبلين|القادمين')}))?"
            rf"(?!\s*\d)(?!\s+(?:{_n('واحد|كامل')}|{month_any}|{hmonth}|{YEAR}))",
        ),
        (
            "count_after",
            rf"(?P<op>{COUNT_OP}|{_n('في')})\s+{AL}(?P<unit>{unit_n})\s+{AL}?\s*(?:(?P<n>\d{{1,3}})|(?P<nw>{numword}))"
            rf"\s+(?P<rel>{REL})",
        ),
    ]
    compiled = tuple(
        (name, _rule(core, prefix="" if name == "numeric" else PFX)) for name, core in patterns
    )
    # the mandatory groups of these rules: (?P<op>COUNT_OP), (?P<rel>REL), the year tail
    # (a year, or «العام/السنة» in «العام الماضي», «هذا العام»), AL + unit (ال or ل, both
    # end with ل), a day number or an ordinal (dmy), a Hijri year, two years in a row
    required = {name: regex.compile(part, regex.V0) for name, part in (
        ("count", COUNT_OP), ("count_1", COUNT_OP), ("month_rel", REL),
        ("month_year", rf"{YEAR}|{_n('العام|السنة')}"),
        ("rel_period", rf"ل{_n('أسبوع|شهر|عام|سنة|سنه')}"),
        ("dmy", rf"\d|{ordinal}"), ("hijri_year", HYEAR),
        ("year_range", rf"{YEAR}[\s\S]*{YEAR}"),
    )}
    future = regex.compile(
        r"(?<!\w)(?:" + "|".join(regex.escape(w) for w in lx.cues["future_words"]) + r")(?!\w)"
    )
    future_verb = regex.compile(r"(?<!\w)[وف]?(س[يتن]\w{2,})")
    pre_wrapper = regex.compile(
        _n(
            r"(?<!\w)[وف]?(?P<w>منذ|حتى|لغاية|إلى\s+غاية|الى\s+غاية|قبل|قبيل|بحلول|"
            r"في\s+موعد\s+أقصاه|في\s+موعد\s+لا\s+يتجاوز|في\s+أجل\s+أقصاه|اعتبارا\s+من|ابتداء\s+من|"
            r"بدءا\s+من|من|بين|ما\s+بين)\s+$"
        )
    )
    range_join = regex.compile(_n(r"^\s*(?:-|–|و|إلى|الى|حتى|ولغاية|وحتى)\s*$"))
    word_kinds: dict[str, set[str]] = {}

    def anchor(kind: str, forms: Iterable[str]) -> None:
        for form in forms:
            words = form.split()
            word = words[1] if len(words) > 1 and words[0] in ("ذو", "ذي") else words[0]
            word_kinds.setdefault(word, set()).add(kind)

    anchor("month", lx.months)
    anchor("hijri", lx.hijri_months)
    anchor("weekday", lx.weekdays)
    anchor("unit", list(lx.units) + [_n(w) for w in ("اسبوع", "شهر", "عام", "سنة", "سنه", "العامين")])
    anchor("relday", [_n(w) for w in ("امس", "اليوم", "غد", "غدا", "البارحة", "الليلة")])
    anchor("yearkw", [_n(w) for w in ("عامي", "العامين", "سنتي")])
    anchor("holiday", [a for *_, a in lx.holidays.values()])
    anchor("decade", lx.decades)
    anchor("fraction", [_n(w) for w in ("ربع", "نصف", "ثلث")])
    anchors = Anchors(
        words=re.compile(_trie(word_kinds) + r"(?!\w)"),
        kinds={w: tuple(sorted(k)) for w, k in word_kinds.items()},
        # one digit first, so that the scan skips fast to the digits; then a year
        # (1300-1999, 2000-2099) or a numeric date
        digits=re.compile(r"\d(?:(?P<year4>(?<=1)[3-9]\d\d(?!\d)|(?<=2)0\d\d(?!\d))"
                          r"|(?P<numeric>\s?[/.\-]\s?\d))"),
    )
    return Rules(compiled, anchors, future, future_verb, pre_wrapper, range_join, required)
