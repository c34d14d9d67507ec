"""Executors that run :func:`~marsad.scale.work.process_batch`, looked up by name.

``local``: this machine's cores, one worker process each (one worker runs in this
process). ``dask``: a Dask distributed cluster — a :class:`LocalCluster` by default, or
any scheduler address (a SLURM/PBS cluster started with dask-jobqueue, Kubernetes, ...).

Both keep a bounded number of batches in flight and yield results in input order, so
output is deterministic and memory stays flat however long the input. Register another
executor with :func:`register_engine`; built-ins register the same way.
"""

from __future__ import annotations

import contextlib
import logging
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from typing import Any, Protocol, TypeVar

from marsad.errors import ConfigError
from marsad.runtime import tune_gc
from marsad.scale.work import Batch, BatchResult, PipelineSpec, process_batch, worker_pipeline

log = logging.getLogger(__name__)

T = TypeVar("T")
R = TypeVar("R")


class Engine(Protocol):
    """Runs batches (and any picklable function) on some workers."""

    name: str
    workers: int

    def map_batches(self, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        """Analyse batches, yielding their results in input order."""
        ...

    def map(self, func: Callable[[T], R], items: Sequence[T]) -> list[R]:
        """``[func(x) for x in items]``, run on the workers."""
        ...

    def close(self) -> None:
        """Stop the workers."""
        ...


EngineFactory = Callable[..., Engine]
_ENGINES: dict[str, EngineFactory] = {}


def register_engine(name: str) -> Callable[[EngineFactory], EngineFactory]:
    """Register an engine factory ``(spec, *, workers, **options) -> Engine`` (decorator)."""

    def decorator(factory: EngineFactory) -> EngineFactory:
        _ENGINES[name] = factory
        return factory

    return decorator


def available_engines() -> list[str]:
    """Names of the registered engines."""
    return sorted(_ENGINES)


def open_engine(name: str, spec: PipelineSpec, *, workers: int = 1, **options: Any) -> Engine:
    """Start the engine called ``name`` for pipelines built from ``spec``."""
    if name not in _ENGINES:
        raise ConfigError(f"unknown engine {name!r} (known: {', '.join(available_engines())})")
    return _ENGINES[name](spec, workers=workers, **options)


def _ordered(submit: Callable[[Batch], Any], result: Callable[[Any], BatchResult],
             batches: Iterable[Batch], window: int) -> Iterator[BatchResult]:
    """Keep up to ``window`` batches in flight; yield their results in order."""
    pending: deque[Any] = deque()
    for batch in batches:
        pending.append(submit(batch))
        if len(pending) >= window:
            yield result(pending.popleft())
    while pending:
        yield result(pending.popleft())


# ------------------------------------------------------------------------------ local


def _init_local_worker(spec: PipelineSpec) -> None:
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is handled by the parent
    tune_gc()
    worker_pipeline(spec)


#: A local worker process is replaced after this many batches: the stages' word caches
#: grow with the vocabulary (about +0.5 GB per worker over the first 4,000 articles), and
#: a fresh process gives the memory back; rebuilding the pipeline takes ~1-2 s.
RECYCLE_AFTER = 50


class LocalEngine:
    """Worker processes on this machine (spawned; each builds its pipeline once, and is
    replaced after :data:`RECYCLE_AFTER` batches to keep memory bounded)."""

    name = "local"

    def __init__(self, spec: PipelineSpec, *, workers: int = 1,
                 recycle_after: int | None = RECYCLE_AFTER) -> None:
        self.spec, self.workers = spec, max(1, workers)
        self._pool: Any = None
        if self.workers > 1:
            import multiprocessing

            context = multiprocessing.get_context("spawn")
            self._pool = context.Pool(self.workers, initializer=_init_local_worker,
                                      initargs=(spec,), maxtasksperchild=recycle_after)
        else:
            worker_pipeline(spec)

    def map_batches(self, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        if self._pool is None:
            for batch in batches:
                yield process_batch(batch, self.spec)
            return
        pool = self._pool
        yield from _ordered(lambda b: pool.apply_async(process_batch, (b, self.spec)),
                            lambda r: r.get(), batches, window=self.workers * 2)

    def map(self, func: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if self._pool is None or len(items) < 2:
            return [func(x) for x in items]
        return list(self._pool.map(func, items, chunksize=max(1, len(items) // (self.workers * 8))))

    def close(self) -> None:
        if self._pool is not None:
            self._pool.terminate()
            self._pool.join()
            self._pool = None


@register_engine("local")
def open_local(spec: PipelineSpec, *, workers: int = 1, **options: Any) -> Engine:
    """The ``local`` engine: ``workers`` processes on this machine."""
    if options.get("scheduler"):
        raise ConfigError("--scheduler needs --engine dask")
    return LocalEngine(spec, workers=workers,
                       recycle_after=options.get("recycle_after", RECYCLE_AFTER))


# ------------------------------------------------------------------------------- dask


class PipelinePlugin:
    """A Dask worker plugin that builds the pipeline when a worker starts, so models load
    once per worker (and the first batch does not pay for it)."""

    name = "marsad-pipeline"

    def __init__(self, spec: PipelineSpec) -> None:
        self.spec = spec

    def setup(self, worker: Any) -> None:
        """Build this worker's pipeline; Ctrl-C is left to the client (which stops cleanly)."""
        tune_gc()
        with contextlib.suppress(ValueError):  # only possible in the main thread
            signal.signal(signal.SIGINT, signal.SIG_IGN)
        worker_pipeline(self.spec)

    def teardown(self, worker: Any) -> None:
        """Nothing to release."""


#: Dask settings for the LocalCluster: the workers' statistical profiler (a stack sample
#: every 10 ms) and the fast health-check ticks cost the pipeline's pure-Python workers a
#: third more CPU; a cluster started elsewhere should use the same (``dask config``).
DASK_CONFIG: dict[str, Any] = {
    "distributed.worker.profile.enabled": False,
    "distributed.admin.tick.interval": "1s",
    "distributed.worker.memory.monitor-interval": "1s",
    "distributed.admin.system-monitor.interval": "2s",
    "distributed.admin.system-monitor.gil.enabled": False,
}


#: A LocalCluster worker process is restarted by its nanny after this many seconds (Dask's
#: ``distributed.worker.lifetime``; staggered so the workers do not restart together), for
#: the reason the local engine recycles its workers: the stages' word caches grow with the
#: vocabulary, and over the 72k corpus two never-restarted workers reached 6.4 GB. Tasks
#: running on a retiring worker are handed to the others (batches are pure: results are
#: written by the client), so nothing is lost or written twice.
WORKER_LIFETIME = 180


def lifetime_config(seconds: float | None, workers: int) -> dict[str, Any]:
    """Dask settings that restart each worker after ``seconds`` (none for a single worker,
    which has nobody to hand its running batch to, or when ``seconds`` is None/0)."""
    if not seconds or workers < 2:
        return {}
    return {"distributed.worker.lifetime.duration": f"{seconds}s",
            "distributed.worker.lifetime.stagger": f"{max(1.0, seconds / 6):.0f}s",
            "distributed.worker.lifetime.restart": True}


class DaskEngine:
    """Batches as tasks on a Dask distributed cluster."""

    name = "dask"

    def __init__(self, spec: PipelineSpec, *, workers: int = 1, scheduler: str | None = None,
                 processes: bool = True, lifetime: float | None = WORKER_LIFETIME) -> None:
        try:
            from distributed import Client, LocalCluster
        except ImportError:  # pragma: no cover - dask is a dependency
            raise ConfigError("--engine dask needs dask[distributed] installed") from None
        self.spec = spec
        self._cluster: Any = None
        if scheduler:
            try:
                self.client = Client(scheduler, timeout=30)
            except OSError as exc:
                raise ConfigError(f"cannot reach the Dask scheduler {scheduler}: {exc}") from None
        else:
            import dask

            config = {**DASK_CONFIG,
                      **lifetime_config(lifetime if processes else None, max(1, workers))}
            with dask.config.set(config):  # read by the scheduler and the workers at start
                self._cluster = LocalCluster(n_workers=max(1, workers), threads_per_worker=1,
                                             processes=processes, dashboard_address=None,
                                             memory_limit=0, silence_logs=logging.ERROR)
            self.client = Client(self._cluster)
        self.workers = max(1, len(self.client.scheduler_info().get("workers", {})))
        self.client.register_plugin(_as_worker_plugin(PipelinePlugin(spec)))

    def map_batches(self, batches: Iterable[Batch]) -> Iterator[BatchResult]:
        client = self.client
        yield from _ordered(lambda b: client.submit(process_batch, b, self.spec, pure=False),
                            lambda f: f.result(), batches, window=self.workers * 2)

    def map(self, func: Callable[[T], R], items: Sequence[T]) -> list[R]:
        if not items:
            return []
        futures = self.client.map(func, list(items), pure=False)
        return list(self.client.gather(futures))

    def close(self) -> None:
        self.client.close()
        if self._cluster is not None:
            self._cluster.close()
            self._cluster = None


def _as_worker_plugin(plugin: PipelinePlugin) -> Any:
    """``plugin`` as a :class:`distributed.WorkerPlugin` (subclassed lazily, so importing
    this module does not import Dask)."""
    from distributed import WorkerPlugin

    class _Plugin(WorkerPlugin):
        name = plugin.name

        def setup(self, worker: Any) -> None:
            plugin.setup(worker)

    return _Plugin()


@register_engine("dask")
def open_dask(spec: PipelineSpec, *, workers: int = 1, **options: Any) -> Engine:
    """The ``dask`` engine: a LocalCluster of ``workers`` processes, or ``scheduler=ADDRESS``."""
    return DaskEngine(spec, workers=workers, scheduler=options.get("scheduler"),
                      processes=options.get("processes", True),
                      lifetime=options.get("lifetime", WORKER_LIFETIME))
