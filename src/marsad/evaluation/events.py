"""``marsad eval events``: score the events stage.

- ``--gsr FILE.csv`` — sentence-level detection on a GSR file in the format of
  ``arabic_event_gsr/assault_gsr.csv`` for the event type the file names: ``yes`` is
  positive, ``easy no``/``difficult no`` negative, ``ambiguous`` reported apart. A sentence
  is detected when the stage codes a factual (not negated, not hypothetical) event of that
  type in it. ``--split heldout`` (default) scores the fixed held-out part
  (``md5(id) % 10 < 3``, see :func:`marsad.training.events.is_heldout`), ``train`` the rest,
  ``all`` everything. ``--baseline`` adds the dictionary coder (UniversalPetrarch's Arabic
  verb dictionary, CAMEO 18x/19x/20x) on the same sentences.
- ``--spans FILE.json`` — source, verb and target token-overlap F1 against the gold spans
  of ``assault_spans.json`` (best match over the annotators' spans), and the accuracy of
  the source/target country and role codes.
- ``--gold FILE.jsonl`` — per-type precision and recall on a multi-type set stored by
  reference into the shared corpus (``marsad/data/eval/events_gold.jsonl``).
"""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from importlib import resources
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from marsad.actors_eval import actor_codes, gigaword_date, gold_codes
from marsad.doc import Document, Event
from marsad.errors import DataError
from marsad.evaluation.corpus import CORPUS_LABEL, read_articles
from marsad.events import make_events
from marsad.events_lexicon import words_of
from marsad.normalize import match_key
from marsad.pipeline import Pipeline, load_config
from marsad.training.events import SHARED, is_heldout, prf, read_gsr

UP_DICT = SHARED / "events" / "up_arabic_dictionaries" / "CAMEO.ar.0.5.txt"

Runner = Callable[[Document], Document]


def default_gold() -> Path:
    """The packaged multi-type gold file."""
    return Path(str(resources.files("marsad").joinpath("data/eval/events_gold.jsonl")))


def make_runner(pipeline: str, config_path: str | None = None) -> Runner:
    """``full``: the pipeline (default configuration, or overlaid with ``config_path``);
    ``full-all``: the same, every ASSAULT candidate kept (to score arguments apart from
    detection); ``events``: sentences and events only (no actors, places or times —
    ASSAULT detection does not depend on them), with the configuration's events settings."""
    config = load_config(config_path)
    if pipeline in ("full", "full-all"):
        if pipeline == "full-all":
            # argument scoring: keep every ASSAULT candidate, detection is scored apart
            config.setdefault("stages", {}).setdefault("events", {})["assault_threshold"] = 0.0
        return Pipeline.from_config(config)
    from marsad.sentences import split_sentences

    coder = make_events(config.get("stages", {}).get("events", {}))

    def run(doc: Document) -> Document:
        import dataclasses

        doc = dataclasses.replace(doc, sentences=tuple(split_sentences(doc.text)))
        return coder(doc)

    return run


def factual(events: Iterable[Event], type_: str) -> bool:
    """True when one of the events is a factual event of ``type_``."""
    return any(e.type == type_ and not e.negated and not e.hypothetical for e in events)


# ---------------------------------------------------------------------------- GSR detection
def evaluate_gsr(path: Path, *, split: str = "heldout", runner: Runner | None = None,
                 baseline: bool = False) -> dict[str, Any]:
    """Detection scores on a GSR CSV file."""
    rows = read_gsr(path)
    if split == "heldout":
        rows = [r for r in rows if is_heldout(r["id"])]
    elif split == "train":
        rows = [r for r in rows if not is_heldout(r["id"])]
    types = {r.get("event_type", "ASSAULT") for r in rows}
    if len(types) != 1:
        raise DataError(f"{path}: expected one event type, found {sorted(types)}")
    type_ = types.pop().upper()
    runner = runner or make_runner("events")
    base = _BaselineCoder(type_) if baseline else None
    preds: list[bool] = []
    base_preds: list[bool] = []
    for row in tqdm(rows, desc="gsr", unit="sent", disable=None):
        doc = runner(Document(text=row["text"], id=row["id"]))
        preds.append(factual(doc.events, type_))
        if base is not None:
            base_preds.append(base(row["text"]))
    return _detection_report(rows, preds, base_preds if base else None, type_, split, path)


