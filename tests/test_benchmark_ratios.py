"""The benchmark's issue #4 ratio: actors + places + times against the text layer."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from types import ModuleType

ROOT = Path(__file__).resolve().parents[1]


def _run_module() -> ModuleType:
    spec = importlib.util.spec_from_file_location("benchmark_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_benchmark_ratios_of_the_resolution_stages() -> None:
    ratios = _run_module()._ratios({"sentences": 0.5, "tokens": 1.5, "ner": 9.0, "actors": 1.0,
                                    "places": 0.6, "times": 0.4, "events": 3.0})
    assert ratios == {"actors+places+times / text layer": 1.0,
                      "(text layer+actors+places+times) / text layer": 2.0}


def test_benchmark_ratios_need_every_stage() -> None:
    run = _run_module()
    assert run._ratios({"sentences": 0.5, "tokens": 1.5}) == {}
    assert run._ratios({"sentences": 0.5, "tokens": 1.5, "actors": 1.0, "places": 1.0}) == {}
