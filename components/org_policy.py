"""AWS Organizations backup policies, generated from the same plans as the per-account stacks.

Pure functions of plain data: :func:`policy_documents` turns the plans of an organization stack
into one backup policy document per plan, and :func:`effective_policy` shows a document the way a
member account reads it. The syntax they follow, and the checks of any backup policy against it,
are in :mod:`components.org_policy_syntax`.

Every fact here is from the AWS Organizations User Guide, "Backup policy syntax and examples"
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html),
unless a comment names another page:

- ``schedule_expression`` is a "Cron expression in UTC": there is no time zone key;
- numbers (windows, lifecycle days) and booleans are written as strings, as in the guide's examples;
- ``copy_actions`` are keyed by the destination vault ARN, and ``target_backup_vault_arn`` is
  always given: without it AWS uses the key lower-cased, which may not match the vault's ARN;
- ``$account`` stands for the member account in ARNs (the role, same-account copies);
- ``selections`` hold ``tags`` or ``resources`` (resource types), never exact resource ARNs; a
  selection by conditions alone becomes ``resource_types: ["*"]`` narrowed by them;
- Windows VSS is ``advanced_backup_settings.ec2.windows_vss = enabled``.
"""

from __future__ import annotations

import datetime as dt
import zoneinfo
from collections.abc import Mapping
from typing import Any, Optional

from . import rules
from .org_policy_syntax import ASSIGN, CHILD_CONTROL, CONDITION_KINDS, VALUE_OPERATORS
from .plan import DEFAULT_COMPLETION_WINDOW_MINUTES, DEFAULT_START_WINDOW_MINUTES, lifecycle_values
from .regions import partition_of
from .selection import RESOURCE_TAG_PREFIX
from .stack_checks import CROSS_REGION, copy_lifecycle, copy_targets

#: Stands for the member account in a policy's ARNs; AWS Backup replaces it when the plan runs.
MEMBER_ACCOUNT = "$account"
#: Zones that are UTC all year: the only ones a backup policy's UTC cron can honour exactly.
UTC_ZONES = frozenset(
    {"UTC", "Etc/UTC", "Etc/UCT", "UCT", "Etc/Universal", "Universal", "Etc/Zulu", "Zulu", "GMT", "Etc/GMT"}
)


# --- Names and ARNs --------------------------------------------------------------------------


def _partition(region: str) -> str:
    """The partition of a region (:func:`components.regions.partition_of`); ``aws`` for a region
    botocore does not list, which the checks refuse before anything is generated."""
    return partition_of(region) or "aws"


def member_role_arn(partition: str, role_name: str) -> str:
    """The role every member account has, as a policy names it: ``arn:aws:iam::$account:role/<name>``."""
    return f"arn:{partition}:iam::{MEMBER_ACCOUNT}:role/{role_name}"


def member_vault_arn(partition: str, region: str, vault_name: str, account: str = MEMBER_ACCOUNT) -> str:
    """A vault of the member account itself, e.g. the copy vault the StackSet creates in ``region``."""
    return f"arn:{partition}:backup:{region}:{account}:backup-vault:{vault_name}"


def expands_by_region(plan: Mapping[str, Any], args: Mapping[str, Any]) -> bool:
    """True when a plan copies to another region: its copy destination depends on the region it runs
    in, and a policy plan names one destination ARN for all its regions, so it becomes one policy
    plan per region (``<plan>-<region>``)."""
    return any(CROSS_REGION in copy_targets(rule, args) for rule in plan["rules"])


def policy_plan_names(plan: Mapping[str, Any], args: Mapping[str, Any]) -> dict[str, list[str]]:
    """The policy plans a config plan becomes, each with the regions it runs in."""
    regions = list(args["regions"])
    if expands_by_region(plan, args):
        return {f"{plan['name']}-{region}": [region] for region in regions}
    return {plan["name"]: regions}


