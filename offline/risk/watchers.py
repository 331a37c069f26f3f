"""What watches over the backups: restore testing, audit and notifications, removed or doing less."""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
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
    label,
)
from .findings import WARNING, Finding, Sides, finding, inputs


def _event_pattern(resource: Mapping[str, Any]) -> str:
    return json.dumps(parsed(inputs(resource).get("eventPattern")), sort_keys=True)


def _by(*keys: str) -> Callable[[Mapping[str, Any]], Any]:
    """A resource's identity in AWS: these inputs' values."""
    return lambda resource: tuple(inputs(resource).get(key) for key in keys)


#: Removing one of these weakens protection: how to recognise the same one re-created under
#: another URN, and what is lost.
_WATCHED: dict[str, tuple[Callable[[Mapping[str, Any]], Any], str]] = {
    RESTORE_TESTING_PLAN: (_by("name"), "restore testing stops: nothing proves any more that the backups restore"),
    RESTORE_TESTING_SELECTION: (
        _by("restoreTestingPlanName", "name"),
        "restore testing no longer restores these resources' backups",
    ),
    FRAMEWORK: (_by("name"), "audit evidence stops: no control judges the backups any more"),
    REPORT_PLAN: (_by("name"), "its audit reports stop"),
    VAULT_NOTIFICATIONS: (_by("backupVaultName"), "the vault's events are no longer sent to anyone"),
    TOPIC_SUBSCRIPTION: (_by("protocol", "endpoint"), "its endpoint is no longer notified"),
    EVENT_RULE: (_event_pattern, "the events it matches (e.g. failed backup jobs) no longer alert anyone"),
}


def watchers(sides: Sides) -> list[Finding]:
    findings = []
    added = sides.added
    for gone in sides.removed:
        if gone["type"] not in _WATCHED:
            continue
        identity, lost = _WATCHED[gone["type"]]
        if any(r["type"] == gone["type"] and identity(r) == identity(gone) for r in added):
            continue  # the same one, re-created under another name
        endpoint = inputs(gone).get("endpoint")
        what = f" (`{endpoint}`)" if gone["type"] == TOPIC_SUBSCRIPTION and endpoint else ""
        findings.append(finding(WARNING, gone, f"{label(gone)}{what} is removed: {lost}."))
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
