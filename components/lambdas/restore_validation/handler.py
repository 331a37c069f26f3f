"""Restore validation: look inside a Windows instance AWS Backup restore testing restored, and say
whether it is good (``PutRestoreValidationResult``).

Runs as one step of a Step Functions state machine: the machine calls :func:`handler` with the
EventBridge "Restore Job State Change" event, then again with whatever the last call returned,
waiting ``wait_seconds`` in between, until a call returns ``done``. No call sleeps, so the wait
for a slow first boot can last the whole validation window (hours) without a Lambda running.

One restore job, step by step:

1. The job must come from this stack's restore testing plan. ``PutRestoreValidationResult`` has
   no resource-level permission, so the role could report on any restore job: the handler checks
   ``DescribeRestoreJob``'s ``CreatedBy.RestoreTestingPlanArn`` itself and ignores other jobs.
   The event may arrive before ``DescribeRestoreJob`` shows the job completed (AWS APIs are
   eventually consistent): the job is then looked at again, a minute apart, a few times.
2. Wait until the restored instance answers Systems Manager (``PingStatus`` ``Online``). An
   instance that does not answer before the validation window ends is FAILED.
3. Run ``validate.ps1`` with ``AWS-RunPowerShellScript`` and read its JSON line.
4. Judge: every VSS writer stable (and without error where the output is in English), the
   required services running, no unexpected critical System event since boot, and, when the
   recovery points are scanned for malware, no malware in the latest scan of this one. VSS
   writers read just after the instance came online may still be settling: when they fail,
   the script runs once more a minute later, and that second reading decides.
5. Report SUCCESSFUL or FAILED with the reasons. AWS Backup then deletes the restored instance.

Settings come from environment variables (set by ``components.restore_validation``):
``RESTORE_TESTING_PLAN_ARN``, ``VALIDATION_WINDOW_HOURS``, ``REQUIRED_SERVICES`` (JSON list),
``CHECK_MALWARE_SCAN`` (``true``/``false``) and ``MALWARE_SCAN_MODE`` (``INCREMENTAL_SCAN`` or
``FULL_SCAN``, to say what a clean scan covered). Only the Python standard library and the boto3 of
the Lambda runtime are used.
"""

from __future__ import annotations

import json
import logging
import os
import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Optional

LOG = logging.getLogger()
LOG.setLevel(logging.INFO)

#: The script run on the restored instance (its first line, the services, is added per call).
SCRIPT = Path(__file__).with_name("validate.ps1").read_text(encoding="utf-8")
#: The AWS-owned Run Command document for PowerShell on Windows.
DOCUMENT = "AWS-RunPowerShellScript"
#: Seconds the script may run, and SSM may take to deliver it.
COMMAND_TIMEOUT_SECONDS = 600
#: Stop waiting this long before the validation window ends, to report before AWS deletes the instance.
REPORT_MARGIN = timedelta(minutes=15)
#: Seconds between checks: often at first (most instances answer within minutes), then rarely,
#: which keeps a week-long window well under Step Functions' 25,000 history events.
WAIT_SHORT_SECONDS = 60
WAIT_LONG_SECONDS = 600
SHORT_WAITS_FOR = timedelta(hours=1)
COMMAND_WAIT_SECONDS = 30
#: A job whose COMPLETED event came before DescribeRestoreJob shows it: looked at again this
#: many times, this far apart, before it is left alone.
CONFIRM_ATTEMPTS = 5
CONFIRM_WAIT_SECONDS = 60
#: Seconds before the VSS writers are read a second time, when the first reading fails.
VSS_RECHECK_SECONDS = 60
#: VSS_WRITER_STATE: VSS_WS_STABLE (Microsoft Learn, "VSS_WRITER_STATE enumeration (vss.h)").
VSS_WS_STABLE = 1
#: vssadmin's "no error" text, readable only when the output is in English.
NO_ERROR = "No error"
#: Critical events every restore test produces, ignored: the restored instance boots from
#: snapshots of a running machine, which Windows records as a restart without a clean shutdown
#: (Microsoft-Windows-Kernel-Power event 41, level Critical).
EXPECTED_CRITICAL_EVENTS = frozenset({("Microsoft-Windows-Kernel-Power", 41)})
#: Final validation states: once one is set, AWS Backup does not accept another.
FINAL_STATES = frozenset({"SUCCESSFUL", "FAILED", "TIMED_OUT"})
#: Restore job states before COMPLETED (botocore, ``RestoreJobStatus``; a missing one too).
JOB_NOT_DONE = frozenset({None, "PENDING", "RUNNING"})
#: Run Command states that mean the command has not finished yet.
COMMAND_RUNNING = frozenset({"Pending", "InProgress", "Delayed"})
#: The keys of the JSON line ``validate.ps1`` prints (a test holds the two files to it).
REPORT_KEYS = frozenset(
    {
        "bootTime",
        "vssExitCode",
        "vssOutputTail",
        "vssEnglish",
        "vssWriters",
        "services",
        "criticalEventCount",
        "criticalEvents",
        "eventsError",
    }
)
#: Longest message sent with the result (the console shows it; keep it readable).
MESSAGE_MAX = 1000
_INSTANCE_ARN = re.compile(r"^arn:[\w-]+:ec2:[\w-]+:\d{12}:instance/(i-[0-9a-f]+)$")


