"""One offline run as JSON: the document ``python -m offline <stack> --format json`` prints.

``python -m offline compare`` runs each side of a comparison in its own process and reads this
document back. This module imports nothing of the program's (no ``components``): it is loaded
before the program runs, and the program must import its own side's package.
"""

from __future__ import annotations

from typing import Any

from .engine import OfflineRun

#: The root stack resource's type: it only names the project and the stack.
STACK_TYPE = "pulumi:pulumi:Stack"


def plain(value: Any) -> Any:
    """JSON-ready: protobuf sends every number as a float, so whole numbers become ints again."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # e.g. an unknown preview value: show it rather than fail


def run_document(run: OfflineRun) -> dict[str, Any]:
    """One offline run as the JSON document ``python -m offline <stack> --format json`` prints.

    Keys: ``project``, ``stack``, ``region``, ``account_id``, ``registrations`` (each with
    ``type``, ``name``, ``urn``, ``parent``, ``custom``, ``protect``, ``retain_on_delete``,
    ``provider``, ``inputs``, the mock ``id`` and ``outputs``, and ``aliases``: the URNs the
    resource's own ``aliases`` option names, when it has any), the stack's ``outputs``,
    ``warnings`` and ``error`` (the config error's text, or ``null``).
    """
    settings = run.settings
    registrations = []
    for r in run.registrations:
        entry: dict[str, Any] = {
            "type": r.type,
            "name": r.name,
            "urn": r.urn,
            "parent": r.parent,
            "custom": r.custom,
            "protect": r.protect,
            "retain_on_delete": r.retain_on_delete,
            "provider": r.provider,
            "inputs": plain(r.inputs),
            "id": r.id,
            "outputs": plain(r.outputs),
        }
        if r.aliases:
            entry["aliases"] = list(dict.fromkeys(str(a) for a in r.aliases))
        registrations.append(entry)
    return {
        "project": settings.project,
        "stack": settings.stack,
        "region": settings.config.get("aws:region"),
        "account_id": run.account_id,
        "registrations": registrations,
        "outputs": plain(run.outputs),
        "warnings": list(run.warnings),
        "error": None if run.error is None else str(run.error),
    }


__all__ = ["STACK_TYPE", "plain", "run_document"]
