"""What keeps recovery points inside a vault: its vault lock and its access policy's deny statement.

One of each per vault, so matched by vault name.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any

from ..diff import parsed
from ..resources import VAULT_LOCK, VAULT_POLICY, VAULT_TYPES
from .findings import DANGER, WARNING, Finding, Sides, days, finding, inputs, of_type

#: What the deny-deletions statement of a vault access policy protects ("Vault access
#: policies", AWS Backup guide: deny ``backup:DeleteRecoveryPoint`` and
#: ``backup:UpdateRecoveryPointLifecycle`` to keep recovery points from being deleted early).
PROTECTED_ACTIONS = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault")


def _by_vault(resources: Mapping[str, dict[str, Any]], type_: str) -> dict[str, dict[str, Any]]:
    return {str(inputs(r).get("backupVaultName")): r for r in of_type(resources, type_)}


def _gone_vaults(sides: Sides) -> set[str]:
    """Vault names the base declares and the head no longer does (their loss is judged already)."""
    names = {str(inputs(r).get("name")) for r in of_type(sides.base, *VAULT_TYPES)}
    return names - {str(inputs(r).get("name")) for r in of_type(sides.head, *VAULT_TYPES)}


def locks(sides: Sides) -> list[Finding]:
    """Vault locks ("AWS Backup Vault Lock", AWS Backup guide): removed, minimum lowered, compliance mode."""
    findings = []
    gone = _gone_vaults(sides)
    base, head = _by_vault(sides.base, VAULT_LOCK), _by_vault(sides.head, VAULT_LOCK)
    for vault, before in base.items():
        if vault in gone:
            continue
        after = head.get(vault)
        if after is None:
            findings.append(
                finding(
                    DANGER,
                    before,
                    f"the vault lock of vault `{vault}` is removed: nothing stops anyone with the rights from "
                    "deleting its recovery points or shortening their retention. (A lock in compliance mode "
                    "whose grace time is over cannot be removed: `pulumi up` would then fail.)",
                    f"the vault lock of vault `{vault}` is removed.",
                )
            )
            continue
        old_min, new_min = inputs(before).get("minRetentionDays"), inputs(after).get("minRetentionDays")
        if old_min is not None and (new_min is None or new_min < old_min):
            findings.append(
                finding(
                    DANGER,
                    after,
                    f"the vault lock of vault `{vault}` lowers its minimum retention from {days(old_min)} to "
                    f"{days(new_min) if new_min is not None else 'none'} (`minRetentionDays: {old_min} → "
                    f"{new_min if new_min is not None else '(none)'}`): recovery points may then be deleted sooner.",
                    f"the vault lock of vault `{vault}`: minimum retention {old_min} → {new_min} days.",
                )
            )
        # ChangeableForDays set = compliance mode: "On and after the lock date, the Vault Lock
        # becomes immutable and cannot be changed or deleted" (PutBackupVaultLockConfiguration).
        old_grace, new_grace = inputs(before).get("changeableForDays"), inputs(after).get("changeableForDays")
        if old_grace is None and new_grace is not None:
            findings.append(
                finding(
                    WARNING,
                    after,
                    f"the vault lock of vault `{vault}` moves to compliance mode (`changeableForDays: {new_grace}`): "
                    f"{days(new_grace)} after `pulumi up` it can no longer be changed or removed by anyone, not "
                    "even the root user, nor can the vault be deleted while it holds recovery points. Make sure "
                    "its minimum and maximum retention are the ones you want for good.",
                    f"the vault lock of vault `{vault}` moves to compliance mode (fixed after {new_grace} days).",
                )
            )
    return findings


def _actions(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in _actions(v) for v in principal.values())
    return False


def denied(policy: Any) -> dict[str, str]:
    """The :data:`PROTECTED_ACTIONS` a policy denies: ``always`` (to everyone, without a condition)
    or ``with exceptions`` (a condition, or only some principals)."""
    document = parsed(policy)
    if not isinstance(document, Mapping):
        return {}
    statements = document.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    result: dict[str, str] = {}
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
            continue
        strength = (
            "always" if _everyone(statement.get("Principal")) and not statement.get("Condition") else "with exceptions"
        )
        for action in PROTECTED_ACTIONS:
            # IAM matches action names case-insensitively, with * and ? wildcards.
            if "NotAction" in statement:
                covered = not any(fnmatch.fnmatch(action.lower(), a.lower()) for a in _actions(statement["NotAction"]))
            else:
                covered = any(fnmatch.fnmatch(action.lower(), a.lower()) for a in _actions(statement.get("Action")))
            if covered and result.get(action) != "always":
                result[action] = strength
    return result


def policies(sides: Sides) -> list[Finding]:
    """The deny-deletions statement of a vault access policy dropped or given exceptions."""
    findings = []
    gone = _gone_vaults(sides)
    base, head = _by_vault(sides.base, VAULT_POLICY), _by_vault(sides.head, VAULT_POLICY)
    for vault, before in base.items():
        was = denied(inputs(before).get("policy"))
        if vault in gone or not was:
            continue
        after = head.get(vault)
        now = denied(inputs(after).get("policy")) if after is not None else {}
        lost = [action for action in was if action not in now]
        if lost:
            how = "the vault access policy is removed" if after is None else "its deny statement no longer covers them"
            findings.append(
                finding(
                    DANGER,
                    after or before,
                    f"vault `{vault}` no longer denies {', '.join(f'`{a}`' for a in lost)} ({how}): anyone with "
                    "the IAM rights can then delete its recovery points before their time.",
                    f"vault `{vault}` no longer denies deleting recovery points.",
                )
            )
        weakened = [a for a in was if was[a] == "always" and now.get(a) == "with exceptions"]
        if weakened and after is not None:
            findings.append(
                finding(
                    WARNING,
                    after,
                    f"vault `{vault}` now denies {', '.join(f'`{a}`' for a in weakened)} with exceptions (a "
                    "`Condition` or named principals): whoever the exception lets through can delete recovery "
                    "points. Check that it names only a break-glass role.",
                    f"vault `{vault}`: the deny-deletions statement now has exceptions.",
                )
            )
    return findings


__all__ = ["PROTECTED_ACTIONS", "denied", "locks", "policies"]
