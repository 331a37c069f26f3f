"""The stack's backup settings, as pydantic models: every AWS rule checked before deploying.

These models describe the keys under the project's namespace in ``Pulumi.<stack>.yaml``
(``windows-server-backup:vault``, ``:role``, ``:plans``, ``:tags``). Each AWS rule lives once, in
``components.rules``; the models attach it to a field so the error carries the key path.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from typing import Annotated, Any, ClassVar, Final, Literal, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from components import (
    audit,
    audit_controls,
    malware_scanning,
    org_checks,
    region_settings,
    restore_testing,
    restore_validation,
    rules,
    stack_checks,
)
from components.notifications import DEFAULT_VAULT_EVENTS, vault_events_problem
from components.org_template import DEFAULT_VSS_INSTANCE_ROLE
from components.organization import DEFAULT_POLICY_NAME_PREFIX, DEFAULT_STACK_SET_NAME
from components.plan import air_gapped_rule_retention
from components.policies import policy_admins_problem, vault_statement_problems
from components.vault import force_destroy_problems
from components.vss_instances import DEFAULT_SCHEDULE as DEFAULT_VSS_SCHEDULE

#: Value of ``vault.kms_key`` that means the AWS-managed key of the region.
AWS_MANAGED_KEY: Final = "aws/backup"
#: Value of ``vault.kms_key`` that asks the stack to create a customer-managed key.
CREATE_KEY: Final = "create"
#: AWS allows this many selections (resource assignments) per plan.
MAX_SELECTIONS_PER_PLAN = 100


def _enforce(check: Callable[[Any], Optional[rules.Violation]]) -> AfterValidator:
    """Turn a rule from ``components.rules`` into a field validator with a structured error."""

    def validate(value: Any) -> Any:
        violation = check(value)
        if violation:
            raise PydanticCustomError("aws_rule", "{rule}", {"rule": violation.rule, "fix": violation.fix})
        return value

    return AfterValidator(validate)


def _kms_key(value: str) -> Optional[rules.Violation]:
    return None if value in (AWS_MANAGED_KEY, CREATE_KEY) else rules.kms_key_arn(value)


VaultName = Annotated[str, _enforce(rules.vault_name)]
PlanName = Annotated[str, _enforce(rules.plan_name)]
RuleName = Annotated[str, _enforce(rules.rule_name)]
SelectionName = Annotated[str, _enforce(rules.selection_name)]
Schedule = Annotated[str, _enforce(rules.schedule)]
AssociationSchedule = Annotated[str, _enforce(rules.ssm_association_schedule)]
TimeZone = Annotated[str, _enforce(rules.timezone)]
StartWindow = Annotated[int, _enforce(rules.start_window)]
CompletionWindow = Annotated[int, _enforce(rules.completion_window)]
Tags = Annotated[dict[str, str], _enforce(rules.tags)]
TagFilter = Annotated[dict[str, str], _enforce(rules.tag_filter)]
Arns = Annotated[list[str], _enforce(rules.selection_arns)]
KmsKey = Annotated[str, _enforce(_kms_key)]
RoleName = Annotated[str, _enforce(rules.iam_role_name)]
RoleArn = Annotated[str, _enforce(rules.iam_role_arn)]
Days = Annotated[int, Field(ge=1, le=rules.DELETE_AFTER_MAX)]
VaultEvents = Annotated[list[str], _enforce(vault_events_problem)]


def _email(value: str) -> Optional[rules.Violation]:
    if re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", value):
        return None
    return rules.Violation("an email subscriber is an address like ops@example.com", "correct the address")


Email = Annotated[str, _enforce(_email)]
Region = Annotated[str, _enforce(rules.aws_region)]


def _stack_reference(value: str) -> Optional[rules.Violation]:
    if re.fullmatch(r"[\w.-]+/[\w.-]+/[\w.-]+", value):
        return None
    return rules.Violation(
        "a stack reference names <org>/<project>/<stack>", "e.g. 'acme/windows-server-backup/archive'"
    )


StackReference = Annotated[str, _enforce(_stack_reference)]
AccountId = Annotated[str, _enforce(rules.account_id)]
OrganizationId = Annotated[str, _enforce(rules.organization_id)]
VaultArn = Annotated[str, _enforce(rules.vault_arn)]
CopyDestination = Literal["cross_region", "archive"]
RestoreTestingName = Annotated[str, _enforce(restore_testing.restore_testing_name)]
StartWindowHours = Annotated[int, _enforce(restore_testing.start_window_hours)]
SelectionWindowDays = Annotated[int, _enforce(restore_testing.selection_window_days)]
ValidationWindowHours = Annotated[int, _enforce(restore_testing.validation_window_hours)]
RestoreTestTags = Annotated[dict[str, str], _enforce(restore_testing.selection_tags)]
InstanceType = Annotated[str, _enforce(restore_testing.instance_type)]
ServiceNames = Annotated[list[str], _enforce(restore_validation.service_names)]
LogRetentionDays = Annotated[int, _enforce(restore_validation.log_retention_days)]
ScanResourceTypes = Annotated[list[Literal["EC2", "EBS"]], _enforce(malware_scanning.scan_resource_types)]
SubnetId = Annotated[str, _enforce(restore_testing.subnet_id)]
SecurityGroupId = Annotated[str, _enforce(restore_testing.security_group_id)]
AuditName = Annotated[str, _enforce(audit.audit_name)]
ScopeTag = Annotated[dict[str, str], _enforce(audit.scope_tag)]
JobReport = audit.JobReport
JobReports = Annotated[list[JobReport], _enforce(audit.job_reports)]
ReportFormats = Annotated[list[audit.ReportFormat], _enforce(audit.report_formats)]
ReportRetentionDays = Annotated[int, _enforce(audit.report_retention_days)]
OrganizationalUnitId = Annotated[str, _enforce(org_checks.organizational_unit_id)]
StackSetName = Annotated[str, _enforce(org_checks.stack_set_name)]
BucketName = Annotated[str, _enforce(audit.bucket_name)]
#: A policy statement as written in the stack file (checked as a whole by its vault's model).
PolicyStatement = dict[str, Any]


def _restore_test_vault(value: str) -> Optional[rules.Violation]:
    if value == "*" or value.startswith("arn:"):
        return restore_testing.vault_selector(value)
    return rules.vault_name(value)


RestoreTestVault = Annotated[str, _enforce(_restore_test_vault)]


def _statement_problems(
    statements: list[PolicyStatement], deny_deletions: bool, break_glass_role_arn: Optional[str]
) -> list[tuple[str, Any, str, str]]:
    """The vault policy statements' problems, at ``policy_statements[i].<Element>``."""
    return [
        (f"policy_statements{path}", value_at(statements, path), violation.rule, violation.fix)
        for path, violation in vault_statement_problems(
            statements, deny_deletions=deny_deletions, break_glass_role_arn=break_glass_role_arn
        )
    ]


def value_at(data: Any, path: str) -> Any:
    """The value at a sub-path such as ``[0].parameters.requiredFrequencyValue`` (what an error prints);
    ``None`` where there is none."""
    for part in re.findall(r"\[(\d+)\]|([^.\[\]]+)", path):
        index, key = part
        if index and isinstance(data, list) and int(index) < len(data):
            data = data[int(index)]
        elif key and isinstance(data, dict):
            data = data.get(key)
        else:
            return None
    return data


def lock_problem(
    minimum: int, maximum: int, grace: Optional[int], *, air_gapped: bool = False
) -> Optional[tuple[str, Any, str, str]]:
    """The first vault lock problem, at the field that holds the wrong value."""
    if (
        air_gapped
        and (violation := rules.air_gapped_retention(minimum, maximum))
        and minimum < rules.AIR_GAPPED_MIN_RETENTION
    ):
        return ("min_retention_days", minimum, violation.rule, violation.fix)
    for field, value, violation in (
        ("min_retention_days", minimum, rules.vault_lock(minimum, None, None)),
        (
            "max_retention_days",
            maximum,
            rules.vault_lock(None, maximum, None) or rules.vault_lock(minimum, maximum, None),
        ),
        ("changeable_for_days", grace, None if air_gapped else rules.vault_lock(None, None, grace)),
    ):
        if violation:
            return (field, value, violation.rule, violation.fix)
    return None


