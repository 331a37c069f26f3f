"""The restore validation function, step by step, against botocore's Stubber: every verdict it can
reach (success, each failing check, an instance that never answers SSM, another plan's job, a
job already reported, a failure of the function itself), and the PowerShell it sends."""

from __future__ import annotations

import copy
import json
import re
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import boto3
import pytest
from botocore.stub import ANY, Stubber

from components.lambdas.restore_validation import handler
from components.lambdas.restore_validation.handler import Clients, Settings, judge, script_lines, step

REGION = "us-east-1"
ACCOUNT = "111111111111"
PLAN_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:windows_vss_weekly-8d0c6a5e"
OTHER_PLAN_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:restore-testing-plan:someone_elses-1f2e3d4c"
JOB_ID = "AB123456-78C9-0123-456D-789012E34567"
INSTANCE = "i-0123456789abcdef0"
INSTANCE_ARN = f"arn:aws:ec2:{REGION}:{ACCOUNT}:instance/{INSTANCE}"
VAULT_ARN = f"arn:aws:backup:{REGION}:{ACCOUNT}:backup-vault:backup-vault-us-east-1"
COMMAND_ID = "4a3b5c6d-7e8f-4a0b-9c1d-2e3f4a5b6c7d"
RECOVERY_POINT = f"arn:aws:ec2:{REGION}::image/ami-0123456789abcdef0"
COMPLETED = datetime(2026, 3, 2, 6, 40, tzinfo=UTC)
WINDOW_HOURS = 4
DEADLINE = COMPLETED + timedelta(hours=WINDOW_HOURS) - handler.REPORT_MARGIN
SETTINGS = Settings(plan_arn=PLAN_ARN, window_hours=WINDOW_HOURS, required_services=("W32Time", "MSSQL$SQLEXPRESS"))

#: Shaped like AWS's documented "Restore Job State Change" COMPLETED event (AWS Backup guide,
#: "Monitoring AWS Backup events using Amazon EventBridge"), for a restore testing job of an instance.
EVENT: dict[str, Any] = {
    "version": "0",
    "id": "ab32977c-378d-2122-e985-fgh4596f0709",
    "detail-type": "Restore Job State Change",
    "source": "aws.backup",
    "account": ACCOUNT,
    "time": "2026-03-02T06:41:12Z",
    "region": REGION,
    "resources": [INSTANCE_ARN],
    "detail": {
        "restoreJobId": JOB_ID,
        "backupVaultArn": VAULT_ARN,
        "recoveryPointArn": RECOVERY_POINT,
        "resourceType": "EC2",
        "status": "COMPLETED",
        "createdResourceArn": INSTANCE_ARN,
        "restoreTestingPlanArn": PLAN_ARN,
    },
}


def job(**changes: Any) -> dict[str, Any]:
    """DescribeRestoreJob's answer for the restore job (botocore model shape)."""
    answer: dict[str, Any] = {
        "AccountId": ACCOUNT,
        "RestoreJobId": JOB_ID,
        "RecoveryPointArn": RECOVERY_POINT,
        "BackupVaultArn": VAULT_ARN,
        "CreationDate": COMPLETED - timedelta(minutes=12),
        "CompletionDate": COMPLETED,
        "Status": "COMPLETED",
        "CreatedResourceArn": INSTANCE_ARN,
        "ResourceType": "EC2",
        "CreatedBy": {"RestoreTestingPlanArn": PLAN_ARN},
    }
    answer.update(changes)
    return {key: value for key, value in answer.items() if value is not None}


