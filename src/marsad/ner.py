"""Find named entities (PER, ORG, LOC, GPE, MISC).

A BiLSTM-CRF run in numpy (trained here and distilled from a CRF + BiLSTM-CRF ensemble, see
``models/ner/MODEL_CARD.md``) tags whitespace words (clitics attached, as ANERcorp is
annotated) with BIO labels; ``neural = false`` runs the CRF instead. The stage then:

- moves the start of each entity past its proclitics (``بالجزائر`` → ``الجزائر``,
  ``لدرنة`` → ``درنة``, ``وتونس`` → ``تونس``), using the segmenter's pieces and the
  gazetteer;
- separates a title from a person's name (``العميد احمد المسماري`` → PER ``احمد
  المسماري``, title ``العميد``), with the titles listed in ``data/ner/titles.txt``;
- drops a trailing «القريبة»-like word from place spans (``data/ner/place_modifiers.txt``);
- marks places that the gazetteer knows as countries or cities ``GPE``;
- adds the places and persons of the curated lists (``data/ner/places_extra.tsv``,
  ``persons_extra.tsv``) and repeats names the model found elsewhere in the same document
  where the model missed them.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from marsad.doc import Document, Entity, Token
from marsad.errors import ModelError
from marsad.ner_data import spans
from marsad.ner_features import (
    PROCLITICS,
    SINGLE_PROCLITICS,
    FeatureExtractor,
    Resources,
    norm,
)
from marsad.ner_neural import LABELS, NumpyTagger, viterbi_bio_batch
from marsad.pipeline import Stage, StageConfig, register_stage

#: Weight of the CRF's marginals when averaged with the BiLSTM-CRF's, and the factor on
#: the probability of ``O`` before decoding (below 1 favours recall). With weight 0 (the
#: default: the BiLSTM-CRF, distilled from the CRF + BiLSTM ensemble, scores as well alone
#: on the dev split carved from the ANERcorp train part) the BiLSTM-CRF's own Viterbi path
#: is used and the CRF is not run.
CRF_WEIGHT = 0.0
O_SCALE = 0.6

PACKAGE = Path(__file__).resolve().parent
MODEL_DIR = PACKAGE / "models" / "ner"
DATA_DIR = PACKAGE / "data" / "ner"


@dataclass(frozen=True, slots=True)
class Word:
    """A whitespace word of the document: offsets and its segmenter pieces."""

    start: int
    end: int
    text: str
    sentence: int
    pieces: tuple[Token, ...]


def _read_lines(path: Path) -> list[str]:
    return [ln.strip() for ln in path.read_text("utf-8").splitlines()
            if ln.strip() and not ln.startswith("#")]


class NerModel:
    """The shipped CRF tagger with its features and post-processing lexicons."""

    def __init__(self, model_dir: Path = MODEL_DIR, data_dir: Path = DATA_DIR, *,
                 neural: bool = True, head: str | None = None) -> None:
        import pycrfsuite

        files = [model_dir / n for n in ("crf.model", "clusters.tsv.gz", "gazetteer.tsv.gz")]
        missing = [str(f) for f in files if not f.is_file()]
        if missing:
            raise ModelError(f"NER model files missing: {', '.join(missing)} "
                             "(run `marsad train ner`)")
        self.resources = Resources.load(files[1], files[2])
        self.features = FeatureExtractor(self.resources)
        self.tagger = pycrfsuite.Tagger()
        try:
            self.tagger.open(str(files[0]))
        except Exception as exc:  # pycrfsuite raises a bare ValueError/IOError
            raise ModelError(f"cannot open NER model {files[0]}: {exc}") from exc
        self.neural: NumpyTagger | None = None
        if (neural or head) and (model_dir / "neural.npz").is_file():
            self.neural = NumpyTagger(model_dir / "neural.npz", self.resources, self.features,
                                      head=head)
        elif head:
            raise ModelError(f"the NER head {head!r} needs {model_dir / 'neural.npz'}")
        # an auxiliary head (another data set's labels) is read from the BiLSTM alone
        self.crf_weight = 0.0 if head else CRF_WEIGHT
        self.titles = {tuple(norm(w) for w in t.split()) for t in _read_lines(data_dir / "titles.txt")}
        self.max_title = max(len(t) for t in self.titles)
        self.title_words = {t[0] for t in self.titles}
        self.place_modifiers = {norm(w) for w in _read_lines(data_dir / "place_modifiers.txt")}
        self._core = lru_cache(maxsize=200_000)(self._core_uncached)  # type: ignore[method-assign]
        self.lexicon: dict[str, str] = {}
        heads: dict[str, set[int]] = {}
        for name_file in ("places_extra.tsv", "persons_extra.tsv"):
            for line in _read_lines(data_dir / name_file):
                name, kind = line.split("\t")[:2]
                key = " ".join(norm(w) for w in name.split())
                self.lexicon[key] = kind
                heads.setdefault(key.split(" ")[0], set()).add(key.count(" ") + 1)
        self.lexicon_heads = {h: tuple(sorted(v, reverse=True)) for h, v in heads.items()}

    # -- tagging ---------------------------------------------------------------------------

    def tag(self, words: Sequence[str]) -> list[str]:
        """BIO labels for one sentence of words."""
        if not words:
            return []
        return list(self.tagger.tag(self.features.sentence(words)))

    def tag_with_marginals(self, words: Sequence[str]) -> tuple[list[str], list[float]]:
        """BIO labels and the marginal probability of each label."""
        if not words:
            return [], []
        labels = list(self.tagger.tag(self.features.sentence(words)))
        marginal = self.tagger.marginal
        probs = [marginal(lab, i) if lab != "O" else 1.0 for i, lab in enumerate(labels)]
        return labels, probs

    def crf_marginals(self, words: Sequence[str]) -> np.ndarray:
        """The CRF's (words, labels) marginals in :data:`LABELS` order."""
        tagger = self.tagger
        tagger.set(self.features.sentence(words))
        known = set(tagger.labels())
        out = np.zeros((len(words), len(LABELS)))
        for j, lab in enumerate(LABELS):
            if lab in known:
                out[:, j] = [tagger.marginal(lab, i) for i in range(len(words))]
        return out

    def tag_sentences(self, sents: Sequence[Sequence[str]]) -> list[tuple[list[str], list[float]]]:
        """Labels and per-word confidences for many sentences: the CRF alone, or the
        weighted average of the CRF's and the BiLSTM-CRF's marginals, decoded as valid BIO."""
        if self.neural is None:
            return [self.tag_with_marginals(s) for s in sents]
        if self.crf_weight <= 0:
            return self.neural.tag_many(sents)
        nn = self.neural.marginals_many(sents)
        combined: list[np.ndarray] = []
        w = self.crf_weight
        for words, p_nn in zip(sents, nn, strict=True):
            if words:
                probs = w * self.crf_marginals(words) + (1 - w) * p_nn if w > 0 else p_nn
                probs[:, 0] *= O_SCALE
                combined.append(probs)
        paths = iter(viterbi_bio_batch(combined))
        probs_iter = iter(combined)
        out: list[tuple[list[str], list[float]]] = []
        for words in sents:
            if not words:
                out.append(([], []))
                continue
            path, probs = next(paths), next(probs_iter)
            out.append(([LABELS[j] for j in path], probs[np.arange(len(path)), path].tolist()))
        return out

    def gazetteer_types(self, key: str) -> frozenset[str]:
        """Types the gazetteer gives a normalised name."""
        return self.resources.gazetteer.get(key, frozenset())

    # -- documents -------------------------------------------------------------------------

    def entities(self, doc: Document) -> list[Entity]:
        """Entities of a tokenised document, with clitics and titles kept out."""
        words = group_words(doc)
        found = self.tag_words(words)
        return [ent for span in sorted(found) if (ent := self._entity(doc, words, *span))]

    def tag_words(self, words: Sequence[Word], *, post: bool = True
                  ) -> list[tuple[int, int, str, float]]:
        """Entity spans ``(first word, end word, type, confidence)`` of a document's words;
        ``post`` adds the document-level repeats and the curated places."""
        by_sentence: dict[int, list[int]] = {}
        for i, w in enumerate(words):
            by_sentence.setdefault(w.sentence, []).append(i)
        found: list[tuple[int, int, str, float]] = []  # word index span, type, confidence
        groups = list(by_sentence.values())
        tagged = self.tag_sentences([[words[i].text for i in idx] for idx in groups])
        for idx, (labels, probs) in zip(groups, tagged, strict=True):
            for s, e, kind in sorted(spans(labels)):
                if (kind in ("LOC", "GPE") and e - s > 1
                        and norm(words[idx[e - 1]].text) in self.place_modifiers):
                    e -= 1  # «القبة القريبة» → «القبة»
                conf = math.fsum(probs[s:e]) / (e - s)
                found.append((idx[s], idx[e - 1] + 1, kind, conf))
        if post:
            found = self._propagate(words, found)
            found = self._add_lexicon(words, found)
        return found

    def _propagate(self, words: Sequence[Word], found: list[tuple[int, int, str, float]]
                   ) -> list[tuple[int, int, str, float]]:
        """Tag untagged repeats of multi-letter names the model found in the document."""
        taken = [False] * len(words)
        for s, e, _k, _c in found:
            for i in range(s, e):
                taken[i] = True
        names: dict[tuple[str, ...], tuple[str, float]] = {}
        for s, e, kind, conf in found:
            key = tuple(self._core(words[i].text) if i == s else norm(words[i].text)
                        for i in range(s, e))
            if conf >= 0.8 and len(key[0]) >= 3 and key not in names:
                names[key] = (kind, conf)
        if not names:
            return found
        heads: dict[str, set[int]] = {}
        for key in names:
            heads.setdefault(key[0], set()).add(len(key))
        extra: list[tuple[int, int, str, float]] = []
        i = 0
        while i < len(words):
            step = 1
            if taken[i]:
                i += 1
                continue
            for n in sorted(heads.get(self._core(words[i].text), ()), reverse=True):
                if i + n > len(words) or any(taken[i:i + n]):
                    continue
                if len({words[j].sentence for j in range(i, i + n)}) > 1:
                    continue
                key = (self._core(words[i].text), *(norm(words[j].text) for j in range(i + 1, i + n)))
                hit = names.get(key)
                if hit and (i + n == len(words) or not taken[i + n]):
                    extra.append((i, i + n, hit[0], 0.5 * hit[1]))
                    step = n
                    break
            i += step
        return found + extra

    def _add_lexicon(self, words: Sequence[Word], found: list[tuple[int, int, str, float]]
                     ) -> list[tuple[int, int, str, float]]:
        """Add the curated places and persons: where the model left the words untagged, or
        tagged only part of the name (``غسان`` of ``غسان سلامة``) with nothing outside it."""
        owner = [-1] * len(words)
        for k, (s, e, _kind, _c) in enumerate(found):
            for i in range(s, e):
                owner[i] = k
        heads = self.lexicon_heads
        dropped: set[int] = set()
        extra: list[tuple[int, int, str, float]] = []
        i = 0
        while i < len(words):
            step = 1
            core = self._core(words[i].text)
            for n in heads.get(core, ()):
                if i + n > len(words) or words[i + n - 1].sentence != words[i].sentence:
                    continue
                key = " ".join([core, *(norm(words[j].text) for j in range(i + 1, i + n))])
                kind = self.lexicon.get(key)
                if kind is None:
                    continue
                inside = {owner[j] for j in range(i, i + n)} - {-1}
                if any(found[k][0] < i or found[k][1] > i + n for k in inside):
                    continue
                dropped |= inside
                conf = max([found[k][3] for k in inside], default=0.6)
                extra.append((i, i + n, kind, conf))
                step = n
                break
            i += step
        return [f for k, f in enumerate(found) if k not in dropped] + extra

    def _core(self, word: str) -> str:
        return self._core_uncached(word)

    def _core_uncached(self, word: str) -> str:
        """A normalised word without the proclitics that a known name would not carry."""
        w = norm(word)
        if self._known(w):
            return w
        for p in PROCLITICS:
            if w.startswith(p) and len(w) - len(p) >= 2:
                rest = w[len(p):]
                with_al = "ال" + rest
                if p.endswith("ال") or p.endswith("لل"):
                    return with_al if self._known(with_al) or not self._known(rest) else rest
        for p in SINGLE_PROCLITICS:
            if w.startswith(p) and len(w) - len(p) >= 3 and self._known(w[len(p):]):
                return w[len(p):]
        return w

    def _known(self, key: str) -> bool:
        return key in self.lexicon or key in self.resources.gazetteer

    def _clitic_offset(self, word: Word) -> int:
        """Characters of proclitics to leave out at the start of an entity's first word."""
        pieces = word.pieces
        offset = 0
        for k, piece in enumerate(pieces):
            if piece.kind != "proclitic":
                break
            is_article = piece.form == "ال" and k == len(pieces) - 2
            if is_article and piece.text == "ال":
                break  # keep the article: «بالجزائر» → «الجزائر»
            offset = piece.end - word.start
        w = norm(word.text)
        if offset == 0 and not self._known(w):
            # a bare conjunction or preposition the segmenter kept: «وتونس» → «تونس»
            for p in SINGLE_PROCLITICS:
                if w.startswith(p) and len(w) - len(p) >= 2 and self._known(w[len(p):]):
                    return len(p) if word.text[: len(p)] == w[: len(p)] else 0
        if offset and self._known(w):
            return 0
        return offset

    def _title_before(self, words: list[Word], s: int) -> tuple[int, int] | None:
        """The word span of a title just before word ``s`` (same sentence), if any."""
        sent = words[s].sentence
        best: tuple[int, int] | None = None
        for n in range(1, self.max_title + 3):
            a = s - n
            if a < 0 or words[a].sentence != sent:
                break
            seq = [norm(w.text) for w in words[a:s]]
            seq[0] = self._strip_conj(seq[0])
            for m in range(len(seq), 0, -1):
                head, rest = tuple(seq[:m]), seq[m:]
                if head in self.titles and len(rest) <= 2 and all(
                    r.startswith("ال") and len(r) > 3 for r in rest
                ):
                    best = (a, s)
                    break
        return best

    def _strip_conj(self, w: str) -> str:
        """A title word without a leading conjunction or preposition («والرئيس»)."""
        if w[:1] in ("و", "ف", "ل", "ب") and w[1:] in self.title_words:
            return w[1:]
        return w

    def _entity(self, doc: Document, words: list[Word], s: int, e: int, kind: str,
                conf: float) -> Entity | None:
        # a title at the start of a person span: move it out
        title: tuple[int, int] | None = None
        if kind == "PER":
            for n in range(min(self.max_title, e - s - 1), 0, -1):
                seq = [norm(w.text) for w in words[s:s + n]]
                seq[0] = self._strip_conj(seq[0])
                if tuple(seq) in self.titles:
                    title = (s, s + n)
                    s += n
                    break
            if title is None:
                title = self._title_before(words, s)
        first = words[s]
        start = first.start + self._clitic_offset(first)
        end = words[e - 1].end
        if start >= end:
            return None
        text = doc.text[start:end]
        key = " ".join(norm(t) for t in text.split())
        if kind == "LOC" and ("GPE" in self.gazetteer_types(key) or self.lexicon.get(key) == "GPE"):
            kind = "GPE"
        t_text = t_start = t_end = None
        if title is not None:
            tw = words[title[0]]
            t_start = tw.start + (1 if self._strip_conj(norm(tw.text)) != norm(tw.text) else 0)
            t_end = words[title[1] - 1].end
            t_text = doc.text[t_start:t_end]
        return Entity(start=start, end=end, text=text, type=kind, confidence=round(conf, 3),
                      title=t_text, title_start=t_start, title_end=t_end, source="model")