def cross_field_error(problems: list[tuple[str, Any, str, str]]) -> PydanticCustomError:
    """One error carrying several ``(sub-path, value, rule, fix)`` problems of one model."""
    return PydanticCustomError("cross_field", "{count} problems", {"count": len(problems), "problems": problems})


class _Model(BaseModel):
    # strict: "yes" is not a bool and "30" not a number; extra keys are typos, not silence.
    # defer_build: a model's validator is built when first used, not at import. Validating a stack
    # builds StackConfig's one validator, which holds the nested models; most nested models' own
    # validators are then never built (the model_rebuild() calls below build three at import).
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True, defer_build=True)


class KnownLockConfig(_Model):
    """The lock range of a vault another stack manages (for checks only): jobs whose retention falls
    outside it FAIL."""

    min_retention_days: Days = Field(description="Shortest retention a job may ask for, 1-36500. Required.")
    max_retention_days: Days = Field(description="Longest retention a job may ask for, up to 36500. Required.")


class LockConfig(KnownLockConfig):
    """AWS Backup Vault Lock: jobs whose retention falls outside min/max FAIL, so every rule and
    copy writing to a locked vault is checked against it."""

    mode: Literal["governance", "compliance"] = Field(
        "governance",
        description="governance: removable by users with the IAM permission; compliance: immutable, even for "
        "the root user, once the grace period ends. Default: governance.",
    )
    changeable_for_days: Optional[int] = Field(
        None, description="Compliance mode only: grace period in days, 3-36500. Default: 3 in compliance mode."
    )

    @model_validator(mode="after")
    def _ranges(self) -> LockConfig:
        problems: list[tuple[str, Any, str, str]] = []
        if self.mode == "governance" and self.changeable_for_days is not None:
            problems.append(
                (
                    "changeable_for_days",
                    self.changeable_for_days,
                    "a grace period only applies to a compliance-mode lock",
                    "remove changeable_for_days, or set mode: compliance",
                )
            )
        lock = lock_problem(self.min_retention_days, self.max_retention_days, self.grace_days)
        if lock:
            problems.append(lock)
        if problems:
            raise cross_field_error(problems)
        return self

    @property
    def grace_days(self) -> Optional[int]:
        """Grace period sent to AWS: ``None`` in governance mode, else the days (default 3)."""
        if self.mode == "governance":
            return None
        return self.changeable_for_days if self.changeable_for_days is not None else rules.LOCK_GRACE_MIN


class VaultConfig(_Model):
    """The stack's vault (copy A of 3-2-1)."""

    name: VaultName = Field(
        description="Vault name, 2-50 letters, digits, '-' or '_'. Changing it replaces the vault "
        "(Pulumi refuses while the vault is protected). Required."
    )
    kms_key: KmsKey = Field(
        AWS_MANAGED_KEY,
        description="'aws/backup' for the region's AWS-managed key (as in the article), 'create' for a "
        "customer-managed key created by this stack (shared with the archive account), or a key ARN. It "
        "encrypts the backups AWS Backup fully manages (e.g. S3); EC2 and EBS backups keep their volumes' "
        "keys. Default: 'aws/backup'.",
    )
    protect: bool = Field(
        True,
        description="Protect the vault, its lock and key from `pulumi destroy` and replacement. Default: true. "
        "Set false only to tear down a throwaway stack.",
    )
    deny_deletions: bool = Field(
        True,
        description="Access policy denying DeleteRecoveryPoint, UpdateRecoveryPointLifecycle and "
        "DeleteBackupVault to all but break_glass_role_arn (and changes of the policy itself, with "
        "policy_admin_role_arns). Default: true.",
    )
    break_glass_role_arn: Optional[RoleArn] = Field(
        None, description="The one role still allowed those deletions. Default: none. Not in the organization stack."
    )
    break_glass_role_name: Optional[RoleName] = Field(
        None,
        description="Organization stack only: the one role still allowed those deletions, by name; each member "
        "account's vaults name the role of that name in that account. Default: none.",
    )
    policy_admin_role_arns: list[RoleArn] = Field(
        default_factory=list,
        description="The roles `pulumi up` runs as for this stack (its deploy roles). Given, a second deny statement "
        "denies PutBackupVaultAccessPolicy and DeleteBackupVaultAccessPolicy (with the deletions) to everyone but "
        "them and break_glass_role_arn, so nobody else can lift the denials, and the vault passes the audit control "
        "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED (among audit's stack controls only then); the first "
        "statement still denies them the deletions. A deploy role left out can no longer change the vault's "
        "policy. Default: none.",
    )
    lock: Optional[LockConfig] = Field(None, description="Vault Lock for this vault. Default: no lock.")
    policy_statements: list[PolicyStatement] = Field(
        default_factory=list,
        description="Statements of your own for the vault's access policy (IAM policy elements, each with its own "
        "Sid), added after the deny-deletions statement, e.g. read access for an audit role of this account. No "
        "wildcard actions, only backup: actions; no Allow of what deny_deletions denies; other accounts may only be "
        "allowed backup:CopyIntoBackupVault. Default: none.",
    )
    force_destroy: bool = Field(
        False,
        description="Let `pulumi destroy` DELETE EVERY RECOVERY POINT in the vault so it can delete it: only for "
        "throwaway stacks, with protect: false and no lock. Default: false.",
    )
    tags: Tags = Field(default_factory=dict, description="Tags for the vault. Default: none.")

    @model_validator(mode="after")
    def _policy_and_teardown(self) -> VaultConfig:
        problems = [
            (path, self.lock.model_dump() if path == "lock" and self.lock else getattr(self, path), v.rule, v.fix)
            for path, v in force_destroy_problems(self.force_destroy, self.protect, self.lock is not None)
        ]
        problems += _statement_problems(self.policy_statements, self.deny_deletions, self.break_glass_role_arn)
        admins = policy_admins_problem(self.policy_admin_role_arns, self.deny_deletions)
        if admins:
            problems.append(("policy_admin_role_arns", self.policy_admin_role_arns, admins.rule, admins.fix))
        if problems:
            raise cross_field_error(problems)
        return self


class RoleConfig(_Model):
    """The IAM role AWS Backup assumes."""

    name: Optional[RoleName] = Field(
        None,
        description="Role name. Default: Pulumi auto-naming ('backup-restore-role-' plus a random suffix), "
        "so stacks in several regions of one account never collide.",
    )
    existing_arn: Optional[RoleArn] = Field(
        None, description="Use this existing role instead of creating one. Default: create one."
    )
    allow_restores: bool = Field(True, description="Attach AWSBackupServiceRolePolicyForRestores too. Default: true.")
    s3_policies: Optional[bool] = Field(
        None,
        description="Attach the S3 backup/restore policies. "
        "Default: only when a selection lists S3 bucket ARNs or '*'.",
    )
    tags: Tags = Field(default_factory=dict, description="Extra tags for the role. Default: none.")

    @model_validator(mode="after")
    def _create_or_bring(self) -> RoleConfig:
        if self.existing_arn and self.name:
            raise cross_field_error(
                [
                    (
                        "name",
                        self.name,
                        "a role name is only used when this program creates the role",
                        "remove `name`, or remove `existing_arn` to create the role",
                    )
                ]
            )
        return self