def report(**changes: Any) -> str:
    """A clean JSON line as validate.ps1 prints it (English vssadmin, services running, no events)."""
    body: dict[str, Any] = {
        "bootTime": "2026-03-02T06:43:05.0000000Z",
        "vssExitCode": 0,
        "vssOutputTail": ["   State: [1] Stable", "   Last error: No error", ""],
        "vssEnglish": True,
        "vssWriters": [
            {"name": "Task Scheduler Writer", "state": 1, "lastError": "No error"},
            {"name": "SqlServerWriter", "state": 1, "lastError": "No error"},
        ],
        "services": [{"name": "W32Time", "status": "Running"}, {"name": "MSSQL$SQLEXPRESS", "status": "Running"}],
        "criticalEventCount": 0,
        "criticalEvents": None,
        "eventsError": None,
    }
    body.update(changes)
    return json.dumps(body, separators=(",", ":"))


KERNEL_POWER_41 = {"id": 41, "provider": "Microsoft-Windows-Kernel-Power", "time": "2026-03-02T06:43:20Z"}


@pytest.fixture
def aws(monkeypatch):
    """Stubbed backup and SSM clients; every queued call must be made, in order, and nothing else."""
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    backup, ssm = boto3.client("backup", region_name=REGION), boto3.client("ssm", region_name=REGION)
    stubs = SimpleNamespace(backup=Stubber(backup), ssm=Stubber(ssm), clients=Clients(backup=backup, ssm=ssm))
    stubs.backup.activate()
    stubs.ssm.activate()
    yield stubs
    stubs.backup.assert_no_pending_responses()
    stubs.ssm.assert_no_pending_responses()


def describe(stubs, **changes: Any) -> None:
    stubs.backup.add_response("describe_restore_job", job(**changes), {"RestoreJobId": JOB_ID})


def ping(stubs, status: str | None) -> None:
    found = [{"InstanceId": INSTANCE, "PingStatus": status, "PlatformType": "Windows"}] if status else []
    stubs.ssm.add_response(
        "describe_instance_information",
        {"InstanceInformationList": found},
        {"Filters": [{"Key": "InstanceIds", "Values": [INSTANCE]}]},
    )


def sent(stubs) -> None:
    stubs.ssm.add_response(
        "send_command",
        {"Command": {"CommandId": COMMAND_ID, "DocumentName": "AWS-RunPowerShellScript"}},
        {
            "InstanceIds": [INSTANCE],
            "DocumentName": "AWS-RunPowerShellScript",
            "Comment": f"AWS Backup restore validation {JOB_ID}",
            "TimeoutSeconds": 600,
            "Parameters": {"commands": script_lines(SETTINGS.required_services), "executionTimeout": ["600"]},
        },
    )


def invocation(stubs, status: str, stdout: str = "", stderr: str = "") -> None:
    stubs.ssm.add_response(
        "get_command_invocation",
        {
            "CommandId": COMMAND_ID,
            "InstanceId": INSTANCE,
            "Status": status,
            "StandardOutputContent": stdout,
            "StandardErrorContent": stderr,
        },
        {"CommandId": COMMAND_ID, "InstanceId": INSTANCE},
    )


def put(stubs, status: str, message: Any = ANY) -> None:
    stubs.backup.add_response(
        "put_restore_validation_result",
        {},
        {"RestoreJobId": JOB_ID, "ValidationStatus": status, "ValidationStatusMessage": message},
    )


def running_state(**changes: Any) -> dict[str, Any]:
    """The state after the command was sent."""
    state = {
        "restore_job_id": JOB_ID,
        "done": False,
        "instance_id": INSTANCE,
        "started": (COMPLETED + timedelta(minutes=2)).isoformat(),
        "deadline": DEADLINE.isoformat(),
        "phase": "run_command",
        "command_id": COMMAND_ID,
        "wait_seconds": 30,
    }
    state.update(changes)
    return state


def finish(
    stubs, stdout: str, status: str, settings: Settings = SETTINGS, message: Any = ANY, **state: Any
) -> dict[str, Any]:
    """Run the command step to its verdict with ``stdout`` from the script (``state``: changes to
    the running state, e.g. a second reading of the VSS writers)."""
    describe(stubs)
    invocation(stubs, "Success", stdout)
    describe(stubs)
    put(stubs, status, message)
    return step(running_state(**state), stubs.clients, settings, COMPLETED + timedelta(minutes=9))


