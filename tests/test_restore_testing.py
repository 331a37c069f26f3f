"""Restore testing: the prod stacks restore their Windows VSS backups on a schedule, with a role of
their own; dev and archive do not; every rule of the ``restore_testing`` setting stops the program
with one clear problem before anything is registered."""

from __future__ import annotations

import json
from typing import Any, cast

import pulumi
import pytest
from conftest import PROD_FIXTURES, PROJECT, fixture_config, logged_warning, seed_config
from test_config_validation import assert_problem

from components import WindowsRestoreTesting, WindowsRestoreTestingArgs, WindowsServerBackup
from components.restore_testing import restore_metadata_overrides, tag_conditions, unlisted_metadata
from offline import OfflineRun

PROD_ACCOUNT = "111111111111"
PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
ROLE = "aws:iam/role:Role"
ATTACHMENTS = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"
COMPONENT = "windows-server-backup:index:WindowsRestoreTesting"
RESTORE_POLICY = "arn:aws:iam::aws:policy/service-role/AWSBackupServiceRolePolicyForRestores"
SUBNET = "subnet-0123456789abcdef0"
VAULT_ARN = "arn:aws:backup:us-east-1:123456789012:backup-vault:windows-vault"
#: The least a stack file needs to turn restore testing on (the dev stack has one VSS plan tag).
MINIMAL = {"name": "windows_vss_weekly", "schedule": "cron(0 6 ? * MON *)"}
#: The component's required arguments.
COMPONENT_MINIMAL: dict[str, Any] = {
    "name": "nightly",
    "schedule": "cron(0 2 ? * * *)",
    "vault_arn": VAULT_ARN,
    "selection_tags": {"app": "erp"},
}


# --- helpers shared with tests/test_audit.py ----------------------------------------------------


def rejected_with(run: OfflineRun, path: str, shown: str, rule: str, fix: str) -> None:
    """``run`` stopped on its config with exactly one problem, at ``path``, before registering anything.

    ``shown`` is the start of the value as the error prints it (JSON); ``rule`` and ``fix`` are
    parts of the problem's rule and fix texts.
    """
    assert isinstance(run.error, pulumi.RunError), run.error
    assert [r.type for r in run.registrations] == ["pulumi:pulumi:Stack"]
    assert run.outputs == {}
    lines = str(run.error).splitlines()
    assert lines[0] == f"Pulumi.test.yaml: 1 problem under '{PROJECT}:' (nothing was deployed):", str(run.error)
    [line] = lines[1:]
    assert line.startswith(f"  - {path}: got {shown}"), line
    rule_text, fix_text = line.split("; ", 1)[1].split(". Fix: ", 1)
    assert rule in rule_text, line
    assert fix in fix_text, line


def built(run: OfflineRun) -> OfflineRun:
    """``run`` passed validation and registered resources."""
    assert run.error is None, run.error
    assert run.resources
    return run


# --- the prod stacks ----------------------------------------------------------------------------


@pytest.fixture(params=["us-east-1", "us-west-2"], ids=["prod-east", "prod-west"])
def prod(request, fixture_run) -> tuple[OfflineRun, str]:
    run = fixture_run(PROD_FIXTURES[request.param])
    assert run.error is None, run.error
    return run, request.param


def test_prod_plan_tests_the_latest_snapshot_of_the_home_vault_every_monday(prod):
    run, home = prod
    [plan] = run.of_type(PLAN)
    assert plan.name == "backup-restore-testing-plan"
    assert plan.inputs == {
        "name": "windows_vss_weekly",
        "scheduleExpression": "cron(0 6 ? * MON *)",
        "startWindowHours": 24,
        "recoveryPointSelection": {
            "algorithm": "LATEST_WITHIN_WINDOW",
            "includeVaults": [f"arn:aws:backup:{home}:{PROD_ACCOUNT}:backup-vault:backup-vault-{home}"],
            "recoveryPointTypes": ["SNAPSHOT"],
            "selectionWindowDays": 30,
        },
        "tags": {"environment": "prod"},
    }
    assert plan.provider == ""  # the stack's own region, not copy B's provider


