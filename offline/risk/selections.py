"""Resources no longer backed up: a selection deleted, or narrowed, with nothing else selecting them."""

from __future__ import annotations

import itertools
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

from ..resources import PLAN, SELECTION, label
from .findings import DANGER, WARNING, Finding, Sides, finding, inputs, of_type


@dataclass(frozen=True)
class Scope:
    """What a selection selects, per the BackupSelection API reference (AWS Backup): its ARNs
    (``Resources``, any of them), its tags (``ListOfTags``, any of them), its ``Conditions`` (all
    of them) and minus its ``NotResources``; an ARN list and tags together select resources that
    match both ("Assigning resources to a backup plan", AWS Backup guide)."""

    resources: frozenset[str]
    tags: frozenset[tuple[str, str]]
    conditions: frozenset[tuple[str, str, str]]
    not_resources: frozenset[str]

    @classmethod
    def of(cls, selection: Mapping[str, Any]) -> Scope:
        given = inputs(selection)
        conditions = set()
        for block in given.get("conditions") or []:
            for operator, entries in (block or {}).items():
                for entry in entries or []:
                    conditions.add((operator, str(entry.get("key")), str(entry.get("value"))))
        return cls(
            frozenset(str(a) for a in given.get("resources") or []),
            frozenset((str(t.get("key")), str(t.get("value"))) for t in given.get("selectionTags") or []),
            frozenset(conditions),
            frozenset(str(a) for a in given.get("notResources") or []),
        )

    def parts(self) -> list[tuple[Optional[str], Optional[tuple[str, str]]]]:
        """What it selects, as (ARN, tag) pairs it selects any of (``None``: no such filter)."""
        resources: list[Optional[str]] = [*sorted(self.resources)] or [None]
        tags: list[Optional[tuple[str, str]]] = [*sorted(self.tags)] or [None]
        return list(itertools.product(resources, tags))

    def covers(self, other: Scope, part: tuple[Optional[str], Optional[tuple[str, str]]]) -> bool:
        """True when everything ``other`` selects through ``part`` is selected by this scope too."""
        arn, tag = part
        arn = "*" if arn is None else arn  # no ARN filter: any ARN, so only ``*``-like patterns cover it
        if self.resources and not any(_arn_within(pattern, arn) for pattern in self.resources):
            return False
        if self.tags and (tag is None or tag not in self.tags):
            return False
        return self.conditions <= other.conditions and self.not_resources <= other.not_resources


def _arn_within(pattern: str, arn: str) -> bool:
    """``arn`` (itself maybe a pattern) falls within ``pattern``; ``*`` matches any run of
    non-blank characters ("Assign resources with AWS CLI", AWS Backup guide)."""
    return re.fullmatch(".*".join(re.escape(piece) for piece in pattern.split("*")), arn) is not None


def _part_text(part: tuple[Optional[str], Optional[tuple[str, str]]]) -> str:
    arn, tag = part
    tagged = f"tagged `{tag[0]}={tag[1]}`" if tag else ""
    if arn is None:
        return f"resources {tagged}" if tag else "every resource its conditions match"
    return f"`{arn}`" + (f" {tagged}" if tag else "")


#: The condition operators of a selection (``Conditions``, BackupSelection API reference), in words.
_OPERATORS = {
    "stringEquals": "equals",
    "stringNotEquals": "does not equal",
    "stringLike": "is like",
    "stringNotLike": "is not like",
}


def _narrowing(
    before: Scope, after: Scope, lost: list[tuple[Optional[str], Optional[tuple[str, str]]]]
) -> tuple[str, str]:
    """What a selection no longer selects, in words and in short: parts it dropped, and parts it
    keeps but now selects only under added conditions or with added exclusions."""
    kept = [part for part in lost if part in after.parts()]
    dropped = [part for part in lost if part not in kept]
    conditions = [
        f"`{key}` {_OPERATORS.get(operator, operator)} `{value}`"
        for operator, key, value in sorted(after.conditions - before.conditions)
    ]
    exclusions = [f"`{arn}`" for arn in sorted(after.not_resources - before.not_resources)]
    clauses = []
    if dropped:
        clauses.append(f"no longer selects {', '.join(_part_text(part) for part in dropped)}")
    if kept:
        limits = []
        if conditions:
            limits.append(f"only when they also match {' and '.join(conditions)}")
        if exclusions:
            limits.append(f"except {', '.join(exclusions)}")
        clauses.append(f"now selects {', '.join(_part_text(part) for part in kept)} {', and '.join(limits)}")
    said = "; it ".join(clauses)
    if kept:
        return (
            f"it {said}, and no other selection of this stack selects the others, so those are no longer backed up",
            said,
        )
    return f"it {said}, and no other selection of this stack does, so they are no longer backed up", said


def _plan_names(resources: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    return {str(p.get("id")): str(inputs(p).get("name") or p["name"]) for p in of_type(resources, PLAN)}


def selections(sides: Sides) -> list[Finding]:
    findings = []
    head_scopes = [Scope.of(s) for s in of_type(sides.head, SELECTION)]
    base_plans = _plan_names(sides.base)
    removed_plans = {str(p.get("id")) for p in sides.removed if p["type"] == PLAN}
    for selection in of_type(sides.base, SELECTION):
        scope = Scope.of(selection)
        lost = [part for part in scope.parts() if not any(h.covers(scope, part) for h in head_scopes)]
        if not lost:
            continue
        plan_id = str(inputs(selection).get("planId"))
        plan = base_plans.get(plan_id, "?")
        what = ", ".join(_part_text(part) for part in lost)
        counterpart = sides.counterpart(selection["urn"])
        if counterpart is not None:
            change, short = _narrowing(scope, Scope.of(counterpart), lost)
            findings.append(
                finding(
                    WARNING,
                    counterpart,
                    f"{label(counterpart)} of plan `{plan}` is narrowed: {change}.",
                    f"{label(counterpart)} {short}.",
                )
            )
            continue
        deleted = f"backup plan `{plan}` is deleted with its" if plan_id in removed_plans else "the deleted"
        findings.append(
            finding(
                DANGER,
                selection,
                f"{deleted} selection `{inputs(selection).get('name') or selection['name']}`: no selection of "
                f"this stack selects {what} any more, so they are no longer backed up (their existing recovery "
                "points stay until their retention ends).",
                f"{label(selection)} deleted: {what} no longer backed up.",
            )
        )
    return findings


__all__ = ["Scope", "selections"]
