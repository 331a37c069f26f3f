"""components/org_template.py: the member-account template, checked by cfn-lint and against the per-account stacks.

The member stacks must protect and name what the per-account stacks do: the template's documents
are compared with the ones a per-account fixture stack registers, with the pseudo parameters filled
in with that stack's account, region and partition.
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from cfnlint.api import ManualArgs, lint

from components.org_template import (
    MAX_TEMPLATE_BYTES,
    instance_regions,
    member_template,
    template_body,
    template_size_problem,
)

ARCHIVE_ACCOUNT = "222222222222"


def org_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "regions": ["us-east-1", "us-west-2", "eu-west-1"],
        "targets": {"organizational_unit_ids": ["ou-ab12-cd34ef56"]},
        "vault": {
            "name": "backup-vault",
            "create_kms_key": True,
            "lock": {"min_retention_days": 7, "max_retention_days": 400, "changeable_for_days": 3},
        },
        "role": {"name": "windows-server-backup"},
        "role_region": "us-east-1",
        "plans": [
            {
                "name": "weekly",
                "rules": [{"name": "weekly", "schedule": "cron(0 18 ? * SUN *)"}],
                "selections": [{"name": "windows", "tags": {"alk:backup": "weekly"}}],
            }
        ],
        "cross_region": {
            "copy_regions": {"us-east-1": "us-west-2", "us-west-2": "us-east-1", "eu-west-1": "eu-central-1"},
            "vault_name": "backup-copies",
            "create_kms_key": True,
            "lock": {"min_retention_days": 1, "max_retention_days": 30},
        },
        "tags": {"environment": "prod"},
    }
    args.update(overrides)
    return args


def lint_errors(template: dict[str, Any], regions: list[str]) -> list[str]:
    """Everything cfn-lint finds (errors, warnings and informational findings alike)."""
    return [str(match) for match in lint(template_body(template), config=ManualArgs(regions=regions))]


def filled(node: Any, account: str, region: str, partition: str = "aws") -> Any:
    """The template's ``Fn::Sub`` strings with the pseudo parameters of one member stack filled in."""
    if isinstance(node, dict):
        if set(node) == {"Fn::Sub"}:
            return (
                node["Fn::Sub"]
                .replace("${AWS::AccountId}", account)
                .replace("${AWS::Region}", region)
                .replace("${AWS::Partition}", partition)
            )
        return {key: filled(value, account, region, partition) for key, value in node.items()}
    if isinstance(node, list):
        return [filled(item, account, region, partition) for item in node]
    return node


def test_the_full_template_is_clean_for_cfn_lint():
    args = org_args()
    assert lint_errors(member_template(args, ARCHIVE_ACCOUNT), instance_regions(args)) == []


