"""What a plan's selections may select, in the resource types of the tier table
(:mod:`components.storage_tiers`): from the ARNs they name, the tags they select by, and the
whole types their ``not_resources`` leave out. Plain values in, plain values out.

Sources (AWS page titles): AWS Backup guide, "Assign resources with AWS CLI" (ARN patterns,
``*`` for any characters) and "Assigning resources to a backup plan" (tag selections reach any
opted-in resource carrying the tag); API reference, "BackupSelection" (an empty selection
selects every opted-in resource).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

from . import regions, rules
from .storage_tiers import ALL_TYPES, EBS, EC2, OTHER, S3, ordered, type_words


def arn_types(arn: str) -> frozenset[str]:
    """The resource types an ARN (or ARN pattern) of a selection may reach, in this table's terms:
    :func:`components.rules.selected_resource_types`, with every type but EC2, EBS and S3 as
    ``other``. ``*`` reaches everything; ``arn:aws:ec2:*:*:instance/*`` names EC2 instances and
    ``...:volume/*`` EBS volumes (AWS Backup guide, "Assign resources with AWS CLI")."""
    found = rules.selected_resource_types([arn])
    if found is None:
        return ALL_TYPES
    return frozenset(t if t in (EC2, EBS, S3) else OTHER for t in found)


def excluded_types(arn: str, region: str, account: Optional[str] = None) -> frozenset[str]:
    """The types a ``not_resources`` entry surely leaves out entirely: only a whole-type pattern
    such as ``arn:aws:ec2:*:*:instance/*``, never a single ARN or part of a type.

    The pattern must be able to match this stack's resources: the partition of ``region`` (any
    ``aws...`` partition when ``region`` is ``*``), the Region ``*``, empty or ``region``, and the
    account ``*``, empty or ``account``. An ARN naming another account (or any account while
    ``account`` is not known) leaves nothing out: it cannot match this account's resources, and
    counting it would judge a plan for fewer types than it backs up.
    """
    if arn.strip() == "*":
        return ALL_TYPES
    parts = arn.split(":", 5)
    if len(parts) != 6 or parts[0] != "arn":
        return frozenset()
    _, partition, _, arn_region, arn_account, resource = parts
    own_partition = regions.partition_of(region)
    if partition != own_partition and not (own_partition is None and partition in regions.partitions()):
        return frozenset()
    if arn_region not in ("*", "", region) or arn_account not in ("*", "", account):
        return frozenset()
    if resource == "*" or (resource.endswith("/*") and "*" not in resource[:-2]):
        return arn_types(arn) - {OTHER}
    return frozenset()


@dataclass(frozen=True)
class SelectedTypes:
    """The resource types a plan's selections may select, and how sure that is."""

    types: frozenset[str]
    """Every type the plan may back up."""
    certain: bool
    """``False`` when a tag selection of a plan without Windows VSS is taken to reach the types
    this program backs up (any type carrying the tag would be selected)."""
    assumed: tuple[str, ...]
    """Why: one sentence per selection whose types are assumed, naming the types judged (after
    its ``not_resources``)."""


def _tag_types_words(reached: set[str], left_out: set[str]) -> str:
    """``EBS volumes (its not_resources leave out EC2 instances)``: the types a tag is taken to
    reach, after the selection's exclusions."""
    left = [t for t in ordered(left_out) if t != OTHER]
    if not reached:
        return "none of the types this program backs up" + (
            f": its not_resources leave out {type_words(left)}" if left else ""
        )
    return type_words(reached) + (f" (its not_resources leave out {type_words(left)})" if left else "")


def plan_types(
    selections: Sequence[Mapping[str, Any]],
    *,
    windows_vss: bool,
    region: str,
    tag_types: Iterable[str],
    account: Optional[str] = None,
) -> SelectedTypes:
    """What a plan's selections may select.

    A selection's ``resources`` select their ARNs' types (OR-ed with its ``tags``; its
    ``conditions`` only narrow). Tags, or conditions without resources, select any resource
    carrying the tag, in the Region's opted-in types (AWS Backup guide, "Assigning resources to
    a backup plan"): this program takes them to reach ``tag_types`` (the types it backs up), or,
    in a Windows VSS plan, the Windows instances (EC2) whose tag the VSS setup and the restore
    tests use. ``not_resources`` patterns that cover a whole type of this stack's partition,
    Region and ``account`` take it out (see :func:`excluded_types`; ``account`` ``None``: not
    known, so only patterns for any account count).
    """
    types: set[str] = set()
    assumed: list[str] = []
    certain = True
    for selection in selections:
        resources = list(selection.get("resources") or [])
        conditions = selection.get("conditions") or {}
        by_tag = bool(selection.get("tags")) or (not resources and any(conditions.values()))
        left_out: set[str] = set()
        for arn in selection.get("not_resources") or []:
            left_out |= excluded_types(arn, region, account)
        found: set[str] = set()
        for arn in resources:
            found |= arn_types(arn)
        name = selection.get("name", "?")
        if not resources and not by_tag:
            # An empty selection: "Backup attempts to select all supported and opted-in storage
            # resources" (API reference, BackupSelection). BackupSelection refuses one.
            found |= ALL_TYPES
            assumed.append(f"selection {name!r} names nothing, so AWS Backup would select every opted-in resource")
        elif by_tag and windows_vss:
            found.add(EC2)
            assumed.append(
                f"selection {name!r} of this Windows VSS plan selects by tag: taken to be the Windows instances' tag "
                f"({_tag_types_words({EC2} - left_out, {EC2} & left_out)}), as the VSS setup and the restore tests "
                "use it"
            )
        elif by_tag:
            found |= set(tag_types)
            certain = False
            reached = _tag_types_words(set(tag_types) - left_out, set(tag_types) & left_out)
            assumed.append(
                f"selection {name!r} selects by tag: taken to reach {reached}, the resource types this program backs "
                "up (AWS Backup selects any opted-in resource carrying the tag)"
            )
        types |= found - left_out
    return SelectedTypes(frozenset(types) or frozenset({OTHER}), certain, tuple(assumed))


__all__ = ["SelectedTypes", "arn_types", "excluded_types", "plan_types"]
