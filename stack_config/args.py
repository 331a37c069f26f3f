"""Translate the validated stack config into the components' plain arguments."""

from __future__ import annotations

from components import BackupRuleArgs, PlanSpec, SelectionSpec, WindowsServerBackupArgs

from .models import AWS_MANAGED_KEY, PlanConfig, StackConfig


def _rules(plan: PlanConfig) -> list[BackupRuleArgs]:
    return [
        BackupRuleArgs(
            name=plan.rule_name(index),
            schedule=rule.schedule,
            schedule_timezone=rule.timezone,
            start_window_minutes=rule.start_window_minutes,
            completion_window_minutes=rule.completion_window_minutes,
            delete_after_days=rule.delete_after_days,
            cold_storage_after_days=rule.cold_storage_after_days,
            opt_in_to_archive=rule.opt_in_to_archive,
            enable_continuous_backup=rule.continuous_backup,
            recovery_point_tags=dict(rule.recovery_point_tags),
        )
        for index, rule in enumerate(plan.rules)
    ]


def _selections(plan: PlanConfig) -> list[SelectionSpec]:
    selections: list[SelectionSpec] = []
    for index, selection in enumerate(plan.selections):
        conditions = selection.conditions
        selections.append(
            SelectionSpec(
                name=plan.selection_name(index),
                tags=dict(selection.tags),
                resources=list(selection.resources),
                not_resources=list(selection.not_resources),
                conditions={
                    "string_equals": dict(conditions.string_equals),
                    "string_not_equals": dict(conditions.string_not_equals),
                    "string_like": dict(conditions.string_like),
                    "string_not_like": dict(conditions.string_not_like),
                },
            )
        )
    return selections


def component_args(config: StackConfig) -> WindowsServerBackupArgs:
    """The :class:`components.WindowsServerBackup` arguments for a validated stack config."""
    plans = [
        PlanSpec(
            name=plan.name,
            rules=_rules(plan),
            selections=_selections(plan),
            windows_vss=plan.windows_vss,
            tags=dict(plan.tags),
        )
        for plan in config.plans
    ]
    args = WindowsServerBackupArgs(
        vault={
            "name": config.vault.name,
            "kms_key_arn": None if config.vault.kms_key == AWS_MANAGED_KEY else config.vault.kms_key,
            "protect": config.vault.protect,
            "tags": dict(config.vault.tags),
        },
        plans=plans,
        role={
            "role_name": config.role.name,
            "allow_restores": config.role.allow_restores,
            "tags": dict(config.role.tags),
        },
        tags=dict(config.tags),
    )
    if config.role.existing_arn:
        args["existing_role_arn"] = config.role.existing_arn
    return args
