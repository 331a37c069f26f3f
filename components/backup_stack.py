"""WindowsServerBackup: one stack's vault, role, plans and selections, and its 3-2-1 copies."""

# No ``from __future__ import annotations``: the component provider host (``provider/``) reads
# these annotations at run time to build the package schema for other languages.

import functools
import json
from collections.abc import Mapping, Sequence
from typing import Any, NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts
from .audit import BackupAudit, ReportPlanArgs, plan_promises
from .audit_controls import ControlArgs
from .cross_region import CrossRegionCopy
from .global_settings import global_settings
from .kms_key import BackupKey
from .malware_scanning import DEFAULT_SCAN_MODE, MalwareScanArgs, MalwareScannerRole
from .notifications import BackupNotifications, BackupNotificationsArgs
from .plan import BackupPlan, BackupRuleArgs, CopyActionArgs
from .region_settings import BackupRegionSettings, BackupRegionSettingsArgs
from .restore_testing import RestoreValidationSpec, WindowsRestoreTesting
from .selection import BackupSelection, SelectionConditionsArgs
from .service_role import BackupServiceRole, BackupServiceRoleArgs
from .stack_checks import (
    ARCHIVE,
    CROSS_REGION,
    archive_key_check,
    copy_lifecycle,
    copy_targets,
    deletion_control,
    restore_tested_air_gapped_vaults,
    selected_types,
    selects_s3,
    stack_problems,
    stack_warnings,
)
from .three_two_one import stack_verdicts
from .vault import BackupVault, BackupVaultArgs, VaultLockArgs
from .vss_instances import WindowsVssInstances


class SelectionSpec(TypedDict):
    """A selection of a plan; the plan and the role are filled in by :class:`WindowsServerBackup`."""

    name: str
    """Selection name."""
    tags: NotRequired[Mapping[str, str]]
    """Tag key/value pairs, any of which selects a resource. Default: none."""
    resources: NotRequired[Sequence[str]]
    """Resource ARNs to select. Default: none."""
    not_resources: NotRequired[Sequence[str]]
    """Resource ARNs to leave out. Default: none."""
    conditions: NotRequired[SelectionConditionsArgs]
    """Tag conditions every selected resource must meet. Default: none."""


class StackRuleSpec(BackupRuleArgs):
    """A rule of a stack's plan: a :class:`BackupRuleArgs` that may also name its copies."""

    copy_to: NotRequired[Optional[Sequence[str]]]
    """Copy destinations, among ``"cross_region"`` and ``"archive"``. Default: every destination
    the stack has."""


class PlanSpec(TypedDict):
    """A plan and the selections that feed it; the vault is the stack's vault."""

    name: str
    """Plan name."""
    rules: Sequence[StackRuleSpec]
    """The plan's rules."""
    selections: Sequence[SelectionSpec]
    """What the plan backs up."""
    windows_vss: NotRequired[bool]
    """Windows VSS for EC2 instances. Default: ``False``."""
    tags: NotRequired[dict[str, str]]
    """Tags for the plan. Default: the stack's tags."""


class CrossRegionSpec(TypedDict):
    """Copy B: the second region's vault, and how long copies stay there."""

    region: str
    """Destination region, in the stack's partition. Copy B's key and vault are created there
    through the stack's own provider (pulumi-aws 7's per-resource ``region``)."""
    vault_name: NotRequired[Optional[str]]
    """Vault to create there. Required unless ``existing_vault_arn``."""
    existing_vault_arn: NotRequired[Optional[str]]
    """Copy into this existing vault instead. Default: create one."""
    create_kms_key: NotRequired[bool]
    """Customer-managed key for the new vault. Default: ``False`` (``aws/backup``)."""
    lock: NotRequired[Optional[VaultLockArgs]]
    """Vault Lock of the new vault. Default: none."""
    delete_after_days: NotRequired[Optional[int]]
    """Days copies are kept. Default: the source rule's retention."""
    cold_storage_after_days: NotRequired[Optional[int]]
    """Days before copies move to cold storage. Default: the source rule's."""
    opt_in_to_archive: NotRequired[Optional[bool]]
    """Archive-tier opt-in for copies. Default: the source rule's."""


