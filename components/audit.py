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
from typing import Any, Literal, NotRequired, Optional, TypedDict, get_args

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts
from .audit_controls import ControlArgs, controls_problems, parameter_text

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
#: Every report template (botocore ``ReportSetting.ReportTemplate``).
ReportTemplate = Literal[
    "RESOURCE_COMPLIANCE_REPORT",
    "CONTROL_COMPLIANCE_REPORT",
    "BACKUP_JOB_REPORT",
    "COPY_JOB_REPORT",
    "RESTORE_JOB_REPORT",
    "SCAN_JOB_REPORT",
]
REPORT_TEMPLATES: tuple[str, ...] = get_args(ReportTemplate)
#: The templates whose coverage includes frameworks.
COMPLIANCE_REPORTS = ("RESOURCE_COMPLIANCE_REPORT", "CONTROL_COMPLIANCE_REPORT")
#: Formats of a report plan of your own when none are given (CSV is what every report can be).
DEFAULT_CUSTOM_REPORT_FORMATS: tuple[ReportFormat, ...] = ("CSV",)
#: AWS Backup guide, "Creating report plans using the AWS Backup console": 1,000 frameworks at most.
MAX_REPORT_FRAMEWORKS = 1000
BUCKET_NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")
ORGANIZATIONAL_UNIT = re.compile(r"^ou-[0-9a-z]{4,32}-[a-z0-9]{8,32}$")
FRAMEWORK_ARN = re.compile(r"^arn:aws[a-z-]*:backup:[a-z0-9-]+:\d{12}:framework:[A-Za-z][0-9A-Za-z_]*-[0-9a-f-]+$")
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
    manual_deletion_control: bool = True,
    deletion_allowed_role_arns: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """The framework's controls as ``{"name", "input_parameters", "scope"}`` dicts, in a fixed order.

    ``scope``: the one tag that scopes the controls judging plans, recovery points and
    resources (none: every one in the account and region). The vault control
    (``manual_deletion_control``) is scoped to ``vault_name`` itself; ``deletion_allowed_role_arns``
    are the principals its vault policy exempts (the control's ``principalArnList``).
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
    controls = [control(PLAN_FREQUENCY_AND_RETENTION, frequency_parameters), control(RECOVERY_POINT_ENCRYPTED)]
    if manual_deletion_control:
        controls.append(
            control(
                MANUAL_DELETION_DISABLED,
                deletion_parameters,
                {"compliance_resource_ids": [vault_name], "compliance_resource_types": [BACKUP_VAULT_TYPE]},
            )
        )
    controls.append(control(PROTECTED_BY_PLAN))
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


def own_control(control: Mapping[str, Any]) -> dict[str, Any]:
    """A :class:`components.audit_controls.ControlArgs` as the ``{"name", "input_parameters", "scope"}``
    dict :func:`framework_controls` makes."""
    scope = control.get("scope") or {}
    wire = {
        "compliance_resource_ids": list(scope.get("resource_ids") or []),
        "compliance_resource_types": list(scope.get("resource_types") or []),
        "tags": dict(scope.get("tags") or {}),
    }
    return {
        "name": control["name"],
        "input_parameters": [
            {"name": str(key), "value": parameter_text(value)}
            for key, value in (control.get("parameters") or {}).items()
        ],
        "scope": {key: value for key, value in wire.items() if value} or None,
    }


def bucket_name(value: str) -> Optional[rules.Violation]:
    """A general purpose S3 bucket name (Amazon S3 guide, "General purpose bucket naming rules"): 3-63
    lowercase letters, digits, dots and hyphens, starting and ending with a letter or digit, no two
    dots in a row, not shaped like an IP address."""
    if (
        BUCKET_NAME.fullmatch(value)
        and ".." not in value
        and not re.fullmatch(r"\d+\.\d+\.\d+\.\d+", value)
        and not value.startswith(("xn--", "sthree-"))
        and not value.endswith(("-s3alias", "--ol-s3"))
    ):
        return None
    return rules.Violation(
        "an S3 bucket name is 3-63 lowercase letters, digits, '.' or '-', starting and ending with a letter or digit",
        f"e.g. {re.sub(r'[^a-z0-9.-]', '-', value.lower()).strip('.-')[:63] or 'backup-reports'!r}",
    )


def _report_problems(report: Mapping[str, Any]) -> tuple[list[tuple[str, rules.Violation]], list[str]]:
    found: list[tuple[str, rules.Violation]] = []
    warnings: list[str] = []

    def problem(where: str, rule: str, fix: str) -> None:
        found.append((where, rules.Violation(rule, fix)))

    if violation := audit_name(report["name"]):
        found.append(("name", violation))
    template = report["template"]
    if template not in REPORT_TEMPLATES:
        problem("template", f"{template!r} is not a report template", f"use one of {list(REPORT_TEMPLATES)}")
    formats = list(report.get("formats") or DEFAULT_CUSTOM_REPORT_FORMATS)
    if violation := report_formats(formats):
        found.append(("formats", violation))
    accounts = list(report.get("accounts") or [])
    units = list(report.get("organization_units") or [])
    regions = list(report.get("regions") or [])
    frameworks = list(report.get("framework_arns") or [])
    for index, account in enumerate(accounts):
        if account != "ROOT" and (violation := rules.account_id(account)):
            problem(f"accounts[{index}]", f"{violation.rule}, or ROOT for every account", violation.fix)
    for index, unit in enumerate(units):
        if not ORGANIZATIONAL_UNIT.fullmatch(unit):
            problem(
                f"organization_units[{index}]",
                "an organizational unit ID looks like 'ou-ab12-cd345678'",
                "copy it from AWS Organizations",
            )
    for index, region in enumerate(regions):
        if region != "*" and (violation := rules.aws_region(region)):
            problem(f"regions[{index}]", f"{violation.rule}, or '*' for every region", violation.fix)
    for index, arn in enumerate(frameworks):
        if isinstance(arn, str) and not FRAMEWORK_ARN.fullmatch(arn):
            problem(
                f"framework_arns[{index}]",
                "a framework ARN looks like arn:aws:backup:<region>:<account>:framework:<name>-<id>",
                "copy it from `aws backup list-frameworks`",
            )
    if frameworks and template not in COMPLIANCE_REPORTS:
        # botocore, CreateReportPlan ReportSetting: frameworks describe the coverage of the
        # RESOURCE_COMPLIANCE_REPORT and CONTROL_COMPLIANCE_REPORT templates only.
        problem("framework_arns", f"frameworks only apply to {list(COMPLIANCE_REPORTS)}", "remove framework_arns")
    if len(frameworks) > MAX_REPORT_FRAMEWORKS:
        problem(
            "framework_arns", f"a report plan covers at most {MAX_REPORT_FRAMEWORKS} frameworks", "split the report"
        )
    many_accounts = bool(units) or any(account == "ROOT" for account in accounts) or len(accounts) > 1
    many_regions = "*" in regions or len(regions) > 1
    if "JSON" in formats and (many_accounts or many_regions):
        # AWS Backup guide, "Creating report plans using the AWS Backup API": an organization report
        # only supports CSV; "... using the console": only single-Region reports can be JSON.
        problem("formats", "reports across accounts or Regions are written as CSV only", "use formats: [CSV]")
    if accounts or units:
        warnings.append(
            f"report {report['name']!r} covers other accounts: only the organization's management account or a "
            "delegated administrator may create it"
            + (
                "; a multi-account report naming frameworks has been reported to fail (terraform-provider-aws #32235)"
                if frameworks
                else ""
            )
        )
    return found, warnings


def reports_problems(
    reports: Sequence[Mapping[str, Any]], taken: Sequence[str] = ()
) -> tuple[list[tuple[str, rules.Violation]], list[str]]:
    """``(problems at [i].<field>, warnings)`` of report plans of your own; ``taken``: the names of
    the stack's own report plans, which the names may not repeat."""
    found: list[tuple[str, rules.Violation]] = []
    warnings: list[str] = []
    names = [report["name"] for report in reports]
    for index, report in enumerate(reports):
        problems, notes = _report_problems(report)
        found += [(f"[{index}].{where}", violation) for where, violation in problems]
        warnings += notes
        if report["name"] in taken or names.index(report["name"]) != index:
            found.append(
                (
                    f"[{index}].name",
                    rules.Violation(
                        f"report plan name {report['name']!r} is taken", "give each report plan its own name"
                    ),
                )
            )
    return found, warnings


