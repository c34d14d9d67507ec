"""The observatory commands: ``marsad ingest``, ``serve``, ``export`` and ``search``.

Each prints JSON on stdout (``export`` prints the data itself when no ``-o`` is given);
progress goes to stderr. The store is ``--db FILE``, else ``$MARSAD_DB``, else
``./marsad.db``.
"""

from __future__ import annotations

import json
import logging
import sys
from collections.abc import Callable
from typing import Any

import click

from marsad.errors import InputError, MarsadError
from marsad.store import EventFilter, default_db

log = logging.getLogger("marsad.ingest")


class Interrupted(MarsadError):
    """Ingest stopped by Ctrl-C (what was analysed before is stored)."""

    exit_code = 130


class PartlySkipped(MarsadError):
    """Ingest ran to the end but skipped some items (counted by reason in the summary)."""

    exit_code = 3


class StoreFailed(MarsadError):
    """The store failed (disk full, locked, corrupt); committed batches are kept."""

    exit_code = 74  # EX_IOERR

#: Reader problems printed on stderr one line each, before "more ..." (all are counted).
_SHOWN_PROBLEMS = 20

_DB_HELP = "The store: a SQLite file (default ./marsad.db, or $MARSAD_DB) or a backend URL."


def _db_option(func: Callable[..., Any]) -> Callable[..., Any]:
    return click.option("--db", default=None, envvar="MARSAD_DB", show_envvar=True,
                        help=_DB_HELP)(func)


def _echo_json(data: Any) -> None:
    click.echo(json.dumps(data, ensure_ascii=False, indent=2))


def _parse_fields(values: tuple[str, ...]) -> dict[str, str]:
    fields: dict[str, str] = {}
    for value in values:
        if "=" not in value:
            raise click.BadParameter(f"{value!r}: use NAME=COLUMN, e.g. text=body",
                                     param_hint="--field")
        name, column = (part.strip() for part in value.split("=", 1))
        if name not in ("text", "id", "date", "title", "source", "url"):
            raise click.BadParameter(f"{name!r}: one of text, id, date, title, source, url",
                                     param_hint="--field")
        fields[name] = column
    return fields


def _check_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    from marsad.readers import parse_date

    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD")
    return parsed


def _reader_names() -> list[str]:
    import marsad.formats  # noqa: F401  (registers html, csv, feed)
    from marsad.readers import _READERS

    return sorted(_READERS)


@click.command()
@click.argument("paths", nargs=-1, required=True)
@_db_option
@click.option("--format", "fmt", type=click.Choice(_reader_names()), default=None,
              help="Input format for every PATH (default: from the file suffix; sniffed on stdin).")
@click.option("--field", "fields", multiple=True, metavar="NAME=COLUMN",
              help="Where JSON/JSONL/CSV keep a field, e.g. --field text=body --field date=published.")
@click.option("--date", callback=_check_date, default=None,
              help="Publication date (YYYY-MM-DD) for articles that carry none.")
@click.option("--stages", default=None,
              help="Comma-separated stages to run instead of the configured pipeline "
                   "(e.g. sentences,tokens for a text-only store).")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="Articles committed per transaction.")
