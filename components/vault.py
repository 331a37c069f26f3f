"""BackupVault: the AWS Backup vault that holds recovery points, and the key that encrypts it."""

from __future__ import annotations

from typing import Optional, TypedDict

import pulumi
import pulumi_aws as aws
from typing_extensions import NotRequired

from . import rules
from ._types import TYPE_PREFIX, child_opts

#: Alias of the AWS-managed key AWS Backup uses when no customer-managed key is given.
AWS_MANAGED_BACKUP_KEY_ALIAS = "alias/aws/backup"


class BackupVaultArgs(TypedDict):
    """Arguments of :class:`BackupVault`."""

    name: str
    """Vault name, 2-50 letters, digits, '-' or '_'. Part of the vault's identity: changing it
    replaces the vault."""
    kms_key_arn: NotRequired[Optional[pulumi.Input[str]]]
    """ARN of the KMS key that encrypts recovery points. Default: the AWS-managed
    ``aws/backup`` key of the provider's region, looked up once (as the article does). Use a
    customer-managed key for copies into another account."""
    protect: NotRequired[bool]
    """Protect the vault from ``pulumi destroy`` and from replacement. Default: ``True``."""
    tags: NotRequired[dict[str, str]]
    """Tags for the vault. Default: none."""


class BackupVault(pulumi.ComponentResource):
    """An AWS Backup vault.

    Children: ``aws.backup.Vault`` named ``<name>``, protected by default and never
    force-destroyed (a vault holding recovery points is never emptied by Pulumi).
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
        self, name: str, args: BackupVaultArgs, opts: Optional[pulumi.ResourceOptions] = None
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupVault", name, None, opts)
        key_arn = args.get("kms_key_arn")
        rules.raise_if_any(
            "BackupVault",
            name,
            rules.problems(
                {
                    "name": rules.vault_name(args["name"]),
                    "kms_key_arn": rules.kms_key_arn(key_arn) if isinstance(key_arn, str) else None,
                    "tags": rules.tags(args.get("tags") or {}),
                }
            ),
        )
        if key_arn is None:
            key_arn = aws.kms.get_key_output(
                key_id=AWS_MANAGED_BACKUP_KEY_ALIAS, opts=pulumi.InvokeOutputOptions(parent=self)
            ).arn

        self.vault = aws.backup.Vault(
            name,
            name=args["name"],
            kms_key_arn=key_arn,
            # force_destroy would delete every recovery point with the vault: never.
            force_destroy=False,
            tags=args.get("tags") or None,
            opts=child_opts(self, protect=args.get("protect", True)),
        )
        self.name = self.vault.name
        self.arn = self.vault.arn
        self.kms_key_arn = self.vault.kms_key_arn
        self.register_outputs({"name": self.name, "arn": self.arn, "kms_key_arn": self.kms_key_arn})


__all__ = ["AWS_MANAGED_BACKUP_KEY_ALIAS", "BackupVault", "BackupVaultArgs"]
