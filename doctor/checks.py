"""The VSS readiness checks: pure functions from :class:`InstanceFacts` to a :class:`CheckResult`.

They follow the VSS FAQ of the article this project grew from (policies on the instance profile,
``AwsVssComponents``, SSM Agent >= 3.0.502.0, small instance types) plus what AWS documents for
VSS-enabled backups and cross-account copies. Nothing here calls AWS.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from components.rules import VSS_UNSUPPORTED_INSTANCE_TYPES

from .facts import InstanceFacts
from .versions import at_least

#: Oldest SSM Agent that can run the AWSEC2-CreateVssSnapshot command AWS Backup sends.
MIN_SSM_AGENT_VERSION = "3.0.502.0"
#: Oldest AwsVssComponents that works with the AWSEC2VssSnapshotPolicy managed policy.
MIN_VSS_COMPONENTS_VERSION = "2.3.1"
#: The package's name in SSM Distributor and in the AWS:Application inventory.
VSS_COMPONENTS_PACKAGE = "AwsVssComponents"
#: The two AWS-managed policies the instance profile's role needs, by name.
REQUIRED_POLICIES = ("AmazonSSMManagedInstanceCore", "AWSEC2VssSnapshotPolicy")


class Status(StrEnum):
    """The outcome of one check. Only ``fail`` makes the command exit 1."""

    PASS = "pass"
    WARN = "warn"
    FAIL = "fail"


@dataclass(frozen=True)
class CheckResult:
    """One check on one instance: what was found, and how to fix it when it is not right."""

    check: str
    """Stable identifier, e.g. ``ssm-agent-version`` (used in the JSON output)."""
    title: str
    status: Status
    detail: str
    fix: str | None = None
    """What to do; None when the check passed."""


def managed_policy_arn(name: str, partition: str = "aws") -> str:
    """The ARN of an AWS-managed policy, e.g. ``arn:aws:iam::aws:policy/AWSEC2VssSnapshotPolicy``."""
    return f"arn:{partition}:iam::aws:policy/{name}"


def instance_profile_policies(facts: InstanceFacts) -> CheckResult:
    """The instance profile's role has both AmazonSSMManagedInstanceCore and AWSEC2VssSnapshotPolicy.

    When either is missing but the role carries other policies, those may grant the same
    permissions: that is a warning ("equivalent permissions not verified"), not a failure.
    """
    check, title = "instance-profile", "Instance profile policies"
    profile = facts.profile
    if profile is None:
        return CheckResult(
            check,
            title,
            Status.FAIL,
            "no instance profile is attached",
            f"attach an instance profile whose role has {' and '.join(REQUIRED_POLICIES)} "
            f"(aws ec2 associate-iam-instance-profile --instance-id {facts.instance_id} "
            "--iam-instance-profile Name=<profile>)",
        )
    if not profile.exists:
        return CheckResult(
            check,
            title,
            Status.FAIL,
            f"instance profile {profile.arn} no longer exists in IAM",
            "create the profile again or associate another one (aws ec2 replace-iam-instance-profile-association)",
        )
    if profile.role_name is None:
        return CheckResult(
            check,
            title,
            Status.FAIL,
            f"instance profile {profile.arn} has no role",
            f"add a role to it (aws iam add-role-to-instance-profile) with {' and '.join(REQUIRED_POLICIES)} attached",
        )
    wanted = {name: managed_policy_arn(name, profile.partition) for name in REQUIRED_POLICIES}
    missing = [name for name, arn in wanted.items() if arn not in profile.attached_policy_arns]
    if not missing:
        return CheckResult(check, title, Status.PASS, f"role {profile.role_name} has {' and '.join(REQUIRED_POLICIES)}")
    attach = "; ".join(
        f"aws iam attach-role-policy --role-name {profile.role_name} --policy-arn {wanted[name]}" for name in missing
    )
    others = [arn.rsplit("/", 1)[-1] for arn in profile.attached_policy_arns if arn not in wanted.values()]
    others += [f"{name} (inline)" for name in profile.inline_policy_names]
    if others:
        return CheckResult(
            check,
            title,
            Status.WARN,
            f"role {profile.role_name} lacks {', '.join(missing)} but has {', '.join(others)}: "
            "equivalent permissions not verified",
            f"confirm those policies grant what {', '.join(missing)} grants, or attach it: {attach}",
        )
    return CheckResult(check, title, Status.FAIL, f"role {profile.role_name} lacks {', '.join(missing)}", attach)


def ssm_agent_online(facts: InstanceFacts) -> CheckResult:
    """SSM reports the instance's agent as ``Online``: AWS Backup reaches VSS through SSM Run Command."""
    check, title = "ssm-agent-online", "SSM Agent online"
    if facts.agent is None:
        return CheckResult(
            check,
            title,
            Status.FAIL,
            f"not registered with SSM (instance is {facts.state})",
            _start_hint(facts)
            or "make sure the SSM Agent runs on the instance, the instance profile has "
            "AmazonSSMManagedInstanceCore, and the instance can reach the ssm, ssmmessages and ec2messages "
            "endpoints (internet or VPC endpoints)",
        )
    if facts.agent.ping_status == "Online":
        return CheckResult(check, title, Status.PASS, "Online")
    return CheckResult(
        check,
        title,
        Status.FAIL,
        f"{facts.agent.ping_status} (instance is {facts.state})",
        _start_hint(facts)
        or "start the AmazonSSMAgent service on the instance and check it can reach the "
        "ssm, ssmmessages and ec2messages endpoints",
    )


