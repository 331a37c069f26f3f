"""BackupPlan: when backups run, where they go, how long they are kept, and Windows VSS."""

from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, Optional, TypedDict, TypeVar

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .malware_scanning import DEFAULT_SCAN_MODE, MALWARE_SCANNER, SCAN_RESOURCE_TYPES, MalwareScanArgs, scan_problems

#: Defaults sent for every rule. pulumi-aws would otherwise send 60 and 180 without saying so.
DEFAULT_START_WINDOW_MINUTES = 60
DEFAULT_COMPLETION_WINDOW_MINUTES = 1440


class CopyActionArgs(TypedDict):
    """A copy of each recovery point into another vault (another region or account)."""

    destination_vault_arn: pulumi.Input[str]
    """ARN of the vault that receives the copy."""
    delete_after_days: NotRequired[Optional[int]]
    """Days the copy is kept. Default: the source rule's retention."""
    cold_storage_after_days: NotRequired[Optional[int]]
    """Days before the copy moves to cold storage. AWS Backup ignores it for resource types
    without cold storage, EC2 instances among them (:mod:`components.storage_tiers`).
    Default: the source rule's setting."""
    opt_in_to_archive: NotRequired[Optional[bool]]
    """Move EBS volume copies to the EBS archive tier at ``cold_storage_after_days`` (they go
    nowhere without it; other resource types ignore it). Default: the source rule's setting."""


class AirGappedTargetArgs(TypedDict):
    """A logically air-gapped vault a rule backs up into."""

    vault_arn: pulumi.Input[str]
    """ARN of a logically air-gapped vault of the plan's account and region (AWS Backup API,
    BackupRuleInput.TargetLogicallyAirGappedBackupVaultArn: "must be in the same account and Region")."""
    lock: NotRequired[Optional[Mapping[str, int]]]
    """The vault's retention range (``min_retention_days``, ``max_retention_days``), when known, so
    the rule's retention is checked against it before deploying. Default: unknown (the rule still
    keeps 7 days or more, and not forever)."""


class BackupRuleArgs(TypedDict):
    """One rule of a backup plan."""

    name: str
    """Rule name, 1-50 letters, digits, '-', '_' or '.'."""
    schedule: str
    """``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, at least an hour apart."""
    schedule_timezone: NotRequired[Optional[str]]
    """IANA time zone the schedule is read in. Default: UTC (sent as no value)."""
    start_window_minutes: NotRequired[int]
    """Minutes a job may wait to start before it is cancelled. Default: 60 (the minimum)."""
    completion_window_minutes: NotRequired[int]
    """Minutes a started job has to finish. Default: 1440 (one day, as in the article)."""
    delete_after_days: NotRequired[Optional[int]]
    """Days recovery points are kept. Default: kept until deleted by hand."""
    cold_storage_after_days: NotRequired[Optional[int]]
    """Days before recovery points move to cold storage, for the resource types AWS Backup can
    move (EBS volumes, with ``opt_in_to_archive``); AWS Backup ignores it for the others, EC2
    instances among them. Default: never."""
    opt_in_to_archive: NotRequired[bool]
    """Move EBS volume backups to the EBS archive tier at ``cold_storage_after_days`` (without
    it they stay warm; other resource types ignore it). Default: ``False``."""
    enable_continuous_backup: NotRequired[bool]
    """Continuous backup (point-in-time restore). EC2 and EBS do not support it.
    Default: ``False``."""
    recovery_point_tags: NotRequired[dict[str, str]]
    """Tags put on every recovery point. Default: none."""
    target_vault_name: NotRequired[pulumi.Input[str]]
    """Vault this rule writes to, in the plan's account and region (e.g. ``Default``). Default: the
    plan's ``vault_name``."""
    air_gapped_target: NotRequired[Optional[AirGappedTargetArgs]]
    """A logically air-gapped vault of the plan's account and region to back up into. Fully
    managed resource types go there directly; others, EC2 and EBS among them, first make a
    temporary (billable) recovery point in ``target_vault_name``, which AWS Backup copies there
    and then deletes. Its retention must fit the air-gapped vault's (at least 7 days, never
    forever, within ``lock`` when given). Default: none."""
    copy_actions: NotRequired[Sequence[CopyActionArgs]]
    """Copies of each recovery point into other vaults. Default: none."""


