"""Every AWS request the program leads to is one AWS would accept (see tests/contract.py)."""

from __future__ import annotations

import json
from collections import Counter
from pathlib import Path
from typing import Any

import contract
import pulumi
import pulumi_aws as aws
import pytest
from conftest import FIXTURES_DIR
from contract import ApiRequest, NoTranslationError, covered, invalid_requests, problems, replay_in_moto, translate

from offline import OFFLINE_ACCOUNT_ID, OfflineRun, Registration, StackSettings, engine, stack_names

STACKS = stack_names(FIXTURES_DIR)
NS = "windows-server-backup"
KEY_ARN = f"arn:aws:kms:us-east-1:{OFFLINE_ACCOUNT_ID}:key/1234abcd-12ab-34cd-56ef-1234567890ab"
AIR_GAPPED_ARN = f"arn:aws:backup:us-east-1:{OFFLINE_ACCOUNT_ID}:backup-vault:contract-air-gapped"
TRUST = {
    "Version": "2012-10-17",
    "Statement": [{"Effect": "Allow", "Principal": {"Service": "backup.amazonaws.com"}, "Action": "sts:AssumeRole"}],
}


def _base_config(**overrides: Any) -> dict[str, Any]:
    """A small valid stack config (one plan, one rule, one tag selection) with keys replaced."""
    config: dict[str, Any] = {
        "aws:region": "us-east-1",
        f"{NS}:vault": {"name": "contract-vault"},
        f"{NS}:plans": [
            {
                "name": "weekly",
                "rules": [{"schedule": "cron(0 18 ? * SUN *)", "delete_after_days": 30}],
                "selections": [{"tags": {"alk:backup": "weekly"}}],
            }
        ],
    }
    config.update({f"{NS}:{key}": value for key, value in overrides.items()})
    return config


#: The operations a stack config leads to (other resources may join the stack; not counted here).
_CONFIG_OPERATIONS = {
    "CreateBackupVault",
    "CreateRole",
    "AttachRolePolicy",
    "CreateBackupPlan",
    "CreateBackupSelection",
}


def _by_operation(requests: list[ApiRequest]) -> Counter[str]:
    return Counter(request.operation for request in requests if request.operation in _CONFIG_OPERATIONS)


def _sources(run: OfflineRun) -> set[str]:
    return {f"{r.type} {r.name}" for r in run.registrations if r.custom and covered(r.type)}


# --- The stack files -------------------------------------------------------------------------


@pytest.fixture(params=STACKS)
def stack(request, fixture_run) -> OfflineRun:
    run = fixture_run(request.param)
    assert run.error is None, run.error
    return run


def test_the_repository_has_stack_files():
    assert "seed" in STACKS


def test_every_backup_iam_and_kms_type_of_the_stack_has_a_translation(stack):
    types = {r.type for r in stack.registrations if r.custom and covered(r.type)}
    assert types, "the stack registers no AWS Backup, IAM or KMS resource"
    assert sorted(types - set(contract.TRANSLATIONS)) == []


def test_stack_sends_only_requests_aws_accepts(stack):
    requests = translate(stack)
    # Every covered registration leads to at least one request, and nothing else does.
    assert {request.source for request in requests} == _sources(stack)
    assert invalid_requests(requests) == {}


#: moto 5.2.5 implements neither the BACKUP_POLICY type (its CreatePolicy raises NotImplementedError)
#: nor, without the openapi_spec_validator extra, CloudFormation: the organization stack sends nothing
#: else, so it is checked against botocore's model only.
MOTO_STACKS = [name for name in STACKS if name != "org"]


@pytest.mark.parametrize("name", MOTO_STACKS)
def test_moto_accepts_the_stacks_requests(fixture_run, name):
    stack = fixture_run(name)
    requests = translate(stack)
    answered = replay_in_moto(requests)
    expected = [r for r in requests if (r.service, r.operation) in contract.MOTO_OPERATIONS]
    assert expected, "nothing of this stack can be replayed in moto"
    assert [request for request, _ in answered] == expected
    assert {response["ResponseMetadata"]["HTTPStatusCode"] for _, response in answered} == {200}


def _from(requests: list[ApiRequest], type_: str, name: str) -> list[tuple[str, dict[str, Any]]]:
    """(operation, params) of the requests of one registration."""
    return [(r.operation, r.params) for r in requests if r.source == f"{type_} {name}"]


def test_dev_stack_requests(fixture_run):
    # The article's resources, looked up by name: other resources may join the dev stack.
    run = fixture_run("seed")
    requests = translate(run)
    role = run.named("aws:iam/role:Role", "backup-restore-role")
    key_arn = run.named("aws:backup/vault:Vault", "backup-vault").inputs["kmsKeyArn"]
    plan_ids = {p.inputs["name"]: p.id for p in run.of_type("aws:backup/plan:Plan")}

    assert _from(requests, "aws:backup/vault:Vault", "backup-vault") == [
        ("CreateBackupVault", {"BackupVaultName": "backup-vault-us-east-1", "EncryptionKeyArn": key_arn})
    ]
    assert _from(requests, "aws:iam/role:Role", "backup-restore-role") == [
        (
            "CreateRole",
            {
                "RoleName": role.outputs["name"],
                "AssumeRolePolicyDocument": json.dumps(
                    json.loads(role.inputs["assumeRolePolicy"]), separators=(",", ":")
                ),
                "Path": "/",
                "MaxSessionDuration": 3600,
                "Tags": [{"Key": "Name", "Value": "backup-restore-role"}],
            },
        )
    ]
    attachments = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
    assert _from(requests, attachments, "backup-restore-role-policies") == [
        (
            "AttachRolePolicy",
            {"RoleName": role.outputs["name"], "PolicyArn": f"arn:aws:iam::aws:policy/service-role/{policy}"},
        )
        for policy in ("AWSBackupServiceRolePolicyForBackup", "AWSBackupServiceRolePolicyForRestores")
    ]
    rule = {
        "TargetBackupVaultName": "backup-vault-us-east-1",
        "ScheduleExpression": "cron(0 18 ? * SUN *)",
        "ScheduleExpressionTimezone": "Etc/UTC",
        "StartWindowMinutes": 60,
        "CompletionWindowMinutes": 1440,
        "EnableContinuousBackup": False,
        "Lifecycle": {"DeleteAfterDays": 30},
    }
    vss, ebs = "windows-weekly-ec2-vss-us-east-1", "weekly-ebs-us-east-1"
    assert _from(requests, "aws:backup/plan:Plan", f"backup-{vss}") == [
        (
            "CreateBackupPlan",
            {
                "BackupPlan": {
                    "BackupPlanName": vss,
                    "Rules": [{**rule, "RuleName": vss}],
                    "AdvancedBackupSettings": [{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "enabled"}}],
                }
            },
        )
    ]
    assert _from(requests, "aws:backup/plan:Plan", f"backup-{ebs}") == [
        ("CreateBackupPlan", {"BackupPlan": {"BackupPlanName": ebs, "Rules": [{**rule, "RuleName": ebs}]}})
    ]
    for plan, tag_value in ((vss, "windows-weekly-ec2-vss"), (ebs, "weekly-ebs")):
        assert _from(requests, "aws:backup/selection:Selection", f"backup-{plan}-{plan}") == [
            (
                "CreateBackupSelection",
                {
                    "BackupPlanId": plan_ids[plan],
                    "BackupSelection": {
                        "SelectionName": plan,
                        "IamRoleArn": role.outputs["arn"],
                        "ListOfTags": [
                            {"ConditionType": "STRINGEQUALS", "ConditionKey": "alk:backup", "ConditionValue": tag_value}
                        ],
                        "Resources": [],
                        "NotResources": [],
                        "Conditions": {},
                    },
                },
            )
        ]