def group_words(doc: Document) -> list[Word]:
    """The whitespace words of a tokenised document (tokens sharing a ``word`` index)."""
    words: list[Word] = []
    current: list[Token] = []
    for tok in doc.tokens:
        if current and tok.word != current[0].word:
            words.append(_word(doc, current))
            current = []
        current.append(tok)
    if current:
        words.append(_word(doc, current))
    return words


def _word(doc: Document, pieces: list[Token]) -> Word:
    start, end = pieces[0].start, pieces[-1].end
    return Word(start, end, doc.text[start:end], pieces[0].sentence, tuple(pieces))


@lru_cache(maxsize=4)
def load_model(model_dir: str = str(MODEL_DIR), neural: bool = True,
               head: str | None = None) -> NerModel:
    """The shipped NER model (loaded once); ``neural=False`` runs the CRF alone (faster,
    about 4 F1 points lower); ``head`` picks an auxiliary output head of the BiLSTM
    (``"aqmar"``: AQMAR's annotation conventions)."""
    return NerModel(Path(model_dir), neural=neural, head=head)


@register_stage("ner", requires=("tokens",), assigns=("entities",))
def make_ner(config: StageConfig) -> Stage:
    """Find named entities (PER, ORG, LOC, GPE, MISC)."""
    model_dir = str(config.get("model_dir", MODEL_DIR))
    neural = bool(config.get("neural", True))

    def ner(doc: Document) -> Document:
        model = load_model(model_dir, neural)
        return dataclasses.replace(doc, entities=tuple(model.entities(doc)))

    return ner