class BackupPlanArgs(TypedDict):
    """Arguments of :class:`BackupPlan`."""

    name: str
    """Plan name, 1-50 letters, digits, '-', '_' or '.'."""
    vault_name: pulumi.Input[str]
    """Vault the rules write to unless a rule names another."""
    rules: Sequence[BackupRuleArgs]
    """One or more rules."""
    windows_vss: NotRequired[bool]
    """Take application-consistent Windows VSS backups of EC2 instances (the EC2 advanced
    backup setting ``WindowsVSS: enabled``). Default: ``False`` (no advanced setting)."""
    malware_scan: NotRequired[Optional[MalwareScanArgs]]
    """Scan each new recovery point for malware with GuardDuty (the plan's scan settings and a
    scan action on every rule). Default: none."""
    tags: NotRequired[dict[str, str]]
    """Tags for the plan. Default: none."""


_Lifecycle = TypeVar("_Lifecycle", aws.backup.PlanRuleLifecycleArgs, aws.backup.PlanRuleCopyActionLifecycleArgs)


def lifecycle_values(days: Optional[int], cold: Optional[int], archive: Optional[bool]) -> Optional[dict[str, Any]]:
    """What a rule's or a copy's lifecycle sets, by pulumi-aws's names: ``delete_after`` and
    ``cold_storage_after`` when given, ``opt_in_to_archive_for_supported_resources`` only when on
    (off is AWS's default); ``None`` when nothing is set, so that no empty lifecycle is sent. The
    organization stack's backup policies write the same values (:mod:`components.org_policy`)."""
    if days is None and cold is None and not archive:
        return None
    values = {
        "delete_after": days,
        "cold_storage_after": cold,
        "opt_in_to_archive_for_supported_resources": True if archive else None,
    }
    return {key: value for key, value in values.items() if value is not None}


def _lifecycle(
    kind: type[_Lifecycle], days: Optional[int], cold: Optional[int], archive: Optional[bool]
) -> Optional[_Lifecycle]:
    """The rule's or a copy's lifecycle (``kind``), or None when nothing is set."""
    values = lifecycle_values(days, cold, archive)
    return None if values is None else kind(**values)


def _copy_action(rule: BackupRuleArgs, copy: CopyActionArgs) -> aws.backup.PlanRuleCopyActionArgs:
    # An omitted copy lifecycle means "the source rule's lifecycle"; spell it out so the
    # preview shows what the copy will really keep.
    days = copy.get("delete_after_days", rule.get("delete_after_days"))
    cold = copy.get("cold_storage_after_days", rule.get("cold_storage_after_days"))
    archive = copy.get("opt_in_to_archive", rule.get("opt_in_to_archive", False))
    return aws.backup.PlanRuleCopyActionArgs(
        destination_vault_arn=copy["destination_vault_arn"],
        lifecycle=_lifecycle(aws.backup.PlanRuleCopyActionLifecycleArgs, days, cold, archive),
    )


def air_gapped_rule_retention(delete_after_days: Optional[int]) -> Optional[rules.Violation]:
    """A rule backing up into a logically air-gapped vault keeps its recovery points 7 days or more,
    and not forever: such a vault always has a minimum retention of at least 7 days and a maximum
    (CreateLogicallyAirGappedBackupVault requires both), and jobs outside them fail."""
    if delete_after_days is None:
        return rules.Violation(
            "a logically air-gapped vault always has a maximum retention, so recovery points kept forever "
            "cannot go there and every job would fail",
            "set delete_after_days within the air-gapped vault's retention range",
        )
    if delete_after_days < rules.AIR_GAPPED_MIN_RETENTION:
        return rules.Violation(
            f"a logically air-gapped vault keeps recovery points at least {rules.AIR_GAPPED_MIN_RETENTION} days, "
            f"so jobs keeping them {delete_after_days} days fail",
            f"keep them at least {rules.AIR_GAPPED_MIN_RETENTION} days",
        )
    return None


