"""What the stack checks share: the copy destinations and their lifecycles, the result shapes, and the
stack's arguments with the defaults of a stack without vault or plans."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Optional

from .. import rules

# Final, so that type checkers read them as the literal keys of WindowsServerBackupArgs.
CROSS_REGION: Final = "cross_region"

ARCHIVE: Final = "archive"

DESTINATIONS = (CROSS_REGION, ARCHIVE)

#: A check result: the argument path, its value, and the broken rule.
StackProblem = tuple[str, Any, rules.Violation]
#: A finding that may be an error or a warning: whether it is an error, the argument path, its value,
#: the rule.
Finding = tuple[bool, str, Any, rules.Violation]


def copy_targets(rule: Mapping[str, Any], args: Mapping[str, Any]) -> list[str]:
    """Destinations a rule copies to: its ``copy_to``, or every destination the stack has."""
    if "copy_to" in rule and rule["copy_to"] is not None:
        return list(rule["copy_to"])
    return [d for d in DESTINATIONS if args.get(d)]


def copy_lifecycle(
    rule: Mapping[str, Any], destination: Mapping[str, Any]
) -> tuple[Optional[int], Optional[int], bool]:
    """``(delete_after, cold_after, archive_opt_in)`` of a copy: the destination's, else the rule's."""

    def pick(key: str) -> Any:
        value = destination.get(key)
        return rule.get(key) if value is None else value

    return pick("delete_after_days"), pick("cold_storage_after_days"), bool(pick("opt_in_to_archive"))


def lock_range(lock: Optional[Mapping[str, Any]]) -> tuple[Optional[int], Optional[int]]:
    """``(min_retention_days, max_retention_days)`` of a lock, ``(None, None)`` without one."""
    if not lock:
        return None, None
    return lock.get("min_retention_days"), lock.get("max_retention_days")


def plain_arn(value: Any) -> Optional[str]:
    """``value`` when it is a vault ARN known before deploying (not an output), else ``None``."""
    return value if isinstance(value, str) and rules.vault_arn(value) is None else None


def with_defaults(args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` with an empty vault and no plans where it has none (an audit-only or vault-only stack)."""
    return {**args, "vault": args.get("vault") or {}, "plans": list(args.get("plans") or [])}


def vss_tag_pairs(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every distinct (key, value) the plans with ``windows_vss`` select by, in order."""
    pairs: list[tuple[str, str]] = []
    for plan in args["plans"]:
        if plan.get("windows_vss"):
            for selection in plan["selections"]:
                for pair in (selection.get("tags") or {}).items():
                    if pair not in pairs:
                        pairs.append(pair)
    return pairs
