"""The comparison as a pull-request comment: the verdict first, the details folded below.

First the DANGERs (changes that lose backups), then the WARNINGs (changes that weaken their
protection), each in plain words with the old and new values; then a count of the plain
changes. Below, per stack that changes: the diagram of its copies with what changes marked,
and, folded, every changed value, every added and removed resource with its key inputs, and
the URNs.

A comment holds at most 65,536 characters. When the whole text is longer than ``max_chars``,
the details are shortened first (shorter values, no URNs, then resource names only, then one
line per stack with a failure's first line only, then no stack sections at all), and only then
the findings: first each in one short line, then warnings left out before dangers, with a count
of the dangers and of the warnings not shown. The result is never longer than ``max_chars``: if
even the counts do not fit, the text is cut.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any, Optional

from .diff import MISSING, ValueChange, shown
from .markup import code, details, fenced, plural
from .mermaid import copies_diagram
from .resources import key_inputs, kind, label
from .verdict import VerdictFormatError, plan_verdicts

if TYPE_CHECKING:
    from .compare import Change, StackDiff

TITLE = "# Backup review: this pull request compared with its base, offline"
FOOTNOTE = (
    "_Both sides ran offline (the real program against Pulumi's mock engine, no AWS); "
    "`pulumi preview` has the last word._"
)

_ALL_OF_THEM = "the job summary and `python -m offline compare` list them all"
#: How much detail the stacks' sections hold, from most to least: ``none`` is one line per
#: stack, ``gone`` leaves the stacks' sections out.
DETAILS = ("full", "short", "names", "none", "gone")
#: The longest failure text a one-line stack section shows.
FAILURE_WIDTH = 160
#: Ends a text cut to fit ``max_chars``.
CUT = "\n\n_(cut to fit: the job summary has the whole review)_\n"
_VALUE_WIDTH = {"full": 120, "short": 48}


def _value(change: ValueChange, width: int) -> str:
    if change.old is MISSING:
        return f"{code(change.path)}: added {code(shown(change.new, width))}"
    if change.new is MISSING:
        return f"{code(change.path)}: removed {code(shown(change.old, width))}"
    return f"{code(change.path)}: {code(shown(change.old, width))} → {code(shown(change.new, width))}"


def _resource(resource: dict[str, Any]) -> str:
    if kind(resource["type"]) == resource["type"]:
        return label(resource)
    return f"{label(resource)} ({code(resource['type'])})"


def _changed_lines(change: Change, detail: str) -> list[str]:
    resource = {"type": change.type, "name": change.name}
    lines = [f"- {_resource(resource)}" + (f": {plural(len(change.values), 'value')}" if detail == "names" else "")]
    if detail == "names":
        return lines
    lines += [f"  - {_value(value, _VALUE_WIDTH[detail])}" for value in change.values]
    lines += [f"  - {option}" for option in change.options if not option.startswith("moved from")]
    if detail == "full":
        if change.old_urn:
            lines.append(f"  - URN {code(change.urn)}, was {code(change.old_urn)} (matched by an alias)")
        else:
            lines.append(f"  - URN {code(change.urn)}")
    elif change.old_urn:
        lines.append("  - moved (matched by an alias)")
    return lines


def _listed_lines(resource: dict[str, Any], detail: str) -> list[str]:
    if detail == "names":
        return [f"- {_resource(resource)}"]
    width = _VALUE_WIDTH[detail]
    inputs = key_inputs(resource, width)
    lines = [f"- {_resource(resource)}" + (": " + "; ".join(code(entry) for entry in inputs) if inputs else "")]
    if detail == "full":
        lines.append(f"  - URN {code(resource['urn'])}")
    return lines


def _verdicts(side: Any) -> Optional[dict[str, Any]]:
    try:
        return plan_verdicts((side.document or {}).get("outputs"))
    except VerdictFormatError:
        return None


def _diagram(diff: StackDiff, detail: str) -> list[str]:
    head, base = _verdicts(diff.head), _verdicts(diff.base)
    if not head and not base:
        return []
    marked = copies_diagram(head or {}, base=base or {})
    if not marked:
        return []
    if copies_diagram(head or {}) != copies_diagram(base or {}):
        return ["Where the copies go after this change (what changes is marked):", "", *marked, ""]
    if detail == "full":
        return details("Where the copies go (unchanged)", marked)
    return []


def _type_and_name(resource: dict[str, Any]) -> tuple[str, str]:
    return (resource["type"], resource["name"])


def _stack_line(diff: StackDiff) -> list[str]:
    """A stack's section in one line: its counts, or why it was not compared."""
    failures = [side for side in (diff.base, diff.head) if side.present and side.failure]
    if failures:
        side = failures[0]
        said = [line.strip() for line in str(side.failure).splitlines() if line.strip()]
        # A crash's first line is its exit status and its last the exception: show both.
        why = " … ".join(dict.fromkeys([said[0], said[-1]])) if said else ""
        return [
            f"- {code(diff.stack)}: not compared, the {side.label} side could not be run: " + shown(why, FAILURE_WIDTH)
        ]
    counts = f"{plural(len(diff.changed), 'resource')} changed, {len(diff.added)} added, {len(diff.removed)} removed"
    return [f"- {code(diff.stack)}: {counts}"]


