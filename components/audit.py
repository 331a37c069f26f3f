"""BackupAudit: AWS Backup Audit Manager evidence that the stack keeps its promises.

A framework of controls checks, every day, what this project promises: plans at least as
frequent and as long-kept as the stack's rules, encrypted recovery points, vaults that refuse
manual deletion, every selected resource in a plan, copies to a second region and to the
archive account, and a locked vault. Report plans write the controls' verdicts (and job
histories) to an S3 bucket as CSV or JSON, one dated report a day.

Audit Manager evaluates controls through AWS Config: the account's recorder must record the
AWS Backup resource types (see README), or the controls have nothing to judge.
"""

import json
import math
import re
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts

#: Framework and report plan names (botocore: a letter, then letters, digits or '_'; 256 at most).
AUDIT_NAME = re.compile(r"^[A-Za-z][0-9A-Za-z_]{0,255}$")
AUDIT_NAME_MAX = 256
DEFAULT_FRAMEWORK_NAME = "windows_server_backup"
CONTROL_COMPLIANCE_REPORT = "CONTROL_COMPLIANCE_REPORT"
#: Job report templates a stack may add, and the suffix of each one's report plan name.
JOB_REPORTS = {"BACKUP_JOB_REPORT": "backup_jobs", "COPY_JOB_REPORT": "copy_jobs", "RESTORE_JOB_REPORT": "restore_jobs"}
#: Suffix of every report plan's name, by report template.
REPORT_SUFFIXES = {CONTROL_COMPLIANCE_REPORT: "controls", **JOB_REPORTS}
JobReport = Literal["BACKUP_JOB_REPORT", "COPY_JOB_REPORT", "RESTORE_JOB_REPORT"]
DEFAULT_JOB_REPORTS: tuple[JobReport, ...] = ("BACKUP_JOB_REPORT",)
REPORT_FORMATS = ("CSV", "JSON")
ReportFormat = Literal["CSV", "JSON"]
DEFAULT_REPORT_FORMATS: tuple[ReportFormat, ...] = ("CSV", "JSON")
DEFAULT_REPORT_RETENTION_DAYS = 365
#: Days a deleted or expired report stays recoverable as a noncurrent version.
NONCURRENT_VERSION_DAYS = 30
#: The control accepts at most this many roles still allowed to delete recovery points.
MAX_DELETION_ROLES = 5
#: The service-linked role Audit Manager delivers reports with (created by AWS Backup itself).
REPORTS_ROLE_PATH = "aws-service-role/reports.backup.amazonaws.com/AWSServiceRoleForBackupReports"

# Control names, as AWS Backup Audit Manager spells them.
PLAN_FREQUENCY_AND_RETENTION = "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK"
RECOVERY_POINT_ENCRYPTED = "BACKUP_RECOVERY_POINT_ENCRYPTED"
MANUAL_DELETION_DISABLED = "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED"
PROTECTED_BY_PLAN = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"
PROTECTED_BY_CROSS_REGION = "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION"
PROTECTED_BY_CROSS_ACCOUNT = "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT"
PROTECTED_BY_VAULT_LOCK = "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK"
BACKUP_VAULT_TYPE = "AWS::Backup::BackupVault"
#: Units the frequency control takes its ``requiredFrequencyUnit`` in (as this project uses it).
FrequencyUnit = Literal["hours", "days"]


def audit_name(value: str) -> Optional[rules.Violation]:
    """Framework and report plan names: a letter, then letters, digits or '_', 256 at most."""
    if AUDIT_NAME.fullmatch(value):
        return None
    cleaned = re.sub(r"[^0-9A-Za-z_]", "_", value).lstrip("_0123456789")[:256] or DEFAULT_FRAMEWORK_NAME
    return rules.Violation(
        "a framework or report plan name must start with a letter and hold only letters, digits or '_' (256 at most)",
        f"e.g. {cleaned!r}",
    )


def framework_name(value: str, job_reports: Sequence[str] = ()) -> Optional[rules.Violation]:
    """A framework name that also leaves room for its report plans' names (``<name>_<report>``)."""
    problem = audit_name(value)
    if problem:
        return problem
    templates = (CONTROL_COMPLIANCE_REPORT, *job_reports)
    suffixes = [REPORT_SUFFIXES[template] for template in templates if template in REPORT_SUFFIXES]
    limit = AUDIT_NAME_MAX - 1 - max(len(suffix) for suffix in suffixes)
    if len(value) > limit:
        return rules.Violation(
            f"report plans are named '<framework name>_<report>', so the framework name may have at most "
            f"{limit} characters here",
            f"shorten it to {limit} characters or fewer",
        )
    return None


