"""BackupKey: a customer-managed KMS key for a vault, rotated, protected, least privilege."""

from collections.abc import Sequence
from typing import NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts
from .policies import backup_key_policy

#: KMS waits this many days (the maximum) before deleting a key scheduled for deletion.
DELETION_WINDOW_DAYS = 30


class BackupKeyArgs(TypedDict):
    """Arguments of :class:`BackupKey`."""

    region: str
    """Region the key is created in, through the caller's provider (pulumi-aws 7's per-resource
    ``region``); its policy lets AWS Backup of that region alone use it, and other accounts only
    through that endpoint."""
    description: NotRequired[str]
    """Key description. Default: "AWS Backup vault key (<name>)"."""
    alias: NotRequired[Optional[str]]
    """Alias without the ``alias/`` prefix; aliases are unique per account and region, so the
    vault's name is a good choice. Default: the component's name."""
    copy_account_ids: NotRequired[pulumi.Input[Sequence[str]]]
    """Accounts that copy recovery points into or out of vaults using this key. Default: none."""
    copy_organization_id: NotRequired[Optional[str]]
    """An AWS Organization whose accounts may do the same. Default: none."""
    protect: NotRequired[bool]
    """Protect the key from ``pulumi destroy`` and replacement. Default: ``True``."""
    tags: NotRequired[dict[str, str]]
    """Tags for the key. Default: none."""


class BackupKey(pulumi.ComponentResource):
    """A symmetric KMS key for AWS Backup, with yearly rotation and a 30-day deletion window.

    Children, both in ``region``: ``aws.kms.Key`` named ``<name>`` (protected by default: losing
    it makes every recovery point it encrypts unreadable) and ``aws.kms.Alias`` ``alias/<alias>``.
    """

    key: aws.kms.Key
    """The key resource."""
    arn: pulumi.Output[str]
    """The key's ARN."""

    def __init__(
        self,
        name: str,
        args: BackupKeyArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupKey", name, None, opts)
        rules.raise_if_any("BackupKey", name, rules.problems({"region": rules.aws_region(args["region"])}))
        account = account or AccountFacts.lookup(self)
        copy_accounts = pulumi.Output.from_input(args.get("copy_account_ids") or [])
        organization = args.get("copy_organization_id")
        policy = pulumi.Output.all(account.partition, account.account_id, copy_accounts).apply(
            lambda facts: backup_key_policy(
                partition=facts[0],
                account_id=facts[1],
                region=args["region"],
                copy_account_ids=facts[2],
                copy_organization_id=organization,
            )
        )
        self.key = aws.kms.Key(
            name,
            # In the region its policy names, whatever the provider's region.
            region=args["region"],
            description=args.get("description") or f"AWS Backup vault key ({args.get('alias') or name})",
            enable_key_rotation=True,
            deletion_window_in_days=DELETION_WINDOW_DAYS,
            policy=policy,
            tags=args.get("tags") or None,
            opts=child_opts(self, protect=args.get("protect", True)),
        )
        aws.kms.Alias(
            f"{name}-alias",
            region=args["region"],
            name=f"alias/{args.get('alias') or name}",
            target_key_id=self.key.key_id,
            opts=child_opts(self),
        )
        self.arn = self.key.arn
        self.register_outputs({"arn": self.arn})


__all__ = ["DELETION_WINDOW_DAYS", "BackupKey", "BackupKeyArgs"]
