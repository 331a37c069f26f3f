"""WindowsRestoreValidation: look inside each instance restore testing restores, and report the verdict.

AWS Backup restore testing proves a recovery point restores into a running instance; it does not
look inside. This component does, for the jobs of one restore testing plan: when a restore job
completes, a Step Functions state machine calls the restore validation function
(``components/lambdas/restore_validation/handler.py``) step by step until it has run its
PowerShell checks on the restored instance through SSM Run Command, and the function reports
SUCCESSFUL or FAILED with ``PutRestoreValidationResult`` (AWS Backup, "Restore testing
validation"). AWS Backup then deletes the restored instance.

Why a state machine: a restored Windows instance may take minutes to boot and register with SSM,
and the validation window lasts hours; a Lambda function runs 15 minutes at most. The state
machine waits between short calls (``Wait`` states cost nothing while waiting), so the function
never sleeps and the wait can last the whole window. A function re-invoking itself would be
stopped by Lambda's recursive loop detection after 16 invocations (AWS Lambda, "Lambda recursive
loop detection").
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any, NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts

#: The function's code: the handler and the PowerShell it sends, nothing else.
CODE_DIR = Path(__file__).resolve().parent / "lambdas" / "restore_validation"
CODE_FILES = ("handler.py", "validate.ps1")
RUNTIME = "python3.13"
#: Each call only makes a few API calls; the waiting happens in the state machine.
FUNCTION_TIMEOUT_SECONDS = 120
FUNCTION_MEMORY_MB = 128
#: Tag AWS Backup puts on every resource restore testing creates (AWS Backup guide, "Restore
#: testing"): SSM commands are allowed only on instances carrying it.
RESTORE_TEST_TAG = "awsbackup-restore-test"
#: The AWS-owned Run Command document the function uses.
RUN_DOCUMENT = "AWS-RunPowerShellScript"
DEFAULT_LOG_RETENTION_DAYS = 30
#: CloudWatch Logs retention values (CloudWatch Logs API, ``PutRetentionPolicy``).
LOG_RETENTION_DAYS = (
    *(1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545),
    *(731, 1096, 1827, 2192, 2557, 2922, 3288, 3653),
)
#: A Windows service's short name as ``Get-Service -Name`` takes it (``MSSQL$SQLEXPRESS`` too).
SERVICE_NAME = re.compile(r"^[A-Za-z0-9_.$ -]{1,256}$")
#: How the state machine retries a failed call of the function before reporting the failure.
_RETRY = {"IntervalSeconds": 10, "MaxAttempts": 3, "BackoffRate": 2}


def log_retention_days(days: int) -> Optional[rules.Violation]:
    """Days the function's log is kept: one of CloudWatch Logs' retention values."""
    if days in LOG_RETENTION_DAYS:
        return None
    return rules.Violation(
        f"CloudWatch Logs keeps logs for one of {list(LOG_RETENTION_DAYS)} days",
        f"use e.g. {DEFAULT_LOG_RETENTION_DAYS}",
    )


def service_names(names: Sequence[str]) -> Optional[rules.Violation]:
    """Windows service names (the short names ``Get-Service -Name`` takes), each once."""
    for name in names:
        if not SERVICE_NAME.fullmatch(name) or name != name.strip():
            return rules.Violation(
                f"{name!r} is not a Windows service name: letters, digits and '_.$ -', 1-256 characters",
                "use the service's short name as `Get-Service` shows it (Name column), e.g. 'MSSQLSERVER'",
            )
    if len({name.lower() for name in names}) != len(names):
        return rules.Violation("a service is named twice (Windows service names ignore case)", "list each once")
    return None


def lambda_trust_policy() -> str:
    """Trust policy of the function's role: Lambda runs it."""
    return _document(
        [{"Effect": "Allow", "Principal": {"Service": "lambda.amazonaws.com"}, "Action": "sts:AssumeRole"}]
    )


def service_trust_policy(service: str, account_id: str) -> str:
    """Trust policy of a role an AWS service assumes on behalf of this account only."""
    return _document(
        [
            {
                "Effect": "Allow",
                "Principal": {"Service": service},
                "Action": "sts:AssumeRole",
                "Condition": {"StringEquals": {"aws:SourceAccount": account_id}},
            }
        ]
    )