def test_prod_selection_restores_the_vss_plans_instances_with_the_restore_testing_role(prod):
    run, _ = prod
    [selection] = run.of_type(SELECTION)
    role = run.named(ROLE, "backup-restore-testing-role")
    assert selection.name == "backup-restore-testing-selection"
    assert selection.inputs == {
        "name": "windows_ec2",
        "restoreTestingPlanName": "windows_vss_weekly",
        "protectedResourceType": "EC2",
        "protectedResourceArns": ["*"],
        "protectedResourceConditions": {
            "stringEquals": [{"key": "aws:ResourceTag/alk:backup", "value": "windows-weekly-ec2-vss"}]
        },
        "iamRoleArn": role.outputs["arn"],
        # Validation is on in both prod fixtures: a 4-hour window, and the instance keeps its
        # profile (for SSM); t3.large is the Windows default instance type.
        "validationWindowHours": 4,
        "restoreMetadataOverrides": {"instanceType": "t3.large", "iamInstanceProfileName": "UseBackedUpValue"},
    }


def test_prod_restore_role_trusts_backup_for_this_account_and_has_only_the_restore_policy(prod):
    run, _ = prod
    role = run.named(ROLE, "backup-restore-testing-role")
    assert json.loads(role.inputs["assumeRolePolicy"]) == {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Principal": {"Service": "backup.amazonaws.com"},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": PROD_ACCOUNT}},
            }
        ],
    }
    assert role.inputs["tags"] == {"environment": "prod"}
    attachments = run.named(ATTACHMENTS, "backup-restore-testing-role-policies")
    assert attachments.inputs == {"roleName": role.outputs["name"], "policyArns": [RESTORE_POLICY]}
    # Its own role: the backup role is not the one restores run with.
    backup_role = run.named(ROLE, "backup-restore-role")
    assert backup_role.outputs["arn"] != role.outputs["arn"]


def test_prod_restore_testing_is_one_component_under_the_stack_component(prod):
    run, _ = prod
    [component] = run.of_type(COMPONENT)
    assert component.name == "backup-restore-testing"
    assert run.by_urn(component.parent).name == "backup"
    children = sorted((r.type, r.name) for r in run.resources if r.parent == component.urn)
    assert children == sorted(
        [
            (PLAN, "backup-restore-testing-plan"),
            (SELECTION, "backup-restore-testing-selection"),
            (ROLE, "backup-restore-testing-role"),
            (ATTACHMENTS, "backup-restore-testing-role-policies"),
            ("aws:iam/rolePolicy:RolePolicy", "backup-restore-testing-role-pass-instance-roles"),
            ("windows-server-backup:index:WindowsRestoreValidation", "backup-restore-testing-validation"),
        ]
    )
    assert not any(r.protect for r in run.resources if r.parent == component.urn)


def test_prod_exports_the_plan_and_role(prod):
    run, _ = prod
    assert run.outputs["restore_testing_plan_name"] == "windows_vss_weekly"
    assert run.outputs["restore_testing_role_arn"] == run.named(ROLE, "backup-restore-testing-role").outputs["arn"]


@pytest.mark.parametrize("stack", ["seed", "archive"])
def test_dev_and_archive_have_no_restore_testing(fixture_run, stack):
    run = fixture_run(stack)
    assert run.error is None, run.error
    assert not run.of_type(PLAN) and not run.of_type(SELECTION) and not run.of_type(COMPONENT)
    assert "restore_testing_plan_name" not in run.outputs


# --- every setting, through the stack file --------------------------------------------------------


def _with(key: str, value: Any) -> dict[str, Any]:
    settings: dict[str, Any] = dict(MINIMAL)
    *parents, last = key.split(".")
    target = settings
    for parent in parents:
        target = target.setdefault(parent, {})
    target[last] = value
    return settings