def _detection_report(rows: list[dict[str, str]], preds: list[bool], base: list[bool] | None,
                      type_: str, split: str, path: Path) -> dict[str, Any]:
    import numpy as np

    labels = [r["label"].strip().lower() for r in rows]
    scored = [i for i, lab in enumerate(labels) if lab != "ambiguous"]
    gold = np.array([labels[i] == "yes" for i in scored])

    def block(pred_list: list[bool]) -> dict[str, Any]:
        pred = np.array([pred_list[i] for i in scored])
        out: dict[str, Any] = prf(pred, gold)
        diff = [i for i in scored if labels[i] == "difficult no"]
        easy = [i for i in scored if labels[i] == "easy no"]
        amb = [i for i, lab in enumerate(labels) if lab == "ambiguous"]
        out["difficult_no_fp"] = sum(pred_list[i] for i in diff)
        out["difficult_no_total"] = len(diff)
        out["easy_no_fp"] = sum(pred_list[i] for i in easy)
        out["easy_no_total"] = len(easy)
        out["ambiguous"] = {"total": len(amb), "detected": sum(pred_list[i] for i in amb)}
        return out

    report: dict[str, Any] = {"file": str(path), "type": type_, "split": split,
                              "sentences": len(rows)}
    report.update(block(preds))
    if base is not None:
        report["baseline_dictionary_coder"] = block(base)
    return report


_CAMEO_PREFIXES: dict[str, tuple[str, ...]] = {"ASSAULT": ("18", "19", "20"), "PROTEST": ("14",)}


class _BaselineCoder:
    """A dictionary coder: UniversalPetrarch's Arabic verb dictionary, a sentence is coded
    when it holds a verb (or a noun pattern with one of its verbs) whose CAMEO code maps to
    the type (18x/19x/20x → ASSAULT, 14x → PROTEST)."""

    def __init__(self, type_: str) -> None:
        self.prefixes = _CAMEO_PREFIXES.get(type_, ("__",))
        self.verbs: set[str] = set()
        self.nouns: dict[str, set[str]] = defaultdict(set)
        if not UP_DICT.is_file():
            raise DataError(f"dictionary not found: {UP_DICT}")
        self._parse(UP_DICT.read_text("utf-8").splitlines())

    def _coded(self, code: str) -> bool:
        return code.startswith(self.prefixes)

    def _parse(self, lines: list[str]) -> None:
        block_code = ""
        block_verbs: list[str] = []
        head = re.compile(r"^---\s*(\S+)\s*\[([^\]]*)\]")
        for line in lines:
            m = head.match(line)
            if m:
                block_code = m.group(2)
                block_verbs = [match_key(m.group(1))]
                if self._coded(block_code):
                    self.verbs.add(block_verbs[0])
                continue
            if line.startswith("- "):
                code = re.search(r"\[(\d+)\]", line)
                if code and self._coded(code.group(1)):
                    body = line[2:].split("[")[0].replace("*", " ")
                    nouns = [match_key(w) for w in body.split() if not w.startswith(("&", "("))]
                    verbs = [match_key(v.split("+")[0]) for v in line.split("#")[-1].split(",")]
                    for noun in nouns:
                        self.nouns[noun].update(v.strip() for v in verbs if v.strip())
                continue
            parts = line.split("#")[0].split()
            if parts and not line.startswith(("#", "&", "+")):
                verb = match_key(parts[0].split("+")[0])
                code = re.search(r"\[(\d+)\]", line)
                if (code and self._coded(code.group(1))) or (
                        not code and self._coded(block_code)):
                    self.verbs.add(verb)
                block_verbs.append(verb)

    def __call__(self, text: str) -> bool:
        stems: set[str] = set()
        for w in words_of(text):
            if w.is_punct:
                continue
            for form, _pre in w.variants:
                stems.add(form)
                for suf in ("ت", "وا", "ون", "ه", "ها", "هم", "ات", "ا"):
                    if form.endswith(suf) and len(form) - len(suf) >= 3:
                        stems.add(form[: -len(suf)])
        if stems & self.verbs:
            return True
        return any(noun in stems and stems & verbs for noun, verbs in self.nouns.items())


# ---------------------------------------------------------------------------- spans
def _tokens(items: Iterable[str]) -> list[str]:
    out = []
    for item in items:
        for tok in str(item).split():
            key = match_key(tok).strip("«»\"'(),.:؛،")
            if key:
                out.append(key)
    return out