#: The problems of the VSS writers' first reading, as a recheck's state carries them.
FIRST_READ = "VSS writers not stable: SqlServerWriter (state 5)"


# --- The whole run of a good restore -------------------------------------------------------------


def test_a_good_restore_is_reported_successful_in_two_steps(aws):
    # Step 1: the event; the instance already answers SSM, so the command is sent at once.
    describe(aws)
    ping(aws, "Online")
    sent(aws)
    first = step(copy.deepcopy(EVENT), aws.clients, SETTINGS, COMPLETED + timedelta(minutes=2))
    assert first == running_state()
    # Step 2 (after the state machine's wait): the command succeeded with a clean report.
    describe(aws)
    invocation(aws, "Success", "Preparing...\n" + report() + "\n")
    describe(aws)
    put(aws, "SUCCESSFUL", f"{INSTANCE} passed every check")
    second = step(first, aws.clients, SETTINGS, COMPLETED + timedelta(minutes=3))
    assert second == {
        "restore_job_id": JOB_ID,
        "done": True,
        "result": "SUCCESSFUL",
        "message": f"{INSTANCE} passed every check",
    }


def test_the_validation_deadline_is_the_window_after_completion_less_the_margin(aws):
    describe(aws)
    ping(aws, None)
    state = step(copy.deepcopy(EVENT), aws.clients, SETTINGS, COMPLETED + timedelta(minutes=1))
    assert state["deadline"] == "2026-03-02T10:25:00+00:00"
    assert state == {
        "restore_job_id": JOB_ID,
        "done": False,
        "instance_id": INSTANCE,
        "started": (COMPLETED + timedelta(minutes=1)).isoformat(),
        "deadline": DEADLINE.isoformat(),
        "phase": "wait_for_ssm",
        "wait_seconds": handler.WAIT_SHORT_SECONDS,
    }


# --- Waiting for SSM -------------------------------------------------------------------------


def waiting(now: datetime) -> dict[str, Any]:
    return {
        "restore_job_id": JOB_ID,
        "done": False,
        "instance_id": INSTANCE,
        "started": COMPLETED.isoformat(),
        "deadline": DEADLINE.isoformat(),
        "phase": "wait_for_ssm",
        "wait_seconds": 60,
    }


@pytest.mark.parametrize(
    ("minutes", "wait"),
    [(59, handler.WAIT_SHORT_SECONDS), (60, handler.WAIT_LONG_SECONDS), (200, handler.WAIT_LONG_SECONDS)],
)
def test_an_instance_not_yet_online_is_checked_often_for_an_hour_then_every_ten_minutes(aws, minutes, wait):
    now = COMPLETED + timedelta(minutes=minutes)
    describe(aws)
    ping(aws, "ConnectionLost")
    assert step(waiting(now), aws.clients, SETTINGS, now) == {**waiting(now), "wait_seconds": wait}


@pytest.mark.parametrize(
    ("status", "seen"), [(None, "it never registered with SSM"), ("Inactive", "its SSM status is Inactive")]
)
def test_an_instance_that_never_answers_ssm_in_the_window_is_failed(aws, status, seen):
    describe(aws)
    ping(aws, status)
    describe(aws)
    put(
        aws,
        "FAILED",
        f"the restored instance {INSTANCE} did not answer Systems Manager within the 4-hour validation window "
        f"({seen}): check that it boots, that its instance profile allows SSM (AmazonSSMManagedInstanceCore), and "
        "that its subnet reaches the SSM endpoints",
    )
    describe_last = step(waiting(DEADLINE), aws.clients, SETTINGS, DEADLINE)
    assert (describe_last["done"], describe_last["result"]) == (True, "FAILED")


def test_one_second_before_the_deadline_it_still_waits(aws):
    now = DEADLINE - timedelta(seconds=1)
    describe(aws)
    ping(aws, None)
    assert step(waiting(now), aws.clients, SETTINGS, now)["done"] is False