def utc_schedule(zone: Optional[str]) -> Optional[rules.Violation]:
    """A rule's time zone in an organization stack: backup policies only know UTC.

    Converting a zone's schedule to UTC is exact only for zones that never change their offset and
    only when no day field shifts; rather than a schedule that silently drifts by an hour twice a
    year, anything but UTC is refused, with the hours to write instead.
    """
    if zone is None or zone in UTC_ZONES:
        return None
    try:
        tz = zoneinfo.ZoneInfo(zone)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return rules.timezone(zone)
    year = dt.datetime.now(dt.UTC).year
    offsets = sorted(
        {
            int((dt.datetime(year, month, 15, 12, tzinfo=tz).utcoffset() or dt.timedelta()).total_seconds() // 60)
            for month in (1, 7)
        }
    )
    shown = " and ".join(f"UTC{minutes / 60:+g}" for minutes in offsets)
    return rules.Violation(
        "AWS Organizations backup policies have no time zone: their cron runs in UTC "
        f"(Backup policy syntax: 'Cron expression in UTC'), and {zone} is {shown}",
        "remove timezone and write the schedule's hours in UTC (subtract the zone's offset"
        + (
            ", which changes with daylight saving time: pick the hour that suits both seasons"
            if len(offsets) > 1
            else ""
        )
        + ")",
    )


# --- The document ----------------------------------------------------------------------------


def _assign(value: Any) -> dict[str, Any]:
    return {ASSIGN: value}


def _text(value: bool | int) -> str:
    """Numbers and booleans as the guide writes them: strings."""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


#: The policy's lifecycle keys for pulumi-aws's (:func:`components.plan.lifecycle_values`), in the guide's order.
_LIFECYCLE_KEYS = {
    "cold_storage_after": "move_to_cold_storage_after_days",
    "delete_after": "delete_after_days",
    "opt_in_to_archive_for_supported_resources": "opt_in_to_archive_for_supported_resources",
}


def _lifecycle(days: Optional[int], cold: Optional[int], archive: bool) -> Optional[dict[str, Any]]:
    """A rule's or a copy's lifecycle with the values a per-account plan would send."""
    values = lifecycle_values(days, cold, archive)
    if values is None:
        return None
    return {policy_key: _assign(_text(values[key])) for key, policy_key in _LIFECYCLE_KEYS.items() if key in values}


def _tag_pairs(tags: Mapping[str, str]) -> dict[str, Any]:
    """``backup_plan_tags`` / ``recovery_point_tags``: keyed by the lower-cased tag key."""
    return {key.lower(): {"tag_key": _assign(key), "tag_value": _assign(value)} for key, value in tags.items()}


def member_rules(
    plan: Mapping[str, Any],
    region: str,
    args: Mapping[str, Any],
    archive_vault_arn: Optional[str],
    account: str = MEMBER_ACCOUNT,
) -> list[dict[str, Any]]:
    """A plan's rules as they run in ``region`` of a member account: :class:`components.BackupRuleArgs`
    with one copy action per destination (the copy region's vault, the archive vault).

    ``account`` stands for the member account in the copy region's vault ARN.
    """
    partition = _partition(region)
    cross_region = args.get(CROSS_REGION)
    result = []
    for rule in plan["rules"]:
        copies = []
        for target in copy_targets(rule, args):
            destination = args[target]
            if target == CROSS_REGION:
                assert cross_region is not None  # copy_targets only names destinations the args have
                arn = member_vault_arn(
                    partition, cross_region["copy_regions"][region], cross_region["vault_name"], account
                )
            else:
                arn = str(archive_vault_arn)
            days, cold, archive = copy_lifecycle(rule, destination)
            copies.append(
                {
                    "destination_vault_arn": arn,
                    "delete_after_days": days,
                    "cold_storage_after_days": cold,
                    "opt_in_to_archive": archive,
                }
            )
        plain = {key: value for key, value in rule.items() if key != "copy_to"}
        result.append({**plain, "copy_actions": copies})
    return result


def _rule(rule: Mapping[str, Any], vault_name: str) -> dict[str, Any]:
    body: dict[str, Any] = {
        "schedule_expression": _assign(rule["schedule"]),
        "start_backup_window_minutes": _assign(_text(rule.get("start_window_minutes", DEFAULT_START_WINDOW_MINUTES))),
        "complete_backup_window_minutes": _assign(
            _text(rule.get("completion_window_minutes", DEFAULT_COMPLETION_WINDOW_MINUTES))
        ),
        "target_backup_vault_name": _assign(vault_name),
    }
    if rule.get("enable_continuous_backup"):
        body["enable_continuous_backup"] = _assign("true")
    lifecycle = _lifecycle(
        rule.get("delete_after_days"), rule.get("cold_storage_after_days"), bool(rule.get("opt_in_to_archive"))
    )
    if lifecycle:
        body["lifecycle"] = lifecycle
    if rule.get("recovery_point_tags"):
        body["recovery_point_tags"] = _tag_pairs(rule["recovery_point_tags"])
    copies = {}
    for copy in rule.get("copy_actions") or []:
        arn = copy["destination_vault_arn"]
        action: dict[str, Any] = {"target_backup_vault_arn": _assign(arn)}
        copy_lifecycle_ = _lifecycle(
            copy.get("delete_after_days"), copy.get("cold_storage_after_days"), bool(copy.get("opt_in_to_archive"))
        )
        if copy_lifecycle_:
            action["lifecycle"] = copy_lifecycle_
        copies[arn] = action
    if copies:
        body["copy_actions"] = copies
    return body


def _conditions(conditions: Mapping[str, Mapping[str, str]]) -> dict[str, Any]:
    """Tag conditions in the policy's form, numbered ``condition_<n>`` across the selection."""
    result: dict[str, Any] = {}
    number = 0
    for kind in CONDITION_KINDS:
        for key, value in (conditions.get(kind) or {}).items():
            number += 1
            result.setdefault(kind, {})[f"condition_{number}"] = {
                "condition_key": _assign(RESOURCE_TAG_PREFIX + key),
                "condition_value": _assign(value),
            }
    return result


def policy_selection(selection: Mapping[str, Any]) -> dict[str, Any]:
    """A selection as its backup policy writes it: by conditions alone (no tags, no resources) it
    selects ``resource_types: ["*"]`` narrowed by the conditions, since a policy selection holds
    either a tag or resource types. Every check and verdict of the organization stack reads the
    selections in this form (:func:`generated_plans`), which is what member accounts get."""
    conditions = selection.get("conditions") or {}
    if selection.get("tags") or selection.get("resources") or not any(conditions.values()):
        return dict(selection)
    return {**selection, "resources": ["*"]}


def generated_plans(args: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The plans of ``args`` with their selections as the backup policies write them (:func:`policy_selection`)."""
    return [{**plan, "selections": [policy_selection(s) for s in plan["selections"]]} for plan in args["plans"]]


def _selections(plan: Mapping[str, Any], role_arn: str) -> dict[str, Any]:
    tags: dict[str, Any] = {}
    resources: dict[str, Any] = {}
    for selection in map(policy_selection, plan["selections"]):
        conditions = selection.get("conditions") or {}
        pairs = list((selection.get("tags") or {}).items())
        types = list(selection.get("resources") or [])
        if types:
            body: dict[str, Any] = {"iam_role_arn": _assign(role_arn), "resource_types": _assign(types)}
            if selection.get("not_resources"):
                body["not_resource_types"] = _assign(list(selection["not_resources"]))
            if any(conditions.values()):
                body["conditions"] = _conditions(conditions)
            resources[selection["name"]] = body
        else:
            # Several pairs select a resource carrying any of them: one tag selection per pair.
            for index, (key, value) in enumerate(pairs, start=1):
                name = selection["name"] if len(pairs) == 1 else f"{selection['name']}-{index}"
                body = {"iam_role_arn": _assign(role_arn), "tag_key": _assign(key), "tag_value": _assign([value])}
                if any(conditions.values()):
                    body["conditions"] = _conditions(conditions)
                tags[name] = body
    result: dict[str, Any] = {}
    if tags:
        result["tags"] = tags
    if resources:
        result["resources"] = resources
    return result


def policy_plans(
    plan: Mapping[str, Any], args: Mapping[str, Any], archive_vault_arn: Optional[str]
) -> dict[str, dict[str, Any]]:
    """The ``plans`` entries one config plan becomes (see :func:`policy_plan_names`)."""
    partition = _partition(args["regions"][0])
    role_arn = member_role_arn(partition, args["role"]["name"])
    vault_name = args["vault"]["name"]
    plan_tags = {**(args.get("tags") or {}), **(plan.get("tags") or {})}
    result = {}
    for policy_plan, regions in policy_plan_names(plan, args).items():
        body: dict[str, Any] = {
            "regions": _assign(list(regions)),
            "rules": {
                rule["name"]: _rule(rule, vault_name)
                for rule in member_rules(plan, regions[0], args, archive_vault_arn)
            },
            "selections": _selections(plan, role_arn),
        }
        if plan.get("windows_vss"):
            body["advanced_backup_settings"] = {"ec2": {"windows_vss": _assign("enabled")}}
        if plan_tags:
            body["backup_plan_tags"] = _tag_pairs(plan_tags)
        result[policy_plan] = body
    return result


def policy_documents(args: Mapping[str, Any], archive_vault_arn: Optional[str] = None) -> dict[str, dict[str, Any]]:
    """One backup policy document per config plan, by plan name.

    ``args`` is :class:`components.OrganizationBackupArgs`-shaped; ``archive_vault_arn`` the archive
    vault's ARN when a rule copies there (a plain string: the document is text).
    """
    return {plan["name"]: {"plans": policy_plans(plan, args, archive_vault_arn)} for plan in args["plans"]}


# --- What a member account sees ----------------------------------------------------------------


def _unwrap(node: Any) -> Any:
    if isinstance(node, dict):
        operators = [key for key in node if key in VALUE_OPERATORS]
        if operators:
            return node[operators[0]]
        return {key: _unwrap(value) for key, value in node.items() if key != CHILD_CONTROL}
    return node


def effective_policy(document: Mapping[str, Any]) -> dict[str, Any]:
    """A document as a member account's effective policy shows it when no other backup policy
    applies: values without operators, rule and selection names lower-cased (as in the guide's
    effective policies), plan names as written."""
    plans: dict[str, Any] = {}
    for name, plan in _unwrap(dict(document))["plans"].items():
        view = dict(plan)
        view["rules"] = {rule.lower(): body for rule, body in plan["rules"].items()}
        view["selections"] = {
            kind: {selection.lower(): body for selection, body in block.items()}
            for kind, block in plan["selections"].items()
        }
        plans[name] = view
    return {"plans": plans}


__all__ = [
    "MEMBER_ACCOUNT",
    "effective_policy",
    "expands_by_region",
    "generated_plans",
    "member_role_arn",
    "member_rules",
    "member_vault_arn",
    "policy_documents",
    "policy_plan_names",
    "policy_plans",
    "policy_selection",
    "utc_schedule",
]
