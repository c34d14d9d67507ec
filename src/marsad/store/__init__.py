"""Where Marsad keeps articles, annotations and events: one interface, backends by name.

>>> from marsad.store import open_store, EventFilter
>>> store = open_store("marsad.db")            # doctest: +SKIP
>>> store.list_events(EventFilter(types=("ASSAULT",)), limit=10)  # doctest: +SKIP
"""

from __future__ import annotations

import os

from marsad.store.base import (
    CLUSTER_SORTS,
    EVENT_SORTS,
    GROUPINGS,
    NO_CLUSTERS_NOTE,
    AddResult,
    ClusterFilter,
    EventFilter,
    Page,
    Store,
    get_backend,
    open_store,
    register_backend,
)

__all__ = [
    "CLUSTER_SORTS",
    "EVENT_SORTS",
    "GROUPINGS",
    "NO_CLUSTERS_NOTE",
    "AddResult",
    "ClusterFilter",
    "EventFilter",
    "Page",
    "Store",
    "default_db",
    "get_backend",
    "open_store",
    "register_backend",
]


def default_db() -> str:
    """The store used when none is given: ``$MARSAD_DB``, else ``./marsad.db``."""
    return os.environ.get("MARSAD_DB") or "marsad.db"