class ArchiveSpec(TypedDict):
    """Copy C: the archive account's vault (deployed by its own stack) and the copies' lifecycle."""

    vault_arn: pulumi.Input[str]
    """ARN of the archive vault (from config, or a ``pulumi.StackReference`` output)."""
    lock: NotRequired[Optional[Mapping[str, int]]]
    """The archive vault's lock range (``min_retention_days``, ``max_retention_days``), when known,
    so copy retentions are checked before deploying. Default: unknown."""
    delete_after_days: NotRequired[Optional[int]]
    """Days archive copies are kept. Default: the source rule's retention."""
    cold_storage_after_days: NotRequired[Optional[int]]
    """Days before archive copies move to cold storage, for the types AWS Backup can move (EBS
    volumes, with ``opt_in_to_archive``; never EC2 instances). Default: the source rule's."""
    opt_in_to_archive: NotRequired[Optional[bool]]
    """Archive-tier opt-in for copies: EBS volume backups move to cold storage (the EBS archive
    tier) only with it; other types ignore it. Default: the source rule's."""
    air_gapped: NotRequired[bool]
    """The archive vault is a logically air-gapped vault. AWS does not confirm the EBS archive
    tier there, so the 3-2-1 verdict counts copies in it as warm (and a warning says so).
    Default: ``False``."""


class NotificationsSpec(TypedDict, total=False):
    """What :class:`BackupNotifications` publishes for the stack's vault (the vault is filled in)."""

    vault_events: Sequence[str]
    """Vault events. Default: copy failures, restores, modified recovery points."""
    failed_jobs_rule: bool
    """EventBridge rule for failed, aborted and expired backup jobs. Default: ``True``."""
    completed_with_issues_rule: bool
    """EventBridge rule for EC2 backup jobs that completed with issues (Windows VSS fell back to
    crash-consistent), in stacks with a ``windows_vss`` plan. Default: ``True``."""
    email_subscribers: Sequence[str]
    """Email subscribers. Default: none."""


class VssInstancesSpec(TypedDict, total=False):
    """The EC2 side of VSS; its targets are the tags of the plans with ``windows_vss``."""

    schedule: str
    """How often the ``AwsVssComponents`` package is re-applied. Default: ``rate(7 days)``."""


class RestoreValidationStackSpec(TypedDict, total=False):
    """In-guest validation of restored instances; the region, plan and instance role are filled in."""

    required_services: Sequence[str]
    """Windows services that must be running on the restored instance. Default: none."""
    log_retention_days: int
    """Days the validation function's log is kept. Default: 30."""
    instance_role_arns: Sequence[pulumi.Input[str]]
    """Roles of the instances' profiles besides the VSS instance role this stack creates (which
    is always included). Default: none."""


class MalwareScanningSpec(TypedDict, total=False):
    """GuardDuty malware scans of new recovery points; the scanner role is created."""

    scan_mode: str
    """``INCREMENTAL_SCAN`` or ``FULL_SCAN`` (checked). Default: ``INCREMENTAL_SCAN``."""
    resource_types: Sequence[str]
    """Among ``EC2`` and ``EBS``. Default: both."""
    plans: Optional[Sequence[str]]
    """Names of the plans to scan. Default: every plan."""


class RestoreTestingSpec(TypedDict):
    """Restore tests of the VSS plans' instances; the vault is the stack's vault."""

    name: str
    """Restore testing plan name, 1-50 letters, digits or '_'. AWS cannot rename one: changing
    it replaces the plan."""
    schedule: str
    """When tests start, ``cron(...)``."""
    schedule_timezone: NotRequired[Optional[str]]
    """IANA time zone of the schedule. Default: UTC."""
    start_window_hours: NotRequired[int]
    """Hours a test may wait to start, 1-168. Default: 24."""
    algorithm: NotRequired[str]
    """Which recovery point is restored: ``LATEST_WITHIN_WINDOW`` or ``RANDOM_WITHIN_WINDOW``.
    Default: ``LATEST_WITHIN_WINDOW``."""
    selection_window_days: NotRequired[int]
    """Recovery points from the last this many days are candidates, 1-365. Default: 30."""
    selection_name: NotRequired[str]
    """Name of the EC2 selection. Default: ``windows_ec2``."""
    selection_tags: NotRequired[Optional[Mapping[str, str]]]
    """Instances to test (every pair must match). Default: the selection tag of the plans with
    ``windows_vss``, which must then be a single key and value."""
    validation_window_hours: NotRequired[Optional[int]]
    """Hours restored instances are kept for validation, 0-168 (1-168 with
    ``validation``). Default: 4 with ``validation``, else none."""
    restore_metadata_overrides: NotRequired[Optional[Mapping[str, str]]]
    """EC2 restore metadata to override (``instanceType``, ``subnetId``, ...); ``{}`` for none.
    Default: instance type ``t3.large``."""
    validation: NotRequired[Optional[RestoreValidationStackSpec]]
    """Check inside each restored instance and report the verdict to AWS Backup. Default: none."""
    include_vaults: NotRequired[Sequence[str]]
    """Vaults whose recovery points are tested, in the stack's region: vault names of its account
    (e.g. the stack's own, ``Default``, a rule's air-gapped vault), vault ARNs (``*`` may stand for
    part of one; another account's only for a logically air-gapped vault it shares with this one
    through AWS RAM) or ``"*"`` for every vault. Default: the stack's vault, and the air-gapped
    vaults the tested plans' rules back up into."""
    exclude_vaults: NotRequired[Sequence[str]]
    """Vaults to leave out, written as in ``include_vaults``. Default: none."""


