"""ArchiveVault: copy C of 3-2-1, a locked vault in a dedicated account that sources copy into.

Deployed by its own stack with the archive account's credentials, so that the source
accounts' deploy credentials can never delete it; source stacks only need its ARN.
"""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts
from .kms_key import BackupKey
from .policies import vault_statement_problems, vault_statement_warnings
from .vault import BackupVault, VaultLockArgs, checked_vault_policy

#: Grace period of the compliance lock by default: the shortest AWS allows.
DEFAULT_CHANGEABLE_FOR_DAYS = 3


class ArchiveVaultArgs(TypedDict):
    """Arguments of :class:`ArchiveVault`."""

    vault_name: str
    """Name of the archive vault."""
    region: str
    """Region of the archive vault: its key, vault and policy are created there (pulumi-aws 7's
    per-resource ``region``, through the caller's provider), and the key policy's
    ``kms:ViaService`` names it."""
    source_account_ids: NotRequired[Sequence[str]]
    """Accounts whose AWS Backup may copy into the vault (and use its key for that).
    Required unless ``source_organization_id``."""
    source_organization_id: NotRequired[Optional[str]]
    """Allow every account of this AWS Organization instead. Default: none."""
    min_retention_days: int
    """Lock: shortest retention a copy may ask for (>= 1; >= 7 when air-gapped)."""
    max_retention_days: int
    """Lock: longest retention a copy may ask for (<= 36500)."""
    changeable_for_days: NotRequired[Optional[int]]
    """Compliance lock grace period, 3-36500 days; ``None`` for governance mode.
    Default: 3 (compliance: immutable after three days). Ignored when air-gapped (always
    compliance)."""
    air_gapped: NotRequired[bool]
    """Create a logically air-gapped vault instead (AWS-owned key unless ``kms_key_arn``;
    always compliance-locked). Default: ``False``."""
    kms_key_arn: NotRequired[Optional[str]]
    """Existing key to use instead of creating one. Default: create a customer-managed key."""
    break_glass_role_arn: NotRequired[Optional[str]]
    """The one role still allowed to delete recovery points. Default: none."""
    protect: NotRequired[bool]
    """Protect vault, lock and key from ``pulumi destroy`` and replacement. Default: ``True``."""
    policy_statements: NotRequired[Sequence[Mapping[str, Any]]]
    """Statements of your own for the vault's access policy, added after the deny-deletions and
    copy-in statements (e.g. a Deny of copies from outside the organization). Default: none."""
    tags: NotRequired[dict[str, str]]
    """Tags for what is created. Default: none."""