def function_policy(
    *, partition: str, region: str, account_id: str, log_group_arn: str, read_scan_results: bool
) -> str:
    """What the function may do: write its log, read and report restore jobs, run one document on
    restore-test instances only, read command results, and (with malware scanning) read scan results.

    ``DescribeRestoreJob``, ``PutRestoreValidationResult``, ``DescribeInstanceInformation`` and
    ``GetCommandInvocation`` have no resource-level permissions (Service Authorization Reference,
    "Actions, resources, and condition keys for AWS Backup" / "for AWS Systems Manager"): they are
    limited to this region, and the function checks itself that a job is its plan's.
    ``DescribeRecoveryPoint`` is too: an EC2 recovery point is an AMI, not a ``backup:`` ARN.
    """
    in_region = {"StringEquals": {"aws:RequestedRegion": region}}
    statements: list[dict[str, Any]] = [
        {
            "Sid": "WriteOwnLog",
            "Effect": "Allow",
            "Action": ["logs:CreateLogStream", "logs:PutLogEvents"],
            "Resource": f"{log_group_arn}:log-stream:*",
        },
        {
            "Sid": "ReadAndReportRestoreJobs",
            "Effect": "Allow",
            "Action": ["backup:DescribeRestoreJob", "backup:PutRestoreValidationResult"],
            "Resource": "*",
            "Condition": in_region,
        },
        {
            # SendCommand is authorized on the document and on each instance. An AWS-owned document's
            # ARN has no account; '*' matches that empty field (and AWS- names are AWS's own).
            "Sid": "RunTheValidationDocument",
            "Effect": "Allow",
            "Action": "ssm:SendCommand",
            "Resource": [
                f"arn:{partition}:ssm:{region}:*:document/{RUN_DOCUMENT}",
                f"arn:{partition}:ec2:{region}:{account_id}:instance/*",
            ],
        },
        {
            # ...but never on an instance restore testing did not create (Systems Manager User Guide,
            # "Restricting Run Command access based on tags"; the tag: AWS Backup guide, "Restore testing").
            "Sid": "OnRestoreTestInstancesOnly",
            "Effect": "Deny",
            "Action": "ssm:SendCommand",
            "Resource": f"arn:{partition}:ec2:{region}:{account_id}:instance/*",
            "Condition": {"Null": {f"ssm:resourceTag/{RESTORE_TEST_TAG}": "true"}},
        },
        {
            "Sid": "ReadPingAndCommandResults",
            "Effect": "Allow",
            "Action": ["ssm:DescribeInstanceInformation", "ssm:GetCommandInvocation"],
            "Resource": "*",
            "Condition": in_region,
        },
    ]
    if read_scan_results:
        statements.append(
            {
                "Sid": "ReadMalwareScanResults",
                "Effect": "Allow",
                "Action": "backup:DescribeRecoveryPoint",
                "Resource": "*",
                "Condition": in_region,
            }
        )
    return _document(statements)


def invoke_policy(function_arn: str) -> str:
    """The state machine may invoke the function (and only it)."""
    return _document(
        [
            {
                "Sid": "InvokeValidationFunction",
                "Effect": "Allow",
                "Action": "lambda:InvokeFunction",
                "Resource": [function_arn, f"{function_arn}:*"],
            }
        ]
    )


def start_policy(state_machine_arn: str) -> str:
    """EventBridge may start the state machine (and only it)."""
    return _document(
        [
            {
                "Sid": "StartValidation",
                "Effect": "Allow",
                "Action": "states:StartExecution",
                "Resource": state_machine_arn,
            }
        ]
    )


def restore_completed_pattern(account_id: str, plan_arn: str) -> str:
    """EventBridge pattern: an EC2 restore job of this restore testing plan completed.

    Restore job events carry ``status`` (not ``state``) and, for restore testing, the plan's
    ``restoreTestingPlanArn`` (AWS Backup guide, "Monitoring AWS Backup events using Amazon
    EventBridge").
    """
    return json.dumps(
        {
            "source": ["aws.backup"],
            "detail-type": ["Restore Job State Change"],
            "account": [account_id],
            "detail": {"status": ["COMPLETED"], "resourceType": ["EC2"], "restoreTestingPlanArn": [plan_arn]},
        }
    )