class RuleConfig(_Model):
    """One backup rule: when, how long to try, how long to keep."""

    name: Optional[RuleName] = Field(
        None, description="Rule name. Default: the plan's name (only when the plan has one rule)."
    )
    schedule: Schedule = Field(
        description="cron(Minutes Hours Day-of-month Month Day-of-week Year), one of the day fields '?', "
        "runs at least 60 minutes apart, e.g. 'cron(0 18 ? * SUN *)'. Required."
    )
    timezone: Optional[TimeZone] = Field(
        None, description="IANA time zone the schedule is read in, e.g. 'America/New_York'. Default: UTC."
    )
    start_window_minutes: StartWindow = Field(
        60, description="Minutes a job may wait to start, 60 to 52,560,000. Default: 60."
    )
    completion_window_minutes: CompletionWindow = Field(
        1440, description="Minutes a started job has to finish. Default: 1440 (a day)."
    )
    delete_after_days: Optional[Days] = Field(
        None, description="Days recovery points are kept, 1-36500. Default: kept until deleted by hand."
    )
    cold_storage_after_days: Optional[Days] = Field(
        None,
        description="Days before recovery points move to cold storage; then delete_after_days must be at "
        "least 90 more. Only EBS volume backups can move (with opt_in_to_archive); AWS Backup ignores it for "
        "EC2 instances, so a plan backing up only instances may not set it. Default: never.",
    )
    opt_in_to_archive: bool = Field(
        False,
        description="Move EBS volume backups to the EBS archive tier at cold_storage_after_days (without it "
        "they stay warm; other resource types ignore it). Default: false.",
    )
    continuous_backup: bool = Field(
        False, description="Continuous backup (not supported by EC2 and EBS). Default: false."
    )
    recovery_point_tags: Tags = Field(
        default_factory=dict, description="Tags put on each recovery point. Default: none."
    )
    copy_to: Optional[list[CopyDestination]] = Field(
        None,
        description="Where this rule's recovery points are copied: 'cross_region', 'archive'. "
        "Default: every destination the stack configures ([] for none).",
    )
    target_vault_name: Optional[VaultName] = Field(
        None,
        description="Another existing vault of this account and region to write to, e.g. 'Default' (the stack's "
        "vault lock does not apply to it). Default: the stack's vault.",
    )
    air_gapped_target: Optional[AirGappedTargetConfig] = Field(
        None,
        description="Back up into a logically air-gapped vault of this account and region. EC2 and EBS go through a "
        "temporary (billed) recovery point in the target vault, copied there, then deleted; volumes on the "
        "AWS-managed aws/ebs key never reach it. The 3-2-1 verdict counts recovery points there warm (AWS does not "
        "document cold storage in an air-gapped vault). Default: none.",
    )

    @model_validator(mode="after")
    def _lifecycle(self) -> RuleConfig:
        violation = rules.lifecycle(self.delete_after_days, self.cold_storage_after_days, self.continuous_backup)
        if violation is None and self.air_gapped_target is not None:
            violation = air_gapped_rule_retention(self.delete_after_days)
        if violation:
            value = {
                "delete_after_days": self.delete_after_days,
                "cold_storage_after_days": self.cold_storage_after_days,
            }
            raise cross_field_error([("delete_after_days", value, violation.rule, violation.fix)])
        return self


class ConditionsConfig(_Model):
    """Tag conditions a resource must all meet (keys are tag keys, without 'aws:ResourceTag/')."""

    string_equals: TagFilter = Field(default_factory=dict, description="Tag equals value. Default: none.")
    string_not_equals: TagFilter = Field(default_factory=dict, description="Tag differs from value. Default: none.")
    string_like: TagFilter = Field(default_factory=dict, description="Tag matches pattern ('*'). Default: none.")
    string_not_like: TagFilter = Field(default_factory=dict, description="Tag does not match pattern. Default: none.")


class SelectionConfig(_Model):
    """What a plan backs up. Tag an instance or volume with one of `tags` to put it under the plan."""

    name: Optional[SelectionName] = Field(
        None, description="Selection name. Default: the plan's name (only when the plan has one selection)."
    )
    tags: TagFilter = Field(
        default_factory=dict,
        description="Resources with any of these tag key/value pairs are selected, e.g. "
        "{'alk:backup': 'weekly-ebs'}. Default: none.",
    )
    resources: Arns = Field(
        default_factory=list,
        description="Resource ARNs or ARN patterns to select, '*' standing for any characters "
        "('arn:aws:ec2:*:*:instance/*': every EC2 instance; ['*']: everything). At most 500, or 30 when any has "
        "a '*'. Default: none.",
    )
    not_resources: Arns = Field(
        default_factory=list,
        description="Resource ARNs or ARN patterns to leave out, with the same limits. Default: none.",
    )
    conditions: ConditionsConfig = Field(
        default_factory=ConditionsConfig, description="Tag conditions every selected resource must meet."
    )

    @model_validator(mode="after")
    def _not_empty(self) -> SelectionConfig:
        conditions = self.conditions
        has_conditions = any(
            (conditions.string_equals, conditions.string_not_equals, conditions.string_like, conditions.string_not_like)
        )
        if not (self.tags or self.resources or has_conditions):
            raise cross_field_error(
                [
                    (
                        "tags",
                        {},
                        "an empty selection backs up every opted-in resource of the account",
                        "select by tag (e.g. tags: {'alk:backup': 'weekly-ebs'}), or set resources: ['*'] "
                        "to mean everything",
                    )
                ]
            )
        return self


class PlanConfig(_Model):
    """A backup plan, its rules, and what it selects."""

    name: PlanName = Field(description="Plan name, 1-50 letters, digits, '-', '_' or '.'. Required.")
    windows_vss: bool = Field(
        False,
        description="Application-consistent Windows VSS backups of EC2 instances (the instances need the "
        "VSS setup in the README). Default: false.",
    )
    rules: list[RuleConfig] = Field(min_length=1, description="One or more rules. Required.")
    selections: list[SelectionConfig] = Field(
        min_length=1, max_length=MAX_SELECTIONS_PER_PLAN, description="One or more selections. Required."
    )
    tags: Tags = Field(default_factory=dict, description="Tags for the plan. Default: none.")

    @model_validator(mode="after")
    def _names(self) -> PlanConfig:
        problems: list[tuple[str, Any, str, str]] = []
        named: tuple[tuple[str, Sequence[RuleConfig | SelectionConfig]], ...] = (
            ("rules", self.rules),
            ("selections", self.selections),
        )
        for kind, items in named:
            if len(items) > 1:
                for index, item in enumerate(items):
                    if item.name is None:
                        problems.append(
                            (
                                f"{kind}[{index}].name",
                                None,
                                f"a name is required when a plan has more than one of its {kind}",
                                "give each one a name",
                            )
                        )
            names = [item.name or self.name for item in items]
            for index, (item, item_name) in enumerate(zip(items, names, strict=True)):
                if item.name is not None and names.index(item_name) != index:
                    problems.append(
                        (
                            f"{kind}[{index}].name",
                            item_name,
                            f"names of {kind} must be unique in a plan",
                            "rename one of them",
                        )
                    )
        if problems:
            raise cross_field_error(problems)
        return self

    def rule_name(self, index: int) -> str:
        """The rule's name, defaulting to the plan's."""
        return self.rules[index].name or self.name

    def selection_name(self, index: int) -> str:
        """The selection's name, defaulting to the plan's."""
        return self.selections[index].name or self.name


class _CopyLifecycle(_Model):
    delete_after_days: Optional[Days] = Field(
        None, description="Days copies are kept, 1-36500. Default: the source rule's retention."
    )
    cold_storage_after_days: Optional[Days] = Field(
        None,
        description="Days before copies move to cold storage, for every rule copying here: only EBS volume "
        "backups move (with opt_in_to_archive), so plans backing up only EC2 instances may not copy here with "
        "it. Default: the source rule's setting.",
    )
    opt_in_to_archive: Optional[bool] = Field(
        None,
        description="Move EBS volume copies to the EBS archive tier at cold_storage_after_days. Default: the "
        "source rule's setting.",
    )


