"""BackupSelection: which resources a plan backs up (by tag, by ARN, by condition)."""

from collections.abc import Mapping, Sequence
from typing import NotRequired, Optional, TypedDict, TypeVar, cast

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts

#: The only selection-tag comparison AWS Backup offers; several tags are OR-ed.
TAG_MATCH = "STRINGEQUALS"
#: Prefix AWS expects on condition keys.
RESOURCE_TAG_PREFIX = "aws:ResourceTag/"


class SelectionConditionsArgs(TypedDict, total=False):
    """Tag conditions, all of which a resource must meet (AND-ed). Keys are tag keys."""

    string_equals: Mapping[str, str]
    """Tag equals the value."""
    string_not_equals: Mapping[str, str]
    """Tag does not equal the value."""
    string_like: Mapping[str, str]
    """Tag matches the pattern (``*`` wildcard)."""
    string_not_like: Mapping[str, str]
    """Tag does not match the pattern."""


class BackupSelectionArgs(TypedDict):
    """Arguments of :class:`BackupSelection`."""

    name: str
    """Selection name, 1-50 letters, digits, '-', '_' or '.'."""
    plan_id: pulumi.Input[str]
    """ID of the plan the selection belongs to."""
    role_arn: pulumi.Input[str]
    """Role AWS Backup assumes to back the selected resources up."""
    tags: NotRequired[Mapping[str, str]]
    """Select resources carrying any of these tag key/value pairs (OR). Default: none."""
    resources: NotRequired[Sequence[str]]
    """Resource ARNs or ARN patterns to select, ``*`` standing for any characters
    (``arn:aws:ec2:*:*:instance/*``: every EC2 instance; ``["*"]``: everything). At most 500, or
    30 when any has a ``*``. Default: none."""
    not_resources: NotRequired[Sequence[str]]
    """Resource ARNs or ARN patterns to leave out, with the same limits. Default: none."""
    conditions: NotRequired[SelectionConditionsArgs]
    """Tag conditions every selected resource must meet. Default: none."""


_Condition = TypeVar(
    "_Condition",
    aws.backup.SelectionConditionStringEqualArgs,
    aws.backup.SelectionConditionStringNotEqualArgs,
    aws.backup.SelectionConditionStringLikeArgs,
    aws.backup.SelectionConditionStringNotLikeArgs,
)


def _condition_entries(kind: type[_Condition], pairs: Optional[Mapping[str, str]]) -> Optional[list[_Condition]]:
    """One ``kind(key=aws:ResourceTag/<tag>, value=...)`` per tag pair, or None for none."""
    return [kind(key=RESOURCE_TAG_PREFIX + key, value=value) for key, value in (pairs or {}).items()] or None


def _conditions(conditions: SelectionConditionsArgs) -> Optional[list[aws.backup.SelectionConditionArgs]]:
    if not any(conditions.values()):
        return None
    return [
        aws.backup.SelectionConditionArgs(
            string_equals=_condition_entries(
                aws.backup.SelectionConditionStringEqualArgs, conditions.get("string_equals")
            ),
            string_not_equals=_condition_entries(
                aws.backup.SelectionConditionStringNotEqualArgs, conditions.get("string_not_equals")
            ),
            string_likes=_condition_entries(aws.backup.SelectionConditionStringLikeArgs, conditions.get("string_like")),
            string_not_likes=_condition_entries(
                aws.backup.SelectionConditionStringNotLikeArgs, conditions.get("string_not_like")
            ),
        )
    ]


class BackupSelection(pulumi.ComponentResource):
    """Resources assigned to a backup plan.

    Children: ``aws.backup.Selection`` named ``<name>``. A selection with nothing in it would
    back up every opted-in resource of the account, so it is refused: ask for everything
    explicitly with ``resources=["*"]``.
    """

    selection: aws.backup.Selection
    """The selection resource."""
    id: pulumi.Output[str]
    """The selection's ID."""

    def __init__(self, name: str, args: BackupSelectionArgs, opts: Optional[pulumi.ResourceOptions] = None) -> None:
        super().__init__(f"{TYPE_PREFIX}:BackupSelection", name, None, opts)
        tags = dict(args.get("tags") or {})
        resources = list(args.get("resources") or [])
        not_resources = list(args.get("not_resources") or [])
        conditions: SelectionConditionsArgs = args.get("conditions") or {}
        # A TypedDict's items() types its values as object; every key of SelectionConditionsArgs holds tag pairs.
        condition_pairs = cast(Mapping[str, Optional[Mapping[str, str]]], conditions)
        checks = {f"conditions.{kind}": rules.tag_filter(pairs or {}) for kind, pairs in condition_pairs.items()}
        lines = rules.problems(
            {
                **checks,
                "name": rules.selection_name(args["name"]),
                "tags": rules.tag_filter(tags),
                "resources": rules.selection_arns(resources),
                "not_resources": rules.selection_arns(not_resources),
            }
        )
        if not (tags or resources or any(conditions.values())):
            lines.append(
                "tags/resources/conditions: an empty selection backs up every opted-in resource "
                "of the account. Fix: select by tag, or pass resources=['*'] to mean everything."
            )
        rules.raise_if_any("BackupSelection", name, lines)

        self.selection = aws.backup.Selection(
            name,
            name=args["name"],
            plan_id=args["plan_id"],
            iam_role_arn=args["role_arn"],
            selection_tags=[
                aws.backup.SelectionSelectionTagArgs(type=TAG_MATCH, key=key, value=value)
                for key, value in tags.items()
            ]
            or None,
            resources=resources or None,
            not_resources=not_resources or None,
            conditions=_conditions(conditions),
            opts=child_opts(self),
        )
        self.id = self.selection.id
        self.register_outputs({"id": self.id})


__all__ = ["BackupSelection", "BackupSelectionArgs", "SelectionConditionsArgs"]
