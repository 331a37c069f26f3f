"""Translate the validated stack config into the components' plain arguments."""

from __future__ import annotations

from typing import Any, Optional, cast

import pulumi

from components import (
    ArchiveSpec,
    ArchiveVaultArgs,
    AuditSpec,
    ControlArgs,
    CrossRegionSpec,
    NotificationsSpec,
    OrganizationBackupArgs,
    OrgCrossRegionSpec,
    OrgVssInstancesSpec,
    PlanSpec,
    ReportPlanArgs,
    RestoreTestingSpec,
    SelectionSpec,
    StackRuleSpec,
    VaultLockArgs,
    VssInstancesSpec,
    WindowsServerBackupArgs,
)

from .models import (
    AWS_MANAGED_KEY,
    CREATE_KEY,
    ArchiveCopyConfig,
    ArchiveVaultConfig,
    AuditConfig,
    CrossRegionConfig,
    LockConfig,
    OrgCrossRegionConfig,
    PlanConfig,
    RuleConfig,
    StackConfig,
)


def _lock(lock: Optional[LockConfig]) -> Optional[VaultLockArgs]:
    if lock is None:
        return None
    return {
        "min_retention_days": lock.min_retention_days,
        "max_retention_days": lock.max_retention_days,
        "changeable_for_days": lock.grace_days,
    }


def _rules(plan: PlanConfig) -> list[StackRuleSpec]:
    return [
        StackRuleSpec(
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
            copy_to=rule.copy_to,
        )
        | _targets(rule)
        for index, rule in enumerate(plan.rules)
    ]


def _targets(rule: RuleConfig) -> StackRuleSpec:
    """A rule's own target vaults, when it names any (to merge into its spec)."""
    targets = cast(StackRuleSpec, {})
    if rule.target_vault_name is not None:
        targets["target_vault_name"] = rule.target_vault_name
    if rule.air_gapped_target is not None:
        lock = rule.air_gapped_target.lock
        targets["air_gapped_target"] = {
            "vault_arn": rule.air_gapped_target.vault_arn,
            "lock": lock.model_dump() if lock else None,
        }
    return targets


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