def state_machine_definition(partition: str, function_arn: str) -> str:
    """The waiting loop: call the function, stop when it says ``done``, else wait what it asks.

    A failing call is retried; if it still fails, the function is called once more with the
    error, to report the restore job FAILED rather than leave it unvalidated.
    """
    call = {
        "Type": "Task",
        "Resource": f"arn:{partition}:states:::lambda:invoke",
        "Parameters": {"FunctionName": function_arn, "Payload.$": "$"},
        "OutputPath": "$.Payload",
        "Retry": [{"ErrorEquals": ["States.ALL"], **_RETRY}],
    }
    return json.dumps(
        {
            "Comment": "Validate one restore job of the restore testing plan: check, wait, check again until done.",
            "StartAt": "Check",
            "States": {
                "Check": {
                    **call,
                    "Catch": [{"ErrorEquals": ["States.ALL"], "ResultPath": "$.error", "Next": "ReportError"}],
                    "Next": "Done?",
                },
                "Done?": {
                    "Type": "Choice",
                    "Choices": [{"Variable": "$.done", "BooleanEquals": True, "Next": "Done"}],
                    "Default": "Wait",
                },
                "Wait": {"Type": "Wait", "SecondsPath": "$.wait_seconds", "Next": "Check"},
                "ReportError": {**call, "End": True},
                "Done": {"Type": "Succeed"},
            },
        },
        indent=2,
    )


def function_code() -> pulumi.AssetArchive:
    """The deployment package, built by Pulumi from the files in this repository."""
    return pulumi.AssetArchive({name: pulumi.FileAsset(str(CODE_DIR / name)) for name in CODE_FILES})


class RestoreValidationArgs(TypedDict):
    """Arguments of :class:`WindowsRestoreValidation`."""

    region: str
    """The region of the restore testing plan (where this deploys). Never read from the ambient config."""
    restore_testing_plan_arn: pulumi.Input[str]
    """The plan whose restore jobs are validated; jobs of other plans are ignored."""
    validation_window_hours: int
    """The selection's validation window: an instance that has not answered SSM 15 minutes before
    it ends is reported FAILED."""
    required_services: NotRequired[Sequence[str]]
    """Windows services that must be running on the restored instance. Default: none."""
    check_malware_scan: NotRequired[bool]
    """Also fail a restore whose recovery point's latest GuardDuty scan found malware (turn on with
    malware scanning). Default: ``False``."""
    malware_scan_mode: NotRequired[str]
    """How the plans scan, ``INCREMENTAL_SCAN`` or ``FULL_SCAN``: a clean result then says what the
    scan covered. Default: ``INCREMENTAL_SCAN``."""
    log_retention_days: NotRequired[int]
    """Days the function's log is kept. Default: 30."""
    tags: NotRequired[dict[str, str]]
    """Tags for every taggable child. Default: none."""


