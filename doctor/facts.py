"""What the doctor learns about each tagged instance from AWS, as plain frozen values.

The fetching code (:mod:`doctor.fetch`) fills these in; the checks (:mod:`doctor.checks`) only
read them. Tests build them by hand to exercise every check without AWS.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProfileFacts:
    """The instance profile attached to an instance, and the policies of its role."""

    arn: str
    """The instance profile's ARN, as EC2 reports it (its partition picks the policy ARNs)."""
    exists: bool = True
    """False when IAM no longer knows the profile (deleted after it was attached)."""
    role_name: str | None = None
    """The profile's role; None when the profile has no role (a profile holds at most one)."""
    attached_policy_arns: tuple[str, ...] = ()
    """Managed policies attached to the role, AWS-managed and customer-managed alike."""
    inline_policy_names: tuple[str, ...] = ()
    """Names of the role's inline policies."""

    @property
    def partition(self) -> str:
        """``aws``, ``aws-cn`` or ``aws-us-gov``: the second field of the ARN."""
        return self.arn.split(":")[1]


@dataclass(frozen=True)
class AgentFacts:
    """The instance as SSM sees it (``ssm:DescribeInstanceInformation``)."""

    ping_status: str
    """``Online``, ``ConnectionLost`` or ``Inactive``."""
    agent_version: str | None = None
    """The SSM Agent's version, e.g. ``3.3.40.0``; None when SSM did not report one."""


@dataclass(frozen=True)
class InventoryFacts:
    """What SSM Inventory (``AWS:Application``) says about the ``AwsVssComponents`` package."""

    collected: bool
    """False when no application inventory exists for the instance, so nothing can be verified."""
    vss_components_version: str | None = None
    """The installed version; None when the inventory has no ``AwsVssComponents`` entry."""
    reason: str | None = None
    """Why the inventory could not be read, when ``collected`` is False."""


@dataclass(frozen=True)
class VolumeFacts:
    """One EBS volume attached to the instance, with how its KMS key is managed."""

    volume_id: str
    encrypted: bool
    kms_key_id: str | None = None
    key_manager: str | None = None
    """``AWS`` for AWS-managed keys such as ``aws/ebs``, ``CUSTOMER`` otherwise; None when unencrypted."""


@dataclass(frozen=True)
class InstanceFacts:
    """Everything the checks need about one EC2 instance."""

    instance_id: str
    instance_type: str
    state: str
    """``pending``, ``running``, ``stopping`` or ``stopped`` (terminated instances are not fetched)."""
    name: str | None = None
    """The ``Name`` tag, if any."""
    platform: str | None = None
    """EC2's ``Platform``: ``windows`` for Windows instances, absent for the others."""
    platform_details: str | None = None
    """EC2's ``PlatformDetails``, e.g. ``Windows``, ``Windows with SQL Server Standard``, ``Linux/UNIX``."""
    profile: ProfileFacts | None = None
    """None when no instance profile is attached."""
    agent: AgentFacts | None = None
    """None when the instance is not registered with SSM."""
    inventory: InventoryFacts = InventoryFacts(collected=False, reason="not fetched")
    volumes: tuple[VolumeFacts, ...] | None = None
    """The attached EBS volumes; None when not fetched (only ``--archive-copies`` needs them)."""
