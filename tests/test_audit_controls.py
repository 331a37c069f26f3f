"""Audit frameworks with controls of your own, report plans of your own into an existing bucket, and stacks
that are only an audit. Control names and parameters are checked against what AWS documents (unknown
names warn, since AWS's refusal of them is not confirmed); every rule at its boundary."""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from conftest import PROJECT, seed_config
from contract import invalid_requests, translate
from test_restore_testing import built, rejected_with

from components import BackupAudit
from components.audit_controls import CONTROLS, MAX_CONTROLS, control_problems, controls_problems

FRAMEWORK = "aws:backup/framework:Framework"
REPORT_PLAN = "aws:backup/reportPlan:ReportPlan"
BUCKET = "aws:s3/bucket:Bucket"
BUCKET_POLICY = "aws:s3/bucketPolicy:BucketPolicy"
ROLE = "arn:aws:iam::123456789012:role/break-glass"


def _problems(name: str, parameters: dict[str, Any] | None = None, scope: dict[str, Any] | None = None) -> list[str]:
    control: dict[str, Any] = {"name": name, "parameters": parameters or {}, "scope": scope}
    found, _ = control_problems(control)
    return [f"{where}: {violation.rule}" for where, violation in found]


def _warnings(name: str, parameters: dict[str, Any] | None = None) -> list[str]:
    return control_problems({"name": name, "parameters": parameters or {}})[1]


# --- The controls AWS documents ------------------------------------------------------------------


def test_every_documented_control_passes_without_parameters():
    assert len(CONTROLS) == 11
    assert all(_problems(name) == [] and _warnings(name) == [] for name in CONTROLS)


FREQUENCY = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"
LAST_POINT = "BACKUP_LAST_RECOVERY_POINT_CREATED"
AIR_GAPPED = "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT"


@pytest.mark.parametrize(
    ("name", "parameters", "ok"),
    [
        (FREQUENCY, {"requiredFrequencyUnit": "hours", "requiredFrequencyValue": 24}, True),
        (FREQUENCY, {"requiredFrequencyUnit": "hours", "requiredFrequencyValue": 25}, False),
        (FREQUENCY, {"requiredFrequencyUnit": "days", "requiredFrequencyValue": 31}, True),
        (FREQUENCY, {"requiredFrequencyValue": 32}, False),  # days by default
        (FREQUENCY, {"requiredFrequencyUnit": "weeks"}, False),
        (FREQUENCY, {"requiredRetentionDays": 1}, True),
        (FREQUENCY, {"requiredRetentionDays": 0}, False),
        (FREQUENCY, {"requiredRetentionDays": "35"}, True),  # text or number
        (LAST_POINT, {"recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": 744}, True),
        (LAST_POINT, {"recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": 745}, False),
        (LAST_POINT, {"recoveryPointAgeUnit": "days", "recoveryPointAgeValue": 31}, True),
        (LAST_POINT, {"recoveryPointAgeUnit": "days", "recoveryPointAgeValue": 32}, False),
        (AIR_GAPPED, {"recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": 23}, False),
        (AIR_GAPPED, {"recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": 24}, True),
        (AIR_GAPPED, {"recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": 2184}, True),
        (AIR_GAPPED, {"recoveryPointAgeUnit": "hours", "recoveryPointAgeValue": 2185}, False),
        (AIR_GAPPED, {"recoveryPointAgeUnit": "days", "recoveryPointAgeValue": 91}, True),
        (AIR_GAPPED, {"recoveryPointAgeUnit": "days", "recoveryPointAgeValue": 92}, False),
        ("BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED", {"principalArnList": ",".join([ROLE] * 5)}, True),
        ("BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED", {"principalArnList": ",".join([ROLE] * 6)}, False),
        ("BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED", {"principalArnList": "admin"}, False),
        ("BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT", {"crossAccountList": ",".join(["111111111111"] * 5)}, True),
        ("BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT", {"crossAccountList": ",".join(["111111111111"] * 6)}, False),
        ("BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION", {"crossRegionList": "us-west-2, eu-west-1"}, True),
        ("BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION", {"crossRegionList": "west"}, False),
        ("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK", {"minRetentionDays": 7, "maxRetentionDays": 7}, True),
        ("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK", {"minRetentionDays": 8, "maxRetentionDays": 7}, False),
        ("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK", {"maxRetentionDays": 36501}, False),
        ("RESTORE_TIME_FOR_RESOURCES_MEET_TARGET", {"maxRestoreTime": 720}, True),
        ("RESTORE_TIME_FOR_RESOURCES_MEET_TARGET", {"maxRestoreTime": 0}, False),
    ],
)
def test_parameter_values(name, parameters, ok):
    assert (_problems(name, parameters) == []) is ok, _problems(name, parameters)