def _strip_clitics(tokens: list[str]) -> list[str]:
    out = []
    for t in tokens:
        for pre in ("وال", "بال", "لل", "ال", "و", "ب", "ل"):
            if t.startswith(pre) and len(t) - len(pre) >= 3:
                t = t[len(pre):]
                break
        out.append(t)
    return out


def token_f1(pred: list[str], gold: list[str]) -> float:
    """Token-overlap F1 (bags of clitic-stripped tokens); two empty spans score 1."""
    if not pred and not gold:
        return 1.0
    if not pred or not gold:
        return 0.0
    p, g = Counter(_strip_clitics(pred)), Counter(_strip_clitics(gold))
    common = sum((p & g).values())
    if not common:
        return 0.0
    prec, rec = common / sum(p.values()), common / sum(g.values())
    return 2 * prec * rec / (prec + rec)


def evaluate_spans(path: Path, *, runner: Runner | None = None) -> dict[str, Any]:
    """Source/verb/target token-overlap F1 and code accuracy on a spans JSON file."""
    try:
        records = json.loads(path.read_text("utf-8"))
    except (FileNotFoundError, json.JSONDecodeError) as exc:
        raise DataError(f"cannot read spans file {path}: {exc}") from None
    runner = runner or make_runner("full")
    sums: dict[str, float] = defaultdict(float)
    counts: dict[str, int] = defaultdict(int)
    detected = 0
    for rec in tqdm(records, desc="spans", unit="sent", disable=None):
        doc = runner(Document(text=rec["text"], id=str(rec.get("source", "")),
                              date=gigaword_date(rec.get("source"))))
        events = [e for e in doc.events if e.type == "ASSAULT"]
        detected += bool(events)
        golds = rec.get("spans") or []
        if not golds:
            continue
        best: tuple[float, dict[str, float], Event | None, dict[str, Any]] = (-1.0, {}, None, {})
        for g in golds:
            gsrc, gtgt, gverb = _tokens(g.get("source_actor", [])), _tokens(
                g.get("target_actor", [])), _tokens(g.get("verb", []))
            for e in events or [None]:  # type: ignore[list-item]
                psrc = _tokens([e.source.text]) if e is not None and e.source else []
                ptgt = _tokens([e.target.text]) if e is not None and e.target else []
                pverb = _tokens([e.trigger or ""]) if e is not None else []
                scores = {"source": token_f1(psrc, gsrc), "target": token_f1(ptgt, gtgt),
                          "verb": token_f1(pverb, gverb)}
                total = sum(scores.values())
                if total > best[0]:
                    best = (total, scores, e, g)
        _, scores, event, g = best
        for key, value in scores.items():
            sums[key] += value
            counts[key] += 1
        for side in ("source", "target"):
            main, sector = gold_codes(g.get(f"{side}_role"))
            country, role = actor_codes(getattr(event, side) if event is not None else None)
            if main:
                counts[f"{side}_country"] += 1
                sums[f"{side}_country"] += float(country == main)
            if sector:
                counts[f"{side}_role"] += 1
                sums[f"{side}_role"] += float(role == sector)
        for side in ("source", "target"):
            consensus = rec.get(f"{side}_gold") or ""
            if consensus.strip():
                actor = getattr(event, side) if event is not None else None
                counts[f"{side}_consensus"] += 1
                sums[f"{side}_consensus"] += token_f1(
                    _tokens([actor.text]) if actor is not None else [], _tokens([consensus]))
    report: dict[str, Any] = {"file": str(path), "sentences": len(records),
                              "with_assault_event": detected}
    for key in ("source", "target", "verb"):
        report[f"{key}_f1"] = round(sums[key] / counts[key], 4) if counts[key] else None
    for key in ("source_consensus", "target_consensus", "source_country", "target_country",
                "source_role", "target_role"):
        report[f"{key}_{'f1' if 'consensus' in key else 'accuracy'}"] = (
            round(sums[key] / counts[key], 4) if counts[key] else None)
        report[f"{key}_n"] = counts[key]
    return report


# ---------------------------------------------------------------------------- own gold
def load_gold(path: Path) -> list[dict[str, Any]]:
    """Read the multi-type gold set (one sentence reference a line)."""
    try:
        lines = path.read_text("utf-8").splitlines()
    except FileNotFoundError:
        raise DataError(f"gold file not found: {path}") from None
    items = []
    for n, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
            item["article"], item["start"], item["end"], item["types"]
        except (json.JSONDecodeError, KeyError) as exc:
            raise DataError(f"{path}:{n}: bad gold line ({exc})") from None
        items.append(item)
    return items


