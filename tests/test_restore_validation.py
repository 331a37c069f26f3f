"""Restore validation in the stacks: the function (packaged from this repository), the state machine
that drives it, the rule that starts it on the plan's completed restore jobs, and least-privilege
roles for each; the restore role passes the instance role; every setting checked before deploying."""

from __future__ import annotations

import hashlib
import json
from typing import Any, cast

import pulumi
import pytest
from conftest import PROD_FIXTURES, PROJECT, seed_config
from iam_policy import allowed
from moto.events.models import EventPattern

from components import WindowsRestoreTesting, WindowsRestoreValidation
from components.restore_validation import CODE_DIR, restore_completed_pattern, state_machine_definition
from offline import OfflineRun

ACCOUNT = "111111111111"
T = "windows-server-backup:index"
V = "backup-restore-testing-validation"
FUNCTION = "aws:lambda/function:Function"
ROLE = "aws:iam/role:Role"
POLICY = "aws:iam/rolePolicy:RolePolicy"
RULE = "aws:cloudwatch/eventRule:EventRule"
TARGET = "aws:cloudwatch/eventTarget:EventTarget"
MACHINE = "aws:sfn/stateMachine:StateMachine"
LOGS = "aws:cloudwatch/logGroup:LogGroup"


@pytest.fixture(params=sorted(PROD_FIXTURES), ids=[PROD_FIXTURES[r] for r in sorted(PROD_FIXTURES)])
def prod(request, fixture_run) -> tuple[OfflineRun, str]:
    run = fixture_run(PROD_FIXTURES[request.param])
    assert run.error is None, run.error
    return run, request.param


def statements(run: OfflineRun, name: str) -> list[dict[str, Any]]:
    return json.loads(run.named(POLICY, name).inputs["policy"])["Statement"]


def trust(run: OfflineRun, name: str) -> list[dict[str, Any]]:
    return json.loads(run.named(ROLE, name).inputs["assumeRolePolicy"])["Statement"]


def test_the_validation_is_one_component_under_restore_testing(prod):
    run, _ = prod
    [component] = run.of_type(f"{T}:WindowsRestoreValidation")
    assert component.name == V
    assert run.by_urn(component.parent).name == "backup-restore-testing"
    children = sorted((r.type, r.name) for r in run.resources if r.parent == component.urn)
    assert children == sorted(
        [
            (LOGS, f"{V}-logs"),
            (ROLE, f"{V}-function-role"),
            (POLICY, f"{V}-function-policy"),
            (FUNCTION, f"{V}-function"),
            (ROLE, f"{V}-workflow-role"),
            (POLICY, f"{V}-workflow-policy"),
            (MACHINE, f"{V}-workflow"),
            (ROLE, f"{V}-trigger-role"),
            (POLICY, f"{V}-trigger-policy"),
            (RULE, f"{V}-trigger"),
            (TARGET, f"{V}-trigger"),
        ]
    )


def test_the_function_is_the_repositorys_code_with_the_stacks_settings(prod):
    run, home = prod
    function = run.named(FUNCTION, f"{V}-function")
    plan = run.named("aws:backup/restoreTestingPlan:RestoreTestingPlan", "backup-restore-testing-plan")
    logs = run.named(LOGS, f"{V}-logs")
    role = run.named(ROLE, f"{V}-function-role")
    sha = {name: hashlib.sha256((CODE_DIR / name).read_bytes()).hexdigest() for name in ("handler.py", "validate.ps1")}
    east = home == "us-east-1"  # the fixtures: services and scanning in prod-east only
    assert function.inputs == {
        "description": "Checks inside Windows instances restored by AWS Backup restore testing",
        "runtime": "python3.13",
        "handler": "handler.handler",
        "code": {"archive": {name: {"file": name, "sha256": digest} for name, digest in sha.items()}},
        "role": role.outputs["arn"],
        "architectures": ["arm64"],
        "timeout": 120,
        "memorySize": 128,
        "environment": {
            "variables": {
                "RESTORE_TESTING_PLAN_ARN": plan.outputs["arn"],
                "VALIDATION_WINDOW_HOURS": "4",
                "REQUIRED_SERVICES": '["W32Time", "MSSQL$SQLEXPRESS"]' if east else "[]",
                "CHECK_MALWARE_SCAN": "true" if east else "false",
                # prod-east scans incrementally: a clean result says what that covers.
                **({"MALWARE_SCAN_MODE": "INCREMENTAL_SCAN"} if east else {}),
            }
        },
        "loggingConfig": {
            "logFormat": "JSON",
            "logGroup": logs.outputs["name"],
            "applicationLogLevel": "INFO",
            "systemLogLevel": "WARN",
        },
        "tags": {"environment": "prod"},
    }
    assert logs.inputs == {"retentionInDays": 90 if east else 30, "tags": {"environment": "prod"}}


