"""BackupVault: the AWS Backup vault that holds recovery points, its lock and its access policy."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts
from .policies import policy_admins_problem, vault_access_policy, vault_statement_problems, vault_statement_warnings

#: Alias of the AWS-managed key AWS Backup uses when no customer-managed key is given.
AWS_MANAGED_BACKUP_KEY_ALIAS = "alias/aws/backup"


class VaultLockArgs(TypedDict):
    """AWS Backup Vault Lock: recovery points can be neither deleted early nor kept too long."""

    min_retention_days: int
    """Shortest retention a job into the vault may ask for (>= 1)."""
    max_retention_days: int
    """Longest retention a job may ask for (<= 36500, >= the minimum)."""
    changeable_for_days: NotRequired[Optional[int]]
    """Compliance mode: days (3-36500) before the lock becomes immutable, even for the root
    user. ``None``: governance mode (users with the right IAM permission may remove it).
    Default: ``None``."""


class BackupVaultArgs(TypedDict):
    """Arguments of :class:`BackupVault`."""

    name: str
    """Vault name, 2-50 letters, digits, '-' or '_'. Part of the vault's identity: changing it
    replaces the vault."""
    region: NotRequired[Optional[str]]
    """Region the vault, its policy and lock are created in, through the caller's provider
    (pulumi-aws 7's per-resource ``region``: same credentials and account). Changing it replaces
    the vault. Default: the provider's region."""
    kms_key_arn: NotRequired[Optional[pulumi.Input[str]]]
    """ARN of the KMS key that encrypts recovery points. Default: the AWS-managed
    ``aws/backup`` key of the provider's region, looked up once (as the article does). Use a
    customer-managed key for copies into another account."""
    protect: NotRequired[bool]
    """Protect the vault (and its lock) from ``pulumi destroy`` and from replacement.
    Default: ``True``."""
    deny_deletions: NotRequired[bool]
    """Attach an access policy denying ``DeleteRecoveryPoint``, ``UpdateRecoveryPointLifecycle``
    and ``DeleteBackupVault`` to everyone but ``break_glass_role_arn``. Default: ``True``."""
    break_glass_role_arn: NotRequired[Optional[str]]
    """The one role still allowed those actions. Default: none (nobody; AWS Backup's own
    lifecycle expiry is not affected)."""
    policy_admin_role_arns: NotRequired[Sequence[str]]
    """The roles that deploy this vault's access policy (the ones ``pulumi up`` runs as). Given
    (with ``deny_deletions``), a second deny statement denies ``PutBackupVaultAccessPolicy`` and
    ``DeleteBackupVaultAccessPolicy`` (with the deletions) to everyone but them and the break-glass
    role, so nobody else can lift the denials, and the vault passes AWS Config's
    ``BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED`` control; the first statement still denies them
    the deletions. A role left out can no longer change the policy. Default: none (policy changes
    not denied)."""
    copy_source_account_ids: NotRequired[Sequence[str]]
    """Accounts allowed ``backup:CopyIntoBackupVault`` (for a vault receiving cross-account
    copies). Default: none."""
    copy_source_organization_id: NotRequired[Optional[str]]
    """An AWS Organization whose accounts may copy in. Default: none."""
    lock: NotRequired[Optional[VaultLockArgs]]
    """Vault Lock settings. Default: no lock."""
    policy_statements: NotRequired[Sequence[Mapping[str, Any]]]
    """Statements of your own for the vault's access policy (IAM policy elements, each with a
    ``Sid`` of its own), added after the deny-deletions and copy-in statements, e.g. read access
    for an audit role of this account. Checked by :func:`components.policies.vault_statement_problems`.
    Default: none."""
    force_destroy: NotRequired[bool]
    """Let ``pulumi destroy`` DELETE EVERY RECOVERY POINT in the vault so it can delete the vault:
    only for throwaway vaults. Needs ``protect: False`` and no ``lock``. Default: ``False``."""
    tags: NotRequired[dict[str, str]]
    """Tags for the vault. Default: none."""


def force_destroy_problems(force_destroy: bool, protect: bool, locked: bool) -> list[tuple[str, rules.Violation]]:
    """``force_destroy`` is only for a throwaway vault: never protected, never locked."""
    if not force_destroy:
        return []
    found = []
    if protect:
        found.append(
            (
                "protect",
                rules.Violation(
                    "force_destroy is for throwaway vaults, and a protected vault is never destroyed: the two together "
                    "only arm a delete-everything switch for whoever later unprotects it",
                    "set protect: false as well (a throwaway stack), or remove force_destroy",
                ),
            )
        )
    if locked:
        # AWS Backup API, PutBackupVaultLockConfiguration: Vault Lock prevents deleting any
        # recovery point before its retention ends, so force_destroy could not empty the vault.
        found.append(
            (
                "lock",
                rules.Violation(
                    "Vault Lock stops every deletion of a recovery point before its retention ends, so force_destroy "
                    "could never empty a locked vault",
                    "remove the lock from a throwaway vault, or remove force_destroy",
                ),
            )
        )
    return found


def checked_vault_policy(
    component: str,
    *,
    account_id: str,
    partition: str,
    statements: Sequence[Mapping[str, Any]],
    deny_deletions: bool = True,
    break_glass_role_arn: Optional[str] = None,
    **options: Any,
) -> str:
    """:func:`vault_access_policy` once the vault's account is known, which the statements' check
    needs: other accounts may be allowed nothing but copies into the vault. ``options``: the copy
    sources and policy admin roles, as :func:`vault_access_policy` takes them."""
    foreign = vault_statement_problems(
        statements, deny_deletions=deny_deletions, break_glass_role_arn=break_glass_role_arn, account_id=account_id
    )
    if foreign:
        listed = "\n".join(f"  - policy_statements{path}: {violation}" for path, violation in foreign)
        raise pulumi.RunError(f"{component} has invalid arguments:\n{listed}")
    return vault_access_policy(
        partition=partition,
        deny_deletions=deny_deletions,
        break_glass_role_arn=break_glass_role_arn,
        statements=statements,
        **options,
    )


class BackupVault(pulumi.ComponentResource):
    """An AWS Backup vault.

    Children: ``aws.backup.Vault`` named ``<name>`` (protected by default; force-destroyed only
    when asked for, unprotected and unlocked), ``aws.backup.VaultPolicy`` ``<name>-policy`` when
    ``deny_deletions``, copy sources or ``policy_statements`` are set, and
    ``aws.backup.VaultLockConfiguration`` ``<name>-lock`` when ``lock`` is set; all in ``region``
    when it is given.
    """

    vault: aws.backup.Vault
    """The vault resource."""
    name: pulumi.Output[str]
    """The vault's name."""
    arn: pulumi.Output[str]
    """The vault's ARN."""
    kms_key_arn: pulumi.Output[str]
    """ARN of the key that encrypts the vault."""

    def __init__(
        self,
        name: str,
        args: BackupVaultArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupVault", name, None, opts)
        key_arn = args.get("kms_key_arn")
        lock = args.get("lock")
        break_glass = args.get("break_glass_role_arn")
        source_accounts = list(args.get("copy_source_account_ids") or [])
        organization = args.get("copy_source_organization_id")
        region = args.get("region")
        checks: dict[str, Optional[rules.Violation]] = {
            "name": rules.vault_name(args["name"]),
            "region": rules.aws_region(region) if region is not None else None,
            "kms_key_arn": rules.kms_key_arn(key_arn) if isinstance(key_arn, str) else None,
            "break_glass_role_arn": rules.iam_role_arn(break_glass) if break_glass else None,
            "copy_source_organization_id": rules.organization_id(organization) if organization else None,
            "tags": rules.tags(args.get("tags") or {}),
        }
        for index, account_id in enumerate(source_accounts):
            checks[f"copy_source_account_ids[{index}]"] = rules.account_id(account_id)
        if lock:
            checks["lock"] = rules.vault_lock(
                lock["min_retention_days"], lock["max_retention_days"], lock.get("changeable_for_days")
            )
        protect = args.get("protect", True)
        force_destroy = args.get("force_destroy", False)
        deny = args.get("deny_deletions", True)
        statements = list(args.get("policy_statements") or [])
        admins = list(args.get("policy_admin_role_arns") or [])
        checks["policy_admin_role_arns"] = policy_admins_problem(admins, deny)
        lines = rules.problems(checks)
        lines += [
            f"{path}: {violation}" for path, violation in force_destroy_problems(force_destroy, protect, bool(lock))
        ]
        lines += [
            f"policy_statements{path}: {violation}"
            for path, violation in vault_statement_problems(
                statements, deny_deletions=deny, break_glass_role_arn=break_glass
            )
        ]
        rules.raise_if_any("BackupVault", name, lines)
        for warning in vault_statement_warnings(statements):
            pulumi.log.warn(f"BackupVault {name!r}: policy_statements{warning}")
        if force_destroy:
            pulumi.log.warn(
                f"BackupVault {name!r}: force_destroy is on, so `pulumi destroy` (or a replacement) DELETES EVERY "
                f"RECOVERY POINT in vault {args['name']!r} before deleting it. Use it only for a throwaway stack."
            )

        if key_arn is None:
            # The AWS-managed key of the vault's own region (lookups take a region too).
            key_arn = aws.kms.get_key_output(
                key_id=AWS_MANAGED_BACKUP_KEY_ALIAS, region=region, opts=pulumi.InvokeOutputOptions(parent=self)
            ).arn
        self.vault = aws.backup.Vault(
            name,
            region=region,
            name=args["name"],
            kms_key_arn=key_arn,
            # force_destroy deletes every recovery point with the vault: only when asked for, and
            # only for an unprotected, unlocked vault (checked above).
            force_destroy=force_destroy,
            tags=args.get("tags") or None,
            opts=child_opts(self, protect=protect),
        )
        if deny or source_accounts or organization or statements:
            account = account or AccountFacts.lookup(self)

            aws.backup.VaultPolicy(
                f"{name}-policy",
                region=region,
                backup_vault_name=self.vault.name,
                policy=pulumi.Output.all(account.account_id, account.partition).apply(
                    lambda facts: checked_vault_policy(
                        f"BackupVault {name!r}",
                        account_id=facts[0],
                        partition=facts[1],
                        deny_deletions=deny,
                        break_glass_role_arn=break_glass,
                        policy_admin_role_arns=admins,
                        copy_source_account_ids=source_accounts,
                        copy_source_organization_id=organization,
                        statements=statements,
                    )
                ),
                opts=child_opts(self),
            )
        if lock:
            aws.backup.VaultLockConfiguration(
                f"{name}-lock",
                region=region,
                backup_vault_name=self.vault.name,
                min_retention_days=lock["min_retention_days"],
                max_retention_days=lock["max_retention_days"],
                changeable_for_days=lock.get("changeable_for_days"),
                opts=child_opts(self, protect=protect),
            )
        self.name = self.vault.name
        self.arn = self.vault.arn
        self.kms_key_arn = self.vault.kms_key_arn
        self.register_outputs({"name": self.name, "arn": self.arn, "kms_key_arn": self.kms_key_arn})


__all__ = [
    "AWS_MANAGED_BACKUP_KEY_ALIAS",
    "BackupVault",
    "BackupVaultArgs",
    "VaultLockArgs",
    "checked_vault_policy",
    "force_destroy_problems",
]
