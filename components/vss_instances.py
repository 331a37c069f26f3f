"""WindowsVssInstances: the EC2 side of Windows VSS backups, which AWS Backup does not set up.

An instance can only take application-consistent (VSS) backups when its instance profile
carries AmazonSSMManagedInstanceCore and AWSEC2VssSnapshotPolicy and the ``AwsVssComponents``
package is installed (AWS Backup does not install it). This component provides the profile to
put on the Windows instances and keeps the package installed and current on every instance
carrying a VSS plan's tag.
"""

import json
from collections.abc import Mapping, Sequence
from typing import NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts
from .account import AccountFacts

#: Managed policies the instance role needs, by name (the ARN is built with the partition).
INSTANCE_POLICIES = ("AmazonSSMManagedInstanceCore", "AWSEC2VssSnapshotPolicy")
#: The SSM document that installs and updates AWS packages, and the package VSS needs.
CONFIGURE_PACKAGE_DOCUMENT = "AWS-ConfigureAWSPackage"
VSS_PACKAGE = "AwsVssComponents"
#: How often State Manager re-applies the package (picks up new AwsVssComponents versions).
DEFAULT_SCHEDULE = "rate(7 days)"
#: The document's parameters: install (or update to the latest version of) the VSS package.
PACKAGE_PARAMETERS = {"action": "Install", "name": VSS_PACKAGE}


def instance_policy_arns(partition: str) -> list[str]:
    """The ARNs of :data:`INSTANCE_POLICIES` in ``partition`` (AWS managed policies have no path)."""
    return [f"arn:{partition}:iam::aws:policy/{policy}" for policy in INSTANCE_POLICIES]


def association_targets(target_tags: Mapping[str, Sequence[str]]) -> list[tuple[str, list[str]]]:
    """One association's target per tag key, in key order: ``("tag:<key>", [values])``. Targets of
    one association are AND-ed (State Manager), so keys that each select instances get an
    association of their own."""
    return [(f"tag:{key}", sorted(values)) for key, values in sorted(target_tags.items())]


class WindowsVssInstancesArgs(TypedDict):
    """Arguments of :class:`WindowsVssInstances`."""

    target_tags: Mapping[str, Sequence[str]]
    """Instances to keep ``AwsVssComponents`` on: tag key to accepted values (the VSS plans'
    selection tags, e.g. ``{"alk:backup": ["windows-weekly-ec2-vss"]}``)."""
    schedule: NotRequired[str]
    """State Manager schedule as Systems Manager writes it: ``rate(7 days)`` (singular unit for 1,
    plural above; 30 minutes to less than 31 days), ``cron(...)`` with ``*`` for the month, or
    ``at(...)``. Default: ``rate(7 days)``."""
    tags: NotRequired[dict[str, str]]
    """Tags for the role and profile. Default: none."""
    log_warnings: NotRequired[bool]
    """Log a cron schedule outside the ones Systems Manager lists for associations with
    ``pulumi.log.warn``. Default: ``True``; the config layer reports it itself."""


def ec2_trust_policy() -> str:
    """Trust policy of an instance role: EC2 may assume it."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}
            ],
        },
        indent=2,
    )


class WindowsVssInstances(pulumi.ComponentResource):
    """Instance role and profile for VSS-ready Windows instances, and the package association.

    Children: ``aws.iam.Role`` ``<name>-role``, ``aws.iam.RolePolicyAttachmentsExclusive``
    ``<name>-role-policies``, ``aws.iam.InstanceProfile`` ``<name>-profile``, and one
    ``aws.ssm.Association`` ``<name>-package-<n>`` per tag key (targets of one association are
    AND-ed, so keys that each select instances get an association of their own).
    """

    instance_profile_name: pulumi.Output[str]
    """Put this instance profile on the Windows instances."""
    role_arn: pulumi.Output[str]
    """The instance role (add your own policies to it if the instances need more)."""

    def __init__(
        self,
        name: str,
        args: WindowsVssInstancesArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:WindowsVssInstances", name, None, opts)
        targets = {key: list(values) for key, values in args["target_tags"].items()}
        lines = rules.problems({"tags": rules.tags(args.get("tags") or {})})
        if not targets or not all(targets.values()):
            lines.append("target_tags: name at least one tag key with values. Fix: pass the VSS plans' selection tags.")
        schedule = args.get("schedule", DEFAULT_SCHEDULE)
        lines += rules.problems({"schedule": rules.ssm_association_schedule(schedule)})
        rules.raise_if_any("WindowsVssInstances", name, lines)
        unlisted = rules.association_cron_listed(schedule)
        if unlisted and args.get("log_warnings", True):
            pulumi.log.warn(f"schedule: {unlisted}", resource=self)

        account = account or AccountFacts.lookup(self)
        tags = args.get("tags") or None
        role = aws.iam.Role(f"{name}-role", assume_role_policy=ec2_trust_policy(), tags=tags, opts=child_opts(self))
        aws.iam.RolePolicyAttachmentsExclusive(
            f"{name}-role-policies",
            role_name=role.name,
            policy_arns=account.partition.apply(instance_policy_arns),
            opts=child_opts(self),
        )
        profile = aws.iam.InstanceProfile(f"{name}-profile", role=role.name, tags=tags, opts=child_opts(self))
        for index, (key, values) in enumerate(association_targets(targets)):
            aws.ssm.Association(
                f"{name}-package-{index}",
                name=CONFIGURE_PACKAGE_DOCUMENT,
                parameters=dict(PACKAGE_PARAMETERS),
                targets=[aws.ssm.AssociationTargetArgs(key=key, values=values)],
                schedule_expression=schedule,
                opts=child_opts(self),
            )
        self.instance_profile_name = profile.name
        self.role_arn = role.arn
        self.register_outputs({"instance_profile_name": self.instance_profile_name, "role_arn": self.role_arn})


__all__ = [
    "CONFIGURE_PACKAGE_DOCUMENT",
    "DEFAULT_SCHEDULE",
    "INSTANCE_POLICIES",
    "PACKAGE_PARAMETERS",
    "VSS_PACKAGE",
    "WindowsVssInstances",
    "WindowsVssInstancesArgs",
    "association_targets",
    "ec2_trust_policy",
    "instance_policy_arns",
]