def report_plan_names(framework_name: str, job_reports: Sequence[str]) -> dict[str, str]:
    """Report template to report plan name: ``<framework>_controls`` and e.g. ``<framework>_backup_jobs``."""
    templates = [CONTROL_COMPLIANCE_REPORT, *job_reports]
    return {template: f"{framework_name}_{REPORT_SUFFIXES[template]}" for template in templates}


def scope_tag(tags: Mapping[str, str]) -> Optional[rules.Violation]:
    """A control scope holds at most one tag."""
    if len(tags) > 1:
        return rules.Violation(
            f"a control scope takes at most one tag, got {len(tags)}",
            "keep the one tag your backed-up resources, plans and vault all carry",
        )
    return rules.tags(tags)


def job_reports(templates: Sequence[str]) -> Optional[rules.Violation]:
    """Job report templates: some of :data:`JOB_REPORTS`, each once."""
    for template in templates:
        if template not in JOB_REPORTS:
            return rules.Violation(f"{template!r} is not a job report template", f"use some of {list(JOB_REPORTS)}")
    if len(set(templates)) != len(templates):
        return rules.Violation("a job report template is listed twice", "list each template once")
    return None


def report_formats(formats: Sequence[str]) -> Optional[rules.Violation]:
    """Report formats: CSV, JSON or both."""
    if formats and set(formats) <= set(REPORT_FORMATS) and len(set(formats)) == len(formats):
        return None
    return rules.Violation(
        "reports are written as CSV, JSON or both, each once", "use ['CSV'], ['JSON'] or ['CSV', 'JSON']"
    )


def report_retention_days(days: int) -> Optional[rules.Violation]:
    """Days reports are kept before they expire: 1-36500."""
    if 1 <= days <= rules.DELETE_AFTER_MAX:
        return None
    return rules.Violation(
        f"reports are kept 1-{rules.DELETE_AFTER_MAX} days", f"use e.g. {DEFAULT_REPORT_RETENTION_DAYS} (a year)"
    )


#: The longest time between runs: what a plan promises (re-exported from ``components.rules``).
longest_gap_minutes = rules.longest_gap_minutes


def frequency(minutes: int) -> tuple[FrequencyUnit, int]:
    """``(requiredFrequencyUnit, requiredFrequencyValue)`` for a gap between backups.

    Whole days are said in days, anything up to a day in (rounded up) hours, longer gaps in
    (rounded up) days.
    """
    if minutes % 1440 == 0 or minutes > 1440:
        return "days", math.ceil(minutes / 1440)
    return "hours", math.ceil(minutes / 60)


def plan_promises(plan_rules: Sequence[Mapping[str, Any]]) -> tuple[FrequencyUnit, int, Optional[int]]:
    """What every rule of the stack meets: ``(frequency unit, frequency value, retention days)``.

    The least frequent schedule and the shortest retention, so that every plan passes the
    control exactly when it runs as configured. Retention is ``None`` when no rule expires its
    recovery points (the control's own default then applies).
    """
    gaps = [longest_gap_minutes(rule["schedule"]) for rule in plan_rules]
    known = [gap for gap in gaps if gap is not None]
    unit, value = frequency(max(known)) if known else ("days", 1)
    retentions = [rule["delete_after_days"] for rule in plan_rules if rule.get("delete_after_days") is not None]
    return unit, value, (min(retentions) if retentions else None)


def report_bucket_policy(*, bucket_arn: str, partition: str, account_id: str) -> str:
    """Bucket policy: Audit Manager's role may write reports the bucket owner owns; TLS only."""
    reports_role = f"arn:{partition}:iam::{account_id}:role/{REPORTS_ROLE_PATH}"
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "BackupAuditManagerDeliversReports",
                    "Effect": "Allow",
                    "Principal": {"AWS": reports_role},
                    "Action": "s3:PutObject",
                    "Resource": f"{bucket_arn}/*",
                    "Condition": {"StringEquals": {"s3:x-amz-acl": "bucket-owner-full-control"}},
                },
                {
                    "Sid": "DenyRequestsWithoutTls",
                    "Effect": "Deny",
                    "Principal": {"AWS": "*"},
                    "Action": "s3:*",
                    "Resource": [bucket_arn, f"{bucket_arn}/*"],
                    "Condition": {"Bool": {"aws:SecureTransport": "false"}},
                },
            ],
        },
        indent=2,
    )


