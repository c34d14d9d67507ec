"""``marsad extract``: run the pipeline on articles and print the documents."""

from __future__ import annotations

import json
import sys

import click

from marsad.errors import InputError
from marsad.pipeline import Pipeline, available_stages, get_stage, load_config
from marsad.readers import parse_date, read_source


def _valid_date(ctx: click.Context, param: click.Parameter, value: str | None) -> str | None:
    if value is None:
        return None
    parsed = parse_date(value)
    if parsed is None or len(value.strip()) != 10:
        raise click.BadParameter(f"{value!r} is not a date in the form YYYY-MM-DD")
    return parsed


@click.command()
@click.argument("path", type=str)
@click.option("--date", callback=_valid_date,
              help="Publication date (YYYY-MM-DD) that relative dates resolve against.")
@click.option("--format", "fmt", type=click.Choice(["json", "jsonl", "table"]), default=None,
              help="Output: one JSON document (a list for several), JSON lines, or a table "
                   "for reading. Default: json, or jsonl for .jsonl input.")
@click.option("--input-format", type=click.Choice(["text", "json", "jsonl"]), default=None,
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
    ``title``, ``source``, ``url``); each gives one result, in order.
    """
    config = load_config(ctx.obj.get("config_path") if ctx.obj else None)
    names = [s.strip() for s in stages.split(",") if s.strip()] if stages else None
    pipeline = Pipeline.from_config(config, stages=names)
    docs = read_source(path, fmt=input_format, date=date)
    if fmt is None:
        fmt = "jsonl" if path.endswith((".jsonl", ".ndjson", ".jsonl.gz")) else "json"
    results = (pipeline(doc) for doc in docs)
    if fmt == "jsonl":
        for doc in results:
            sys.stdout.write(json.dumps(doc.to_dict(), ensure_ascii=False) + "\n")
    elif fmt == "json":
        out = [doc.to_dict() for doc in results]
        if not out:
            raise InputError(f"{path}: no articles found")
        payload = out[0] if len(out) == 1 else out
        sys.stdout.write(json.dumps(payload, ensure_ascii=False, indent=2) + "\n")
    else:
        from marsad.table import render_table

        for doc in results:
            sys.stdout.write(render_table(doc, shape=not no_shape))


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