def _stack_lines(diff: StackDiff, detail: str) -> list[str]:
    lines = [f"## Stack {code(diff.stack)}", ""]
    base, head = diff.base, diff.head
    if not base.present:
        lines += ["New stack: the base has no stack file, so everything in it is added.", ""]
    if not head.present:
        lines += ["Stack file removed: the head no longer declares anything for this stack.", ""]
    for side in (base, head):
        if side.present and side.failure:
            lines += [f"**The {side.label} side could not be run**, so this stack was not compared:", ""]
            lines += [*fenced(side.failure), ""]
    if diff.failed:
        return lines
    lines += _diagram(diff, detail)
    counts = f"{plural(len(diff.changed), 'resource')} changed, {len(diff.added)} added, {len(diff.removed)} removed"
    body: list[str] = []
    changed = [line for c in sorted(diff.changed, key=lambda c: (c.type, c.name)) for line in _changed_lines(c, detail)]
    added = [line for r in sorted(diff.added, key=_type_and_name) for line in _listed_lines(r, detail)]
    removed = [line for r in sorted(diff.removed, key=_type_and_name) for line in _listed_lines(r, detail)]
    for title, entries in (("Changed", changed), ("Added", added), ("Removed", removed)):
        if entries:
            body += [f"**{title}**", "", *entries, ""]
    return lines + details(f"Changes in {code(diff.stack)}: {counts}", body[:-1] if body else body)


def _stacks_section(diffs: list[StackDiff], detail: str) -> list[str]:
    """The sections of the stacks that change, as much of them as ``detail`` allows."""
    changing = [d for d in diffs if not d.unchanged]
    if not changing:
        return []
    if detail == "gone":
        return ["_The stacks' details are left out to fit: `python -m offline compare` prints them._", ""]
    if detail == "none":
        lines = ["**Stacks** (details left out to fit: `python -m offline compare` prints them):", ""]
        return lines + [line for d in changing for line in _stack_line(d)] + [""]
    return [line for d in changing for line in _stack_lines(d, detail)]


def _finding_lines(diffs: list[StackDiff], level: str, brief: bool) -> Iterator[str]:
    for diff in diffs:
        for finding in diff.findings:
            if finding.level == level:
                yield f"- **{code(diff.stack)}** · {finding.brief if brief else finding.message}"


def _judged_with(resource: dict[str, Any], judged: set[str], base: dict[str, dict[str, Any]]) -> bool:
    """A removed resource a finding is about, itself or through a removed component it belongs to."""
    urn = resource["urn"]
    while urn:
        if urn in judged:
            return True
        urn = (base.get(urn) or {}).get("parent", "")
    return False


def _plain_counts(diffs: list[StackDiff]) -> str:
    parts = []
    for diff in diffs:
        judged = {f.urn for f in diff.findings}
        changed = len([c for c in diff.changed if c.urn not in judged and c.old_urn not in judged])
        added = len(diff.added)
        base = diff.base.resources
        removed = len([r for r in diff.removed if not _judged_with(r, judged, base)])
        if changed or added or removed:
            parts.append(f"{code(diff.stack)}: {changed} changed, {added} added, {removed} removed")
    return "; ".join(parts)


