"""The stack's audit against its plans, copies and vault: the stack's own controls, and yours."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import rules
from ..audit import MANUAL_DELETION_DISABLED, MAX_DELETION_ROLES, framework_controls
from ..audit_controls import controls_problems
from .common import ARCHIVE, CROSS_REGION, StackProblem, copy_targets


def deletion_control(vault: Mapping[str, Any]) -> dict[str, Any]:
    """The stack's manual-deletion control, as :class:`components.audit.BackupAuditArgs` takes it:
    only when the vault's policy can pass it (AWS Config, "backup-recovery-point-manual-deletion-
    disabled": a Deny of DeleteRecoveryPoint, UpdateRecoveryPointLifecycle and
    PutBackupVaultAccessPolicy, which the policy holds with ``policy_admin_role_arns``), with the
    roles that deny exempts as the control's ``principalArnList``."""
    admins = list(vault.get("policy_admin_role_arns") or [])
    denied = bool(vault.get("deny_deletions", True) and admins)
    break_glass = vault.get("break_glass_role_arn")
    exempt = list(dict.fromkeys([*([break_glass] if break_glass else []), *admins]))
    return {"manual_deletion_control": denied, "deletion_allowed_role_arns": exempt if denied else []}


def audit_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """The stack's own controls need its plans; with several stack tags their scope must be chosen;
    controls of your own do not repeat the stack's."""
    audit = args.get("audit")
    if audit is None:
        return []
    plans = args["plans"]
    if audit.get("stack_controls") and not plans:
        return [
            (
                "audit.stack_controls",
                True,
                rules.Violation(
                    "the stack's own controls follow its plans, and it has none",
                    "leave stack_controls out (or false) and list your controls in audit.controls",
                ),
            )
        ]
    if not plans or audit.get("stack_controls") is False:
        return []
    found: list[StackProblem] = []
    tags = args.get("tags") or {}
    if audit.get("scope_tag") is None and len(tags) > 1:
        first_key = sorted(tags)[0]
        found.append(
            (
                "audit.scope_tag",
                None,
                rules.Violation(
                    f"the audit controls are scoped by one tag, and the stack has {len(tags)} tags to choose from",
                    f"name one in audit.scope_tag, e.g. {{{first_key!r}: {tags[first_key]!r}}}, or {{}} to judge "
                    "every resource of the region",
                ),
            )
        )
    copied_to = {target for plan in plans for rule in plan["rules"] for target in copy_targets(rule, args)}
    own = framework_controls(
        required_frequency_unit="days",
        required_frequency_value=1,
        required_retention_days=None,
        vault_name=args["vault"].get("name"),
        cross_region=CROSS_REGION in copied_to,
        cross_account=ARCHIVE in copied_to,
        vault_lock=args["vault"].get("lock") is not None,
        manual_deletion_control=deletion_control(args["vault"])["manual_deletion_control"],
    )
    exempt = deletion_control(args["vault"])["deletion_allowed_role_arns"]
    if len(exempt) > MAX_DELETION_ROLES:
        found.append(
            (
                "vault.policy_admin_role_arns",
                args["vault"].get("policy_admin_role_arns"),
                rules.Violation(
                    f"the audit control {MANUAL_DELETION_DISABLED} takes at most {MAX_DELETION_ROLES} exempted roles "
                    f"(its principalArnList), and the vault's deny exempts {len(exempt)} (the break-glass role and "
                    "the policy admin roles)",
                    f"keep at most {MAX_DELETION_ROLES} roles in all, or audit.stack_controls: false",
                ),
            )
        )
    controls = list(audit.get("controls") or [])
    problems, _ = controls_problems(controls, [control["name"] for control in own])
    found += [
        (
            f"audit.controls{path}",
            controls[int(path[1 : path.index("]")])]["name"] if path.endswith(".name") else None,
            violation,
        )
        for path, violation in problems
    ]
    return found