def component_args(
    config: StackConfig, region: str, archive_vault_arn: Optional[pulumi.Input[str]] = None
) -> WindowsServerBackupArgs:
    """The :class:`components.WindowsServerBackup` arguments of a validated source stack config.

    ``archive_vault_arn``: the archive ARN when it comes from a stack reference (or the
    one-program archive vault) rather than the config.
    """
    vault = config.vault
    args = WindowsServerBackupArgs(
        region=region,
        plans=_plan_specs(config.plans),
        role={
            "role_name": config.role.name,
            "allow_restores": config.role.allow_restores,
            **({"allow_s3": config.role.s3_policies} if config.role.s3_policies is not None else {}),
            "tags": dict(config.role.tags),
        },
        enable_cross_account_backup=config.enable_cross_account_backup,
        tags=dict(config.tags),
        # stack_warnings() reports the component's warnings with the config's key paths.
        log_warnings=False,
    )
    if vault is not None:
        args["vault"] = {
            "name": vault.name,
            "kms_key_arn": None if vault.kms_key in (AWS_MANAGED_KEY, CREATE_KEY) else vault.kms_key,
            "protect": vault.protect,
            "deny_deletions": vault.deny_deletions,
            "break_glass_role_arn": vault.break_glass_role_arn,
            "policy_admin_role_arns": list(vault.policy_admin_role_arns),
            "lock": _lock(vault.lock),
            "policy_statements": [dict(statement) for statement in vault.policy_statements],
            "force_destroy": vault.force_destroy,
            "tags": dict(vault.tags),
        }
        args["create_vault_key"] = vault.kms_key == CREATE_KEY
    if config.region_settings is not None:
        args["region_settings"] = {
            "opt_in": dict(config.region_settings.opt_in),
            "full_management": dict(config.region_settings.full_management),
        }
    if config.role.existing_arn:
        args["existing_role_arn"] = config.role.existing_arn
    # These models' fields are the specs' keys, so their dumps are the specs.
    if config.notifications:
        args["notifications"] = cast(NotificationsSpec, config.notifications.model_dump())
    if config.vss_instances:
        args["vss_instances"] = cast(VssInstancesSpec, config.vss_instances.model_dump())
    if config.restore_testing:
        tests = config.restore_testing
        restore_testing: RestoreTestingSpec = {
            "name": tests.name,
            "schedule": tests.schedule,
            "schedule_timezone": tests.timezone,
            "start_window_hours": tests.start_window_hours,
            "algorithm": tests.algorithm,
            "selection_window_days": tests.selection_window_days,
            "selection_name": tests.selection_name,
            "selection_tags": dict(tests.selection_tags) if tests.selection_tags is not None else None,
            "validation_window_hours": tests.validation_window_hours,
            "restore_metadata_overrides": tests.restore_metadata_overrides.as_metadata(),
            "exclude_vaults": list(tests.exclude_vaults),
        }
        if tests.validation is not None:
            restore_testing["validation"] = {
                "required_services": list(tests.validation.required_services),
                "log_retention_days": tests.validation.log_retention_days,
                "instance_role_arns": list(tests.validation.instance_role_arns),
            }
        if tests.include_vaults is not None:
            restore_testing["include_vaults"] = list(tests.include_vaults)
        args["restore_testing"] = restore_testing
    if config.malware_scanning:
        scanning = config.malware_scanning
        args["malware_scanning"] = {
            "scan_mode": scanning.scan_mode,
            "resource_types": list(scanning.resource_types),
            "plans": list(scanning.plans) if scanning.plans is not None else None,
        }
    if config.audit:
        args["audit"] = _audit(config.audit)
    if config.cross_region:
        copy_b = config.cross_region
        args["cross_region"] = cast(
            CrossRegionSpec,
            {
                "region": copy_b.region,
                "vault_name": copy_b.created_vault_name(region),
                "existing_vault_arn": copy_b.existing_vault_arn,
                **_copy_vault(copy_b),
            },
        )
    if config.archive:
        args["archive"] = _archive_spec(config.archive, archive_vault_arn)
    return args


def _copy_vault(copy_b: CrossRegionConfig | OrgCrossRegionConfig) -> dict[str, Any]:
    """Copy B's vault key and lock and the copies' lifecycle: the same in a per-account and the organization stack."""
    return {
        "create_kms_key": copy_b.kms_key == CREATE_KEY,
        "lock": _lock(copy_b.lock),
        "delete_after_days": copy_b.delete_after_days,
        "cold_storage_after_days": copy_b.cold_storage_after_days,
        "opt_in_to_archive": copy_b.opt_in_to_archive,
    }


def _plan_specs(plans: list[PlanConfig]) -> list[PlanSpec]:
    return [
        PlanSpec(
            name=plan.name,
            rules=_rules(plan),
            selections=_selections(plan),
            windows_vss=plan.windows_vss,
            tags=dict(plan.tags),
        )
        for plan in plans
    ]


def _archive_spec(copy_c: ArchiveCopyConfig, archive_vault_arn: Optional[pulumi.Input[str]]) -> ArchiveSpec:
    return {
        "vault_arn": archive_vault_arn if archive_vault_arn is not None else (copy_c.vault_arn or ""),
        "lock": copy_c.known_lock,
        "delete_after_days": copy_c.delete_after_days,
        "cold_storage_after_days": copy_c.cold_storage_after_days,
        "opt_in_to_archive": copy_c.opt_in_to_archive,
        "air_gapped": copy_c.is_air_gapped,
    }