class ReportPlanArgs(TypedDict):
    """A report plan of your own, e.g. an organization-wide job report."""

    name: str
    """Report plan name: a letter, then letters, digits or '_' (256 at most)."""
    template: str
    """One of :data:`REPORT_TEMPLATES`."""
    formats: NotRequired[Sequence[str]]
    """``CSV``, ``JSON`` or both (JSON only for a report of one account and Region). Default: ``["CSV"]``."""
    accounts: NotRequired[Sequence[str]]
    """Accounts the report covers (12-digit IDs, or ``ROOT`` for every account of the organization);
    only the management or a delegated administrator account may name others. Default: this account."""
    organization_units: NotRequired[Sequence[str]]
    """Organizational units the report covers (``ou-...``). Default: none."""
    regions: NotRequired[Sequence[str]]
    """Regions the report covers (codes, or ``*`` for all). Default: this region."""
    framework_arns: NotRequired[Sequence[pulumi.Input[str]]]
    """Frameworks a compliance report covers (compliance templates only). Default: none."""
    description: NotRequired[str]
    """Description. Default: none."""


class BackupAuditArgs(TypedDict):
    """Arguments of :class:`BackupAudit`."""

    vault_name: NotRequired[pulumi.Input[str]]
    """The vault whose deletion protection the stack's controls audit. Required with
    ``required_frequency_unit``."""
    required_frequency_unit: NotRequired[Literal["hours", "days"]]
    """Unit of the least frequency every plan must meet (see :func:`plan_promises`). Given, it turns
    on the stack's own controls (:func:`framework_controls`). Default: none (only ``controls``)."""
    required_frequency_value: NotRequired[int]
    """Hours or days between backups every plan must at least meet. Required with the unit."""
    required_retention_days: NotRequired[Optional[int]]
    """Days every plan must keep its recovery points. Default: AWS's default for the control."""
    controls: NotRequired[Sequence[ControlArgs]]
    """Controls of your own (names and parameters as AWS documents them, see
    :mod:`components.audit_controls`), after the stack's. Default: none."""
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
    manual_deletion_control: NotRequired[bool]
    """Add the control that the vault refuses manual deletion
    (``BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED``). AWS Config judges it by the vault's policy:
    one Deny of ``DeleteRecoveryPoint``, ``UpdateRecoveryPointLifecycle`` and
    ``PutBackupVaultAccessPolicy`` to every principal but ``deletion_allowed_role_arns`` (AWS Config,
    "backup-recovery-point-manual-deletion-disabled"); without it the control reports the vault
    NON_COMPLIANT. Default: ``True``."""
    deletion_allowed_role_arns: NotRequired[Sequence[str]]
    """Roles the vault policy's deny exempts (the break-glass role, the policy admin roles), at
    most 5: the control's ``principalArnList``. Default: none."""
    job_reports: NotRequired[Sequence[str]]
    """Job report templates besides the control compliance report, among :data:`JOB_REPORTS`.
    Default: ``["BACKUP_JOB_REPORT"]``."""
    reports: NotRequired[Sequence[ReportPlanArgs]]
    """Report plans of your own (other accounts, Regions or frameworks). Default: none."""
    report_formats: NotRequired[Sequence[str]]
    """Formats of the stack's own reports. Default: ``["CSV", "JSON"]``."""
    report_retention_days: NotRequired[int]
    """Days reports are kept in the bucket this component creates, 1-36500. Default: 365."""
    report_bucket_name: NotRequired[Optional[str]]
    """Deliver the reports to this existing bucket of the same account instead of creating one (its
    policy must let Audit Manager write: see README). Default: create a bucket."""
    report_key_prefix: NotRequired[Optional[str]]
    """Key prefix of every report in the bucket. Default: none."""
    protect_report_bucket: NotRequired[bool]
    """Protect the report bucket from ``pulumi destroy`` and replacement. Default: ``True``."""
    tags: NotRequired[dict[str, str]]
    """Tags for the framework, report plans and bucket. Default: none."""