def _start_hint(facts: InstanceFacts) -> str | None:
    if facts.state in ("stopped", "stopping"):
        return "start the instance: a stopped instance gets a crash-consistent backup without VSS"
    return None


def ssm_agent_version(facts: InstanceFacts) -> CheckResult:
    """The SSM Agent is 3.0.502.0 or newer (compared number by number, not as text)."""
    check, title = "ssm-agent-version", f"SSM Agent >= {MIN_SSM_AGENT_VERSION}"
    if facts.agent is None:
        return CheckResult(
            check,
            title,
            Status.FAIL,
            "unknown: the instance is not registered with SSM",
            f"install SSM Agent {MIN_SSM_AGENT_VERSION} or newer and register the instance (see SSM Agent online)",
        )
    version = facts.agent.agent_version
    newer = at_least(version, MIN_SSM_AGENT_VERSION)
    if newer:
        return CheckResult(check, title, Status.PASS, f"version {version}")
    update = (
        "update it: run the AWS-UpdateSSMAgent document on the instance (aws ssm send-command "
        f"--document-name AWS-UpdateSSMAgent --instance-ids {facts.instance_id})"
    )
    if newer is None:
        detail = f"unreadable version {version!r}" if version else "SSM reported no agent version"
        return CheckResult(check, title, Status.FAIL, detail, update)
    return CheckResult(check, title, Status.FAIL, f"version {version} is older than {MIN_SSM_AGENT_VERSION}", update)


def windows_platform(facts: InstanceFacts) -> CheckResult:
    """EC2 reports a Windows platform (``Platform`` is ``windows`` or ``PlatformDetails`` starts with Windows)."""
    check, title = "windows", "Windows platform"
    details = facts.platform_details or facts.platform or "Linux/UNIX"
    if facts.platform == "windows" or (facts.platform_details or "").startswith("Windows"):
        return CheckResult(check, title, Status.PASS, details)
    return CheckResult(
        check,
        title,
        Status.FAIL,
        f"{details}: VSS only exists on Windows",
        "remove the VSS backup tag from this instance and select it with a plan that does not enable WindowsVSS",
    )


