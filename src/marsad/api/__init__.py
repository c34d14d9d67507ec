"""The observatory's web application: a JSON API under ``/api`` and the web UI at ``/``.

:func:`create_app` builds a FastAPI application over one store. The JSON API is
documented at ``/openapi.json`` (and listed, offline, at ``/docs``); every HTML page of the UI
has a JSON twin in the API with the same query parameters (linked from the page as
``<link rel="alternate" type="application/json">``).
"""

from __future__ import annotations

from marsad.api.app import create_app

__all__ = ["create_app"]