def test_every_setting_reaches_the_plan_and_selection(run_config):
    run = built(
        run_config(
            seed_config(
                restore_testing={
                    **MINIMAL,
                    "timezone": "Europe/Berlin",
                    "start_window_hours": 168,
                    "algorithm": "RANDOM_WITHIN_WINDOW",
                    "selection_window_days": 365,
                    "selection_name": "s" * 50,
                    "selection_tags": {"alk:backup": "windows-weekly-ec2-vss", "os": "windows"},
                    "validation_window_hours": 168,
                    "restore_metadata_overrides": {"instance_type": "t3.large", "subnet_id": SUBNET},
                }
            )
        )
    )
    [plan] = run.of_type(PLAN)
    assert plan.inputs["scheduleExpressionTimezone"] == "Europe/Berlin"
    assert plan.inputs["startWindowHours"] == 168
    assert plan.inputs["recoveryPointSelection"]["algorithm"] == "RANDOM_WITHIN_WINDOW"
    assert plan.inputs["recoveryPointSelection"]["selectionWindowDays"] == 365
    assert "tags" not in plan.inputs  # the dev stack has no tags
    [selection] = run.of_type(SELECTION)
    assert selection.inputs["name"] == "s" * 50
    assert selection.inputs["validationWindowHours"] == 168
    assert selection.inputs["restoreMetadataOverrides"] == {"instanceType": "t3.large", "subnetId": SUBNET}
    assert selection.inputs["protectedResourceConditions"] == {
        "stringEquals": [
            {"key": "aws:ResourceTag/alk:backup", "value": "windows-weekly-ec2-vss"},
            {"key": "aws:ResourceTag/os", "value": "windows"},
        ]
    }


def test_the_least_setting_takes_the_aws_defaults(run_config):
    run = built(run_config(seed_config(restore_testing=MINIMAL)))
    [plan] = run.of_type(PLAN)
    assert plan.inputs["startWindowHours"] == 24
    assert plan.inputs["recoveryPointSelection"]["selectionWindowDays"] == 30
    assert "scheduleExpressionTimezone" not in plan.inputs
    [selection] = run.of_type(SELECTION)
    assert selection.inputs["name"] == "windows_ec2"
    assert "validationWindowHours" not in selection.inputs
    # Windows restores default to t3.large (never a size VSS cannot back up), not the AWS default.
    assert selection.inputs["restoreMetadataOverrides"] == {"instanceType": "t3.large"}
    assert run.warnings == []


def test_a_null_instance_type_restores_the_backed_up_type(run_config):
    run = built(
        run_config(seed_config(restore_testing={**MINIMAL, "restore_metadata_overrides": {"instance_type": None}}))
    )
    [selection] = run.of_type(SELECTION)
    assert "restoreMetadataOverrides" not in selection.inputs


def test_restore_testing_without_vss_instances_setup_still_tests_the_vss_plan(run_config):
    # Restore tests need the VSS plan's tag, not the instance profile that vss_instances adds.
    config = seed_config(restore_testing=MINIMAL)
    del config[f"{PROJECT}:vss_instances"]
    run = built(run_config(config))
    [selection] = run.of_type(SELECTION)
    assert selection.inputs["protectedResourceConditions"]["stringEquals"][0]["value"] == "windows-weekly-ec2-vss"


