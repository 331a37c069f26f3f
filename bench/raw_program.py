"""The baseline: the seed's resources as a flat program of raw pulumi-aws calls.

No components, no validation, no warnings: it reads the same stack config with plain
``pulumi.Config`` and registers the same AWS resources with the same inputs as the real
program (a vault on the ``aws/backup`` key with its deny-deletions policy, the service role and
its managed policies, and per plan an ``aws.backup.Plan`` with its ``aws.backup.Selection``),
making the same three lookups (tests/test_bench.py holds the two to that). The benchmark runs
it as ``__main__`` with runpy, just as the real ``__main__.py`` is run. It only understands
what the benchmark generates: tag selections and the rule fields in ``workload.plan_set``.
"""

import pulumi
import pulumi_aws as aws
from baseline_inputs import VAULT_POLICY, managed_policy_arns, plan_rules, selection_tags, trust_policy

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

aws.backup.VaultPolicy("backup-vault-policy", backup_vault_name=vault.name, policy=VAULT_POLICY)

account_id = aws.get_caller_identity_output().account_id
partition = aws.get_partition_output().partition


role = aws.iam.Role(
    "backup-restore-role",
    assume_role_policy=account_id.apply(trust_policy),
    tags={"Name": "backup-restore-role"},
)
aws.iam.RolePolicyAttachmentsExclusive(
    "backup-restore-role-policies",
    role_name=role.name,
    policy_arns=partition.apply(managed_policy_arns),
)

exported_plans = {}
for plan_config in plans:
    plan_name = plan_config["name"]
    plan = aws.backup.Plan(
        f"backup-{plan_name}",
        name=plan_name,
        rules=plan_rules(plan_config, vault.name),
    )
    selections = {}
    for selection_config in plan_config["selections"]:
        selection_name = selection_config.get("name", plan_name)
        selection = aws.backup.Selection(
            f"backup-{plan_name}-{selection_name}",
            name=selection_name,
            plan_id=plan.id,
            iam_role_arn=role.arn,
            selection_tags=selection_tags(selection_config["tags"]),
        )
        selections[selection_name] = selection.id
    exported_plans[plan_name] = {"id": plan.id, "arn": plan.arn, "selections": selections}

pulumi.export("region", pulumi.Config("aws").require("region"))
pulumi.export("vault_name", vault.name)
pulumi.export("vault_arn", vault.arn)
pulumi.export("role_arn", role.arn)
pulumi.export("plans", exported_plans)
