#!/usr/bin/env python3
"""Write docs/cli.md, the command-line reference, from the commands' own ``--help``.

Usage: python scripts/gen_cli_reference.py [--check]
With --check, exit 1 (and say so) when docs/cli.md is out of date instead of writing it.
"""

from __future__ import annotations

import sys
from pathlib import Path

import click

from marsad.cli import cli

OUT = Path(__file__).resolve().parents[1] / "docs" / "cli.md"


def _walk(command: click.Command, path: list[str]) -> list[tuple[list[str], click.Command]]:
    found = [(path, command)]
    if isinstance(command, click.Group):
        ctx = click.Context(command, info_name=path[-1])
        for name in command.list_commands(ctx):
            sub = command.get_command(ctx, name)
            if sub is not None and not sub.hidden:
                found.extend(_walk(sub, [*path, name]))
    return found


def _help(path: list[str], command: click.Command) -> str:
    parent: click.Context | None = None
    for i, name in enumerate(path):
        parent = click.Context(cli if i == 0 else command, info_name=name, parent=parent,
                               terminal_width=100, max_content_width=100,
                               help_option_names=["-h", "--help"])
    ctx = click.Context(command, info_name=path[-1], parent=parent.parent if parent else None,
                        terminal_width=100, max_content_width=100,
                               help_option_names=["-h", "--help"])
    return command.get_help(ctx)


def render() -> str:
    """The whole reference as Markdown."""
    parts = [
        "# Command-line reference",
        "",
        "Generated from the commands' `--help` by `scripts/gen_cli_reference.py`;",
        "a test fails when it is out of date.",
        "",
    ]
    for path, command in _walk(cli, ["marsad"]):
        parts += [f"## `{' '.join(path)}`", "", "```", _help(path, command).rstrip(), "```", ""]
    return "\n".join(parts)


def main() -> int:
    if {"-h", "--help"} & set(sys.argv[1:]):
        print(__doc__)
        return 0
    text = render()
    if "--check" in sys.argv:
        if not OUT.exists() or OUT.read_text("utf-8") != text:
            print("docs/cli.md is out of date: run python scripts/gen_cli_reference.py")
            return 1
        return 0
    OUT.write_text(text, "utf-8")
    print(f"wrote {OUT}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