class WindowsRestoreValidation(pulumi.ComponentResource):
    """The restore validation function, the state machine that drives it, and the rule that starts it.

    Children, named from ``name``: ``aws.cloudwatch.LogGroup`` ``<name>-logs``; the function
    ``aws.lambda_.Function`` ``<name>-function`` with its role ``<name>-function-role`` and inline
    policy ``<name>-function-policy``; the ``aws.sfn.StateMachine`` ``<name>-workflow`` with
    ``<name>-workflow-role``/``-policy`` (invoke the function); and ``aws.cloudwatch.EventRule``/
    ``EventTarget`` ``<name>-trigger`` with ``<name>-trigger-role``/``-policy`` (start the machine).
    """

    function_name: pulumi.Output[str]
    """The function (its log group holds each job's verdict)."""
    state_machine_arn: pulumi.Output[str]
    """The state machine (one execution per restore job)."""
    log_group_name: pulumi.Output[str]
    """The function's log group."""

    def __init__(
        self,
        name: str,
        args: RestoreValidationArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:WindowsRestoreValidation", name, None, opts)
        services = list(args.get("required_services") or [])
        retention = args.get("log_retention_days", DEFAULT_LOG_RETENTION_DAYS)
        window = args["validation_window_hours"]
        tags = args.get("tags") or {}
        lines = rules.problems(
            {
                "region": rules.aws_region(args["region"]),
                "required_services": service_names(services),
                "log_retention_days": log_retention_days(retention),
                "tags": rules.tags(tags),
            }
        )
        if not 1 <= window <= 168:
            lines.append(f"validation_window_hours: {window} is not 1-168. Fix: use the restore selection's window.")
        rules.raise_if_any("WindowsRestoreValidation", name, lines)

        account = account or AccountFacts.lookup(self)
        region, scans = args["region"], args.get("check_malware_scan", False)
        plan_arn = pulumi.Output.from_input(args["restore_testing_plan_arn"])
        log_group = aws.cloudwatch.LogGroup(
            f"{name}-logs", retention_in_days=retention, tags=tags or None, opts=child_opts(self)
        )
        function_role = aws.iam.Role(
            f"{name}-function-role", assume_role_policy=lambda_trust_policy(), tags=tags or None, opts=child_opts(self)
        )
        function_policy_resource = aws.iam.RolePolicy(
            f"{name}-function-policy",
            role=function_role.id,
            policy=pulumi.Output.all(account.partition, account.account_id, log_group.arn).apply(
                lambda facts: function_policy(
                    partition=facts[0],
                    region=region,
                    account_id=facts[1],
                    log_group_arn=facts[2],
                    read_scan_results=scans,
                )
            ),
            opts=child_opts(self),
        )
        function = aws.lambda_.Function(
            f"{name}-function",
            description="Checks inside Windows instances restored by AWS Backup restore testing",
            runtime=RUNTIME,
            handler="handler.handler",
            code=function_code(),
            role=function_role.arn,
            architectures=["arm64"],
            timeout=FUNCTION_TIMEOUT_SECONDS,
            memory_size=FUNCTION_MEMORY_MB,
            environment=aws.lambda_.FunctionEnvironmentArgs(
                variables={
                    "RESTORE_TESTING_PLAN_ARN": plan_arn,
                    "VALIDATION_WINDOW_HOURS": str(window),
                    "REQUIRED_SERVICES": json.dumps(services),
                    "CHECK_MALWARE_SCAN": "true" if scans else "false",
                    **({"MALWARE_SCAN_MODE": args.get("malware_scan_mode", "INCREMENTAL_SCAN")} if scans else {}),
                }
            ),
            logging_config=aws.lambda_.FunctionLoggingConfigArgs(
                log_format="JSON", log_group=log_group.name, application_log_level="INFO", system_log_level="WARN"
            ),
            tags=tags or None,
            # Its first calls would fail without the policy.
            opts=child_opts(self, depends_on=[function_policy_resource]),
        )
        workflow_role, workflow_policy = self._service_role(
            f"{name}-workflow", "states.amazonaws.com", function.arn.apply(invoke_policy), account, tags
        )
        workflow = aws.sfn.StateMachine(
            f"{name}-workflow",
            type="STANDARD",
            role_arn=workflow_role.arn,
            definition=pulumi.Output.all(account.partition, function.arn).apply(
                lambda facts: state_machine_definition(facts[0], facts[1])
            ),
            tags=tags or None,
            opts=child_opts(self, depends_on=[workflow_policy]),
        )
        trigger_role, trigger_policy = self._service_role(
            f"{name}-trigger", "events.amazonaws.com", workflow.arn.apply(start_policy), account, tags
        )
        rule = aws.cloudwatch.EventRule(
            f"{name}-trigger",
            description="An EC2 restore job of the restore testing plan completed: validate the restored instance",
            event_pattern=pulumi.Output.all(account.account_id, plan_arn).apply(
                lambda pair: restore_completed_pattern(pair[0], pair[1])
            ),
            tags=tags or None,
            opts=child_opts(self),
        )
        aws.cloudwatch.EventTarget(
            f"{name}-trigger",
            rule=rule.name,
            arn=workflow.arn,
            role_arn=trigger_role.arn,
            opts=child_opts(self, depends_on=[trigger_policy]),
        )
        self.function_name = function.name
        self.state_machine_arn = workflow.arn
        self.log_group_name = log_group.name
        self.register_outputs(
            {
                "function_name": self.function_name,
                "state_machine_arn": self.state_machine_arn,
                "log_group_name": self.log_group_name,
            }
        )

    def _service_role(
        self, prefix: str, service: str, policy: pulumi.Output[str], account: AccountFacts, tags: dict[str, str]
    ) -> tuple[aws.iam.Role, aws.iam.RolePolicy]:
        """``<prefix>-role``, which ``service`` assumes for this account only, and its one inline policy."""
        role = aws.iam.Role(
            f"{prefix}-role",
            assume_role_policy=account.account_id.apply(lambda account_id: service_trust_policy(service, account_id)),
            tags=tags or None,
            opts=child_opts(self),
        )
        return role, aws.iam.RolePolicy(f"{prefix}-policy", role=role.id, policy=policy, opts=child_opts(self))


def _document(statements: list[dict[str, Any]]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": statements}, indent=2)


__all__ = [
    "CODE_FILES",
    "DEFAULT_LOG_RETENTION_DAYS",
    "LOG_RETENTION_DAYS",
    "RESTORE_TEST_TAG",
    "RUNTIME",
    "RestoreValidationArgs",
    "WindowsRestoreValidation",
    "function_code",
    "function_policy",
    "invoke_policy",
    "lambda_trust_policy",
    "log_retention_days",
    "restore_completed_pattern",
    "service_names",
    "service_trust_policy",
    "start_policy",
    "state_machine_definition",
]
