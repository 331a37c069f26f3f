"""Audit evidence: the prod-east fixture has an Audit Manager framework whose controls match the stack's
promises, report plans, and a private, encrypted, versioned, expiring report bucket; no other
stack has them; every rule of the ``audit`` setting stops the program with one clear problem
before anything is registered."""

from __future__ import annotations

import json
from typing import Any, cast

import pulumi
import pulumi_aws as aws
import pytest
from conftest import PROJECT, fixture_config, seed_config
from parliament import analyze_policy_string, enhance_finding
from test_restore_testing import built, rejected_with

from components import BackupAudit
from components.audit import frequency, longest_gap_minutes, plan_promises, report_bucket_policy
from offline import OfflineRun

PROD_ACCOUNT = "111111111111"
FRAMEWORK = "aws:backup/framework:Framework"
REPORT_PLAN = "aws:backup/reportPlan:ReportPlan"
BUCKET = "aws:s3/bucket:Bucket"
ENCRYPTION = "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration"
PUBLIC_ACCESS = "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock"
VERSIONING = "aws:s3/bucketVersioning:BucketVersioning"
LIFECYCLE = "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
COMPONENT = "windows-server-backup:index:BackupAudit"
BUCKET_SETTINGS = (ENCRYPTION, PUBLIC_ACCESS, VERSIONING, LIFECYCLE, BUCKET_POLICY)
AUDIT_TYPES = (FRAMEWORK, REPORT_PLAN, BUCKET, *BUCKET_SETTINGS, COMPONENT)
REPORTS_ROLE = "role/aws-service-role/reports.backup.amazonaws.com/AWSServiceRoleForBackupReports"
PROD_SCOPE = {"tags": {"environment": "prod"}}
BREAK_GLASS = "arn:aws:iam::123456789012:role/break-glass"
DEPLOYER = "arn:aws:iam::123456789012:role/backup-deployer"


def _lifecycle_rule(days: int) -> dict[str, Any]:
    return {
        "id": "expire-reports",
        "status": "Enabled",
        "filter": {"prefix": ""},
        "expiration": {"days": days},
        "noncurrentVersionExpiration": {"noncurrentDays": 30},
        "abortIncompleteMultipartUpload": {"daysAfterInitiation": 7},
    }


def _vault_control(vault: str, parameters: list[dict[str, str]] | None = None) -> dict[str, Any]:
    control: dict[str, Any] = {
        "name": "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
        "scope": {"complianceResourceIds": [vault], "complianceResourceTypes": ["AWS::Backup::BackupVault"]},
    }
    if parameters:
        control["inputParameters"] = parameters
    return control


@pytest.fixture
def east(fixture_run) -> OfflineRun:
    run = fixture_run("prod-east")
    assert run.error is None, run.error
    return run


# --- prod-east -----------------------------------------------------------------------------


