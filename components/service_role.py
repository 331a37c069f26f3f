"""BackupServiceRole: the IAM role AWS Backup assumes to take and restore backups."""

import json
import re
from typing import Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts

BACKUP_SERVICE_PRINCIPAL = "backup.amazonaws.com"
#: Managed policies by name; the ARN is built with the provider's partition.
BACKUP_POLICY = "service-role/AWSBackupServiceRolePolicyForBackup"
RESTORE_POLICY = "service-role/AWSBackupServiceRolePolicyForRestores"
#: The S3 policies are not under service-role/.
S3_BACKUP_POLICY = "AWSBackupServiceRolePolicyForS3Backup"
S3_RESTORE_POLICY = "AWSBackupServiceRolePolicyForS3Restore"
#: Start GuardDuty malware scans and pass the scanner role (AWS Managed Policy reference,
#: "AWSBackupServiceRolePolicyForScans"); not under service-role/ either.
SCANS_POLICY = "AWSBackupServiceRolePolicyForScans"


class BackupServiceRoleArgs(TypedDict, total=False):
    """Arguments of :class:`BackupServiceRole`. Every field is optional."""

    role_name: Optional[str]
    """Physical role name. Default: Pulumi auto-naming (the component's name plus a random
    suffix), so two stacks of this program never collide on IAM's account-wide names."""
    allow_restores: bool
    """Also attach AWSBackupServiceRolePolicyForRestores. Default: ``True``."""
    allow_s3: bool
    """Also attach the S3 backup (and, with ``allow_restores``, restore) policies, needed only
    when S3 buckets are selected. Default: ``False``."""
    allow_scans: bool
    """Also attach AWSBackupServiceRolePolicyForScans, needed when the plans scan recovery points
    for malware. Default: ``False``."""
    tags: dict[str, str]
    """Tags for the role. A ``Name`` tag (the role name, or the component name when the role is
    auto-named) is added unless given, as in the article. Default: just that ``Name`` tag."""


def managed_policy_arn(partition: str, policy: str) -> str:
    """ARN of an AWS managed policy, e.g. ``arn:aws:iam::aws:policy/service-role/...``."""
    return f"arn:{partition}:iam::aws:policy/{policy}"


def trust_policy(account_id: str) -> str:
    """Trust policy: AWS Backup may assume the role, on behalf of this account only."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Effect": "Allow",
                    "Principal": {"Service": BACKUP_SERVICE_PRINCIPAL},
                    "Action": "sts:AssumeRole",
                    # Confused-deputy guard: only AWS Backup acting for this account.
                    "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
                }
            ],
        },
        indent=2,
    )


class BackupServiceRole(pulumi.ComponentResource):
    """The service role for AWS Backup, with the AWS managed backup (and restore) policies.

    Children: ``aws.iam.Role`` named ``<name>`` and ``aws.iam.RolePolicyAttachmentsExclusive``
    named ``<name>-policies``, which owns the role's managed policy list exactly as the article's
    ``aws_iam_role_policy_attachments_exclusive``. Looks up the account and partition unless
    given them.
    """

    role: aws.iam.Role
    """The role resource."""
    arn: pulumi.Output[str]
    """The role's ARN (what selections use)."""
    role_name: pulumi.Output[str]
    """The role's name."""

    def __init__(
        self,
        name: str,
        args: BackupServiceRoleArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupServiceRole", name, None, opts)
        role_name = args.get("role_name")
        # A role name may hold a ',' that a tag value may not: the Name tag gets a '-' instead.
        tags = {"Name": re.sub(r"[^\w .:/=+\-@]", "-", role_name or name), **(args.get("tags") or {})}
        rules.raise_if_any(
            "BackupServiceRole",
            name,
            rules.problems(
                {
                    "role_name": rules.iam_role_name(role_name) if role_name else None,
                    "tags": rules.tags(tags),
                }
            ),
        )
        account = account or AccountFacts.lookup(self)
        account_id, partition = account.account_id, account.partition

        self.role = aws.iam.Role(
            name,
            name=role_name,
            assume_role_policy=account_id.apply(trust_policy),
            tags=tags,
            opts=child_opts(self),
        )
        restores, s3 = args.get("allow_restores", True), args.get("allow_s3", False)
        policies = [BACKUP_POLICY] + ([RESTORE_POLICY] if restores else [])
        policies += ([S3_BACKUP_POLICY] + ([S3_RESTORE_POLICY] if restores else [])) if s3 else []
        policies += [SCANS_POLICY] if args.get("allow_scans", False) else []
        aws.iam.RolePolicyAttachmentsExclusive(
            f"{name}-policies",
            role_name=self.role.name,
            policy_arns=partition.apply(lambda p: [managed_policy_arn(p, policy) for policy in policies]),
            opts=child_opts(self),
        )
        self.arn = self.role.arn
        self.role_name = self.role.name
        self.register_outputs({"arn": self.arn, "role_name": self.role_name})


__all__ = [
    "BACKUP_POLICY",
    "BACKUP_SERVICE_PRINCIPAL",
    "RESTORE_POLICY",
    "S3_BACKUP_POLICY",
    "S3_RESTORE_POLICY",
    "SCANS_POLICY",
    "BackupServiceRole",
    "BackupServiceRoleArgs",
    "managed_policy_arn",
    "trust_policy",
]
