"""Per-application state: the store (one connection per thread) and the pipeline."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from marsad.errors import MarsadError
from marsad.store import Store, open_store

log = logging.getLogger(__name__)


class AppState:
    """Opens the store lazily, one read-only connection per worker thread, and builds the
    extraction pipeline on first use."""

    def __init__(self, db: str, *, config_path: str | None = None) -> None:
        self.db = db
        self.config_path = config_path
        self._local = threading.local()
        self._lock = threading.Lock()
        self._pipeline: Any = None
        if "://" not in db and not Path(db).exists():
            open_store(db).close()  # create an empty store so the UI has something to show
        self._index_clusters()

    def _index_clusters(self) -> None:
        """Once, at start: index the deduplication tables `marsad run` wrote (they come
        without indexes; a cluster page would scan them). Best effort — a read-only file
        or a busy writer leaves the store as it is."""
        try:
            with open_store(self.db, readonly=True) as store:
                missing: list[str] = getattr(store, "missing_cluster_indexes", list)()
            if missing:
                with open_store(self.db, timeout=2.0) as writable:
                    getattr(writable, "ensure_cluster_indexes", bool)()
                log.info("%s: indexed the deduplication clusters (%s)", self.db, ", ".join(missing))
        except MarsadError as exc:
            log.warning("%s: cluster indexes not created (%s)", self.db, exc)

    def store(self) -> Store:
        """This thread's connection to the store."""
        store = getattr(self._local, "store", None)
        if store is None:
            store = open_store(self.db, readonly=True)
            self._local.store = store
        return store

    def pipeline(self) -> Any:
        """The configured pipeline (built once, shared)."""
        with self._lock:
            if self._pipeline is None:
                from marsad.pipeline import Pipeline, load_config

                self._pipeline = Pipeline.from_config(load_config(self.config_path))
            return self._pipeline
