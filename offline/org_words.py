"""The organization stack's backup policies in plain words: the plans a member account gets.

Read from the ``aws:organizations/policy:Policy`` registrations (the documents ``pulumi up`` would
send), never from the config, like the rest of the report. Every schedule of a backup policy runs
in UTC (AWS Organizations, "Backup policy syntax and examples").
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any, Optional

from .component_rules import org_policy, rules, selected_types, storage_tiers
from .engine import OfflineRun
from .report import _duration, _keeps, describe_schedule

POLICY = "aws:organizations/policy:Policy"
BACKUP_POLICY = "BACKUP_POLICY"


def _lifecycle(lifecycle: Optional[dict[str, str]]) -> dict[str, Any]:
    """A policy lifecycle in the words of the per-account plans' (``deleteAfter``, ``coldStorageAfter``,
    ``optInToArchiveForSupportedResources``)."""
    lifecycle = lifecycle or {}
    names = {"delete_after_days": "deleteAfter", "move_to_cold_storage_after_days": "coldStorageAfter"}
    words: dict[str, Any] = {names[key]: int(value) for key, value in lifecycle.items() if key in names}
    if lifecycle.get("opt_in_to_archive_for_supported_resources") == "true":
        words["optInToArchiveForSupportedResources"] = True
    return words


def _types(plan: dict[str, Any], vss: bool) -> list[str]:
    """The resource types a policy plan's selections may select (:mod:`components.storage_tiers`)."""
    selections: list[dict[str, Any]] = [
        {"name": name, "tags": {body["tag_key"]: "?"}, "conditions": body.get("conditions") or {}}
        for name, body in (plan["selections"].get("tags") or {}).items()
    ]
    selections += [
        {"name": name, "resources": body["resource_types"], "not_resources": body.get("not_resource_types") or []}
        for name, body in (plan["selections"].get("resources") or {}).items()
    ]
    found = selected_types.plan_types(
        selections, windows_vss=vss, region="*", tag_types=(storage_tiers.EC2, storage_tiers.EBS)
    )
    return storage_tiers.ordered(found.types)


def _region_of(arn: str) -> Optional[str]:
    parts = arn.split(":")
    return parts[3] if len(parts) > 3 and parts[3] else None


def _conditions(body: dict[str, Any]) -> str:
    words = ""
    for kind, conditions in (body.get("conditions") or {}).items():
        for condition in conditions.values():
            words += f", where {condition['condition_key']} {kind} {condition['condition_value']}"
    return words


def _selects(selections: dict[str, Any]) -> list[str]:
    found = []
    for name, body in (selections.get("tags") or {}).items():
        values = " or ".join(f"{body['tag_key']}={value}" for value in body["tag_value"])
        found.append(f"selection {name}: resources tagged {values}{_conditions(body)}, as {body['iam_role_arn']}")
    for name, body in (selections.get("resources") or {}).items():
        what = ", ".join(body["resource_types"])
        if body.get("not_resource_types"):
            what += f" except {', '.join(body['not_resource_types'])}"
        found.append(f"selection {name}: resources of type {what}{_conditions(body)}, as {body['iam_role_arn']}")
    return found


def policy_language(run: OfflineRun, now: Optional[dt.datetime] = None) -> list[str]:
    """One paragraph per rule of every policy plan: where it runs, when, what, where it keeps backups."""
    now = now or dt.datetime.now(dt.UTC)
    lines: list[str] = []
    # By name: the engine may register the policies in any order, and the report must read the same each run.
    for policy in sorted(run.of_type(POLICY), key=lambda policy: str(policy.inputs.get("name"))):
        if policy.inputs.get("type") != BACKUP_POLICY:
            continue
        document = org_policy.effective_policy(json.loads(policy.inputs["content"]))
        for plan_name, plan in document["plans"].items():
            vss = (plan.get("advanced_backup_settings") or {}).get("ec2", {}).get("windows_vss") == "enabled"
            types = _types(plan, vss)
            home = plan["regions"][0] if len(plan["regions"]) == 1 else None
            lines.append(
                f"Plan {plan_name} (policy {policy.inputs['name']}), in every target account in "
                f"{', '.join(plan['regions'])}" + ("; Windows VSS on for EC2 instances" if vss else "") + ":"
            )
            lines += [f"  {selection}" for selection in _selects(plan["selections"])]
            for rule_name, rule in plan["rules"].items():
                schedule = rule["schedule_expression"]
                next_runs = ", ".join(f"{when:%a %Y-%m-%d %H:%M}" for when in rules.upcoming_runs(schedule, now, 3))
                lifecycle = rule.get("lifecycle")
                lines.append(
                    f"  rule {rule_name}: runs {describe_schedule(schedule)} (UTC), {schedule}; "
                    f"next: {f'{next_runs} UTC' if next_runs else 'not known to this program'}"
                )
                lines.append(
                    f"    starts within {_duration(int(rule['start_backup_window_minutes']))} and must finish within "
                    f"{_duration(int(rule['complete_backup_window_minutes']))}"
                )
                lines.append(
                    f"    into vault {rule['target_backup_vault_name']} of the account and "
                    f"{_keeps(_lifecycle(lifecycle), types, home)}"
                )
                for arn, copy in (rule.get("copy_actions") or {}).items():
                    where = "the account's own vault" if ":$account:" in arn else "another account's vault"
                    lines.append(
                        f"    copies each to {arn} ({where}) and "
                        f"{_keeps(_lifecycle(copy.get('lifecycle')), types, _region_of(arn))}"
                    )
    return lines


__all__ = ["POLICY", "policy_language"]