def test_a_selection_window_shorter_than_the_backup_gap_is_a_warning(run_config):
    run = built(run_config(seed_config(restore_testing={**MINIMAL, "selection_window_days": 6})))
    assert run.warnings == [
        "restore_testing.selection_window_days: 6 days is shorter than the 7 days between the Windows VSS "
        "backups, so some restore tests find no recovery point to restore"
    ]
    assert built(run_config(seed_config(restore_testing={**MINIMAL, "selection_window_days": 7}))).warnings == []


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("name", "n" * 50),
        ("name", "0_Windows"),
        ("start_window_hours", 1),
        ("selection_window_days", 1),
        ("validation_window_hours", 0),  # botocore: "0 to 168"
        ("validation_window_hours", 168),
        # The smallest t3 VSS supports; nano and micro are refused below.
        ("restore_metadata_overrides.instance_type", "t3.small"),
        ("validation.log_retention_days", 1),
        ("validation.log_retention_days", 3653),
        ("validation.required_services", ["MSSQL$SQLEXPRESS", "W3SVC", "Windows Update 2"]),
    ],
)
def test_boundaries_accepted(run_config, key, value):
    run = built(run_config(seed_config(restore_testing=_with(key, value))))
    assert len(run.of_type(PLAN)) == 1


NAME_RULE = "a restore testing name must be 1-50 letters, digits or '_' (no '-' or '.')"
RULES = [
    # (key under restore_testing, bad value, value as printed, rule, fix)
    ("name", "windows-vss", '"windows-vss"', NAME_RULE, "e.g. 'windows_vss'"),
    ("name", "n" * 51, '"' + "n" * 51 + '"', NAME_RULE, "e.g. '" + "n" * 50 + "'"),
    ("name", "", '""', NAME_RULE, "e.g. 'windows_restore_test'"),
    ("selection_name", "ec2.windows", '"ec2.windows"', NAME_RULE, "e.g. 'ec2_windows'"),
    (
        "schedule",
        "rate(7 days)",
        '"rate(7 days)"',
        "accept only cron() schedules, not rate()",
        "write the schedule as cron(",
    ),
    (
        "schedule",
        "cron(0 6 * * MON *)",
        '"cron(0 6 * * MON *)"',
        "exactly one of day-of-month and day-of-week must be '?'",
        "e.g. 'cron(0 6 ? * MON *)'",
    ),
    ("timezone", "Mars/Olympus", '"Mars/Olympus"', "must be an IANA time zone name", "use a name like 'UTC'"),
    ("start_window_hours", 0, "0", "a restore test's start window must be 1-168 hours", "use e.g. 24"),
    ("start_window_hours", 169, "169", "a restore test's start window must be 1-168 hours", "use e.g. 24"),
    ("selection_window_days", 0, "0", "picks recovery points from the last 1-365 days", "use e.g. 30"),
    ("selection_window_days", 366, "366", "picks recovery points from the last 1-365 days", "use e.g. 30"),
    ("validation_window_hours", -1, "-1", "a restore test's validation window must be 0-168 hours", "leave it out"),
    ("validation_window_hours", 169, "169", "a restore test's validation window must be 0-168 hours", "leave it out"),
    # (The config layer lower-cases pydantic's own messages, values included.)
    ("algorithm", "OLDEST", '"OLDEST"', "input should be '", "use one of the values listed"),
    (
        "selection_tags",
        {},
        "{}",
        "a restore test needs a tag to find the instances to restore",
        "pass the selection tag of the Windows VSS plan",
    ),
    (
        "selection_tags",
        {"aws:backup": "x"},
        '{"aws:backup": "x"}',
        "restore testing cannot select by AWS's own 'aws:' tags",
        "use your own tag",
    ),
    (
        "selection_tags",
        {"alk:backup": "windows*"},
        '{"alk:backup": "windows*"}',
        "tag 'alk:backup': restore testing conditions accept only letters, digits, spaces and '_.:/=+-@' (no wildcards)",
        "select the instances by a tag",
    ),
    (
        "selection_tags",
        {"k" * 129: "v"},
        '{"kkk',
        "a tag key is 1-128 characters and a value at most 256",
        "shorten it",
    ),
    (
        "restore_metadata_overrides.instance_type",
        "large",
        '"large"',
        "an EC2 instance type looks like 'm5.large'",
        "write the family and size",
    ),
    *[
        (
            "restore_metadata_overrides.instance_type",
            size,
            f'"{size}"',
            f"{size} is one of the instance types AWS documents as too small for Windows VSS",
            "restore tests of Windows servers into e.g. 't3.large'",
        )
        for size in ("t2.nano", "t2.micro", "t3.nano", "t3.micro", "t3a.nano", "t3a.micro")
    ],
    ("validation.log_retention_days", 31, "31", "CloudWatch Logs keeps logs for one of [1, 3, 5", "use e.g. 30"),
    ("validation.log_retention_days", 0, "0", "CloudWatch Logs keeps logs for one of", "use e.g. 30"),
    (
        "validation.required_services",
        ["W3SVC", "w3svc"],
        '["W3SVC", "w3svc"]',
        "a service is named twice (Windows service names ignore case)",
        "list each once",
    ),
    (
        "validation.required_services",
        ["SQL'; Stop-Computer"],
        '["SQL\'; Stop-Computer"]',
        "is not a Windows service name: letters, digits and '_.$ -', 1-256 characters",
        "use the service's short name",
    ),
    (
        "restore_metadata_overrides.subnet_id",
        "subnet-xyz",
        '"subnet-xyz"',
        "a subnet ID looks like 'subnet-0123456789abcdef0'",
        "aws ec2 describe-subnets",
    ),
    (
        "restore_metadata_overrides.vpc_id",
        "vpc-1",
        '"vpc-1"',
        "is not a setting of this program",
        "instance_type, subnet_id",
    ),
    ("start_window_hours", "24", '"24"', "input should be a valid integer", "write a whole number without quotes"),
]


