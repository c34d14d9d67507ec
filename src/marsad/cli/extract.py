"""``marsad extract``: run the pipeline on articles and print the documents.

Bad input never ends in a traceback: unreadable input is an :class:`InputError`, a bad
option value a one-line message, and an unexpected failure inside a stage becomes
:class:`~marsad.errors.StageError` naming the stage and the document (``-vv`` logs the traceback).

In an input of several articles (JSON lines, a JSON list), a bad item or an article a
stage fails on is skipped with a one-line ``marsad: skipped:`` message and the others are
processed; the exit code is then 3 (65 when nothing could be processed).
"""

from __future__ import annotations

import dataclasses
import json
import logging
import sys
from collections.abc import Callable, Iterable, Iterator
from itertools import islice
from typing import Any

import click

import marsad.formats  # noqa: F401  (registers the html, csv and feed readers)
from marsad.doc import SCHEMA_VERSION, Document
from marsad.errors import InputError, MarsadError, StageError
from marsad.pipeline import Pipeline, available_stages, get_stage, load_config
from marsad.readers import ItemError, is_plausible_date, parse_date, read_source, reason_of

log = logging.getLogger(__name__)

#: Documents with more tokens than this are written element by element (less memory).
STREAM_TOKENS = 50_000


def _valid_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None or len(value.strip()) != 10 or not is_plausible_date(parsed):
        raise InputError(f"--date: {value!r} is not a date in the form YYYY-MM-DD "
                         "(years 1800-2199)")
    return parsed


class PartlySkipped(MarsadError):
    """Some articles of the input were skipped (each reported in one line)."""

    exit_code = 3


class Skips:
    """The problems of one run: printed one line each on stderr, counted by reason.

    The first problem is held back until something else happens, so an input whose only
    item is bad gives exactly one line (the error itself)."""

    def __init__(self) -> None:
        self.processed = 0
        self.by_reason: dict[str, int] = {}
        self._pending: MarsadError | None = None

    def __call__(self, error: MarsadError) -> None:
        """Report one problem (an :class:`ItemError` warning is printed, not counted)."""
        if isinstance(error, ItemError) and not error.skipped:
            click.echo(f"marsad: warning: {error}", err=True)
            return
        reason = reason_of(error)
        self.by_reason[reason] = self.by_reason.get(reason, 0) + 1
        self._flush()
        if sum(self.by_reason.values()) == 1 and not self.processed:
            self._pending = error
        else:
            click.echo(f"marsad: skipped: {error}", err=True)

    def _flush(self) -> None:
        if self._pending is not None:
            click.echo(f"marsad: skipped: {self._pending}", err=True)
            self._pending = None

    def done(self) -> None:
        """Count one processed article."""
        self._flush()
        self.processed += 1

    def finish(self, path: str) -> None:
        """Raise the right error if anything was skipped (nothing when all went well)."""
        skipped = sum(self.by_reason.values())
        if not skipped:
            if not self.processed:
                raise InputError(f"{path}: no articles found")
            return
        if self._pending is not None:  # the only item, and it was bad
            raise self._pending
        reasons = ", ".join(f"{k} {v}" for k, v in sorted(self.by_reason.items()))
        summary = f"{self.processed} processed, {skipped} skipped ({reasons})"
        if not self.processed:
            raise InputError(f"{path}: no article could be processed: {summary}")
        raise PartlySkipped(f"some articles were skipped: {summary}")


def run_documents(pipeline: Pipeline, docs: Iterable[Document],
                  skips: Skips | None = None) -> Iterator[Document]:
    """Run the pipeline on the documents, :attr:`Pipeline.batch_size` at a time (stage
    by stage over each batch). A stage failure is a one-line error; with ``skips`` it is
    reported there and the next document is processed."""
    stream = iter(docs)
    while batch := list(islice(stream, pipeline.batch_size)):
        for result in pipeline.process_batch(batch):
            if isinstance(result, StageError | InputError) and skips is not None:
                skips(result)
                continue
            if isinstance(result, MarsadError):
                raise result
            if skips is not None:
                skips.done()
            yield result


_FIELD_NAMES: dict[type, tuple[str, ...]] = {}


def _flat(value: Any) -> Any:
    """JSON-ready data for one element of a document field."""
    cls = type(value)
    names = _FIELD_NAMES.get(cls)
    if names is None and dataclasses.is_dataclass(value) and not isinstance(value, type):
        names = _FIELD_NAMES[cls] = tuple(f.name for f in dataclasses.fields(value))
    if names is not None:
        return {name: _flat(getattr(value, name)) for name in names}
    if isinstance(value, tuple | list):
        return [_flat(v) for v in value]
    if isinstance(value, dict):
        return {k: _flat(v) for k, v in value.items()}
    return value


