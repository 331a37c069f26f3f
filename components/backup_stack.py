"""WindowsServerBackup: one stack's vault, service role, plans and their selections, wired up."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Optional, TypedDict

import pulumi
from typing_extensions import NotRequired

from ._types import TYPE_PREFIX, child_opts
from .plan import BackupPlan, BackupRuleArgs
from .selection import BackupSelection, SelectionConditionsArgs
from .service_role import BackupServiceRole, BackupServiceRoleArgs
from .vault import BackupVault, BackupVaultArgs


class SelectionSpec(TypedDict):
    """A selection of a plan; the plan and the role are filled in by :class:`WindowsServerBackup`."""

    name: str
    """Selection name."""
    tags: NotRequired[Mapping[str, str]]
    """Tag key/value pairs, any of which selects a resource. Default: none."""
    resources: NotRequired[Sequence[str]]
    """Resource ARNs to select. Default: none."""
    not_resources: NotRequired[Sequence[str]]
    """Resource ARNs to leave out. Default: none."""
    conditions: NotRequired[SelectionConditionsArgs]
    """Tag conditions every selected resource must meet. Default: none."""


class PlanSpec(TypedDict):
    """A plan and the selections that feed it; the vault is the stack's vault."""

    name: str
    """Plan name."""
    rules: Sequence[BackupRuleArgs]
    """The plan's rules."""
    selections: Sequence[SelectionSpec]
    """What the plan backs up."""
    windows_vss: NotRequired[bool]
    """Windows VSS for EC2 instances. Default: ``False``."""
    tags: NotRequired[dict[str, str]]
    """Tags for the plan. Default: the stack's tags."""


class WindowsServerBackupArgs(TypedDict):
    """Arguments of :class:`WindowsServerBackup`."""

    vault: BackupVaultArgs
    """The stack's vault (copy A of 3-2-1)."""
    plans: Sequence[PlanSpec]
    """Plans with their selections."""
    role: NotRequired[BackupServiceRoleArgs]
    """Settings of the service role this component creates. Default: an auto-named role with
    the backup and restore policies. Ignored when ``existing_role_arn`` is given."""
    existing_role_arn: NotRequired[Optional[pulumi.Input[str]]]
    """Use this role instead of creating one. Default: create one."""
    tags: NotRequired[dict[str, str]]
    """Tags for every taggable resource (a resource's own tags win). Default: none."""


class WindowsServerBackup(pulumi.ComponentResource):
    """Everything one stack needs to back Windows Server up with AWS Backup.

    Children, named from ``name``: the vault ``<name>-vault``, the role
    ``<name>-restore-role`` (unless an existing role is given), one plan ``<name>-<plan>`` per
    plan, and under each plan one selection ``<name>-<plan>-<selection>`` per selection.
    """

    vault: BackupVault
    """The stack's vault."""
    role_arn: pulumi.Output[str]
    """ARN of the role the selections use."""
    plans: dict[str, BackupPlan]
    """Plans by plan name."""
    selections: dict[str, dict[str, BackupSelection]]
    """Selections by plan name, then selection name."""

    def __init__(
        self,
        name: str,
        args: WindowsServerBackupArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:WindowsServerBackup", name, None, opts)
        common_tags = dict(args.get("tags") or {})

        vault_args: BackupVaultArgs = {**args["vault"], "tags": {**common_tags, **(args["vault"].get("tags") or {})}}
        self.vault = BackupVault(f"{name}-vault", vault_args, child_opts(self))

        existing_role_arn = args.get("existing_role_arn")
        if existing_role_arn is not None:
            self.role_arn = pulumi.Output.from_input(existing_role_arn)
        else:
            role_args: BackupServiceRoleArgs = dict(args.get("role") or {})  # type: ignore[assignment]
            role_args["tags"] = {**common_tags, **(role_args.get("tags") or {})}
            self.role_arn = BackupServiceRole(f"{name}-restore-role", role_args, child_opts(self)).arn

        self.plans = {}
        self.selections = {}
        for spec in args["plans"]:
            plan_name = f"{name}-{spec['name']}"
            plan = BackupPlan(
                plan_name,
                {
                    "name": spec["name"],
                    "vault_name": self.vault.name,
                    "rules": spec["rules"],
                    "windows_vss": spec.get("windows_vss", False),
                    "tags": {**common_tags, **(spec.get("tags") or {})},
                },
                child_opts(self),
            )
            self.plans[spec["name"]] = plan
            self.selections[spec["name"]] = {
                selection["name"]: BackupSelection(
                    f"{plan_name}-{selection['name']}",
                    {**selection, "plan_id": plan.id, "role_arn": self.role_arn},
                    child_opts(plan),
                )
                for selection in spec["selections"]
            }

        self.register_outputs(
            {
                "vault_arn": self.vault.arn,
                "role_arn": self.role_arn,
                "plan_ids": {plan_name: plan.id for plan_name, plan in self.plans.items()},
            }
        )


__all__ = ["PlanSpec", "SelectionSpec", "WindowsServerBackup", "WindowsServerBackupArgs"]