def _findings_section(diffs: list[StackDiff], level: str, brief: bool, keep: Optional[int]) -> list[str]:
    """The findings of one level, the first ``keep`` of them (all: ``None``) and a count of the others."""
    lines = list(_finding_lines(diffs, level, brief))
    if not lines:
        return []
    icon = ":rotating_light:" if level == "DANGER" else ":warning:"
    section = [f"### {icon} {level} ({len(lines)})", ""]
    if keep is None or keep >= len(lines):
        return section + lines + [""]
    left = plural(len(lines) - keep, f"more {level.lower()}")
    return section + lines[:keep] + [f"- … and {left} not shown here: {_ALL_OF_THEM}", ""]


def _render(
    diffs: list[StackDiff],
    detail: str,
    brief: bool,
    keep_dangers: Optional[int] = None,
    keep_warnings: Optional[int] = None,
) -> str:
    dangers = sum(len(d.dangers) for d in diffs)
    warnings = sum(len(d.warnings) for d in diffs)
    failed = [d.stack for d in diffs if d.failed]
    if not failed and all(d.unchanged for d in diffs):
        return "\n".join([TITLE, "", f"No changes ({', '.join(code(d.stack) for d in diffs)})."]) + "\n"
    lines = [TITLE, ""]
    if dangers:
        lines += [
            "> [!CAUTION]",
            f"> **DANGER: {plural(dangers, 'change')} would lose backups** (a vault or its key deleted or "
            "replaced, a lock or deny policy removed, resources no longer backed up).",
            "",
        ]
    if warnings:
        lines += [
            "> [!WARNING]",
            f"> **{plural(warnings, 'change')} would weaken the protection of the backups.** Each says what is lost.",
            "",
        ]
    if not dangers and not warnings and not failed:
        lines += ["No change loses backups or weakens their protection.", ""]
    lines += _findings_section(diffs, "DANGER", brief, keep_dangers)
    lines += _findings_section(diffs, "WARNING", brief, keep_warnings)
    plain_changes = _plain_counts(diffs)
    if plain_changes:
        lines += [f"**Plain changes** (resources with no finding): {plain_changes}.", ""]
    if failed:
        lines += [f"Not compared (a side could not be run): {', '.join(code(s) for s in failed)}.", ""]
    lines += [FOOTNOTE, ""]
    lines += _stacks_section(diffs, detail)
    unchanged = [d.stack for d in diffs if d.unchanged]
    if unchanged:
        lines += [f"No changes in {', '.join(code(s) for s in unchanged)}.", ""]
    return "\n".join(lines).rstrip() + "\n"


def _most_that_fit(count: int, fits: Callable[[int], bool]) -> Optional[int]:
    """The largest ``keep`` in ``0..count`` for which ``fits(keep)``, or ``None`` when not even 0 does."""
    if not fits(0):
        return None
    low, high = 0, count  # fits(low) holds; the count of what is left out grows by a digit at most
    while low < high:
        middle = (low + high + 1) // 2
        if fits(middle):
            low = middle
        else:
            high = middle - 1
    return low


def render_review(diffs: list[StackDiff], max_chars: Optional[int] = None) -> str:
    """The comparison as Markdown, at most ``max_chars`` long when given (see the module docstring)."""
    text = ""
    for brief in (False, True):
        for detail in DETAILS:
            text = _render(diffs, detail, brief)
            if max_chars is None or len(text) <= max_chars:
                return text
    assert max_chars is not None  # the loop returned otherwise
    limit = max_chars
    dangers = sum(len(d.dangers) for d in diffs)
    warnings = sum(len(d.warnings) for d in diffs)
    # Warnings give way first, then dangers, each with a count of those left out.
    keep_warnings = _most_that_fit(warnings, lambda keep: len(_render(diffs, "gone", True, None, keep)) <= limit)
    if keep_warnings is not None:
        return _render(diffs, "gone", True, None, keep_warnings)
    keep_dangers = _most_that_fit(dangers, lambda keep: len(_render(diffs, "gone", True, keep, 0)) <= limit)
    if keep_dangers is not None:
        return _render(diffs, "gone", True, keep_dangers, 0)
    text = _render(diffs, "gone", True, 0, 0)  # even the counts do not fit: cut the text
    return text[: max(max_chars - len(CUT), 0)] + CUT[:max_chars]


__all__ = ["DETAILS", "FOOTNOTE", "TITLE", "render_review"]