def vss_components(facts: InstanceFacts) -> CheckResult:
    """SSM Inventory lists ``AwsVssComponents``, at 2.3.1 or newer (needed for AWSEC2VssSnapshotPolicy).

    AWS Backup does not install the package. Without an application inventory the package
    cannot be verified: that is a warning.
    """
    check, title = "vss-components", f"{VSS_COMPONENTS_PACKAGE} installed"
    install = (
        f"install it with the AWS-ConfigureAWSPackage document (action Install, name {VSS_COMPONENTS_PACKAGE}): "
        f"aws ssm send-command --document-name AWS-ConfigureAWSPackage --instance-ids {facts.instance_id} "
        f"--parameters action=Install,name={VSS_COMPONENTS_PACKAGE}"
    )
    inventory = facts.inventory
    if not inventory.collected:
        return CheckResult(
            check,
            title,
            Status.WARN,
            f"not verified: {inventory.reason or 'no application inventory'}",
            "turn on SSM Inventory for the instance (Systems Manager Quick Setup, or an association running "
            "AWS-GatherSoftwareInventory) so the package can be verified",
        )
    version = inventory.vss_components_version
    if version is None:
        return CheckResult(check, title, Status.FAIL, "not in the instance's application inventory", install)
    newer = at_least(version, MIN_VSS_COMPONENTS_VERSION)
    if newer:
        return CheckResult(check, title, Status.PASS, f"version {version}")
    if newer is None:
        detail = f"unreadable version {version!r}"
    else:
        detail = f"version {version} is older than {MIN_VSS_COMPONENTS_VERSION}, which AWSEC2VssSnapshotPolicy needs"
    return CheckResult(check, title, Status.FAIL, detail, install.replace("install it", "update it", 1))


def instance_type(facts: InstanceFacts) -> CheckResult:
    """The instance type is not one AWS documents as unable to take VSS-enabled backups."""
    check, title = "instance-type", "Instance type supports VSS"
    if facts.instance_type in VSS_UNSUPPORTED_INSTANCE_TYPES:
        return CheckResult(
            check,
            title,
            Status.FAIL,
            f"{facts.instance_type} is too small for VSS-enabled backups",
            "resize the instance to a larger type (e.g. t3.small or bigger): stop it, "
            f"aws ec2 modify-instance-attribute --instance-id {facts.instance_id} --instance-type t3.small, start it",
        )
    return CheckResult(check, title, Status.PASS, facts.instance_type)


def ebs_key_shareable(facts: InstanceFacts) -> CheckResult:
    """No attached EBS volume is encrypted with an AWS-managed key (``aws/ebs``).

    AWS-managed keys cannot be shared with another account, so snapshots encrypted with them
    cannot be copied to the archive account. Unencrypted volumes pass.
    """
    check, title = "ebs-key", "EBS keys allow archive copies"
    volumes = facts.volumes or ()
    aws_managed = [volume.volume_id for volume in volumes if volume.key_manager == "AWS"]
    if aws_managed:
        return CheckResult(
            check,
            title,
            Status.FAIL,
            f"{', '.join(aws_managed)} encrypted with an AWS-managed key (aws/ebs): "
            "its snapshots cannot be copied to another account",
            "move the volumes to a customer-managed KMS key shared with the archive account: snapshot each "
            "volume, copy the snapshot with --kms-key-id <key ARN>, create a volume from the copy and swap "
            "it in while the instance is stopped",
        )
    if not volumes:
        return CheckResult(check, title, Status.PASS, "no EBS volumes attached")
    customer = sum(volume.key_manager == "CUSTOMER" for volume in volumes)
    plain = sum(not volume.encrypted for volume in volumes)
    return CheckResult(check, title, Status.PASS, f"{customer} with customer-managed keys, {plain} unencrypted")


#: FAQ steps that only the instance itself can answer: the doctor lists them, it cannot run them.
ON_INSTANCE_STEPS = (
    "VSS writers: `vssadmin list writers` on the instance shows every writer as Stable with no error",
    "Event Viewer: Windows Logs > Application, source VSS, around the backup's start time",
    "Free disk space: VSS needs room for its shadow copies on each volume being backed up",
)

#: The checks every run makes, in report order.
BASE_CHECKS: tuple[Callable[[InstanceFacts], CheckResult], ...] = (
    instance_profile_policies,
    ssm_agent_online,
    ssm_agent_version,
    windows_platform,
    vss_components,
    instance_type,
)


def run_checks(facts: InstanceFacts, archive_copies: bool = False) -> list[CheckResult]:
    """Every check for one instance; the EBS key check only with ``archive_copies`` (default False)."""
    checks = BASE_CHECKS + ((ebs_key_shareable,) if archive_copies else ())
    return [check(facts) for check in checks]
