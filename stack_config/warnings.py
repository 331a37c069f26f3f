"""Legal but risky settings: reported with ``pulumi.log.warn``, never blocking a deploy."""

from __future__ import annotations

from typing import Optional

import pulumi

from components import restore_testing, rules
from components.org_checks import organization_warnings
from components.stack_checks import stack_warnings as component_warnings

from .args import component_args, organization_args
from .load import allowed_account, organization_key_path
from .models import PlanConfig, StackConfig, copy_vault_name

#: Some community modules require completion >= start + 60 minutes; AWS documents no such rule.
COMPLETION_AFTER_START_MINUTES = 60


def stack_warnings(config: StackConfig, region: str) -> list[str]:
    """Every warning for a validated stack config in ``region``."""
    found: list[str] = []
    if config.organization is not None:
        found += _organization_warnings(config, region)
    else:  # the organization's vault and plans are the same in every region it backs up
        found += _names_of_another_region(config, region)
    for plan_index, plan in enumerate(config.plans):
        for rule_index, rule in enumerate(plan.rules):
            at = f"plans[{plan_index}].rules[{rule_index}]"
            if rule.completion_window_minutes < rule.start_window_minutes + COMPLETION_AFTER_START_MINUTES:
                found.append(
                    f"{at}.completion_window_minutes: {rule.completion_window_minutes} is less than the start "
                    f"window plus {COMPLETION_AFTER_START_MINUTES} minutes; a job that starts late may be "
                    "cancelled before it finishes"
                )
            if rule.delete_after_days is None:
                found.append(
                    f"{at}.delete_after_days: not set, so recovery points are kept (and paid for) until "
                    "someone deletes them"
                )
            if rules.last_weekday_schedule(rule.schedule):
                # EventBridge user guide, "Cron expressions reference": Day-of-month takes L and nW, not LW.
                found.append(
                    f"{at}.schedule: {rule.schedule!r} uses LW in Day-of-month, which AWS's cron reference "
                    "does not list (it lists L, the last day, and nW, the weekday nearest day n); this program "
                    "reads it as the last weekday of the month, and AWS may refuse it at deploy time or run it "
                    "otherwise: 'L' or a day like '28W' are the documented forms"
                )
            # The longest gap decides: a weekday schedule keeping 1 day leaves the weekend bare.
            gap = rules.longest_gap_minutes(rule.schedule)
            if rule.delete_after_days is not None and gap is not None and rule.delete_after_days * 1440 < gap:
                found.append(
                    f"{at}: recovery points are kept {rule.delete_after_days} days but the schedule runs only "
                    f"every {gap // 1440} days, so there are days with no recovery point at all"
                )
            shortest = rules.shortest_gap_minutes(rule.schedule)
            if shortest is not None and rule.start_window_minutes >= shortest:
                found.append(
                    f"{at}.start_window_minutes: {rule.start_window_minutes} minutes reach the next run "
                    f"({shortest} minutes later), so a late job overlaps the next one"
                )
        found += _selection_warnings(plan_index, plan)
    found += _restore_testing_warnings(config)
    found += _audit_frequency_warnings(config)
    if config.vss_instances is not None and (unlisted := rules.association_cron_listed(config.vss_instances.schedule)):
        found.append(f"vss_instances.schedule: {unlisted}")
    if config.malware_scanning is not None and config.role.existing_arn:
        found.append(
            "malware_scanning: the plans' selections use role.existing_arn, which this program does not change; "
            "attach AWSBackupServiceRolePolicyForScans to it, or AWS Backup cannot start the scans"
        )
    if config.vault is not None and config.organization is None:
        # Checks across components (cold storage against what each plan selects, the keys copies
        # depend on), shared with WindowsServerBackup; their paths are the config's key paths.
        account = allowed_account(pulumi.get_stack())
        found += [
            f"{path}: {violation}" for path, _, violation in component_warnings(component_args(config, region), account)
        ]
    if config.enable_cross_account_backup:
        found.append(
            "enable_cross_account_backup: all three AWS Backup global settings are sent (pulumi-aws shows a change on "
            "every run for any left out), so multi-party approval and delegated administrator synchronization are "
            "set off; check `aws backup describe-global-settings` first, and if either is on, manage the settings "
            "from the organization stack (organization.backup_global_settings)"
        )
    return found


def _names(config: StackConfig) -> list[tuple[str, str]]:
    """Every name the stack file sets for something this stack creates, by key path, in the file's order."""
    names: list[tuple[str, Optional[str]]] = []
    if config.archive_vault is not None:
        names.append(("archive_vault.name", config.archive_vault.name))
    if config.vault is not None:
        names.append(("vault.name", config.vault.name))
    names.append(("role.name", config.role.name))
    if config.cross_region is not None:
        names.append(("cross_region.vault_name", config.cross_region.vault_name))
    for index, plan in enumerate(config.plans):
        names.append((f"plans[{index}].name", plan.name))
        names += [(f"plans[{index}].rules[{i}].name", rule.name) for i, rule in enumerate(plan.rules)]
        names += [(f"plans[{index}].selections[{i}].name", item.name) for i, item in enumerate(plan.selections)]
    if config.restore_testing is not None:
        names.append(("restore_testing.name", config.restore_testing.name))
        names.append(("restore_testing.selection_name", config.restore_testing.selection_name))
    if config.audit is not None:
        names.append(("audit.framework_name", config.audit.framework_name))
    return [(path, name) for path, name in names if name]