def test_framework_controls_are_the_stacks_promises_scoped_to_its_tag(east):
    [framework] = east.of_type(FRAMEWORK)
    assert framework.name == "backup-audit-framework"
    assert framework.inputs == {
        "name": "windows_server_backup",
        "description": "What windows-server-backup promises: plan frequency and retention, encrypted and "
        "undeletable recovery points, every selected resource in a plan, and its copies",
        "controls": [
            {
                "name": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
                # What every rule meets: the monthly-archive rule runs at worst every 31 days; the
                # weekly rules keep recovery points 35 days.
                "inputParameters": [
                    {"name": "requiredFrequencyUnit", "value": "days"},
                    {"name": "requiredFrequencyValue", "value": "31"},
                    {"name": "requiredRetentionDays", "value": "35"},
                ],
                "scope": PROD_SCOPE,
            },
            {"name": "BACKUP_RECOVERY_POINT_ENCRYPTED", "scope": PROD_SCOPE},
            # No manual-deletion control: the vault's policy names no policy admin role, so it does not
            # deny PutBackupVaultAccessPolicy, and the control would report it NON_COMPLIANT.
            {"name": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "scope": PROD_SCOPE},
            {"name": "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION", "scope": PROD_SCOPE},
            {"name": "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT", "scope": PROD_SCOPE},
            {"name": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK", "scope": PROD_SCOPE},
        ],
        "tags": {"environment": "prod"},
    }


def test_report_plans_deliver_control_verdicts_and_job_histories_to_the_bucket(east):
    [framework] = east.of_type(FRAMEWORK)
    bucket = east.named(BUCKET, "backup-audit-reports").outputs["bucket"]
    channel = {"s3BucketName": bucket, "formats": ["CSV", "JSON"]}
    plans = {plan.name: plan.inputs for plan in east.of_type(REPORT_PLAN)}
    assert plans == {
        "backup-audit-controls": {
            "name": "windows_server_backup_controls",
            "description": "Daily verdicts of the framework's controls",
            "reportDeliveryChannel": channel,
            "reportSetting": {
                "reportTemplate": "CONTROL_COMPLIANCE_REPORT",
                "frameworkArns": [framework.outputs["arn"]],
                "numberOfFrameworks": 1,
            },
            "tags": {"environment": "prod"},
        },
        **{
            f"backup-audit-{kind}-jobs": {
                "name": f"windows_server_backup_{kind}_jobs",
                "description": f"Daily {kind.upper()}_JOB_REPORT",
                "reportDeliveryChannel": channel,
                "reportSetting": {"reportTemplate": f"{kind.upper()}_JOB_REPORT"},
                "tags": {"environment": "prod"},
            }
            for kind in ("backup", "copy", "restore")
        },
    }


def test_report_bucket_is_protected_encrypted_private_versioned_and_expiring(east):
    bucket = east.named(BUCKET, "backup-audit-reports")
    assert bucket.inputs == {"tags": {"environment": "prod"}}  # auto-named: bucket names are global
    assert bucket.protect is True
    name = bucket.outputs["bucket"]
    assert east.named(ENCRYPTION, "backup-audit-reports-encryption").inputs == {
        "bucket": name,
        "rules": [{"applyServerSideEncryptionByDefault": {"sseAlgorithm": "AES256"}}],
    }
    assert east.named(PUBLIC_ACCESS, "backup-audit-reports-public-access").inputs == {
        "bucket": name,
        "blockPublicAcls": True,
        "blockPublicPolicy": True,
        "ignorePublicAcls": True,
        "restrictPublicBuckets": True,
    }
    assert east.named(VERSIONING, "backup-audit-reports-versioning").inputs == {
        "bucket": name,
        "versioningConfiguration": {"status": "Enabled"},
    }
    assert east.named(LIFECYCLE, "backup-audit-reports-lifecycle").inputs == {
        "bucket": name,
        "rules": [_lifecycle_rule(365)],
    }
    policy = east.named(BUCKET_POLICY, "backup-audit-reports-policy")
    assert policy.inputs["bucket"] == name
    assert json.loads(policy.inputs["policy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Sid": "BackupAuditManagerDeliversReports",
                "Effect": "Allow",
                "Principal": {"AWS": f"arn:aws:iam::{PROD_ACCOUNT}:{REPORTS_ROLE}"},
                "Action": "s3:PutObject",
                "Resource": f"arn:aws:s3:::{name}/*",
                "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
            },
            {
                "Sid": "DenyRequestsWithoutTls",
                "Effect": "Deny",
                "Principal": {"AWS": "*"},
                "Action": "s3:*",
                "Resource": [f"arn:aws:s3:::{name}", f"arn:aws:s3:::{name}/*"],
                "Condition": {"Bool": {"aws:SecureTransport": "false"}},
            },
        ],
    }
    # Only the bucket is protected: its settings can be replaced without losing a report.
    settings = (ENCRYPTION, PUBLIC_ACCESS, VERSIONING, LIFECYCLE, BUCKET_POLICY, FRAMEWORK, REPORT_PLAN)
    assert [r.name for r in east.resources if r.type in settings and r.protect] == []


