"""Cold storage and archive-tier opt-ins against the resource types each plan may select
(:mod:`components.storage_tiers`), for rules and for copies with a lifecycle of their own."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from .. import rules, storage_tiers
from ..selected_types import SelectedTypes, plan_types
from .common import ARCHIVE, CROSS_REGION, Finding, copy_lifecycle, copy_targets, plain_arn


def selects_s3(plans: Any) -> bool:
    """True when a selection's ARNs can name S3 buckets (``arn:aws:s3:::...``, or ``"*"``): the role
    then needs the S3 policies."""
    types = rules.selected_resource_types(
        arn for plan in plans for selection in plan["selections"] for arn in selection.get("resources") or []
    )
    return types is None or storage_tiers.S3 in types


def tag_selected_types(args: Mapping[str, Any]) -> frozenset[str]:
    """The types a tag selection is taken to reach: EC2 instances and EBS volumes (what this
    program backs up), and S3 buckets when the role gets the S3 backup policies."""
    s3 = selects_s3(args["plans"])
    if args.get("existing_role_arn") is None:
        s3 = bool((args.get("role") or {}).get("allow_s3", s3))
    return frozenset({storage_tiers.EC2, storage_tiers.EBS} | ({storage_tiers.S3} if s3 else set()))


def selected_types(args: Mapping[str, Any], account_id: Optional[str] = None) -> list[SelectedTypes]:
    """Per plan of ``args["plans"]``, in order: the resource types its selections may select.
    ``account_id``: the stack's account when known (``not_resources`` naming it can leave a type
    out; see :func:`components.selected_types.excluded_types`)."""
    tag_types = tag_selected_types(args)
    return [
        plan_types(
            plan["selections"],
            windows_vss=plan.get("windows_vss", False),
            region=args["region"],
            tag_types=tag_types,
            account=account_id,
        )
        for plan in args["plans"]
    ]


def destination_region(target: str, destination: Mapping[str, Any]) -> Optional[str]:
    """The Region copies to ``target`` are kept in, when known before deploying."""
    if target == CROSS_REGION:
        return destination.get("region")
    arn = plain_arn(destination.get("vault_arn"))
    return rules.vault_arn_parts(arn)[0] if arn else None


def _cold_finding(
    plan: str, selected: SelectedTypes, cold: Optional[int], opt_in: bool, region: Optional[str]
) -> Optional[tuple[bool, rules.Violation]]:
    """Where AWS Backup would not apply ``cold_storage_after_days``: an error when it applies to
    none of the types the plan certainly selects, a warning when only to some, or when the
    types are assumed from tags. Types outside the tier table are not judged (they may move)."""
    if cold is None:
        return None
    types = storage_tiers.ordered(selected.types)
    known = [t for t in types if t != storage_tiers.OTHER]
    tiers = {t: storage_tiers.tier(t, cold, opt_in, region) for t in known}
    staying = [t for t in known if tiers[t][0] == storage_tiers.WARM]
    if not staying:
        return None
    reasons = "; ".join(dict.fromkeys(str(tiers[t][1]) for t in staying))
    going = [t for t in known if t not in staying] + ([storage_tiers.OTHER] if len(known) < len(types) else [])
    if any(t == storage_tiers.EBS for t in staying) and not opt_in:
        fix = "add opt_in_to_archive: true next to cold_storage_after_days"
    else:
        fix = "remove cold_storage_after_days: these recovery points stay warm either way"
        if storage_tiers.EC2 in staying:
            fix += (
                "; for a second medium, back up the instances' volumes in a plan that selects EBS volumes "
                "and moves a copy to the EBS archive tier (README, Storage tiers and the 3-2-1 verdict)"
            )
    if going:
        moving = " and ".join(
            "those of other resource types with a cold tier of their own"
            if t == storage_tiers.OTHER
            else f"the {storage_tiers.TIERS[t].backups}"
            for t in going
        )
        return False, rules.Violation(
            f"in plan {plan!r}, only {moving} would move to cold storage: {reasons}",
            "select the resource types that go cold in a plan of their own (e.g. resources: "
            "['arn:aws:ec2:*:*:volume/*'] with the tag under conditions), or accept that the others stay warm",
        )
    if not selected.certain:
        return False, rules.Violation(
            f"plan {plan!r} selects by tag, taken to reach {storage_tiers.type_words(types)}, and none of "
            f"them would move to cold storage: {reasons}",
            fix,
        )
    return True, rules.Violation(
        f"plan {plan!r} backs up {storage_tiers.type_words(types)} only, so AWS Backup would ignore this "
        f"setting: {reasons}",
        fix,
    )


def _opt_in_finding(
    plan: str, selected: SelectedTypes, cold: Optional[int], opt_in: bool, stack_region: str
) -> Optional[tuple[bool, rules.Violation]]:
    """An archive-tier opt-in that cannot work (error) or does nothing (warning)."""
    if not opt_in:
        return None
    if stack_region in storage_tiers.EBS_ARCHIVE_UNAVAILABLE:
        # AWS Backup guide, "Amazon EBS and AWS Backup": no EBS archive tier there. In GovCloud the
        # API answers "Invalid lifecycle. EBS Cold Tier is not yet supported" (terraform-provider-aws #35512).
        return True, rules.Violation(
            f"the EBS archive tier is not available in {stack_region} (AWS Backup guide, Amazon EBS and AWS "
            "Backup), and AWS Backup rejects a plan that opts in to it there",
            "remove opt_in_to_archive (and the cold storage it was meant for)",
        )
    if storage_tiers.EBS not in selected.types:
        return False, rules.Violation(
            f"opt_in_to_archive only moves EBS volume backups to the archive tier, and plan {plan!r} backs up "
            f"{storage_tiers.type_words(selected.types)}",
            "remove opt_in_to_archive here",
        )
    if cold is None:
        return False, rules.Violation(
            "opt_in_to_archive does nothing without cold_storage_after_days (the day the move happens)",
            "set cold_storage_after_days, or remove opt_in_to_archive",
        )
    return None


def _lifecycle_findings(
    plan: str,
    selected: SelectedTypes,
    lifecycle: tuple[Optional[int], bool],
    region: Optional[str],
    stack_region: str,
) -> list[tuple[str, Any, bool, rules.Violation]]:
    """``(key, value, is_error, violation)`` for a lifecycle's cold storage and archive opt-in kept
    in ``region``. An opt-in the stack's Region rejects is the one problem reported."""
    cold, opt_in = lifecycle
    found: list[tuple[str, Any, bool, rules.Violation]] = []
    opt_in_finding = _opt_in_finding(plan, selected, cold, opt_in, stack_region)
    if opt_in_finding and opt_in_finding[0]:
        return [("opt_in_to_archive", opt_in, *opt_in_finding)]
    cold_finding = _cold_finding(plan, selected, cold, opt_in, region)
    if cold_finding:
        found.append(("cold_storage_after_days", cold, *cold_finding))
    if opt_in_finding:
        found.append(("opt_in_to_archive", opt_in, *opt_in_finding))
    return found


