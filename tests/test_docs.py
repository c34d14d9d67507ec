"""Docs are tested: the CLI reference matches the commands, and the README names them."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from marsad.cli import COMMANDS, EVALUATORS, TRAINERS

ROOT = Path(__file__).resolve().parents[1]


def test_docs_cli_reference_is_up_to_date() -> None:
    result = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "gen_cli_reference.py"), "--check"],
        capture_output=True, text=True, check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("name", sorted(COMMANDS))
def test_docs_readme_mentions_every_command(name: str) -> None:
    assert f"marsad {name}" in (ROOT / "README.md").read_text("utf-8")


@pytest.mark.parametrize("name", sorted(set(TRAINERS) | set(EVALUATORS)))
def test_docs_reference_covers_train_and_eval(name: str) -> None:
    text = (ROOT / "docs" / "cli.md").read_text("utf-8")
    assert f"marsad train {name}" in text or f"marsad eval {name}" in text


def test_docs_readme_quick_start_has_two_commands() -> None:
    readme = (ROOT / "README.md").read_text("utf-8")
    quick = readme.split("## Quick start", 1)[1].split("## ", 1)[0]
    block = quick.split("```sh", 1)[1].split("```", 1)[0]
    commands = [line for line in block.splitlines() if line.strip()]
    assert [c.split("#")[0].strip() for c in commands] == ["make demo", "make test"]