# --- The command -----------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["Pending", "InProgress", "Delayed"])
def test_a_running_command_is_waited_for(aws, status):
    describe(aws)
    invocation(aws, status)
    now = COMPLETED + timedelta(minutes=5)
    assert step(running_state(), aws.clients, SETTINGS, now) == running_state(wait_seconds=30)


def test_a_command_not_visible_yet_is_waited_for(aws):
    # Run Command is eventually consistent: GetCommandInvocation may not know the command yet.
    describe(aws)
    aws.ssm.add_client_error("get_command_invocation", service_error_code="InvocationDoesNotExist")
    assert step(running_state(), aws.clients, SETTINGS, COMPLETED)["wait_seconds"] == 30


def test_a_command_still_running_at_the_deadline_is_failed(aws):
    describe(aws)
    invocation(aws, "InProgress")
    describe(aws)
    put(aws, "FAILED", f"the validation command {COMMAND_ID} did not finish on {INSTANCE} within the validation window")
    assert step(running_state(), aws.clients, SETTINGS, DEADLINE)["result"] == "FAILED"


@pytest.mark.parametrize("status", ["Failed", "TimedOut", "Cancelled"])
def test_a_command_that_did_not_succeed_fails_the_restore(aws, status):
    describe(aws)
    invocation(aws, status, stderr="Get-CimInstance : Access denied\n")
    describe(aws)
    put(
        aws,
        "FAILED",
        f"the validation command {COMMAND_ID} ended {status} on {INSTANCE}: Get-CimInstance : Access denied",
    )
    assert step(running_state(), aws.clients, SETTINGS, COMPLETED)["result"] == "FAILED"


# --- Each check ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        (
            {"vssWriters": [{"name": "SqlServerWriter", "state": 8, "lastError": "Retryable error"}]},
            "VSS writers not stable: SqlServerWriter (state 8); VSS writers with an error: SqlServerWriter "
            "(Retryable error)",
        ),
        (
            {"vssWriters": {"name": "Registry Writer", "state": 1, "lastError": "Timed out"}},
            "VSS writers with an error: Registry Writer (Timed out)",
        ),
        ({"vssWriters": None}, "vssadmin listed no VSS writer"),
        (
            {"vssExitCode": 2, "vssOutputTail": ["Error: A Volume Shadow Copy Service component encountered"]},
            "vssadmin list writers failed (exit code 2): Error: A Volume Shadow Copy Service component encountered",
        ),
        (
            {"services": [{"name": "W32Time", "status": "Running"}, {"name": "MSSQL$SQLEXPRESS", "status": "Stopped"}]},
            "required services not running: MSSQL$SQLEXPRESS (Stopped)",
        ),
        (
            {"services": {"name": "w32time", "status": "Running"}},
            "required services not running: MSSQL$SQLEXPRESS (not reported)",
        ),
        (
            {"services": [{"name": "W32Time", "status": "Missing"}, {"name": "MSSQL$SQLEXPRESS", "status": "Running"}]},
            "required services not running: W32Time (Missing)",
        ),
        (
            {
                "criticalEventCount": 2,
                "criticalEvents": [
                    KERNEL_POWER_41,
                    {"id": 1001, "provider": "Microsoft-Windows-WER-SystemErrorReporting", "time": "T1"},
                ],
            },
            "critical System events since boot: Microsoft-Windows-WER-SystemErrorReporting 1001 at T1",
        ),
        (
            {"criticalEventCount": 25, "criticalEvents": [KERNEL_POWER_41] * 20},
            "critical System events since boot: 5 more",
        ),
        ({"eventsError": "Access is denied"}, "could not read the System log: Access is denied"),
    ],
    ids=[
        "unstable-writer",
        "writer-error",
        "no-writers",
        "vssadmin-failed",
        "service-stopped",
        "service-not-reported",
        "service-missing",
        "critical-event",
        "unlisted-critical-events",
        "event-log-error",
    ],
)
def test_each_failing_check_fails_the_restore_with_its_reason(aws, changes, problem):
    # VSS writers fail the restore on their second reading (the first is read again, below).
    vss = problem.startswith(("VSS", "vssadmin"))
    again: dict[str, Any] = {"vss_rechecked": True, "first_read": FIRST_READ} if vss else {}
    said = f"{problem}; VSS writers read again 60 s after a first read that found: {FIRST_READ}" if vss else problem
    assert finish(aws, report(**changes), "FAILED", message=said, **again) == {
        "restore_job_id": JOB_ID,
        "done": True,
        "result": "FAILED",
        "message": said,
    }