@pytest.mark.parametrize(("key", "value", "shown", "rule", "fix"), RULES, ids=[f"{r[0]}={r[1]!r}"[:60] for r in RULES])
def test_rule(run_config, key, value, shown, rule, fix):
    run = run_config(seed_config(restore_testing=_with(key, value)))
    rejected_with(run, f"restore_testing.{key}", shown, rule, fix)


def test_validation_names_roles_not_users(run_config):
    run = run_config(seed_config(restore_testing=_with("validation.instance_role_arns", ["arn:aws:iam::1:user/x"])))
    rejected_with(
        run,
        "restore_testing.validation.instance_role_arns[0]",
        '"arn:aws:iam::1:user/x"',
        "an IAM role ARN looks like",
        "copy the role's ARN",
    )


def test_validation_needs_a_role_to_pass_when_the_stack_creates_no_instance_role(run_config):
    config = seed_config(restore_testing={**MINIMAL, "validation": {}})
    del config[f"{PROJECT}:vss_instances"]
    rejected_with(
        run_config(config),
        "restore_testing.validation.instance_role_arns",
        "[]",
        "AWS Backup may pass the profile's role only when the restore role allows iam:PassRole on it",
        "list the role of the Windows instances' instance profile, or set vss_instances",
    )
    role = "arn:aws:iam::123456789012:role/windows-servers"
    config[f"{PROJECT}:restore_testing"]["validation"] = {"instance_role_arns": [role]}
    run = built(run_config(config))
    passing = run.named("aws:iam/rolePolicy:RolePolicy", "backup-restore-testing-role-pass-instance-roles")
    assert json.loads(passing.inputs["policy"])["Statement"][0]["Resource"] == [role]


def test_validation_keeps_the_instance_profile_and_refuses_to_drop_it(run_config):
    run = run_config(
        seed_config(
            restore_testing={**MINIMAL, "validation": {}, "restore_metadata_overrides": {"instance_type": "m5.large"}}
        )
    )
    [selection] = built(run).of_type(SELECTION)
    assert selection.inputs["restoreMetadataOverrides"] == {
        "instanceType": "m5.large",
        "iamInstanceProfileName": "UseBackedUpValue",
    }
    assert selection.inputs["validationWindowHours"] == 4


