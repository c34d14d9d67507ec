"""The ``marsad`` command: one entry point with subcommands.

Subcommands are looked up lazily from :data:`COMMANDS` (``name -> "module:attr"``), so
``marsad --help`` stays fast and each capability keeps its command in its own module.
``marsad train NAME`` and ``marsad eval NAME`` are groups built the same way from
:data:`TRAINERS` and :data:`EVALUATORS`.

Every :class:`~marsad.errors.MarsadError` becomes a one-line message and its exit code.
"""

from __future__ import annotations

import importlib
import importlib.util
import logging
import sys
from typing import Any

import click

from marsad import __version__
from marsad.errors import MarsadError
from marsad.runtime import tune_gc

#: Top-level subcommands.
COMMANDS: dict[str, str] = {
    "extract": "marsad.cli.extract:extract",
    "stages": "marsad.cli.extract:stages",
    "ingest": "marsad.cli.observatory:ingest",
    "serve": "marsad.cli.observatory:serve",
    "export": "marsad.cli.observatory:export",
    "search": "marsad.cli.observatory:search",
    "run": "marsad.cli.run:run",
}

#: ``marsad train NAME``: what can be (re)trained.
TRAINERS: dict[str, str] = {
    "segmenter": "marsad.training.segmenter:command",
    "ner": "marsad.training.ner:command",
    "events": "marsad.training.events:command",
}

#: ``marsad eval NAME``: evaluation commands.
EVALUATORS: dict[str, str] = {
    "segmenter": "marsad.evaluation.segmenter:command",
    "ner": "marsad.evaluation.ner:command",
    "actors": "marsad.actors_eval:command",
    "geo": "marsad.evaluation.geo:command",
    "dates": "marsad.evaluation.dates:command",
    "events": "marsad.evaluation.events:command",
    "dedupe": "marsad.evaluation.dedupe:command",
}


def _load(spec: str) -> click.Command:
    module_name, attr = spec.split(":")
    module = importlib.import_module(module_name)
    command = getattr(module, attr)
    if not isinstance(command, click.Command):
        raise TypeError(f"{spec} is not a click command")
    return command


class LazyGroup(click.Group):
    """A click group whose subcommands are imported only when used."""

    def __init__(self, *args: Any, lazy: dict[str, str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.lazy = lazy

    def list_commands(self, ctx: click.Context) -> list[str]:
        return sorted(set(super().list_commands(ctx)) | set(self.available(ctx)))

    def available(self, ctx: click.Context) -> list[str]:
        names = []
        for name, spec in self.lazy.items():
            module_name = spec.split(":")[0]
            if importlib.util.find_spec(module_name) is not None:
                names.append(name)
        return names

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        if cmd_name in self.lazy:
            module_name = self.lazy[cmd_name].split(":")[0]
            try:
                found = importlib.util.find_spec(module_name) is not None
            except ModuleNotFoundError:
                found = False
            if found:
                return _load(self.lazy[cmd_name])
            return None
        return super().get_command(ctx, cmd_name)


@click.group(cls=LazyGroup, lazy=COMMANDS, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="marsad")
@click.option("--config", "config_path", type=click.Path(dir_okay=False),
              envvar="MARSAD_CONFIG", help="A TOML file overriding the default configuration.")
@click.option("-v", "--verbose", count=True, help="More logging on stderr (-vv for debug).")
@click.pass_context
def cli(ctx: click.Context, config_path: str | None, verbose: int) -> None:
    """Marsad (مرصد): Arabic news in, geolocated PLOVER event data out — offline."""
    level = logging.WARNING - 10 * min(verbose, 2)
    logging.basicConfig(level=level, format="%(levelname)s %(name)s: %(message)s")
    ctx.ensure_object(dict)
    ctx.obj["config_path"] = config_path


@cli.group(cls=LazyGroup, lazy=TRAINERS)
def train() -> None:
    """Train a model from the shared data and write it into the package."""


@cli.group(name="eval", cls=LazyGroup, lazy=EVALUATORS)
def evaluate() -> None:
    """Evaluate a stage on a data set; prints scores as JSON."""


def main(argv: list[str] | None = None) -> int:
    """Console entry point: runs the CLI and turns errors into one-line messages."""
    tune_gc()
    try:
        cli.main(args=argv, prog_name="marsad", standalone_mode=False)
    except MarsadError as exc:
        click.echo(f"marsad: error: {exc}", err=True)
        return exc.exit_code
    except click.exceptions.Abort:
        click.echo("marsad: interrupted", err=True)
        return 130
    except KeyboardInterrupt:
        click.echo("marsad: interrupted", err=True)
        return 130
    except click.exceptions.Exit as exc:
        return int(exc.exit_code or 0)
    except click.ClickException as exc:
        exc.show()
        return exc.exit_code
    except BrokenPipeError:
        return 0
    except MemoryError:
        click.echo("marsad: error: out of memory", err=True)
        return 1
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