class CrossRegionConfig(_CopyLifecycle):
    """Copy B of 3-2-1: a vault in a second region of the same account."""

    region: Region = Field(description="The second region; must differ from the stack's. Required.")
    vault_name: Optional[VaultName] = Field(
        None,
        description="Vault to create there. Default: 'backup-copies-from-<aws:region>' (unless existing_vault_arn), "
        "so that the stacks of several regions copying to one region name their vaults apart.",
    )
    existing_vault_arn: Optional[VaultArn] = Field(
        None, description="Copy into this existing vault instead of creating one. Default: create one."
    )
    kms_key: Literal["aws/backup", "create"] = Field(
        AWS_MANAGED_KEY, description="Key of the new vault: 'aws/backup' or 'create'. Default: 'aws/backup'."
    )
    lock: Optional[LockConfig] = Field(None, description="Vault Lock for the new vault. Default: none.")

    @model_validator(mode="after")
    def _one_vault(self) -> CrossRegionConfig:
        if self.vault_name and self.existing_vault_arn:
            raise cross_field_error(
                [
                    (
                        "vault_name",
                        self.vault_name,
                        "give at most one of vault_name (create a vault) and existing_vault_arn (use one)",
                        "keep one of the two",
                    )
                ]
            )
        return self

    def created_vault_name(self, source_region: str) -> Optional[str]:
        """The name of the vault to create for copies from ``source_region`` (``None``: an existing vault)."""
        if self.existing_vault_arn:
            return None
        return self.vault_name or copy_vault_name(source_region)


def copy_vault_name(source_region: str) -> str:
    """The default name of copy B's vault: ``backup-copies-from-<source region>``."""
    return f"backup-copies-from-{source_region}"


class AirGappedTargetConfig(_Model):
    """A logically air-gapped vault of the stack's account and region that a rule backs up into."""

    vault_arn: VaultArn = Field(description="The air-gapped vault's ARN (same account and region). Required.")
    lock: Optional[KnownLockConfig] = Field(
        None,
        description="The air-gapped vault's retention range, so the rule's retention is checked before deploying. "
        "Default: unknown (the rule still keeps 7 days or more, and not forever).",
    )


class ArchiveInThisProgramConfig(_Model):
    """One-program mode: this stack also deploys the archive vault, through a role in the archive account."""

    assume_role_arn: RoleArn = Field(
        description="Role in the archive account this stack's credentials assume to deploy the archive vault. Required."
    )
    region: Region = Field(description="Region of the archive vault. Required.")
    vault: ArchiveVaultConfig = Field(description="The archive vault, as in the archive stack's archive_vault.")


class ArchiveCopyConfig(_CopyLifecycle):
    """Copy C of 3-2-1: copies into the archive account's vault (by default deployed by its own stack)."""

    vault_arn: Optional[VaultArn] = Field(
        None, description="The archive vault's ARN (`pulumi stack output archive_vault_arn` of the archive stack)."
    )
    stack_reference: Optional[StackReference] = Field(
        None,
        description="Instead of vault_arn: the archive stack as <org>/<project>/<stack>; its output "
        "archive_vault_arn is used.",
    )
    deploy_here: Optional[ArchiveInThisProgramConfig] = Field(
        None,
        description="Instead of vault_arn: deploy the archive vault from this stack through an assumed role "
        "(one-program mode; the separate archive stack is safer, see README).",
    )
    lock: Optional[KnownLockConfig] = Field(
        None, description="The archive vault's lock range, so copy retentions are checked before deploying."
    )
    air_gapped: bool = Field(
        False,
        description="The archive vault is logically air-gapped (archive_vault.air_gapped in the archive stack). AWS "
        "does not confirm the EBS archive tier there, so the 3-2-1 verdict counts copies in it as warm. Default: "
        "false; with deploy_here, taken from deploy_here.vault.air_gapped.",
    )

    @model_validator(mode="after")
    def _one_source(self) -> ArchiveCopyConfig:
        given = [key for key in ("vault_arn", "stack_reference", "deploy_here") if getattr(self, key)]
        if len(given) != 1:
            raise cross_field_error(
                [
                    (
                        "vault_arn",
                        given,
                        "give exactly one of vault_arn, stack_reference and deploy_here",
                        "keep one of them",
                    )
                ]
            )
        here = self.deploy_here
        if here is not None and "air_gapped" in self.model_fields_set and self.air_gapped != here.vault.air_gapped:
            raise cross_field_error(
                [
                    (
                        "air_gapped",
                        self.air_gapped,
                        f"deploy_here.vault.air_gapped is {str(here.vault.air_gapped).lower()}, and this stack "
                        "deploys that vault",
                        "leave air_gapped out: it follows deploy_here.vault.air_gapped",
                    )
                ]
            )
        return self

    @property
    def is_air_gapped(self) -> bool:
        """The archive vault is logically air-gapped: as declared, or as deployed here."""
        return self.deploy_here.vault.air_gapped if self.deploy_here is not None else self.air_gapped

    @property
    def known_lock(self) -> Optional[dict[str, int]]:
        """The archive vault's lock range: as declared, or as deployed here."""
        if self.deploy_here is not None:
            vault = self.deploy_here.vault
            return {"min_retention_days": vault.min_retention_days, "max_retention_days": vault.max_retention_days}
        return self.lock.model_dump() if self.lock else None


class ArchiveVaultConfig(_Model):
    """The archive stack's vault (deployed with the archive account's credentials)."""

    name: VaultName = Field(description="Archive vault name. Required.")
    source_account_ids: list[AccountId] = Field(
        default_factory=list,
        description="Accounts allowed to copy in (quoted, 12 digits). Required unless source_organization_id.",
    )
    source_organization_id: Optional[OrganizationId] = Field(
        None, description="Allow every account of this AWS Organization instead. Default: none."
    )
    min_retention_days: Days = Field(description="Lock minimum retention (>= 7 when air-gapped). Required.")
    max_retention_days: Days = Field(description="Lock maximum retention. Required.")
    changeable_for_days: Optional[int] = Field(
        3, description="Compliance lock grace period, 3-36500 days; null for governance mode. Default: 3."
    )
    air_gapped: bool = Field(False, description="A logically air-gapped vault instead. Default: false.")
    kms_key: KmsKey = Field(
        CREATE_KEY,
        description="'create' (a customer-managed key shared with the sources) or a key ARN. Default: 'create'.",
    )
    break_glass_role_arn: Optional[RoleArn] = Field(None, description="Role still allowed deletions. Default: none.")
    protect: bool = Field(True, description="Protect vault, lock and key. Default: true.")
    policy_statements: list[PolicyStatement] = Field(
        default_factory=list,
        description="Statements of your own for the vault's access policy, added after the deny-deletions and "
        "copy-in statements (e.g. a Deny of copies from outside the organization). Default: none.",
    )

    @model_validator(mode="after")
    def _checks(self) -> ArchiveVaultConfig:
        problems: list[tuple[str, Any, str, str]] = _statement_problems(
            self.policy_statements, True, self.break_glass_role_arn
        )
        if not self.source_account_ids and not self.source_organization_id:
            problems.append(
                (
                    "source_account_ids",
                    [],
                    "nobody could copy into this archive vault",
                    "list the source accounts, or give source_organization_id",
                )
            )
        if self.kms_key == AWS_MANAGED_KEY:
            problems.append(
                (
                    "kms_key",
                    self.kms_key,
                    "the AWS-managed key cannot be shared with the source accounts",
                    "use 'create' or a customer-managed key ARN",
                )
            )
        lock = lock_problem(
            self.min_retention_days, self.max_retention_days, self.changeable_for_days, air_gapped=self.air_gapped
        )
        if lock:
            problems.append(lock)
        if problems:
            raise cross_field_error(problems)
        return self


class NotificationsConfig(_Model):
    """An encrypted SNS topic told about failed backup jobs, failed copies and restores."""

    vault_events: VaultEvents = Field(
        default_factory=lambda: list(DEFAULT_VAULT_EVENTS),
        description="AWS Backup vault events to publish. Default: COPY_JOB_FAILED, RESTORE_JOB_STARTED, "
        "RESTORE_JOB_COMPLETED, RECOVERY_POINT_MODIFIED.",
    )
    failed_jobs_rule: bool = Field(
        True,
        description="EventBridge rule publishing failed, aborted and expired backup jobs (the vault's "
        "BACKUP_JOB_FAILED event is deprecated). Default: true (false in the archive stack, which runs no jobs).",
    )
    completed_with_issues_rule: bool = Field(
        True,
        description="EventBridge rule publishing EC2 backup jobs that completed with a status message (the "
        "console's 'Completed with issues'): for Windows VSS, the VSS part failed and only a crash-consistent "
        "backup was taken. Only in stacks with a windows_vss plan. Default: true.",
    )
    email_subscribers: list[Email] = Field(
        default_factory=list, description="Email addresses to subscribe (each confirms by email). Default: none."
    )