def test_a_control_without_parameters_takes_none():
    # A community example sets requiredRetentionDays on this control, which has no parameter.
    assert _problems("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", {"requiredRetentionDays": 35}) == [
        "parameters.requiredRetentionDays: BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN takes no parameters, not "
        "'requiredRetentionDays'"
    ]


def test_an_undocumented_parameter_is_an_error_where_aws_documents_the_list_and_a_warning_elsewhere():
    assert _problems(FREQUENCY, {"maxRetentionDays": 100}) == [
        f"parameters.maxRetentionDays: {FREQUENCY} takes ['requiredFrequencyUnit', 'requiredFrequencyValue', "
        "'requiredRetentionDays'], not 'maxRetentionDays'"
    ]
    assert _problems("BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION", {"regions": "us-west-2"}) == []
    assert _warnings("BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION", {"regions": "us-west-2"}) == [
        "control BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION: parameter 'regions' is not one AWS documents for it "
        "(['crossRegionList']); it may be ignored"
    ]


@pytest.mark.parametrize(
    ("name", "meant"),
    [
        ("backup_resources_protected_by_backup_plan", "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"),
        ("backup_recovery_point_encrypted", "BACKUP_RECOVERY_POINT_ENCRYPTED"),
        ("BACKUP_RECOVERY_POINT_MIN_RETENTION_CHECK", "BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK"),
        ("BACKUP_RESTORE_TIME_COMPLIANCE", None),
    ],
)
def test_an_unknown_name_warns_with_the_control_it_most_likely_means(name, meant):
    assert _problems(name) == []
    [warning] = _warnings(name)
    assert warning.startswith(f"control {name!r} is not one AWS documents")
    if meant:
        assert warning.endswith(f"Did you mean {meant!r}?")
    else:
        assert "Documented controls: BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN, " in warning


@pytest.mark.parametrize(
    ("scope", "problem"),
    [
        ({"resource_ids": ["v1"]}, "scope.resource_types: resource IDs are judged with exactly one resource type"),
        (
            {"resource_ids": ["v1"], "resource_types": ["A", "B"]},
            "scope.resource_types: resource IDs are judged with exactly one resource type",
        ),
        ({"resource_ids": [f"v{i}" for i in range(101)], "resource_types": ["A"]}, "scope.resource_ids: a scope names"),
        ({"tags": {"a": "1", "b": "2"}}, "scope.tags: a control scope takes at most one tag"),
    ],
)
def test_scopes(scope, problem):
    [found] = _problems("BACKUP_RECOVERY_POINT_ENCRYPTED", scope=scope)
    assert found.startswith(problem)


def test_at_most_50_controls_in_a_framework():
    """AWS Backup guide, "Controls and remediation": up to 50 controls per account and Region."""
    stack = ["BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN", "BACKUP_RECOVERY_POINT_ENCRYPTED", "BACKUP_PLAN_X"]

    def limit(count: int) -> list[str]:
        controls = [{"name": f"CONTROL_{index}"} for index in range(count)]
        return [violation.rule for where, violation in controls_problems(controls, stack)[0] if where == ""]

    assert limit(MAX_CONTROLS - len(stack)) == []
    assert limit(MAX_CONTROLS - len(stack) + 1) == [
        "AWS allows 50 controls per account and Region, and this framework has 51"
    ]


