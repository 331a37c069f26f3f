"""The AWS Backup Audit Manager controls AWS documents, their parameters, and checks of your own controls.

Control names come from the AWS Backup guide, "Creating frameworks using the AWS Backup API" (and
"Controls and remediation" for what each one judges); their parameters from the AWS Config managed
rules each control runs (AWS Config guide, e.g. "backup-plan-min-frequency-and-min-retention-check").
Whether ``CreateFramework`` refuses a name AWS does not document is not confirmed, so an unknown name
is a warning, not an error. A parameter AWS does not document for a control is an error where the
control's parameter list is confirmed, else a warning.
"""

# No ``from __future__ import annotations``: the component provider host (``provider/``) reads
# the argument types at run time to build the package schema for other languages.

import difflib
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, NotRequired, Optional, TypedDict

from . import rules

#: AWS Backup guide, "Controls and remediation": up to 50 controls per account and Region (the same
#: control in two frameworks counts twice), so one framework holds 50 at most.
MAX_CONTROLS = 50
#: botocore ``ComplianceResourceIdList``: 1-100 resource IDs in a control scope.
MAX_SCOPE_RESOURCE_IDS = 100
#: AWS Config rule "backup-recovery-point-manual-deletion-disabled": up to 5 role ARNs may still delete.
MAX_DELETION_PRINCIPALS = 5
#: Console title of the cross-account control: "up to 5" accounts of the organization.
MAX_CROSS_ACCOUNTS = 5

ValueCheck = Callable[[str], Optional[str]]


class ControlScopeArgs(TypedDict, total=False):
    """What a control judges; none: every resource AWS Config records in the account and region."""

    resource_ids: Sequence[str]
    """IDs of the resources to judge (1-100), with exactly one ``resource_types`` entry."""
    resource_types: Sequence[str]
    """Resource types to judge, e.g. ``["EBS"]`` or ``["AWS::Backup::BackupVault"]``."""
    tags: Mapping[str, str]
    """The one tag key and value the judged resources carry."""


class ControlArgs(TypedDict):
    """A control of a framework."""

    name: str
    """Control name as AWS spells it, e.g. ``BACKUP_RECOVERY_POINT_ENCRYPTED``."""
    parameters: NotRequired[Mapping[str, Any]]
    """Input parameters by name, e.g. ``{"requiredRetentionDays": 35}`` (sent as text). Default: none
    (the control's own defaults)."""
    scope: NotRequired[Optional[ControlScopeArgs]]
    """What the control judges. Default: every resource of the account and region."""


def _whole(low: int, high: Optional[int] = None) -> ValueCheck:
    def check(value: str) -> Optional[str]:
        if not re.fullmatch(r"\d+", value) or int(value) < low or (high is not None and int(value) > high):
            return f"a whole number from {low}" + (f" to {high}" if high is not None else " up")
        return None

    return check


def _one_of(*choices: str) -> ValueCheck:
    def check(value: str) -> Optional[str]:
        return None if value in choices else f"one of {list(choices)}"

    return check


def _list_of(item: Callable[[str], Optional[rules.Violation]], what: str, most: Optional[int] = None) -> ValueCheck:
    def check(value: str) -> Optional[str]:
        items = [part.strip() for part in value.split(",")]
        if any(item(part) for part in items) or (most is not None and len(items) > most):
            return f"a comma-separated list of {what}" + (f", {most} at most" if most else "")
        return None

    return check


@dataclass(frozen=True)
class Control:
    """A control AWS documents, and the parameters it takes."""

    name: str
    parameters: Mapping[str, ValueCheck] = field(default_factory=dict)
    """Parameter name to the check of its value."""
    confirmed: bool = True
    """Whether the parameter names are confirmed by an AWS page (else unknown names only warn)."""
    ranges: Callable[[Mapping[str, str]], Optional[tuple[str, str, str]]] = lambda _: None
    """A check across parameters: ``(parameter, rule, fix)`` when they disagree."""


def _age_ranges(
    hours: int, days: int, least_hours: int = 1
) -> Callable[[Mapping[str, str]], Optional[tuple[str, str, str]]]:
    def check(values: Mapping[str, str]) -> Optional[tuple[str, str, str]]:
        unit, value = values.get("recoveryPointAgeUnit", "days"), values.get("recoveryPointAgeValue")
        if value is None or not value.isdigit():
            return None
        low, high = (least_hours, hours) if unit == "hours" else (1, days)
        if not low <= int(value) <= high:
            return "recoveryPointAgeValue", f"in {unit} it is {low}-{high}", f"use {low}-{high} {unit}"
        return None

    return check


