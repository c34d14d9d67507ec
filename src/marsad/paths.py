"""Where Marsad finds the shared training and evaluation data.

The data sits beside the checkout (``../shared/data`` from the project root). Set
``MARSAD_SHARED_DATA`` to point elsewhere. Commands use :func:`shared_path` for their
default paths and :func:`shared_label` for what ``--help`` shows, so the help text is the
same on every machine.
"""

from __future__ import annotations

import os
from pathlib import Path

ENV_VAR = "MARSAD_SHARED_DATA"
_CHECKOUT = Path(__file__).resolve().parents[2]


def shared_data_dir() -> Path:
    """The shared data folder: ``$MARSAD_SHARED_DATA``, else ``../shared/data`` beside
    the checkout (or beside the current directory)."""
    env = os.environ.get(ENV_VAR)
    if env:
        return Path(env)
    candidates = [_CHECKOUT.parent / "shared" / "data", Path.cwd().parent / "shared" / "data"]
    for candidate in candidates:
        if candidate.is_dir():
            return candidate
    return candidates[0]


def shared_path(*parts: str) -> Path:
    """A path inside the shared data folder."""
    return shared_data_dir().joinpath(*parts)


def shared_label(*parts: str) -> str:
    """How a default shared path is shown in ``--help``."""
    return "/".join(("../shared/data", *parts))