def test_vss_writers_failing_the_first_reading_are_read_again_a_minute_later(aws):
    """Read right after the instance came online, a writer may still be settling: a second reading,
    sent again after the state machine's wait, decides, and the result says both."""
    unstable = report(vssWriters=[{"name": "SqlServerWriter", "state": 5, "lastError": "No error"}])
    describe(aws)
    invocation(aws, "Success", unstable)
    now = COMPLETED + timedelta(minutes=9)
    again = step(running_state(), aws.clients, SETTINGS, now)
    assert again == {
        **{k: v for k, v in running_state().items() if k != "command_id"},
        "phase": "wait_for_ssm",
        "vss_rechecked": True,
        "first_read": FIRST_READ,
        "wait_seconds": 60,
    }
    # A minute later: the script runs again, and now the writers are stable.
    describe(aws)
    ping(aws, "Online")
    sent(aws)
    resent = step(again, aws.clients, SETTINGS, now + timedelta(minutes=1))
    assert (resent["phase"], resent["command_id"], resent["vss_rechecked"]) == ("run_command", COMMAND_ID, True)
    message = (
        f"{INSTANCE} passed every check; VSS writers were stable on a second read, 60 s after a first that found: "
        f"{FIRST_READ}"
    )
    describe(aws)
    invocation(aws, "Success", report())
    describe(aws)
    put(aws, "SUCCESSFUL", message)
    assert step(resent, aws.clients, SETTINGS, now + timedelta(minutes=2))["result"] == "SUCCESSFUL"


def test_no_second_reading_when_the_window_has_no_room_for_it(aws):
    unstable = report(vssWriters=[{"name": "SqlServerWriter", "state": 5, "lastError": "No error"}])
    describe(aws)
    invocation(aws, "Success", unstable)
    describe(aws)
    put(aws, "FAILED", FIRST_READ)
    late = DEADLINE - timedelta(seconds=60 + 600)  # a recheck and its command would end at the deadline
    assert step(running_state(), aws.clients, SETTINGS, late)["result"] == "FAILED"


def test_the_expected_kernel_power_41_after_a_restore_is_not_a_problem(aws):
    clean = report(criticalEventCount=1, criticalEvents=KERNEL_POWER_41)
    assert finish(aws, clean, "SUCCESSFUL", message=f"{INSTANCE} passed every check")["result"] == "SUCCESSFUL"


def test_localized_vssadmin_output_is_judged_by_the_state_number_and_says_what_was_not_checked(aws):
    german = report(
        vssEnglish=False, vssWriters=[{"name": "Registrierungs-Writer", "state": 1, "lastError": "Kein Fehler"}]
    )
    message = (
        f"{INSTANCE} passed every check; VSS writers' last errors not checked: vssadmin's output is not in English"
    )
    assert finish(aws, german, "SUCCESSFUL", message=message)["result"] == "SUCCESSFUL"


def test_output_without_a_json_line_fails(aws):
    problem = "the validation script printed no JSON report: 'vssadmin is not recognized'"
    assert finish(aws, "vssadmin is not recognized\n", "FAILED", message=problem)["result"] == "FAILED"


