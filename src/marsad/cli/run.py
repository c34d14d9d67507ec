"""``marsad run``: the full pipeline over a corpus, on this machine's cores or a Dask
cluster, into the store or into Parquet files partitioned by month; then cross-article
event deduplication. Prints a JSON summary; progress on stderr."""

from __future__ import annotations

import json
import logging

import click

from marsad.cli.observatory import Interrupted, _check_date, _parse_fields, _reader_names
from marsad.errors import InputError

log = logging.getLogger("marsad.run")


@click.command()
@click.argument("paths", nargs=-1, required=True)
@click.option("--db", default=None, help="Write into this store (a SQLite file or a backend URL).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Write Parquet files partitioned by month into this folder "
                   "(articles/ and events/ in month=YYYY-MM folders, clusters/, _done/ markers).")
@click.option("--engine", type=click.Choice(["local", "dask"]), default="local",
              show_default=True, help="local: worker processes on this machine; "
                                      "dask: a Dask distributed cluster.")
@click.option("--workers", default=0, type=click.IntRange(0, 1024),
              help="Worker processes (local) or LocalCluster workers (dask); 0: one per "
                   "CPU core.")
@click.option("--scheduler", default=None, metavar="ADDRESS",
              help="A running Dask scheduler (tcp://host:8786) instead of a LocalCluster "
                   "(--engine dask).")
@click.option("--format", "fmt", type=click.Choice(_reader_names()), default=None,
              help="Input format for every PATH (default: from the file suffix).")
@click.option("--field", "fields", multiple=True, metavar="NAME=COLUMN",
              help="Where JSON/JSONL/CSV keep a field, e.g. --field text=body.")
@click.option("--date", callback=_check_date, default=None,
              help="Publication date (YYYY-MM-DD) for articles that carry none.")
@click.option("--stages", default=None,
              help="Comma-separated stages to run instead of the configured pipeline.")
@click.option("--batch-size", default=100, show_default=True, type=click.IntRange(1, 100_000),
              help="Articles per task and per commit.")
@click.option("--limit", default=None, type=click.IntRange(1),
              help="Stop after reading this many articles.")
@click.option("--no-dedupe", is_flag=True, help="Skip cross-article event deduplication.")
@click.option("--dedupe-window", default=2, show_default=True, type=click.IntRange(0, 60),
              help="Days apart two reports of the same event may be dated.")
@click.option("--force", is_flag=True,
              help="Write --out into a non-empty folder that is not a marsad run output.")
@click.option("--quiet", is_flag=True, help="No progress bar.")
@click.pass_context
def run(ctx: click.Context, paths: tuple[str, ...], db: str | None, out_dir: str | None,
        engine: str, workers: int, scheduler: str | None, fmt: str | None,
        fields: tuple[str, ...], date: str | None, stages: str | None, batch_size: int,
        limit: int | None, no_dedupe: bool, dedupe_window: int, force: bool,
        quiet: bool) -> None:
    """Run the full pipeline over PATHS (files, folders, globs: JSONL/JSONL.gz, CSV, HTML,
    feeds, text — what `ingest` reads), writing to --db or --out, then merge the same event
    reported by several articles. Resumable: run the same command again after a stop."""
    import os

    from marsad.dedupe import DedupeConfig
    from marsad.ingest import iter_documents
    from marsad.scale import ParquetSink, PipelineSpec, StoreSink, open_engine, run_corpus
    from marsad.scale.runner import peak_rss_mb

    if logging.getLogger().getEffectiveLevel() >= logging.WARNING:  # no -v: Dask stays quiet
        logging.getLogger("distributed").setLevel(logging.ERROR)
    if (db is None) == (out_dir is None):
        raise InputError("give exactly one of --db FILE or --out DIR")
    if scheduler and engine != "dask":
        raise InputError("--scheduler needs --engine dask")
    names = tuple(s.strip() for s in stages.split(",") if s.strip()) if stages else None
    spec = PipelineSpec(ctx.obj.get("config_path") if ctx.obj else None, names)
    spec.build()  # checks the configuration (and the models) before any worker starts
    problems: list[str] = []
    warnings: list[str] = []

    def unreadable(path: str, exc: InputError) -> None:
        if getattr(exc, "skipped", True):  # an item (or the rest of a file) is skipped
            problems.append(str(exc))
            if len(problems) <= 20:
                log.warning("skipped: %s", exc)
        else:  # the item was kept (e.g. without a wrong date)
            warnings.append(str(exc))

    docs = iter_documents(list(paths), fmt=fmt, fields=_parse_fields(fields), date=date,
                          on_error=unreadable)
    sink = ParquetSink(out_dir, force=force) if out_dir else StoreSink(db or "")
    try:
        runner = open_engine(engine, spec, workers=workers or (os.cpu_count() or 1),
                             scheduler=scheduler)
        try:
            report = run_corpus(docs, sink, runner, batch_size=batch_size, limit=limit,
                                progress=not quiet, dedupe=not no_dedupe,
                                dedupe_config=DedupeConfig(window_days=dedupe_window))
        finally:
            runner.close()
    finally:
        sink.close()
    report.peak_rss_mb = peak_rss_mb()
    report.errors[:0] = problems
    click.echo(json.dumps({**report.to_dict(), "unreadable": len(problems),
                           "input_warnings": len(warnings)},
                          ensure_ascii=False, indent=2))
    if report.interrupted:
        raise Interrupted(f"interrupted: {report.processed} articles written; run the same "
                          "command again to resume")
