"""The doctor's pure parts: version comparison, each check over hand-made facts, the report and its table."""

from __future__ import annotations

import io
from dataclasses import replace

import pytest
from rich.console import Console

from components import rules
from doctor import checks
from doctor.checks import CheckResult, Status, managed_policy_arn, run_checks
from doctor.facts import AgentFacts, InstanceFacts, InventoryFacts, ProfileFacts, VolumeFacts
from doctor.report import build_report
from doctor.table import render
from doctor.versions import at_least, parse_version

PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/vss/windows-backup"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
VSS_POLICY = "arn:aws:iam::aws:policy/AWSEC2VssSnapshotPolicy"

READY_PROFILE = ProfileFacts(PROFILE_ARN, role_name="windows-backup", attached_policy_arns=(SSM_CORE, VSS_POLICY))
READY_VOLUME = VolumeFacts("vol-0aaaaaaaaaaaaaaa1", True, "arn:aws:kms:us-east-1:123456789012:key/k1", "CUSTOMER")
READY = InstanceFacts(
    instance_id="i-0123456789abcdef0",
    instance_type="m5.large",
    state="running",
    name="sql01",
    platform="windows",
    platform_details="Windows with SQL Server Standard",
    profile=READY_PROFILE,
    agent=AgentFacts("Online", "3.3.40.0"),
    inventory=InventoryFacts(collected=True, vss_components_version="2.4.0"),
    volumes=(READY_VOLUME,),
)


# --- versions ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "parsed"),
    [
        ("3.0.502.0", (3, 0, 502, 0)),
        ("2.4.0-beta", (2, 4, 0)),
        (" 10.1 ", (10, 1)),
        ("", None),
        (None, None),
        ("v3", None),
    ],
)
def test_parse_version(text: str | None, parsed: tuple[int, ...] | None) -> None:
    assert parse_version(text) == parsed


@pytest.mark.parametrize(
    ("version", "minimum", "expected"),
    [
        ("3.0.502.0", "3.0.502.0", True),
        ("3.0.502", "3.0.502.0", True),  # missing parts are zeros
        ("3.0.1000.0", "3.0.502.0", True),  # as text "3.0.1000.0" < "3.0.502.0": must compare numbers
        ("3.0.431.0", "3.0.502.0", False),
        ("2.10.0", "2.3.1", True),
        ("2.3.0.99", "2.3.1", False),
        (None, "2.3.1", None),
        ("unknown", "2.3.1", None),
    ],
)
def test_at_least_compares_numbers(version: str | None, minimum: str, expected: bool | None) -> None:
    assert at_least(version, minimum) is expected


# --- instance profile -------------------------------------------------------------------------


def test_managed_policy_arn_follows_the_partition() -> None:
    assert managed_policy_arn("AWSEC2VssSnapshotPolicy") == VSS_POLICY
    assert managed_policy_arn("AmazonSSMManagedInstanceCore", "aws-us-gov") == (
        "arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore"
    )


def test_profile_with_both_policies_passes() -> None:
    assert checks.instance_profile_policies(READY) == CheckResult(
        "instance-profile",
        "Instance profile policies",
        Status.PASS,
        "role windows-backup has AmazonSSMManagedInstanceCore and AWSEC2VssSnapshotPolicy",
    )


def test_profile_in_another_partition_needs_that_partitions_policies() -> None:
    gov = ProfileFacts(
        "arn:aws-us-gov:iam::123456789012:instance-profile/windows-backup",
        role_name="windows-backup",
    )
    result = checks.instance_profile_policies(replace(READY, profile=gov))
    assert result.status is Status.FAIL
    assert result.fix == (
        "aws iam attach-role-policy --role-name windows-backup "
        "--policy-arn arn:aws-us-gov:iam::aws:policy/AmazonSSMManagedInstanceCore; "
        "aws iam attach-role-policy --role-name windows-backup "
        "--policy-arn arn:aws-us-gov:iam::aws:policy/AWSEC2VssSnapshotPolicy"
    )
    fixed = replace(
        gov, attached_policy_arns=tuple(managed_policy_arn(n, "aws-us-gov") for n in checks.REQUIRED_POLICIES)
    )
    assert checks.instance_profile_policies(replace(READY, profile=fixed)).status is Status.PASS


def test_missing_policy_without_other_policies_fails_with_the_attach_command() -> None:
    profile = replace(READY_PROFILE, attached_policy_arns=(SSM_CORE,))
    assert checks.instance_profile_policies(replace(READY, profile=profile)) == CheckResult(
        "instance-profile",
        "Instance profile policies",
        Status.FAIL,
        "role windows-backup lacks AWSEC2VssSnapshotPolicy",
        "aws iam attach-role-policy --role-name windows-backup --policy-arn " + VSS_POLICY,
    )