class ArchiveVault(pulumi.ComponentResource):
    """The archive account's vault.

    Standard mode: ``BackupKey`` ``<name>-key`` (whose policy lets the source accounts use it
    through AWS Backup only) and ``BackupVault`` ``<name>-vault`` with a compliance lock and an
    access policy allowing the sources ``backup:CopyIntoBackupVault`` and nothing else, and
    denying deletions. Air-gapped mode: ``aws.backup.LogicallyAirGappedVault`` ``<name>-vault``
    plus the same access policy.
    """

    vault_arn: pulumi.Output[str]
    """ARN of the archive vault (what source stacks copy to)."""
    vault_name: pulumi.Output[str]
    """Name of the archive vault."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key encrypting it (empty for an air-gapped vault on the AWS-owned key)."""
    account_id: pulumi.Output[str]
    """The archive account."""

    def __init__(self, name: str, args: ArchiveVaultArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(f"{TYPE_PREFIX}:ArchiveVault", name, None, opts)
        sources = list(args.get("source_account_ids") or [])
        organization = args.get("source_organization_id")
        air_gapped = args.get("air_gapped", False)
        changeable = args.get("changeable_for_days", DEFAULT_CHANGEABLE_FOR_DAYS)
        minimum, maximum = args["min_retention_days"], args["max_retention_days"]
        checks: dict[str, Optional[rules.Violation]] = {
            "vault_name": rules.vault_name(args["vault_name"]),
            "region": rules.aws_region(args["region"]),
            "source_organization_id": rules.organization_id(organization) if organization else None,
            "retention": rules.air_gapped_retention(minimum, maximum)
            if air_gapped
            else rules.vault_lock(minimum, maximum, changeable),
        }
        for index, account_id in enumerate(sources):
            checks[f"source_account_ids[{index}]"] = rules.account_id(account_id)
        statements = list(args.get("policy_statements") or [])
        lines = rules.problems(checks)
        lines += [
            f"policy_statements{path}: {violation}"
            for path, violation in vault_statement_problems(
                statements, break_glass_role_arn=args.get("break_glass_role_arn")
            )
        ]
        if not sources and not organization:
            lines.append(
                "source_account_ids: an archive vault nobody may copy into is useless. "
                "Fix: list the source accounts or give source_organization_id."
            )
        rules.raise_if_any("ArchiveVault", name, lines)

        protect = args.get("protect", True)
        tags = args.get("tags") or {}
        account = AccountFacts.lookup(self)
        # Not an output (no class annotation): siblings in the same program reuse the lookups.
        self.account: AccountFacts = account
        self.account_id = account.account_id
        key_arn: Optional[pulumi.Input[str]] = args.get("kms_key_arn")
        if key_arn is None and not air_gapped:
            key_arn = BackupKey(
                f"{name}-key",
                {
                    "region": args["region"],
                    "alias": args["vault_name"],
                    "description": f"AWS Backup archive vault key ({args['vault_name']})",
                    "copy_account_ids": sources,
                    "copy_organization_id": organization,
                    "protect": protect,
                    "tags": tags,
                },
                child_opts(self),
                account=account,
            ).arn

        if air_gapped:
            for warning in vault_statement_warnings(statements):
                pulumi.log.warn(f"ArchiveVault {name!r}: policy_statements{warning}")
            vault = aws.backup.LogicallyAirGappedVault(
                f"{name}-vault",
                region=args["region"],
                name=args["vault_name"],
                min_retention_days=minimum,
                max_retention_days=maximum,
                encryption_key_arn=key_arn,
                tags=tags or None,
                opts=child_opts(self, protect=protect),
            )
            aws.backup.VaultPolicy(
                f"{name}-vault-policy",
                region=args["region"],
                backup_vault_name=vault.name,
                policy=pulumi.Output.all(account.account_id, account.partition).apply(
                    lambda facts: checked_vault_policy(
                        f"ArchiveVault {name!r}",
                        account_id=facts[0],
                        partition=facts[1],
                        break_glass_role_arn=args.get("break_glass_role_arn"),
                        copy_source_account_ids=sources,
                        copy_source_organization_id=organization,
                        statements=statements,
                    )
                ),
                opts=child_opts(self),
            )
            self.vault_arn, self.vault_name = vault.arn, vault.name
            self.kms_key_arn = pulumi.Output.from_input(key_arn or "")
        else:
            lock: VaultLockArgs = {
                "min_retention_days": minimum,
                "max_retention_days": maximum,
                "changeable_for_days": changeable,
            }
            standard = BackupVault(
                f"{name}-vault",
                {
                    "name": args["vault_name"],
                    "region": args["region"],
                    "kms_key_arn": key_arn,
                    "protect": protect,
                    "lock": lock,
                    "break_glass_role_arn": args.get("break_glass_role_arn"),
                    "copy_source_account_ids": sources,
                    "copy_source_organization_id": organization,
                    "policy_statements": statements,
                    "tags": tags,
                },
                child_opts(self),
                account=account,
            )
            self.vault_arn, self.vault_name, self.kms_key_arn = standard.arn, standard.name, standard.kms_key_arn
        self.register_outputs(
            {"vault_arn": self.vault_arn, "vault_name": self.vault_name, "kms_key_arn": self.kms_key_arn}
        )


__all__ = ["DEFAULT_CHANGEABLE_FOR_DAYS", "ArchiveVault", "ArchiveVaultArgs"]
