"""What a stack may hold: which sections need a vault or plans, names its resources would share, and
the plans that sections such as the VSS setup and malware scanning act on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import rules
from .common import ARCHIVE, CROSS_REGION, StackProblem

#: Sections that act on the stack's plans, and those that act on its vault.
PLAN_SECTIONS = (CROSS_REGION, ARCHIVE, "vss_instances", "malware_scanning")

VAULT_SECTIONS = ("restore_testing", "notifications")

#: Sections a stack may hold alone (besides a vault, with or without plans).
STANDALONE_SECTIONS = ("audit", "region_settings", "enable_cross_account_backup")


def present_sections(args: Mapping[str, Any]) -> set[str]:
    """The top-level sections ``args`` sets (``plans`` only when there is one, flags when true; an
    empty mapping is a section with its defaults)."""
    return {key for key, value in args.items() if value is not None and value is not False and value != []}


def shape_problems(present: set[str]) -> list[tuple[str, rules.Violation]]:
    """What a stack may hold: plans write to its vault; copies and VSS act on its plans; restore tests
    and notifications on its vault; and it deploys something."""
    found: list[tuple[str, rules.Violation]] = []
    if "plans" in present and "vault" not in present:
        found.append(
            (
                "vault",
                rules.Violation("the plans write to the stack's vault, and it has none", "add vault: {name: ...}"),
            )
        )
    for sections, needed, what in ((PLAN_SECTIONS, "plans", "plans"), (VAULT_SECTIONS, "vault", "vault")):
        for key in sections:
            if key in present and needed not in present:
                found.append(
                    (
                        key,
                        rules.Violation(
                            f"{key} acts on the stack's {what}, and it has none",
                            f"add {'a plan' if needed == 'plans' else 'a vault'}, or remove {key}",
                        ),
                    )
                )
    if not found and not present & {"vault", "plans", *STANDALONE_SECTIONS}:
        found.append(
            (
                "vault",
                rules.Violation(
                    "the stack deploys nothing",
                    "add vault and plans (a source stack), archive_vault (the archive stack), or audit or "
                    "region_settings on their own",
                ),
            )
        )
    return found


def duplicate_selection_names(plans: Any) -> list[StackProblem]:
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


def selection_place_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Selection ARNs of another partition, an unknown region or another region than the stack's
    (:func:`components.rules.selection_arn_place`), in ``resources`` and ``not_resources``."""
    found: list[StackProblem] = []
    for plan_index, plan in enumerate(args["plans"]):
        for index, selection in enumerate(plan["selections"]):
            for key in ("resources", "not_resources"):
                for arn_index, arn in enumerate(selection.get(key) or []):
                    violation = rules.selection_arn_place(arn, args["region"])
                    if violation:
                        found.append((f"plans[{plan_index}].selections[{index}].{key}[{arn_index}]", arn, violation))
    return found


def vss_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """The VSS instance setup needs a plan with ``windows_vss`` that selects its instances by tag."""
    found: list[StackProblem] = []
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
    return found


def malware_scanning_problems(args: Mapping[str, Any]) -> list[StackProblem]:
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
