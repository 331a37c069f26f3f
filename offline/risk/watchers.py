"""What watches over the backups: restore testing, audit and notifications, removed or doing less."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from ..diff import parsed
from ..resources import (
    EVENT_RULE,
    FRAMEWORK,
    REPORT_PLAN,
    RESTORE_TESTING_PLAN,
    RESTORE_TESTING_SELECTION,
    TOPIC_SUBSCRIPTION,
    VAULT_NOTIFICATIONS,
    kind,
    label,
)
from .findings import WARNING, Finding, Sides, finding, inputs


def _event_pattern(resource: Mapping[str, Any]) -> str:
    return json.dumps(parsed(inputs(resource).get("eventPattern")), sort_keys=True)


def _by(*keys: str) -> Callable[[Mapping[str, Any]], Any]:
    """A resource's identity in AWS: these inputs' values."""
    return lambda resource: tuple(inputs(resource).get(key) for key in keys)


@dataclass(frozen=True)
class _Watcher:
    """A resource whose removal weakens protection."""

    identity: Callable[[Mapping[str, Any]], Any]
    """What names it in AWS, to recognise the same one re-created under another URN."""
    lost: Callable[[Mapping[str, Any]], str]
    """What is lost with it, in words that need no subject."""
    implied_by: tuple[str, ...] = ()
    """Types whose loss, removed together with it, already says what is lost."""


def _said(text: str) -> Callable[[Mapping[str, Any]], str]:
    return lambda _resource: text


def _endpoint_lost(resource: Mapping[str, Any]) -> str:
    return f"`{inputs(resource).get('endpoint')}` is no longer notified"


def _events_lost(resource: Mapping[str, Any]) -> str:
    description = str(inputs(resource).get("description") or "the events it matches")
    if description[1:2].islower():  # "An EC2 restore job ..." reads "an EC2 restore job ..." in a sentence
        description = description[:1].lower() + description[1:]
    return f"EventBridge no longer acts on {description}"


#: Removing one of these weakens protection, in this order of weight.
_WATCHED: dict[str, _Watcher] = {
    RESTORE_TESTING_PLAN: _Watcher(
        _by("name"), _said("restore testing stops: nothing proves any more that the backups restore")
    ),
    RESTORE_TESTING_SELECTION: _Watcher(
        _by("restoreTestingPlanName", "name"),
        _said("restore testing no longer restores these resources' backups"),
        implied_by=(RESTORE_TESTING_PLAN,),
    ),
    FRAMEWORK: _Watcher(_by("name"), _said("audit evidence stops: no control judges the backups any more")),
    REPORT_PLAN: _Watcher(_by("name"), _said("audit reports are no longer delivered")),
    VAULT_NOTIFICATIONS: _Watcher(_by("backupVaultName"), _said("the vault's events are no longer sent to anyone")),
    EVENT_RULE: _Watcher(_event_pattern, _events_lost),
    TOPIC_SUBSCRIPTION: _Watcher(_by("protocol", "endpoint"), _endpoint_lost),
}


def _removed_watchers(sides: Sides) -> list[dict[str, Any]]:
    """Watched resources the head no longer has, nor re-creates under another URN."""
    added = sides.added
    return [
        gone
        for gone in sides.removed
        if gone["type"] in _WATCHED
        and not any(
            r["type"] == gone["type"] and _WATCHED[gone["type"]].identity(r) == _WATCHED[gone["type"]].identity(gone)
            for r in added
        )
    ]


def _removed_with(resource: dict[str, Any], sides: Sides) -> dict[str, Any]:
    """The outermost component removed together with ``resource`` (itself when its parent stays)."""
    removed = {r["urn"] for r in sides.removed}
    while resource.get("parent") in removed:
        resource = sides.base[resource["parent"]]
    return resource


def _members(removed: list[dict[str, Any]]) -> str:
    """``audit framework `a` and 4 audit report plans``."""
    parts = []
    for type_ in _WATCHED:
        of_this = [r for r in removed if r["type"] == type_]
        if len(of_this) == 1:
            parts.append(label(of_this[0]))
        elif of_this:
            parts.append(f"{len(of_this)} {kind(type_)}s")
    return ", ".join(parts[:-1]) + " and " + parts[-1] if len(parts) > 1 else parts[0]


def _removals(sides: Sides) -> list[Finding]:
    """One warning per watched resource removed on its own, or per component removed with several."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for gone in _removed_watchers(sides):
        groups.setdefault(_removed_with(gone, sides)["urn"], []).append(gone)
    findings = []
    for root_urn, removed in groups.items():
        removed.sort(key=lambda r: (list(_WATCHED).index(r["type"]), r["name"]))
        types = {r["type"] for r in removed}
        losses = [_WATCHED[r["type"]].lost(r) for r in removed if not types & set(_WATCHED[r["type"]].implied_by)]
        lost = "; ".join(dict.fromkeys(losses))
        if len(removed) == 1 and removed[0]["urn"] == root_urn:
            gone = removed[0]
            findings.append(finding(WARNING, gone, f"{label(gone)} is removed: {lost}."))
            continue
        root = sides.base[root_urn]
        component = f"component `{root['name']}` ({root['type'].rsplit(':', 1)[-1]})"
        findings.append(
            finding(
                WARNING,
                root,
                f"{component} is removed, and with it {_members(removed)}: {lost}.",
                f"{component} removed: {_members(removed)}.",
            )
        )
    return findings


def watchers(sides: Sides) -> list[Finding]:
    """Restore testing, audit and notifications removed, or sending and checking less."""
    findings = _removals(sides)
    for old_urn, new_urn in sides.pairs:
        before, after = sides.base[old_urn], sides.head[new_urn]
        if after["type"] == VAULT_NOTIFICATIONS:
            events = inputs(after).get("backupVaultEvents") or []
            dropped = [e for e in inputs(before).get("backupVaultEvents") or [] if e not in events]
            if dropped:
                findings.append(
                    finding(
                        WARNING,
                        after,
                        f"{label(after)} no longer sends {', '.join(f'`{e}`' for e in dropped)} for vault "
                        f"`{inputs(after).get('backupVaultName')}`.",
                    )
                )
        if after["type"] == FRAMEWORK:
            names = [c.get("name") for c in inputs(after).get("controls") or []]
            dropped = [c.get("name") for c in inputs(before).get("controls") or [] if c.get("name") not in names]
            if dropped:
                findings.append(
                    finding(
                        WARNING,
                        after,
                        f"{label(after)} no longer checks {', '.join(f'`{c}`' for c in dropped)}: no audit "
                        "evidence of that any more.",
                    )
                )
    return findings


__all__ = ["watchers"]
