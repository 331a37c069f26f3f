"""The region's opt-in against the stack's selections: tag selections skip the types turned off."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .. import rules, storage_tiers
from ..selected_types import plan_types
from .common import Finding
from .tiers import tag_selected_types

#: A selection of every resource of a type, to narrow by tag under ``conditions`` (AWS Backup guide,
#: "Assign resources with AWS CLI"): a type named by ARN is backed up whatever the region's opt-in.
_TYPE_PATTERNS = {
    storage_tiers.EC2: "arn:aws:ec2:*:*:instance/*",
    storage_tiers.EBS: "arn:aws:ec2:*:*:volume/*",
    storage_tiers.S3: "arn:aws:s3:::*",
}


def opted_out_findings(args: Mapping[str, Any]) -> list[Finding]:
    """Selections by tag alone follow the region's opt-in: a type the stack turns off is skipped.

    AWS Backup guide, "How AWS Backup works with supported AWS services": "If resource assignments
    are only based on tags, then service opt-in settings are applied"; a resource type named in the
    assignment is backed up "even if the opt-in is not enabled". Per type turned off: an error when a
    selection certain of its types (a Windows VSS plan's instances) would back up nothing, else a
    warning (the types a tag reaches are assumed).
    """
    settings = args.get("region_settings")
    off = {name for name, on in ((settings or {}).get("opt_in") or {}).items() if on is False}
    if not off:
        return []
    tag_types = tag_selected_types(args)
    skipped: dict[str, dict[str, bool]] = {}  # type -> plan name -> a selection loses everything
    for plan in args["plans"]:
        for selection in plan["selections"]:
            by_tag = selection.get("tags") or any((selection.get("conditions") or {}).values())
            if selection.get("resources") or not by_tag:
                continue
            selected = plan_types(
                [selection], windows_vss=plan.get("windows_vss", False), region=args["region"], tag_types=tag_types
            )
            empty = selected.certain and not (selected.types - off)
            for name in selected.types & off:
                plans = skipped.setdefault(name, {})
                plans[plan["name"]] = plans.get(plan["name"], False) or empty
    found: list[Finding] = []
    for name in storage_tiers.ordered(skipped):
        fix = f"set {name}: true, or select them by ARN"
        if name in _TYPE_PATTERNS:
            fix += f" (resources: ['{_TYPE_PATTERNS[name]}'] with the tag under conditions)"
        emptied = sorted(plan for plan, empty in skipped[name].items() if empty)
        narrowed = sorted(plan for plan, empty in skipped[name].items() if not empty)
        if emptied:
            # Only a Windows VSS plan's tag is certain of its types: its Windows instances.
            what = "Windows instances" if name == storage_tiers.EC2 else storage_tiers.type_words([name])
            rule = (
                f"plans {emptied} select {what} by tag, and tag selections skip resource types that are not "
                "opted in, so they would back up nothing"
            )
            found.append((True, f"region_settings.opt_in.{name}", False, rules.Violation(rule, fix)))
        if narrowed:
            rule = (
                f"plans {narrowed} select by tag, and tag selections skip resource types that are not opted in: "
                f"{storage_tiers.type_words([name])} carrying their tags would not be backed up"
            )
            found.append((False, f"region_settings.opt_in.{name}", False, rules.Violation(rule, fix)))
    return found
