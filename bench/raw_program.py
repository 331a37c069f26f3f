"""The baseline: the seed's resources as a flat program of raw pulumi-aws calls.

No components, no validation, no warnings: it reads the same stack config with plain
``pulumi.Config`` and registers the same AWS resources with the same inputs as the real
program (a vault on the ``aws/backup`` key, the service role and its managed policies, and per
plan an ``aws.backup.Plan`` with its ``aws.backup.Selection``), making the same three lookups.
The benchmark runs it as ``__main__`` with runpy, just as the real ``__main__.py`` is run.
It only understands what the benchmark generates: tag selections and the rule fields in
``workload.plan_set``.
"""

import json

import pulumi
import pulumi_aws as aws

config = pulumi.Config()
vault_config = config.require_object("vault")
plans = config.require_object("plans")

key = aws.kms.get_key_output(key_id="alias/aws/backup")
vault = aws.backup.Vault(
    "backup-vault",
    name=vault_config["name"],
    kms_key_arn=key.arn,
    force_destroy=False,
    opts=pulumi.ResourceOptions(protect=True),
)

account_id = aws.get_caller_identity_output().account_id
partition = aws.get_partition_output().partition


def trust_policy(account: str) -> str:
    """AWS Backup may assume the role, for this account only (as the real program's role)."""
    statement = {
        "Effect": "Allow",
        "Principal": {"Service": "backup.amazonaws.com"},
        "Action": "sts:AssumeRole",
        "Condition": {"StringEquals": {"aws:SourceAccount": account}},
    }
    return json.dumps({"Version": "2012-10-17", "Statement": [statement]}, indent=2)


role = aws.iam.Role(
    "backup-restore-role",
    assume_role_policy=account_id.apply(trust_policy),
    tags={"Name": "backup-restore-role"},
)
aws.iam.RolePolicyAttachmentsExclusive(
    "backup-restore-role-policies",
    role_name=role.name,
    policy_arns=partition.apply(
        lambda p: [
            f"arn:{p}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
            f"arn:{p}:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        ]
    ),
)

exported_plans = {}
for plan_config in plans:
    plan_name = plan_config["name"]
    plan = aws.backup.Plan(
        f"backup-{plan_name}",
        name=plan_name,
        rules=[
            aws.backup.PlanRuleArgs(
                rule_name=rule.get("name", plan_name),
                target_vault_name=vault.name,
                schedule=rule["schedule"],
                start_window=rule["start_window_minutes"],
                completion_window=rule["completion_window_minutes"],
                enable_continuous_backup=False,
                lifecycle=aws.backup.PlanRuleLifecycleArgs(delete_after=rule["delete_after_days"]),
                recovery_point_tags={},
            )
            for rule in plan_config["rules"]
        ],
    )
    selections = {}
    for selection_config in plan_config["selections"]:
        selection_name = selection_config.get("name", plan_name)
        selection = aws.backup.Selection(
            f"backup-{plan_name}-{selection_name}",
            name=selection_name,
            plan_id=plan.id,
            iam_role_arn=role.arn,
            selection_tags=[
                aws.backup.SelectionSelectionTagArgs(type="STRINGEQUALS", key=tag_key, value=tag_value)
                for tag_key, tag_value in selection_config["tags"].items()
            ],
        )
        selections[selection_name] = selection.id
    exported_plans[plan_name] = {"id": plan.id, "arn": plan.arn, "selections": selections}

pulumi.export("region", pulumi.Config("aws").require("region"))
pulumi.export("vault_name", vault.name)
pulumi.export("vault_arn", vault.arn)
pulumi.export("role_arn", role.arn)
pulumi.export("plans", exported_plans)