class AuditSpec(TypedDict, total=False):
    """Audit Manager evidence; the controls follow the stack's plans, copies and vault."""

    framework_name: str
    """Framework name (report plans are named from it). Default: ``windows_server_backup``."""
    scope_tag: Optional[Mapping[str, str]]
    """The one tag scoping the plan, recovery point and resource controls. Default: the stack's
    ``tags`` when they are a single pair, else none (every resource of the region is judged)."""
    job_reports: Sequence[str]
    """Job report templates besides the control compliance report. Default: ``["BACKUP_JOB_REPORT"]``."""
    report_formats: Sequence[str]
    """Report formats. Default: ``["CSV", "JSON"]``."""
    report_retention_days: int
    """Days reports are kept. Default: 365."""
    stack_controls: Optional[bool]
    """Controls that follow the stack's plans, copies and vault. Default: on when the stack has plans."""
    controls: Sequence[ControlArgs]
    """Controls of your own, after the stack's. Default: none."""
    reports: Sequence[ReportPlanArgs]
    """Report plans of your own (other accounts, Regions, frameworks). Default: none."""
    report_bucket_name: Optional[str]
    """An existing bucket of this account to deliver reports to. Default: create one."""
    report_key_prefix: Optional[str]
    """Key prefix of the reports. Default: none."""


class WindowsServerBackupArgs(TypedDict):
    """Arguments of :class:`WindowsServerBackup`."""

    region: str
    """The stack's region (where its default provider deploys). Used for the key policy and the
    3-2-1 verdict; never read from the ambient config."""
    vault: NotRequired[Optional[BackupVaultArgs]]
    """The stack's vault (copy A of 3-2-1). Required with ``plans``. Default: none (a stack of
    ``audit`` or ``region_settings`` only)."""
    create_vault_key: NotRequired[bool]
    """Create a customer-managed key for the vault (ignored when ``vault.kms_key_arn`` is set).
    Default: ``False`` (the AWS-managed ``aws/backup`` key, as in the article)."""
    plans: NotRequired[Sequence[PlanSpec]]
    """Plans with their selections. Default: none (a vault-only stack, e.g. a copy destination)."""
    role: NotRequired[BackupServiceRoleArgs]
    """Settings of the service role this component creates. Default: an auto-named role with
    the backup and restore policies. Ignored when ``existing_role_arn`` is given."""
    existing_role_arn: NotRequired[Optional[pulumi.Input[str]]]
    """Use this role instead of creating one. Default: create one."""
    cross_region: NotRequired[Optional[CrossRegionSpec]]
    """Copy B. Default: none."""
    archive: NotRequired[Optional[ArchiveSpec]]
    """Copy C. Default: none."""
    notifications: NotRequired[Optional[NotificationsSpec]]
    """An encrypted SNS topic for failed jobs, failed copies and restores. Default: none."""
    vss_instances: NotRequired[Optional[VssInstancesSpec]]
    """Instance profile and ``AwsVssComponents`` association for the VSS plans' instances.
    Default: none."""
    restore_testing: NotRequired[Optional[RestoreTestingSpec]]
    """Scheduled restore tests of the VSS plans' instances, with their own restore role.
    Default: none."""
    audit: NotRequired[Optional[AuditSpec]]
    """An Audit Manager framework and daily reports into an S3 bucket. Default: none."""
    malware_scanning: NotRequired[Optional[MalwareScanningSpec]]
    """GuardDuty malware scans of the plans' new recovery points. Default: none."""
    region_settings: NotRequired[Optional[BackupRegionSettingsArgs]]
    """The region's AWS Backup opt-in (and full management) for the resource types named; the
    settings are the account's, for every stack in the region. Default: none (left as they are)."""
    enable_cross_account_backup: NotRequired[bool]
    """Turn on AWS Backup's cross-account backup for the whole organization. Only the AWS
    Organizations management account may do this. All three global settings are sent
    (:func:`components.global_settings.global_settings`): multi-party approval and delegated
    administrator synchronization are set off. Default: ``False``."""
    tags: NotRequired[dict[str, str]]
    """Tags for every taggable resource (a resource's own tags win). Default: none."""
    log_warnings: NotRequired[bool]
    """Log settings that deploy but may not do what they say (cold storage AWS Backup would
    ignore for some selected types, keys copies depend on) with ``pulumi.log.warn``. Default:
    ``True``; the config layer reports them itself, with key paths, and turns this off."""