def air_gapped_target_warning(plan: str, rule: str, target_vault: object) -> str:
    """What a rule targeting a logically air-gapped vault does with EC2 instances and EBS volumes."""
    where = f"vault {target_vault!r}" if isinstance(target_vault, str) else "the plan's vault"
    return (
        f"plan {plan!r}, rule {rule!r}: EC2 instances and EBS volumes cannot back up straight into a logically "
        f"air-gapped vault; AWS Backup first makes a temporary (billed) recovery point in {where}, copies it to "
        "the air-gapped vault and then deletes it. Volumes encrypted with the AWS-managed aws/ebs key are never "
        "copied there (they stay in the backup vault only): encrypt them with a customer-managed key"
    )


def _rule_problems(index: int, rule: BackupRuleArgs) -> list[str]:
    at = f"rules[{index}]"
    checks: dict[str, Optional[rules.Violation]] = {
        f"{at}.name": rules.rule_name(rule["name"]),
        f"{at}.schedule": rules.schedule(rule["schedule"]),
        f"{at}.start_window_minutes": rules.start_window(
            rule.get("start_window_minutes", DEFAULT_START_WINDOW_MINUTES)
        ),
        f"{at}.completion_window_minutes": rules.completion_window(
            rule.get("completion_window_minutes", DEFAULT_COMPLETION_WINDOW_MINUTES)
        ),
        f"{at}.lifecycle": rules.lifecycle(
            rule.get("delete_after_days"),
            rule.get("cold_storage_after_days"),
            rule.get("enable_continuous_backup", False),
        ),
        f"{at}.recovery_point_tags": rules.tags(rule.get("recovery_point_tags") or {}),
    }
    zone = rule.get("schedule_timezone")
    if zone:
        checks[f"{at}.schedule_timezone"] = rules.timezone(zone)
    target = rule.get("target_vault_name")
    if isinstance(target, str):
        checks[f"{at}.target_vault_name"] = rules.vault_name(target)
    air_gapped = rule.get("air_gapped_target")
    if air_gapped is not None:
        arn, lock = air_gapped["vault_arn"], air_gapped.get("lock") or {}
        checks[f"{at}.air_gapped_target.vault_arn"] = rules.vault_arn(arn) if isinstance(arn, str) else None
        days = rule.get("delete_after_days")
        checks[f"{at}.delete_after_days"] = air_gapped_rule_retention(days) or rules.retention_within_lock(
            days, lock.get("min_retention_days"), lock.get("max_retention_days")
        )
    for copy_index, copy in enumerate(rule.get("copy_actions") or []):
        checks[f"{at}.copy_actions[{copy_index}].lifecycle"] = rules.lifecycle(
            copy.get("delete_after_days", rule.get("delete_after_days")),
            copy.get("cold_storage_after_days", rule.get("cold_storage_after_days")),
        )
    return rules.problems(checks)