def _stack_control_problems(args: Mapping[str, Any], deletion_roles: Sequence[str]) -> list[str]:
    lines = []
    if "vault_name" not in args or "required_frequency_value" not in args:
        lines.append(
            "required_frequency_unit: the stack's own controls also need vault_name and required_frequency_value. "
            "Fix: give them, or leave the stack's controls out."
        )
    elif args["required_frequency_unit"] not in ("hours", "days") or args["required_frequency_value"] < 1:
        lines.append("required_frequency_*: the frequency is a positive number of hours or days. Fix: e.g. days, 7.")
    if len(deletion_roles) > MAX_DELETION_ROLES:
        lines.append(
            f"deletion_allowed_role_arns: the control takes at most {MAX_DELETION_ROLES} roles. "
            "Fix: keep the break-glass role and at most 4 policy admin roles."
        )
    lines += [
        f"deletion_allowed_role_arns[{index}]: {violation}"
        for index, arn in enumerate(deletion_roles)
        if (violation := rules.iam_role_arn(arn))
    ]
    return lines


class BackupAudit(pulumi.ComponentResource):
    """An Audit Manager framework, its report plans, and the bucket the reports land in.

    Children, named from ``name``: ``aws.backup.Framework`` ``<name>-framework`` (when there are
    controls: the stack's own, from ``required_frequency_unit`` on, and ``controls``); unless
    ``report_bucket_name`` names an existing bucket, the report bucket ``aws.s3.Bucket``
    ``<name>-reports`` (auto-named: bucket names are global) with ``<name>-reports-encryption``
    (SSE-S3), ``-public-access`` (all blocked), ``-versioning`` (on), ``-lifecycle`` (expire after
    ``report_retention_days``) and ``-policy`` (Audit Manager may write; TLS only); one
    ``aws.backup.ReportPlan`` ``<name>-controls`` for the framework, ``<name>-<template>`` per job
    report (e.g. ``<name>-backup-jobs``) and ``<name>-report-<report name>`` per report of ``reports``.

    The bucket is protected by default: its reports are the evidence an auditor asks for, often
    long after the fact, and a stack teardown or a replacement must not take them along. (S3
    also refuses to delete a bucket that still holds objects, but that only stops the delete
    halfway, after the report plans are gone.) Throwaway stacks turn it off with the vault's
    ``protect: false``.
    """

    framework_arn: Optional[pulumi.Output[str]]
    """ARN of the framework; ``None`` when there are no controls."""
    report_bucket: pulumi.Output[str]
    """Name of the bucket that receives the reports."""
    report_plan_arns: dict[str, pulumi.Output[str]]
    """Report plan ARNs: by report template for the stack's own reports, by name for ``reports``."""

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
        own_controls = list(args.get("controls") or [])
        custom_reports = list(args.get("reports") or [])
        existing_bucket = args.get("report_bucket_name")
        stack_controls: list[dict[str, Any]] = []
        lines = rules.problems(
            {
                "framework_name": framework_name(chosen_name, jobs),
                "job_reports": job_reports(jobs),
                "report_formats": report_formats(formats),
                "report_retention_days": report_retention_days(retention_days),
                "report_bucket_name": bucket_name(existing_bucket) if existing_bucket else None,
                "scope_tag": scope_tag(scope),
                "tags": rules.tags(tags),
            }
        )
        if "required_frequency_unit" in args:
            lines += _stack_control_problems(args, deletion_roles)
        if "required_frequency_unit" in args and "vault_name" in args and "required_frequency_value" in args:
            stack_controls = framework_controls(
                required_frequency_unit=args["required_frequency_unit"],
                required_frequency_value=args["required_frequency_value"],
                required_retention_days=args.get("required_retention_days"),
                vault_name=args["vault_name"],
                scope=scope,
                cross_region=args.get("cross_region", False),
                cross_account=args.get("cross_account", False),
                vault_lock=args.get("vault_lock", False),
                manual_deletion_control=args.get("manual_deletion_control", True),
                deletion_allowed_role_arns=deletion_roles,
            )
        control_lines, warnings = controls_problems(own_controls, [control["name"] for control in stack_controls])
        lines += [f"controls{path}: {violation}" for path, violation in control_lines]
        generated = report_plan_names(chosen_name, [template for template in jobs if template in JOB_REPORTS])
        if not stack_controls and not own_controls:
            del generated[CONTROL_COMPLIANCE_REPORT]  # no framework to report on
        report_lines, report_warnings = reports_problems(custom_reports, list(generated.values()))
        lines += [f"reports{path}: {violation}" for path, violation in report_lines]
        if not stack_controls and not own_controls and not jobs and not custom_reports:
            lines.append(
                "controls: an audit without controls or reports deploys nothing. Fix: add controls or reports."
            )
        rules.raise_if_any("BackupAudit", name, lines)
        for warning in warnings + report_warnings:
            pulumi.log.warn(f"BackupAudit {name!r}: {warning}")

        account = account or AccountFacts.lookup(self)
        framework: Optional[aws.backup.Framework] = None
        every_control = stack_controls + [own_control(control) for control in own_controls]
        if every_control:
            framework = aws.backup.Framework(
                f"{name}-framework",
                name=chosen_name,
                description="What windows-server-backup promises: plan frequency and retention, encrypted and "
                "undeletable recovery points, every selected resource in a plan, and its copies"
                if stack_controls
                else "Controls of windows-server-backup's audit settings",
                controls=[_control_args(control) for control in every_control],
                tags=tags or None,
                opts=child_opts(self),
            )

        bucket: Optional[aws.s3.Bucket] = None
        if existing_bucket:
            bucket_name_output: pulumi.Output[str] = pulumi.Output.from_input(existing_bucket)
        else:
            bucket = self._report_bucket(name, retention_days, args.get("protect_report_bucket", True), tags)
            bucket_name_output = bucket.bucket
        prefix = args.get("report_key_prefix")

        def channel(plan_formats: Sequence[str]) -> aws.backup.ReportPlanReportDeliveryChannelArgs:
            return aws.backup.ReportPlanReportDeliveryChannelArgs(
                s3_bucket_name=bucket_name_output, formats=list(plan_formats), s3_key_prefix=prefix
            )

        self.report_plan_arns = {}
        report_plans: list[pulumi.Resource] = []
        for template, plan_name in generated.items():
            is_controls = template == CONTROL_COMPLIANCE_REPORT
            plan = aws.backup.ReportPlan(
                f"{name}-{REPORT_SUFFIXES[template].replace('_', '-')}",
                name=plan_name,
                description="Daily verdicts of the framework's controls" if is_controls else f"Daily {template}",
                report_delivery_channel=channel(formats),
                report_setting=aws.backup.ReportPlanReportSettingArgs(
                    report_template=template,
                    framework_arns=[framework.arn] if is_controls and framework else None,
                    number_of_frameworks=1 if is_controls else None,
                ),
                tags=tags or None,
                opts=child_opts(self),
            )
            self.report_plan_arns[template] = plan.arn
            report_plans.append(plan)
        for report in custom_reports:
            frameworks = list(report.get("framework_arns") or [])
            plan = aws.backup.ReportPlan(
                f"{name}-report-{report['name']}",
                name=report["name"],
                description=report.get("description"),
                report_delivery_channel=channel(report.get("formats") or DEFAULT_CUSTOM_REPORT_FORMATS),
                report_setting=aws.backup.ReportPlanReportSettingArgs(
                    report_template=report["template"],
                    accounts=list(report.get("accounts") or []) or None,
                    organization_units=list(report.get("organization_units") or []) or None,
                    regions=list(report.get("regions") or []) or None,
                    framework_arns=frameworks or None,
                    number_of_frameworks=len(frameworks) or None,
                ),
                tags=tags or None,
                opts=child_opts(self),
            )
            self.report_plan_arns[report["name"]] = plan.arn
            report_plans.append(plan)

        if bucket is not None:
            created = bucket
            aws.s3.BucketPolicy(
                f"{name}-reports-policy",
                bucket=created.id,
                policy=pulumi.Output.all(created.arn, account.partition, account.account_id).apply(
                    lambda facts: report_bucket_policy(bucket_arn=facts[0], partition=facts[1], account_id=facts[2])
                ),
                # The policy names Audit Manager's service-linked role, which AWS Backup creates with
                # the first framework or report plan; S3 rejects a policy naming a role that does not
                # exist yet, so the policy waits for them.
                opts=child_opts(self, depends_on=[*([framework] if framework else []), *report_plans]),
            )

        self.framework_arn = framework.arn if framework else None
        self.report_bucket = bucket_name_output
        self.register_outputs(
            {
                "framework_arn": self.framework_arn,
                "report_bucket": self.report_bucket,
                "report_plan_arns": self.report_plan_arns,
            }
        )

    def _report_bucket(self, name: str, retention_days: int, protect: bool, tags: Mapping[str, str]) -> "aws.s3.Bucket":
        """The private, encrypted, versioned bucket with expiring reports (without its policy)."""
        bucket = aws.s3.Bucket(f"{name}-reports", tags=dict(tags) or None, opts=child_opts(self, protect=protect))
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
        return bucket


__all__ = [
    "COMPLIANCE_REPORTS",
    "CONTROL_COMPLIANCE_REPORT",
    "DEFAULT_FRAMEWORK_NAME",
    "DEFAULT_JOB_REPORTS",
    "DEFAULT_REPORT_FORMATS",
    "DEFAULT_REPORT_RETENTION_DAYS",
    "JOB_REPORTS",
    "NONCURRENT_VERSION_DAYS",
    "REPORT_FORMATS",
    "REPORT_SUFFIXES",
    "REPORT_TEMPLATES",
    "BackupAudit",
    "BackupAuditArgs",
    "ReportPlanArgs",
    "ReportTemplate",
    "audit_name",
    "bucket_name",
    "framework_controls",
    "framework_name",
    "frequency",
    "job_reports",
    "longest_gap_minutes",
    "own_control",
    "plan_promises",
    "report_bucket_policy",
    "report_formats",
    "report_plan_names",
    "report_retention_days",
    "reports_problems",
    "scope_tag",
]