def test_validation_needs_an_hour_of_the_validation_window(run_config):
    """AWS takes 0 validation hours (botocore: "0 to 168"); the validation run in that window does not."""
    run = run_config(seed_config(restore_testing={**MINIMAL, "validation": {}, "validation_window_hours": 0}))
    rejected_with(
        run,
        "restore_testing.validation_window_hours",
        "0",
        "the validation runs inside the restored instance during this window, so it needs at least 1 hour",
        "use 1-168 hours, or leave it out for 4",
    )
    [selection] = built(
        run_config(seed_config(restore_testing={**MINIMAL, "validation": {}, "validation_window_hours": 1}))
    ).of_type(SELECTION)
    assert selection.inputs["validationWindowHours"] == 1


def test_name_is_required(run_config):
    run = run_config(seed_config(restore_testing={"schedule": MINIMAL["schedule"]}))
    rejected_with(run, "restore_testing.name", "nothing", "this setting is required", "add this key")


def test_restore_testing_needs_a_vss_plan_that_selects_by_tag(run_config):
    config = seed_config(restore_testing=MINIMAL)
    del config[f"{PROJECT}:vss_instances"]  # it would object first: it needs a VSS plan too
    config[f"{PROJECT}:plans"][0]["windows_vss"] = False
    rejected_with(
        run_config(config),
        "restore_testing",
        '"..."',
        "restore tests restore the instances of the plans with windows_vss, found by their selection tag",
        "set windows_vss: true on the Windows plan and select its instances by tag, or name the instances' tag in "
        "restore_testing.selection_tags",
    )


def test_a_vss_plan_selecting_by_two_tags_needs_the_tag_named(run_config):
    config = seed_config(restore_testing=MINIMAL)
    config[f"{PROJECT}:plans"][0]["selections"][0]["tags"]["os"] = "windows"
    rejected_with(
        run_config(config),
        "restore_testing.selection_tags",
        "null",
        "the plans with windows_vss select by 2 tags (alk:backup=windows-weekly-ec2-vss, os=windows)",
        "name the tag to test in restore_testing.selection_tags, e.g. {'alk:backup': 'windows-weekly-ec2-vss'}",
    )
    config[f"{PROJECT}:restore_testing"] = {**MINIMAL, "selection_tags": {"os": "windows"}}
    [selection] = built(run_config(config)).of_type(SELECTION)
    assert selection.inputs["protectedResourceConditions"] == {
        "stringEquals": [{"key": "aws:ResourceTag/os", "value": "windows"}]
    }


def test_a_vss_selection_tag_restore_testing_cannot_match_needs_a_tag_named(run_components):
    # From code, a backup selection may match with wildcards; restore testing conditions cannot.
    # (The stack file's selection tags are stricter, so this is only reachable from code.)
    def program():
        WindowsServerBackup(
            "b",
            {
                "region": "us-east-1",
                "vault": {"name": "windows-vault", "protect": False},
                "existing_role_arn": "arn:aws:iam::123456789012:role/backup",
                "plans": [
                    {
                        "name": "vss",
                        "windows_vss": True,
                        "rules": [{"name": "weekly", "schedule": "cron(0 18 ? * SUN *)", "delete_after_days": 35}],
                        "selections": [{"name": "all", "tags": {"alk:backup": "windows*"}}],
                    }
                ],
                "restore_testing": {"name": "weekly", "schedule": "cron(0 6 ? * MON *)"},
            },
        )

    run = run_components(program)
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).splitlines() == [
        "WindowsServerBackup 'b' has invalid arguments:",
        "  - restore_testing.selection_tags: the restore test would select by the Windows VSS plan's tag, but "
        "tag 'alk:backup': restore testing conditions accept only letters, digits, spaces and '_.:/=+-@' (no "
        "wildcards). Fix: name a tag the instances carry in restore_testing.selection_tags; select the instances "
        "by a tag written with those characters.",
    ]
    assert [r.type for r in run.registrations] == [
        "pulumi:pulumi:Stack",
        "windows-server-backup:index:WindowsServerBackup",
    ]