def test_the_bucket_policy_waits_for_the_framework_and_report_plans(run_components, monkeypatch):
    # The policy names Audit Manager's service-linked role, which AWS Backup creates with them.
    waits_for: dict[str, list[str]] = {}

    class RecordingPolicy(aws.s3.BucketPolicy):
        def __init__(self, name: str, opts: pulumi.ResourceOptions, **kwargs: Any) -> None:
            # The component passes its dependencies as a plain list of resources.
            dependencies = cast(list[pulumi.Resource], opts.depends_on)
            waits_for[name] = sorted(dependency._name for dependency in dependencies)
            super().__init__(name, opts=opts, **kwargs)

    monkeypatch.setattr(aws.s3, "BucketPolicy", RecordingPolicy)
    run = run_components(
        lambda: BackupAudit(
            "a", {"vault_name": "vault1", "required_frequency_unit": "days", "required_frequency_value": 1}
        )
    )
    assert run.error is None, run.error
    assert waits_for == {"a-reports-policy": ["a-backup-jobs", "a-controls", "a-framework"]}


def test_the_bucket_policy_passes_parliament():
    document = report_bucket_policy(bucket_arn="arn:aws:s3:::reports-abc", partition="aws", account_id=PROD_ACCOUNT)
    findings = [
        enhance_finding(finding)
        for finding in analyze_policy_string(document, include_community_auditors=True).findings
    ]
    assert [(f.issue, f.severity) for f in findings if f.severity not in ("MUTE", "INFO", "LOW")] == []


def test_audit_is_one_component_under_the_stack_component(east):
    [component] = east.of_type(COMPONENT)
    assert component.name == "backup-audit"
    assert east.by_urn(component.parent).name == "backup"
    children = sorted(r.type for r in east.resources if r.parent == component.urn)
    assert children == sorted([FRAMEWORK, *[REPORT_PLAN] * 4, BUCKET, *BUCKET_SETTINGS])


def test_outputs(east):
    assert east.outputs["audit_framework_arn"] == east.named(FRAMEWORK, "backup-audit-framework").outputs["arn"]
    assert east.outputs["audit_report_bucket"] == east.named(BUCKET, "backup-audit-reports").outputs["bucket"]


@pytest.mark.parametrize("stack", ["prod-west", "seed", "archive"])
def test_other_stacks_have_no_audit(fixture_run, stack):
    run = fixture_run(stack)
    assert run.error is None, run.error
    assert [r.type for r in run.resources if r.type in AUDIT_TYPES] == []
    assert "audit_framework_arn" not in run.outputs


# --- through the stack file ---------------------------------------------------------------------


def test_a_last_weekday_rule_asks_the_frequency_control_for_its_longest_gap(run_config):
    # LW: the last weekday of the month, 28 to 33 days apart (31 for the 1st of the month it replaces).
    config = fixture_config("prod-east")
    monthly = config[f"{PROJECT}:plans"][1]["rules"][1]
    assert monthly["name"] == "monthly-archive"
    monthly["schedule"] = "cron(0 5 LW * ? *)"
    run = built(run_config(config))
    [framework] = run.of_type(FRAMEWORK)
    assert framework.inputs["controls"][0] == {
        "name": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
        "inputParameters": [
            {"name": "requiredFrequencyUnit", "value": "days"},
            {"name": "requiredFrequencyValue", "value": "33"},
            {"name": "requiredRetentionDays", "value": "35"},
        ],
        "scope": PROD_SCOPE,
    }
    assert not [warning for warning in run.warnings if warning.startswith("audit.")]