class VssInstancesConfig(_Model):
    """The EC2 side of Windows VSS: an instance profile and the AwsVssComponents package, kept current."""

    schedule: AssociationSchedule = Field(
        DEFAULT_VSS_SCHEDULE,
        description="How often State Manager re-applies AwsVssComponents, as Systems Manager writes schedules: "
        "rate(N unit) with the unit singular for 1 and plural above (rate(1 day), rate(7 days)), 30 minutes to "
        "less than 31 days apart; or cron(Minutes Hours Day-of-month * Day-of-week Year). Default: 'rate(7 days)'.",
    )


class RestoreMetadataOverridesConfig(_Model):
    """EC2 restore settings a restore test uses instead of the ones AWS Backup infers."""

    instance_type: Optional[InstanceType] = Field(
        restore_testing.DEFAULT_INSTANCE_TYPE,
        description="Instance type of the restored instance; never one too small for VSS (t2/t3/t3a nano and "
        "micro); null restores the backed-up instance's own type. Default: 't3.large'.",
    )
    subnet_id: Optional[SubnetId] = Field(
        None,
        description="Subnet the instance is restored into, e.g. 'subnet-0123456789abcdef0'. Default: the default "
        "VPC's (the test fails in a region without a default VPC).",
    )
    security_group_ids: list[SecurityGroupId] = Field(
        default_factory=list,
        description="Security groups of the restored instance, e.g. ['sg-0123456789abcdef0'] (sent as the "
        "JSON-array string AWS requires). With validation they must let the instance reach Systems Manager "
        "(outbound HTTPS). Default: none (AWS Backup's default for the subnet's VPC).",
    )
    require_imds_v2: Optional[bool] = Field(
        None, description="Require IMDSv2 on the restored instance. Default: not sent (AWS Backup infers true)."
    )
    other: dict[str, str] = Field(
        default_factory=dict,
        description="More restore metadata keys, sent as written (e.g. vpcId, which one copy of AWS's page lists): "
        "a key AWS's guide does not list as overridable is warned about, not refused. Default: none.",
    )

    #: Config fields by the AWS key they set.
    _FIELDS: ClassVar[dict[str, str]] = {
        "instance_type": "instanceType",
        "subnet_id": "subnetId",
        "security_group_ids": "securityGroupIds",
        "require_imds_v2": "requireImdsV2",
    }

    @model_validator(mode="after")
    def _other_keys_not_fields(self) -> RestoreMetadataOverridesConfig:
        fields = {key.lower(): field for field, key in self._FIELDS.items()}
        problems: list[tuple[str, Any, str, str]] = [
            (f"other.{key}", value, f"{key} has its own setting here", f"set {fields[key.lower()]} instead")
            for key, value in self.other.items()
            if key.lower() in fields
        ]
        other_problem = restore_testing.restore_metadata_overrides(self.other)
        if other_problem:
            problems.append(("other", self.other, other_problem.rule, other_problem.fix))
        if problems:
            raise cross_field_error(problems)
        return self

    def as_metadata(self) -> dict[str, str]:
        """The overrides as AWS Backup's restore metadata keys (strings, lists JSON-encoded)."""
        metadata = {}
        if self.instance_type is not None:
            metadata["instanceType"] = self.instance_type
        if self.subnet_id is not None:
            metadata["subnetId"] = self.subnet_id
        if self.security_group_ids:
            # "override values that represent lists ... must be specified as JSON-array-encoded strings"
            # (AWS Backup guide, "Restore testing inferred metadata").
            metadata["securityGroupIds"] = json.dumps(self.security_group_ids)
        if self.require_imds_v2 is not None:
            metadata["requireImdsV2"] = "true" if self.require_imds_v2 else "false"
        return {**metadata, **self.other}


class RestoreValidationConfig(_Model):
    """Checks inside each restored instance, reported to AWS Backup as the restore test's validation result:
    it answers SSM, its VSS writers are stable, the named services run, no critical System event since boot
    (and, with malware_scanning, its recovery point's latest scan found no malware)."""

    required_services: ServiceNames = Field(
        default_factory=list,
        description="Windows services that must be running, by short name (e.g. 'MSSQLSERVER', 'W3SVC'). "
        "Default: none.",
    )
    log_retention_days: LogRetentionDays = Field(
        restore_validation.DEFAULT_LOG_RETENTION_DAYS,
        description="Days the validation function's CloudWatch log is kept (a CloudWatch Logs retention value: "
        "1, 3, 5, 7, 14, 30, 60, 90, ...). Default: 30.",
    )
    instance_role_arns: list[RoleArn] = Field(
        default_factory=list,
        description="Roles of the instance profiles on the Windows instances, if not the vss_instances role: the "
        "restore role may pass them, so restored instances keep their profile and answer SSM. Default: none (the "
        "vss_instances role is always included).",
    )


class RestoreTestingConfig(_Model):
    """Scheduled restore tests: AWS Backup restores the Windows VSS plans' instances from this stack's vault,
    keeps each restored instance for the validation window, then deletes it."""

    name: RestoreTestingName = Field(
        description="Restore testing plan name, 1-50 letters, digits or '_' (no '-'). AWS cannot rename a restore "
        "testing plan: changing this replaces the plan and its selection. Required."
    )
    schedule: Schedule = Field(
        description="When tests start, cron(Minutes Hours Day-of-month Month Day-of-week Year), e.g. "
        "'cron(0 6 ? * MON *)' (Mondays 06:00, after Sunday's backups). Every test launches, then deletes, a "
        "copy of each selected instance. Required."
    )
    timezone: Optional[TimeZone] = Field(
        None, description="IANA time zone the schedule is read in, e.g. 'Europe/Berlin'. Default: UTC."
    )
    start_window_hours: StartWindowHours = Field(
        restore_testing.DEFAULT_START_WINDOW_HOURS,
        description="Hours a test may wait to start before it is cancelled, 1-168. Default: 24.",
    )
    algorithm: Literal["LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW"] = Field(
        "LATEST_WITHIN_WINDOW",
        description="Which recovery point is restored: the latest, or a random one, within the selection window. "
        "Default: LATEST_WITHIN_WINDOW.",
    )
    selection_window_days: SelectionWindowDays = Field(
        restore_testing.DEFAULT_SELECTION_WINDOW_DAYS,
        description="Recovery points from the last this many days are candidates, 1-365. Default: 30.",
    )
    selection_name: RestoreTestingName = Field(
        restore_testing.DEFAULT_SELECTION_NAME,
        description="Name of the EC2 selection, 1-50 letters, digits or '_'. Default: 'windows_ec2'.",
    )
    selection_tags: Optional[RestoreTestTags] = Field(
        None,
        description="Tags of the instances to test; an instance must carry all of them. Default: the selection tag "
        "of the plans with windows_vss (which must then be one key and value).",
    )
    validation_window_hours: Optional[ValidationWindowHours] = Field(
        None,
        description="Hours each restored instance is kept for validation, 0-168 (1-168 with validation). "
        "Default: 4 with validation, else none (deleted as soon as the restore job completes).",
    )
    restore_metadata_overrides: RestoreMetadataOverridesConfig = Field(
        default_factory=RestoreMetadataOverridesConfig,
        description="Restore settings to use instead of the inferred ones. Default: instance type t3.large.",
    )
    validation: Optional[RestoreValidationConfig] = Field(
        None,
        description="Check inside each restored instance and report the verdict to AWS Backup (a Lambda function "
        "driven by a Step Functions state machine; restored instances keep their instance profile). Default: none.",
    )
    include_vaults: Optional[list[RestoreTestVault]] = Field(
        None,
        min_length=1,
        description="Vaults of this region whose recovery points are tested: vault names of this account (the "
        "stack's, 'Default', a rule's air-gapped vault), vault ARNs ('*' may stand for part of one; another account's "
        "only for a logically air-gapped vault it shares with this one through AWS RAM, warned) or '*' for every "
        "vault. Restore tests run in the stack's region: test copy B from its region's stack. Default: the stack's "
        "vault, and the air-gapped vaults the tested plans' rules back up into (the stack's vault keeps only "
        "temporary recovery points of those rules, which restore testing ignores).",
    )
    exclude_vaults: list[RestoreTestVault] = Field(
        default_factory=list, description="Vaults to leave out, written as in include_vaults. Default: none."
    )

    @model_validator(mode="after")
    def _time_to_validate(self) -> RestoreTestingConfig:
        hours = self.validation_window_hours
        violation = (
            restore_testing.validation_window_hours(hours, validating=self.validation is not None)
            if hours is not None
            else None
        )
        if violation:
            raise cross_field_error([("validation_window_hours", hours, violation.rule, violation.fix)])
        return self