def test_missing_policy_with_other_policies_warns_equivalent_permissions_not_verified() -> None:
    profile = replace(
        READY_PROFILE,
        attached_policy_arns=(SSM_CORE, "arn:aws:iam::123456789012:policy/vss-snapshots"),
        inline_policy_names=("ssm-extra",),
    )
    result = checks.instance_profile_policies(replace(READY, profile=profile))
    assert result.status is Status.WARN
    assert result.detail == (
        "role windows-backup lacks AWSEC2VssSnapshotPolicy but has vss-snapshots, ssm-extra (inline): "
        "equivalent permissions not verified"
    )
    assert result.fix == (
        "confirm those policies grant what AWSEC2VssSnapshotPolicy grants, or attach it: "
        f"aws iam attach-role-policy --role-name windows-backup --policy-arn {VSS_POLICY}"
    )


@pytest.mark.parametrize(
    ("profile", "detail"),
    [
        (None, "no instance profile is attached"),
        (ProfileFacts(PROFILE_ARN, exists=False), f"instance profile {PROFILE_ARN} no longer exists in IAM"),
        (ProfileFacts(PROFILE_ARN), f"instance profile {PROFILE_ARN} has no role"),
    ],
)
def test_missing_profile_or_role_fails(profile: ProfileFacts | None, detail: str) -> None:
    result = checks.instance_profile_policies(replace(READY, profile=profile))
    assert (result.status, result.detail) == (Status.FAIL, detail)
    assert result.fix


# --- SSM agent --------------------------------------------------------------------------------


def test_online_agent_passes_and_others_fail() -> None:
    assert checks.ssm_agent_online(READY) == CheckResult("ssm-agent-online", "SSM Agent online", Status.PASS, "Online")
    lost = checks.ssm_agent_online(replace(READY, agent=AgentFacts("ConnectionLost", "3.3.40.0")))
    assert (lost.status, lost.detail) == (Status.FAIL, "ConnectionLost (instance is running)")
    assert lost.fix is not None and lost.fix.startswith("start the AmazonSSMAgent service")


def test_unregistered_or_stopped_instance_fails_agent_checks() -> None:
    stopped = replace(READY, state="stopped", agent=AgentFacts("ConnectionLost", "3.3.40.0"))
    assert checks.ssm_agent_online(stopped).fix == (
        "start the instance: a stopped instance gets a crash-consistent backup without VSS"
    )
    unregistered = replace(READY, agent=None)
    assert checks.ssm_agent_online(unregistered).detail == "not registered with SSM (instance is running)"
    version = checks.ssm_agent_version(unregistered)
    assert (version.status, version.detail) == (Status.FAIL, "unknown: the instance is not registered with SSM")


@pytest.mark.parametrize(
    ("version", "status", "detail"),
    [
        ("3.0.502.0", Status.PASS, "version 3.0.502.0"),
        ("3.0.1000.0", Status.PASS, "version 3.0.1000.0"),
        ("3.0.431.0", Status.FAIL, "version 3.0.431.0 is older than 3.0.502.0"),
        ("2.3.1319.0", Status.FAIL, "version 2.3.1319.0 is older than 3.0.502.0"),
        ("", Status.FAIL, "SSM reported no agent version"),
        ("latest", Status.FAIL, "unreadable version 'latest'"),
    ],
)
def test_agent_version(version: str | None, status: Status, detail: str) -> None:
    result = checks.ssm_agent_version(replace(READY, agent=AgentFacts("Online", version)))
    assert (result.check, result.status, result.detail) == ("ssm-agent-version", status, detail)
    if status is Status.FAIL:
        assert result.fix == (
            "update it: run the AWS-UpdateSSMAgent document on the instance (aws ssm send-command "
            "--document-name AWS-UpdateSSMAgent --instance-ids i-0123456789abcdef0)"
        )


# --- platform, package, type, keys ------------------------------------------------------------


@pytest.mark.parametrize(
    ("platform", "details", "status"),
    [
        ("windows", "Windows", Status.PASS),
        (None, "Windows BYOL", Status.PASS),
        (None, "Linux/UNIX", Status.FAIL),
        (None, None, Status.FAIL),
    ],
)
def test_windows_platform(platform: str | None, details: str | None, status: Status) -> None:
    result = checks.windows_platform(replace(READY, platform=platform, platform_details=details))
    assert result.status is status
    if status is Status.FAIL:
        assert result.detail == "Linux/UNIX: VSS only exists on Windows"


