"""The components used straight from code, as another Pulumi program would, without stack config."""

from __future__ import annotations

import json

import pulumi
import pulumi_aws as aws
import pytest

from components import (
    ArchiveVault,
    BackupPlan,
    BackupSelection,
    BackupServiceRole,
    BackupVault,
    CrossRegionCopy,
    WindowsServerBackup,
)
from offline import OFFLINE_ACCOUNT_ID
from offline.engine import OfflineMockError

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
ROLE_ARN = "arn:aws:iam::123456789012:role/existing-backup-role"


def test_vault_with_a_given_key_makes_no_key_lookup(run_components):
    run = run_components(
        lambda: BackupVault("v", {"name": "my-vault", "kms_key_arn": KEY_ARN, "deny_deletions": False})
    )
    assert run.error is None
    [vault] = run.of_type("aws:backup/vault:Vault")
    assert vault.inputs == {"name": "my-vault", "kmsKeyArn": KEY_ARN, "forceDestroy": False}
    assert vault.protect is True
    assert run.invocations == []
    assert not run.of_type("aws:backup/vaultPolicy:VaultPolicy")


def test_vault_protection_can_be_turned_off_for_throwaway_stacks(run_components):
    run = run_components(lambda: BackupVault("v", {"name": "scratch", "kms_key_arn": KEY_ARN, "protect": False}))
    assert run.named("aws:backup/vault:Vault", "v").protect is False