def test_the_archive_stack_cannot_test_restores(run_config):
    archive = fixture_config("archive", restore_testing=MINIMAL)
    rejected_with(
        run_config(archive),
        "restore_testing",
        '"..."',
        "the archive stack only holds the archive vault",
        "move restore_testing to a source stack's file",
    )


# --- the component from code ----------------------------------------------------------------------


def test_component_from_code_with_every_argument(run_components):
    def program():
        WindowsRestoreTesting(
            "rt",
            {
                "name": "nightly",
                "schedule": "cron(0 2 ? * * *)",
                "vault_arn": VAULT_ARN,
                "selection_tags": {"app": "erp"},
                "schedule_timezone": "America/New_York",
                "start_window_hours": 2,
                "algorithm": "RANDOM_WITHIN_WINDOW",
                "selection_window_days": 7,
                "selection_name": "erp_servers",
                "validation_window_hours": 4,
                "restore_metadata_overrides": {"InstanceType": "m5.large", "requireImdsV2": "true"},
                "tags": {"team": "erp"},
            },
        )

    run = run_components(program)
    assert run.error is None, run.error
    assert run.named(PLAN, "rt-plan").inputs == {
        "name": "nightly",
        "scheduleExpression": "cron(0 2 ? * * *)",
        "scheduleExpressionTimezone": "America/New_York",
        "startWindowHours": 2,
        "recoveryPointSelection": {
            "algorithm": "RANDOM_WITHIN_WINDOW",
            "includeVaults": [VAULT_ARN],
            "recoveryPointTypes": ["SNAPSHOT"],
            "selectionWindowDays": 7,
        },
        "tags": {"team": "erp"},
    }
    role = run.named(ROLE, "rt-role")
    assert run.named(SELECTION, "rt-selection").inputs == {
        "name": "erp_servers",
        "restoreTestingPlanName": "nightly",
        "protectedResourceType": "EC2",
        "protectedResourceArns": ["*"],
        "protectedResourceConditions": {"stringEquals": [{"key": "aws:ResourceTag/app", "value": "erp"}]},
        "iamRoleArn": role.outputs["arn"],
        "validationWindowHours": 4,
        "restoreMetadataOverrides": {"InstanceType": "m5.large", "requireImdsV2": "true"},
    }
    # Without an AccountFacts from the caller, the component looks the account up itself, once.
    assert sorted(i.token for i in run.invocations) == [
        "aws:index/getCallerIdentity:getCallerIdentity",
        "aws:index/getPartition:getPartition",
    ]


def test_component_lists_every_problem_and_registers_nothing(run_components):
    def program():
        WindowsRestoreTesting(
            "rt",
            {
                "name": "bad-name",
                "schedule": "rate(1 day)",
                "vault_arn": "not-an-arn",
                "selection_tags": {},
                "start_window_hours": 0,
                "restore_metadata_overrides": {"securityGroupIds": "sg-0123456789abcdef0"},  # not a JSON array
            },
        )

    run = run_components(program)
    message = str(run.error)
    assert message.splitlines()[0] == "WindowsRestoreTesting 'rt' has invalid arguments:"
    assert [line.split(":", 1)[0] for line in message.splitlines()[1:]] == [
        "  - name",
        "  - schedule",
        "  - start_window_hours",
        "  - selection_tags",
        "  - restore_metadata_overrides",
        "  - vault_arn",
    ]
    assert [r.type for r in run.registrations] == ["pulumi:pulumi:Stack", COMPONENT]


