"""Checks across components of one stack: a rule's retention against the vault locks it writes
to, copy lifecycles, the archive's key and account. Plain values in, problems out.

Used by :class:`components.WindowsServerBackup` and by the config layer (which adds key paths
and reports the problems before anything is registered).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final, Optional

from . import rules
from .restore_testing import selection_tags as restore_test_selection_tags

# Final, so that type checkers read them as the literal keys of WindowsServerBackupArgs.
CROSS_REGION: Final = "cross_region"
ARCHIVE: Final = "archive"
DESTINATIONS = (CROSS_REGION, ARCHIVE)

#: A check result: the argument path, its value, and the broken rule.
StackProblem = tuple[str, Any, rules.Violation]


def copy_targets(rule: Mapping[str, Any], args: Mapping[str, Any]) -> list[str]:
    """Destinations a rule copies to: its ``copy_to``, or every destination the stack has."""
    if "copy_to" in rule and rule["copy_to"] is not None:
        return list(rule["copy_to"])
    return [d for d in DESTINATIONS if args.get(d)]


def copy_lifecycle(
    rule: Mapping[str, Any], destination: Mapping[str, Any]
) -> tuple[Optional[int], Optional[int], bool]:
    """``(delete_after, cold_after, archive_opt_in)`` of a copy: the destination's, else the rule's."""

    def pick(key: str) -> Any:
        value = destination.get(key)
        return rule.get(key) if value is None else value

    return pick("delete_after_days"), pick("cold_storage_after_days"), bool(pick("opt_in_to_archive"))


def _lock_range(lock: Optional[Mapping[str, Any]]) -> tuple[Optional[int], Optional[int]]:
    if not lock:
        return None, None
    return lock.get("min_retention_days"), lock.get("max_retention_days")


def _plain_arn(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and rules.vault_arn(value) is None else None


def _duplicate_selection_names(plans: Any) -> list[StackProblem]:
    """Selections are named ``<plan>-<selection>`` under the stack: two pairs may spell the same name."""
    seen: dict[str, str] = {}
    found: list[StackProblem] = []
    for plan_index, plan in enumerate(plans):
        for index, selection in enumerate(plan["selections"]):
            joined, at = f"{plan['name']}-{selection['name']}", f"plans[{plan_index}].selections[{index}].name"
            if joined in seen:
                found.append(
                    (
                        at,
                        selection["name"],
                        rules.Violation(
                            f"plan {plan['name']!r} with this selection and {seen[joined]} both make the "
                            f"resource name {joined!r}",
                            "rename the selection",
                        ),
                    )
                )
            seen.setdefault(joined, at)
    return found


def _partition_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Copies B and C stay in the stack's partition (see :func:`rules.copy_partition`)."""
    found: list[StackProblem] = []
    cross_region, archive = args.get(CROSS_REGION), args.get(ARCHIVE)
    if cross_region and (violation := rules.copy_partition(args["region"], cross_region["region"])):
        found.append((f"{CROSS_REGION}.region", cross_region["region"], violation))
    archive_arn = _plain_arn(archive.get("vault_arn")) if archive else None
    if archive_arn and (violation := rules.copy_partition(args["region"], rules.vault_arn_parts(archive_arn)[0])):
        found.append((f"{ARCHIVE}.vault_arn", archive_arn, violation))
    return found