def test_vault_lock_and_break_glass(run_components):
    def program():
        BackupVault(
            "v",
            {
                "name": "locked",
                "kms_key_arn": KEY_ARN,
                "break_glass_role_arn": ROLE_ARN,
                "lock": {"min_retention_days": 7, "max_retention_days": 35, "changeable_for_days": 3},
            },
        )

    run = run_components(program)
    lock = run.named("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "v-lock")
    assert lock.inputs == {
        "backupVaultName": "locked",
        "minRetentionDays": 7,
        "maxRetentionDays": 35,
        "changeableForDays": 3,
    }
    assert lock.protect is True
    [deny] = json.loads(run.named("aws:backup/vaultPolicy:VaultPolicy", "v-policy").inputs["policy"])["Statement"]
    assert deny["Effect"] == "Deny"
    assert deny["Condition"] == {"ArnNotEquals": {"aws:PrincipalArn": ROLE_ARN}}


def test_plan_with_two_rules_time_zone_and_copy(run_components):
    destination = "arn:aws:backup:us-west-2:123456789012:backup-vault:elsewhere"

    def program():
        BackupPlan(
            "p",
            {
                "name": "daily-and-monthly",
                "vault_name": "my-vault",
                "rules": [
                    {
                        "name": "daily",
                        "schedule": "cron(0 5 ? * * *)",
                        "schedule_timezone": "Europe/Berlin",
                        "delete_after_days": 7,
                    },
                    {
                        "name": "monthly",
                        "schedule": "cron(0 5 1 * ? *)",
                        "start_window_minutes": 120,
                        "completion_window_minutes": 600,
                        "delete_after_days": 400,
                        "cold_storage_after_days": 30,
                        "opt_in_to_archive": True,
                        "recovery_point_tags": {"kind": "monthly"},
                        "copy_actions": [{"destination_vault_arn": destination, "delete_after_days": 200}],
                    },
                ],
            },
        )

    run = run_components(program)
    plan = run.named("aws:backup/plan:Plan", "p")
    assert "advancedBackupSettings" not in plan.inputs
    assert plan.inputs["rules"] == [
        {
            "ruleName": "daily",
            "targetVaultName": "my-vault",
            "schedule": "cron(0 5 ? * * *)",
            "scheduleExpressionTimezone": "Europe/Berlin",
            "startWindow": 60,
            "completionWindow": 1440,
            "enableContinuousBackup": False,
            "lifecycle": {"deleteAfter": 7},
            "recoveryPointTags": {},
        },
        {
            "ruleName": "monthly",
            "targetVaultName": "my-vault",
            "schedule": "cron(0 5 1 * ? *)",
            "startWindow": 120,
            "completionWindow": 600,
            "enableContinuousBackup": False,
            "lifecycle": {"deleteAfter": 400, "coldStorageAfter": 30, "optInToArchiveForSupportedResources": True},
            "recoveryPointTags": {"kind": "monthly"},
            # The copy keeps its own retention and inherits the rule's cold storage setting.
            "copyActions": [
                {
                    "destinationVaultArn": destination,
                    "lifecycle": {
                        "deleteAfter": 200,
                        "coldStorageAfter": 30,
                        "optInToArchiveForSupportedResources": True,
                    },
                }
            ],
        },
    ]


def test_selection_by_arn_condition_and_exclusion(run_components):
    def program():
        BackupSelection(
            "s",
            {
                "name": "prod-volumes",
                "plan_id": "plan-123",
                "role_arn": ROLE_ARN,
                "resources": ["arn:aws:ec2:us-east-1:123456789012:volume/*"],
                "not_resources": ["arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"],
                "conditions": {"string_equals": {"env": "prod"}, "string_not_like": {"team": "test*"}},
            },
        )

    run = run_components(program)
    selection = run.named("aws:backup/selection:Selection", "s")
    assert selection.inputs == {
        "name": "prod-volumes",
        "planId": "plan-123",
        "iamRoleArn": ROLE_ARN,
        "resources": ["arn:aws:ec2:us-east-1:123456789012:volume/*"],
        "notResources": ["arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"],
        "conditions": [
            {
                "stringEquals": [{"key": "aws:ResourceTag/env", "value": "prod"}],
                "stringNotLikes": [{"key": "aws:ResourceTag/team", "value": "test*"}],
            }
        ],
    }


def test_empty_selection_is_refused_before_registering(run_components):
    run = run_components(lambda: BackupSelection("s", {"name": "everything", "plan_id": "p", "role_arn": ROLE_ARN}))
    assert isinstance(run.error, pulumi.RunError)
    assert "an empty selection backs up every opted-in resource" in str(run.error)
    assert "resources=['*']" in str(run.error)
    assert not run.of_type("aws:backup/selection:Selection")


def test_invalid_component_arguments_list_every_problem(run_components):
    def program():
        BackupPlan(
            "p",
            {
                "name": "bad name",
                "vault_name": "v",
                "rules": [{"name": "r", "schedule": "rate(1 day)", "start_window_minutes": 10, "delete_after_days": 0}],
            },
        )

    run = run_components(program)
    message = str(run.error)
    assert "BackupPlan 'p' has invalid arguments" in message
    for path in ("name:", "rules[0].schedule:", "rules[0].start_window_minutes:", "rules[0].lifecycle:"):
        assert path in message
    assert not run.of_type("aws:backup/plan:Plan")


def test_role_without_restores_and_with_a_pinned_name(run_components):
    run = run_components(lambda: BackupServiceRole("r", {"role_name": "backup-only", "allow_restores": False}))
    role = run.named("aws:iam/role:Role", "r")
    assert role.inputs["name"] == "backup-only"
    assert role.inputs["tags"] == {"Name": "backup-only"}
    attachments = run.named("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "r-policies")
    assert attachments.inputs["policyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"
    ]


def test_role_arns_follow_the_partition(run_components):
    run = run_components(lambda: BackupServiceRole("r", {}), region="us-gov-west-1")
    attachments = run.named("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "r-policies")
    assert all(
        arn.startswith("arn:aws-us-gov:iam::aws:policy/service-role/") for arn in attachments.inputs["policyArns"]
    )


def test_cross_region_copy_places_every_child_in_its_region_on_the_callers_provider(run_components):
    run = run_components(
        lambda: CrossRegionCopy(
            "copy",
            {"source_region": "us-east-1", "region": "us-west-2", "vault_name": "copies", "create_kms_key": True},
        )
    )
    assert run.error is None, run.error
    assert not run.of_type("pulumi:providers:aws")
    children = {(r.type, r.name): r for r in run.resources if r.custom}
    assert set(children) == {
        ("aws:kms/key:Key", "copy-key"),
        ("aws:kms/alias:Alias", "copy-key-alias"),
        ("aws:backup/vault:Vault", "copy-vault"),
        ("aws:backup/vaultPolicy:VaultPolicy", "copy-vault-policy"),
    }
    for resource in children.values():
        assert resource.inputs["region"] == "us-west-2", resource.name
        assert resource.provider == "", resource.name  # the caller's (here the default) provider
    # Account and partition are global lookups: no region argument, asked once.
    assert sorted((i.token, tuple(i.args)) for i in run.invocations) == [
        ("aws:index/getCallerIdentity:getCallerIdentity", ()),
        ("aws:index/getPartition:getPartition", ()),
    ]
    vault = children[("aws:backup/vault:Vault", "copy-vault")]
    assert vault.outputs["arn"] == f"arn:aws:backup:us-west-2:{OFFLINE_ACCOUNT_ID}:backup-vault:copies"
    assert vault.inputs["kmsKeyArn"].startswith(f"arn:aws:kms:us-west-2:{OFFLINE_ACCOUNT_ID}:key/")


def test_cross_region_copy_looks_up_the_managed_key_of_its_region(run_components):
    run = run_components(
        lambda: CrossRegionCopy("copy", {"source_region": "us-east-1", "region": "eu-west-1", "vault_name": "copies"})
    )
    assert run.error is None, run.error
    [lookup] = [i for i in run.invocations if i.token == "aws:kms/getKey:getKey"]
    assert lookup.args == {"keyId": "alias/aws/backup", "region": "eu-west-1"}
    vault = run.named("aws:backup/vault:Vault", "copy-vault")
    assert vault.inputs["kmsKeyArn"].startswith(f"arn:aws:kms:eu-west-1:{OFFLINE_ACCOUNT_ID}:key/")


def test_cross_region_copy_keeps_the_callers_provider_and_account(run_components):
    """A caller's explicit provider (another account, say) still carries copy B; only the region is per resource."""

    def program():
        other = aws.Provider("other-account", region="us-east-1", allowed_account_ids=["999999999999"])
        CrossRegionCopy(
            "copy",
            {"source_region": "us-east-1", "region": "us-west-2", "vault_name": "copies"},
            pulumi.ResourceOptions(provider=other),
        )

    run = run_components(program)
    [provider] = run.of_type("pulumi:providers:aws")
    vault = run.named("aws:backup/vault:Vault", "copy-vault")
    assert vault.provider.startswith(provider.urn)
    assert vault.inputs["region"] == "us-west-2"
    assert vault.outputs["arn"] == "arn:aws:backup:us-west-2:999999999999:backup-vault:copies"


@pytest.mark.parametrize(
    ("region", "message"),
    [
        ("us-west-9", "region: not a region where AWS Backup runs"),
        ("cn-north-1", "region: copies cannot leave a partition: us-east-1 is in aws, cn-north-1 in aws-cn"),
    ],
)
def test_cross_region_copy_region_is_real_and_in_the_partition(run_components, region, message):
    run = run_components(
        lambda: CrossRegionCopy("copy", {"source_region": "us-east-1", "region": region, "vault_name": "c"})
    )
    assert message in str(run.error)
    assert run.resources == [r for r in run.resources if not r.custom]


def test_cross_region_copy_must_leave_the_region(run_components):
    run = run_components(
        lambda: CrossRegionCopy("copy", {"source_region": "us-east-1", "region": "us-east-1", "vault_name": "c"})
    )
    assert "a cross-region copy must leave us-east-1" in str(run.error)


def test_cross_region_copy_into_an_existing_vault_creates_nothing(run_components):
    existing = "arn:aws:backup:us-west-2:123456789012:backup-vault:theirs"
    run = run_components(
        lambda: pulumi.export(
            "arn",
            CrossRegionCopy(
                "copy", {"source_region": "us-east-1", "region": "us-west-2", "existing_vault_arn": existing}
            ).vault_arn,
        )
    )
    assert [r for r in run.resources if r.custom] == []
    assert run.outputs["arn"] == existing


def test_air_gapped_archive_vault_for_an_organization(run_components):
    run = run_components(
        lambda: ArchiveVault(
            "a",
            {
                "vault_name": "air-gapped",
                "region": "us-east-1",
                "source_organization_id": "o-a1b2c3d4e5",
                "min_retention_days": 7,
                "max_retention_days": 365,
                "air_gapped": True,
            },
        )
    )
    vault = run.named("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault", "a-vault")
    assert vault.inputs == {"region": "us-east-1", "name": "air-gapped", "minRetentionDays": 7, "maxRetentionDays": 365}
    assert vault.protect is True
    assert not run.of_type("aws:kms/key:Key")
    statements = json.loads(run.named("aws:backup/vaultPolicy:VaultPolicy", "a-vault-policy").inputs["policy"])[
        "Statement"
    ]
    assert statements[1] == {
        "Sid": "AllowCopyIntoFromSourceAccounts",
        "Effect": "Allow",
        "Principal": "*",
        "Action": "backup:CopyIntoBackupVault",
        "Resource": "*",
        "Condition": {"StringEquals": {"aws:PrincipalOrgID": "o-a1b2c3d4e5"}},
    }


def test_air_gapped_vault_needs_seven_days(run_components):
    run = run_components(
        lambda: ArchiveVault(
            "a",
            {
                "vault_name": "ag",
                "region": "us-east-1",
                "source_account_ids": ["111111111111"],
                "min_retention_days": 6,
                "max_retention_days": 30,
                "air_gapped": True,
            },
        )
    )
    assert "at least 7 days" in str(run.error)


def test_top_level_with_an_existing_role(run_components):
    def program():
        WindowsServerBackup(
            "b",
            {
                "region": "us-east-1",
                "vault": {"name": "v1", "kms_key_arn": KEY_ARN},
                "existing_role_arn": ROLE_ARN,
                "plans": [
                    {
                        "name": "p1",
                        "rules": [{"name": "r1", "schedule": "cron(0 1 ? * * *)", "delete_after_days": 3}],
                        "selections": [{"name": "s1", "tags": {"backup": "daily"}}],
                    }
                ],
            },
        )

    run = run_components(program)
    assert not run.of_type("aws:iam/role:Role")
    assert run.named("aws:backup/selection:Selection", "b-p1-s1").inputs["iamRoleArn"] == ROLE_ARN


@pytest.mark.parametrize("token", ["aws:ec2/getAmi:getAmi", "aws:index/getRegion:getRegion"])
def test_the_offline_engine_refuses_lookups_it_does_not_know(run_components, token):
    with pytest.raises(OfflineMockError, match="no mock for lookup"):
        run_components(lambda: pulumi.runtime.invoke(token, {}))


def test_the_offline_engine_refuses_resource_types_it_does_not_know(run_components):
    with pytest.raises(OfflineMockError, match="no mock for resource type 'aws:sqs/queue:Queue'"):
        run_components(lambda: aws.sqs.Queue("q"))


def test_role_gets_the_s3_policies_only_when_asked_with_their_exact_arns(run_components):
    run = run_components(lambda: BackupServiceRole("r", {"allow_s3": True}))
    attachments = run.named("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "r-policies")
    assert attachments.inputs["policyArns"] == [
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores",
        # Not under service-role/, unlike the two above.
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup",
        "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Restore",
    ]


@pytest.mark.parametrize(
    ("resources", "s3"),
    [(["arn:aws:s3:::my-bucket"], True), (["*"], True), (["arn:aws:ec2:us-east-1:123456789012:volume/*"], False)],
)
def test_the_stack_role_gets_the_s3_policies_when_a_selection_names_buckets(run_components, resources, s3):
    def program():
        WindowsServerBackup(
            "b",
            {
                "region": "us-east-1",
                "vault": {"name": "v1", "kms_key_arn": KEY_ARN},
                "plans": [
                    {
                        "name": "p1",
                        "rules": [{"name": "r1", "schedule": "cron(0 1 ? * * *)", "delete_after_days": 3}],
                        "selections": [{"name": "s1", "resources": resources}],
                    }
                ],
            },
        )

    run = run_components(program)
    arns = run.named(
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "b-restore-role-policies"
    ).inputs["policyArns"]
    assert ("arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup" in arns) is s3