@click.option("--limit", default=None, type=click.IntRange(1), help="Stop after this many articles.")
@click.option("-j", "--jobs", default=1, show_default=True, type=click.IntRange(0, 256),
              help="Worker processes running the pipeline (0: one per CPU core).")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def ingest(ctx: click.Context, paths: tuple[str, ...], db: str | None, fmt: str | None,
           fields: tuple[str, ...], date: str | None, stages: str | None, batch_size: int,
           limit: int | None, jobs: int, quiet: bool) -> None:
    """Read articles from PATHS (files, folders, globs, or - for stdin), run the pipeline
    and store them. Plain text, HTML, JSON, JSONL, CSV/TSV, RSS/Atom and .gz of any of
    them. Articles already stored (same text) are skipped, so an interrupted run resumes.
    Prints a JSON summary, with skipped items counted by reason.

    A bad file, JSON line, CSV row or feed entry, an empty article or one a stage fails
    on is skipped with a one-line message and the run goes on. Exit code: 0 when every
    item was stored (or already was), 3 when some were skipped, 65 when nothing could be
    read, 130 after Ctrl-C."""
    import os
    import sqlite3

    from marsad.ingest import IngestReport, PipelineSpec, iter_documents
    from marsad.ingest import ingest as run_ingest
    from marsad.readers import reason_of
    from marsad.store import open_store

    names = tuple(s.strip() for s in stages.split(",") if s.strip()) if stages else None
    spec = PipelineSpec(ctx.obj.get("config_path") if ctx.obj else None, names)
    pipeline = spec.build()  # also checks the configuration before any work starts
    jobs = jobs or (os.cpu_count() or 1)
    report = IngestReport()

    def problem(path: str, exc: InputError) -> None:
        skipped = getattr(exc, "skipped", True)
        report.note_problem(str(exc), reason_of(exc), skipped=skipped)
        shown = report.unreadable + sum(report.warnings.values())
        if shown <= _SHOWN_PROBLEMS:
            log.warning("%s: %s", "skipped" if skipped else "warning", exc)
        elif shown == _SHOWN_PROBLEMS + 1:
            log.warning("more problems: the summary counts them all by reason")

    docs = iter_documents(list(paths), fmt=fmt, fields=_parse_fields(fields), date=date,
                          on_error=problem)
    try:
        with open_store(db or default_db()) as store:
            run_ingest(docs, store, pipeline, batch_size=batch_size, progress=not quiet,
                       limit=limit, jobs=jobs, spec=spec, report=report)
    except sqlite3.Error as exc:
        _echo_json(report.to_dict())
        raise StoreFailed(f"the store failed: {exc} ({report.added} articles stored before "
                          "are kept; run the same command again to resume)") from None
    except MarsadError:
        _echo_json(report.to_dict())
        raise
    _echo_json(report.to_dict())
    if report.interrupted:
        raise Interrupted(f"interrupted: {report.added} articles stored; run the same command "
                          "again to resume")
    if report.skipped_total and not (report.added or report.duplicates):
        raise InputError(f"nothing could be ingested: {report.summary()}")
    if report.skipped_total:
        raise PartlySkipped(f"some items were skipped: {report.summary()}")


@click.command()
@_db_option
@click.option("--host", default="127.0.0.1", show_default=True, help="Interface to listen on.")
@click.option("--port", default=8000, show_default=True, type=click.IntRange(0, 65535),
              help="Port to listen on.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["critical", "error", "warning", "info", "debug"]),
              help="Server log level.")
@click.option("--token", default=None, envvar="MARSAD_API_TOKEN", show_envvar=True,
              help="Require this access token (at least 16 characters) on every page and API "
                   "route: 'Authorization: Bearer TOKEN', or sign in once at /login or with "
                   "?token=TOKEN (sets a cookie).")
@click.option("--no-token", is_flag=True,
              help="Serve on a non-loopback --host without a token (anyone who can reach the "
                   "port can read the store).")
@click.pass_context
def serve(ctx: click.Context, db: str | None, host: str, port: int, log_level: str,
          token: str | None, no_token: bool) -> None:
    """Serve the web UI (at /) and the JSON API (OpenAPI at /openapi.json) over a store.
    Listens on 127.0.0.1 only unless --host says otherwise; serving beyond this machine
    needs --token (or $MARSAD_API_TOKEN), or --no-token to serve openly."""
    import uvicorn

    from marsad.api import create_app
    from marsad.api.security import LOOPBACK_HOSTS, is_loopback

    if token is not None and len(token) < 16:
        raise click.BadParameter("use at least 16 characters (e.g. from "
                                 "`python -c 'import secrets; print(secrets.token_urlsafe())'`)",
                                 param_hint="--token")
    if not is_loopback(host):
        if not token and not no_token:
            raise click.UsageError(f"--host {host} is reachable from other machines: give "
                                   "--token (or set MARSAD_API_TOKEN), or --no-token to serve "
                                   "without one")
        click.echo(f"WARNING: serving on {host}:{port}, reachable from other machines; "
                   + ("every request needs the token, which travels in clear text over HTTP "
                      "(put a TLS proxy in front)." if token else
                      "NO TOKEN: anyone who can reach this port can read the store and run "
                      "extraction."), err=True)
    app = create_app(db or default_db(), config_path=ctx.obj.get("config_path") if ctx.obj else None,
                     token=token or None,
                     allowed_hosts=(*LOOPBACK_HOSTS, host) if is_loopback(host) else None)
    uvicorn.run(app, host=host, port=port, log_level=log_level, server_header=False)


