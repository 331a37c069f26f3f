"""The thin layer between pulumi-policy and :mod:`backup_policies`.

pulumi-policy hands a validation its arguments as proxies that raise on values unknown during a
preview; :func:`plain` turns them into plain dicts and lists with :data:`~backup_policies.UNKNOWN`
in those places, so the plain policy functions decide for themselves what an unknown means.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from backup_policies import RESOURCE_POLICIES, STACK_POLICIES, UNKNOWN, Resource, ResourceCheck, StackCheck
from pulumi_policy import (
    EnforcementLevel,
    Policy,
    PolicyProviderResource,
    ReportViolation,
    ResourceValidation,
    ResourceValidationArgs,
    ResourceValidationPolicy,
    StackValidation,
    StackValidationArgs,
    StackValidationPolicy,
)
from pulumi_policy.proxy import UnknownValueError

#: Name of the pack, as `pulumi preview --policy-pack` reports it.
PACK_NAME = "windows-server-backup-policies"


def _item(container: Any, key: Any) -> Any:
    try:
        return plain(container[key])
    except UnknownValueError:
        return UNKNOWN


def plain(value: Any) -> Any:
    """``value`` with every mapping and sequence copied, and unknown values as ``UNKNOWN``."""
    if isinstance(value, Mapping):
        return {key: _item(value, key) for key in value}
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        return [_item(value, index) for index in range(len(value))]
    return value


def stack_name() -> str:
    """The stack being previewed or updated. The CLI passes it to the pack in ``PULUMI_STACK``;
    default (no CLI around): ``""``, which no stack policy treats as production."""
    return os.environ.get("PULUMI_STACK", "")


def provider_region(provider: Optional[PolicyProviderResource]) -> Optional[str]:
    """The ``region`` of a resource's AWS provider, when set and known."""
    if provider is None:
        return None
    region = plain(provider.props).get("region")
    return region if isinstance(region, str) and region else None


def resource_region(props: Mapping[str, Any], provider: Optional[PolicyProviderResource]) -> Optional[str]:
    """Where a resource lives: its own ``region`` (pulumi-aws 7 gives every regional resource one,
    set or computed), else its provider's."""
    region = props.get("region")
    return region if isinstance(region, str) and region else provider_region(provider)


def resource_validation(check: ResourceCheck) -> ResourceValidation:
    """A pulumi-policy validation that runs ``check`` and reports each message it returns."""

    def validate(args: ResourceValidationArgs, report_violation: ReportViolation) -> None:
        for message in check(args.resource_type, plain(args.props), bool(args.opts.protect), stack_name()):
            report_violation(message, None)

    return validate


def stack_validation(check: StackCheck) -> StackValidation:
    """A pulumi-policy stack validation that runs ``check`` over every resource of the stack
    (props are outputs there, so plans and keys have their ARNs) and reports each violation."""

    def validate(args: StackValidationArgs, report_violation: ReportViolation) -> None:
        resources = []
        for r in args.resources:
            props = plain(r.props)
            resources.append(
                Resource(r.resource_type, props, bool(r.opts.protect), r.urn, resource_region(props, r.provider))
            )
        for violation in check(resources, stack_name()):
            report_violation(violation.message, violation.urn or None)

    return validate


def policies() -> list[Policy]:
    """Every policy of the pack, all mandatory: a violation fails the preview or update."""
    resource_policies: list[Policy] = [
        ResourceValidationPolicy(
            name=name,
            description=description,
            validate=resource_validation(check),
            enforcement_level=EnforcementLevel.MANDATORY,
        )
        for name, (description, check) in RESOURCE_POLICIES.items()
    ]
    stack_policies: list[Policy] = [
        StackValidationPolicy(
            name=name,
            description=description,
            validate=stack_validation(check),
            enforcement_level=EnforcementLevel.MANDATORY,
        )
        for name, (description, check) in STACK_POLICIES.items()
    ]
    return [*resource_policies, *stack_policies]


__all__ = [
    "PACK_NAME",
    "plain",
    "policies",
    "provider_region",
    "resource_region",
    "resource_validation",
    "stack_name",
    "stack_validation",
]
