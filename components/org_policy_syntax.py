"""AWS Organizations backup policy syntax, checked offline: :func:`policy_problems` lists what AWS
would reject in any backup policy document, :func:`policy_warnings` what it may accept but does not
document, and :func:`policy_content` writes a document the way it is sent.

Every fact here is from the AWS Organizations User Guide, "Backup policy syntax and examples"
(https://docs.aws.amazon.com/organizations/latest/userguide/orgs_manage_policies_backup_syntax.html),
unless a comment names another page:

- the document starts with ``plans``; each plan is keyed by its name and needs ``rules``,
  ``regions`` and ``selections``; each value sits under an inheritance operator (``@@assign``;
  ``@@append`` and ``@@remove`` only on lists, "Inheritance operators");
- numbers (windows, lifecycle days) are written as strings in every example of the guide, and so
  are booleans, except Example 5, which writes ``{"@@assign": false}``: a JSON boolean is taken
  with a warning;
- ``copy_actions`` are keyed by the destination vault ARN (``$account`` for the member account);
- ``selections`` hold ``tags`` or ``resources`` (resource types), never both, never exact ARNs;
- rule and selection names (and tag identifiers) appear lower-cased in the effective policy, so
  two names that differ only in case would collide.

Limits: "Quotas and service limits for AWS Organizations" (a backup policy document holds at most
10,000 characters, counted as sent through the API, so documents are written compact) and "AWS
Backup quotas" (10 rules per plan, 10 tag selections per plan, 5 copy actions per rule, 30
conditions per selection).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Any, Optional

from . import rules
from .selection import RESOURCE_TAG_PREFIX

#: "Maximum size of a policy document ... Backup policies: 10,000 characters" (Organizations quotas).
MAX_POLICY_CHARACTERS = 10_000
#: AWS Backup quotas, "Policy quotas": none of them is adjustable.
MAX_RULES_PER_PLAN = 10
MAX_TAG_SELECTIONS_PER_PLAN = 10
MAX_SELECTIONS_PER_PLAN = 100
MAX_COPY_ACTIONS_PER_RULE = 5
MAX_CONDITIONS_PER_SELECTION = 30
#: "Maximum attached per OU / per account / to root: 10" (Organizations quotas, backup policies).
MAX_POLICIES_PER_TARGET = 10

#: Value-setting operators ("Inheritance operators"); append and remove work on lists only.
ASSIGN = "@@assign"
VALUE_OPERATORS = (ASSIGN, "@@append", "@@remove")
CHILD_CONTROL = "@@operators_allowed_for_child_policies"
CONDITION_KINDS = ("string_equals", "string_not_equals", "string_like", "string_not_like")


def policy_content(document: Mapping[str, Any]) -> str:
    """The document as sent: compact JSON. The API keeps every character it is given, and the
    10,000-character limit counts them all (Organizations quotas, on saving through an SDK)."""
    return json.dumps(document, separators=(",", ":"), ensure_ascii=False)


def is_resource_type(arn: str) -> bool:
    """``*``, or an ARN pattern that names a whole resource type in every region and account
    (``arn:aws:ec2:*:*:instance/*``): the only resources a backup policy can select."""
    if arn == "*":
        return True
    parts = arn.split(":", 5)
    return (
        len(parts) == 6
        and parts[0] == "arn"
        and parts[1] in ("aws", "aws-cn", "aws-us-gov")
        and bool(re.fullmatch(r"[a-z0-9-]+", parts[2]))
        and parts[3] in ("*", "")
        and parts[4] in ("*", "")
        and parts[5].endswith("*")
    )


_PLAN_REQUIRED = ("rules", "regions", "selections")
_PLAN_OPTIONAL = ("advanced_backup_settings", "backup_plan_tags", "scan_settings")
_RULE_REQUIRED = ("schedule_expression", "target_backup_vault_name")
_RULE_OPTIONAL = (
    "target_logically_air_gapped_backup_vault_arn",
    "start_backup_window_minutes",
    "complete_backup_window_minutes",
    "enable_continuous_backup",
    "lifecycle",
    "copy_actions",
    "recovery_point_tags",
    "index_actions",
    "scan_actions",
)
_LIFECYCLE_NUMBERS = ("move_to_cold_storage_after_days", "delete_after_days")
_LIFECYCLE_FLAG = "opt_in_to_archive_for_supported_resources"
_TAG_SELECTION = (("iam_role_arn", "tag_key", "tag_value"), ("conditions",))
_RESOURCE_SELECTION = (("iam_role_arn", "resource_types"), ("not_resource_types", "conditions"))
_ADVANCED: dict[str, dict[str, Optional[tuple[str, ...]]]] = {
    "ec2": {"windows_vss": ("enabled", "disabled")},
    "s3": {"backup_acls": None, "backup_object_tags": None},
}
_ROLE_ARN = re.compile(r"arn:aws[a-z-]*:iam::(\d{12}|\$account):role/[\w+=,.@/-]{1,512}", re.ASCII)
_VAULT_ARN = re.compile(r"arn:aws[a-z-]*:backup:[a-z0-9-]+:(\d{12}|\$account):backup-vault:[a-zA-Z0-9\-_]{2,50}")


class _Checker:
    """Walks one document, collecting every problem as ``<path>: <what is wrong>``, and every
    setting AWS may accept without documenting it as ``<path>: <why it is uncertain>``."""

    def __init__(self) -> None:
        self.found: list[str] = []
        self.warned: list[str] = []

    def add(self, path: str, problem: str) -> None:
        self.found.append(f"{path}: {problem}")

    def warn(self, path: str, doubt: str) -> None:
        self.warned.append(f"{path}: {doubt}")

    def keys(self, node: Any, path: str, required: Iterable[str], optional: Iterable[str]) -> bool:
        """A mapping with every required key and only known ones (child control operators allowed)."""
        if not isinstance(node, dict):
            self.add(path, "must be an object")
            return False
        known = {*required, *optional, CHILD_CONTROL}
        for key in required:
            if key not in node:
                self.add(path, f"'{key}' is required")
        for key in node:
            if key not in known:
                self.add(f"{path}.{key}", "is not a key of the backup policy syntax")
        return True

    def value(self, node: Any, path: str, *, many: bool = False) -> Any:
        """A setting's value under exactly one value operator; ``None`` when it is malformed.

        ``many``: a list setting (``@@append`` and ``@@remove`` are only for those)."""
        if not isinstance(node, dict):
            self.add(path, f'must be written under an operator, e.g. {{"{ASSIGN}": ...}}')
            return None
        operators = [key for key in node if key in VALUE_OPERATORS]
        unknown = [key for key in node if key not in VALUE_OPERATORS and key != CHILD_CONTROL]
        if unknown or len(operators) != 1:
            self.add(path, f"must hold exactly one of {', '.join(VALUE_OPERATORS)}")
            return None
        operator = operators[0]
        value = node[operator]
        if operator != ASSIGN and not many:
            self.add(path, f"{operator} works only on settings that hold a list")
        if many and not (isinstance(value, list) and all(isinstance(item, str) for item in value)):
            self.add(path, "must be a list of strings")
            return None
        if not many and isinstance(value, bool):
            # Example 5 of the guide writes {"@@assign": false}; every other example a string.
            self.warn(
                path,
                f"a JSON {str(value).lower()} where the guide's examples write the string {str(value).lower()!r} (only "
                "its Example 5 writes a JSON boolean): unconfirmed that AWS accepts it, write it as a string",
            )
            return str(value).lower()
        if not many and not isinstance(value, str):
            self.add(path, "must be a string (the guide writes numbers and booleans as strings too)")
            return None
        return value

    def number(self, node: Any, path: str, minimum: int = 1) -> None:
        value = self.value(node, path)
        if value is not None and (not value.isdigit() or int(value) < minimum):
            self.add(path, f"must be a whole number of at least {minimum}, written as a string")

    def flag(self, node: Any, path: str, allowed: Sequence[str] = ("true", "false")) -> None:
        value = self.value(node, path)
        if value is not None and value not in allowed:
            self.add(path, f"must be one of {', '.join(allowed)}")

    def unique_lower(self, names: Iterable[str], path: str, what: str) -> None:
        seen: dict[str, str] = {}
        for name in names:
            if name.lower() in seen:
                self.add(
                    f"{path}.{name}",
                    f"{what} {seen[name.lower()]!r} and {name!r} differ only in case; the effective policy "
                    "lower-cases them, so they would collide",
                )
            seen.setdefault(name.lower(), name)

    def plan(self, plan: Any, path: str) -> None:
        if not self.keys(plan, path, _PLAN_REQUIRED, _PLAN_OPTIONAL):
            return
        regions = self.value(plan.get("regions"), f"{path}.regions", many=True) if "regions" in plan else None
        for region in regions or []:
            if rules.aws_region(region):
                self.add(f"{path}.regions", f"{region!r} is not an AWS region code")
        if regions == []:
            self.add(f"{path}.regions", "must name at least one region")
        self.rules(plan.get("rules"), f"{path}.rules")
        self.selections(plan.get("selections"), f"{path}.selections")
        if "advanced_backup_settings" in plan:
            self.advanced(plan["advanced_backup_settings"], f"{path}.advanced_backup_settings")
        if "backup_plan_tags" in plan:
            self.tag_pairs(plan["backup_plan_tags"], f"{path}.backup_plan_tags")

    def rules(self, rules_: Any, path: str) -> None:
        if not isinstance(rules_, dict):
            if rules_ is not None:
                self.add(path, "must be an object of rules by name")
            return
        names = [name for name in rules_ if name != CHILD_CONTROL]
        if not names:
            self.add(path, "must hold at least one rule")
        if len(names) > MAX_RULES_PER_PLAN:
            self.add(path, f"{len(names)} rules; a plan holds at most {MAX_RULES_PER_PLAN} (AWS Backup quotas)")
        self.unique_lower(names, path, "rules")
        for name in names:
            if rules.rule_name(name):
                self.add(f"{path}.{name}", "a rule name is 1-50 letters, digits, '-', '_' or '.'")
            self.rule(rules_[name], f"{path}.{name}")

    def rule(self, rule: Any, path: str) -> None:
        if not self.keys(rule, path, _RULE_REQUIRED, _RULE_OPTIONAL):
            return
        if "schedule_expression" in rule:
            schedule = self.value(rule["schedule_expression"], f"{path}.schedule_expression")
            violation = rules.schedule(schedule) if schedule is not None else None
            if violation:
                self.add(f"{path}.schedule_expression", violation.rule)
        if "target_backup_vault_name" in rule:
            vault = self.value(rule["target_backup_vault_name"], f"{path}.target_backup_vault_name")
            if vault is not None and rules.vault_name(vault):
                self.add(
                    f"{path}.target_backup_vault_name", "a vault name (not an ARN) of 2-50 letters, digits, - or _"
                )
        if "start_backup_window_minutes" in rule:
            # "If this value is included, it must be at least 60 minutes to avoid errors."
            self.number(rule["start_backup_window_minutes"], f"{path}.start_backup_window_minutes", 60)
        if "complete_backup_window_minutes" in rule:
            self.number(rule["complete_backup_window_minutes"], f"{path}.complete_backup_window_minutes")
        if "enable_continuous_backup" in rule:
            self.flag(rule["enable_continuous_backup"], f"{path}.enable_continuous_backup")
        if "lifecycle" in rule:
            self.lifecycle(rule["lifecycle"], f"{path}.lifecycle")
        if "recovery_point_tags" in rule:
            self.tag_pairs(rule["recovery_point_tags"], f"{path}.recovery_point_tags")
        if "copy_actions" in rule:
            self.copy_actions(rule["copy_actions"], f"{path}.copy_actions")

    def lifecycle(self, lifecycle: Any, path: str) -> None:
        if not self.keys(lifecycle, path, (), (*_LIFECYCLE_NUMBERS, _LIFECYCLE_FLAG)):
            return
        days: dict[str, int] = {}
        for key in _LIFECYCLE_NUMBERS:
            if key in lifecycle:
                self.number(lifecycle[key], f"{path}.{key}")
                value = lifecycle[key].get(ASSIGN) if isinstance(lifecycle[key], dict) else None
                if isinstance(value, str) and value.isdigit():
                    days[key] = int(value)
        if _LIFECYCLE_FLAG in lifecycle:
            self.flag(lifecycle[_LIFECYCLE_FLAG], f"{path}.{_LIFECYCLE_FLAG}")
        violation = rules.lifecycle(days.get("delete_after_days"), days.get("move_to_cold_storage_after_days"))
        if violation:
            self.add(path, violation.rule)

    def copy_actions(self, copies: Any, path: str) -> None:
        if not isinstance(copies, dict):
            self.add(path, "must be an object of copy actions keyed by destination vault ARN")
            return
        keys = [key for key in copies if key != CHILD_CONTROL]
        if len(keys) > MAX_COPY_ACTIONS_PER_RULE:
            self.add(
                path, f"{len(keys)} copy actions; a rule holds at most {MAX_COPY_ACTIONS_PER_RULE} (AWS Backup quotas)"
            )
        for key in keys:
            at = f"{path}[{key}]"
            if not _VAULT_ARN.fullmatch(key):
                self.add(at, "a copy action is keyed by its destination vault ARN (the account may be $account)")
            if not self.keys(copies[key], at, ("target_backup_vault_arn",), ("lifecycle",)):
                continue
            if "target_backup_vault_arn" in copies[key]:
                target = self.value(copies[key]["target_backup_vault_arn"], f"{at}.target_backup_vault_arn")
                if target is not None and target != key:
                    self.add(f"{at}.target_backup_vault_arn", f"{target!r} is not the ARN the copy action is keyed by")
            if "lifecycle" in copies[key]:
                self.lifecycle(copies[key]["lifecycle"], f"{at}.lifecycle")

    def tag_pairs(self, pairs: Any, path: str) -> None:
        if not isinstance(pairs, dict):
            self.add(path, "must be an object of tags by identifier")
            return
        for identifier, pair in pairs.items():
            if identifier == CHILD_CONTROL:
                continue
            at = f"{path}.{identifier}"
            if identifier != identifier.lower():
                self.add(at, "the identifier is the tag key in lower case")
            if self.keys(pair, at, ("tag_key", "tag_value"), ()):
                for key in ("tag_key", "tag_value"):
                    if key in pair:
                        self.value(pair[key], f"{at}.{key}")

    def selections(self, selections: Any, path: str) -> None:
        if not self.keys(selections, path, (), ("tags", "resources")):
            return
        kinds = [kind for kind in ("tags", "resources") if kind in selections]
        if len(kinds) != 1:
            self.add(path, "must hold either 'tags' or 'resources' (they are mutually exclusive)")
        names: list[str] = []
        for kind in kinds:
            block = selections[kind]
            if not isinstance(block, dict) or not block:
                self.add(f"{path}.{kind}", "must be an object of selections by name")
                continue
            entries = [name for name in block if name != CHILD_CONTROL]
            names += entries
            if kind == "tags" and len(entries) > MAX_TAG_SELECTIONS_PER_PLAN:
                self.add(
                    f"{path}.tags",
                    f"{len(entries)} tag selections; a plan holds at most {MAX_TAG_SELECTIONS_PER_PLAN} "
                    "(AWS Backup quotas)",
                )
            required, optional = _TAG_SELECTION if kind == "tags" else _RESOURCE_SELECTION
            for name in entries:
                self.selection(block[name], f"{path}.{kind}.{name}", kind, required, optional)
        if len(names) > MAX_SELECTIONS_PER_PLAN:
            self.add(
                path, f"{len(names)} selections; a plan holds at most {MAX_SELECTIONS_PER_PLAN} (AWS Backup quotas)"
            )
        self.unique_lower(names, path, "selections")
        for name in names:
            if rules.selection_name(name):
                self.add(f"{path}.{name}", "a selection name is 1-50 letters, digits, '-', '_' or '.'")

    def selection(self, body: Any, path: str, kind: str, required: Sequence[str], optional: Sequence[str]) -> None:
        if not self.keys(body, path, required, optional):
            return
        if "iam_role_arn" in body:
            role = self.value(body["iam_role_arn"], f"{path}.iam_role_arn")
            if role is not None and not _ROLE_ARN.fullmatch(role):
                self.add(f"{path}.iam_role_arn", "an IAM role ARN, arn:aws:iam::$account:role/<name>")
        if kind == "tags":
            if "tag_key" in body:
                self.value(body["tag_key"], f"{path}.tag_key")
            if "tag_value" in body:
                values = self.value(body["tag_value"], f"{path}.tag_value", many=True)
                if values == []:
                    self.add(f"{path}.tag_value", "must list at least one value")
        else:
            for key in ("resource_types", "not_resource_types"):
                if key in body:
                    for arn in self.value(body[key], f"{path}.{key}", many=True) or []:
                        if not is_resource_type(arn):
                            self.add(
                                f"{path}.{key}",
                                f"{arn!r} is not a resource type: use '*' or a pattern like "
                                "'arn:aws:ec2:*:*:instance/*'",
                            )
        if "conditions" in body:
            self.conditions(body["conditions"], f"{path}.conditions")

    def conditions(self, conditions: Any, path: str) -> None:
        if not self.keys(conditions, path, (), CONDITION_KINDS):
            return
        count = 0
        for kind in CONDITION_KINDS:
            block = conditions.get(kind)
            if block is None:
                continue
            if not isinstance(block, dict):
                self.add(f"{path}.{kind}", "must be an object of conditions by name")
                continue
            for name, condition in block.items():
                if name == CHILD_CONTROL:
                    continue
                count += 1
                at = f"{path}.{kind}.{name}"
                if self.keys(condition, at, ("condition_key", "condition_value"), ()):
                    key = self.value(condition.get("condition_key"), f"{at}.condition_key")
                    if key is not None and not key.startswith(RESOURCE_TAG_PREFIX):
                        self.add(f"{at}.condition_key", f"a condition key is {RESOURCE_TAG_PREFIX}<tag key>")
                    self.value(condition.get("condition_value"), f"{at}.condition_value")
        if count > MAX_CONDITIONS_PER_SELECTION:
            self.add(
                path,
                f"{count} conditions; a selection holds at most {MAX_CONDITIONS_PER_SELECTION} (AWS Backup quotas)",
            )

    def advanced(self, settings: Any, path: str) -> None:
        if not self.keys(settings, path, (), _ADVANCED):
            return
        for resource, options in _ADVANCED.items():
            if resource in settings and self.keys(settings[resource], f"{path}.{resource}", (), options):
                for option, allowed in options.items():
                    if option in settings[resource]:
                        self.flag(
                            settings[resource][option],
                            f"{path}.{resource}.{option}",
                            allowed or ("enabled", "disabled"),
                        )


def policy_problems(document: Mapping[str, Any]) -> list[str]:
    """Everything about a backup policy document that AWS's syntax or limits reject (empty when valid).

    Checks the keys and operators at every level, the value types, names (and their case), the
    quotas per plan, rule and selection, and the size of :func:`policy_content`.
    """
    return _checked(document).found


def policy_warnings(document: Mapping[str, Any]) -> list[str]:
    """What a backup policy document writes in a form AWS's guide shows only once or not at all
    (a JSON boolean), so that AWS may or may not accept it. Empty for every generated document."""
    return _checked(document).warned


def _checked(document: Mapping[str, Any]) -> _Checker:
    checker = _Checker()
    if set(document) != {"plans"} or not isinstance(document.get("plans"), dict):
        checker.add("(top)", "a backup policy holds exactly one top-level key, 'plans', an object of plans by name")
        return checker
    plans = {name: plan for name, plan in document["plans"].items() if name != CHILD_CONTROL}
    if not plans:
        checker.add("plans", "must hold at least one plan")
    checker.unique_lower(plans, "plans", "plans")
    for name, plan in plans.items():
        if rules.plan_name(name):
            checker.add(f"plans.{name}", "a plan name is 1-50 letters, digits, '-', '_' or '.'")
        checker.plan(plan, f"plans.{name}")
    size = len(policy_content(document))
    if size > MAX_POLICY_CHARACTERS:
        checker.add(
            "(document)",
            f"{size:,} characters; a backup policy holds at most {MAX_POLICY_CHARACTERS:,} (Organizations quotas)",
        )
    return checker


__all__ = [
    "ASSIGN",
    "CHILD_CONTROL",
    "CONDITION_KINDS",
    "MAX_CONDITIONS_PER_SELECTION",
    "MAX_COPY_ACTIONS_PER_RULE",
    "MAX_POLICIES_PER_TARGET",
    "MAX_POLICY_CHARACTERS",
    "MAX_RULES_PER_PLAN",
    "MAX_SELECTIONS_PER_PLAN",
    "MAX_TAG_SELECTIONS_PER_PLAN",
    "VALUE_OPERATORS",
    "is_resource_type",
    "policy_content",
    "policy_problems",
    "policy_warnings",
]