# --- A stack that is only an audit ----------------------------------------------------------------

AUDIT_ONLY = {
    "framework_name": "org_evidence",
    "controls": [
        {
            "name": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
            "parameters": {"maxRetentionDays": 100},
            "scope": {"resource_types": ["EBS"]},
        },
        {"name": "BACKUP_RECOVERY_POINT_ENCRYPTED", "scope": {"tags": {"environment": "prod"}}},
    ],
    "job_reports": [],
    "reports": [
        {
            "name": "org_backup_jobs",
            "template": "BACKUP_JOB_REPORT",
            "accounts": ["ROOT"],
            "regions": ["*"],
        }
    ],
    "report_bucket": "acme-backup-reports",
    "report_key_prefix": "audit",
}


def _audit_only(**changes: Any) -> dict[str, Any]:
    return {"aws:region": "us-east-1", f"{PROJECT}:audit": {**AUDIT_ONLY, **changes}}


def test_an_audit_only_stack(run_config):
    run = built(run_config(_audit_only()))
    assert sorted(r.type for r in run.resources if r.custom) == [FRAMEWORK, REPORT_PLAN, REPORT_PLAN]
    [framework] = run.of_type(FRAMEWORK)
    assert framework.inputs == {
        "name": "org_evidence",
        "description": "Controls of windows-server-backup's audit settings",
        "controls": [
            {
                "name": "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
                "inputParameters": [{"name": "maxRetentionDays", "value": "100"}],
                "scope": {"complianceResourceTypes": ["EBS"]},
            },
            {"name": "BACKUP_RECOVERY_POINT_ENCRYPTED", "scope": {"tags": {"environment": "prod"}}},
        ],
    }
    channel = {"s3BucketName": "acme-backup-reports", "s3KeyPrefix": "audit"}
    plans = {plan.name: plan.inputs for plan in run.of_type(REPORT_PLAN)}
    assert plans == {
        "backup-audit-controls": {
            "name": "org_evidence_controls",
            "description": "Daily verdicts of the framework's controls",
            "reportDeliveryChannel": {**channel, "formats": ["CSV", "JSON"]},
            "reportSetting": {
                "reportTemplate": "CONTROL_COMPLIANCE_REPORT",
                "frameworkArns": [framework.outputs["arn"]],
                "numberOfFrameworks": 1,
            },
        },
        "backup-audit-report-org_backup_jobs": {
            "name": "org_backup_jobs",
            "reportDeliveryChannel": {**channel, "formats": ["CSV"]},
            "reportSetting": {"reportTemplate": "BACKUP_JOB_REPORT", "accounts": ["ROOT"], "regions": ["*"]},
        },
    }
    # The bucket is the user's: no bucket, no bucket policy.
    assert run.of_type(BUCKET) == [] and run.of_type(BUCKET_POLICY) == []
    assert run.outputs["audit_report_bucket"] == "acme-backup-reports"
    assert run.outputs["audit_framework_arn"] == framework.outputs["arn"]
    assert "vault_arn" not in run.outputs and "role_arn" not in run.outputs
    assert run.warnings == [
        "BackupAudit 'backup-audit': report 'org_backup_jobs' covers other accounts: only the organization's "
        "management account or a delegated administrator may create it"
    ]
    assert invalid_requests(translate(run)) == {}


def test_a_report_only_stack_has_no_framework(run_config):
    run = built(run_config(_audit_only(controls=[], reports=[], job_reports=["BACKUP_JOB_REPORT"])))
    assert run.of_type(FRAMEWORK) == []
    assert [plan.inputs["name"] for plan in run.of_type(REPORT_PLAN)] == ["org_evidence_backup_jobs"]
    assert "audit_framework_arn" not in run.outputs