def _names_of_another_region(config: StackConfig, region: str) -> list[str]:
    """Names that mention another region than the stack's: a stack file copied from another region.

    Most of these names are unique per account and region only, so a copy deploys, misnamed. Two
    are not: IAM role names are unique in the whole account, and copy B's vault is created in the
    second region, where the stack the file was copied from may keep a vault of that name already.
    """
    found = []
    copy_region = config.cross_region.region if config.cross_region is not None else None
    for path, name in _names(config):
        for other in rules.regions_named_in(name):
            if other == region or (path == "cross_region.vault_name" and other == copy_region):
                continue
            found.append(
                f"{path}: {name!r} names region {other} but this stack deploys to {region}; "
                + _clash(path, name, other, region, copy_region)
            )
    return found


def _clash(path: str, name: str, other: str, region: str, copy_region: Optional[str]) -> str:
    """What a name of another region's stack breaks, and the fix."""
    if path == "role.name":
        return (
            f"IAM role names are unique in the whole account, so if the stack of {other} is in this account it "
            "already has this role and `pulumi up` fails: rename it, or leave it out for a generated name"
        )
    if path == "cross_region.vault_name":
        return (
            f"if the stack file was copied from the stack of {other}, that stack already keeps a vault of this name "
            f"(and its key alias) in {copy_region}, and `pulumi up` fails there (vault names are unique per account "
            f"and region): name it for this stack, e.g. {name.replace(other, region)!r}, or leave it out for the "
            f"default {copy_vault_name(region)!r}"
        )
    return "was the stack file copied from another region?"


def _organization_warnings(config: StackConfig, region: str) -> list[str]:
    """The organization stack's warnings (:func:`components.org_checks.organization_warnings`:
    root targets, the archive as delegated administrator, selections by conditions alone, and each
    backed-up region's per-account warnings), with the stack file's key paths."""
    archive = config.archive.vault_arn if config.archive is not None else None
    return [
        f"{organization_key_path(path)}: {violation}"
        for path, _, violation in organization_warnings(organization_args(config, region), archive)
    ]


def _selection_warnings(plan_index: int, plan: PlanConfig) -> list[str]:
    """Selections that take everything, wildcards not at the end, and VSS plans that can select no instance."""
    found = []
    for index, selection in enumerate(plan.selections):
        at = f"plans[{plan_index}].selections[{index}]"
        if "*" in selection.resources:
            found.append(
                f"{at}.resources: '*' selects every resource AWS Backup supports in the account and region, "
                "not only Windows servers"
            )
        # AWS's guide puts '*' anywhere (arn:aws:ec2:*:*:instance/*), but botocore's BackupSelection
        # note says a pattern must end in '*' ("arn:aws:s3:::*-logs is not supported"): warn, don't fail.
        for key in ("resources", "not_resources"):
            for arn in getattr(selection, key):
                if "*" in arn and not arn.endswith("*"):
                    found.append(
                        f"{at}.{key}: {arn!r} has a '*' but does not end in one; the AWS Backup API reference "
                        "says a wildcard pattern must end in '*' (e.g. 'arn:aws:s3:::my-bucket-*'), so it may "
                        "match nothing"
                    )
    by_arn_only = all(not s.tags and not any(s.conditions.model_dump().values()) for s in plan.selections)
    arns = [arn for s in plan.selections for arn in s.resources]
    types = rules.selected_resource_types(arns)
    if plan.windows_vss and by_arn_only and types is not None and "EC2" not in types:
        found.append(
            f"plans[{plan_index}].windows_vss: the plan selects no EC2 instance (only {', '.join(arns)}), "
            "so Windows VSS never applies"
        )
    return found


def _audit_frequency_warnings(config: StackConfig) -> list[str]:
    """The stack's frequency control asks for the longest time between runs of any rule
    (``components.audit.plan_promises``); a rule whose runs can't be worked out is left out."""
    if config.audit is None or config.audit.stack_controls is False or not config.plans:
        return []
    unknown = [
        f"plans[{plan_index}].rules[{rule_index}]"
        for plan_index, plan in enumerate(config.plans)
        for rule_index, rule in enumerate(plan.rules)
        if rules.longest_gap_minutes(rule.schedule) is None
    ]
    if not unknown:
        return []
    return [
        f"audit.stack_controls: this program cannot work out the time between runs of {', '.join(unknown)}, "
        "so the backup frequency control leaves them out (and asks for a daily backup, AWS's default, when it "
        "can read no rule at all); a plan that runs less often fails the control: set stack_controls: false "
        "and add the control under audit.controls with the frequency you mean"
    ]


def _restore_testing_warnings(config: StackConfig) -> list[str]:
    """Override keys AWS's guide does not list, and a selection window shorter than the gap between
    backups (some restore tests then find nothing to restore)."""
    tests = config.restore_testing
    if tests is None:
        return []
    other = tests.restore_metadata_overrides.other
    found = [
        f"restore_testing.restore_metadata_overrides.other.{key}: {warning}"
        for key in other
        for warning in restore_testing.unlisted_metadata({key: other[key]})
    ]
    gaps = [
        gap
        for plan in config.plans
        if plan.windows_vss
        for rule in plan.rules
        if (gap := rules.longest_gap_minutes(rule.schedule)) is not None
    ]
    if not gaps or tests.selection_window_days * 1440 >= max(gaps):
        return found
    return found + [
        f"restore_testing.selection_window_days: {tests.selection_window_days} days is shorter than the "
        f"{max(gaps) / 1440:g} days between the Windows VSS backups, so some restore tests find no recovery "
        "point to restore"
    ]