def tier_findings(args: Mapping[str, Any], account_id: Optional[str] = None) -> list[Finding]:
    """Cold storage and archive opt-ins against the resource types each plan may select, for the
    rules' own recovery points and for copies whose destination sets its own lifecycle (a copy
    that inherits the rule's lifecycle is covered by the rule's finding). ``account_id``: the
    stack's account when known."""
    found: list[Finding] = []
    destinations = {CROSS_REGION: args.get(CROSS_REGION), ARCHIVE: args.get(ARCHIVE)}
    for plan_index, (plan, selected) in enumerate(zip(args["plans"], selected_types(args, account_id), strict=True)):
        for rule_index, rule in enumerate(plan["rules"]):
            at = f"plans[{plan_index}].rules[{rule_index}]"
            lifecycle = (rule.get("cold_storage_after_days"), bool(rule.get("opt_in_to_archive")))
            for key, value, error, violation in _lifecycle_findings(
                plan["name"], selected, lifecycle, args["region"], args["region"]
            ):
                found.append((error, f"{at}.{key}", value, violation))
            for target in copy_targets(rule, args):
                destination = destinations.get(target)
                if not destination or (
                    destination.get("cold_storage_after_days") is None and destination.get("opt_in_to_archive") is None
                ):
                    continue
                _, copy_cold, copy_opt_in = copy_lifecycle(rule, destination)
                for key, value, error, violation in _lifecycle_findings(
                    plan["name"],
                    selected,
                    (copy_cold, copy_opt_in),
                    destination_region(target, destination),
                    args["region"],
                ):
                    decided_by = target if destination.get(key) is not None else at
                    found.append(
                        (
                            error,
                            f"{decided_by}.{key}",
                            value,
                            rules.Violation(f"copies of {at} to {target}: {violation.rule}", violation.fix),
                        )
                    )
    return found
