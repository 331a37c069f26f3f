"""Small pieces of GitHub-flavoured Markdown shared by the reports."""

from __future__ import annotations

from typing import Any


def code(text: Any) -> str:
    """``text`` as Markdown inline code, even when it holds a backtick."""
    text = str(text).replace("\n", " ")
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def fenced(text: str, language: str = "text") -> list[str]:
    """``text`` in a fenced code block."""
    return [f"```{language}", *text.splitlines(), "```"]


def details(summary: str, body: list[str], open_: bool = False) -> list[str]:
    """``body`` folded under ``summary`` (a ``<details>`` block; GitHub renders Markdown inside it)."""
    head = "<details open>" if open_ else "<details>"
    return [head, f"<summary>{summary}</summary>", "", *body, "", "</details>", ""]


def plural(count: int, word: str, words: str = "") -> str:
    """``1 change``, ``2 changes`` (``words`` when the plural is not ``word + "s"``)."""
    return f"{count} {word if count == 1 else (words or word + 's')}"


__all__ = ["code", "details", "fenced", "plural"]
