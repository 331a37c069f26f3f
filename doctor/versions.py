"""Dotted version numbers compared as numbers, so ``3.0.1000.0`` is newer than ``3.0.502.0``."""

from __future__ import annotations

import re

_DOTTED = re.compile(r"\d+(\.\d+)*")


def parse_version(text: str | None) -> tuple[int, ...] | None:
    """The leading dotted numbers of ``text`` (``"2.4.0-beta"`` gives ``(2, 4, 0)``); None if there are none."""
    if not text:
        return None
    match = _DOTTED.match(text.strip())
    if match is None:
        return None
    return tuple(int(part) for part in match.group(0).split("."))


def at_least(version: str | None, minimum: str) -> bool | None:
    """Whether ``version >= minimum``; None when ``version`` is missing or not a dotted number.

    Missing trailing parts count as zero, so ``3.0.502`` equals ``3.0.502.0``.
    """
    have, need = parse_version(version), parse_version(minimum)
    if have is None or need is None:
        return None
    width = max(len(have), len(need))
    return have + (0,) * (width - len(have)) >= need + (0,) * (width - len(need))
