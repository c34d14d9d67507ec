from __future__ import annotations

import pytest

from marsad.doc import Document
from marsad.errors import ConfigError
from marsad.pipeline import Pipeline, default_config, get_stage


def test_pipeline_default_config_runs_and_does_not_mutate(article: str) -> None:
    pipeline = Pipeline.from_config(default_config())
    doc = Document(text=article, id="t")
    out = pipeline(doc)
    assert doc.sentences == () and doc.tokens == ()
    assert out.sentences and out.tokens
    assert out.text == article


def test_pipeline_unknown_stage_is_a_config_error() -> None:
    with pytest.raises(ConfigError, match="unknown pipeline stage"):
        get_stage("no-such-stage")


def test_pipeline_checks_stage_order() -> None:
    with pytest.raises(ConfigError, match="needs sentences"):
        Pipeline(names=("tokens",))


def test_pipeline_stage_crash_becomes_one_line_stage_error() -> None:
    from marsad.errors import StageError
    from marsad.pipeline import register_stage

    @register_stage("test-crash", assigns=("nothing",))
    def make_crash(config):  # type: ignore[no-untyped-def]
        def crash(doc: Document) -> Document:
            raise ValueError("boom")

        return crash

    pipeline = Pipeline(names=("test-crash",))
    with pytest.raises(StageError, match="stage 'test-crash' failed on document 'x'"):
        pipeline(Document(text="نص", id="x"))