def test_a_long_message_is_cut_to_the_limit(aws):
    many = [{"name": f"Writer {i}", "state": 5, "lastError": "Non-retryable error"} for i in range(60)]
    result = finish(aws, report(vssWriters=many), "FAILED", vss_rechecked=True, first_read=FIRST_READ)
    assert len(result["message"]) == handler.MESSAGE_MAX
    assert result["message"].endswith("...")


def test_judge_reads_powershells_one_item_and_empty_arrays():
    problems, notes = judge(report(services=None), ("W32Time",))
    assert (problems, notes) == (["required services not running: W32Time (not reported)"], [])
    assert judge(report(vssWriters={"name": "W", "state": 1, "lastError": "No error"}), ()) == ([], [])


# --- Malware scan results ----------------------------------------------------------------------

SCANNING = Settings(
    plan_arn=PLAN_ARN, window_hours=WINDOW_HOURS, required_services=SETTINGS.required_services, check_malware_scan=True
)


def scan(stubs, results: list[dict[str, Any]]) -> None:
    stubs.backup.add_response(
        "describe_recovery_point",
        {"RecoveryPointArn": RECOVERY_POINT, "ScanResults": results},
        {"BackupVaultName": "backup-vault-us-east-1", "RecoveryPointArn": RECOVERY_POINT},
    )


def scanned(stubs, results: list[dict[str, Any]], status: str, message: str) -> dict[str, Any]:
    describe(stubs)
    invocation(stubs, "Success", report())
    scan(stubs, results)
    describe(stubs)
    put(stubs, status, message)
    return step(running_state(), stubs.clients, SCANNING, COMPLETED)


LAST_SCAN = datetime(2026, 3, 1, 20, 5, tzinfo=UTC)


def test_malware_in_the_latest_scan_fails_a_restore_that_boots_fine(aws):
    found = [
        {
            "MalwareScanner": "GUARDDUTY",
            "ScanJobState": "COMPLETED",
            "LastScanTimestamp": LAST_SCAN,
            "Findings": ["MALWARE"],
        }
    ]
    message = (
        f"malware found in recovery point {RECOVERY_POINT} (GUARDDUTY scan COMPLETED at 2026-03-01 20:05:00+00:00): "
        "restore from an older, clean one"
    )
    assert scanned(aws, found, "FAILED", message)["result"] == "FAILED"


def test_a_clean_scan_is_mentioned_in_the_success_with_what_an_incremental_scan_covers(aws):
    clean = [
        {"MalwareScanner": "GUARDDUTY", "ScanJobState": "COMPLETED", "LastScanTimestamp": LAST_SCAN, "Findings": []}
    ]
    message = (
        f"{INSTANCE} passed every check; no malware in the latest scan (COMPLETED at 2026-03-01 20:05:00+00:00; an "
        "incremental scan reads only the files changed since the recovery point it compares with: a full scan finds "
        "what was there before)"
    )
    assert scanned(aws, clean, "SUCCESSFUL", message)["result"] == "SUCCESSFUL"


def test_a_full_scan_needs_no_such_words(aws):
    clean = [
        {"MalwareScanner": "GUARDDUTY", "ScanJobState": "COMPLETED", "LastScanTimestamp": LAST_SCAN, "Findings": []}
    ]
    scan(aws, clean)
    assert handler.malware_findings(job(), aws.clients, "FULL_SCAN") == (
        [],
        ["no malware in the latest scan (COMPLETED at 2026-03-01 20:05:00+00:00)"],
    )


@pytest.mark.parametrize("state", ["FAILED", "COMPLETED_WITH_ISSUES", "CANCELED"])
def test_a_latest_scan_that_did_not_complete_cleanly_is_no_clean_result(aws, state):
    """Not a failure of the restore (the scan is GuardDuty's to retry), but never read as a pass."""
    unfinished = [
        {"MalwareScanner": "GUARDDUTY", "ScanJobState": state, "LastScanTimestamp": LAST_SCAN, "Findings": []}
    ]
    message = (
        f"{INSTANCE} passed every check; malware scan not conclusive: the latest scan ended {state} at "
        "2026-03-01 20:05:00+00:00, so finding no malware in it proves nothing (AWS Backup, Jobs, Scan jobs shows why)"
    )
    assert scanned(aws, unfinished, "SUCCESSFUL", message)["result"] == "SUCCESSFUL"