def test_tag_conditions_and_override_rules_as_plain_functions():
    assert tag_conditions({"b": "2", "a": "1"}) == [
        {"key": "aws:ResourceTag/a", "value": "1"},
        {"key": "aws:ResourceTag/b", "value": "2"},
    ]
    assert restore_metadata_overrides({"SUBNETID": "subnet-01234567"}) is None  # AWS reads keys case-insensitively
    assert str(restore_metadata_overrides({"subnetId": "subnet-1"})).startswith("subnetId: a subnet ID looks like")
    assert restore_metadata_overrides({"iamInstanceProfileName": "UseBackedUpValue"}) is None
    # Keys outside the guide's list are not refused (the copies of AWS's page disagree): they are warned about.
    assert restore_metadata_overrides({"userData": "x", "vpcId": "vpc-01234567"}) is None
    assert unlisted_metadata({"vpcId": "vpc-01234567", "SubnetId": SUBNET}) == [
        "'vpcId' is not among the EC2 restore metadata keys AWS's guide lists as overridable (iamInstanceProfileName, "
        "instanceType, requireImdsV2, securityGroupIds, subnetId; one copy of the page also lists vpcId): it is sent "
        "as given, and AWS Backup may refuse the restore test or ignore the key"
    ]


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ('["sg-0123456789abcdef0"]', True),
        ('["sg-01234567", "sg-0123456789abcdef0"]', True),
        ("sg-0123456789abcdef0", False),  # a list must be a JSON array
        ("[]", False),
        ('["sg-xyz"]', False),
        ('"sg-0123456789abcdef0"', False),
    ],
)
def test_security_groups_are_a_json_array_of_ids(value, ok):
    violation = restore_metadata_overrides({"securityGroupIds": value})
    assert (violation is None) is ok, violation
    if not ok:
        assert str(violation).startswith("securityGroupIds: security groups are a JSON array of IDs written as a")


@pytest.mark.parametrize(("value", "ok"), [("true", True), ("FALSE", True), ("yes", False), ("", False)])
def test_require_imds_v2_is_true_or_false(value, ok):
    assert (restore_metadata_overrides({"requireImdsV2": value}) is None) is ok


def test_security_groups_and_imds_from_the_stack_file(run_config):
    """A default security group without egress would leave SSM out of reach: the stack file names the groups."""
    overrides = {"subnet_id": SUBNET, "security_group_ids": ["sg-0123456789abcdef0", "sg-01234567"]}
    run = built(
        run_config(
            seed_config(
                restore_testing={**MINIMAL, "restore_metadata_overrides": {**overrides, "require_imds_v2": True}}
            )
        )
    )
    [selection] = run.of_type(SELECTION)
    assert selection.inputs["restoreMetadataOverrides"] == {
        "instanceType": "t3.large",
        "subnetId": SUBNET,
        "securityGroupIds": '["sg-0123456789abcdef0", "sg-01234567"]',
        "requireImdsV2": "true",
    }
    assert run.warnings == []


def test_other_keys_are_sent_with_a_warning_and_may_not_repeat_a_setting(run_config):
    run = built(
        run_config(
            seed_config(restore_testing={**MINIMAL, "restore_metadata_overrides": {"other": {"vpcId": "vpc-0a"}}})
        )
    )
    [selection] = run.of_type(SELECTION)
    assert selection.inputs["restoreMetadataOverrides"] == {"instanceType": "t3.large", "vpcId": "vpc-0a"}
    assert [w.split(": ", 1)[0] for w in run.warnings] == ["restore_testing.restore_metadata_overrides.other.vpcId"]
    repeated = {"other": {"InstanceType": "m5.large"}}
    assert_problem(
        run_config(seed_config(restore_testing={**MINIMAL, "restore_metadata_overrides": repeated})),
        "restore_testing.restore_metadata_overrides.other.InstanceType",
        '"m5.large"',
        "InstanceType has its own setting here",
        "set instance_type instead",
    )


def test_the_component_warns_about_other_keys_unless_told_its_caller_reports_them(run_components):
    def build(log_warnings: bool) -> None:
        overrides = {"vpcId": "vpc-0a"}
        args = cast(WindowsRestoreTestingArgs, {**COMPONENT_MINIMAL, "restore_metadata_overrides": overrides})
        WindowsRestoreTesting("rt", {**args, "log_warnings": log_warnings})

    assert logged_warning(run_components, build).startswith(
        "restore_metadata_overrides: 'vpcId' is not among the EC2 restore metadata keys AWS's guide lists as "
        "overridable"
    )
