from __future__ import annotations

import itertools

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


def test_pipeline_long_document_in_pieces_matches_whole(article: str) -> None:
    text = "\n".join([article] * 6)
    config = default_config()
    whole = Pipeline.from_config(config, stages=["sentences", "tokens"])(Document(text=text))
    config["pipeline"]["max_chars"] = len(article) * 2
    pieces = Pipeline.from_config(config, stages=["sentences", "tokens"])(Document(text=text))
    assert [(s.start, s.end) for s in pieces.sentences] == [(s.start, s.end) for s in whole.sentences]
    assert [(t.start, t.end, t.sentence) for t in pieces.tokens] == [
        (t.start, t.end, t.sentence) for t in whole.tokens]
    for tok in pieces.tokens:
        assert text[tok.start:tok.end] == tok.text


def test_chunking_split_points_cover_text_and_respect_limit() -> None:
    from marsad.chunking import split_points

    text = ("جملة قصيرة. " * 50 + "\n") * 20 + "كلمة " * 3000
    points = split_points(text, 700)
    assert points[0][0] == 0 and points[-1][1] == len(text)
    assert all(a[1] == b[0] for a, b in itertools.pairwise(points))
    assert all(0 < end - start <= 700 for start, end in points)


def _docs(article: str) -> list[Document]:
    short = "قال وزير الخارجية المصري سامح شكري أمس الاثنين إن الاجتماع عقد في الجزائر."
    return [Document(text=t, id=f"d{i}", date="2018-05-22")
            for i, t in enumerate([article, short, article[:300], short + " " + short])]


def test_process_batch_gives_what_one_document_at_a_time_gives(article: str) -> None:
    pipeline = Pipeline.from_config(default_config())
    docs = _docs(article)
    assert pipeline.process_batch(docs) == [pipeline(d) for d in docs]
    assert list(pipeline.pipe(docs, batch_size=3)) == [pipeline(d) for d in docs]
    assert pipeline.batch_size == default_config()["pipeline"]["batch_size"] > 1


def test_process_batch_keeps_going_past_a_failing_document(article: str) -> None:
    from marsad.errors import StageError
    from marsad.pipeline import register_stage

    @register_stage("test-picky", requires=("tokens",), assigns=("nothing",))
    def make_picky(config):  # type: ignore[no-untyped-def]
        def picky(doc: Document) -> Document:
            if doc.id == "d1":
                raise ValueError("not this one")
            return doc

        return picky

    pipeline = Pipeline(names=("sentences", "tokens", "test-picky"))
    results = pipeline.process_batch(_docs(article))
    assert isinstance(results[1], StageError) and "'d1'" in str(results[1])
    assert [isinstance(r, Document) and r.tokens != () for r in results] == [
        True, False, True, True]
    with pytest.raises(StageError, match="not this one"):
        list(pipeline.pipe(_docs(article)))


def test_process_batch_runs_long_documents_in_pieces(article: str) -> None:
    config = default_config()
    config["pipeline"]["max_chars"] = len(article) // 2
    pieces = Pipeline.from_config(config, stages=["sentences", "tokens"])
    docs = _docs(article)
    whole = Pipeline.from_config(default_config(), stages=["sentences", "tokens"])
    got = pieces.process_batch(docs)
    want = [whole(d) for d in docs]
    assert [[(t.start, t.end) for t in d.tokens] for d in got  # type: ignore[union-attr]
            ] == [[(t.start, t.end) for t in d.tokens] for d in want]