def test_an_audit_that_deploys_nothing_is_refused(run_components):
    run = run_components(lambda: BackupAudit("a", {"job_reports": []}))
    assert isinstance(run.error, pulumi.RunError)
    assert "controls: an audit without controls or reports deploys nothing" in str(run.error)


def test_the_stacks_controls_need_plans(run_config):
    rejected_with(
        run_config(_audit_only(stack_controls=True)),
        "audit.stack_controls",
        "true",
        "the stack's own controls follow its plans, and it has none",
        "list your controls in audit.controls",
    )


# --- Controls of your own in a source stack --------------------------------------------------------


def test_your_controls_follow_the_stacks(run_config):
    mine = {
        "name": "BACKUP_LAST_RECOVERY_POINT_CREATED",
        "parameters": {"recoveryPointAgeUnit": "days", "recoveryPointAgeValue": 8},
    }
    run = built(run_config(seed_config(audit={"controls": [mine]})))
    [framework] = run.of_type(FRAMEWORK)
    assert [control["name"] for control in framework.inputs["controls"]] == [
        "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
        "BACKUP_RECOVERY_POINT_ENCRYPTED",
        "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN",
        "BACKUP_LAST_RECOVERY_POINT_CREATED",
    ]
    assert framework.inputs["controls"][-1] == {
        "name": "BACKUP_LAST_RECOVERY_POINT_CREATED",
        "inputParameters": [
            {"name": "recoveryPointAgeUnit", "value": "days"},
            {"name": "recoveryPointAgeValue", "value": "8"},
        ],
    }


def test_your_controls_alone_when_the_stacks_are_off(run_config):
    mine = {"name": "BACKUP_RECOVERY_POINT_ENCRYPTED"}
    run = built(run_config(seed_config(audit={"stack_controls": False, "controls": [mine]})))
    [framework] = run.of_type(FRAMEWORK)
    assert framework.inputs["controls"] == [{"name": "BACKUP_RECOVERY_POINT_ENCRYPTED"}]


def test_a_control_the_stack_already_has_is_refused(run_config):
    rejected_with(
        run_config(seed_config(audit={"controls": [{"name": "BACKUP_RECOVERY_POINT_ENCRYPTED"}]})),
        "audit.controls[0].name",
        '"BACKUP_RECOVERY_POINT_ENCRYPTED"',
        "the stack's own controls already include BACKUP_RECOVERY_POINT_ENCRYPTED",
        "turn the stack's controls off",
    )


def test_a_bad_parameter_in_the_stack_file(run_config):
    control = {"name": FREQUENCY, "parameters": {"requiredFrequencyUnit": "hours", "requiredFrequencyValue": 25}}
    rejected_with(
        run_config(_audit_only(controls=[control])),
        "audit.controls[0].parameters.requiredFrequencyValue",
        "25",
        f"{FREQUENCY}'s requiredFrequencyValue: in hours it is at most 24",
        "use 1-24 hours, or count in days",
    )


def test_an_unknown_control_name_deploys_with_a_warning(run_config):
    run = built(run_config(_audit_only(controls=[{"name": "backup_recovery_point_encrypted"}], reports=[])))
    assert run.warnings == [
        "BackupAudit 'backup-audit': control 'backup_recovery_point_encrypted' is not one AWS documents (AWS Backup "
        "guide, 'Creating frameworks using the AWS Backup API'); AWS may reject it or never evaluate it. Did you "
        "mean 'BACKUP_RECOVERY_POINT_ENCRYPTED'?"
    ]


# --- Report plans of your own ----------------------------------------------------------------------


def _report(**changes: Any) -> dict[str, Any]:
    return {"name": "org_jobs", "template": "BACKUP_JOB_REPORT", **changes}


