"""Corpus-scale runs (``marsad run``): the pipeline over many articles on an engine.

* :mod:`marsad.scale.work` — :func:`process_batch`, the unit of work every engine runs
  (each worker builds its pipeline once);
* :mod:`marsad.scale.engines` — executors by name: ``local`` (processes on this machine)
  and ``dask`` (a Dask distributed cluster, local or remote);
* :mod:`marsad.scale.sinks` — where results go: the store, or Parquet partitioned by month;
* :mod:`marsad.scale.runner` — :func:`run_corpus`: read, skip what is done, batch, run,
  write in order, then deduplicate events across articles (:mod:`marsad.dedupe`).
"""

from __future__ import annotations

from marsad.scale.engines import Engine, available_engines, open_engine, register_engine
from marsad.scale.runner import RunReport, run_corpus, run_dedupe
from marsad.scale.sinks import ParquetSink, Sink, StoreSink
from marsad.scale.work import Batch, BatchResult, PipelineSpec, process_batch

__all__ = [
    "Batch",
    "BatchResult",
    "Engine",
    "ParquetSink",
    "PipelineSpec",
    "RunReport",
    "Sink",
    "StoreSink",
    "available_engines",
    "open_engine",
    "process_batch",
    "register_engine",
    "run_corpus",
    "run_dedupe",
]