class MalwareScanningConfig(_Model):
    """GuardDuty Malware Protection for AWS Backup: each new recovery point of the plans is scanned for malware
    (billed by GuardDuty per GB scanned), with a scanner role this stack creates."""

    scan_mode: Literal["FULL_SCAN", "INCREMENTAL_SCAN"] = Field(
        malware_scanning.DEFAULT_SCAN_MODE,
        description="INCREMENTAL_SCAN (only the files changed since the recovery point it compares with: malware "
        "already there before is found only by a full scan) or FULL_SCAN. Default: INCREMENTAL_SCAN.",
    )
    resource_types: ScanResourceTypes = Field(
        default_factory=lambda: list(malware_scanning.SCAN_RESOURCE_TYPES),
        description="Recovery points to scan: EC2, EBS or both. Default: [EC2, EBS].",
    )
    plans: Optional[list[PlanName]] = Field(
        None, description="Names of the plans to scan. Default: every plan of the stack."
    )


class ControlScopeConfig(_Model):
    """What a control judges (one of: resource types, one tag, or resource IDs of one type)."""

    resource_ids: list[str] = Field(
        default_factory=list, description="IDs of the resources to judge, 1-100, with one resource type. Default: none."
    )
    resource_types: list[str] = Field(
        default_factory=list,
        description="Resource types to judge, e.g. ['EBS'] or ['AWS::EC2::Instance']. Default: any.",
    )
    tags: TagFilter = Field(default_factory=dict, description="The one tag the judged resources carry. Default: none.")


class ControlConfig(_Model):
    """A control of the audit framework, as AWS Backup Audit Manager names it."""

    name: str = Field(
        description="Control name as AWS documents it, e.g. BACKUP_RECOVERY_POINT_ENCRYPTED (an unknown name is "
        "warned about). Required."
    )
    parameters: dict[str, str | int | bool] = Field(
        default_factory=dict,
        description="Input parameters, e.g. {requiredRetentionDays: 35}; checked against the ones AWS documents for "
        "the control. Default: none (the control's defaults).",
    )
    scope: Optional[ControlScopeConfig] = Field(
        None, description="What the control judges. Default: every resource of the account and region."
    )


class ReportConfig(_Model):
    """A report plan of your own: which template, which accounts, Regions and frameworks it covers."""

    name: AuditName = Field(description="Report plan name: a letter, then letters, digits or '_'. Required.")
    template: audit.ReportTemplate = Field(description="Report template. Required.")
    formats: ReportFormats = Field(
        default_factory=lambda: list(audit.DEFAULT_CUSTOM_REPORT_FORMATS),
        description="CSV, JSON or both; reports across accounts or Regions are CSV only. Default: [CSV].",
    )
    accounts: list[str] = Field(
        default_factory=list,
        description="Accounts covered (12-digit IDs, or ROOT for the whole organization; management or delegated "
        "administrator account only). Default: this account.",
    )
    organization_units: list[str] = Field(
        default_factory=list, description="Organizational units covered (ou-...). Default: none."
    )
    regions: list[str] = Field(
        default_factory=list, description="Regions covered (codes, or '*' for all). Default: this region."
    )
    framework_arns: list[str] = Field(
        default_factory=list,
        description="Frameworks a compliance report covers (RESOURCE_ or CONTROL_COMPLIANCE_REPORT only). "
        "Default: none.",
    )
    description: Optional[str] = Field(None, description="Description. Default: none.")


class AuditConfig(_Model):
    """AWS Backup Audit Manager: a framework of controls matching this stack's promises, and daily reports in
    an encrypted, private, versioned S3 bucket. Needs AWS Config recording (see README)."""

    framework_name: AuditName = Field(
        audit.DEFAULT_FRAMEWORK_NAME,
        description="Framework name: a letter, then letters, digits or '_'. Report plans are named from it "
        "(<name>_controls, <name>_backup_jobs, ...); changing it replaces them. Default: 'windows_server_backup'.",
    )
    scope_tag: Optional[ScopeTag] = Field(
        None,
        description="The one tag whose plans, recovery points and resources the controls judge ({} for every one "
        "in the region); tag the Windows instances and volumes with it too. Default: the stack's tags when they are "
        "a single tag.",
    )
    job_reports: JobReports = Field(
        default_factory=lambda: list(audit.DEFAULT_JOB_REPORTS),
        description="Daily job reports besides the control compliance report: BACKUP_JOB_REPORT, COPY_JOB_REPORT, "
        "RESTORE_JOB_REPORT. Default: [BACKUP_JOB_REPORT].",
    )
    report_formats: ReportFormats = Field(
        default_factory=lambda: list(audit.DEFAULT_REPORT_FORMATS),
        description="Report file formats: CSV, JSON or both. Default: [CSV, JSON].",
    )
    report_retention_days: ReportRetentionDays = Field(
        audit.DEFAULT_REPORT_RETENTION_DAYS,
        description="Days reports are kept in the bucket before they expire, 1-36500. Default: 365.",
    )
    stack_controls: Optional[bool] = Field(
        None,
        description="The controls that follow the stack's plans, copies and vault. Default: on when the stack has "
        "plans.",
    )
    controls: list[ControlConfig] = Field(
        default_factory=list, description="Controls of your own, after the stack's (at most 50 in all). Default: none."
    )
    reports: list[ReportConfig] = Field(
        default_factory=list,
        description="Report plans of your own, e.g. job reports across the organization's accounts. Default: none.",
    )
    report_bucket: Optional[BucketName] = Field(
        None,
        description="An existing bucket of this account to deliver the reports to, instead of one this stack creates; "
        "its policy must let Audit Manager write (see README). Default: create one.",
    )
    report_key_prefix: Optional[str] = Field(None, description="Key prefix of every report. Default: none.")

    @model_validator(mode="after")
    def _room_for_report_plans(self) -> AuditConfig:
        problems: list[tuple[str, Any, str, str]] = []
        violation = audit.framework_name(self.framework_name, self.job_reports)
        if violation:
            problems.append(("framework_name", self.framework_name, violation.rule, violation.fix))
        controls = [control.model_dump() for control in self.controls]
        found, _ = audit_controls.controls_problems(controls)  # unknown names warn when the stack runs
        taken = list(audit.report_plan_names(self.framework_name, self.job_reports).values())
        reported, _ = audit.reports_problems([report.model_dump() for report in self.reports], taken)
        reports = [report.model_dump() for report in self.reports]
        problems += [(f"controls{path}", value_at(controls, path), v.rule, v.fix) for path, v in found]
        problems += [(f"reports{path}", value_at(reports, path), v.rule, v.fix) for path, v in reported]
        if problems:
            raise cross_field_error(problems)
        return self


class RegionSettingsConfig(_Model):
    """The region's AWS Backup settings, for the resource types named only (others stay as they are). They
    belong to the account and region: hold this section in one stack per account and region. Every `pulumi
    preview` after the first `pulumi up` shows the types not named as removed and plans an update that changes
    nothing else (the provider keeps the region's whole map): read it as noise, or name every type `aws backup
    describe-region-settings` lists, with its value, for a preview without it."""

    opt_in: dict[str, bool] = Field(
        min_length=1,
        description="Resource type to whether AWS Backup protects it here, e.g. {EC2: true, EBS: true}; selections "
        "by tag skip types that are off. Required.",
    )
    full_management: dict[str, bool] = Field(
        default_factory=dict,
        description="Resource type to full AWS Backup management (e.g. {DynamoDB: true}); types AWS Backup is not "
        "known to fully manage (EC2, EBS, Aurora, FSx, RDS, DocumentDB, Neptune, Storage Gateway) are warned about. "
        "Default: none.",
    )

    @model_validator(mode="after")
    def _types(self) -> RegionSettingsConfig:
        problems = [
            (key, value, violation.rule, violation.fix)
            for key, value, violation in (
                ("opt_in", self.opt_in, region_settings.resource_types_problem(self.opt_in)),
                ("full_management", self.full_management, region_settings.resource_types_problem(self.full_management)),
            )
            if violation
        ]
        if problems:
            raise cross_field_error(problems)
        return self