def test_no_scan_yet_is_said_not_failed(aws):
    message = f"{INSTANCE} passed every check; no malware scan result for {RECOVERY_POINT} yet"
    assert scanned(aws, [], "SUCCESSFUL", message)["result"] == "SUCCESSFUL"


def test_a_runtime_whose_boto3_cannot_read_scan_results_says_so():
    old_model = SimpleNamespace(operation_model=lambda name: SimpleNamespace(output_shape=SimpleNamespace(members={})))
    old_backup = SimpleNamespace(meta=SimpleNamespace(service_model=old_model))
    problems, notes = handler.malware_findings(job(), Clients(backup=old_backup, ssm=None))
    assert (problems, notes) == (
        [],
        ["malware scan not checked: this runtime's boto3 predates DescribeRecoveryPoint.ScanResults"],
    )


# --- Jobs that are not ours to judge ----------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"CreatedBy": {"RestoreTestingPlanArn": OTHER_PLAN_ARN}},
            f"restore job {JOB_ID} is not from plan {PLAN_ARN} (it is from {OTHER_PLAN_ARN})",
        ),
        ({"CreatedBy": None}, f"restore job {JOB_ID} is not from plan {PLAN_ARN} (it is from None)"),
        ({"Status": "FAILED"}, f"restore job {JOB_ID} is FAILED, not COMPLETED"),
        (
            {
                "ResourceType": "EBS",
                "CreatedResourceArn": f"arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0",
            },
            f"restore job {JOB_ID} restored arn:aws:ec2:{REGION}:{ACCOUNT}:volume/vol-0123456789abcdef0, not an instance",
        ),
    ],
    ids=["another-plan", "not-restore-testing", "not-completed", "not-an-instance"],
)
def test_jobs_of_another_plan_or_kind_are_ignored_and_never_reported(aws, changes, message):
    describe(aws, **changes)
    assert step(copy.deepcopy(EVENT), aws.clients, SETTINGS, COMPLETED) == {
        "restore_job_id": JOB_ID,
        "done": True,
        "result": "IGNORED",
        "message": message,
    }


@pytest.mark.parametrize(
    "behind",
    [
        {"Status": "RUNNING", "CreatedResourceArn": None, "CompletionDate": None},
        {"Status": "COMPLETED", "CreatedResourceArn": None},
        {"Status": "PENDING", "CreatedBy": None},
    ],
    ids=["running", "no-instance-yet", "pending-without-plan"],
)
def test_a_completed_event_ahead_of_describe_restore_job_is_looked_at_again(aws, behind):
    """The event arrives before DescribeRestoreJob shows the job completed (eventual consistency):
    the job is not ignored for good, it is looked at again a minute later, and validated then."""
    describe(aws, **behind)
    first = step(copy.deepcopy(EVENT), aws.clients, SETTINGS, COMPLETED)
    assert first == {
        "restore_job_id": JOB_ID,
        "done": False,
        "phase": "confirm_job",
        "confirm_attempts": 1,
        "wait_seconds": 60,
    }
    describe(aws)  # settled
    ping(aws, "Online")
    sent(aws)
    assert step(first, aws.clients, SETTINGS, COMPLETED + timedelta(minutes=2)) == running_state()