FRAMEWORK_ARN = (
    "arn:aws:backup:us-west-2:111111111111:framework:windows_server_backup-0123abcd-4567-89ef-0123-456789abcdef"
)


@pytest.mark.parametrize(
    ("report", "path", "rule"),
    [
        (
            _report(formats=["JSON"], accounts=["ROOT"]),
            "formats",
            "reports across accounts or Regions are written as CSV only",
        ),
        (
            _report(formats=["CSV", "JSON"], regions=["*"]),
            "formats",
            "reports across accounts or Regions are written as CSV only",
        ),
        (_report(formats=["JSON"], regions=["us-east-1", "us-west-2"]), "formats", "written as CSV only"),
        (_report(framework_arns=[FRAMEWORK_ARN]), "framework_arns", "frameworks only apply to"),
        (_report(accounts=["12345"]), "accounts[0]", "an AWS account ID is 12 digits, or ROOT for every account"),
        (_report(organization_units=["ou-1"]), "organization_units[0]", "an organizational unit ID looks like"),
        (_report(regions=["east"]), "regions[0]", "not a region where AWS Backup runs"),
        (
            _report(template="CONTROL_COMPLIANCE_REPORT", framework_arns=["arn:aws:backup:x"]),
            "framework_arns[0]",
            "a framework ARN looks like",
        ),
        (_report(name="org-jobs"), "name", "a framework or report plan name must start with a letter"),
        (_report(name="org_evidence_controls"), "name", "report plan name 'org_evidence_controls' is taken"),
    ],
    ids=[
        "json-accounts",
        "json-regions-star",
        "json-two-regions",
        "frameworks-on-jobs",
        "account",
        "ou",
        "region",
        "framework-arn",
        "name",
        "taken",
    ],
)
def test_report_rules(run_config, report, path, rule):
    rejected_with(run_config(_audit_only(reports=[report])), f"audit.reports[0].{path}", "", rule, "")


@pytest.mark.parametrize(
    "report",
    [
        _report(template="SCAN_JOB_REPORT"),
        _report(formats=["CSV", "JSON"], regions=["us-east-1"], accounts=["111111111111"]),
        _report(template="CONTROL_COMPLIANCE_REPORT", framework_arns=[FRAMEWORK_ARN]),
        _report(organization_units=["ou-ab12-cd345678"], accounts=["111111111111", "222222222222"]),
    ],
    ids=["scan-jobs", "json-one-account-one-region", "compliance-with-frameworks", "ou"],
)
def test_reports_that_pass(run_config, report):
    run = built(run_config(_audit_only(reports=[report])))
    assert invalid_requests(translate(run)) == {}


def test_a_multi_account_report_naming_frameworks_warns(run_config):
    report = _report(template="CONTROL_COMPLIANCE_REPORT", framework_arns=[FRAMEWORK_ARN], accounts=["ROOT"])
    run = built(run_config(_audit_only(reports=[report])))
    assert run.warnings == [
        "BackupAudit 'backup-audit': report 'org_jobs' covers other accounts: only the organization's management "
        "account or a delegated administrator may create it; a multi-account report naming frameworks has been "
        "reported to fail (terraform-provider-aws #32235)"
    ]


@pytest.mark.parametrize(
    ("bucket", "ok"),
    [
        ("my_backup_report_bucket", False),  # a community example's name: S3 refuses '_'
        ("ab", False),
        ("abc", True),
        ("a" * 63, True),
        ("a" * 64, False),
        ("My-Reports", False),
        ("reports..2026", False),
        ("192.168.1.1", False),
        ("-reports", False),
        ("backup.reports-2026", True),
    ],
)
def test_existing_bucket_names_follow_s3s_rules(run_config, bucket, ok):
    run = run_config(_audit_only(report_bucket=bucket))
    if ok:
        built(run)
    else:
        rejected_with(run, "audit.report_bucket", f'"{bucket}"', "an S3 bucket name is 3-63 lowercase letters", "")