def _frequency_ranges(values: Mapping[str, str]) -> Optional[tuple[str, str, str]]:
    # AWS Config rule "backup-plan-min-frequency-and-min-retention-check": at most 24 hours or 31 days.
    unit, value = values.get("requiredFrequencyUnit", "days"), values.get("requiredFrequencyValue")
    high = 24 if unit == "hours" else 31
    if value is not None and value.isdigit() and int(value) > high:
        other = "days" if unit == "hours" else "a shorter period"
        return "requiredFrequencyValue", f"in {unit} it is at most {high}", f"use 1-{high} {unit}, or count in {other}"
    return None


def _lock_ranges(values: Mapping[str, str]) -> Optional[tuple[str, str, str]]:
    low, high = values.get("minRetentionDays"), values.get("maxRetentionDays")
    if low and high and low.isdigit() and high.isdigit() and int(high) < int(low):
        return "maxRetentionDays", "it cannot be less than minRetentionDays", f"use at least {low}"
    return None


_UNIT = _one_of("hours", "days")
_DAYS = _whole(1, rules.DELETE_AFTER_MAX)

#: Every control AWS documents, by name.
CONTROLS: dict[str, Control] = {
    control.name: control
    for control in (
        Control("BACKUP_RESOURCES_PROTECTED_BY_BACKUP_PLAN"),
        Control(
            "BACKUP_PLAN_MIN_FREQUENCY_AND_MIN_RETENTION_CHECK",
            {"requiredFrequencyUnit": _UNIT, "requiredFrequencyValue": _whole(1), "requiredRetentionDays": _DAYS},
            ranges=_frequency_ranges,
        ),
        Control(
            "BACKUP_RECOVERY_POINT_MANUAL_DELETION_DISABLED",
            {"principalArnList": _list_of(rules.iam_role_arn, "IAM role ARNs", MAX_DELETION_PRINCIPALS)},
        ),
        Control("BACKUP_RECOVERY_POINT_ENCRYPTED"),
        Control("BACKUP_RECOVERY_POINT_MINIMUM_RETENTION_CHECK", {"requiredRetentionDays": _DAYS}),
        Control(
            "BACKUP_RESOURCES_PROTECTED_BY_CROSS_REGION",
            {"crossRegionList": _list_of(rules.aws_region, "region codes")},
            confirmed=False,
        ),
        Control(
            "BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT",
            {"crossAccountList": _list_of(rules.account_id, "12-digit account IDs", MAX_CROSS_ACCOUNTS)},
            confirmed=False,
        ),
        Control(
            "BACKUP_RESOURCES_PROTECTED_BY_BACKUP_VAULT_LOCK",
            {"minRetentionDays": _DAYS, "maxRetentionDays": _DAYS},
            ranges=_lock_ranges,
        ),
        Control(
            "BACKUP_LAST_RECOVERY_POINT_CREATED",
            {"recoveryPointAgeUnit": _UNIT, "recoveryPointAgeValue": _whole(1)},
            ranges=_age_ranges(hours=744, days=31),
        ),
        Control("RESTORE_TIME_FOR_RESOURCES_MEET_TARGET", {"maxRestoreTime": _whole(1)}, confirmed=False),
        Control(
            "RESOURCES_IN_LOGICALLY_AIR_GAPPED_VAULT",
            {"recoveryPointAgeUnit": _UNIT, "recoveryPointAgeValue": _whole(1)},
            confirmed=False,
            ranges=_age_ranges(hours=2184, days=91, least_hours=24),
        ),
    )
}


def parameter_text(value: Any) -> str:
    """A parameter value as AWS takes it: text (``35`` becomes ``"35"``, ``True`` becomes ``"true"``)."""
    if isinstance(value, bool):
        return str(value).lower()
    return str(value)


def suggestion(name: str) -> Optional[str]:
    """The documented control a misspelt (or lower-case) name most likely means."""
    normalized = re.sub(r"[^A-Z0-9]+", "_", name.upper()).strip("_")
    if normalized in CONTROLS:
        return normalized
    close = difflib.get_close_matches(normalized, list(CONTROLS), n=1, cutoff=0.75)
    return close[0] if close else None