def test_a_job_that_never_shows_completed_is_left_alone_after_five_looks(aws):
    state = {"restore_job_id": JOB_ID, "done": False, "phase": "confirm_job", "confirm_attempts": 4, "wait_seconds": 60}
    describe(aws, Status="RUNNING", CreatedResourceArn=None)
    state = step(state, aws.clients, SETTINGS, COMPLETED)
    assert (state["done"], state["confirm_attempts"]) == (False, 5)
    describe(aws, Status="RUNNING", CreatedResourceArn=None)
    assert step(state, aws.clients, SETTINGS, COMPLETED) == {
        "restore_job_id": JOB_ID,
        "done": True,
        "result": "IGNORED",
        "message": f"restore job {JOB_ID} still shows RUNNING without a restored instance 5 minutes after its "
        "COMPLETED event",
    }


def test_a_job_describe_shows_ended_otherwise_is_not_waited_for(aws):
    describe(aws, Status="FAILED")
    assert step(copy.deepcopy(EVENT), aws.clients, SETTINGS, COMPLETED)["result"] == "IGNORED"


def test_a_job_already_reported_is_left_alone(aws):
    describe(aws, ValidationStatus="SUCCESSFUL")
    assert step(running_state(), aws.clients, SETTINGS, COMPLETED)["result"] == "ALREADY_REPORTED"


def test_a_result_reported_meanwhile_by_a_duplicate_execution_is_not_overwritten(aws):
    describe(aws)
    invocation(aws, "Success", report())
    describe(aws, ValidationStatus="FAILED")
    assert step(running_state(), aws.clients, SETTINGS, COMPLETED)["result"] == "ALREADY_REPORTED"


# --- A failure of the function itself ----------------------------------------------------------


def test_a_failure_caught_by_the_state_machine_fails_the_restore_with_the_cause(aws):
    describe(aws)
    describe(aws)
    put(
        aws,
        "FAILED",
        "the restore validation itself failed (Lambda.Unknown: ThrottlingException: Rate exceeded); "
        "see the function's log",
    )
    failed = {
        **copy.deepcopy(EVENT),
        "error": {"Error": "Lambda.Unknown", "Cause": "ThrottlingException: Rate exceeded"},
    }
    assert step(failed, aws.clients, SETTINGS, COMPLETED)["result"] == "FAILED"


def test_a_caught_failure_on_another_plans_job_is_not_reported(aws):
    describe(aws, CreatedBy={"RestoreTestingPlanArn": OTHER_PLAN_ARN})
    failed = {**running_state(), "error": {"Error": "States.Timeout", "Cause": ""}}
    assert step(failed, aws.clients, SETTINGS, COMPLETED)["result"] == "IGNORED"


# --- Settings and the script ---------------------------------------------------------------------


def test_settings_come_from_the_environment():
    environ = {
        "RESTORE_TESTING_PLAN_ARN": PLAN_ARN,
        "VALIDATION_WINDOW_HOURS": "6",
        "REQUIRED_SERVICES": '["W3SVC"]',
        "CHECK_MALWARE_SCAN": "true",
        "MALWARE_SCAN_MODE": "FULL_SCAN",
    }
    assert Settings.from_environment(environ) == Settings(PLAN_ARN, 6, ("W3SVC",), True, "FULL_SCAN")
    assert Settings.from_environment(
        {"RESTORE_TESTING_PLAN_ARN": PLAN_ARN, "VALIDATION_WINDOW_HOURS": "4"}
    ) == Settings(PLAN_ARN, 4, (), False)


def test_the_script_starts_with_the_services_quoted_for_powershell():
    lines = script_lines(("W32Time", "MSSQL$SQLEXPRESS", "it's"))
    assert lines[0] == "$RequiredServices = @('W32Time', 'MSSQL$SQLEXPRESS', 'it''s')"
    assert lines[1:] == handler.SCRIPT.splitlines()
    assert script_lines(())[0] == "$RequiredServices = @()"


def test_the_script_prints_exactly_the_keys_the_handler_reads():
    [block] = re.findall(r"\[pscustomobject\]@\{\n(.*?)\n\} \| ConvertTo-Json", handler.SCRIPT, re.S)
    keys = {line.split("=", 1)[0].strip() for line in block.splitlines()}
    assert keys == handler.REPORT_KEYS