def stack_problems(args: Mapping[str, Any], source_account_id: Optional[str] = None) -> list[StackProblem]:
    """Every cross-component problem of :class:`components.WindowsServerBackupArgs`-shaped ``args``.

    ``source_account_id``: the stack's account when known before deploying (e.g. from
    ``aws:allowedAccountIds``), to check that the archive lives elsewhere.
    """
    found: list[StackProblem] = []
    cross_region = args.get(CROSS_REGION)
    archive = args.get(ARCHIVE)
    vault = args["vault"]

    existing = _plain_arn(cross_region.get("existing_vault_arn")) if cross_region else None
    if cross_region and existing and rules.vault_arn_parts(existing)[0] != cross_region["region"]:
        found.append(
            (
                "cross_region.existing_vault_arn",
                existing,
                rules.Violation(
                    f"the existing vault is not in the copy region {cross_region['region']}",
                    "use a vault of that region, or change cross_region.region",
                ),
            )
        )
    found += _duplicate_selection_names(args["plans"])
    found += _partition_problems(args)
    if cross_region and cross_region.get("region") == args["region"]:
        found.append(
            (
                f"{CROSS_REGION}.region",
                cross_region["region"],
                rules.Violation(
                    "a cross-region copy must go to another region than the stack's own",
                    "choose a second region, e.g. us-west-2 for a stack in us-east-1",
                ),
            )
        )
    if archive:
        if not vault.get("kms_key_arn") and not args.get("create_vault_key"):
            found.append(
                (
                    "vault.kms_key",
                    "aws/backup",
                    rules.Violation(
                        "copies into another account need the source vault to use a customer-managed key: "
                        "AWS-managed keys (aws/backup, aws/ebs) cannot be shared across accounts",
                        "set vault.kms_key to 'create' (or a customer-managed key ARN), and encrypt the EBS "
                        "volumes with a customer-managed key too",
                    ),
                )
            )
        archive_arn = _plain_arn(archive.get("vault_arn"))
        if archive_arn and source_account_id and rules.vault_arn_parts(archive_arn)[1] == source_account_id:
            found.append(
                (
                    f"{ARCHIVE}.vault_arn",
                    archive_arn,
                    rules.Violation(
                        f"the archive vault is in this stack's own account ({source_account_id}), so it would not "
                        "survive the loss of this account",
                        "deploy the archive stack into a dedicated archive account and use its vault ARN",
                    ),
                )
            )

    if args.get("vss_instances") is not None and not any(plan.get("windows_vss") for plan in args["plans"]):
        found.append(
            (
                "vss_instances",
                args["vss_instances"],
                rules.Violation(
                    "the VSS instance setup targets the instances of plans with windows_vss, and no plan has it",
                    "set windows_vss: true on the Windows plan, or remove vss_instances",
                ),
            )
        )
    for index, plan in enumerate(args["plans"]):
        tagged = any(selection.get("tags") for selection in plan["selections"])
        if plan.get("windows_vss") and args.get("vss_instances") is not None and not tagged:
            found.append(
                (
                    f"plans[{index}].selections",
                    "...",
                    rules.Violation(
                        "the VSS instance setup finds instances by the plan's selection tags, and this VSS "
                        "plan has none",
                        "select the plan's instances by tag",
                    ),
                )
            )

    found += _restore_testing_problems(args)
    found += _restore_validation_problems(args)
    found += _malware_scanning_problems(args)
    found += _audit_problems(args)

    destinations = {CROSS_REGION: cross_region, ARCHIVE: archive}
    primary_min, primary_max = _lock_range(vault.get("lock"))
    for plan_index, plan in enumerate(args["plans"]):
        for rule_index, rule in enumerate(plan["rules"]):
            at = f"plans[{plan_index}].rules[{rule_index}]"
            violation = rules.retention_within_lock(rule.get("delete_after_days"), primary_min, primary_max)
            if violation:
                found.append((f"{at}.delete_after_days", rule.get("delete_after_days"), violation))
            for target in copy_targets(rule, args):
                destination = destinations.get(target)
                if destination is None:
                    found.append(
                        (
                            f"{at}.copy_to",
                            target,
                            rules.Violation(
                                f"the rule copies to {target!r}, but the stack has no {target!r} section"
                                if target in DESTINATIONS
                                else f"{target!r} is not a copy destination",
                                f"add the {target!r} section, or copy only to "
                                f"{[d for d in DESTINATIONS if destinations[d]]}",
                            ),
                        )
                    )
                    continue
                days, cold, _ = copy_lifecycle(rule, destination)
                lock_min, lock_max = _lock_range(destination.get("lock"))
                # The copy's lifecycle is the destination's where it sets one, else the rule's:
                # point at the setting that decides it.
                decided_by = target if destination.get("delete_after_days") is not None else at
                for violation in (rules.lifecycle(days, cold), rules.retention_within_lock(days, lock_min, lock_max)):
                    if violation:
                        found.append(
                            (
                                f"{decided_by}.delete_after_days",
                                {"delete_after_days": days, "cold_storage_after_days": cold},
                                rules.Violation(f"copies of {at} to {target}: {violation.rule}", violation.fix),
                            )
                        )
    return found