@pytest.mark.parametrize(
    ("inventory", "status", "detail"),
    [
        (InventoryFacts(True, "2.3.1"), Status.PASS, "version 2.3.1"),
        (InventoryFacts(True, "2.10.0"), Status.PASS, "version 2.10.0"),
        (
            InventoryFacts(True, "2.3.0"),
            Status.FAIL,
            "version 2.3.0 is older than 2.3.1, which AWSEC2VssSnapshotPolicy needs",
        ),
        (InventoryFacts(True, None), Status.FAIL, "not in the instance's application inventory"),
        (InventoryFacts(True, ""), Status.FAIL, "unreadable version ''"),
        (
            InventoryFacts(False, reason="no application inventory has been collected"),
            Status.WARN,
            "not verified: no application inventory has been collected",
        ),
    ],
)
def test_vss_components(inventory: InventoryFacts, status: Status, detail: str) -> None:
    result = checks.vss_components(replace(READY, inventory=inventory))
    assert (result.check, result.status, result.detail) == ("vss-components", status, detail)
    if detail == "not in the instance's application inventory":
        assert result.fix == (
            "install it with the AWS-ConfigureAWSPackage document (action Install, name AwsVssComponents): "
            "aws ssm send-command --document-name AWS-ConfigureAWSPackage --instance-ids i-0123456789abcdef0 "
            "--parameters action=Install,name=AwsVssComponents"
        )


def test_instance_type_check_uses_the_shared_rule_list() -> None:
    assert checks.VSS_UNSUPPORTED_INSTANCE_TYPES is rules.VSS_UNSUPPORTED_INSTANCE_TYPES


@pytest.mark.parametrize("instance_type", rules.VSS_UNSUPPORTED_INSTANCE_TYPES)
def test_small_instance_types_fail(instance_type: str) -> None:
    result = checks.instance_type(replace(READY, instance_type=instance_type))
    assert (result.status, result.detail) == (Status.FAIL, f"{instance_type} is too small for VSS-enabled backups")


@pytest.mark.parametrize("instance_type", ["t3.small", "t2.small", "m5.large", "t4g.micro"])
def test_other_instance_types_pass(instance_type: str) -> None:
    assert checks.instance_type(replace(READY, instance_type=instance_type)).status is Status.PASS


def test_ebs_keys() -> None:
    aws_managed = VolumeFacts("vol-0bbbbbbbbbbbbbbb2", True, "arn:aws:kms:us-east-1:123456789012:key/k2", "AWS")
    plain = VolumeFacts("vol-0ccccccccccccccc3", False)
    assert checks.ebs_key_shareable(READY).detail == "1 with customer-managed keys, 0 unencrypted"
    assert checks.ebs_key_shareable(replace(READY, volumes=(plain,))).status is Status.PASS
    assert checks.ebs_key_shareable(replace(READY, volumes=())).detail == "no EBS volumes attached"
    failed = checks.ebs_key_shareable(replace(READY, volumes=(READY_VOLUME, aws_managed, plain)))
    assert (failed.status, failed.detail) == (
        Status.FAIL,
        "vol-0bbbbbbbbbbbbbbb2 encrypted with an AWS-managed key (aws/ebs): its snapshots cannot be copied to another account",
    )


def test_run_checks_order_and_archive_check() -> None:
    base = ["instance-profile", "ssm-agent-online", "ssm-agent-version", "windows", "vss-components", "instance-type"]
    assert [result.check for result in run_checks(READY)] == base
    assert [result.check for result in run_checks(READY, archive_copies=True)] == [*base, "ebs-key"]
    assert {result.status for result in run_checks(READY, archive_copies=True)} == {Status.PASS}


# --- report and table -------------------------------------------------------------------------


def test_report_exit_codes_and_counts() -> None:
    ready = build_report([READY], "us-east-1", "alk:backup", "windows-weekly-ec2-vss")
    assert (ready.exit_code, ready.counts()) == (0, {"pass": 6, "warn": 0, "fail": 0})
    warned = build_report([replace(READY, inventory=InventoryFacts(False))], "us-east-1", "k", "v")
    assert (warned.exit_code, warned.counts()) == (0, {"pass": 5, "warn": 1, "fail": 0})
    failed = build_report([READY, replace(READY, instance_id="i-1", instance_type="t3.micro")], "us-east-1", "k", "v")
    assert (failed.exit_code, failed.counts()) == (1, {"pass": 11, "warn": 0, "fail": 1})
    assert [item.status for item in failed.instances] == [Status.PASS, Status.FAIL]
    assert build_report([], "us-east-1", "k", "v").exit_code == 1


def test_table_shows_each_check_and_fix() -> None:
    report = build_report(
        [replace(READY, instance_type="t3.micro")], "us-east-1", "alk:backup", "windows-weekly-ec2-vss"
    )
    out = io.StringIO()
    render(report, Console(file=out, width=250, color_system=None))
    text = out.getvalue()
    assert "i-0123456789abcdef0 (sql01), t3.micro, running" in text
    for result in report.instances[0].results:
        assert result.title in text
    assert text.count("PASS") == 5 and text.count("FAIL") == 1
    assert "resize the instance to a larger type" in text
    assert "Not checkable from AWS, check on the instance when VSS still fails:" in text
    for step in checks.ON_INSTANCE_STEPS:
        assert f"  - {step}" in text
    assert text.rstrip().endswith(
        "1 instance(s) tagged alk:backup=windows-weekly-ec2-vss in us-east-1: 5 passed, 0 warned, 1 failed: "
        "NOT ready for VSS backups"
    )