class WindowsServerBackup(pulumi.ComponentResource):
    """Everything one stack needs to back Windows Server up with AWS Backup, 3-2-1 included.

    Children, named from ``name``: ``<name>-vault-key`` (with ``create_vault_key``), the vault
    ``<name>-vault``, the role ``<name>-restore-role`` (unless an existing role is given),
    ``<name>-copy-<region>`` for copy B (its key and vault in that region, through the caller's
    provider), ``<name>-cross-account-backup`` (when enabled), one plan ``<name>-<plan>`` per
    plan, and under each plan one selection ``<name>-<plan>-<selection>`` per selection;
    ``<name>-notifications``, ``<name>-vss-instances``, ``<name>-restore-testing``,
    ``<name>-malware-scanner-role`` and ``<name>-audit`` when asked for. The account and
    partition are looked up once and shared.

    Takes plain values only, so it is also served to other languages (``provider/``). Python
    programs reach the child components too: ``vault`` (:class:`BackupVault`), ``cross_region``
    (:class:`CrossRegionCopy` or ``None``), ``plans`` and ``selections`` (by plan name, then
    selection name), ``restore_testing`` and ``audit`` (or ``None``).
    """

    vault_name: Optional[pulumi.Output[str]]
    """Name of the stack's vault (copy A); ``None`` in a stack without one."""
    vault_arn: Optional[pulumi.Output[str]]
    """ARN of the stack's vault; ``None`` in a stack without one."""
    role_arn: Optional[pulumi.Output[str]]
    """ARN of the role the selections use; ``None`` in a stack without plans."""
    cross_region_vault_arn: Optional[pulumi.Output[str]]
    """ARN of copy B's vault in the second region, when there is one."""
    plan_ids: pulumi.Output[dict[str, str]]
    """Plan IDs by plan name."""
    plan_arns: pulumi.Output[dict[str, str]]
    """Plan ARNs by plan name."""
    notification_topic_arn: Optional[pulumi.Output[str]]
    """The notification topic, when notifications are on."""
    vss_instance_profile_name: Optional[pulumi.Output[str]]
    """The instance profile to put on VSS-backed Windows instances, when set up."""
    restore_testing_plan_name: Optional[pulumi.Output[str]]
    """The restore testing plan, when restore tests are on."""
    restore_testing_role_arn: Optional[pulumi.Output[str]]
    """The role restore tests run as, when restore tests are on."""
    audit_framework_arn: Optional[pulumi.Output[str]]
    """The Audit Manager framework, when audit is on."""
    audit_report_bucket: Optional[pulumi.Output[str]]
    """The bucket audit reports go to, when audit is on."""
    three_two_one: pulumi.Output[dict[str, Any]]
    """Per plan: the resource types it may select, its copies (region, account, vault, tier,
    retention) and whether they meet 3-2-1, judged per type, with reasons and advice (see
    :func:`components.three_two_one.plan_verdict`)."""

    def __init__(self, name: str, args: WindowsServerBackupArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(f"{TYPE_PREFIX}:WindowsServerBackup", name, None, opts)
        rules.raise_if_any(
            "WindowsServerBackup", name, [f"{path}: {violation}" for path, _, violation in stack_problems(args)]
        )
        if args.get("log_warnings", True):
            for path, _, violation in stack_warnings(args):
                pulumi.log.warn(f"{path}: {violation}", resource=self)
        common_tags = dict(args.get("tags") or {})
        region = args["region"]
        account = AccountFacts.lookup(self)
        archive = args.get(ARCHIVE)
        archive_arn = pulumi.Output.from_input(archive["vault_arn"]) if archive else None
        if archive_arn is not None:
            # Known only once the account is looked up (and the ARN resolved): checked at preview.
            pulumi.Output.all(account.account_id, archive_arn).apply(lambda pair: _archive_elsewhere(*pair))
        for where, arn in _air_gapped_targets(args):
            pulumi.Output.all(account.account_id, arn).apply(functools.partial(_air_gapped_here, where))

        plans = list(args.get("plans") or [])
        self.vault: Optional[BackupVault] = self._vault(name, args, archive_arn, account) if args.get("vault") else None
        self.vault_name = self.vault.name if self.vault else None
        self.vault_arn = self.vault.arn if self.vault else None
        self.role_arn = self._role(name, args, account) if plans else None

        self.cross_region: Optional[CrossRegionCopy] = None
        cross_region = args.get(CROSS_REGION)
        if cross_region:
            self.cross_region = CrossRegionCopy(
                f"{name}-copy-{cross_region['region']}",
                {
                    "source_region": region,
                    "region": cross_region["region"],
                    "vault_name": cross_region.get("vault_name"),
                    "existing_vault_arn": cross_region.get("existing_vault_arn"),
                    "create_kms_key": cross_region.get("create_kms_key", False),
                    "lock": cross_region.get("lock"),
                    "break_glass_role_arn": self._stack_vault_args(args).get("break_glass_role_arn"),
                    "policy_admin_role_arns": list(self._stack_vault_args(args).get("policy_admin_role_arns") or []),
                    "protect": self._stack_vault_args(args).get("protect", True),
                    "tags": common_tags,
                },
                child_opts(self),
                account=account,
            )
        self.cross_region_vault_arn = self.cross_region.vault_arn if self.cross_region else None

        self.notification_topic_arn = None
        notifications = args.get("notifications")
        if notifications is not None:
            notification_args: BackupNotificationsArgs = {
                **notifications,
                "vault_name": self._stack_vault().name,
                # Only a stack whose plans take VSS backups can see them fall back.
                "completed_with_issues_rule": notifications.get("completed_with_issues_rule", True)
                and any(plan.get("windows_vss", False) for plan in plans),
                "tags": common_tags,
            }
            self.notification_topic_arn = BackupNotifications(
                f"{name}-notifications", notification_args, child_opts(self), account=account
            ).topic_arn

        self.vss_instance_profile_name = None
        vss = args.get("vss_instances")
        vss_instances: Optional[WindowsVssInstances] = None
        if vss is not None:
            vss_instances = WindowsVssInstances(
                f"{name}-vss-instances",
                {
                    "target_tags": vss_target_tags(plans),
                    "schedule": vss.get("schedule", "rate(7 days)"),
                    "tags": common_tags,
                    "log_warnings": args.get("log_warnings", True),
                },
                child_opts(self),
                account=account,
            )
            self.vss_instance_profile_name = vss_instances.instance_profile_name
        scanning = args.get("malware_scanning")

        self.restore_testing: Optional[WindowsRestoreTesting] = None
        restore_testing = args.get("restore_testing")
        if restore_testing is not None:
            validation = restore_testing.get("validation")
            validation_args: Optional[RestoreValidationSpec] = None
            if validation is not None:
                validation_args = {
                    "region": region,
                    "instance_role_arns": [
                        *([vss_instances.role_arn] if vss_instances is not None else []),
                        *(validation.get("instance_role_arns") or []),
                    ],
                    "required_services": list(validation.get("required_services") or []),
                    "check_malware_scan": scanning is not None,
                }
                if scanning is not None:
                    validation_args["malware_scan_mode"] = scanning.get("scan_mode", DEFAULT_SCAN_MODE)
                if "log_retention_days" in validation:
                    validation_args["log_retention_days"] = validation["log_retention_days"]
            self.restore_testing = WindowsRestoreTesting(
                f"{name}-restore-testing",
                {
                    **restore_testing,
                    "include_vaults": self._vault_arns(restore_testing.get("include_vaults"), args, account),
                    "exclude_vaults": self._vault_arns(restore_testing.get("exclude_vaults") or [], args, account),
                    "selection_tags": restore_testing.get("selection_tags") or restore_test_tags(plans),
                    "validation": validation_args,
                    "tags": common_tags,
                    "log_warnings": args.get("log_warnings", True),
                },
                child_opts(self),
                account=account,
            )

        if args.get("enable_cross_account_backup", False):
            aws.backup.GlobalSettings(
                f"{name}-cross-account-backup",
                # Every documented key (the others at AWS's defaults, off), or pulumi-aws shows a diff each run.
                global_settings=global_settings({"cross_account_backup": True}),
                opts=child_opts(self),
            )
        region_settings = args.get("region_settings")
        if region_settings is not None:
            BackupRegionSettings(f"{name}-region-settings", region_settings, child_opts(self))

        destination_arns: dict[str, pulumi.Output[str]] = {}
        if self.cross_region:
            destination_arns[CROSS_REGION] = self.cross_region.vault_arn
        if archive_arn is not None:
            destination_arns[ARCHIVE] = archive_arn

        malware_scan: Optional[MalwareScanArgs] = None
        if scanning is not None:
            scanner = MalwareScannerRole(
                f"{name}-malware-scanner-role", {"tags": common_tags}, child_opts(self), account=account
            )
            malware_scan = MalwareScanArgs(scanner_role_arn=scanner.arn)
            if "scan_mode" in scanning:
                malware_scan["scan_mode"] = scanning["scan_mode"]
            if "resource_types" in scanning:
                malware_scan["resource_types"] = scanning["resource_types"]
        scanned = set(scanning.get("plans") or [spec["name"] for spec in args["plans"]]) if scanning else set()

        self.plans: dict[str, BackupPlan] = {}
        self.selections: dict[str, dict[str, BackupSelection]] = {}
        plan_rules: dict[str, list[BackupRuleArgs]] = {}
        for spec in plans:
            plan_name = f"{name}-{spec['name']}"
            plan_rules[spec["name"]] = [self._with_copies(rule, args, destination_arns) for rule in spec["rules"]]
            plan = BackupPlan(
                plan_name,
                {
                    "name": spec["name"],
                    "vault_name": self._stack_vault().name,
                    "rules": plan_rules[spec["name"]],
                    "windows_vss": spec.get("windows_vss", False),
                    "malware_scan": malware_scan if spec["name"] in scanned else None,
                    "tags": {**common_tags, **(spec.get("tags") or {})},
                },
                child_opts(self),
            )
            self.plans[spec["name"]] = plan
            self.selections[spec["name"]] = selections = {}
            # A loop, not a comprehension: the SDK walks the Python stack at each registration, and
            # on Python 3.11 a comprehension is one more frame for each selection and its child.
            for selection in spec["selections"]:
                selections[selection["name"]] = BackupSelection(
                    f"{plan_name}-{selection['name']}",
                    {**selection, "plan_id": plan.id, "role_arn": self._stack_role_arn()},
                    child_opts(plan),
                )

        self.audit: Optional[BackupAudit] = None
        audit = args.get("audit")
        if audit is not None:
            self.audit = self._audit(name, args, audit, plan_rules, account)

        self.plan_ids = _by_name({plan_name: plan.id for plan_name, plan in self.plans.items()})
        self.plan_arns = _by_name({plan_name: plan.arn for plan_name, plan in self.plans.items()})
        self.restore_testing_plan_name = self.restore_testing.plan_name if self.restore_testing else None
        self.restore_testing_role_arn = self.restore_testing.role_arn if self.restore_testing else None
        self.audit_framework_arn = self.audit.framework_arn if self.audit else None
        self.audit_report_bucket = self.audit.report_bucket if self.audit else None

        self.three_two_one = self._verdicts(args, plan_rules, account)
        self.register_outputs(
            {
                "vault_arn": self.vault_arn,
                "role_arn": self.role_arn,
                "plan_ids": self.plan_ids,
                # Registered as one JSON document: the engine stores one string, where the
                # mapping would cost it a serialized value per key (the attribute stays a mapping).
                "three_two_one": self.three_two_one.apply(json.dumps),
            }
        )

    def _vault(
        self,
        name: str,
        args: WindowsServerBackupArgs,
        archive_arn: Optional[pulumi.Output[str]],
        account: AccountFacts,
    ) -> BackupVault:
        """The stack's vault, with the customer-managed key it asks for."""
        spec = args["vault"]
        assert spec is not None
        common_tags = dict(args.get("tags") or {})
        vault_args: BackupVaultArgs = {**spec, "tags": {**common_tags, **(spec.get("tags") or {})}}
        if not vault_args.get("kms_key_arn") and args.get("create_vault_key", False):
            vault_args["kms_key_arn"] = BackupKey(
                f"{name}-vault-key",
                {
                    "region": args["region"],
                    "alias": spec["name"],
                    # The archive account's AWS Backup must read what it copies.
                    "copy_account_ids": archive_arn.apply(lambda arn: [rules.vault_arn_parts(arn)[1]])
                    if archive_arn
                    else [],
                    "protect": spec.get("protect", True),
                    "tags": common_tags,
                },
                child_opts(self),
                account=account,
            ).arn
        return BackupVault(f"{name}-vault", vault_args, child_opts(self), account=account)

    def _role(self, name: str, args: WindowsServerBackupArgs, account: AccountFacts) -> pulumi.Output[str]:
        """The role the selections use: the given one, or a new service role."""
        existing_role_arn = args.get("existing_role_arn")
        if existing_role_arn is not None:
            return pulumi.Output.from_input(existing_role_arn)
        role_args = BackupServiceRoleArgs(**(args.get("role") or {}))
        role_args["tags"] = {**dict(args.get("tags") or {}), **(role_args.get("tags") or {})}
        role_args.setdefault("allow_s3", selects_s3(args.get("plans") or []))
        role_args.setdefault("allow_scans", args.get("malware_scanning") is not None)
        return BackupServiceRole(f"{name}-restore-role", role_args, child_opts(self), account=account).arn

    def _stack_vault(self) -> BackupVault:
        # Plans, notifications and restore tests need the vault; stack_problems made sure it exists.
        assert self.vault is not None, "checked by stack_problems"
        return self.vault

    @staticmethod
    def _stack_vault_args(args: WindowsServerBackupArgs) -> BackupVaultArgs:
        vault = args.get("vault")
        assert vault is not None, "checked by stack_problems"
        return vault

    def _stack_role_arn(self) -> pulumi.Output[str]:
        # Every stack with plans has the role.
        assert self.role_arn is not None
        return self.role_arn

    def _vault_arns(
        self, vaults: Optional[Sequence[str]], args: WindowsServerBackupArgs, account: AccountFacts
    ) -> list[pulumi.Input[str]]:
        """Vault names of this account and region as ARNs (ARNs and ``*`` as they are); ``None``:
        the stack's vault and the air-gapped vaults the restore-tested plans back up into (their
        recovery points are there; the stack's vault keeps only temporary ones)."""
        if vaults is None:
            return [self._stack_vault().arn, *restore_tested_air_gapped_vaults(args)]
        own = self._stack_vault_args(args)["name"]
        arns: list[pulumi.Input[str]] = []
        for vault in vaults:
            if vault == "*" or vault.startswith("arn:"):
                arns.append(vault)
            elif vault == own:
                arns.append(self._stack_vault().arn)
            else:
                arns.append(
                    pulumi.Output.all(account.partition, account.account_id).apply(
                        functools.partial(_vault_arn, args["region"], vault)
                    )
                )
        return arns

    @staticmethod
    def _with_copies(
        rule: StackRuleSpec, args: WindowsServerBackupArgs, destination_arns: Mapping[str, pulumi.Output[str]]
    ) -> BackupRuleArgs:
        """The rule with one copy action per destination it copies to."""
        destinations: dict[str, Any] = {CROSS_REGION: args.get(CROSS_REGION), ARCHIVE: args.get(ARCHIVE)}
        copies: list[CopyActionArgs] = list(rule.get("copy_actions") or [])
        for target in copy_targets(rule, args):
            days, cold, archive_opt_in = copy_lifecycle(rule, destinations[target])
            copies.append(
                CopyActionArgs(
                    destination_vault_arn=destination_arns[target],
                    delete_after_days=days,
                    cold_storage_after_days=cold,
                    opt_in_to_archive=archive_opt_in,
                )
            )
        with_copies: StackRuleSpec = {**rule, "copy_actions": copies}
        with_copies.pop("copy_to", None)
        return with_copies

    def _audit(
        self,
        name: str,
        args: WindowsServerBackupArgs,
        audit: AuditSpec,
        plan_rules: Mapping[str, list[BackupRuleArgs]],
        account: AccountFacts,
    ) -> BackupAudit:
        """The audit framework: controls for what this stack actually set up (when it has plans),
        then the controls and reports of the ``audit`` setting."""
        vault: Mapping[str, Any] = args.get("vault") or {}
        own = {key: value for key, value in audit.items() if key != "stack_controls"}
        evidence: dict[str, Any] = {
            **own,
            "protect_report_bucket": vault.get("protect", True),
            "tags": dict(args.get("tags") or {}),
        }
        plans = args.get("plans") or []
        if plans and audit.get("stack_controls") is not False:
            every_rule = [rule for rule_list in plan_rules.values() for rule in rule_list]
            unit, value, retention = plan_promises(every_rule)
            copied_to = {target for spec in plans for rule in spec["rules"] for target in copy_targets(rule, args)}
            scope = audit.get("scope_tag")
            evidence |= {
                "vault_name": self._stack_vault().name,
                "required_frequency_unit": unit,
                "required_frequency_value": value,
                "required_retention_days": retention,
                "scope_tag": scope if scope is not None else audit_scope(args.get("tags") or {}),
                "cross_region": CROSS_REGION in copied_to,
                "cross_account": ARCHIVE in copied_to,
                "vault_lock": vault.get("lock") is not None,
                **deletion_control(vault),
            }
        return BackupAudit(f"{name}-audit", evidence, child_opts(self), account=account)  # type: ignore[arg-type]

    def _verdicts(
        self, args: WindowsServerBackupArgs, plan_rules: Mapping[str, list[BackupRuleArgs]], account: AccountFacts
    ) -> pulumi.Output[dict[str, Any]]:
        """Resolve every destination ARN, then judge each plan's copies."""
        arns = [
            copy["destination_vault_arn"]
            for rule_list in plan_rules.values()
            for rule in rule_list
            for copy in rule.get("copy_actions") or []
        ]

        vault_spec = args.get("vault")
        vault_name = vault_spec["name"] if vault_spec else ""  # no vault, no plans: nothing to judge

        def judge(resolved: list[Any]) -> dict[str, Any]:
            account_id, known = resolved[0], iter(resolved[1:])
            # Known now: a not_resources pattern of this account may leave a whole type out.
            types = selected_types({**args, "plans": args.get("plans") or []}, account_id)
            plans = [
                {
                    "name": spec["name"],
                    "rules": [
                        {
                            **rule,
                            "copy_actions": [
                                {**copy, "destination_vault_arn": next(known)}
                                for copy in rule.get("copy_actions") or []
                            ],
                        }
                        for rule in plan_rules[spec["name"]]
                    ],
                    "resource_types": sorted(selected.types),
                    "types_certain": selected.certain,
                    "assumed": list(selected.assumed),
                }
                for spec, selected in zip(args.get("plans") or [], types, strict=True)
            ]
            # The last ARN, when the archive is air-gapped: its copies count warm.
            air_gapped = [next(known)] if _air_gapped_archive(args) else []
            return stack_verdicts(
                plans,
                region=args["region"],
                account=account_id,
                vault_name=vault_name,
                air_gapped_vaults=air_gapped,
                key_check=archive_key_check(args),
            )

        archive = args.get(ARCHIVE)
        if archive and _air_gapped_archive(args):
            arns.append(archive["vault_arn"])
        return _each_once(account.account_id, *arns).apply(judge)


def _each_once(*values: pulumi.Input[Any]) -> pulumi.Output[list[Any]]:
    """``Output.all(*values)``, awaiting each distinct value once: every rule's copy names the
    same one or two destination ARNs, and each value given to ``Output.all`` costs its own
    wrapping Output and task."""
    distinct = list({id(value): value for value in values}.values())
    position = {id(value): index for index, value in enumerate(distinct)}
    order = [position[id(value)] for value in values]
    return pulumi.Output.all(*distinct).apply(lambda resolved: [resolved[index] for index in order])


def _air_gapped_archive(args: WindowsServerBackupArgs) -> bool:
    archive = args.get(ARCHIVE)
    return bool(archive and archive.get("air_gapped", False))


def _by_name(outputs: Mapping[str, pulumi.Output[str]]) -> pulumi.Output[dict[str, str]]:
    """``{name: output}`` as one output of ``{name: value}`` (``{}`` when there is none)."""
    return pulumi.Output.all(**outputs) if outputs else pulumi.Output.from_input({})


def vss_target_tags(plans: Sequence[PlanSpec]) -> dict[str, list[str]]:
    """Tag key to values selected by the plans that take Windows VSS backups."""
    targets: dict[str, set[str]] = {}
    for plan in plans:
        if plan.get("windows_vss", False):
            for selection in plan["selections"]:
                for key, value in (selection.get("tags") or {}).items():
                    targets.setdefault(key, set()).add(value)
    return {key: sorted(values) for key, values in targets.items()}


def restore_test_tags(plans: Sequence[PlanSpec]) -> dict[str, str]:
    """The one tag pair the VSS plans select by, or ``{}`` when there is none or more than one."""
    targets = vss_target_tags(plans)
    if len(targets) == 1:
        [(key, values)] = targets.items()
        if len(values) == 1:
            return {key: values[0]}
    return {}


def audit_scope(tags: Mapping[str, str]) -> Optional[dict[str, str]]:
    """The audit scope a stack's tags give: the tag itself when there is exactly one, else none."""
    return dict(tags) if len(tags) == 1 else None


def _air_gapped_targets(args: WindowsServerBackupArgs) -> list[tuple[str, pulumi.Input[str]]]:
    """``(rule path, ARN)`` of every rule backing up into a logically air-gapped vault."""
    found: list[tuple[str, pulumi.Input[str]]] = []
    for plan_index, plan in enumerate(args.get("plans") or []):
        for rule_index, rule in enumerate(plan["rules"]):
            target = rule.get("air_gapped_target")
            if target is not None:
                found.append((f"plans[{plan_index}].rules[{rule_index}]", target["vault_arn"]))
    return found


def _vault_arn(region: str, name: str, facts: list[str]) -> str:
    """The ARN of vault ``name`` of the account and partition in ``facts``, in ``region``."""
    partition, account_id = facts
    return f"arn:{partition}:backup:{region}:{account_id}:backup-vault:{name}"


def _air_gapped_here(where: str, facts: list[str]) -> None:
    account_id, arn = facts
    # AWS Backup API, BackupRuleInput: the air-gapped vault "must be in the same account and Region".
    if rules.vault_arn(arn) is None and rules.vault_arn_parts(arn)[1] != account_id:
        raise pulumi.RunError(
            f"{where}.air_gapped_target.vault_arn: {arn!r} is in another account than this stack's ({account_id}); "
            "a rule backs up only into an air-gapped vault of its own account and region."
        )


def _archive_elsewhere(account_id: str, archive_arn: str) -> None:
    violation = rules.vault_arn(archive_arn)
    if violation:
        raise pulumi.RunError(f"archive.vault_arn: {archive_arn!r}: {violation}")
    if rules.vault_arn_parts(archive_arn)[1] == account_id:
        raise pulumi.RunError(
            f"archive.vault_arn: the archive vault is in this stack's own account ({account_id}); it must be "
            "in a dedicated archive account to survive the loss of this one."
        )


__all__ = [
    "ArchiveSpec",
    "AuditSpec",
    "CrossRegionSpec",
    "MalwareScanningSpec",
    "NotificationsSpec",
    "PlanSpec",
    "RestoreTestingSpec",
    "RestoreValidationStackSpec",
    "SelectionSpec",
    "StackRuleSpec",
    "VssInstancesSpec",
    "WindowsServerBackup",
    "WindowsServerBackupArgs",
    "audit_scope",
    "restore_test_tags",
    "selects_s3",
    "vss_target_tags",
]