def test_the_function_role_may_do_only_what_the_validation_needs(prod):
    """What the function's policy allows, asked request by request (tests/iam_policy.py evaluates it
    the way IAM does: an explicit Deny wins), rather than its text restated."""
    run, home = prod
    logs = run.named(LOGS, f"{V}-logs")
    assert trust(run, f"{V}-function-role") == [
        {"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}
    ]
    policy = run.named(POLICY, f"{V}-function-policy").inputs["policy"]
    assert run.named(POLICY, f"{V}-function-policy").inputs["role"] == run.named(ROLE, f"{V}-function-role").id
    here = {"aws:RequestedRegion": home}
    other = "us-west-2" if home == "us-east-1" else "us-east-1"
    restored = f"arn:aws:ec2:{home}:{ACCOUNT}:instance/i-0123456789abcdef0"
    tagged = {"ssm:resourceTag/awsbackup-restore-test": "windows_vss_weekly"}
    document = f"arn:aws:ssm:{home}::document/AWS-RunPowerShellScript"  # AWS-owned: no account in the ARN

    # Run the one AWS-owned document, on instances restore testing created (they carry its tag) only.
    assert allowed(policy, "ssm:SendCommand", document)
    assert allowed(policy, "ssm:SendCommand", restored, **tagged)
    assert not allowed(policy, "ssm:SendCommand", restored)  # an instance without the tag
    assert not allowed(policy, "ssm:SendCommand", f"arn:aws:ssm:{home}::document/AWS-RunShellScript")
    assert not allowed(policy, "ssm:SendCommand", f"arn:aws:ec2:{home}:999999999999:instance/i-0a", **tagged)
    assert not allowed(policy, "ssm:SendCommand", f"arn:aws:ec2:{other}:{ACCOUNT}:instance/i-0a", **tagged)
    # Read and report restore jobs, read pings and command results: in this region only.
    for action in (
        "backup:DescribeRestoreJob",
        "backup:PutRestoreValidationResult",
        "ssm:DescribeInstanceInformation",
        "ssm:GetCommandInvocation",
    ):
        assert allowed(policy, action, "*", **here), action
        assert not allowed(policy, action, "*", **{"aws:RequestedRegion": other}), action
    # Write its own log only.
    assert allowed(policy, "logs:PutLogEvents", f"{logs.outputs['arn']}:log-stream:2026/03/02/[$LATEST]abc")
    assert not allowed(policy, "logs:PutLogEvents", f"arn:aws:logs:{home}:{ACCOUNT}:log-group:other:log-stream:x")
    # Nothing else: no sessions, no other commands, no deletions.
    for action in ("ssm:StartSession", "ec2:TerminateInstances", "backup:DeleteRecoveryPoint", "iam:PassRole"):
        assert not allowed(policy, action, "*", **here), action
    # Scan results are read only where malware scanning is on (prod-east).
    assert allowed(policy, "backup:DescribeRecoveryPoint", "*", **here) is (home == "us-east-1")
    # The statements' names are what the README and the function's log point to.
    assert [s["Sid"] for s in statements(run, f"{V}-function-policy")] == [
        "WriteOwnLog",
        "ReadAndReportRestoreJobs",
        "RunTheValidationDocument",
        "OnRestoreTestInstancesOnly",
        "ReadPingAndCommandResults",
        *(["ReadMalwareScanResults"] if home == "us-east-1" else []),
    ]


def test_the_state_machine_calls_only_the_function_and_eventbridge_starts_only_the_machine(prod):
    run, _ = prod
    function = run.named(FUNCTION, f"{V}-function")
    machine = run.named(MACHINE, f"{V}-workflow")
    assert machine.inputs == {
        "type": "STANDARD",
        "roleArn": run.named(ROLE, f"{V}-workflow-role").outputs["arn"],
        "definition": state_machine_definition("aws", function.outputs["arn"]),
        "tags": {"environment": "prod"},
    }
    for role, service in (
        (f"{V}-workflow-role", "states.amazonaws.com"),
        (f"{V}-trigger-role", "events.amazonaws.com"),
    ):
        assert trust(run, role) == [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": ACCOUNT}},
            }
        ]
    assert statements(run, f"{V}-workflow-policy") == [
        {
            "Sid": "InvokeValidationFunction",
            "Effect": "Allow",
            "Action": "lambda:InvokeFunction",
            "Resource": [function.outputs["arn"], f"{function.outputs['arn']}:*"],
        }
    ]
    assert statements(run, f"{V}-trigger-policy") == [
        {
            "Sid": "StartValidation",
            "Effect": "Allow",
            "Action": "states:StartExecution",
            "Resource": machine.outputs["arn"],
        }
    ]
    rule = run.named(RULE, f"{V}-trigger")
    plan = run.named("aws:backup/restoreTestingPlan:RestoreTestingPlan", "backup-restore-testing-plan")
    assert json.loads(rule.inputs["eventPattern"]) == json.loads(
        restore_completed_pattern(ACCOUNT, plan.outputs["arn"])
    )
    assert run.named(TARGET, f"{V}-trigger").inputs == {
        "rule": rule.outputs["name"],
        "arn": machine.outputs["arn"],
        "roleArn": run.named(ROLE, f"{V}-trigger-role").outputs["arn"],
    }