def test_a_rule_whose_runs_are_unknown_is_left_out_of_the_frequency_control_with_a_warning(run_config):
    # 'L' alone in Day-of-week: the cron library cannot follow it, so its gaps are unknown.
    config = fixture_config("prod-east")
    config[f"{PROJECT}:plans"][1]["rules"][1]["schedule"] = "cron(0 5 ? * L *)"
    run = built(run_config(config))
    [framework] = run.of_type(FRAMEWORK)
    assert framework.inputs["controls"][0]["inputParameters"][1] == {"name": "requiredFrequencyValue", "value": "7"}
    assert [warning for warning in run.warnings if warning.startswith("audit.")] == [
        "audit.stack_controls: this program cannot work out the time between runs of plans[1].rules[1], so the "
        "backup frequency control leaves them out (and asks for a daily backup, AWS's default, when it can read "
        "no rule at all); a plan that runs less often fails the control: set stack_controls: false and add the "
        "control under audit.controls with the frequency you mean"
    ]


def test_defaults_on_the_dev_stack(run_config):
    run = built(run_config(seed_config(audit={})))
    [framework] = run.of_type(FRAMEWORK)
    # No tags, copies, lock or policy admin roles in dev: no scope and only the three controls that apply.
    assert framework.inputs["controls"] == [
        {
            "name": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
            "inputParameters": [
                {"name": "requiredFrequencyUnit", "value": "days"},
                {"name": "requiredFrequencyValue", "value": "7"},
                {"name": "requiredRetentionDays", "value": "30"},
            ],
        },
        {"name": "BACKUP_RECOVERY_POINT_ENCRYPTED"},
        {"name": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"},
    ]
    assert "tags" not in framework.inputs
    assert sorted(plan.inputs["name"] for plan in run.of_type(REPORT_PLAN)) == [
        "windows_server_backup_backup_jobs",
        "windows_server_backup_controls",
    ]
    assert run.named(BUCKET, "backup-audit-reports").protect is True
    assert run.named(LIFECYCLE, "backup-audit-reports-lifecycle").inputs["rules"] == [_lifecycle_rule(365)]


def test_every_setting_reaches_the_framework_plans_and_bucket(run_config):
    config = seed_config(
        audit={
            "framework_name": "Backups",
            "scope_tag": {"owner": "windows-team"},
            "job_reports": ["RESTORE_JOB_REPORT"],
            "report_formats": ["JSON"],
            "report_retention_days": 36500,
        },
        tags={"owner": "windows-team", "cost-center": "42"},
        vault={
            "name": "backup-vault-us-east-1",
            "protect": False,
            "break_glass_role_arn": BREAK_GLASS,
            "policy_admin_role_arns": [DEPLOYER],
        },
    )
    run = built(run_config(config))
    [framework] = run.of_type(FRAMEWORK)
    assert framework.inputs["name"] == "Backups"
    assert {c["name"]: c.get("scope") for c in framework.inputs["controls"]}["BACKUP_RECOVERY_POINT_ENCRYPTED"] == {
        "tags": {"owner": "windows-team"}
    }
    # The vault policy's deny exempts the break-glass role and the deploy role: the control is told.
    assert framework.inputs["controls"][2] == _vault_control(
        "backup-vault-us-east-1", [{"name": "principalArnList", "value": f"{BREAK_GLASS},{DEPLOYER}"}]
    )
    plans = {plan.inputs["name"]: plan.inputs for plan in run.of_type(REPORT_PLAN)}
    assert sorted(plans) == ["Backups_controls", "Backups_restore_jobs"]
    assert plans["Backups_restore_jobs"]["reportDeliveryChannel"]["formats"] == ["JSON"]
    assert run.named(BUCKET, "backup-audit-reports").protect is False  # follows the vault's protect
    assert run.named(LIFECYCLE, "backup-audit-reports-lifecycle").inputs["rules"] == [_lifecycle_rule(36500)]


def test_the_stacks_single_tag_is_the_default_scope(run_config):
    run = built(run_config(seed_config(audit={}, tags={"environment": "dev"})))
    [framework] = run.of_type(FRAMEWORK)
    scopes = [control.get("scope") for control in framework.inputs["controls"]]
    assert scopes == [{"tags": {"environment": "dev"}}] * 3


def test_an_empty_scope_judges_every_resource_of_the_region(run_config):
    vault = {"name": "backup-vault-us-east-1", "policy_admin_role_arns": [DEPLOYER]}
    run = built(
        run_config(seed_config(audit={"scope_tag": {}}, tags={"environment": "dev", "team": "it"}, vault=vault))
    )
    [framework] = run.of_type(FRAMEWORK)
    assert [c["name"] for c in framework.inputs["controls"] if "scope" in c] == [
        "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"
    ]


def test_longest_framework_name_that_leaves_room_for_the_report_plans(run_config):
    name = "F" * 244  # 256 - len("_backup_jobs")
    run = built(run_config(seed_config(audit={"framework_name": name})))
    assert max(len(plan.inputs["name"]) for plan in run.of_type(REPORT_PLAN)) == 256


NAME_RULE = "a framework or report plan name must start with a letter and hold only letters, digits or '_'"
RULES = [
    # (key under audit, bad value, value as printed, rule, fix)
    ("framework_name", "1backups", '"1backups"', NAME_RULE, "e.g. 'backups'"),
    ("framework_name", "windows-backup", '"windows-backup"', NAME_RULE, "e.g. 'windows_backup'"),
    (
        "framework_name",
        "F" * 245,
        '"FFFF',
        "so the framework name may have at most 244 characters here",
        "shorten it to 244 characters or fewer",
    ),
    (
        "scope_tag",
        {"environment": "prod", "team": "it"},
        '{"environment": "prod", "team": "it"}',
        "a control scope takes at most one tag, got 2",
        "keep the one tag",
    ),
    (
        "scope_tag",
        {"aws:env": "prod"},
        '{"aws:env": "prod"}',
        "tag keys starting with 'aws:' are reserved",
        "use another prefix",
    ),
    (
        "job_reports",
        ["BACKUP_JOB_REPORT", "BACKUP_JOB_REPORT"],
        '["BACKUP_JOB_REPORT", "BACKUP_JOB_REPORT"]',
        "a job report template is listed twice",
        "list each template once",
    ),
    ("report_formats", [], "[]", "reports are written as CSV, JSON or both, each once", "use ['CSV'], ['JSON']"),
    (
        "report_formats",
        ["CSV", "CSV"],
        '["CSV", "CSV"]',
        "reports are written as CSV, JSON or both, each once",
        "use ['CSV'], ['JSON']",
    ),
    ("report_retention_days", 0, "0", "reports are kept 1-36500 days", "use e.g. 365"),
    ("report_retention_days", 36501, "36501", "reports are kept 1-36500 days", "use e.g. 365"),
    ("unknown", True, "true", "is not a setting of this program", "framework_name, scope_tag"),
]


@pytest.mark.parametrize(("key", "value", "shown", "rule", "fix"), RULES, ids=[f"{r[0]}={r[1]!r}"[:50] for r in RULES])
def test_rule(run_config, key, value, shown, rule, fix):
    rejected_with(run_config(seed_config(audit={key: value})), f"audit.{key}", shown, rule, fix)


@pytest.mark.parametrize(("key", "value"), [("job_reports", ["SCAN_JOB_REPORT"]), ("report_formats", ["XML"])])
def test_unknown_templates_and_formats(run_config, key, value):
    # (The config layer lower-cases pydantic's own messages, values included.)
    rejected_with(
        run_config(seed_config(audit={key: value})),
        f"audit.{key}[0]",
        f'"{value[0]}"',
        "input should be '",
        "use one of the values listed",
    )


def test_several_stack_tags_need_the_scope_named(run_config):
    rejected_with(
        run_config(seed_config(audit={}, tags={"team": "it", "environment": "dev"})),
        "audit.scope_tag",
        "null",
        "the audit controls are scoped by one tag, and the stack has 2 tags to choose from",
        "name one in audit.scope_tag, e.g. {'environment': 'dev'}, or {} to judge every resource of the region",
    )


def test_the_archive_stack_has_no_audit(run_config):
    archive = fixture_config("archive", audit={})
    rejected_with(
        run_config(archive),
        "audit",
        '"..."',
        "the archive stack only holds the archive vault",
        "move audit to a source stack's file",
    )


# --- the component from code and its plain functions ---------------------------------------------


def test_component_from_code_with_the_least_arguments(run_components):
    def program():
        BackupAudit(
            "a",
            {
                "vault_name": "vault1",
                "required_frequency_unit": "hours",
                "required_frequency_value": 12,
                "job_reports": [],
                "protect_report_bucket": False,
            },
        )

    run = run_components(program)
    assert run.error is None, run.error
    assert run.named(FRAMEWORK, "a-framework").inputs["controls"] == [
        {
            "name": "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
            "inputParameters": [
                {"name": "requiredFrequencyUnit", "value": "hours"},
                {"name": "requiredFrequencyValue", "value": "12"},
            ],
        },
        {"name": "BACKUP_RECOVERY_POINT_ENCRYPTED"},
        _vault_control("vault1"),
        {"name": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"},
    ]
    assert [plan.name for plan in run.of_type(REPORT_PLAN)] == ["a-controls"]
    assert run.named(BUCKET, "a-reports").protect is False
    assert sorted(i.token for i in run.invocations) == [
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
    ]


def test_component_lists_every_problem_and_registers_nothing(run_components):
    def program():
        BackupAudit(
            "a",
            {
                "vault_name": "vault1",
                "required_frequency_unit": "weeks",  # type: ignore[typeddict-item]  # the wrong value under test
                "required_frequency_value": 1,
                "framework_name": "_x",
                "job_reports": ["SCAN_JOB_REPORT"],
                "report_formats": ["PDF"],
                "scope_tag": {"a": "1", "b": "2"},
                "deletion_allowed_role_arns": [f"arn:aws:iam::123456789012:role/r{i}" for i in range(5)] + ["admin"],
            },
        )

    run = run_components(program)
    assert isinstance(run.error, pulumi.RunError)
    assert [line.split(":", 1)[0] for line in str(run.error).splitlines()] == [
        "BackupAudit 'a' has invalid arguments",
        "  - framework_name",
        "  - job_reports",
        "  - report_formats",
        "  - scope_tag",
        "  - required_frequency_*",
        "  - deletion_allowed_role_arns",
        "  - deletion_allowed_role_arns[5]",
    ]
    assert [r.type for r in run.registrations] == ["pulumi:pulumi:Stack", COMPONENT]


@pytest.mark.parametrize(
    ("schedule", "minutes", "promise"),
    [
        ("cron(0 18 ? * SUN *)", 7 * 1440, ("days", 7)),
        ("cron(0 18 ? * MON-FRI *)", 3 * 1440, ("days", 3)),  # the weekend is the longest gap
        ("cron(0 18 * * ? *)", 1440, ("days", 1)),
        ("cron(0 0,12 * * ? *)", 720, ("hours", 12)),
        ("cron(0 * * * ? *)", 60, ("hours", 1)),
        ("cron(0 0,9 * * ? *)", 900, ("hours", 15)),
        ("cron(0 6 1 * ? *)", 31 * 1440, ("days", 31)),
    ],
)
def test_the_promised_frequency_is_the_longest_gap(schedule, minutes, promise):
    assert longest_gap_minutes(schedule) == minutes
    assert frequency(minutes) == promise


def test_plan_promises_are_what_every_rule_meets():
    rules: list[dict[str, Any]] = [
        {"schedule": "cron(0 18 * * ? *)", "delete_after_days": 90},
        {"schedule": "cron(0 18 ? * SUN *)", "delete_after_days": 35},
        {"schedule": "cron(0 6 * * ? *)"},  # kept forever: no retention to promise from it
    ]
    assert plan_promises(rules) == ("days", 7, 35)
    assert plan_promises([{"schedule": "cron(0 6 * * ? *)"}]) == ("days", 1, None)
    assert frequency(1441) == ("days", 2)
