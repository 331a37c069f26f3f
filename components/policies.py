"""Policy documents for vaults and keys, as plain functions of plain values (easy to test and lint).

Every document is least privilege: each statement names who, what and under which condition.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any, Optional

from .account import root_arn

#: What nobody but the break-glass role may do to a vault's recovery points (or the vault).
PROTECTED_VAULT_ACTIONS = (
    "backup:DeleteRecoveryPoint",
    "backup:UpdateRecoveryPointLifecycle",
    "backup:DeleteBackupVault",
)
#: What a source account needs on a destination vault to copy into it.
COPY_INTO_VAULT_ACTION = "backup:CopyIntoBackupVault"
#: What another account's AWS Backup needs on a key to copy recovery points encrypted with it.
KEY_USE_FOR_COPIES = (
    "kms:Decrypt",
    "kms:DescribeKey",
    "kms:Encrypt",
    "kms:GenerateDataKey*",
    "kms:ReEncrypt*",
)


def _document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


def _copy_principals(
    partition: str, source_account_ids: Sequence[str], organization_id: Optional[str]
) -> tuple[Any, dict[str, Any]]:
    """Principal and extra condition for "these source accounts" or "this organization"."""
    if organization_id:
        # Any principal, but only from inside the organization: org-wide without listing accounts.
        return "*", {"StringEquals": {"aws:PrincipalOrgID": organization_id}}
    return {"AWS": sorted(root_arn(partition, account) for account in source_account_ids)}, {}


def vault_access_policy(
    *,
    partition: str,
    deny_deletions: bool = True,
    break_glass_role_arn: Optional[str] = None,
    copy_source_account_ids: Sequence[str] = (),
    copy_source_organization_id: Optional[str] = None,
) -> str:
    """Access policy for a vault: deletions denied to all but the break-glass role; copies in allowed.

    ``deny_deletions``: deny the :data:`PROTECTED_VAULT_ACTIONS` to every principal except
    ``break_glass_role_arn`` (AWS Backup's own lifecycle expiry is not affected).
    ``copy_source_*`` (for a vault that receives copies from other accounts): allow exactly
    ``backup:CopyIntoBackupVault`` to those accounts or that organization, nothing more.
    """
    statements: list[dict[str, Any]] = []
    if deny_deletions:
        deny: dict[str, Any] = {
            "Sid": "DenyRecoveryPointDeletion",
            "Effect": "Deny",
            "Principal": {"AWS": "*"},
            "Action": list(PROTECTED_VAULT_ACTIONS),
            "Resource": "*",
        }
        if break_glass_role_arn:
            deny["Condition"] = {"ArnNotEquals": {"aws:PrincipalArn": break_glass_role_arn}}
        statements.append(deny)
    if copy_source_account_ids or copy_source_organization_id:
        principal, condition = _copy_principals(partition, copy_source_account_ids, copy_source_organization_id)
        allow: dict[str, Any] = {
            "Sid": "AllowCopyIntoFromSourceAccounts",
            "Effect": "Allow",
            "Principal": principal,
            "Action": COPY_INTO_VAULT_ACTION,
            "Resource": "*",
        }
        if condition:
            allow["Condition"] = condition
        statements.append(allow)
    return _document(statements)


def backup_key_policy(
    *,
    partition: str,
    account_id: str,
    region: str,
    copy_account_ids: Sequence[str] = (),
    copy_organization_id: Optional[str] = None,
) -> str:
    """Key policy for a vault's customer-managed key.

    - the account itself administers the key through IAM (the default KMS key policy statement,
      without which the key could become unmanageable);
    - AWS Backup in this account and region may use it (``kms:ViaService``);
    - the accounts that copies come from or go to may use it only through AWS Backup in
      ``region``, never directly.
    """
    via_backup = {"StringEquals": {"kms:ViaService": f"backup.{region}.amazonaws.com"}}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "AccountAdministersKeyThroughIam",
            "Effect": "Allow",
            "Principal": {"AWS": root_arn(partition, account_id)},
            "Action": "kms:*",
            "Resource": "*",
        },
        {
            "Sid": "AwsBackupInThisAccountUsesKey",
            "Effect": "Allow",
            "Principal": {"AWS": "*"},
            "Action": [*KEY_USE_FOR_COPIES, "kms:CreateGrant"],
            "Resource": "*",
            "Condition": {
                "StringEquals": {
                    "kms:ViaService": f"backup.{region}.amazonaws.com",
                    "kms:CallerAccount": account_id,
                }
            },
        },
    ]
    if copy_account_ids or copy_organization_id:
        principal, org_condition = _copy_principals(partition, copy_account_ids, copy_organization_id)
        condition: dict[str, Any] = {
            "StringEquals": {**via_backup["StringEquals"], **org_condition.get("StringEquals", {})}
        }
        statements.append(
            {
                "Sid": "CopyAccountsUseKeyThroughAwsBackup",
                "Effect": "Allow",
                "Principal": principal,
                "Action": list(KEY_USE_FOR_COPIES),
                "Resource": "*",
                "Condition": condition,
            }
        )
        statements.append(
            {
                "Sid": "CopyAccountsGrantToAwsServicesOnly",
                "Effect": "Allow",
                "Principal": principal,
                "Action": "kms:CreateGrant",
                "Resource": "*",
                "Condition": {**condition, "Bool": {"kms:GrantIsForAWSResource": "true"}},
            }
        )
    return _document(statements)


def notification_key_policy(*, partition: str, account_id: str) -> str:
    """Key policy for the notification topic's key: AWS Backup and EventBridge may encrypt to it.

    An SNS topic encrypted with the AWS-managed ``aws/sns`` key cannot receive messages from
    AWS services, hence a customer-managed key whose policy names them, for this account only.
    """
    return _document(
        [
            {
                "Sid": "AccountAdministersKeyThroughIam",
                "Effect": "Allow",
                "Principal": {"AWS": root_arn(partition, account_id)},
                "Action": "kms:*",
                "Resource": "*",
            },
            {
                "Sid": "BackupAndEventBridgePublishEncrypted",
                "Effect": "Allow",
                "Principal": {"Service": ["backup.amazonaws.com", "events.amazonaws.com"]},
                "Action": ["kms:Decrypt", "kms:GenerateDataKey*"],
                "Resource": "*",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            },
        ]
    )


def notification_topic_policy(*, topic_arn: str, account_id: str) -> str:
    """Topic policy: AWS Backup and EventBridge may publish, on behalf of this account only."""
    return _document(
        [
            {
                "Sid": "BackupAndEventBridgePublish",
                "Effect": "Allow",
                "Principal": {"Service": ["backup.amazonaws.com", "events.amazonaws.com"]},
                "Action": "SNS:Publish",
                "Resource": topic_arn,
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ]
    )