def test_the_restore_role_may_pass_only_the_vss_instance_role_to_ec2(prod):
    run, _ = prod
    instance_role = run.named(ROLE, "backup-vss-instances-role")
    assert statements(run, "backup-restore-testing-role-pass-instance-roles") == [
        {
            "Sid": "PassInstanceRolesToRestoredInstances",
            "Effect": "Allow",
            "Action": "iam:PassRole",
            "Resource": [instance_role.outputs["arn"]],
            "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
        }
    ]
    assert run.named(POLICY, "backup-restore-testing-role-pass-instance-roles").inputs["role"] == (
        run.named(ROLE, "backup-restore-testing-role").id
    )


def test_the_seed_and_archive_stacks_validate_nothing(fixture_run):
    for stack in ("seed", "archive"):
        assert not fixture_run(stack).of_type(FUNCTION)


# --- The trigger's pattern, on events shaped like AWS's documented restore job events ----------

PLAN_ARN = f"arn:aws:backup:us-east-1:{ACCOUNT}:restore-testing-plan:windows_vss_weekly-8d0c6a5e"
RESTORE_COMPLETED = {
    "version": "0",
    "id": "ab32977c-378d-2122-e985-fgh4596f0709",
    "detail-type": "Restore Job State Change",
    "source": "aws.backup",
    "account": ACCOUNT,
    "time": "2026-03-02T06:41:12Z",
    "region": "us-east-1",
    "resources": [f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0"],
    "detail": {
        "restoreJobId": "AB123456-78C9-0123-456D-789012E34567",
        "backupVaultArn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:backup-vault-us-east-1",
        "recoveryPointArn": "arn:aws:ec2:us-east-1::image/ami-0123456789abcdef0",
        "resourceType": "EC2",
        "status": "COMPLETED",
        "createdResourceArn": f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0123456789abcdef0",
        "restoreTestingPlanArn": PLAN_ARN,
    },
}


def restore_event(detail: dict[str, Any] | None = None, drop: tuple[str, ...] = (), **top: Any) -> dict[str, Any]:
    changed = json.loads(json.dumps(RESTORE_COMPLETED))
    changed["detail"].update(detail or {})
    for key in drop:
        changed["detail"].pop(key)
    changed.update(top)
    return changed


TRIGGER = EventPattern.load(restore_completed_pattern(ACCOUNT, PLAN_ARN))


def test_the_plans_completed_instance_restore_starts_a_validation():
    assert TRIGGER.matches_event(cast(Any, RESTORE_COMPLETED))


@pytest.mark.parametrize(
    "sample",
    [
        restore_event(drop=("restoreTestingPlanArn",)),  # an ordinary restore, not a test
        restore_event({"restoreTestingPlanArn": PLAN_ARN.replace("windows_vss_weekly", "other")}),
        restore_event({"status": "FAILED"}),
        restore_event({"status": "RUNNING"}),
        # Restore events use "status"; a "state" key (only the CREATED example has one) is not it.
        restore_event({"state": "COMPLETED"}, drop=("status",)),
        restore_event({"resourceType": "EBS"}),
        restore_event(account="222222222222"),
    ],
    ids=["not-a-test", "another-plan", "failed", "running", "state-not-status", "ebs", "another-account"],
)
def test_nothing_else_starts_one(sample):
    assert not TRIGGER.matches_event(cast(Any, sample))


# --- From code ----------------------------------------------------------------------------------


def test_component_lists_every_problem_and_registers_nothing(run_components):
    def program() -> None:
        WindowsRestoreValidation(
            "v",
            {
                "region": "mars-1",
                "restore_testing_plan_arn": PLAN_ARN,
                "validation_window_hours": 0,
                "required_services": ["W3SVC", "w3svc"],
                "log_retention_days": 31,
            },
        )

    run = run_components(program)
    assert isinstance(run.error, pulumi.RunError)
    message = str(run.error)
    assert [line.split(":", 1)[0] for line in message.splitlines()[1:]] == [
        "  - region",
        "  - required_services",
        "  - log_retention_days",
        "  - validation_window_hours",
    ]
    assert [r.type for r in run.registrations] == ["pulumi:pulumi:Stack", f"{T}:WindowsRestoreValidation"]


def test_restore_testing_with_validation_needs_a_role_and_the_instance_profile(run_components):
    def program() -> None:
        WindowsRestoreTesting(
            "rt",
            {
                "name": "p",
                "schedule": "cron(0 6 ? * MON *)",
                "vault_arn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:v1",
                "selection_tags": {"k": "v"},
                "restore_metadata_overrides": {"IamInstanceProfileName": "null"},
                "validation": {"region": "us-east-1", "instance_role_arns": []},
            },
        )

    run = run_components(program)
    assert isinstance(run.error, pulumi.RunError)
    lines = str(run.error).splitlines()[1:]
    assert [line.split(":", 1)[0] for line in lines] == [
        "  - restore_metadata_overrides.iamInstanceProfileName",
        "  - validation.instance_role_arns",
    ]


def test_validation_from_code_with_its_defaults(run_components):
    def program() -> None:
        WindowsRestoreTesting(
            "rt",
            {
                "name": "p",
                "schedule": "cron(0 6 ? * MON *)",
                "vault_arn": f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:v1",
                "selection_tags": {"k": "v"},
                "validation": {"region": "us-east-1", "instance_role_arns": [f"arn:aws:iam::{ACCOUNT}:role/servers"]},
            },
        )

    run = run_components(program)
    assert run.error is None, run.error
    [selection] = run.of_type("aws:backup/restoreTestingSelection:RestoreTestingSelection")
    assert selection.inputs["validationWindowHours"] == 4
    assert selection.inputs["restoreMetadataOverrides"] == {
        "instanceType": "t3.large",
        "iamInstanceProfileName": "UseBackedUpValue",
    }
    function = run.named(FUNCTION, "rt-validation-function")
    assert function.inputs["environment"]["variables"]["REQUIRED_SERVICES"] == "[]"
    assert function.inputs["environment"]["variables"]["CHECK_MALWARE_SCAN"] == "false"
    assert run.named(LOGS, "rt-validation-logs").inputs == {"retentionInDays": 30}


def test_the_stack_file_turns_validation_on_with_an_empty_section(run_config):
    run = run_config(seed_config(restore_testing={"name": "t", "schedule": "cron(0 6 ? * MON *)", "validation": {}}))
    assert run.error is None, run.error
    assert [r.name for r in run.of_type(FUNCTION)] == [f"{V}-function"]
    assert f"{PROJECT}:restore_testing" in seed_config(restore_testing={})