class BackupPlan(pulumi.ComponentResource):
    """An AWS Backup plan with one or more rules.

    Children: ``aws.backup.Plan`` named ``<name>``. Every rule is sent with explicit start and
    completion windows and, when set, its lifecycle and copy actions.
    """

    plan: aws.backup.Plan
    """The plan resource."""
    id: pulumi.Output[str]
    """The plan's ID (what selections attach to)."""
    arn: pulumi.Output[str]
    """The plan's ARN."""
    name: pulumi.Output[str]
    """The plan's name."""

    def __init__(self, name: str, args: BackupPlanArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupPlan", name, None, opts)
        plan_rules = list(args["rules"])
        lines = rules.problems({"name": rules.plan_name(args["name"]), "tags": rules.tags(args.get("tags") or {})})
        if not plan_rules:
            lines.append("rules: a plan needs at least one rule. Fix: add a rule.")
        for index, rule in enumerate(plan_rules):
            lines += _rule_problems(index, rule)
        scan = args.get("malware_scan")
        if scan is not None:
            lines += scan_problems(scan)
        rule_names = [rule["name"] for rule in plan_rules]
        duplicates = sorted({n for n in rule_names if rule_names.count(n) > 1})
        if duplicates:
            lines.append(f"rules: rule names must be unique in a plan, {duplicates} repeat. Fix: rename them.")
        rules.raise_if_any("BackupPlan", name, lines)
        for rule in plan_rules:
            if rule.get("air_gapped_target") is not None:
                pulumi.log.warn(
                    air_gapped_target_warning(
                        args["name"], rule["name"], rule.get("target_vault_name", args["vault_name"])
                    )
                )

        self.plan = aws.backup.Plan(
            name,
            name=args["name"],
            rules=[self._rule(rule, args["vault_name"], scan) for rule in plan_rules],
            advanced_backup_settings=(
                [
                    aws.backup.PlanAdvancedBackupSettingArgs(
                        resource_type="EC2", backup_options={"WindowsVSS": "enabled"}
                    )
                ]
                if args.get("windows_vss", False)
                else None
            ),
            scan_settings=(
                [
                    aws.backup.PlanScanSettingArgs(
                        malware_scanner=MALWARE_SCANNER,
                        resource_types=list(scan.get("resource_types", SCAN_RESOURCE_TYPES)),
                        scanner_role_arn=scan["scanner_role_arn"],
                    )
                ]
                if scan is not None
                else None
            ),
            tags=args.get("tags") or None,
            opts=child_opts(self),
        )
        self.id = self.plan.id
        self.arn = self.plan.arn
        self.name = self.plan.name
        self.register_outputs({"id": self.id, "arn": self.arn, "name": self.name})

    @staticmethod
    def _rule(
        rule: BackupRuleArgs, vault_name: pulumi.Input[str], scan: Optional[MalwareScanArgs] = None
    ) -> aws.backup.PlanRuleArgs:
        air_gapped = rule.get("air_gapped_target")
        return aws.backup.PlanRuleArgs(
            rule_name=rule["name"],
            target_vault_name=rule.get("target_vault_name", vault_name),
            schedule=rule["schedule"],
            schedule_expression_timezone=rule.get("schedule_timezone"),
            start_window=rule.get("start_window_minutes", DEFAULT_START_WINDOW_MINUTES),
            completion_window=rule.get("completion_window_minutes", DEFAULT_COMPLETION_WINDOW_MINUTES),
            enable_continuous_backup=rule.get("enable_continuous_backup", False),
            lifecycle=_lifecycle(
                aws.backup.PlanRuleLifecycleArgs,
                rule.get("delete_after_days"),
                rule.get("cold_storage_after_days"),
                rule.get("opt_in_to_archive", False),
            ),
            recovery_point_tags=rule.get("recovery_point_tags") or {},
            copy_actions=[_copy_action(rule, copy) for copy in rule.get("copy_actions") or []] or None,
            scan_actions=(
                [
                    aws.backup.PlanRuleScanActionArgs(
                        malware_scanner=MALWARE_SCANNER, scan_mode=scan.get("scan_mode", DEFAULT_SCAN_MODE)
                    )
                ]
                if scan is not None
                else None
            ),
            target_logically_air_gapped_backup_vault_arn=air_gapped["vault_arn"] if air_gapped else None,
        )


__all__ = [
    "DEFAULT_COMPLETION_WINDOW_MINUTES",
    "DEFAULT_START_WINDOW_MINUTES",
    "AirGappedTargetArgs",
    "BackupPlan",
    "BackupPlanArgs",
    "BackupRuleArgs",
    "CopyActionArgs",
    "air_gapped_rule_retention",
    "air_gapped_target_warning",
    "lifecycle_values",
]
