"""The inputs both baselines send, written out as the real program sends them.

Plain pulumi-aws, no project code: the baselines must not import the components (their
imports are part of what the benchmark measures). tests/test_bench.py checks the baselines'
resources against the real program's, input by input.
"""

import json
from typing import Any

import pulumi
import pulumi_aws as aws

#: The vault's access policy: nobody may delete recovery points or the vault (the real
#: program's default, without a break-glass role).
VAULT_POLICY = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "DenyRecoveryPointDeletion",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": [
                    "backup:DeleteRecoveryPoint",
                    "backup:UpdateRecoveryPointLifecycle",
                    "backup:DeleteBackupVault",
                ],
                "Resource": "*",
            }
        ],
    },
    indent=2,
)


def trust_policy(account: str) -> str:
    """AWS Backup may assume the role, for this account only."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


def managed_policy_arns(partition: str) -> list[str]:
    """The AWS managed policies of the backup role: backups and restores."""
    return [
        f"arn:{partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        f"arn:{partition}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]


def plan_rules(plan: dict[str, Any], vault_name: pulumi.Input[str]) -> list[aws.backup.PlanRuleArgs]:
    """The rules of a generated plan (``workload.plan_set``), with the real program's explicit defaults."""
    return [
        aws.backup.PlanRuleArgs(
            rule_name=rule.get("name", plan["name"]),
            target_vault_name=vault_name,
            schedule=rule["schedule"],
            start_window=rule["start_window_minutes"],
            completion_window=rule["completion_window_minutes"],
            enable_continuous_backup=False,
            lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=rule["delete_after_days"]),
            recovery_point_tags={},
        )
        for rule in plan["rules"]
    ]


def selection_tags(tags: dict[str, str]) -> list[aws.backup.SelectionSelectionTagArgs]:
    """A tag selection: any resource with one of these tags and values."""
    return [
        aws.backup.SelectionSelectionTagArgs(type="STRINGEQUALS", key=key, value=value) for key, value in tags.items()
    ]