def test_the_smallest_template_is_clean_for_cfn_lint():
    args = org_args(regions=["us-east-1"], cross_region=None, vault={"name": "backup-vault"})
    template = member_template(args)
    assert lint_errors(template, ["us-east-1"]) == []
    # One region: the vault has no condition and uses the AWS-managed key; the role keeps its condition, so
    # that adding a region never changes its definition.
    assert template["Conditions"] == {"HoldsRole": {"Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]}}
    assert sorted(template["Resources"]) == ["BackupRole", "Vault"]
    assert "Condition" not in template["Resources"]["Vault"]
    assert "EncryptionKeyArn" not in template["Resources"]["Vault"]["Properties"]


def test_the_stack_set_deploys_to_the_role_region_first_then_the_backed_up_and_the_copy_regions():
    assert instance_regions(org_args()) == ["us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]
    assert instance_regions(org_args(role_region="eu-west-1")) == [
        "eu-west-1",
        "us-east-1",
        "us-west-2",
        "eu-central-1",
    ]
    # A role region that backs nothing up still gets member stacks: the role, and no vault.
    args = org_args(role_region="ca-central-1")
    assert instance_regions(args) == ["ca-central-1", "us-east-1", "us-west-2", "eu-west-1", "eu-central-1"]
    template = member_template(args)
    assert template["Conditions"]["HoldsRole"] == {"Fn::Equals": [{"Ref": "AWS::Region"}, "ca-central-1"]}
    assert "ca-central-1" not in json.dumps(template["Conditions"]["BacksUpHere"])
    assert lint_errors(template, instance_regions(args)) == []


def test_the_role_stays_in_its_region_whatever_the_order_of_the_regions():
    args = org_args()
    reordered = org_args(regions=["eu-west-1", "us-west-2", "us-east-1"])
    # The same template: the member stacks see no change at all.
    assert template_body(member_template(reordered)) == template_body(member_template(args))
    assert member_template(reordered)["Conditions"]["HoldsRole"] == {
        "Fn::Equals": [{"Ref": "AWS::Region"}, "us-east-1"]
    }
    assert instance_regions(reordered)[0] == "us-east-1"


def test_vaults_and_keys_are_retained_when_a_member_stack_is_deleted_or_replaced():
    resources = member_template(org_args(), ARCHIVE_ACCOUNT)["Resources"]
    kept = {
        name
        for name, r in resources.items()
        if (r.get("DeletionPolicy"), r.get("UpdateReplacePolicy")) == ("Retain", "Retain")
    }
    # The role too: a member stack deleted or changed must never take AWS Backup's role with it.
    assert kept == {"Vault", "VaultKey", "CopyVault", "CopyVaultKey", "BackupRole"}
    args = org_args()
    args["vault"]["protect"] = False
    unprotected = member_template(args, ARCHIVE_ACCOUNT)["Resources"]
    assert {unprotected[name]["DeletionPolicy"] for name in kept} == {"Delete"}


def test_each_resource_exists_only_where_it_is_needed():
    template = member_template(org_args(), ARCHIVE_ACCOUNT)
    resources = template["Resources"]
    assert {name: r.get("Condition") for name, r in resources.items()} == {
        "VaultKey": "BacksUpHere",
        "VaultKeyAlias": "BacksUpHere",
        "Vault": "BacksUpHere",
        "CopyVaultKey": "ReceivesCopies",
        "CopyVaultKeyAlias": "ReceivesCopies",
        "CopyVault": "ReceivesCopies",
        # IAM is global: one region creates the role for the account.
        "BackupRole": "HoldsRole",
    }

    def equals(region: str) -> dict[str, Any]:
        return {"Fn::Equals": [{"Ref": "AWS::Region"}, region]}

    # Regions in sorted order.
    assert template["Conditions"] == {
        "BacksUpHere": {"Fn::Or": [equals("eu-west-1"), equals("us-east-1"), equals("us-west-2")]},
        "ReceivesCopies": {"Fn::Or": [equals("eu-central-1"), equals("us-east-1"), equals("us-west-2")]},
        "HoldsRole": equals("us-east-1"),
    }
    args = org_args(role_region="us-west-2")
    assert member_template(args)["Conditions"]["HoldsRole"] == equals("us-west-2")


def test_more_than_ten_regions_nest_their_conditions():
    regions = [
        "us-east-1", "us-east-2", "us-west-1", "us-west-2", "eu-west-1", "eu-west-2",
        "eu-west-3", "eu-central-1", "eu-north-1", "ap-southeast-1", "ap-southeast-2", "ap-northeast-1",
    ]  # fmt: skip
    args = org_args(
        regions=regions,
        cross_region={"copy_regions": dict.fromkeys(regions, "ca-central-1"), "vault_name": "backup-copies"},
    )
    template = member_template(args)
    backs_up = template["Conditions"]["BacksUpHere"]["Fn::Or"]
    assert [len(test.get("Fn::Or", [test])) for test in backs_up] == [10, 2]
    assert lint_errors(template, [*regions, "ca-central-1"]) == []


def test_the_vault_is_locked_denies_deletions_and_is_encrypted_with_its_key():
    properties = member_template(org_args(), ARCHIVE_ACCOUNT)["Resources"]["Vault"]["Properties"]
    assert properties["BackupVaultName"] == "backup-vault"
    assert properties["EncryptionKeyArn"] == {"Fn::GetAtt": ["VaultKey", "Arn"]}
    assert properties["LockConfiguration"] == {"MinRetentionDays": 7, "MaxRetentionDays": 400, "ChangeableForDays": 3}
    assert properties["BackupVaultTags"] == {"environment": "prod"}
    copy = member_template(org_args(), ARCHIVE_ACCOUNT)["Resources"]["CopyVault"]["Properties"]
    assert copy["LockConfiguration"] == {"MinRetentionDays": 1, "MaxRetentionDays": 30}


def test_the_break_glass_role_of_each_member_account_is_the_only_exception_to_the_deny():
    args = org_args()
    args["vault"]["break_glass_role_name"] = "BreakGlass"
    resources = member_template(args)["Resources"]
    for vault in ("Vault", "CopyVault"):
        [deny] = resources[vault]["Properties"]["AccessPolicy"]["Statement"]
        # Each member stack fills in its own account and partition: never one account's role for all.
        assert deny["Condition"] == {
            "ArnNotEquals": {
                "aws:PrincipalArn": {"Fn::Sub": "arn:${AWS::Partition}:iam::${AWS::AccountId}:role/BreakGlass"}
            }
        }
        assert filled(deny["Condition"], "111111111111", "us-east-1") == {
            "ArnNotEquals": {"aws:PrincipalArn": "arn:aws:iam::111111111111:role/BreakGlass"}
        }
    assert lint_errors(member_template(args), instance_regions(args)) == []
    args["vault"]["deny_deletions"] = False
    assert "AccessPolicy" not in member_template(args)["Resources"]["Vault"]["Properties"]


def test_the_documents_are_the_per_account_stacks_documents_for_the_member_account(fixture_run):
    """prod-east (account 111111111111, us-east-1, archive 222222222222) registers the same key
    policy, vault access policy and trust policy as a member stack of that account and region."""
    run = fixture_run("prod-east")
    args = org_args()
    resources = filled(member_template(args, ARCHIVE_ACCOUNT)["Resources"], "111111111111", "us-east-1")
    key = run.named("aws:kms/key:Key", "backup-vault-key")
    assert resources["VaultKey"]["Properties"]["KeyPolicy"] == json.loads(key.inputs["policy"])
    vault_policy = run.named("aws:backup/vaultPolicy:VaultPolicy", "backup-vault-policy")
    assert resources["Vault"]["Properties"]["AccessPolicy"] == json.loads(vault_policy.inputs["policy"])
    role = run.named("aws:iam/role:Role", "backup-restore-role")
    assert resources["BackupRole"]["Properties"]["AssumeRolePolicyDocument"] == json.loads(
        role.inputs["assumeRolePolicy"]
    )
    copy_key = run.named("aws:kms/key:Key", "backup-copy-us-west-2-key")
    west = filled(member_template(args, ARCHIVE_ACCOUNT)["Resources"], "111111111111", "us-west-2")
    assert west["CopyVaultKey"]["Properties"]["KeyPolicy"] == json.loads(copy_key.inputs["policy"])
    # The same rotation and deletion window as BackupKey.
    assert (key.inputs["enableKeyRotation"], key.inputs["deletionWindowInDays"]) == (True, 30)
    assert resources["VaultKey"]["Properties"]["EnableKeyRotation"] is True
    assert resources["VaultKey"]["Properties"]["PendingWindowInDays"] == 30


def test_the_role_trusts_aws_backup_for_its_own_account_with_the_exact_managed_policies():
    role = member_template(org_args())["Resources"]["BackupRole"]["Properties"]
    assert role["RoleName"] == "windows-server-backup"
    [trust] = role["AssumeRolePolicyDocument"]["Statement"]
    assert trust["Condition"] == {"StringEquals": {"aws:SourceAccount": {"Fn::Sub": "${AWS::AccountId}"}}}
    assert filled(role["ManagedPolicyArns"], "1", "r") == [
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
    ]
    assert role["Tags"] == [{"Key": "Name", "Value": "windows-server-backup"}, {"Key": "environment", "Value": "prod"}]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        ({"allow_restores": False}, ["service-role/AWSBackupServiceRolePolicyForBackup"]),
        (
            {"allow_s3": True},
            [
                "service-role/AWSBackupServiceRolePolicyForBackup",
                "service-role/AWSBackupServiceRolePolicyForRestores",
                # The S3 policies are not under service-role/.
                "AWSBackupServiceRolePolicyForS3Backup",
                "AWSBackupServiceRolePolicyForS3Restore",
            ],
        ),
    ],
)
def test_the_role_gets_restores_and_s3_as_the_per_account_role_does(role, expected):
    args = org_args(role={"name": "windows-server-backup", **role})
    arns = filled(member_template(args)["Resources"]["BackupRole"]["Properties"]["ManagedPolicyArns"], "1", "r")
    assert arns == [f"arn:aws:iam::aws:policy/{name}" for name in expected]


def test_a_template_holds_at_most_51200_bytes():
    assert template_size_problem("x" * MAX_TEMPLATE_BYTES) is None
    assert template_size_problem("x" * (MAX_TEMPLATE_BYTES + 1)) == (
        "the member template is 51,201 bytes; a StackSet template holds at most 51,200"
    )
    # Bytes, not characters.
    assert template_size_problem("é" * (MAX_TEMPLATE_BYTES // 2 + 1)) is not None


def vss_args(**vss: Any) -> dict[str, Any]:
    """The test args with the plan taking Windows VSS backups of the instances tagged alk:backup=weekly."""
    args = org_args(vss_instances=vss or None)
    args["plans"][0]["windows_vss"] = True
    return args


def test_the_vss_instance_side_is_the_per_account_stacks_in_every_member_account(fixture_run):
    """The seed stack's WindowsVssInstances (account 123456789012, us-east-1) registers the same trust
    policy, managed policies and association as a member stack of that account and region."""
    run = fixture_run("seed")
    template = member_template(vss_args(), ARCHIVE_ACCOUNT)
    assert lint_errors(template, instance_regions(vss_args())) == []
    resources = filled(template["Resources"], "123456789012", "us-east-1")
    role = run.named("aws:iam/role:Role", "backup-vss-instances-role")
    assert resources["VssInstanceRole"]["Properties"]["AssumeRolePolicyDocument"] == json.loads(
        role.inputs["assumeRolePolicy"]
    )
    policies = run.named(
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "backup-vss-instances-role-policies"
    )
    assert resources["VssInstanceRole"]["Properties"]["ManagedPolicyArns"] == policies.inputs["policyArns"]
    association = run.named("aws:ssm/association:Association", "backup-vss-instances-package-0").inputs
    package = resources["VssPackage1"]["Properties"]
    assert (package["Name"], package["ScheduleExpression"]) == (association["name"], association["scheduleExpression"])
    # CloudFormation writes each parameter as a list of strings.
    assert package["Parameters"] == {key: [value] for key, value in association["parameters"].items()}
    assert package["Targets"] == [{"Key": "tag:alk:backup", "Values": ["weekly"]}]


def test_the_instance_role_and_profile_live_in_the_role_region_the_association_where_plans_run():
    template = member_template(vss_args(), ARCHIVE_ACCOUNT)
    resources = template["Resources"]
    vss = {name: r for name, r in resources.items() if name.startswith("Vss")}
    assert {name: (r["Type"], r.get("Condition")) for name, r in vss.items()} == {
        "VssInstanceRole": ("AWS::IAM::Role", "HoldsRole"),
        "VssInstanceProfile": ("AWS::IAM::InstanceProfile", "HoldsRole"),
        "VssPackage1": ("AWS::SSM::Association", "BacksUpHere"),
    }
    # Retained like AWS Backup's role: the instances keep their profile whatever happens to a member stack.
    for name in ("VssInstanceRole", "VssInstanceProfile"):
        assert (vss[name]["DeletionPolicy"], vss[name]["UpdateReplacePolicy"]) == ("Retain", "Retain")
    assert vss["VssInstanceProfile"]["Properties"] == {
        "InstanceProfileName": "windows-server-backup-vss-instance",
        "Roles": [{"Ref": "VssInstanceRole"}],
    }
    assert template["Outputs"]["VssInstanceProfileName"] == {
        "Condition": "HoldsRole",
        "Value": {"Ref": "VssInstanceProfile"},
    }
    named = member_template(vss_args(instance_role_name="vss-ec2", schedule="rate(1 day)"))["Resources"]
    assert named["VssInstanceProfile"]["Properties"]["InstanceProfileName"] == "vss-ec2"
    assert named["VssPackage1"]["Properties"]["ScheduleExpression"] == "rate(1 day)"


def test_the_vss_instance_side_is_on_with_a_vss_plan_unless_turned_off():
    assert not [name for name in member_template(org_args())["Resources"] if name.startswith("Vss")]
    assert [name for name in member_template(vss_args(enabled=False))["Resources"] if name.startswith("Vss")] == []
    # One association per tag key: targets of one association are AND-ed.
    args = vss_args()
    args["plans"][0]["selections"] = [{"name": "windows", "tags": {"alk:backup": "weekly", "role": "dc"}}]
    resources = member_template(args)["Resources"]
    assert [resources[name]["Properties"]["Targets"] for name in ("VssPackage1", "VssPackage2")] == [
        [{"Key": "tag:alk:backup", "Values": ["weekly"]}],
        [{"Key": "tag:role", "Values": ["dc"]}],
    ]