def framework_controls(
    *,
    required_frequency_unit: str,
    required_frequency_value: int,
    required_retention_days: Optional[int],
    vault_name: Any,
    scope: Optional[Mapping[str, str]] = None,
    cross_region: bool = False,
    cross_account: bool = False,
    vault_lock: bool = False,
    deletion_allowed_role_arns: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The framework's controls as ``{"name", "input_parameters", "scope"}`` dicts, in a fixed order.

    ``scope``: the one tag that scopes the controls judging plans, recovery points and
    resources (none: every one in the account and region). The vault control is scoped to
    ``vault_name`` itself.
    """
    tag_scope = {"tags": dict(scope)} if scope else None

    def control(
        name: str, parameters: Sequence[tuple[str, Any]] = (), scoped: Optional[dict] = tag_scope
    ) -> dict[str, Any]:
        return {
            "name": name,
            "input_parameters": [{"name": key, "value": str(value)} for key, value in parameters],
            "scope": scoped,
        }

    frequency_parameters: list[tuple[str, Any]] = [
        ("requiredFrequencyUnit", required_frequency_unit),
        ("requiredFrequencyValue", required_frequency_value),
    ]
    if required_retention_days is not None:
        frequency_parameters.append(("requiredRetentionDays", required_retention_days))
    deletion_parameters = []
    if deletion_allowed_role_arns:
        deletion_parameters.append(("principalArnList", ",".join(deletion_allowed_role_arns)))
    controls = [
        control(PLAN_FREQUENCY_AND_RETENTION, frequency_parameters),
        control(RECOVERY_POINT_ENCRYPTED),
        control(
            MANUAL_DELETION_DISABLED,
            deletion_parameters,
            {"compliance_resource_ids": [vault_name], "compliance_resource_types": [BACKUP_VAULT_TYPE]},
        ),
        control(PROTECTED_BY_PLAN),
    ]
    if cross_region:
        controls.append(control(PROTECTED_BY_CROSS_REGION))
    if cross_account:
        controls.append(control(PROTECTED_BY_CROSS_ACCOUNT))
    if vault_lock:
        controls.append(control(PROTECTED_BY_VAULT_LOCK))
    return controls


def _control_args(control: Mapping[str, Any]) -> aws.backup.FrameworkControlArgs:
    scope = control["scope"]
    return aws.backup.FrameworkControlArgs(
        name=control["name"],
        input_parameters=[
            aws.backup.FrameworkControlInputParameterArgs(**parameter) for parameter in control["input_parameters"]
        ]
        or None,
        scope=aws.backup.FrameworkControlScopeArgs(**scope) if scope else None,
    )


class BackupAuditArgs(TypedDict):
    """Arguments of :class:`BackupAudit`."""

    vault_name: pulumi.Input[str]
    """The vault whose deletion protection is audited."""
    required_frequency_unit: Literal["hours", "days"]
    """Unit of the least frequency every plan must meet (see :func:`plan_promises`)."""
    required_frequency_value: int
    """Hours or days between backups every plan must at least meet."""
    required_retention_days: NotRequired[Optional[int]]
    """Days every plan must keep its recovery points. Default: AWS's default for the control."""
    framework_name: NotRequired[str]
    """Framework name (report plans are named from it), a letter then letters, digits or '_'.
    Changing it replaces the framework and report plans. Default: ``windows_server_backup``."""
    scope_tag: NotRequired[Optional[Mapping[str, str]]]
    """The one tag that scopes the plan, recovery point and resource controls. Default: none
    (every resource of the account and region is judged)."""
    cross_region: NotRequired[bool]
    """Add the cross-region copy control. Default: ``False``."""
    cross_account: NotRequired[bool]
    """Add the cross-account copy control. Default: ``False``."""
    vault_lock: NotRequired[bool]
    """Add the Vault Lock control. Default: ``False``."""
    deletion_allowed_role_arns: NotRequired[Sequence[str]]
    """Roles still allowed to delete recovery points (e.g. the break-glass role), at most 5.
    Default: none."""
    job_reports: NotRequired[Sequence[str]]
    """Job report templates besides the control compliance report, among :data:`JOB_REPORTS`.
    Default: ``["BACKUP_JOB_REPORT"]``."""
    report_formats: NotRequired[Sequence[str]]
    """Report file formats. Default: ``["CSV", "JSON"]``."""
    report_retention_days: NotRequired[int]
    """Days reports are kept in the bucket, 1-36500. Default: 365."""
    protect_report_bucket: NotRequired[bool]
    """Protect the report bucket from ``pulumi destroy`` and replacement. Default: ``True``."""
    tags: NotRequired[dict[str, str]]
    """Tags for the framework, report plans and bucket. Default: none."""


class BackupAudit(pulumi.ComponentResource):
    """An Audit Manager framework, its report plans, and the bucket the reports land in.

    Children, named from ``name``: ``aws.backup.Framework`` ``<name>-framework``; the report
    bucket ``aws.s3.Bucket`` ``<name>-reports`` (auto-named: bucket names are global) with
    ``<name>-reports-encryption`` (SSE-S3), ``-public-access`` (all blocked), ``-versioning``
    (on), ``-lifecycle`` (expire after ``report_retention_days``) and ``-policy`` (Audit
    Manager may write; TLS only); and one ``aws.backup.ReportPlan`` ``<name>-controls`` plus
    ``<name>-<template>`` per job report (e.g. ``<name>-backup-jobs``).

    The bucket is protected by default: its reports are the evidence an auditor asks for, often
    long after the fact, and a stack teardown or a replacement must not take them along. (S3
    also refuses to delete a bucket that still holds objects, but that only stops the delete
    halfway, after the report plans are gone.) Throwaway stacks turn it off with the vault's
    ``protect: false``.
    """

    framework_arn: pulumi.Output[str]
    """ARN of the framework."""
    report_bucket: pulumi.Output[str]
    """Name of the bucket that receives the reports."""
    report_plan_arns: dict[str, pulumi.Output[str]]
    """Report plan ARNs by report template."""

    def __init__(
        self,
        name: str,
        args: BackupAuditArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupAudit", name, None, opts)
        chosen_name = args.get("framework_name", DEFAULT_FRAMEWORK_NAME)
        jobs = list(args.get("job_reports", DEFAULT_JOB_REPORTS))
        formats = list(args.get("report_formats", DEFAULT_REPORT_FORMATS))
        retention_days = args.get("report_retention_days", DEFAULT_REPORT_RETENTION_DAYS)
        deletion_roles = list(args.get("deletion_allowed_role_arns") or [])
        scope = dict(args.get("scope_tag") or {})
        tags = args.get("tags") or {}
        lines = rules.problems(
            {
                "framework_name": framework_name(chosen_name, jobs),
                "job_reports": job_reports(jobs),
                "report_formats": report_formats(formats),
                "report_retention_days": report_retention_days(retention_days),
                "scope_tag": scope_tag(scope),
                "tags": rules.tags(tags),
            }
        )
        if args["required_frequency_unit"] not in ("hours", "days") or args["required_frequency_value"] < 1:
            lines.append(
                "required_frequency_*: the frequency is a positive number of hours or days. Fix: e.g. days, 7."
            )
        if len(deletion_roles) > MAX_DELETION_ROLES:
            lines.append(
                f"deletion_allowed_role_arns: the control takes at most {MAX_DELETION_ROLES} roles. "
                "Fix: keep the break-glass roles only."
            )
        lines += [
            f"deletion_allowed_role_arns[{index}]: {violation}"
            for index, arn in enumerate(deletion_roles)
            if (violation := rules.iam_role_arn(arn))
        ]
        rules.raise_if_any("BackupAudit", name, lines)

        account = account or AccountFacts.lookup(self)
        framework = aws.backup.Framework(
            f"{name}-framework",
            name=chosen_name,
            description="What windows-server-backup promises: plan frequency and retention, encrypted and "
            "undeletable recovery points, every selected resource in a plan, and its copies",
            controls=[
                _control_args(control)
                for control in framework_controls(
                    required_frequency_unit=args["required_frequency_unit"],
                    required_frequency_value=args["required_frequency_value"],
                    required_retention_days=args.get("required_retention_days"),
                    vault_name=args["vault_name"],
                    scope=scope,
                    cross_region=args.get("cross_region", False),
                    cross_account=args.get("cross_account", False),
                    vault_lock=args.get("vault_lock", False),
                    deletion_allowed_role_arns=deletion_roles,
                )
            ],
            tags=tags or None,
            opts=child_opts(self),
        )

        bucket = aws.s3.Bucket(
            f"{name}-reports",
            tags=tags or None,
            opts=child_opts(self, protect=args.get("protect_report_bucket", True)),
        )
        aws.s3.BucketServerSideEncryptionConfiguration(
            f"{name}-reports-encryption",
            bucket=bucket.id,
            # SSE-S3: Audit Manager's service-linked role can write without a key policy grant, and
            # the reports hold compliance verdicts and job metadata, not backup data.
            rules=[
                aws.s3.BucketServerSideEncryptionConfigurationRuleArgs(
                    apply_server_side_encryption_by_default=aws.s3.BucketServerSideEncryptionConfigurationRuleApplyServerSideEncryptionByDefaultArgs(
                        sse_algorithm="AES256"
                    ),
                )
            ],
            opts=child_opts(self),
        )
        aws.s3.BucketPublicAccessBlock(
            f"{name}-reports-public-access",
            bucket=bucket.id,
            block_public_acls=True,
            block_public_policy=True,
            ignore_public_acls=True,
            restrict_public_buckets=True,
            opts=child_opts(self),
        )
        aws.s3.BucketVersioning(
            f"{name}-reports-versioning",
            bucket=bucket.id,
            versioning_configuration=aws.s3.BucketVersioningVersioningConfigurationArgs(status="Enabled"),
            opts=child_opts(self),
        )
        aws.s3.BucketLifecycleConfiguration(
            f"{name}-reports-lifecycle",
            bucket=bucket.id,
            rules=[
                aws.s3.BucketLifecycleConfigurationRuleArgs(
                    id="expire-reports",
                    status="Enabled",
                    filter=aws.s3.BucketLifecycleConfigurationRuleFilterArgs(prefix=""),
                    expiration=aws.s3.BucketLifecycleConfigurationRuleExpirationArgs(days=retention_days),
                    # With versioning on, expiry only hides a report: remove the hidden copy later.
                    noncurrent_version_expiration=aws.s3.BucketLifecycleConfigurationRuleNoncurrentVersionExpirationArgs(
                        noncurrent_days=NONCURRENT_VERSION_DAYS
                    ),
                    abort_incomplete_multipart_upload=aws.s3.BucketLifecycleConfigurationRuleAbortIncompleteMultipartUploadArgs(
                        days_after_initiation=7
                    ),
                )
            ],
            opts=child_opts(self),
        )

        self.report_plan_arns = {}
        report_plans: list[pulumi.Resource] = []
        for template, plan_name in report_plan_names(chosen_name, jobs).items():
            is_controls = template == CONTROL_COMPLIANCE_REPORT
            plan = aws.backup.ReportPlan(
                f"{name}-{REPORT_SUFFIXES[template].replace('_', '-')}",
                name=plan_name,
                description="Daily verdicts of the framework's controls" if is_controls else f"Daily {template}",
                report_delivery_channel=aws.backup.ReportPlanReportDeliveryChannelArgs(
                    s3_bucket_name=bucket.bucket, formats=formats
                ),
                report_setting=aws.backup.ReportPlanReportSettingArgs(
                    report_template=template,
                    framework_arns=[framework.arn] if is_controls else None,
                    number_of_frameworks=1 if is_controls else None,
                ),
                tags=tags or None,
                opts=child_opts(self),
            )
            self.report_plan_arns[template] = plan.arn
            report_plans.append(plan)

        aws.s3.BucketPolicy(
            f"{name}-reports-policy",
            bucket=bucket.id,
            policy=pulumi.Output.all(bucket.arn, account.partition, account.account_id).apply(
                lambda facts: report_bucket_policy(bucket_arn=facts[0], partition=facts[1], account_id=facts[2])
            ),
            # The policy names Audit Manager's service-linked role, which AWS Backup creates with
            # the first framework or report plan; S3 rejects a policy naming a role that does not
            # exist yet, so the policy waits for them.
            opts=child_opts(self, depends_on=[framework, *report_plans]),
        )

        self.framework_arn = framework.arn
        self.report_bucket = bucket.bucket
        self.register_outputs(
            {
                "framework_arn": self.framework_arn,
                "report_bucket": self.report_bucket,
                "report_plan_arns": self.report_plan_arns,
            }
        )


__all__ = [
    "CONTROL_COMPLIANCE_REPORT",
    "DEFAULT_FRAMEWORK_NAME",
    "DEFAULT_JOB_REPORTS",
    "DEFAULT_REPORT_FORMATS",
    "DEFAULT_REPORT_RETENTION_DAYS",
    "JOB_REPORTS",
    "NONCURRENT_VERSION_DAYS",
    "REPORT_FORMATS",
    "REPORT_SUFFIXES",
    "BackupAudit",
    "BackupAuditArgs",
    "audit_name",
    "framework_controls",
    "framework_name",
    "frequency",
    "job_reports",
    "longest_gap_minutes",
    "plan_promises",
    "report_bucket_policy",
    "report_formats",
    "report_plan_names",
    "report_retention_days",
    "scope_tag",
]