def write_json(doc: Document, write: Callable[[str], Any], *, pretty: bool) -> None:
    """Write one document as JSON (the :meth:`Document.to_dict` shape). Large documents
    are written one list element at a time instead of building one big structure."""
    if len(doc.tokens) < STREAM_TOKENS:
        data = doc.to_dict()
        write(json.dumps(data, ensure_ascii=False, indent=2 if pretty else None) + "\n")
        return
    nl, ind = ("\n", "  ") if pretty else ("", "")
    items: list[tuple[str, Any]] = [("schema_version", SCHEMA_VERSION)]
    items += [(f.name, getattr(doc, f.name)) for f in dataclasses.fields(doc)]
    write("{")
    for k, (name, value) in enumerate(items):
        write(("," if k else "") + (nl or (" " if k else "")) + ind + json.dumps(name) + ": ")
        if isinstance(value, tuple):
            write("[")
            for j, item in enumerate(value):
                write(("," if j else "") + (nl + ind * 2 if pretty else (" " if j else ""))
                      + json.dumps(_flat(item), ensure_ascii=False))
            write((nl + ind if value and pretty else "") + "]")
        else:
            write(json.dumps(_flat(value), ensure_ascii=False))
    write(nl + "}\n")


def _utf8_stdout() -> None:
    """JSON is UTF-8: make sure printing Arabic cannot fail on a narrow terminal encoding."""
    encoding = (getattr(sys.stdout, "encoding", None) or "").lower().replace("-", "")
    if encoding != "utf8" and hasattr(sys.stdout, "reconfigure"):
        sys.stdout.reconfigure(encoding="utf-8")


@click.command()
@click.argument("path", type=str)
@click.option("--date", callback=_valid_date, expose_value=True,
              help="Publication date (YYYY-MM-DD) that relative dates resolve against.")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "table"]), default=None,
              help="Output: one JSON document (a list for several), JSON lines, or a table "
                   "for reading. Default: json, or jsonl for .jsonl input.")
@click.option("--input-format", type=click.Choice(["text", "json", "jsonl", "html", "csv", "feed"]),
              default=None,
              help="Force the input format instead of guessing it from the file suffix.")
@click.option("--stages", default=None,
              help="Comma-separated stages to run instead of the configured pipeline.")
@click.option("--no-shape", is_flag=True,
              help="Table output: leave Arabic unshaped (for terminals that do bidi).")
@click.pass_context
def extract(ctx: click.Context, path: str, date: str | None, fmt: str | None,
            input_format: str | None, stages: str | None, no_shape: bool) -> None:
    """Extract sentences, tokens, entities, actors, places, dates and events from an
    article (PATH, or - for stdin) and print them.

    A .jsonl file holds one article per line (``text`` and optional ``id``, ``date``,
    ``title``, ``source``, ``url``); each gives one result, in order. HTML pages, CSV/TSV
    tables and RSS/Atom feeds are read as `marsad ingest` reads them.

    A bad item of a multi-article input (a JSON line, a CSV row, a feed entry) or an
    article a stage fails on is skipped with a one-line message and the others are
    processed. Exit code: 0 when all were processed, 3 when some were skipped, 65 when
    none could be.
    """
    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    names = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    pipeline = Pipeline.from_config(config, stages=names)
    skips = Skips()
    docs = read_source(path, fmt=input_format, date=date, on_error=skips)
    if fmt is None:
        jsonl_input = input_format == "jsonl" or (
            input_format is None and path.endswith((".jsonl", ".ndjson", ".jsonl.gz")))
        fmt = "jsonl" if jsonl_input else "json"
    _utf8_stdout()
    write = sys.stdout.write
    results = run_documents(pipeline, docs, skips)
    if fmt == "jsonl":
        for doc in results:
            write_json(doc, write, pretty=False)
    elif fmt == "json":
        _write_json_documents(results, write)
    else:
        from marsad.table import render_table

        for doc in results:
            write(render_table(doc, shape=not no_shape))
    sys.stdout.flush()
    skips.finish(path)


def _write_json_documents(results: Iterator[Document], write: Callable[[str], Any]) -> None:
    """One pretty JSON document, or a JSON list when there are several (nothing when none)."""
    first = next(results, None)
    if first is None:
        return
    second = next(results, None)
    if second is None:
        write_json(first, write, pretty=True)
        return
    write("[\n")
    write_json(first, write, pretty=True)
    for doc in (second, *results):
        write(",\n")
        write_json(doc, write, pretty=True)
    write("]\n")


@click.command()
def stages() -> None:
    """List the pipeline stages that can be configured, with what they need and add."""
    for name in available_stages():
        try:
            spec = get_stage(name)
        except Exception as exc:  # a stage whose module is not built yet
            click.echo(f"{name:<10} (unavailable: {exc})")
            continue
        needs = ",".join(spec.requires) or "-"
        adds = ",".join(spec.assigns) or "-"
        click.echo(f"{name:<10} needs {needs:<24} adds {adds:<12} {spec.description}")