def _filter_options(func: Callable[..., Any]) -> Callable[..., Any]:
    options = [
        click.option("--type", "types", multiple=True, help="PLOVER event type (repeatable)."),
        click.option("--mode", "modes", multiple=True, help="PLOVER mode (repeatable)."),
        click.option("--actor", default=None, help="Source or target actor: name, code or KB id."),
        click.option("--country", "countries", multiple=True,
                     help="Country of the event location, ISO alpha-3 (repeatable)."),
        click.option("--place", default=None, help="Place name or admin-1 of the location."),
        click.option("--from", "date_from", callback=_check_date, default=None,
                     help="Events on or after this date (YYYY-MM-DD)."),
        click.option("--to", "date_to", callback=_check_date, default=None,
                     help="Events on or before this date (YYYY-MM-DD)."),
        click.option("-q", "--query", default=None,
                     help="Only events of articles matching this full-text query."),
        click.option("--exclude-negated", is_flag=True, help="Leave out negated events."),
        click.option("--exclude-hypothetical", is_flag=True,
                     help="Leave out hypothetical or future events."),
        click.option("--dedupe", is_flag=True,
                     help="One event per deduplication cluster (its first report); needs a "
                          "store written by `marsad run --db`."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _event_filter(kw: dict[str, Any]) -> EventFilter:
    return EventFilter(
        types=tuple(kw.pop("types")), modes=tuple(kw.pop("modes")), actor=kw.pop("actor"),
        country=tuple(kw.pop("countries")), place=kw.pop("place"),
        date_from=kw.pop("date_from"), date_to=kw.pop("date_to"), q=kw.pop("query"),
        include_negated=not kw.pop("exclude_negated"),
        include_hypothetical=not kw.pop("exclude_hypothetical"),
        dedupe=kw.pop("dedupe"),
    )


def _export_formats() -> list[str]:
    from marsad.export import available_formats

    return available_formats()


@click.command()
@_db_option
@click.option("--format", "fmt", type=click.Choice(_export_formats()), required=True,
              help="csv (ACLED-like columns), jsonl (full PLOVER records), geojson or parquet.")
@click.option("-o", "--output", default="-", show_default=True,
              help="Output file (- for stdout; parquet needs a file).")
@click.option("--force", is_flag=True, help="Overwrite the output file if it exists.")
@_filter_options
def export(db: str | None, fmt: str, output: str, force: bool, **kw: Any) -> None:
    """Export stored events, filtered, as CSV, JSONL, GeoJSON or Parquet. The file is
    written to a temporary name and renamed when complete; an existing file is kept
    unless --force."""
    from pathlib import Path

    from marsad.export import export_to_path, get_exporter
    from marsad.store import open_store

    flt = _event_filter(kw)
    with open_store(db or default_db(), readonly=True) as store:
        if flt.dedupe and not store.has_clusters():
            raise InputError("--dedupe: this store has no deduplication clusters "
                             "(they are written by `marsad run --db`)")
        records = store.iter_events(flt, sort="date")
        if output == "-":
            if fmt == "parquet":
                raise InputError("parquet is binary: give a file with -o")
            get_exporter(fmt).func(records, sys.stdout.buffer)
            sys.stdout.flush()
            return
        n = export_to_path(records, fmt, output, force=force)
    _echo_json({"format": fmt, "events": n, "path": output, "bytes": Path(output).stat().st_size,
                "filters": flt.as_params()})


@click.command()
@click.argument("query", required=False, default="")
@_db_option
@click.option("--limit", default=20, show_default=True, type=click.IntRange(1, 1000),
              help="Articles per page.")
@click.option("--offset", default=0, type=click.IntRange(0), help="Skip this many articles.")
@click.option("--from", "date_from", callback=_check_date, default=None,
              help="Articles published on or after this date.")
@click.option("--to", "date_to", callback=_check_date, default=None,
              help="Articles published on or before this date.")
@click.option("--sort", type=click.Choice(["relevance", "-date", "date"]), default="relevance",
              show_default=True, help="Order of the results.")
def search(query: str, db: str | None, limit: int, offset: int, date_from: str | None,
           date_to: str | None, sort: str) -> None:
    """Full-text search of the stored articles (Arabic matched regardless of hamza,
    diacritics, ال and clitics). Prints a JSON page of results."""
    import time

    from marsad.store import open_store

    with open_store(db or default_db(), readonly=True) as store:
        started = time.perf_counter()
        page = store.search_articles(query, limit=limit, offset=offset, date_from=date_from,
                                     date_to=date_to, sort=sort)
        elapsed = time.perf_counter() - started
    data = page.to_dict()
    data["took_ms"] = round(elapsed * 1000, 2)
    _echo_json(data)