def organization_args(
    config: StackConfig, region: str, archive_vault_arn: Optional[pulumi.Input[str]] = None
) -> OrganizationBackupArgs:
    """The :class:`components.OrganizationBackup` arguments of a validated organization stack config.

    ``region``: the stack's own region, where the member stacks create the role unless
    ``organization.role_region`` says otherwise. ``archive_vault_arn``: the archive ARN when it
    comes from a stack reference rather than the config.
    """
    assert config.organization is not None and config.vault is not None, "an organization stack config"
    organization, vault = config.organization, config.vault
    stack_set = organization.stack_set
    args = OrganizationBackupArgs(
        regions=list(organization.regions),
        targets={
            "organizational_unit_ids": list(organization.targets.organizational_unit_ids),
            "account_ids": list(organization.targets.account_ids),
        },
        vault={
            "name": vault.name,
            "create_kms_key": vault.kms_key == CREATE_KEY,
            "protect": vault.protect,
            "deny_deletions": vault.deny_deletions,
            "break_glass_role_name": vault.break_glass_role_name,
            "lock": _lock(vault.lock),
            "tags": dict(vault.tags),
        },
        role={
            "name": config.role.name or "",
            "allow_restores": config.role.allow_restores,
            "tags": dict(config.role.tags),
        },
        plans=_plan_specs(config.plans),
        role_region=organization.role_region or region,
        stack_set={
            "name": stack_set.name,
            "call_as": stack_set.call_as,
            "failure_tolerance_count": stack_set.failure_tolerance_count,
            "failure_tolerance_percentage": stack_set.failure_tolerance_percentage,
            "max_concurrent_count": stack_set.max_concurrent_count,
            "max_concurrent_percentage": stack_set.max_concurrent_percentage,
            "region_concurrency": stack_set.region_concurrency,
            "retain_stacks_on_account_removal": stack_set.retain_stacks_on_account_removal,
        },
        vss_instances=cast(OrgVssInstancesSpec, organization.vss_instances.model_dump()),
        policy_name_prefix=organization.policy_name_prefix,
        delegated_administrator_account_id=organization.delegated_administrator_account_id,
        backup_global_settings=(
            organization.backup_global_settings.model_dump() if organization.backup_global_settings else None
        ),
        tags=dict(config.tags),
        # stack_warnings() reports the component's warnings with the config's key paths.
        log_warnings=False,
    )
    if config.role.s3_policies is not None:
        args["role"]["allow_s3"] = config.role.s3_policies
    if organization.cross_region:
        copy_b = organization.cross_region
        args["cross_region"] = cast(
            OrgCrossRegionSpec,
            {"copy_regions": dict(copy_b.copy_regions), "vault_name": copy_b.vault_name, **_copy_vault(copy_b)},
        )
    if config.archive:
        args["archive"] = _archive_spec(config.archive, archive_vault_arn)
    return args


def _audit(evidence: AuditConfig) -> AuditSpec:
    return {
        "framework_name": evidence.framework_name,
        "scope_tag": dict(evidence.scope_tag) if evidence.scope_tag is not None else None,
        "job_reports": list(evidence.job_reports),
        "report_formats": list(evidence.report_formats),
        "report_retention_days": evidence.report_retention_days,
        "stack_controls": evidence.stack_controls,
        "controls": [
            ControlArgs(
                name=control.name,
                parameters=dict(control.parameters),
                scope=control.scope.model_dump() if control.scope else None,  # type: ignore[typeddict-item]
            )
            for control in evidence.controls
        ],
        "reports": [
            ReportPlanArgs(**{key: value for key, value in report.model_dump().items() if value not in (None, [])})  # type: ignore[typeddict-item]
            for report in evidence.reports
        ],
        "report_bucket_name": evidence.report_bucket,
        "report_key_prefix": evidence.report_key_prefix,
    }


def archive_vault_args(archive: ArchiveVaultConfig, region: str, tags: dict[str, str]) -> ArchiveVaultArgs:
    """The :class:`components.ArchiveVault` arguments of a validated archive vault config."""
    return ArchiveVaultArgs(
        vault_name=archive.name,
        region=region,
        source_account_ids=list(archive.source_account_ids),
        source_organization_id=archive.source_organization_id,
        min_retention_days=archive.min_retention_days,
        max_retention_days=archive.max_retention_days,
        changeable_for_days=archive.changeable_for_days,
        air_gapped=archive.air_gapped,
        kms_key_arn=None if archive.kms_key == CREATE_KEY else archive.kms_key,
        break_glass_role_arn=archive.break_glass_role_arn,
        protect=archive.protect,
        policy_statements=[dict(statement) for statement in archive.policy_statements],
        tags=dict(tags),
    )