class OrgTargetsConfig(_Model):
    """Who gets the plans: AWS Organizations OUs (or the root), optionally narrowed to some of their accounts."""

    organizational_unit_ids: list[OrganizationalUnitId] = Field(
        min_length=1,
        max_length=org_checks.MAX_OUS_PER_OPERATION,
        description="OUs ('ou-ab12-cd34ef56') or the root ('r-ab12') whose accounts, child OUs' included, are backed "
        "up; accounts added to them later are picked up automatically. The management account never gets the "
        "StackSet's vault and role. Required.",
    )
    account_ids: list[AccountId] = Field(
        default_factory=list,
        description="Only these accounts of those OUs (quoted, 12 digits): the policies are attached to them and the "
        "StackSet deploys to them alone; accounts added later are not picked up. Default: every account of the OUs.",
    )


class OrgCrossRegionConfig(_CopyLifecycle):
    """Copy B across the organization: each backed-up region copies to a vault the StackSet creates in another."""

    copy_regions: dict[Region, Region] = Field(
        description="For every region in organization.regions, the region its copies go to, e.g. "
        "{us-east-1: us-west-2, us-west-2: us-east-1}. Required."
    )
    vault_name: VaultName = Field(
        description="Copy vault created in every copy region of every member account; must differ from vault.name. "
        "Required."
    )
    kms_key: Literal["aws/backup", "create"] = Field(
        AWS_MANAGED_KEY, description="Key of the copy vaults: 'aws/backup' or 'create'. Default: 'aws/backup'."
    )
    lock: Optional[LockConfig] = Field(None, description="Vault Lock of the copy vaults. Default: none.")


class OrgVssInstancesConfig(_Model):
    """The EC2 side of Windows VSS in every member account: the instance role and profile, and the
    AwsVssComponents association on the VSS plans' instances (as vss_instances in a per-account stack)."""

    enabled: Optional[bool] = Field(
        None,
        description="Create them in every member account. Default: when a plan has windows_vss (its instances are "
        "found by the plan's selection tags).",
    )
    schedule: AssociationSchedule = Field(
        DEFAULT_VSS_SCHEDULE,
        description="How often State Manager re-applies AwsVssComponents, as Systems Manager writes schedules (see "
        "vss_instances.schedule). Default: 'rate(7 days)'.",
    )
    instance_role_name: RoleName = Field(
        DEFAULT_VSS_INSTANCE_ROLE,
        description="Name of the instance role and its instance profile in every member account (created in "
        f"role_region): put the profile on the Windows instances. Default: '{DEFAULT_VSS_INSTANCE_ROLE}'.",
    )


class StackSetConfig(_Model):
    """How the StackSet of the member resources deploys (CloudFormation StackSet operation preferences)."""

    name: StackSetName = Field(
        DEFAULT_STACK_SET_NAME,
        description="StackSet name: letters, digits and '-', starting with a letter. Default: "
        f"'{DEFAULT_STACK_SET_NAME}'.",
    )
    call_as: Literal["SELF", "DELEGATED_ADMIN"] = Field(
        "SELF",
        description="SELF when this stack runs in the management account, DELEGATED_ADMIN in a StackSets delegated "
        "administrator account. Default: SELF.",
    )
    failure_tolerance_count: Optional[int] = Field(
        None, ge=0, description="Accounts per region that may fail before the operation stops. Default: 0."
    )
    failure_tolerance_percentage: Optional[int] = Field(
        None, ge=0, le=100, description="The same as a percentage of the accounts, instead of the count. Default: none."
    )
    max_concurrent_count: Optional[int] = Field(
        None,
        ge=1,
        description="Accounts deployed at once; at most failure_tolerance_count + 1. Default: 1.",
    )
    max_concurrent_percentage: Optional[int] = Field(
        None, ge=1, le=100, description="The same as a percentage of the accounts, instead of the count. Default: none."
    )
    region_concurrency: Literal["SEQUENTIAL", "PARALLEL"] = Field(
        "SEQUENTIAL", description="Deploy the regions one after the other, or at once. Default: SEQUENTIAL."
    )
    retain_stacks_on_account_removal: bool = Field(
        True,
        description="Keep an account's member stacks (vaults, keys, role) when it leaves the OUs. Vaults and keys "
        "are kept either way (DeletionPolicy Retain). Default: true.",
    )


class BackupGlobalSettingsConfig(_Model):
    """The organization's AWS Backup settings (UpdateGlobalSettings): all three are always sent."""

    cross_account_backup: bool = Field(
        True, description="Let accounts copy backups to other accounts (copy C needs it). Default: true."
    )
    multi_party_approval: bool = Field(
        False,
        description="Multi-party approval for logically air-gapped vaults. Default: false (turns it off if it was "
        "on: check `aws backup describe-global-settings` first).",
    )
    delegated_administrator: bool = Field(
        False,
        description="Let AWS Backup synchronize delegated administrator permissions with Organizations. Default: "
        "false.",
    )


class OrganizationConfig(_Model):
    """Makes this the organization stack: a backup policy per plan for the target OUs, and a StackSet that creates
    the vault, its key and the role in every member account and region. Run it with the management account's (or
    a delegated administrator's) credentials."""

    targets: OrgTargetsConfig = Field(description="The OUs (and optionally accounts) that get the plans. Required.")
    regions: list[Region] = Field(
        min_length=1, description="Regions the plans back up; the StackSet deploys to them (and the copy regions)."
    )
    role_region: Optional[Region] = Field(
        None,
        description="Region whose member stacks create the IAM role (IAM is global); the StackSet deploys there "
        "first, even if it backs nothing up there. Never change it once deployed: the role is retained, so another "
        "region could not create it again (change role.name with it; docs/organization.md). "
        "Default: this stack's aws:region.",
    )
    cross_region: Optional[OrgCrossRegionConfig] = Field(
        None, description="Copy B: a vault in another region of every member account. Default: none."
    )
    vss_instances: OrgVssInstancesConfig = Field(
        default_factory=OrgVssInstancesConfig,
        description="The Windows VSS plans' instance side in every member account. Default: on when a plan has "
        "windows_vss.",
    )
    stack_set: StackSetConfig = Field(
        default_factory=StackSetConfig, description="StackSet settings. Default: AWS's operation defaults."
    )
    policy_name_prefix: str = Field(
        DEFAULT_POLICY_NAME_PREFIX,
        min_length=1,
        max_length=78,
        description="Prefix of the backup policies' names (<prefix><plan name>, at most 128 characters). Default: "
        f"'{DEFAULT_POLICY_NAME_PREFIX}'.",
    )
    delegated_administrator_account_id: Optional[AccountId] = Field(
        None,
        description="Register this account as AWS Backup's delegated administrator (management account only). "
        "Default: none.",
    )
    backup_global_settings: Optional[BackupGlobalSettingsConfig] = Field(
        None,
        description="Manage the organization's AWS Backup settings (management account only). Default: none "
        "(not managed).",
    )


ArchiveInThisProgramConfig.model_rebuild()
RuleConfig.model_rebuild()
PlanConfig.model_rebuild()


