"""The stack's backup settings, as pydantic models: every AWS rule checked before deploying.

These models describe the keys under the project's namespace in ``Pulumi.<stack>.yaml``
(``windows-server-backup:vault``, ``:role``, ``:plans``, ``:tags``). Each AWS rule lives once, in
``components.rules``; the models attach it to a field so the error carries the key path.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Any, Optional

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator
from pydantic_core import PydanticCustomError

from components import rules

#: Value of ``vault.kms_key`` that means the AWS-managed key of the region.
AWS_MANAGED_KEY = "aws/backup"
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
    return None if value == AWS_MANAGED_KEY else rules.kms_key_arn(value)


VaultName = Annotated[str, _enforce(rules.vault_name)]
PlanName = Annotated[str, _enforce(rules.plan_name)]
RuleName = Annotated[str, _enforce(rules.rule_name)]
SelectionName = Annotated[str, _enforce(rules.selection_name)]
Schedule = Annotated[str, _enforce(rules.schedule)]
TimeZone = Annotated[str, _enforce(rules.timezone)]
StartWindow = Annotated[int, _enforce(rules.start_window)]
CompletionWindow = Annotated[int, _enforce(rules.completion_window)]
Tags = Annotated[dict[str, str], _enforce(rules.tags)]
Arns = Annotated[list[str], _enforce(rules.selection_arns)]
KmsKey = Annotated[str, _enforce(_kms_key)]
RoleName = Annotated[str, _enforce(rules.iam_role_name)]
RoleArn = Annotated[str, _enforce(rules.iam_role_arn)]
Days = Annotated[int, Field(ge=1, le=rules.DELETE_AFTER_MAX)]


def cross_field_error(problems: list[tuple[str, Any, str, str]]) -> PydanticCustomError:
    """One error carrying several ``(sub-path, value, rule, fix)`` problems of one model."""
    return PydanticCustomError("cross_field", "{count} problems", {"count": len(problems), "problems": problems})


class _Model(BaseModel):
    # strict: "yes" is not a bool and "30" not a number; extra keys are typos, not silence.
    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class VaultConfig(_Model):
    """The stack's vault (copy A of 3-2-1)."""

    name: VaultName = Field(
        description="Vault name, 2-50 letters, digits, '-' or '_'. Changing it replaces the vault "
        "(Pulumi refuses while the vault is protected). Required."
    )
    kms_key: KmsKey = Field(
        AWS_MANAGED_KEY,
        description="'aws/backup' for the region's AWS-managed key (as in the article), or the ARN of a "
        "customer-managed KMS key. Default: 'aws/backup'.",
    )
    protect: bool = Field(
        True,
        description="Protect the vault from `pulumi destroy` and replacement. Default: true. Set false only "
        "to tear down a throwaway stack.",
    )
    tags: Tags = Field(default_factory=dict, description="Tags for the vault. Default: none.")


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
    allow_restores: bool = Field(
        True, description="Attach AWSBackupServiceRolePolicyForRestores too. Default: true."
    )
    tags: Tags = Field(default_factory=dict, description="Extra tags for the role. Default: none.")

    @model_validator(mode="after")
    def _create_or_bring(self) -> RoleConfig:
        if self.existing_arn and self.name:
            raise cross_field_error(
                [("name", self.name, "a role name is only used when this program creates the role",
                  "remove `name`, or remove `existing_arn` to create the role")]
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
        "least 90 more. Default: never.",
    )
    opt_in_to_archive: bool = Field(
        False, description="Let EC2 recovery points use the archive (cold) tier. Default: false."
    )
    continuous_backup: bool = Field(
        False, description="Continuous backup (not supported by EC2 and EBS). Default: false."
    )
    recovery_point_tags: Tags = Field(
        default_factory=dict, description="Tags put on each recovery point. Default: none."
    )

    @model_validator(mode="after")
    def _lifecycle(self) -> RuleConfig:
        violation = rules.lifecycle(self.delete_after_days, self.cold_storage_after_days, self.continuous_backup)
        if violation:
            value = {"delete_after_days": self.delete_after_days, "cold_storage_after_days": self.cold_storage_after_days}
            raise cross_field_error([("delete_after_days", value, violation.rule, violation.fix)])
        return self


class ConditionsConfig(_Model):
    """Tag conditions a resource must all meet (keys are tag keys, without 'aws:ResourceTag/')."""

    string_equals: Tags = Field(default_factory=dict, description="Tag equals value. Default: none.")
    string_not_equals: Tags = Field(default_factory=dict, description="Tag differs from value. Default: none.")
    string_like: Tags = Field(default_factory=dict, description="Tag matches pattern ('*'). Default: none.")
    string_not_like: Tags = Field(default_factory=dict, description="Tag does not match pattern. Default: none.")


class SelectionConfig(_Model):
    """What a plan backs up. Tag an instance or volume with one of `tags` to put it under the plan."""

    name: Optional[SelectionName] = Field(
        None, description="Selection name. Default: the plan's name (only when the plan has one selection)."
    )
    tags: Tags = Field(
        default_factory=dict,
        description="Resources with any of these tag key/value pairs are selected, e.g. "
        "{'alk:backup': 'weekly-ebs'}. Default: none.",
    )
    resources: Arns = Field(
        default_factory=list,
        description="Resource ARNs to select ('*' only at the end; ['*'] selects everything). Default: none.",
    )
    not_resources: Arns = Field(default_factory=list, description="Resource ARNs to leave out. Default: none.")
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
                [("tags", {}, "an empty selection backs up every opted-in resource of the account",
                  "select by tag (e.g. tags: {'alk:backup': 'weekly-ebs'}), or set resources: ['*'] "
                  "to mean everything")]
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
        for kind, items in (("rules", self.rules), ("selections", self.selections)):
            if len(items) > 1:
                for index, item in enumerate(items):
                    if item.name is None:
                        problems.append((f"{kind}[{index}].name", None,
                                         f"a name is required when a plan has more than one of its {kind}",
                                         "give each one a name"))
            names = [item.name or self.name for item in items]
            for index, (item, item_name) in enumerate(zip(items, names)):
                if item.name is not None and names.index(item_name) != index:
                    problems.append((f"{kind}[{index}].name", item_name, f"names of {kind} must be unique in a plan",
                                     "rename one of them"))
        if problems:
            raise cross_field_error(problems)
        return self

    def rule_name(self, index: int) -> str:
        """The rule's name, defaulting to the plan's."""
        return self.rules[index].name or self.name

    def selection_name(self, index: int) -> str:
        """The selection's name, defaulting to the plan's."""
        return self.selections[index].name or self.name


class StackConfig(_Model):
    """Everything under the ``windows-server-backup:`` namespace of a stack's config."""

    vault: VaultConfig = Field(description="The stack's vault. Required.")
    role: RoleConfig = Field(default_factory=RoleConfig, description="The AWS Backup service role.")
    plans: list[PlanConfig] = Field(min_length=1, description="Backup plans. Required.")
    tags: Tags = Field(default_factory=dict, description="Tags for every taggable resource. Default: none.")

    @model_validator(mode="after")
    def _unique_plans(self) -> StackConfig:
        names = [plan.name for plan in self.plans]
        problems = [
            (f"plans[{index}].name", plan_name, "plan names must be unique in a region", "rename one of them")
            for index, plan_name in enumerate(names)
            if names.index(plan_name) != index
        ]
        if problems:
            raise cross_field_error(problems)
        return self
