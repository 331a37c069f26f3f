"""Legal but risky settings: reported with ``pulumi.log.warn``, never blocking a deploy."""

from __future__ import annotations

import re

from components import rules
from components.org_checks import is_root
from components.stack_checks import stack_warnings as component_warnings

from .args import component_args
from .models import PlanConfig, StackConfig

#: Some community modules require completion >= start + 60 minutes; AWS documents no such rule.
COMPLETION_AFTER_START_MINUTES = 60
_REGION_IN_NAME = re.compile(r"(?:af|ap|ca|cn|eu|il|me|mx|sa|us)(?:-gov)?-[a-z]+-\d")


def stack_warnings(config: StackConfig, region: str) -> list[str]:
    """Every warning for a validated stack config in ``region``."""
    found: list[str] = []
    names = [(f"plans[{index}].name", plan.name) for index, plan in enumerate(config.plans)]
    if config.vault is not None:
        names.insert(0, ("vault.name", config.vault.name))
    if config.archive_vault is not None:
        names.insert(0, ("archive_vault.name", config.archive_vault.name))
    if config.organization is not None:
        names = []  # the organization's vault and plans are the same in every region it backs up
        found += _organization_warnings(config)
    for path, name in names:
        mentioned = _REGION_IN_NAME.search(name)
        if mentioned and mentioned.group(0) != region:
            found.append(
                f"{path}: {name!r} names region {mentioned.group(0)} but this stack deploys to {region}; "
                "was the stack file copied from another region?"
            )
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
    if config.malware_scanning is not None and config.role.existing_arn:
        found.append(
            "malware_scanning: the plans' selections use role.existing_arn, which this program does not change; "
            "attach AWSBackupServiceRolePolicyForScans to it, or AWS Backup cannot start the scans"
        )
    if config.vault is not None:
        # Checks across components (cold storage against what each plan selects, the keys copies
        # depend on), shared with WindowsServerBackup; their paths are the config's key paths.
        found += [f"{path}: {violation}" for path, _, violation in component_warnings(component_args(config, region))]
    return found


def _organization_warnings(config: StackConfig) -> list[str]:
    """Targets that reach the management account, which service-managed StackSets never deploy to."""
    assert config.organization is not None
    return [
        f"organization.targets.organizational_unit_ids[{index}]: the root reaches the management account too, which "
        "gets the backup policies but never the StackSet's vault and role (service-managed StackSets skip it), so "
        "its plans would fail: target OUs instead, or give it the vault and role with a per-account stack"
        for index, unit in enumerate(config.organization.targets.organizational_unit_ids)
        if is_root(unit) and not config.organization.targets.account_ids
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


def _restore_testing_warnings(config: StackConfig) -> list[str]:
    """A restore test whose selection window is shorter than the gap between backups finds nothing to restore."""
    tests = config.restore_testing
    if tests is None:
        return []
    gaps = [
        gap
        for plan in config.plans
        if plan.windows_vss
        for rule in plan.rules
        if (gap := rules.longest_gap_minutes(rule.schedule)) is not None
    ]
    if not gaps or tests.selection_window_days * 1440 >= max(gaps):
        return []
    return [
        f"restore_testing.selection_window_days: {tests.selection_window_days} days is shorter than the "
        f"{max(gaps) / 1440:g} days between the Windows VSS backups, so some restore tests find no recovery "
        "point to restore"
    ]