class StackConfig(_Model):
    """Everything under the ``windows-server-backup:`` namespace of a stack's config.

    A source stack has ``vault`` and ``plans`` (and optionally ``cross_region`` and ``archive``);
    the archive stack has only ``archive_vault``. A stack may also hold a vault alone, or only
    ``audit`` or ``region_settings``.
    """

    vault: Optional[VaultConfig] = Field(
        None, description="The stack's vault. Required with plans; alone, a vault-only stack (e.g. a copy destination)."
    )
    role: RoleConfig = Field(default_factory=RoleConfig, description="The AWS Backup service role.")
    plans: list[PlanConfig] = Field(
        default_factory=list, description="Backup plans, writing to the stack's vault. Default: none."
    )
    cross_region: Optional[CrossRegionConfig] = Field(None, description="Copy B: a second region. Default: none.")
    archive: Optional[ArchiveCopyConfig] = Field(None, description="Copy C: the archive account. Default: none.")
    notifications: Optional[NotificationsConfig] = Field(
        None, description="Notifications about failed jobs, failed copies and restores. Default: none."
    )
    vss_instances: Optional[VssInstancesConfig] = Field(
        None,
        description="Instance profile and AwsVssComponents association for the instances of the plans with "
        "windows_vss. Default: none.",
    )
    restore_testing: Optional[RestoreTestingConfig] = Field(
        None,
        description="Scheduled restore tests of the Windows VSS plans' instances, with their own restore role. "
        "Default: none.",
    )
    audit: Optional[AuditConfig] = Field(
        None,
        description="AWS Backup Audit Manager framework and daily reports in an S3 bucket of this stack. "
        "Default: none (off).",
    )
    malware_scanning: Optional[MalwareScanningConfig] = Field(
        None,
        description="GuardDuty malware scans of each new recovery point (billed per GB scanned). Default: none (off).",
    )
    enable_cross_account_backup: bool = Field(
        False,
        description="Turn on AWS Backup cross-account backup for the organization (only in the Organizations "
        "management account's stack). All three global settings are sent: multi-party approval and delegated "
        "administrator synchronization are set off. Default: false.",
    )
    region_settings: Optional[RegionSettingsConfig] = Field(
        None,
        description="The region's AWS Backup opt-in and full management, for the resource types named; shared by "
        "every stack of the account in the region. Default: none (left as they are).",
    )
    archive_vault: Optional[ArchiveVaultConfig] = Field(
        None, description="Makes this the archive stack: the vault that receives copy C. Default: none."
    )
    organization: Optional[OrganizationConfig] = Field(
        None,
        description="Makes this the organization stack: the plans go to every account of AWS Organizations OUs "
        "through backup policies and a StackSet. Default: none.",
    )
    tags: Tags = Field(default_factory=dict, description="Tags for every taggable resource. Default: none.")

    @model_validator(mode="after")
    def _shape(self) -> StackConfig:
        problems: list[tuple[str, Any, str, str]] = []
        if self.organization is not None:
            problems += self._organization_stack()
        elif self.archive_vault is not None:
            source_only = ("vault", "cross_region", "archive", "vss_instances", "restore_testing", "audit")
            for key in (*source_only, "malware_scanning", "region_settings"):
                if getattr(self, key) is not None:
                    problems.append(
                        (
                            key,
                            "...",
                            "the archive stack only holds the archive vault",
                            f"move {key} to a source stack's file, or remove archive_vault",
                        )
                    )
            if self.plans:
                problems.append(
                    (
                        "plans",
                        "...",
                        "the archive stack only holds the archive vault",
                        "move the plans to a source stack's file",
                    )
                )
        else:
            present = stack_checks.present_sections(self.model_dump(exclude_none=True))
            problems += [
                (path, "..." if getattr(self, path) is not None else None, violation.rule, violation.fix)
                for path, violation in stack_checks.shape_problems(present)
            ]
            if self.vault is not None and self.vault.break_glass_role_name:
                problems.append(
                    (
                        "vault.break_glass_role_name",
                        self.vault.break_glass_role_name,
                        "a role name stands for the role in each member account of the organization stack",
                        "give vault.break_glass_role_arn: the role's ARN in this stack's account",
                    )
                )
        names = [plan.name for plan in self.plans]
        problems += [
            (f"plans[{index}].name", plan_name, "plan names must be unique in a region", "rename one of them")
            for index, plan_name in enumerate(names)
            if names.index(plan_name) != index
        ]
        if problems:
            raise cross_field_error(problems)
        return self

    def _organization_stack(self) -> list[tuple[str, Any, str, str]]:
        """The organization stack runs in the management account: it holds no per-account resources."""
        problems: list[tuple[str, Any, str, str]] = []
        moved = {
            "cross_region": "use organization.cross_region (copy_regions per backed-up region)",
            "enable_cross_account_backup": "use organization.backup_global_settings",
            "vss_instances": "use organization.vss_instances (on by default when a plan has windows_vss)",
        }
        for key in (
            "archive_vault",
            "cross_region",
            "notifications",
            "vss_instances",
            "restore_testing",
            "audit",
            "malware_scanning",
            "enable_cross_account_backup",
            "region_settings",
        ):
            if getattr(self, key) not in (None, False):
                problems.append(
                    (
                        key,
                        "...",
                        "the organization stack deploys from the management account and holds no per-account resources",
                        moved.get(key, f"move {key} to a per-account stack's file"),
                    )
                )
        if self.vault is None:
            problems.append(
                (
                    "vault",
                    None,
                    "the organization stack needs the vault its policies write to (the StackSet creates it)",
                    "add vault: {name: backup-vault}",
                )
            )
        elif self.vault.kms_key not in (AWS_MANAGED_KEY, CREATE_KEY):
            problems.append(
                (
                    "vault.kms_key",
                    self.vault.kms_key,
                    "a key ARN belongs to one account and region, and the member vaults are in many",
                    "use 'create' (a key per account and region) or 'aws/backup'",
                )
            )
        if self.vault is not None and self.vault.break_glass_role_arn:
            violation = org_checks.member_break_glass_arn()
            problems.append(
                ("vault.break_glass_role_arn", self.vault.break_glass_role_arn, violation.rule, violation.fix)
            )
        if not self.plans:
            problems.append(("plans", [], "the organization stack needs at least one plan", "add a plan"))
        if self.role.existing_arn:
            problems.append(
                (
                    "role.existing_arn",
                    self.role.existing_arn,
                    "the policies name one role for every account, which the StackSet creates",
                    "remove existing_arn and give role.name",
                )
            )
        elif not self.role.name:
            problems.append(
                (
                    "role.name",
                    None,
                    "the policies name the role in every member account (arn:aws:iam::$account:role/<name>)",
                    "give role.name, e.g. 'windows-server-backup'",
                )
            )
        if self.archive is not None and self.archive.deploy_here is not None:
            problems.append(
                (
                    "archive.deploy_here",
                    "...",
                    "the organization stack never deploys into the archive account",
                    "deploy the archive stack with the archive account's credentials and give its vault_arn",
                )
            )
        return problems + self._organization_vault_options()

    def _organization_vault_options(self) -> list[tuple[str, Any, str, str]]:
        """Options of a stack's own vault and rules that the StackSet's member vaults and the backup
        policies do not carry: refused rather than silently dropped."""
        problems: list[tuple[str, Any, str, str]] = []
        vault = self.vault
        if vault is not None and vault.policy_statements:
            problems.append(
                (
                    "vault.policy_statements",
                    "...",
                    "the StackSet gives every member vault the program's own access policy only",
                    "remove policy_statements from the organization stack",
                )
            )
        if vault is not None and vault.force_destroy:
            problems.append(
                ("vault.force_destroy", True, "member vaults are retained, never force-destroyed", "remove it")
            )
        if vault is not None and vault.policy_admin_role_arns:
            problems.append(
                (
                    "vault.policy_admin_role_arns",
                    vault.policy_admin_role_arns,
                    "the StackSet gives every member vault the program's own access policy only",
                    "remove policy_admin_role_arns from the organization stack",
                )
            )
        for plan_index, plan in enumerate(self.plans):
            for rule_index, rule in enumerate(plan.rules):
                for key in ("target_vault_name", "air_gapped_target"):
                    if getattr(rule, key) is not None:
                        problems.append(
                            (
                                f"plans[{plan_index}].rules[{rule_index}].{key}",
                                "...",
                                "the organization's backup policies write every rule to the StackSet's vault",
                                f"remove {key}, or back this up from a per-account stack",
                            )
                        )
        return problems