# --- Hand-written configs --------------------------------------------------------------------

EVERY_OPTION = _base_config(
    vault={"name": "contract_vault-2", "kms_key": KEY_ARN, "tags": {"team": "infra"}},
    role={"name": "contract-backup-role", "allow_restores": False, "tags": {"owner": "ops@example.com"}},
    tags={"environment": "test"},
    plans=[
        {
            "name": "daily.and.monthly",
            "windows_vss": True,
            "tags": {"tier": "gold"},
            "rules": [
                {
                    "name": "daily",
                    "schedule": "cron(30 2 * * ? *)",
                    "timezone": "Europe/Berlin",
                    "start_window_minutes": 120,
                    "completion_window_minutes": 600,
                    "delete_after_days": 35,
                    "recovery_point_tags": {"kind": "daily"},
                },
                {
                    "name": "monthly",
                    "schedule": "cron(0 3 1 * ? *)",
                    "cold_storage_after_days": 30,
                    "delete_after_days": 365,
                    "opt_in_to_archive": True,
                },
            ],
            "selections": [
                {"name": "by-tag", "tags": {"alk:backup": "daily", "alk:backup-extra": "yes"}},
                {
                    "name": "by-arn",
                    "resources": [f"arn:aws:ec2:us-east-1:{OFFLINE_ACCOUNT_ID}:volume/*"],
                    "not_resources": [f"arn:aws:ec2:us-east-1:{OFFLINE_ACCOUNT_ID}:volume/vol-0123456789abcdef0"],
                    "conditions": {"string_equals": {"env": "prod"}, "string_not_like": {"name": "scratch-*"}},
                },
            ],
        }
    ],
)
EXISTING_ROLE = _base_config(role={"existing_arn": f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:role/service-role/my-backup"})


@pytest.mark.parametrize("config", [EVERY_OPTION, EXISTING_ROLE], ids=["every-option", "existing-role"])
def test_hand_written_configs_send_valid_requests_moto_accepts(run_config, config):
    run = run_config(config)
    assert run.error is None, run.error
    requests = translate(run)
    assert {request.source for request in requests} == _sources(run)
    assert invalid_requests(requests) == {}
    answered = replay_in_moto(requests)
    assert [request for request, _ in answered] == [
        r for r in requests if (r.service, r.operation) in contract.MOTO_OPERATIONS
    ]


def test_every_option_reaches_the_api(run_config):
    run = run_config(EVERY_OPTION)
    requests = translate(run)
    assert _by_operation(requests) == {
        "CreateBackupVault": 1,
        "CreateRole": 1,
        "AttachRolePolicy": 1,  # allow_restores: false leaves the restore policy out
        "CreateBackupPlan": 1,
        "CreateBackupSelection": 2,
    }
    vault = next(r.params for r in requests if r.operation == "CreateBackupVault")
    assert vault == {
        "BackupVaultName": "contract_vault-2",
        "EncryptionKeyArn": KEY_ARN,
        "BackupVaultTags": {"environment": "test", "team": "infra"},
    }
    role = next(r.params for r in requests if r.operation == "CreateRole")
    assert role["RoleName"] == "contract-backup-role"
    assert sorted(role["Tags"], key=lambda tag: tag["Key"]) == [
        {"Key": "Name", "Value": "contract-backup-role"},
        {"Key": "environment", "Value": "test"},
        {"Key": "owner", "Value": "ops@example.com"},
    ]
    plan = next(r.params for r in requests if r.operation == "CreateBackupPlan")
    assert plan == {
        "BackupPlan": {
            "BackupPlanName": "daily.and.monthly",
            "Rules": [
                {
                    "RuleName": "daily",
                    "TargetBackupVaultName": "contract_vault-2",
                    "ScheduleExpression": "cron(30 2 * * ? *)",
                    "ScheduleExpressionTimezone": "Europe/Berlin",
                    "StartWindowMinutes": 120,
                    "CompletionWindowMinutes": 600,
                    "EnableContinuousBackup": False,
                    "Lifecycle": {"DeleteAfterDays": 35},
                    "RecoveryPointTags": {"kind": "daily"},
                },
                {
                    "RuleName": "monthly",
                    "TargetBackupVaultName": "contract_vault-2",
                    "ScheduleExpression": "cron(0 3 1 * ? *)",
                    "ScheduleExpressionTimezone": "Etc/UTC",
                    "StartWindowMinutes": 60,
                    "CompletionWindowMinutes": 1440,
                    "EnableContinuousBackup": False,
                    "Lifecycle": {
                        "DeleteAfterDays": 365,
                        "MoveToColdStorageAfterDays": 30,
                        "OptInToArchiveForSupportedResources": True,
                    },
                },
            ],
            "AdvancedBackupSettings": [{"ResourceType": "EC2", "BackupOptions": {"WindowsVSS": "enabled"}}],
        },
        "BackupPlanTags": {"environment": "test", "tier": "gold"},
    }
    selections = {
        r.params["BackupSelection"]["SelectionName"]: r.params["BackupSelection"]
        for r in requests
        if r.operation == "CreateBackupSelection"
    }
    assert selections["by-tag"]["ListOfTags"] == [
        {"ConditionType": "STRINGEQUALS", "ConditionKey": "alk:backup", "ConditionValue": "daily"},
        {"ConditionType": "STRINGEQUALS", "ConditionKey": "alk:backup-extra", "ConditionValue": "yes"},
    ]
    assert selections["by-arn"] == {
        "SelectionName": "by-arn",
        "IamRoleArn": f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:role/contract-backup-role",
        "ListOfTags": [],
        "Resources": [f"arn:aws:ec2:us-east-1:{OFFLINE_ACCOUNT_ID}:volume/*"],
        "NotResources": [f"arn:aws:ec2:us-east-1:{OFFLINE_ACCOUNT_ID}:volume/vol-0123456789abcdef0"],
        "Conditions": {
            "StringEquals": [{"ConditionKey": "aws:ResourceTag/env", "ConditionValue": "prod"}],
            "StringNotLike": [{"ConditionKey": "aws:ResourceTag/name", "ConditionValue": "scratch-*"}],
        },
    }


def test_existing_role_is_used_as_is(run_config):
    run = run_config(EXISTING_ROLE)
    requests = translate(run)
    assert _by_operation(requests) == {"CreateBackupVault": 1, "CreateBackupPlan": 1, "CreateBackupSelection": 1}
    selection = next(r.params for r in requests if r.operation == "CreateBackupSelection")
    assert (
        selection["BackupSelection"]["IamRoleArn"] == f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:role/service-role/my-backup"
    )


# --- Every translation, from real pulumi-aws resources ----------------------------------------


def _any_outputs(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    # Stand-in for a type the offline engine has no mock for yet: an ID and, for auto-named
    # resources, a name.
    return f"{name}-id", {"name": inputs.get("name") or f"{name}-0000000"}


def _every_type_program() -> None:
    policy = json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Deny", "Principal": {"AWS": "*"}, "Action": "backup:DeleteRecoveryPoint", "Resource": "*"}
            ],
        }
    )
    key = aws.kms.Key(
        "key",
        description="vault key",
        enable_key_rotation=True,
        rotation_period_in_days=180,
        policy=policy.replace("backup:DeleteRecoveryPoint", "kms:*"),
        tags={"team": "infra"},
    )
    aws.kms.Alias("alias", name="alias/contract", target_key_id=key.key_id)
    vault = aws.backup.Vault(
        "vault", name="contract-vault", kms_key_arn=KEY_ARN, force_destroy=False, tags={"team": "infra"}
    )
    aws.backup.VaultPolicy("policy", backup_vault_name=vault.name, policy=policy)
    aws.backup.VaultLockConfiguration(
        "lock", backup_vault_name=vault.name, min_retention_days=7, max_retention_days=365, changeable_for_days=3
    )
    aws.backup.VaultNotifications(
        "events",
        backup_vault_name=vault.name,
        sns_topic_arn=f"arn:aws:sns:us-east-1:{OFFLINE_ACCOUNT_ID}:backup-events",
        backup_vault_events=["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"],
    )
    aws.backup.LogicallyAirGappedVault(
        "air-gapped", name="contract-air-gapped", min_retention_days=7, max_retention_days=365
    )
    aws.backup.GlobalSettings("global", global_settings={"isCrossAccountBackupEnabled": "true"})
    aws.backup.RegionSettings(
        "region-settings",
        resource_type_opt_in_preference={"EC2": True, "EBS": True},
        resource_type_management_preference={"DynamoDB": True},
    )
    role = aws.iam.Role(
        "role",
        name="contract-role",
        assume_role_policy=json.dumps(TRUST),
        description="backup role",
        path="/service-role/",
        max_session_duration=7200,
        managed_policy_arns=["arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"],
    )
    aws.iam.RolePolicyAttachmentsExclusive(
        "attachments",
        role_name=role.name,
        policy_arns=["arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup"],
    )
    aws.iam.InstanceProfile("profile", name="contract-profile", role=role.name)
    aws.backup.Plan(
        "plan",
        name="contract-plan",
        rules=[
            aws.backup.PlanRuleArgs(
                rule_name="daily",
                target_vault_name="contract-vault",
                schedule="cron(0 5 ? * * *)",
                lifecycle=aws.backup.PlanRuleLifecycleArgs(cold_storage_after=30, delete_after=120),
                copy_actions=[
                    aws.backup.PlanRuleCopyActionArgs(
                        destination_vault_arn=f"arn:aws:backup:us-west-2:{OFFLINE_ACCOUNT_ID}:backup-vault:copy",
                        lifecycle=aws.backup.PlanRuleCopyActionLifecycleArgs(delete_after=400),
                    )
                ],
                scan_actions=[aws.backup.PlanRuleScanActionArgs(malware_scanner="GUARDDUTY", scan_mode="FULL_SCAN")],
                target_logically_air_gapped_backup_vault_arn=AIR_GAPPED_ARN,
            )
        ],
        scan_settings=[
            aws.backup.PlanScanSettingArgs(
                malware_scanner="GUARDDUTY", resource_types=["EC2", "EBS"], scanner_role_arn=role.arn
            )
        ],
    )
    aws.iam.RolePolicy("inline", name="contract-inline", role=role.id, policy=policy.replace("Deny", "Allow"))
    logs = aws.cloudwatch.LogGroup("logs", name="/contract/logs", retention_in_days=30, tags={"team": "infra"})
    function = aws.lambda_.Function(
        "function",
        name="contract-function",
        runtime="python3.13",
        handler="handler.handler",
        code=pulumi.AssetArchive({"handler.py": pulumi.StringAsset("def handler(event, context):\n    return {}\n")}),
        role=role.arn,
        architectures=["arm64"],
        timeout=120,
        memory_size=128,
        environment=aws.lambda_.FunctionEnvironmentArgs(variables={"MODE": "test"}),
        logging_config=aws.lambda_.FunctionLoggingConfigArgs(log_format="JSON", log_group=logs.name),
    )
    machine = aws.sfn.StateMachine(
        "machine",
        name="contract-machine",
        role_arn=role.arn,
        definition=function.arn.apply(
            lambda arn: json.dumps(
                {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": arn, "End": True}}}
            )
        ),
    )
    rule = aws.cloudwatch.EventRule(
        "rule", name="contract-rule", event_pattern=json.dumps({"source": ["aws.backup"]}), description="contract"
    )
    aws.cloudwatch.EventTarget(
        "target",
        rule=rule.name,
        arn=machine.arn,
        role_arn=role.arn,
        input_transformer=aws.cloudwatch.EventTargetInputTransformerArgs(
            input_paths={"job": "$.detail.backupJobId"}, input_template='"job <job>"'
        ),
    )
    aws.backup.Selection(
        "selection",
        name="contract-selection",
        plan_id="11111111-2222-4333-8444-555555555555",
        iam_role_arn=role.arn,
        resources=["*"],
        conditions=[
            aws.backup.SelectionConditionArgs(
                string_likes=[aws.backup.SelectionConditionStringLikeArgs(key="aws:ResourceTag/app", value="web*")]
            )
        ],
    )
    aws.backup.Framework(
        "framework",
        name="contract_framework",
        controls=[
            aws.backup.FrameworkControlArgs(
                name="BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
                input_parameters=[
                    aws.backup.FrameworkControlInputParameterArgs(name="requiredRetentionDays", value="35")
                ],
                scope=aws.backup.FrameworkControlScopeArgs(tags={"team": "infra"}),
            ),
            aws.backup.FrameworkControlArgs(name="BACKUP_RECOVERY_POINT_ENCRYPTED"),
        ],
    )
    aws.backup.ReportPlan(
        "report",
        name="contract_report",
        report_delivery_channel=aws.backup.ReportPlanReportDeliveryChannelArgs(
            s3_bucket_name="reports", formats=["CSV"]
        ),
        report_setting=aws.backup.ReportPlanReportSettingArgs(report_template="BACKUP_JOB_REPORT"),
    )
    testing = aws.backup.RestoreTestingPlan(
        "testing",
        name="contract_testing",
        schedule_expression="cron(0 6 ? * MON *)",
        recovery_point_selection=aws.backup.RestoreTestingPlanRecoveryPointSelectionArgs(
            algorithm="LATEST_WITHIN_WINDOW", include_vaults=["*"], recovery_point_types=["SNAPSHOT"]
        ),
    )
    aws.backup.RestoreTestingSelection(
        "testing-selection",
        name="contract_ec2",
        restore_testing_plan_name=testing.name,
        iam_role_arn=role.arn,
        protected_resource_type="EC2",
        protected_resource_arns=["*"],
        protected_resource_conditions=aws.backup.RestoreTestingSelectionProtectedResourceConditionsArgs(
            string_equals=[
                aws.backup.RestoreTestingSelectionProtectedResourceConditionsStringEqualArgs(
                    key="aws:ResourceTag/alk:backup", value="weekly"
                )
            ]
        ),
    )


@pytest.fixture
def every_type(run_components, monkeypatch) -> OfflineRun:
    for type_ in contract.TRANSLATIONS:
        if type_ not in engine._RESOURCE_OUTPUTS:
            monkeypatch.setitem(engine._RESOURCE_OUTPUTS, type_, _any_outputs)
    run = run_components(_every_type_program)
    assert run.error is None, run.error
    return run


def test_every_translation_is_exercised(every_type, every_organization_type):
    types = {r.type for r in every_type.resources} | {r.type for r in every_organization_type.resources}
    assert types == set(contract.TRANSLATIONS)


def test_every_type_translates_to_the_providers_requests(every_type):
    requests = translate(every_type)
    params = {(r.operation, r.source.split(" ")[1]): r.params for r in requests}
    key = every_type.named("aws:kms/key:Key", "key")
    role = every_type.named("aws:iam/role:Role", "role")
    # Registration order follows when each resource's inputs resolve, so compare as counts.
    assert Counter((r.service, r.operation) for r in requests) == Counter(
        [
            ("kms", "CreateKey"),
            ("kms", "EnableKeyRotation"),
            ("backup", "CreateBackupVault"),
            ("backup", "PutBackupVaultLockConfiguration"),
            ("backup", "PutBackupVaultNotifications"),
            ("backup", "CreateLogicallyAirGappedBackupVault"),
            ("backup", "UpdateGlobalSettings"),
            ("backup", "UpdateRegionSettings"),
            ("iam", "CreateRole"),
            ("iam", "AttachRolePolicy"),
            ("iam", "AttachRolePolicy"),
            ("iam", "CreateInstanceProfile"),
            ("iam", "AddRoleToInstanceProfile"),
            ("backup", "CreateBackupPlan"),
            ("kms", "CreateAlias"),
            ("backup", "PutBackupVaultAccessPolicy"),
            ("backup", "CreateBackupSelection"),
            ("backup", "CreateFramework"),
            ("backup", "CreateReportPlan"),
            ("backup", "CreateRestoreTestingPlan"),
            ("backup", "CreateRestoreTestingSelection"),
            ("iam", "PutRolePolicy"),
            ("logs", "CreateLogGroup"),
            ("logs", "PutRetentionPolicy"),
            ("lambda", "CreateFunction"),
            ("stepfunctions", "CreateStateMachine"),
            ("events", "PutRule"),
            ("events", "PutTargets"),
        ]
    )
    assert params[("CreateKey", "key")] == {
        "BypassPolicyLockoutSafetyCheck": False,
        "KeySpec": "SYMMETRIC_DEFAULT",
        "KeyUsage": "ENCRYPT_DECRYPT",
        "Description": "vault key",
        "Policy": json.dumps(json.loads(key.inputs["policy"]), separators=(",", ":")),
        "Tags": [{"TagKey": "team", "TagValue": "infra"}],
    }
    assert params[("EnableKeyRotation", "key")] == {"KeyId": key.id, "RotationPeriodInDays": 180}
    assert params[("CreateAlias", "alias")]["AliasName"] == "alias/contract"
    assert params[("PutBackupVaultLockConfiguration", "lock")] == {
        "BackupVaultName": "contract-vault",
        "ChangeableForDays": 3,
        "MaxRetentionDays": 365,
        "MinRetentionDays": 7,
    }
    assert params[("PutBackupVaultNotifications", "events")] == {
        "BackupVaultName": "contract-vault",
        "SNSTopicArn": f"arn:aws:sns:us-east-1:{OFFLINE_ACCOUNT_ID}:backup-events",
        "BackupVaultEvents": ["BACKUP_JOB_COMPLETED", "COPY_JOB_FAILED"],
    }
    assert params[("CreateLogicallyAirGappedBackupVault", "air-gapped")] == {
        "BackupVaultName": "contract-air-gapped",
        "MinRetentionDays": 7,
        "MaxRetentionDays": 365,
    }
    assert params[("UpdateGlobalSettings", "global")] == {"GlobalSettings": {"isCrossAccountBackupEnabled": "true"}}
    # Only the types named: AWS leaves the region's other types as they are.
    assert params[("UpdateRegionSettings", "region-settings")] == {
        "ResourceTypeOptInPreference": {"EC2": True, "EBS": True},
        "ResourceTypeManagementPreference": {"DynamoDB": True},
    }
    assert params[("CreateRole", "role")] == {
        "RoleName": "contract-role",
        "AssumeRolePolicyDocument": json.dumps(TRUST, separators=(",", ":")),
        "Path": "/service-role/",
        "MaxSessionDuration": 7200,
        "Description": "backup role",
    }
    assert [r.params for r in requests if r.operation == "AttachRolePolicy"] == [
        {"RoleName": "contract-role", "PolicyArn": "arn:aws:iam::aws:policy/AWSBackupServiceRolePolicyForS3Backup"},
        {
            "RoleName": "contract-role",
            "PolicyArn": "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForBackup",
        },
    ]
    assert params[("CreateInstanceProfile", "profile")] == {"InstanceProfileName": "contract-profile", "Path": "/"}
    assert params[("AddRoleToInstanceProfile", "profile")] == {
        "InstanceProfileName": "contract-profile",
        "RoleName": "contract-role",
    }
    assert params[("CreateBackupPlan", "plan")]["BackupPlan"]["Rules"] == [
        {
            "RuleName": "daily",
            "TargetBackupVaultName": "contract-vault",
            "ScheduleExpression": "cron(0 5 ? * * *)",
            # pulumi-aws sends no value for these; the provider's schema defaults apply.
            "ScheduleExpressionTimezone": "Etc/UTC",
            "StartWindowMinutes": 60,
            "CompletionWindowMinutes": 180,
            "EnableContinuousBackup": False,
            "Lifecycle": {"DeleteAfterDays": 120, "MoveToColdStorageAfterDays": 30},
            "TargetLogicallyAirGappedBackupVaultArn": AIR_GAPPED_ARN,
            "CopyActions": [
                {
                    "DestinationBackupVaultArn": f"arn:aws:backup:us-west-2:{OFFLINE_ACCOUNT_ID}:backup-vault:copy",
                    "Lifecycle": {"DeleteAfterDays": 400},
                }
            ],
            "ScanActions": [{"MalwareScanner": "GUARDDUTY", "ScanMode": "FULL_SCAN"}],
        }
    ]
    assert params[("CreateBackupPlan", "plan")]["BackupPlan"]["ScanSettings"] == [
        {"MalwareScanner": "GUARDDUTY", "ResourceTypes": ["EC2", "EBS"], "ScannerRoleArn": role.outputs["arn"]}
    ]
    assert params[("PutRolePolicy", "inline")] == {
        "RoleName": "contract-role",
        "PolicyName": "contract-inline",
        "PolicyDocument": json.dumps(
            json.loads(every_type.named("aws:iam/rolePolicy:RolePolicy", "inline").inputs["policy"]),
            separators=(",", ":"),
        ),
    }
    assert params[("CreateLogGroup", "logs")] == {
        "logGroupName": "/contract/logs",
        "logGroupClass": "STANDARD",
        "tags": {"team": "infra"},
    }
    assert params[("PutRetentionPolicy", "logs")] == {"logGroupName": "/contract/logs", "retentionInDays": 30}
    assert params[("CreateFunction", "function")] == {
        "FunctionName": "contract-function",
        "Role": role.outputs["arn"],
        "Code": {"ZipFile": contract.ZIP_PLACEHOLDER},
        "PackageType": "Zip",
        "Publish": False,
        "Runtime": "python3.13",
        "Handler": "handler.handler",
        "Timeout": 120,
        "MemorySize": 128,
        "Architectures": ["arm64"],
        "Environment": {"Variables": {"MODE": "test"}},
        "LoggingConfig": {"LogFormat": "JSON", "LogGroup": "/contract/logs"},
    }
    function_arn = every_type.named("aws:lambda/function:Function", "function").outputs["arn"]
    machine = every_type.named("aws:sfn/stateMachine:StateMachine", "machine")
    assert params[("CreateStateMachine", "machine")] == {
        "name": "contract-machine",
        "definition": json.dumps(
            {"StartAt": "Call", "States": {"Call": {"Type": "Task", "Resource": function_arn, "End": True}}}
        ),
        "roleArn": role.outputs["arn"],
        "type": "STANDARD",
        "publish": False,
    }
    assert params[("PutRule", "rule")] == {
        "Name": "contract-rule",
        "State": "ENABLED",
        "EventPattern": '{"source":["aws.backup"]}',
        "Description": "contract",
    }
    assert params[("PutTargets", "target")] == {
        "Rule": "contract-rule",
        "Targets": [
            {
                "Id": contract.TARGET_ID,
                "Arn": machine.outputs["arn"],
                "RoleArn": role.outputs["arn"],
                "InputTransformer": {"InputTemplate": '"job <job>"', "InputPathsMap": {"job": "$.detail.backupJobId"}},
            }
        ],
    }
    assert params[("CreateBackupSelection", "selection")] == {
        "BackupPlanId": "11111111-2222-4333-8444-555555555555",
        "BackupSelection": {
            "SelectionName": "contract-selection",
            "IamRoleArn": role.outputs["arn"],
            "ListOfTags": [],
            "Resources": ["*"],
            "NotResources": [],
            "Conditions": {"StringLike": [{"ConditionKey": "aws:ResourceTag/app", "ConditionValue": "web*"}]},
        },
    }
    token = contract.IDEMPOTENCY_TOKEN  # the provider sends a random one
    assert params[("CreateFramework", "framework")] == {
        "FrameworkName": "contract_framework",
        "FrameworkControls": [
            {
                "ControlName": "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK",
                "ControlScope": {"Tags": {"team": "infra"}},
                "ControlInputParameters": [{"ParameterName": "requiredRetentionDays", "ParameterValue": "35"}],
            },
            {"ControlName": "BACKUP_RECOVERY_POINT_ENCRYPTED"},
        ],
        "IdempotencyToken": token,
    }
    assert params[("CreateReportPlan", "report")] == {
        "ReportPlanName": "contract_report",
        "ReportDeliveryChannel": {"S3BucketName": "reports", "Formats": ["CSV"]},
        "ReportSetting": {"ReportTemplate": "BACKUP_JOB_REPORT"},
        "IdempotencyToken": token,
    }
    assert params[("CreateRestoreTestingPlan", "testing")] == {
        "CreatorRequestId": token,
        "RestoreTestingPlan": {
            "RestoreTestingPlanName": "contract_testing",
            "ScheduleExpression": "cron(0 6 ? * MON *)",
            "RecoveryPointSelection": {
                "Algorithm": "LATEST_WITHIN_WINDOW",
                "IncludeVaults": ["*"],
                "RecoveryPointTypes": ["SNAPSHOT"],
            },
        },
    }
    assert params[("CreateRestoreTestingSelection", "testing-selection")] == {
        "CreatorRequestId": token,
        "RestoreTestingPlanName": "contract_testing",
        "RestoreTestingSelection": {
            "RestoreTestingSelectionName": "contract_ec2",
            "IamRoleArn": role.outputs["arn"],
            "ProtectedResourceType": "EC2",
            "ProtectedResourceArns": ["*"],
            "ProtectedResourceConditions": {"StringEquals": [{"Key": "aws:ResourceTag/alk:backup", "Value": "weekly"}]},
        },
    }


def test_every_type_sends_valid_requests_moto_accepts(every_type):
    requests = translate(every_type)
    assert invalid_requests(requests) == {}
    answered = replay_in_moto(requests)
    assert sorted(r.operation for r, _ in answered) == sorted(
        [
            "CreateKey",
            "CreateBackupVault",
            "PutBackupVaultLockConfiguration",
            "CreateRole",
            "AttachRolePolicy",
            "AttachRolePolicy",
            "CreateInstanceProfile",
            "CreateBackupPlan",
            "CreateReportPlan",
            "PutRolePolicy",
            "CreateLogGroup",
            "PutRetentionPolicy",
            "PutRule",
            "PutTargets",
        ]
    )


# --- The checker itself ---------------------------------------------------------------------


def _run_with(registration: Registration) -> OfflineRun:
    settings = StackSettings(project="p", stack="s", config={"aws:region": "eu-west-1"}, secret_keys=[], main=Path("."))
    return OfflineRun(settings, OFFLINE_ACCOUNT_ID, [registration], [], {}, [], None)


def _registration(type_: str, inputs: dict[str, Any]) -> Registration:
    return Registration(type_, "thing", f"urn:{type_}::thing", "", True, False, False, "", inputs)


@pytest.mark.parametrize(
    "type_",
    [
        "aws:backup/tieringConfiguration:TieringConfiguration",
        "aws:iam/policy:Policy",
        "aws:kms/grant:Grant",
    ],
)
def test_a_covered_type_without_translation_fails(type_):
    run = _run_with(_registration(type_, {}))
    with pytest.raises(NoTranslationError, match=f"{type_} thing: no translation for this resource type"):
        translate(run)


def test_other_types_are_not_covered():
    assert covered("aws:cloudwatch/eventRule:EventRule") and covered("aws:lambda/function:Function")
    assert not covered("aws:sns/topic:Topic")
    assert not covered("windows-server-backup:index:BackupVault")
    assert translate(_run_with(_registration("aws:sns/topic:Topic", {"name": "t"}))) == []


def test_an_input_without_translation_fails():
    run = _run_with(_registration("aws:backup/vault:Vault", {"name": "v1", "frobnicate": True}))
    with pytest.raises(
        NoTranslationError, match=r"aws:backup/vault:Vault thing: no translation for input\(s\) \['frobnicate'\]"
    ):
        translate(run)


def test_a_nested_input_without_translation_fails():
    rule = {"ruleName": "r", "targetVaultName": "v1", "indexActions": [{"resourceTypes": ["EBS"]}]}
    run = _run_with(_registration("aws:backup/plan:Plan", {"name": "p", "rules": [rule]}))
    with pytest.raises(NoTranslationError, match=r"rules\[0\]: no translation for input\(s\) \['indexActions'\]"):
        translate(run)


def test_requests_carry_the_region_of_the_stack():
    (request,) = translate(_run_with(_registration("aws:backup/vault:Vault", {"name": "v1"})))
    assert (request.service, request.operation, request.params, request.region) == (
        "backup",
        "CreateBackupVault",
        {"BackupVaultName": "v1"},
        "eu-west-1",
    )


def test_requests_carry_the_region_of_their_provider():
    provider = Registration(
        "pulumi:providers:aws", "west", "urn:west", "", True, False, False, "", {"region": "us-west-2"}, id="p1"
    )
    vault = Registration(
        "aws:backup/vault:Vault", "copy", "urn:copy", "", True, False, False, "urn:west::p1", {"name": "v1"}
    )
    run = _run_with(vault)
    run.registrations.insert(0, provider)
    assert [request.region for request in translate(run)] == ["us-west-2"]


def test_requests_carry_the_resources_own_region_over_their_providers():
    """pulumi-aws 7: a resource's own `region` decides where its requests go."""
    provider = Registration(
        "pulumi:providers:aws", "west", "urn:west", "", True, False, False, "", {"region": "us-west-2"}, id="p1"
    )
    vault = Registration(
        "aws:backup/vault:Vault",
        "copy",
        "urn:copy",
        "",
        True,
        False,
        False,
        "urn:west::p1",
        {"name": "v1", "region": "eu-central-1"},
    )
    run = _run_with(vault)
    run.registrations.insert(0, provider)
    assert [request.region for request in translate(run)] == ["eu-central-1"]


def test_whole_floats_become_ints():
    assert contract.wire_numbers({"a": 60.0, "b": [1.5, 2.0, {"c": 3.0}], "d": True, "e": "7"}) == {
        "a": 60,
        "b": [1.5, 2, {"c": 3}],
        "d": True,
        "e": "7",
    }


def _request(service: str, operation: str, **params: Any) -> ApiRequest:
    return ApiRequest(service, operation, params, "us-east-1", "test")


_ROLE = {"RoleName": "backup-role", "AssumeRolePolicyDocument": json.dumps(TRUST)}
_SELECTION = {"SelectionName": "s", "IamRoleArn": f"arn:aws:iam::{OFFLINE_ACCOUNT_ID}:role/r"}


@pytest.mark.parametrize(
    ("request_", "expected"),
    [
        (
            _request("backup", "CreateBackupVault", BackupVaultName="bad.name"),
            "CreateBackupVault.BackupVaultName: 'bad.name' does not match",
        ),
        (
            _request("backup", "CreateBackupVault", BackupVaultName="x"),
            "CreateBackupVault.BackupVaultName: 'x' does not match",
        ),
        (_request("backup", "CreateBackupVault"), 'Missing required parameter in input: "BackupVaultName"'),
        (
            _request("iam", "CreateRole", **{**_ROLE, "RoleName": "r" * 65}),
            "CreateRole.RoleName: length 65 is above the maximum 64",
        ),
        (_request("iam", "CreateRole", **{**_ROLE, "RoleName": "rôle"}), "CreateRole.RoleName: 'rôle' does not match"),
        (
            _request("iam", "CreateRole", **_ROLE, MaxSessionDuration=43201),
            "CreateRole.MaxSessionDuration: 43201 is above the maximum 43200",
        ),
        (
            _request("iam", "CreateRole", **_ROLE, Tags=[{"Key": "a#b", "Value": "v"}]),
            "CreateRole.Tags[0].Key: 'a#b' does not match",
        ),
        (
            _request("iam", "CreateRole", **_ROLE, Tags=[{"Key": f"k{i}", "Value": ""} for i in range(51)]),
            "CreateRole.Tags: length 51 is above the maximum 50",
        ),
        (
            _request(
                "backup",
                "CreateBackupSelection",
                BackupPlanId="p",
                BackupSelection={
                    **_SELECTION,
                    "ListOfTags": [{"ConditionType": "STRINGLIKE", "ConditionKey": "k", "ConditionValue": "v"}],
                },
            ),
            "BackupSelection.ListOfTags[0].ConditionType: 'STRINGLIKE' is not one of ['STRINGEQUALS']",
        ),
        (
            _request(
                "backup",
                "CreateBackupPlan",
                BackupPlan={
                    "BackupPlanName": "p",
                    "Rules": [{"RuleName": "r", "TargetBackupVaultName": "v1", "StartWindowMinutes": "60"}],
                },
            ),
            "Invalid type for parameter BackupPlan.Rules[0].StartWindowMinutes",
        ),
    ],
)
def test_problems_finds_what_aws_would_refuse(request_, expected):
    found = problems(request_)
    assert any(expected in line for line in found), found


@pytest.mark.parametrize(
    "request_",
    [
        _request("backup", "CreateBackupVault", BackupVaultName="ok_vault-1"),
        _request("iam", "CreateRole", **_ROLE, Tags=[{"Key": "Équipe été", "Value": "x@y.z/1+2=3"}]),
        _request(
            "backup",
            "CreateBackupSelection",
            BackupPlanId="p",
            BackupSelection={**_SELECTION, "ListOfTags": [], "Conditions": {}},
        ),
    ],
)
def test_problems_accepts_valid_requests(request_):
    assert problems(request_) == []


# --- Configs that once slipped through: the program refuses them, or AWS accepts what it sends ---


def _invalid_requests_of(run: OfflineRun) -> dict[str, list[str]]:
    """Nothing when the program refused the config (a RunError); else its invalid requests."""
    return {} if isinstance(run.error, pulumi.RunError) else invalid_requests(translate(run))


@pytest.mark.parametrize(
    "overrides",
    [
        pytest.param({"tags": {"cost#center": "a"}}, id="tag-key-outside-iam-characters"),
        pytest.param({"role": {"tags": {"team": "ops!"}}}, id="tag-value-outside-iam-characters"),
        pytest.param({"role": {"name": "backup,role"}}, id="role-name-comma-in-name-tag"),
        pytest.param({"role": {"name": "sauvegarde-rôle"}}, id="role-name-non-ascii"),
        pytest.param({"tags": {f"key{i}": "v" for i in range(50)}}, id="more-than-50-role-tags"),
        pytest.param({"tags": {"Équipe été": "x@y.z/1+2=3"}}, id="unicode-tags-iam-allows"),
    ],
)
def test_a_config_the_program_accepts_sends_valid_requests(run_config, overrides):
    assert _invalid_requests_of(run_config(_base_config(**overrides))) == {}


def test_selection_logical_names_never_collide(run_config):
    rule = {"schedule": "cron(0 18 ? * SUN *)", "delete_after_days": 30}
    run = run_config(
        _base_config(
            plans=[
                {"name": "a", "rules": [rule], "selections": [{"name": "b-c", "tags": {"k": "1"}}]},
                {"name": "a-b", "rules": [rule], "selections": [{"name": "c", "tags": {"k": "2"}}]},
            ]
        )
    )
    urns = [r.urn for r in run.registrations]
    assert isinstance(run.error, pulumi.RunError) or len(urns) == len(set(urns))


# --- AWS Organizations and CloudFormation StackSets ------------------------------------------------

BACKUP_POLICY_CONTENT = json.dumps({"plans": {}}, separators=(",", ":"))
MEMBER_TEMPLATE = json.dumps({"Resources": {"Topic": {"Type": "AWS::SNS::Topic"}}})


def _every_organization_type_program() -> None:
    policy = aws.organizations.Policy(
        "policy",
        name="contract-backup-policy",
        type="BACKUP_POLICY",
        description="backup plans",
        content=BACKUP_POLICY_CONTENT,
        tags={"team": "infra"},
    )
    aws.organizations.PolicyAttachment("attachment", policy_id=policy.id, target_id="ou-ab12-cd34ef56")
    aws.organizations.DelegatedAdministrator(
        "administrator", account_id="444444444444", service_principal="backup.amazonaws.com"
    )
    stack_set = aws.cloudformation.StackSet(
        "stack-set",
        name="contract-members",
        description="member resources",
        permission_model="SERVICE_MANAGED",
        auto_deployment=aws.cloudformation.StackSetAutoDeploymentArgs(
            enabled=True, retain_stacks_on_account_removal=True
        ),
        capabilities=["CAPABILITY_NAMED_IAM"],
        call_as="DELEGATED_ADMIN",
        operation_preferences=aws.cloudformation.StackSetOperationPreferencesArgs(
            failure_tolerance_percentage=10, max_concurrent_percentage=20, region_concurrency_type="PARALLEL"
        ),
        template_body=MEMBER_TEMPLATE,
        tags={"team": "infra"},
    )
    aws.cloudformation.StackSetInstance(
        "instance",
        stack_set_name=stack_set.name,
        stack_set_instance_region="us-west-2",
        call_as="DELEGATED_ADMIN",
        deployment_targets=aws.cloudformation.StackSetInstanceDeploymentTargetsArgs(
            organizational_unit_ids=["ou-ab12-cd34ef56"], accounts=["111111111111"], account_filter_type="INTERSECTION"
        ),
        operation_preferences=aws.cloudformation.StackSetInstanceOperationPreferencesArgs(
            failure_tolerance_count=1, max_concurrent_count=2, concurrency_mode="SOFT_FAILURE_TOLERANCE"
        ),
        retain_stack=True,
    )


@pytest.fixture
def every_organization_type(run_components) -> OfflineRun:
    run = run_components(_every_organization_type_program)
    assert run.error is None, run.error
    return run


def test_organization_and_stack_set_types_translate_to_the_providers_requests(every_organization_type):
    requests = translate(every_organization_type)
    policy = every_organization_type.named("aws:organizations/policy:Policy", "policy")
    token = contract.IDEMPOTENCY_TOKEN
    assert sorted(((r.operation, r.region, r.params) for r in requests), key=lambda r: r[0]) == [
        ("AttachPolicy", "us-east-1", {"PolicyId": policy.id, "TargetId": "ou-ab12-cd34ef56"}),
        (
            "CreatePolicy",
            "us-east-1",
            {
                "Content": BACKUP_POLICY_CONTENT,
                "Description": "backup plans",
                "Name": "contract-backup-policy",
                "Type": "BACKUP_POLICY",
                "Tags": [{"Key": "team", "Value": "infra"}],
            },
        ),
        (
            "CreateStackInstances",
            "us-east-1",
            {
                "StackSetName": "contract-members",
                "Regions": ["us-west-2"],
                "OperationId": token,
                "DeploymentTargets": {
                    "OrganizationalUnitIds": ["ou-ab12-cd34ef56"],
                    "Accounts": ["111111111111"],
                    "AccountFilterType": "INTERSECTION",
                },
                "CallAs": "DELEGATED_ADMIN",
                "OperationPreferences": {
                    "FailureToleranceCount": 1,
                    "MaxConcurrentCount": 2,
                    "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE",
                },
            },
        ),
        (
            "CreateStackSet",
            "us-east-1",
            {
                "StackSetName": "contract-members",
                "ClientRequestToken": token,
                "CallAs": "DELEGATED_ADMIN",
                "Description": "member resources",
                "PermissionModel": "SERVICE_MANAGED",
                "TemplateBody": MEMBER_TEMPLATE,
                "Capabilities": ["CAPABILITY_NAMED_IAM"],
                "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
                "Tags": [{"Key": "team", "Value": "infra"}],
            },
        ),
        (
            "RegisterDelegatedAdministrator",
            "us-east-1",
            {"AccountId": "444444444444", "ServicePrincipal": "backup.amazonaws.com"},
        ),
        (
            "UpdateStackSet",
            "us-east-1",
            {
                "StackSetName": "contract-members",
                "CallAs": "DELEGATED_ADMIN",
                "PermissionModel": "SERVICE_MANAGED",
                "TemplateBody": MEMBER_TEMPLATE,
                "Capabilities": ["CAPABILITY_NAMED_IAM"],
                "AutoDeployment": {"Enabled": True, "RetainStacksOnAccountRemoval": True},
                "Tags": [{"Key": "team", "Value": "infra"}],
                "OperationId": token,
                "OperationPreferences": {
                    "FailureTolerancePercentage": 10,
                    "MaxConcurrentPercentage": 20,
                    "RegionConcurrencyType": "PARALLEL",
                },
            },
        ),
    ]
    assert invalid_requests(requests) == {}


@pytest.mark.parametrize(
    "target",
    ["ou-ab12-cd34ef56", "r-ab12", "111111111111"],
)
def test_attach_policy_takes_an_ou_the_root_or_an_account(target):
    assert problems(_request("organizations", "AttachPolicy", PolicyId="p-12345678", TargetId=target)) == []


def test_attach_policy_refuses_anything_else():
    found = problems(_request("organizations", "AttachPolicy", PolicyId="p-1234567", TargetId="ou-ab12-cd34ef56"))
    assert any("PolicyId" in problem and "does not match" in problem for problem in found)


def test_create_policy_needs_a_known_type_and_a_description():
    found = problems(_request("organizations", "CreatePolicy", Content="{}", Name="x", Type="BACKUP"))
    assert any("Description" in problem for problem in found)
    assert any("'BACKUP' is not one of" in problem for problem in found)


@pytest.mark.parametrize(
    ("preferences", "expected"),
    [
        ({"FailureToleranceCount": 1, "MaxConcurrentCount": 2}, []),
        (
            {"FailureToleranceCount": 1, "MaxConcurrentCount": 3},
            ["X: MaxConcurrentCount 3 is more than FailureToleranceCount 1 + 1"],
        ),
        ({"MaxConcurrentCount": 1}, []),
        ({"MaxConcurrentCount": 2}, ["X: MaxConcurrentCount 2 is more than FailureToleranceCount 0 + 1"]),
        ({"FailureToleranceCount": 1, "MaxConcurrentCount": 3, "ConcurrencyMode": "SOFT_FAILURE_TOLERANCE"}, []),
        ({"FailureTolerancePercentage": 10, "MaxConcurrentCount": 5}, []),
        (
            {"FailureToleranceCount": 1, "FailureTolerancePercentage": 10},
            ["X: either FailureToleranceCount or FailureTolerancePercentage, not both"],
        ),
        (
            {"MaxConcurrentCount": 1, "MaxConcurrentPercentage": 10},
            ["X: either MaxConcurrentCount or MaxConcurrentPercentage, not both"],
        ),
    ],
)
def test_operation_preferences_rules_the_model_states_in_words(preferences, expected):
    assert contract.preference_problems(preferences, "X") == expected


def test_create_stack_instances_checks_the_preferences_and_the_targets():
    found = problems(
        _request(
            "cloudformation",
            "CreateStackInstances",
            StackSetName="s",
            Regions=["us-east-1"],
            DeploymentTargets={"OrganizationalUnitIds": ["ou-AB12-cd34ef56"], "AccountFilterType": "EVERY"},
            OperationPreferences={"MaxConcurrentPercentage": 0, "MaxConcurrentCount": 2},
        )
    )
    assert any("OrganizationalUnitIds[0]" in problem and "does not match" in problem for problem in found)
    assert any("AccountFilterType" in problem and "is not one of" in problem for problem in found)
    assert any("MaxConcurrentPercentage" in problem and "below the minimum 1" in problem for problem in found)
    assert (
        "CreateStackInstances.OperationPreferences: either MaxConcurrentCount or MaxConcurrentPercentage, not both"
        in found
    )


def test_the_organization_stack_sends_the_expected_operations(fixture_run):
    run = fixture_run("org")
    requests = translate(run)
    assert Counter(request.operation for request in requests) == Counter(
        {
            "CreateStackSet": 1,
            "UpdateStackSet": 1,
            "CreateStackInstances": 2,
            "CreatePolicy": 2,
            "AttachPolicy": 4,
            "RegisterDelegatedAdministrator": 1,
            "UpdateGlobalSettings": 1,
        }
    )
    assert invalid_requests(requests) == {}