@dataclass(frozen=True)
class Settings:
    """What the function checks, from its environment."""

    plan_arn: str
    """The restore testing plan whose jobs this function validates (and no other)."""
    window_hours: int
    """The selection's validation window: the restored instance is deleted after it."""
    required_services: tuple[str, ...] = ()
    """Windows services that must be running. Default: none."""
    check_malware_scan: bool = False
    """Fail recovery points whose latest GuardDuty scan found malware. Default: off."""
    malware_scan_mode: str = "INCREMENTAL_SCAN"
    """How the plans scan (``INCREMENTAL_SCAN`` or ``FULL_SCAN``): said with a clean result.
    Default: ``INCREMENTAL_SCAN``."""

    @staticmethod
    def from_environment(environ: Optional[dict[str, str]] = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        return Settings(
            plan_arn=env["RESTORE_TESTING_PLAN_ARN"],
            window_hours=int(env["VALIDATION_WINDOW_HOURS"]),
            required_services=tuple(json.loads(env.get("REQUIRED_SERVICES") or "[]")),
            check_malware_scan=env.get("CHECK_MALWARE_SCAN", "false").lower() == "true",
            malware_scan_mode=env.get("MALWARE_SCAN_MODE") or "INCREMENTAL_SCAN",
        )


@dataclass(frozen=True)
class Clients:
    """The AWS clients the function calls (stubbed in tests)."""

    backup: Any
    ssm: Any


def handler(event: dict[str, Any], context: Any = None) -> dict[str, Any]:
    """Lambda entry point: one step of one restore job's validation."""
    import boto3  # the Lambda runtime's; imported here so tests need no AWS configuration

    clients = Clients(backup=boto3.client("backup"), ssm=boto3.client("ssm"))
    return step(event, clients, Settings.from_environment(), datetime.now(UTC))


def step(state: dict[str, Any], clients: Clients, settings: Settings, now: datetime) -> dict[str, Any]:
    """Advance one restore job's validation by one step; returns the next state.

    ``state`` is the EventBridge event (first step), a state this function returned, or either
    with an ``error`` the state machine caught (the function failed: report that, and stop).
    """
    if "error" in state:
        return _report_error(state, clients, settings)
    if "detail-type" in state:
        state, job = _start(state, clients, settings, now)
    else:
        job = clients.backup.describe_restore_job(RestoreJobId=state["restore_job_id"])
        if state.get("phase") == "confirm_job":
            state = _confirm(state, job, settings, now)
    if state["done"] or state.get("phase") == "confirm_job":
        return state
    if job.get("ValidationStatus") in FINAL_STATES:
        return _done(state, "ALREADY_REPORTED", f"validation already reported: {job['ValidationStatus']}")
    deadline = datetime.fromisoformat(state["deadline"])
    if state["phase"] == "wait_for_ssm":
        return _wait_for_ssm(state, job, clients, settings, now, deadline)
    return _wait_for_command(state, job, clients, settings, now, deadline)


def _start(
    event: dict[str, Any], clients: Clients, settings: Settings, now: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The first state of a restore job's validation, and the job (``done`` when it is not ours to
    check; phase ``confirm_job`` when the job does not show yet what its COMPLETED event says)."""
    detail = event.get("detail", {})
    job_id = detail.get("restoreJobId", "")
    state: dict[str, Any] = {"restore_job_id": job_id, "done": False}
    if not job_id:
        return _done(state, "IGNORED", "the event names no restore job"), {}
    job = clients.backup.describe_restore_job(RestoreJobId=job_id)
    if detail.get("status") == "COMPLETED" and _settling(job, settings):
        LOG.info(
            "restore job %s is %s in DescribeRestoreJob, COMPLETED in its event: looking again",
            job_id,
            job.get("Status"),
        )
        return {**state, "phase": "confirm_job", "confirm_attempts": 1, "wait_seconds": CONFIRM_WAIT_SECONDS}, job
    return _accept(state, job, settings, now), job


def _settling(job: dict[str, Any], settings: Settings) -> bool:
    """The job may be ours, but DescribeRestoreJob does not show it completed with its instance
    yet: AWS's read APIs are eventually consistent, and the event can arrive first."""
    plan = job.get("CreatedBy", {}).get("RestoreTestingPlanArn")
    status = job.get("Status")
    behind = status in JOB_NOT_DONE or (status == "COMPLETED" and not job.get("CreatedResourceArn"))
    return plan in (None, settings.plan_arn) and behind


def _confirm(state: dict[str, Any], job: dict[str, Any], settings: Settings, now: datetime) -> dict[str, Any]:
    """Look at a settling job again: start its validation once it shows completed, else wait
    (:data:`CONFIRM_ATTEMPTS` times at most)."""
    attempts = int(state.get("confirm_attempts", 1))
    job_id = state["restore_job_id"]
    if _settling(job, settings):
        if attempts >= CONFIRM_ATTEMPTS:
            return _done(
                state,
                "IGNORED",
                f"restore job {job_id} still shows {job.get('Status')} without a restored instance "
                f"{attempts * CONFIRM_WAIT_SECONDS // 60} minutes after its COMPLETED event",
            )
        return {**state, "confirm_attempts": attempts + 1, "wait_seconds": CONFIRM_WAIT_SECONDS}
    return _accept({"restore_job_id": job_id, "done": False}, job, settings, now)


def _accept(state: dict[str, Any], job: dict[str, Any], settings: Settings, now: datetime) -> dict[str, Any]:
    """The state that starts validating ``job``, or ``done`` when it is not ours to check."""
    job_id = state["restore_job_id"]
    plan = job.get("CreatedBy", {}).get("RestoreTestingPlanArn")
    if plan != settings.plan_arn:
        # The role may report on any restore job (no resource-level permission): only ours.
        ignored = f"restore job {job_id} is not from plan {settings.plan_arn} (it is from {plan})"
        return _done(state, "IGNORED", ignored)
    if job.get("Status") != "COMPLETED":
        return _done(state, "IGNORED", f"restore job {job_id} is {job.get('Status')}, not COMPLETED")
    match = _INSTANCE_ARN.match(job.get("CreatedResourceArn", ""))
    if job.get("ResourceType") != "EC2" or match is None:
        restored = job.get("CreatedResourceArn")
        return _done(state, "IGNORED", f"restore job {job_id} restored {restored}, not an instance")
    completed = job.get("CompletionDate") or now
    deadline = completed + timedelta(hours=settings.window_hours) - REPORT_MARGIN
    LOG.info("validating restore job %s: instance %s, until %s", job_id, match.group(1), deadline.isoformat())
    return {
        **state,
        "instance_id": match.group(1),
        "started": now.isoformat(),
        "deadline": deadline.isoformat(),
        "phase": "wait_for_ssm",
    }


def _wait_for_ssm(
    state: dict[str, Any], job: dict[str, Any], clients: Clients, settings: Settings, now: datetime, deadline: datetime
) -> dict[str, Any]:
    instance = state["instance_id"]
    found = clients.ssm.describe_instance_information(Filters=[{"Key": "InstanceIds", "Values": [instance]}])
    ping = next((item.get("PingStatus") for item in found.get("InstanceInformationList", [])), None)
    if ping == "Online":
        command = clients.ssm.send_command(
            InstanceIds=[instance],
            DocumentName=DOCUMENT,
            Comment=f"AWS Backup restore validation {state['restore_job_id']}"[:100],
            TimeoutSeconds=COMMAND_TIMEOUT_SECONDS,
            Parameters={
                "commands": script_lines(settings.required_services),
                "executionTimeout": [str(COMMAND_TIMEOUT_SECONDS)],
            },
        )
        command_id = command["Command"]["CommandId"]
        LOG.info("instance %s answers SSM: command %s sent", instance, command_id)
        return {**state, "phase": "run_command", "command_id": command_id, "wait_seconds": COMMAND_WAIT_SECONDS}
    if now >= deadline:
        seen = f"its SSM status is {ping}" if ping else "it never registered with SSM"
        return _report(
            state,
            clients,
            "FAILED",
            f"the restored instance {instance} did not answer Systems Manager within the {settings.window_hours}-hour "
            f"validation window ({seen}): check that it boots, that its instance profile allows SSM "
            "(AmazonSSMManagedInstanceCore), and that its subnet reaches the SSM endpoints",
        )
    started = datetime.fromisoformat(state["started"])
    wait = WAIT_SHORT_SECONDS if now - started < SHORT_WAITS_FOR else WAIT_LONG_SECONDS
    return {**state, "wait_seconds": wait}


def _wait_for_command(
    state: dict[str, Any], job: dict[str, Any], clients: Clients, settings: Settings, now: datetime, deadline: datetime
) -> dict[str, Any]:
    instance, command_id = state["instance_id"], state["command_id"]
    try:
        result = clients.ssm.get_command_invocation(CommandId=command_id, InstanceId=instance)
    except clients.ssm.exceptions.InvocationDoesNotExist:
        # Run Command is eventually consistent: a command just sent may not be visible yet.
        result = {"Status": "Pending"}
    status = result.get("Status")
    if status in COMMAND_RUNNING:
        if now >= deadline:
            return _report(
                state,
                clients,
                "FAILED",
                f"the validation command {command_id} did not finish on {instance} within the validation window",
            )
        return {**state, "wait_seconds": COMMAND_WAIT_SECONDS}
    if status != "Success":
        error = (result.get("StandardErrorContent") or "").strip()[:300]
        return _report(
            state, clients, "FAILED", f"the validation command {command_id} ended {status} on {instance}: {error}"
        )
    output = result.get("StandardOutputContent") or ""
    problems, notes = judge(output, settings.required_services)
    report = _last_json_line(output)
    writers_failed = report is not None and bool(vss_judgement(report)[0])
    time_left = now + timedelta(seconds=VSS_RECHECK_SECONDS + COMMAND_TIMEOUT_SECONDS) < deadline
    if writers_failed and time_left and not state.get("vss_rechecked"):
        # Writers read right after the instance came online may still be settling: read again.
        LOG.info("VSS writers of %s not stable on the first read, reading again: %s", instance, problems)
        return {
            **{k: v for k, v in state.items() if k != "command_id"},
            "phase": "wait_for_ssm",
            "vss_rechecked": True,
            "first_read": "; ".join(problems),
            "wait_seconds": VSS_RECHECK_SECONDS,
        }
    if state.get("vss_rechecked"):
        first = state.get("first_read", "")
        notes = [
            f"VSS writers read again {VSS_RECHECK_SECONDS} s after a first read that found: {first}"
            if problems
            else f"VSS writers were stable on a second read, {VSS_RECHECK_SECONDS} s after a first that found: {first}",
            *notes,
        ]
    if settings.check_malware_scan:
        scan_problems, scan_notes = malware_findings(job, clients, settings.malware_scan_mode)
        problems, notes = problems + scan_problems, notes + scan_notes
    if problems:
        return _report(state, clients, "FAILED", "; ".join(problems + notes))
    return _report(state, clients, "SUCCESSFUL", "; ".join([f"{instance} passed every check"] + notes))


def script_lines(required_services: tuple[str, ...]) -> list[str]:
    """The PowerShell sent to the instance: the services line, then ``validate.ps1``."""
    quoted = ", ".join("'" + name.replace("'", "''") + "'" for name in required_services)
    return [f"$RequiredServices = @({quoted})", *SCRIPT.splitlines()]


def judge(output: str, required_services: tuple[str, ...]) -> tuple[list[str], list[str]]:
    """``(problems, notes)`` of the script's JSON line: any problem fails the restore test."""
    report = _last_json_line(output)
    if report is None:
        return [f"the validation script printed no JSON report: {output.strip()[-300:]!r}"], []
    problems, notes = vss_judgement(report)
    return problems + _service_and_event_problems(report, required_services), notes


def vss_judgement(report: dict[str, Any]) -> tuple[list[str], list[str]]:
    """``(problems, notes)`` of the VSS writers in the script's report."""
    problems: list[str] = []
    notes: list[str] = []
    if report.get("vssExitCode") != 0:
        tail = " ".join(_listed(report.get("vssOutputTail")))
        problems.append(f"vssadmin list writers failed (exit code {report.get('vssExitCode')}): {tail}")
    else:
        writers = _listed(report.get("vssWriters"))
        if not writers:
            problems.append("vssadmin listed no VSS writer")
        unstable = [f"{w.get('name')} (state {w.get('state')})" for w in writers if w.get("state") != VSS_WS_STABLE]
        if unstable:
            problems.append(f"VSS writers not stable: {', '.join(unstable)}")
        if report.get("vssEnglish"):
            failing = [f"{w.get('name')} ({w.get('lastError')})" for w in writers if w.get("lastError") != NO_ERROR]
            if failing:
                problems.append(f"VSS writers with an error: {', '.join(failing)}")
        else:
            notes.append("VSS writers' last errors not checked: vssadmin's output is not in English")
    return problems, notes


def _service_and_event_problems(report: dict[str, Any], required_services: tuple[str, ...]) -> list[str]:
    problems: list[str] = []
    statuses = {s.get("name", "").lower(): s.get("status") for s in _listed(report.get("services"))}
    stopped = [
        f"{name} ({statuses.get(name.lower(), 'not reported')})"
        for name in required_services
        if statuses.get(name.lower()) != "Running"
    ]
    if stopped:
        problems.append(f"required services not running: {', '.join(stopped)}")
    if report.get("eventsError"):
        problems.append(f"could not read the System log: {report['eventsError']}")
    events = _listed(report.get("criticalEvents"))
    unexpected = [e for e in events if (e.get("provider"), e.get("id")) not in EXPECTED_CRITICAL_EVENTS]
    unlisted = max(int(report.get("criticalEventCount") or 0) - len(events), 0)
    if unexpected or unlisted:
        shown = [f"{e.get('provider')} {e.get('id')} at {e.get('time')}" for e in unexpected[:5]]
        hidden = len(unexpected[5:]) + unlisted
        shown += [f"{hidden} more"] if hidden else []
        problems.append(f"critical System events since boot: {', '.join(shown)}")
    return problems


def malware_findings(
    job: dict[str, Any], clients: Clients, mode: str = "INCREMENTAL_SCAN"
) -> tuple[list[str], list[str]]:
    """``(problems, notes)`` of the recovery point's latest GuardDuty scan (``DescribeRecoveryPoint.ScanResults``).

    Malware in any scan fails the restore. A clean latest scan is noted with what it covered
    (``mode``: GuardDuty's incremental scan "scans the changed files between" two recovery points
    of one resource: GuardDuty User Guide, "How does Malware Protection for Backup work?"); a
    latest scan that did not complete cleanly is noted as proving nothing."""
    recovery_point = job.get("RecoveryPointArn", "")
    vault = job.get("BackupVaultArn", "").rsplit(":", 1)[-1]
    output_shape = clients.backup.meta.service_model.operation_model("DescribeRecoveryPoint").output_shape
    if "ScanResults" not in output_shape.members:
        return [], ["malware scan not checked: this runtime's boto3 predates DescribeRecoveryPoint.ScanResults"]
    point = clients.backup.describe_recovery_point(BackupVaultName=vault, RecoveryPointArn=recovery_point)
    results = point.get("ScanResults") or []
    if not results:
        return [], [f"no malware scan result for {recovery_point} yet"]
    infected = [r for r in results if "MALWARE" in (r.get("Findings") or [])]
    if infected:
        when = ", ".join(
            f"{r.get('MalwareScanner')} scan {r.get('ScanJobState')} at {r.get('LastScanTimestamp')}" for r in infected
        )
        return [f"malware found in recovery point {recovery_point} ({when}): restore from an older, clean one"], []
    latest = max(results, key=lambda r: str(r.get("LastScanTimestamp")))
    state, when = latest.get("ScanJobState"), latest.get("LastScanTimestamp")
    if state != "COMPLETED":
        # FAILED, CANCELED or COMPLETED_WITH_ISSUES (botocore, ScanResult.ScanJobState): no finding
        # from a scan that did not finish cleanly is not a clean result.
        return [], [
            f"malware scan not conclusive: the latest scan ended {state} at {when}, so finding no malware in it "
            "proves nothing (AWS Backup, Jobs, Scan jobs shows why)"
        ]
    covered = (
        "; an incremental scan reads only the files changed since the recovery point it compares with: "
        "a full scan finds what was there before"
        if mode == "INCREMENTAL_SCAN"
        else ""
    )
    return [], [f"no malware in the latest scan (COMPLETED at {when}{covered})"]


def _report_error(state: dict[str, Any], clients: Clients, settings: Settings) -> dict[str, Any]:
    """The state machine caught a failure of this function: report it on our job, if it is ours."""
    job_id = state.get("restore_job_id") or state.get("detail", {}).get("restoreJobId")
    error = state.get("error") or {}
    cause = str(error.get("Cause") or "")[:300]
    if not job_id:
        return _done({"done": False}, "IGNORED", f"failed before naming a restore job: {error.get('Error')}: {cause}")
    job = clients.backup.describe_restore_job(RestoreJobId=job_id)
    if job.get("CreatedBy", {}).get("RestoreTestingPlanArn") != settings.plan_arn:
        return _done({"restore_job_id": job_id, "done": False}, "IGNORED", "not a job of this plan")
    return _report(
        {"restore_job_id": job_id, "done": False},
        clients,
        "FAILED",
        f"the restore validation itself failed ({error.get('Error')}: {cause}); see the function's log",
    )


def _report(state: dict[str, Any], clients: Clients, status: str, message: str) -> dict[str, Any]:
    job_id = state["restore_job_id"]
    job = clients.backup.describe_restore_job(RestoreJobId=job_id)
    if job.get("ValidationStatus") in FINAL_STATES:
        # Another execution (EventBridge delivers at least once) reported first.
        return _done(state, "ALREADY_REPORTED", f"validation already reported: {job['ValidationStatus']}")
    text = message if len(message) <= MESSAGE_MAX else message[: MESSAGE_MAX - 3] + "..."
    clients.backup.put_restore_validation_result(
        RestoreJobId=job_id, ValidationStatus=status, ValidationStatusMessage=text
    )
    LOG.info("restore job %s: %s: %s", job_id, status, text)
    return _done(state, status, text)


def _done(state: dict[str, Any], result: str, message: str) -> dict[str, Any]:
    if result == "IGNORED":
        LOG.info("%s", message)
    return {"restore_job_id": state.get("restore_job_id", ""), "done": True, "result": result, "message": message}


def _last_json_line(output: str) -> Optional[dict[str, Any]]:
    for line in reversed(output.strip().splitlines()):
        line = line.strip()
        if line.startswith("{"):
            try:
                value = json.loads(line)
            except ValueError:
                return None
            return value if isinstance(value, dict) else None
    return None


def _listed(value: Any) -> list[Any]:
    """PowerShell's ConvertTo-Json writes a one-item array as the item and an empty one as null."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]
