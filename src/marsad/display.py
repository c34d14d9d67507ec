"""Showing Arabic in a terminal: letters shaped and runs ordered right-to-left.

Most terminals neither join Arabic letters nor apply the bidi algorithm; :func:`rtl`
does both (``arabic-reshaper`` + ``python-bidi``) so Arabic reads correctly there.
"""

from __future__ import annotations

import arabic_reshaper
from bidi.algorithm import get_display

_RESHAPER = arabic_reshaper.ArabicReshaper(configuration={"delete_harakat": False})


def rtl(text: str, *, shape: bool = True) -> str:
    """``text`` in visual order with Arabic letters in their joined forms."""
    if not shape or not text:
        return text
    return str(get_display(_RESHAPER.reshape(text)))
