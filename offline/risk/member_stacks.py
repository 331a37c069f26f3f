"""The organization stack's member stacks: what its StackSets create in every account and region.

Read from the StackSets' templates and instances on both sides. CloudFormation User Guide,
"DeletionPolicy attribute": ``Retain`` keeps a resource removed from its stack (by a stack update
too), and a retained stack instance keeps its stack ("DeleteStackInstances", ``RetainStacks``: "You
can't reassociate a retained stack"): either way the resource stays in the account, outside any
stack the StackSet manages, and a StackSet that creates a resource of the same name again fails.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..diff import parsed
from ..resources import STACK_SET, STACK_SET_INSTANCE
from .findings import DANGER, WARNING, Finding, Sides, finding, inputs, of_type


def _member_places(sides_resources: Mapping[str, dict[str, Any]], stack_set: Mapping[str, Any]) -> dict[str, Any]:
    """Per vault and role a StackSet's template creates (by ``Type``, then name): the regions whose
    member stacks hold it, and whether CloudFormation keeps it when they no longer do."""
    name = inputs(stack_set).get("name")
    regions = [
        str(inputs(r).get("stackSetInstanceRegion"))
        for r in of_type(sides_resources, STACK_SET_INSTANCE)
        if inputs(r).get("stackSetName") == name
    ]
    template = parsed(inputs(stack_set).get("templateBody"))
    if not isinstance(template, dict):
        return {}
    conditions = template.get("Conditions") or {}

    def holds(test: Any, region: str) -> bool:
        if isinstance(test, dict) and "Fn::Or" in test:
            return any(holds(item, region) for item in test["Fn::Or"])
        if isinstance(test, dict) and "Fn::Equals" in test:
            return region in test["Fn::Equals"]
        return True  # a condition this judge cannot read: taken to hold

    places: dict[str, Any] = {}
    for resource in (template.get("Resources") or {}).values():
        kind = resource.get("Type")
        key = {"AWS::Backup::BackupVault": "BackupVaultName", "AWS::IAM::Role": "RoleName"}.get(kind)
        if key is None:
            continue
        condition = conditions.get(resource.get("Condition")) if resource.get("Condition") else None
        where = {region for region in regions if condition is None or holds(condition, region)}
        kept = resource.get("DeletionPolicy") == "Retain"
        places.setdefault(kind, {})[str((resource.get("Properties") or {}).get(key))] = (where, kept)
    return places


def member_stacks(sides: Sides) -> list[Finding]:
    """A member vault or role that leaves the member stacks of a region (CloudFormation "DeletionPolicy
    attribute": ``Retain`` keeps a resource removed from its stack, and a retained stack instance
    keeps its stack; either way the resource stays in the account, outside any stack): a vault is
    kept but no longer managed, and putting it back, like creating a role of the same name in another
    region, fails because the named resource already exists."""
    findings = []
    for old_urn, new_urn in sides.pairs:
        before, after = sides.base[old_urn], sides.head[new_urn]
        if after["type"] != STACK_SET:
            continue
        old, new = _member_places(sides.base, before), _member_places(sides.head, after)
        for vault, (regions, kept) in (old.get("AWS::Backup::BackupVault") or {}).items():
            left = sorted(regions - new.get("AWS::Backup::BackupVault", {}).get(vault, (set(), True))[0])
            if not left:
                continue
            where = ", ".join(f"`{region}`" for region in left)
            if kept:
                findings.append(
                    finding(
                        WARNING,
                        after,
                        f"member vault `{vault}` leaves the member stacks of {where}: CloudFormation keeps it "
                        "(DeletionPolicy Retain) with its recovery points, outside any stack, in every member account. "
                        "Putting the region back later fails in each account with 'already exists' until that vault "
                        "is emptied and deleted by hand (docs/organization.md).",
                        f"member vault `{vault}` leaves the member stacks of {where} (kept, no longer managed).",
                    )
                )
            else:
                findings.append(
                    finding(
                        DANGER,
                        after,
                        f"member vault `{vault}` leaves the member stacks of {where}, which delete it (DeletionPolicy "
                        "Delete, vault.protect false) in every member account: its recovery points go with it, or the "
                        "update fails where it is not empty.",
                        f"member vault `{vault}` would be DELETED in {where}.",
                    )
                )
        for role, (regions, kept) in (old.get("AWS::IAM::Role") or {}).items():
            now = new.get("AWS::IAM::Role", {}).get(role, (set(), True))[0]
            if not regions or not now or now == regions:
                continue
            moved = (
                f"from the member stacks of {', '.join(f'`{r}`' for r in sorted(regions))} to those of "
                f"{', '.join(f'`{r}`' for r in sorted(now))}"
            )
            findings.append(
                finding(
                    WARNING if kept else DANGER,
                    after,
                    f"member role `{role}` moves {moved}. "
                    + (
                        "CloudFormation keeps the old one (DeletionPolicy Retain), so creating it again fails with "
                        "'already exists' in every member account and the StackSet operation stops; the old role "
                        "keeps serving the backups. "
                        if kept
                        else "The old stacks delete it (DeletionPolicy Delete) while the new ones may not create it "
                        "yet: the accounts' backups fail without their role. "
                    )
                    + "Keep organization.role_region as it was, or change the role's name with it (the old role is "
                    "then left to delete by hand).",
                    f"member role `{role}` moves to another region's member stacks.",
                )
            )
    return findings