def _vss_tag_pairs(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every distinct (key, value) the plans with ``windows_vss`` select by, in order."""
    pairs: list[tuple[str, str]] = []
    for plan in args["plans"]:
        if plan.get("windows_vss"):
            for selection in plan["selections"]:
                for pair in (selection.get("tags") or {}).items():
                    if pair not in pairs:
                        pairs.append(pair)
    return pairs


def _restore_testing_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Restore tests find their instances by the VSS plans' one selection tag, unless told which."""
    restore_testing = args.get("restore_testing")
    if restore_testing is None or restore_testing.get("selection_tags"):
        return []
    pairs = _vss_tag_pairs(args)
    if not pairs:
        return [
            (
                "restore_testing",
                "...",
                rules.Violation(
                    "restore tests restore the instances of the plans with windows_vss, found by their selection tag, "
                    "and no such plan selects by tag",
                    "set windows_vss: true on the Windows plan and select its instances by tag, or name the instances' "
                    "tag in restore_testing.selection_tags",
                ),
            )
        ]
    if len(pairs) > 1:
        return [
            (
                "restore_testing.selection_tags",
                None,
                rules.Violation(
                    f"the plans with windows_vss select by {len(pairs)} tags "
                    f"({', '.join(f'{k}={v}' for k, v in pairs)}), "
                    "and a restore test's tag conditions must all match one instance",
                    "name the tag to test in restore_testing.selection_tags, "
                    f"e.g. {{{pairs[0][0]!r}: {pairs[0][1]!r}}}",
                ),
            )
        ]
    # A selection may match tags a restore test cannot (wildcards, other characters).
    problem = restore_test_selection_tags(dict(pairs))
    if problem:
        return [
            (
                "restore_testing.selection_tags",
                None,
                rules.Violation(
                    f"the restore test would select by the Windows VSS plan's tag, but {problem.rule}",
                    f"name a tag the instances carry in restore_testing.selection_tags; {problem.fix}",
                ),
            )
        ]
    return []


def _restore_validation_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Validation keeps each restored instance's own profile: the restore role must be able to pass its role."""
    validation = (args.get("restore_testing") or {}).get("validation")
    if validation is None or args.get("vss_instances") is not None or validation.get("instance_role_arns"):
        return []
    return [
        (
            "restore_testing.validation.instance_role_arns",
            [],
            rules.Violation(
                "validation restores each instance with its own instance profile (so it answers SSM), and AWS Backup "
                "may pass the profile's role only when the restore role allows iam:PassRole on it; this stack creates "
                "no VSS instance role to name",
                "list the role of the Windows instances' instance profile, or set vss_instances",
            ),
        )
    ]


def _malware_scanning_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """The plans malware scanning names must be plans of the stack."""
    scanning = args.get("malware_scanning")
    names = [plan["name"] for plan in args["plans"]]
    return [
        (
            f"malware_scanning.plans[{index}]",
            name,
            rules.Violation("malware scanning names a plan this stack does not have", f"use some of {names}"),
        )
        for index, name in enumerate((scanning or {}).get("plans") or [])
        if name not in names
    ]


def _audit_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """The audit's scope defaults to the stack's tag: with several tags, one must be chosen."""
    audit = args.get("audit")
    tags = args.get("tags") or {}
    if audit is None or audit.get("scope_tag") is not None or len(tags) <= 1:
        return []
    first_key = sorted(tags)[0]
    return [
        (
            "audit.scope_tag",
            None,
            rules.Violation(
                f"the audit controls are scoped by one tag, and the stack has {len(tags)} tags to choose from",
                f"name one in audit.scope_tag, e.g. {{{first_key!r}: {tags[first_key]!r}}}, or {{}} to judge every "
                "resource of the region",
            ),
        )
    ]