def evaluate_gold(path: Path, *, corpus: Path | None = None,
                  runner: Runner | None = None) -> dict[str, Any]:
    """Per-type precision and recall over the sentences of a gold set."""
    items = load_gold(path)
    articles = read_articles({str(i["article"]) for i in items}, corpus)
    runner = runner or make_runner("full")
    tp: Counter[str] = Counter()
    fp: Counter[str] = Counter()
    fn: Counter[str] = Counter()
    for item in tqdm(items, desc="gold", unit="sent", disable=None):
        art = articles[str(item["article"])]
        text = art["text"][item["start"]: item["end"]]
        if "text_check" in item and item["text_check"] != text[:10]:
            raise DataError(f"gold offsets do not match article {item['article']}")
        doc = runner(Document(text=text, id=str(item["article"]), date=art.get("date")))
        pred = {e.type for e in doc.events if not e.negated and not e.hypothetical}
        gold = set(item["types"])
        for t in pred & gold:
            tp[t] += 1
        for t in pred - gold:
            fp[t] += 1
        for t in gold - pred:
            fn[t] += 1
    types = sorted(set(tp) | set(fp) | set(fn))
    per_type = {}
    for t in types:
        p = tp[t] / (tp[t] + fp[t]) if tp[t] + fp[t] else 0.0
        r = tp[t] / (tp[t] + fn[t]) if tp[t] + fn[t] else 0.0
        per_type[t] = {"precision": round(p, 4), "recall": round(r, 4),
                       "f1": round(2 * p * r / (p + r), 4) if p + r else 0.0,
                       "tp": tp[t], "fp": fp[t], "fn": fn[t], "gold": tp[t] + fn[t]}
    all_tp, all_fp, all_fn = sum(tp.values()), sum(fp.values()), sum(fn.values())
    micro_p = all_tp / (all_tp + all_fp) if all_tp + all_fp else 0.0
    micro_r = all_tp / (all_tp + all_fn) if all_tp + all_fn else 0.0
    return {"file": str(path), "sentences": len(items),
            "micro": {"precision": round(micro_p, 4), "recall": round(micro_r, 4),
                      "f1": round(2 * micro_p * micro_r / (micro_p + micro_r), 4)
                      if micro_p + micro_r else 0.0},
            "per_type": per_type}


@click.command(name="events")
@click.option("--gsr", "gsr", type=click.Path(dir_okay=False, path_type=Path),
              help="A GSR CSV file (assault_gsr.csv format).")
@click.option("--split", type=click.Choice(["heldout", "train", "all"]), default="heldout",
              show_default=True, help="Which part of the GSR to score.")
@click.option("--baseline", is_flag=True, help="Also score the dictionary coder.")
@click.option("--spans", "spans", type=click.Path(dir_okay=False, path_type=Path),
              help="A spans JSON file (assault_spans.json format).")
@click.option("--gold", "gold", type=click.Path(dir_okay=False, path_type=Path),
              help="A multi-type gold JSONL file (default: the packaged one).")
@click.option("--corpus", type=click.Path(dir_okay=False, path_type=Path),
              default=None, show_default=CORPUS_LABEL, help="Corpus the gold set points into.")
@click.option("--pipeline", "pipeline", type=click.Choice(["full", "full-all", "events"]),
              default=None,
              help="Stages to run (default: events-only for --gsr; for --spans the full "
                   "pipeline keeping every ASSAULT candidate; full for --gold).")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              help="A TOML configuration overlaid on the defaults (e.g. "
                   "[stages.events] assault_encoder = \"e5\").")
def command(gsr: Path | None, split: str, baseline: bool, spans: Path | None,
            gold: Path | None, corpus: Path | None, pipeline: str | None,
            config_path: str | None) -> None:
    """Score event detection (GSR), argument spans, and per-type precision/recall."""
    report: dict[str, Any] = {}
    if gsr is not None:
        report["gsr"] = evaluate_gsr(gsr, split=split, baseline=baseline,
                                     runner=make_runner(pipeline or "events", config_path))
    if spans is not None:
        report["spans"] = evaluate_spans(spans, runner=make_runner(pipeline or "full-all", config_path))
    if gold is not None or (gsr is None and spans is None):
        report["gold"] = evaluate_gold(gold or default_gold(), corpus=corpus,
                                       runner=make_runner(pipeline or "full", config_path))
    click.echo(json.dumps(report, ensure_ascii=False, indent=2))