def scope_problems(scope: Optional[Mapping[str, Any]]) -> list[tuple[str, rules.Violation]]:
    """A control scope: 1-100 resource IDs with exactly one resource type, at most one tag (botocore
    ``ControlScope``: "a specific resource type, a tag key-value, or a combination of one resource
    type and one resource ID"; "A maximum of one key-value pair can be provided")."""
    if not scope:
        return []
    found: list[tuple[str, rules.Violation]] = []
    ids, types, tags = scope.get("resource_ids") or [], scope.get("resource_types") or [], scope.get("tags") or {}
    if ids and not 1 <= len(ids) <= MAX_SCOPE_RESOURCE_IDS:
        found.append(
            ("resource_ids", rules.Violation(f"a scope names 1-{MAX_SCOPE_RESOURCE_IDS} resource IDs", "name fewer"))
        )
    if ids and len(types) != 1:
        found.append(
            (
                "resource_types",
                rules.Violation(
                    "resource IDs are judged with exactly one resource type",
                    "name the one type of those resources, e.g. ['AWS::Backup::BackupVault']",
                ),
            )
        )
    if len(tags) > 1:
        found.append(("tags", rules.Violation("a control scope takes at most one tag", "keep one tag")))
    elif violation := rules.tag_filter(tags):
        found.append(("tags", violation))
    return found


def control_problems(control: Mapping[str, Any]) -> tuple[list[tuple[str, rules.Violation]], list[str]]:
    """``(problems, warnings)`` of one control: problems at ``name``, ``parameters.<name>`` or
    ``scope.<field>``; warnings as text."""
    name = control["name"]
    values = {str(key): parameter_text(value) for key, value in (control.get("parameters") or {}).items()}
    found = [(f"scope.{where}", violation) for where, violation in scope_problems(control.get("scope"))]
    if not 1 <= len(name) <= 256:
        return [("name", rules.Violation("a control name is 1-256 characters", "use a name AWS documents"))], []
    known = CONTROLS.get(name)
    if known is None:
        meant = suggestion(name)
        return found, [
            f"control {name!r} is not one AWS documents (AWS Backup guide, 'Creating frameworks using the AWS Backup "
            "API'); AWS may reject it or never evaluate it"
            + (f". Did you mean {meant!r}?" if meant else f". Documented controls: {', '.join(CONTROLS)}")
        ]
    warnings: list[str] = []
    for key, value in values.items():
        check = known.parameters.get(key)
        if check is None:
            expected = list(known.parameters) or "no parameters"
            if known.confirmed:
                found.append(
                    (
                        f"parameters.{key}",
                        rules.Violation(
                            f"{name} takes {expected}, not {key!r}",
                            "remove it" if not known.parameters else f"use one of {list(known.parameters)}",
                        ),
                    )
                )
            else:
                warnings.append(
                    f"control {name}: parameter {key!r} is not one AWS documents for it ({expected}); it may be ignored"
                )
        elif rule := check(value):
            found.append((f"parameters.{key}", rules.Violation(f"{name}'s {key} is {rule}", f"write {rule}")))
    if not found and (disagreement := known.ranges(values)):
        key, rule, fix = disagreement
        found.append((f"parameters.{key}", rules.Violation(f"{name}'s {key}: {rule}", fix)))
    return found, warnings


def controls_problems(
    controls: Sequence[Mapping[str, Any]], taken: Sequence[str] = ()
) -> tuple[list[tuple[str, rules.Violation]], list[str]]:
    """``(problems, warnings)`` of a framework's own controls, problems at ``[i].<field>``.

    ``taken``: names of controls the framework already holds (the stack's own), which may not repeat.
    """
    found: list[tuple[str, rules.Violation]] = []
    warnings: list[str] = []
    if len(controls) + len(taken) > MAX_CONTROLS:
        found.append(
            (
                "",
                rules.Violation(
                    f"AWS allows {MAX_CONTROLS} controls per account and Region, and this framework has "
                    f"{len(controls) + len(taken)}",
                    "drop controls",
                ),
            )
        )
    names = [control["name"] for control in controls]
    for index, control in enumerate(controls):
        problems, notes = control_problems(control)
        found += [(f"[{index}].{where}", violation) for where, violation in problems]
        warnings += notes
        if control["name"] in taken:
            found.append(
                (
                    f"[{index}].name",
                    rules.Violation(
                        f"the stack's own controls already include {control['name']}",
                        "remove it here, or turn the stack's controls off to write all of them yourself",
                    ),
                )
            )
        elif names.index(control["name"]) != index:
            found.append((f"[{index}].name", rules.Violation(f"{control['name']} is listed twice", "list it once")))
    return found, warnings


__all__ = [
    "CONTROLS",
    "MAX_CONTROLS",
    "Control",
    "ControlArgs",
    "ControlScopeArgs",
    "control_problems",
    "controls_problems",
    "parameter_text",
    "scope_problems",
    "suggestion",
]
