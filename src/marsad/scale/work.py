"""The unit of work every engine runs: :func:`process_batch`.

A worker process (a local pool process or a Dask worker) builds its pipeline once, the
first time it needs it (:func:`worker_pipeline`, cached per process and per
:class:`~marsad.ingest.PipelineSpec`), then analyses batch after batch with it. Both
engines call the same function on the same batches, so their outputs are identical.
Each stage is timed in CPU seconds of the worker, so a run can report the cost per stage.
"""

from __future__ import annotations

import dataclasses
import os
import socket
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from marsad.doc import Document
from marsad.errors import ConfigError, MarsadError, ModelError
from marsad.ingest import PipelineSpec

if TYPE_CHECKING:
    from marsad.pipeline import Pipeline

__all__ = ["ArticleResult", "Batch", "BatchResult", "PipelineSpec", "process_batch",
           "worker_pipeline"]


@dataclass(frozen=True)
class Batch:
    """Articles to analyse together: ``(index, origin, content_hash, document)`` each, the
    index being the article's position in the whole input."""

    seq: int
    items: tuple[tuple[int, str, str, Document], ...]


@dataclass(frozen=True)
class ArticleResult:
    """One analysed article (tokens dropped, their count kept), or the error it raised."""

    index: int
    origin: str
    content_hash: str
    doc: Document
    n_tokens: int = 0
    error: str | None = None


@dataclass(frozen=True)
class BatchResult:
    """What a worker returns for a :class:`Batch`."""

    seq: int
    articles: tuple[ArticleResult, ...]
    stage_seconds: dict[str, float] = field(default_factory=dict)
    cpu_seconds: float = 0.0
    worker: str = ""
    fatal: str | None = None


class _TimedStage:
    """A stage that adds the CPU time it takes to a shared tally."""

    def __init__(self, name: str, stage: Callable[[Document], Document],
                 tally: dict[str, float]) -> None:
        self.name, self.stage, self.tally = name, stage, tally
        tally.setdefault(name, 0.0)

    def __call__(self, doc: Document) -> Document:
        t0 = time.process_time()
        try:
            return self.stage(doc)
        finally:
            self.tally[self.name] += time.process_time() - t0


@dataclass
class _WorkerState:
    pipeline: Pipeline
    tally: dict[str, float]


_STATE: dict[PipelineSpec, _WorkerState] = {}


def worker_pipeline(spec: PipelineSpec) -> _WorkerState:
    """This process's pipeline for ``spec``, built on first use (models load once per
    worker, not per article) with every stage timed."""
    state = _STATE.get(spec)
    if state is None:
        from marsad.pipeline import Pipeline, load_config

        pipeline = Pipeline.from_config(load_config(spec.config_path), stages=spec.stages)
        tally: dict[str, float] = {}
        pipeline._stages[:] = [(name, _TimedStage(name, stage, tally))
                               for name, stage in pipeline._stages]
        state = _WorkerState(pipeline, tally)
        _STATE[spec] = state
    return state


def process_batch(batch: Batch, spec: PipelineSpec) -> BatchResult:
    """Analyse every article of a batch with this process's pipeline.

    An article that fails is returned with its error (the run goes on); a
    :class:`ModelError`/:class:`ConfigError` (the pipeline cannot run at all) is returned
    as ``fatal`` so the caller stops."""
    try:
        state = worker_pipeline(spec)
    except (ModelError, ConfigError) as exc:
        return BatchResult(batch.seq, (), fatal=f"{type(exc).__name__}: {exc}")
    before = dict(state.tally)
    cpu0 = time.process_time()
    out: list[ArticleResult] = []
    docs = [doc for _index, _origin, _hash, doc in batch.items]
    # stage by stage over the whole batch (see Pipeline.process_batch); an article that
    # fails carries its error
    for (index, origin, content_hash, doc), result in zip(
            batch.items, state.pipeline.process_batch(docs), strict=True):
        if isinstance(result, ModelError | ConfigError):
            return BatchResult(batch.seq, (), fatal=f"{type(result).__name__}: {result}")
        if isinstance(result, MarsadError):
            out.append(ArticleResult(index, origin, content_hash, doc, error=str(result)))
            continue
        out.append(ArticleResult(index, origin, content_hash,
                                 dataclasses.replace(result, tokens=()),
                                 n_tokens=len(result.tokens)))
    stage_seconds = {k: v - before.get(k, 0.0) for k, v in state.tally.items()}
    return BatchResult(batch.seq, tuple(out), stage_seconds=stage_seconds,
                       cpu_seconds=time.process_time() - cpu0,
                       worker=f"{socket.gethostname()}:{os.getpid()}")
