"""Marsad (مرصد): Arabic news to structured, geolocated PLOVER event data, offline."""

from __future__ import annotations

__version__ = "0.1.0"

from marsad.doc import Document
from marsad.pipeline import Pipeline, load_config

__all__ = ["Document", "Pipeline", "__version__", "load", "load_config"]


def load(config_path: str | None = None) -> Pipeline:
    """The configured pipeline (the default one if no configuration file is given)."""
    return Pipeline.from_config(load_config(config_path))
