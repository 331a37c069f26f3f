"""The doctor against AWS answers queued with botocore's Stubber, and its command line.

Stubber checks every request against the real API model shipped in botocore and matches its
parameters exactly; a call with nothing queued raises, so a request the doctor should not make
fails the test. Stubbed calls never reach the network, and never retry.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import boto3
import pytest
from botocore import UNSIGNED
from botocore.config import Config
from botocore.stub import Stubber

from components import regions
from doctor.__main__ import main
from doctor.checks import Status, run_checks
from doctor.fetch import MAX_ATTEMPTS, Clients, fetch_instances

REGION = "us-east-1"
TAG_KEY, TAG_VALUE = "alk:backup", "windows-weekly-ec2-vss"
ARGS = ["--region", REGION, "--tag-key", TAG_KEY, "--tag-value", TAG_VALUE]
INSTANCE_ID = "i-0123456789abcdef0"
PROFILE_ARN = "arn:aws:iam::123456789012:instance-profile/vss/windows-backup"
ROLE = "windows-backup"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
VSS_POLICY = "arn:aws:iam::aws:policy/AWSEC2VssSnapshotPolicy"
VOLUME_ID = "vol-0aaaaaaaaaaaaaaa1"
KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1234abcd-12ab-34cd-56ef-1234567890ab"
ALL_CHECKS = ["instance-profile", "ssm-agent-online", "ssm-agent-version", "windows", "vss-components", "instance-type"]


@dataclass
class Stubs:
    """One Stubber per client; ``clients`` is what the doctor gets."""

    clients: Clients
    ec2: Stubber
    iam: Stubber
    ssm: Stubber
    kms: Stubber

    def all(self) -> list[Stubber]:
        return [self.ec2, self.iam, self.ssm, self.kms]


@pytest.fixture(scope="module")
def session() -> boto3.Session:
    """One session for the module: it caches the API models, so new clients are quick to make."""
    return boto3.Session(region_name=REGION)


@pytest.fixture
def stubs(session: boto3.Session) -> Iterator[Stubs]:
    """Fresh stubbed clients; at the end every queued answer must have been asked for."""
    # Unsigned clients look for no credentials at all (the chain would end at the instance
    # metadata service); Stubber answers before a request would be signed or sent.
    unsigned = Config(signature_version=UNSIGNED)
    clients = Clients(*(session.client(name, config=unsigned) for name in ("ec2", "iam", "ssm", "kms")))
    found = Stubs(clients, *(Stubber(getattr(clients, name)) for name in ("ec2", "iam", "ssm", "kms")))
    for stubber in found.all():
        stubber.activate()
    yield found
    for stubber in found.all():
        stubber.assert_no_pending_responses()
        stubber.deactivate()


def instance(instance_id: str = INSTANCE_ID, **changes: Any) -> dict[str, Any]:
    """An EC2 DescribeInstances item for a ready Windows instance; ``None`` values drop the key."""
    item: dict[str, Any] = {
        "InstanceId": instance_id,
        "InstanceType": "m5.large",
        "State": {"Code": 16, "Name": "running"},
        "Platform": "windows",
        "PlatformDetails": "Windows",
        "IamInstanceProfile": {"Arn": PROFILE_ARN, "Id": "AIPAJ2EXAMPLEEXAMPLE1"},
        "Tags": [{"Key": "Name", "Value": "sql01"}, {"Key": TAG_KEY, "Value": TAG_VALUE}],
        "BlockDeviceMappings": [{"DeviceName": "/dev/sda1", "Ebs": {"VolumeId": VOLUME_ID, "Status": "attached"}}],
    }
    item.update(changes)
    return {key: value for key, value in item.items() if value is not None}


@dataclass
class Scenario:
    """The AWS answers for one ready instance; tests replace the part they are about."""

    instances: list[dict[str, Any]] = field(default_factory=lambda: [instance()])
    roles: list[str] = field(default_factory=lambda: [ROLE])
    attached: list[str] = field(default_factory=lambda: [SSM_CORE, VSS_POLICY])
    inline: list[str] = field(default_factory=list)
    agents: list[dict[str, Any]] = field(
        default_factory=lambda: [{"InstanceId": INSTANCE_ID, "PingStatus": "Online", "AgentVersion": "3.3.40.0"}]
    )
    vss_entries: list[dict[str, str]] = field(
        default_factory=lambda: [{"Name": "AwsVssComponents", "Version": "2.4.0"}]
    )
    other_apps: list[dict[str, str]] = field(
        default_factory=lambda: [{"Name": "Amazon SSM Agent", "Version": "3.3.40.0"}]
    )
    volume: dict[str, Any] = field(
        default_factory=lambda: {"VolumeId": VOLUME_ID, "Encrypted": True, "KmsKeyId": KEY_ARN}
    )
    key_manager: str = "CUSTOMER"

    def queue(self, stubs: Stubs, archive_copies: bool = False) -> None:
        """Queue every answer the doctor should ask for, in the order it asks (per client)."""
        stubs.ec2.add_response(
            "describe_instances",
            {"Reservations": [{"ReservationId": "r-0123456789abcdef0", "Instances": self.instances}]},
            {"Filters": INSTANCE_FILTERS},
        )
        if archive_copies:
            stubs.ec2.add_response("describe_volumes", {"Volumes": [self.volume]}, {"VolumeIds": [VOLUME_ID]})
            if self.volume.get("Encrypted"):
                stubs.kms.add_response(
                    "describe_key",
                    {
                        "KeyMetadata": {
                            "KeyId": KEY_ARN.rsplit("/", 1)[1],
                            "Arn": KEY_ARN,
                            "KeyManager": self.key_manager,
                        }
                    },
                    {"KeyId": KEY_ARN},
                )
        if any("IamInstanceProfile" in item for item in self.instances):
            queue_profile(stubs, self.roles, self.attached, self.inline)
        stubs.ssm.add_response(
            "describe_instance_information",
            {"InstanceInformationList": self.agents},
            {"Filters": [{"Key": "InstanceIds", "Values": [item["InstanceId"] for item in self.instances]}]},
        )
        for agent in self.agents:
            queue_inventory(stubs, agent["InstanceId"], self.vss_entries, self.other_apps)


INSTANCE_FILTERS = [
    {"Name": f"tag:{TAG_KEY}", "Values": [TAG_VALUE]},
    {"Name": "instance-state-name", "Values": ["pending", "running", "stopping", "stopped"]},
]


def queue_profile(stubs: Stubs, roles: list[str], attached: list[str], inline: list[str]) -> None:
    stubs.iam.add_response(
        "get_instance_profile",
        {
            "InstanceProfile": {
                "Path": "/vss/",
                "InstanceProfileName": "windows-backup",
                "InstanceProfileId": "AIPAJ2EXAMPLEEXAMPLE1",
                "Arn": PROFILE_ARN,
                "CreateDate": "2025-01-01T00:00:00Z",
                "Roles": [
                    {
                        "Path": "/",
                        "RoleName": role,
                        "RoleId": "AROAJ2EXAMPLEEXAMPLE1",
                        "Arn": f"arn:aws:iam::123456789012:role/{role}",
                        "CreateDate": "2025-01-01T00:00:00Z",
                    }
                    for role in roles
                ],
            }
        },
        {"InstanceProfileName": "windows-backup"},
    )
    if not roles:
        return
    stubs.iam.add_response(
        "list_attached_role_policies",
        {
            "AttachedPolicies": [{"PolicyName": arn.rsplit("/", 1)[1], "PolicyArn": arn} for arn in attached],
            "IsTruncated": False,
        },
        {"RoleName": roles[0]},
    )
    stubs.iam.add_response("list_role_policies", {"PolicyNames": inline, "IsTruncated": False}, {"RoleName": roles[0]})


def inventory_request(instance_id: str) -> dict[str, Any]:
    return {
        "InstanceId": instance_id,
        "TypeName": "AWS:Application",
        "Filters": [{"Key": "Name", "Values": ["AwsVssComponents"], "Type": "Equal"}],
    }


def queue_inventory(
    stubs: Stubs, instance_id: str, vss_entries: list[dict[str, str]], other_apps: list[dict[str, str]]
) -> None:
    stubs.ssm.add_response(
        "list_inventory_entries",
        {"TypeName": "AWS:Application", "InstanceId": instance_id, "Entries": vss_entries},
        inventory_request(instance_id),
    )
    if not vss_entries:
        stubs.ssm.add_response(
            "list_inventory_entries",
            {"TypeName": "AWS:Application", "InstanceId": instance_id, "Entries": other_apps},
            {"InstanceId": instance_id, "TypeName": "AWS:Application", "MaxResults": 1},
        )


def statuses(stubs: Stubs, archive_copies: bool = False) -> dict[str, tuple[Status, str]]:
    """Fetch through the stubs and run the checks on the one instance: check -> (status, detail)."""
    [facts] = fetch_instances(stubs.clients, TAG_KEY, TAG_VALUE, archive_copies)
    return {result.check: (result.status, result.detail) for result in run_checks(facts, archive_copies)}


def failing(results: dict[str, tuple[Status, str]]) -> dict[str, tuple[Status, str]]:
    return {check: found for check, found in results.items() if found[0] is not Status.PASS}


# --- fetching and checking, check by check ----------------------------------------------------


def test_ready_instance_passes_every_check(stubs: Stubs) -> None:
    Scenario().queue(stubs, archive_copies=True)
    [facts] = fetch_instances(stubs.clients, TAG_KEY, TAG_VALUE, archive_copies=True)
    assert (facts.instance_id, facts.name, facts.instance_type, facts.state) == (
        INSTANCE_ID,
        "sql01",
        "m5.large",
        "running",
    )
    assert facts.profile is not None and facts.volumes is not None
    assert facts.profile.role_name == ROLE and facts.profile.attached_policy_arns == (SSM_CORE, VSS_POLICY)
    assert facts.inventory.vss_components_version == "2.4.0"
    assert [(v.volume_id, v.key_manager) for v in facts.volumes] == [(VOLUME_ID, "CUSTOMER")]
    results = {result.check: result.status for result in run_checks(facts, archive_copies=True)}
    assert results == {check: Status.PASS for check in [*ALL_CHECKS, "ebs-key"]}


def test_profile_missing_vss_policy_fails(stubs: Stubs) -> None:
    Scenario(attached=[SSM_CORE]).queue(stubs)
    assert failing(statuses(stubs)) == {"instance-profile": (Status.FAIL, f"role {ROLE} lacks AWSEC2VssSnapshotPolicy")}


def test_profile_with_inline_policy_instead_warns(stubs: Stubs) -> None:
    Scenario(attached=[SSM_CORE], inline=["vss-snapshot"]).queue(stubs)
    assert failing(statuses(stubs)) == {
        "instance-profile": (
            Status.WARN,
            f"role {ROLE} lacks AWSEC2VssSnapshotPolicy but has vss-snapshot (inline): equivalent permissions not verified",
        )
    }


def test_profile_without_role_fails(stubs: Stubs) -> None:
    Scenario(roles=[]).queue(stubs)
    assert failing(statuses(stubs)) == {
        "instance-profile": (Status.FAIL, f"instance profile {PROFILE_ARN} has no role")
    }


def test_deleted_profile_fails(stubs: Stubs) -> None:
    scenario = Scenario()
    stubs.ec2.add_response(
        "describe_instances",
        {"Reservations": [{"Instances": scenario.instances}]},
        {"Filters": INSTANCE_FILTERS},
    )
    stubs.iam.add_client_error(
        "get_instance_profile",
        "NoSuchEntity",
        "Instance Profile windows-backup cannot be found.",
        404,
        expected_params={"InstanceProfileName": "windows-backup"},
    )
    stubs.ssm.add_response(
        "describe_instance_information",
        {"InstanceInformationList": scenario.agents},
        {"Filters": [{"Key": "InstanceIds", "Values": [INSTANCE_ID]}]},
    )
    queue_inventory(stubs, INSTANCE_ID, scenario.vss_entries, [])
    assert failing(statuses(stubs)) == {
        "instance-profile": (Status.FAIL, f"instance profile {PROFILE_ARN} no longer exists in IAM")
    }


def test_no_profile_makes_no_iam_call(stubs: Stubs) -> None:
    Scenario(instances=[instance(IamInstanceProfile=None)]).queue(stubs)
    assert failing(statuses(stubs)) == {"instance-profile": (Status.FAIL, "no instance profile is attached")}


def test_agent_connection_lost_fails(stubs: Stubs) -> None:
    agent = {"InstanceId": INSTANCE_ID, "PingStatus": "ConnectionLost", "AgentVersion": "3.3.40.0"}
    Scenario(agents=[agent]).queue(stubs)
    assert failing(statuses(stubs)) == {"ssm-agent-online": (Status.FAIL, "ConnectionLost (instance is running)")}


def test_unregistered_instance_fails_agent_checks_and_skips_inventory(stubs: Stubs) -> None:
    Scenario(agents=[]).queue(stubs)  # queues no inventory call: one would be an unexpected request
    assert failing(statuses(stubs)) == {
        "ssm-agent-online": (Status.FAIL, "not registered with SSM (instance is running)"),
        "ssm-agent-version": (Status.FAIL, "unknown: the instance is not registered with SSM"),
        "vss-components": (Status.WARN, "not verified: the instance is not registered with SSM"),
    }


@pytest.mark.parametrize(
    ("version", "expected"),
    [("3.0.431.0", (Status.FAIL, "version 3.0.431.0 is older than 3.0.502.0")), ("3.0.1000.0", None)],
)
def test_agent_version(stubs: Stubs, version: str, expected: tuple[Status, str] | None) -> None:
    Scenario(agents=[{"InstanceId": INSTANCE_ID, "PingStatus": "Online", "AgentVersion": version}]).queue(stubs)
    assert failing(statuses(stubs)) == ({"ssm-agent-version": expected} if expected else {})


def test_linux_instance_fails_windows_check(stubs: Stubs) -> None:
    Scenario(instances=[instance(Platform=None, PlatformDetails="Linux/UNIX")]).queue(stubs)
    assert failing(statuses(stubs)) == {"windows": (Status.FAIL, "Linux/UNIX: VSS only exists on Windows")}


def test_vss_components_missing_fails(stubs: Stubs) -> None:
    Scenario(vss_entries=[]).queue(stubs)
    assert failing(statuses(stubs)) == {"vss-components": (Status.FAIL, "not in the instance's application inventory")}


def test_vss_components_without_any_inventory_warns(stubs: Stubs) -> None:
    Scenario(vss_entries=[], other_apps=[]).queue(stubs)
    assert failing(statuses(stubs)) == {
        "vss-components": (Status.WARN, "not verified: no application inventory has been collected")
    }


def test_vss_components_too_old_fails(stubs: Stubs) -> None:
    Scenario(vss_entries=[{"Name": "AwsVssComponents", "Version": "2.3.0"}]).queue(stubs)
    assert failing(statuses(stubs)) == {
        "vss-components": (Status.FAIL, "version 2.3.0 is older than 2.3.1, which AWSEC2VssSnapshotPolicy needs")
    }


def test_inventory_refused_for_instance_warns(stubs: Stubs) -> None:
    scenario = Scenario()
    stubs.ec2.add_response(
        "describe_instances", {"Reservations": [{"Instances": scenario.instances}]}, {"Filters": INSTANCE_FILTERS}
    )
    queue_profile(stubs, scenario.roles, scenario.attached, [])
    stubs.ssm.add_response(
        "describe_instance_information",
        {"InstanceInformationList": scenario.agents},
        {"Filters": [{"Key": "InstanceIds", "Values": [INSTANCE_ID]}]},
    )
    stubs.ssm.add_client_error(
        "list_inventory_entries",
        "InvalidInstanceId",
        "not a managed node",
        expected_params=inventory_request(INSTANCE_ID),
    )
    assert failing(statuses(stubs)) == {
        "vss-components": (Status.WARN, "not verified: SSM cannot read this instance's inventory")
    }


def test_small_instance_type_fails(stubs: Stubs) -> None:
    Scenario(instances=[instance(InstanceType="t3.micro")]).queue(stubs)
    assert failing(statuses(stubs)) == {"instance-type": (Status.FAIL, "t3.micro is too small for VSS-enabled backups")}


def test_aws_managed_ebs_key_fails_archive_check(stubs: Stubs) -> None:
    Scenario(key_manager="AWS").queue(stubs, archive_copies=True)
    assert failing(statuses(stubs, archive_copies=True)) == {
        "ebs-key": (
            Status.FAIL,
            f"{VOLUME_ID} encrypted with an AWS-managed key (aws/ebs): its snapshots cannot be copied to another account",
        )
    }


def test_unencrypted_volume_passes_archive_check_without_kms(stubs: Stubs) -> None:
    Scenario(volume={"VolumeId": VOLUME_ID, "Encrypted": False}).queue(stubs, archive_copies=True)
    assert statuses(stubs, archive_copies=True)["ebs-key"] == (
        Status.PASS,
        "0 with customer-managed keys, 1 unencrypted",
    )


# --- pagination -------------------------------------------------------------------------------


def test_every_page_is_read_and_shared_lookups_happen_once(stubs: Stubs) -> None:
    second = "i-0fedcba9876543210"
    stubs.ec2.add_response(
        "describe_instances",
        {"Reservations": [{"Instances": [instance(second)]}], "NextToken": "page-2"},
        {"Filters": INSTANCE_FILTERS},
    )
    stubs.ec2.add_response(
        "describe_instances",
        {"Reservations": [{"Instances": [instance()]}]},
        {"Filters": INSTANCE_FILTERS, "NextToken": "page-2"},
    )
    # Both instances share the profile and (Multi-Attach) the volume: IAM, EC2 volumes and KMS are asked once.
    stubs.ec2.add_response(
        "describe_volumes",
        {"Volumes": [{"VolumeId": VOLUME_ID, "Encrypted": True, "KmsKeyId": KEY_ARN}]},
        {"VolumeIds": [VOLUME_ID]},
    )
    stubs.kms.add_response("describe_key", {"KeyMetadata": {"KeyId": "k", "KeyManager": "AWS"}}, {"KeyId": KEY_ARN})
    stubs.iam.add_response(
        "get_instance_profile",
        {
            "InstanceProfile": {
                "Path": "/vss/",
                "InstanceProfileName": "windows-backup",
                "InstanceProfileId": "AIPAJ2EXAMPLEEXAMPLE1",
                "Arn": PROFILE_ARN,
                "CreateDate": "2025-01-01T00:00:00Z",
                "Roles": [
                    {
                        "Path": "/",
                        "RoleName": ROLE,
                        "RoleId": "AROAJ2EXAMPLEEXAMPLE1",
                        "Arn": "arn:aws:iam::123456789012:role/windows-backup",
                        "CreateDate": "2025-01-01T00:00:00Z",
                    }
                ],
            }
        },
        {"InstanceProfileName": "windows-backup"},
    )
    stubs.iam.add_response(
        "list_attached_role_policies",
        {"AttachedPolicies": [{"PolicyArn": SSM_CORE}], "IsTruncated": True, "Marker": "m1"},
        {"RoleName": ROLE},
    )
    stubs.iam.add_response(
        "list_attached_role_policies",
        {"AttachedPolicies": [{"PolicyArn": VSS_POLICY}], "IsTruncated": False},
        {"RoleName": ROLE, "Marker": "m1"},
    )
    stubs.iam.add_response("list_role_policies", {"PolicyNames": [], "IsTruncated": False}, {"RoleName": ROLE})
    ids = [INSTANCE_ID, second]  # sorted
    stubs.ssm.add_response(
        "describe_instance_information",
        {
            "InstanceInformationList": [{"InstanceId": second, "PingStatus": "Online", "AgentVersion": "3.0.502.0"}],
            "NextToken": "s2",
        },
        {"Filters": [{"Key": "InstanceIds", "Values": ids}]},
    )
    stubs.ssm.add_response(
        "describe_instance_information",
        {"InstanceInformationList": [{"InstanceId": INSTANCE_ID, "PingStatus": "Online", "AgentVersion": "3.3.40.0"}]},
        {"Filters": [{"Key": "InstanceIds", "Values": ids}], "NextToken": "s2"},
    )
    # The first instance's package entry is on the second inventory page.
    stubs.ssm.add_response(
        "list_inventory_entries",
        {"TypeName": "AWS:Application", "InstanceId": INSTANCE_ID, "Entries": [], "NextToken": "inv-2"},
        inventory_request(INSTANCE_ID),
    )
    stubs.ssm.add_response(
        "list_inventory_entries",
        {"Entries": [{"Name": "AwsVssComponents", "Version": "2.3.1"}]},
        {**inventory_request(INSTANCE_ID), "NextToken": "inv-2"},
    )
    stubs.ssm.add_response(
        "list_inventory_entries",
        {"Entries": [{"Name": "AwsVssComponents", "Version": "2.5.3"}]},
        inventory_request(second),
    )

    found = fetch_instances(stubs.clients, TAG_KEY, TAG_VALUE, archive_copies=True)

    assert [item.instance_id for item in found] == ids
    assert [item.agent and item.agent.agent_version for item in found] == ["3.3.40.0", "3.0.502.0"]
    assert [item.inventory.vss_components_version for item in found] == ["2.3.1", "2.5.3"]
    assert found[0].profile is found[1].profile
    assert found[0].profile is not None and found[0].profile.attached_policy_arns == (SSM_CORE, VSS_POLICY)
    assert [[v.key_manager for v in item.volumes or ()] for item in found] == [["AWS"], ["AWS"]]


def test_ssm_lookups_are_split_into_requests_of_50_instances(stubs: Stubs) -> None:
    ids = [f"i-{n:017x}" for n in range(51)]
    stubs.ec2.add_response(
        "describe_instances",
        {"Reservations": [{"Instances": [instance(i, IamInstanceProfile=None) for i in ids]}]},
        {"Filters": INSTANCE_FILTERS},
    )
    for chunk in (ids[:50], ids[50:]):
        stubs.ssm.add_response(
            "describe_instance_information",
            {"InstanceInformationList": []},
            {"Filters": [{"Key": "InstanceIds", "Values": chunk}]},
        )
    found = fetch_instances(stubs.clients, TAG_KEY, TAG_VALUE)
    assert [item.instance_id for item in found] == ids
    assert {item.agent for item in found} == {None}


# --- the command line -------------------------------------------------------------------------


def run_cli(stubs: Stubs, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, str, str]:
    code = main([*ARGS, *extra], clients_for=lambda region, profile: stubs.clients)
    out, err = capsys.readouterr()
    return code, out, err


@pytest.fixture(autouse=True)
def wide_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    """rich wraps at 80 columns off a terminal; 250 keeps each table row on one line."""
    monkeypatch.setenv("COLUMNS", "250")


def test_cli_exit_0_and_tables_when_ready(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    Scenario().queue(stubs)
    code, out, err = run_cli(stubs, capsys)
    assert (code, err) == (0, "")
    assert "i-0123456789abcdef0 (sql01), m5.large, running" in out
    assert out.count("PASS") == 6
    assert out.rstrip().endswith(
        "1 instance(s) tagged alk:backup=windows-weekly-ec2-vss in us-east-1: 6 passed, 0 warned, 0 failed: "
        "ready for VSS backups"
    )


def test_cli_exit_0_with_only_warnings(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    Scenario(attached=[SSM_CORE], inline=["vss-snapshot"]).queue(stubs)
    code, out, _ = run_cli(stubs, capsys)
    assert code == 0
    assert (out.count("WARN"), out.count("FAIL")) == (1, 0)
    assert out.rstrip().endswith("5 passed, 1 warned, 0 failed: ready for VSS backups")


def test_cli_exit_1_and_fix_when_a_check_fails(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    Scenario(instances=[instance(InstanceType="t2.nano")]).queue(stubs)
    code, out, _ = run_cli(stubs, capsys)
    assert code == 1
    assert "t2.nano is too small for VSS-enabled backups" in out
    assert "resize the instance to a larger type (e.g. t3.small or bigger)" in out
    assert out.rstrip().endswith("5 passed, 0 warned, 1 failed: NOT ready for VSS backups")


def test_cli_json_has_the_same_data(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    Scenario(vss_entries=[{"Name": "AwsVssComponents", "Version": "2.3.0"}]).queue(stubs, archive_copies=True)
    code, out, err = run_cli(stubs, capsys, "--json", "--archive-copies")
    assert (code, err) == (1, "")
    document = json.loads(out)
    assert {key: document[key] for key in ("region", "tag", "archive_copies", "ok", "summary")} == {
        "region": REGION,
        "tag": {"key": TAG_KEY, "value": TAG_VALUE},
        "archive_copies": True,
        "ok": False,
        "summary": {"pass": 6, "warn": 0, "fail": 1},
    }
    [item] = document["instances"]
    assert {key: item[key] for key in ("instance_id", "name", "instance_type", "state", "status")} == {
        "instance_id": INSTANCE_ID,
        "name": "sql01",
        "instance_type": "m5.large",
        "state": "running",
        "status": "fail",
    }
    assert [(check["check"], check["status"]) for check in item["checks"]] == [
        ("instance-profile", "pass"),
        ("ssm-agent-online", "pass"),
        ("ssm-agent-version", "pass"),
        ("windows", "pass"),
        ("vss-components", "fail"),
        ("instance-type", "pass"),
        ("ebs-key", "pass"),
    ]
    vss = item["checks"][4]
    assert vss == {
        "check": "vss-components",
        "title": "AwsVssComponents installed",
        "status": "fail",
        "detail": "version 2.3.0 is older than 2.3.1, which AWSEC2VssSnapshotPolicy needs",
        "fix": "update it with the AWS-ConfigureAWSPackage document (action Install, name AwsVssComponents): "
        "aws ssm send-command --document-name AWS-ConfigureAWSPackage --instance-ids i-0123456789abcdef0 "
        "--parameters action=Install,name=AwsVssComponents",
    }
    assert item["checks"][0]["fix"] is None
    assert document["not_checked"] == [
        "VSS writers: `vssadmin list writers` on the instance shows every writer as Stable with no error",
        "Event Viewer: Windows Logs > Application, source VSS, around the backup's start time",
        "Free disk space: VSS needs room for its shadow copies on each volume being backed up",
    ]


def test_cli_no_tagged_instance_exits_1(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    stubs.ec2.add_response("describe_instances", {"Reservations": []}, {"Filters": INSTANCE_FILTERS})
    code, out, err = run_cli(stubs, capsys)
    assert (code, err) == (1, "")
    assert out == (
        "No instance in us-east-1 carries the tag alk:backup=windows-weekly-ec2-vss (terminated instances are not "
        "counted): nothing is selected for this VSS plan.\n"
    )


def test_cli_no_tagged_instance_in_json(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    stubs.ec2.add_response("describe_instances", {"Reservations": []}, {"Filters": INSTANCE_FILTERS})
    code, out, _ = run_cli(stubs, capsys, "--json")
    assert code == 1
    document = json.loads(out)
    assert (document["ok"], document["instances"], document["summary"]) == (
        False,
        [],
        {"pass": 0, "warn": 0, "fail": 0},
    )


# --- AWS errors: one line, exit 2 -------------------------------------------------------------


@pytest.mark.parametrize(
    ("client", "operation", "code", "line"),
    [
        (
            "ec2",
            "describe_instances",
            "UnauthorizedOperation",
            "error: access denied to ec2:DescribeInstances (UnauthorizedOperation): grant it to the caller and run again",
        ),
        (
            "iam",
            "get_instance_profile",
            "AccessDenied",
            "error: access denied to iam:GetInstanceProfile (AccessDenied): grant it to the caller and run again",
        ),
        (
            "ssm",
            "describe_instance_information",
            "AccessDeniedException",
            "error: access denied to ssm:DescribeInstanceInformation (AccessDeniedException): grant it to the caller and run again",
        ),
        (
            "ec2",
            "describe_instances",
            "RequestLimitExceeded",
            "error: AWS throttled ec2:DescribeInstances (RequestLimitExceeded) even after retries: wait a minute and run again",
        ),
        (
            "iam",
            "get_instance_profile",
            "Throttling",
            "error: AWS throttled iam:GetInstanceProfile (Throttling) even after retries: wait a minute and run again",
        ),
        (
            "ssm",
            "describe_instance_information",
            "ThrottlingException",
            "error: AWS throttled ssm:DescribeInstanceInformation (ThrottlingException) even after retries: wait a minute and run again",
        ),
        (
            "ec2",
            "describe_instances",
            "AuthFailure",
            "error: AWS rejected the credentials (AuthFailure): refresh them and run again",
        ),
        (
            "ssm",
            "describe_instance_information",
            "InternalServerError",
            # AWS messages can span lines: they are joined into one.
            "error: ssm:DescribeInstanceInformation failed: InternalServerError: boom second line",
        ),
    ],
)
def test_aws_errors_are_one_line_and_exit_2(
    stubs: Stubs, capsys: pytest.CaptureFixture[str], client: str, operation: str, code: str, line: str
) -> None:
    if client != "ec2":
        stubs.ec2.add_response(
            "describe_instances", {"Reservations": [{"Instances": [instance()]}]}, {"Filters": INSTANCE_FILTERS}
        )
    if client == "ssm":
        queue_profile(stubs, [ROLE], [SSM_CORE, VSS_POLICY], [])
    getattr(stubs, client).add_client_error(operation, code, "boom\nsecond line", 400)
    exit_code, out, err = run_cli(stubs, capsys)
    assert (exit_code, out, err) == (2, "", line + "\n")


def test_aws_error_in_json_mode_is_json_too(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    stubs.ec2.add_client_error("describe_instances", "UnauthorizedOperation", "You are not authorized", 403)
    exit_code, out, err = run_cli(stubs, capsys, "--json")
    message = "access denied to ec2:DescribeInstances (UnauthorizedOperation): grant it to the caller and run again"
    assert (exit_code, err) == (2, f"error: {message}\n")
    assert json.loads(out) == {"error": {"kind": "access-denied", "message": message}}


@pytest.fixture
def no_aws_config(monkeypatch: pytest.MonkeyPatch, tmp_path: Any) -> None:
    """No credentials anywhere boto3 looks, and no instance metadata lookup (it would go to the network)."""
    for name in (
        "AWS_ACCESS_KEY_ID",
        "AWS_SECRET_ACCESS_KEY",
        "AWS_SESSION_TOKEN",
        "AWS_PROFILE",
        "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI",
        "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "credentials"))
    monkeypatch.setenv("AWS_EC2_METADATA_DISABLED", "true")


def test_no_credentials_is_one_line_and_exit_2(no_aws_config: None, capsys: pytest.CaptureFixture[str]) -> None:
    # The real client factory: botocore raises NoCredentialsError while signing, before any request leaves.
    assert main(ARGS) == 2
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        "error: no AWS credentials found: pass --profile NAME, set AWS_PROFILE, or run `aws configure` / `aws sso login`\n",
    )


def test_unknown_profile_is_one_line_and_exit_2(no_aws_config: None, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*ARGS, "--profile", "archive"]) == 2
    out, err = capsys.readouterr()
    assert (out, err) == (
        "",
        "error: The config profile (archive) could not be found: list the profiles with `aws configure list-profiles`\n",
    )


def test_clients_retry_throttling_in_standard_mode(no_aws_config: None) -> None:
    clients = Clients.for_region(REGION)
    for client in (clients.ec2, clients.iam, clients.ssm, clients.kms):
        assert client.meta.config.retries == {"mode": "standard", "total_max_attempts": MAX_ATTEMPTS}
    # IAM is global (its client reports "aws-global"); the others are regional.
    assert [c.meta.region_name for c in (clients.ec2, clients.ssm, clients.kms)] == [REGION] * 3


# --- usage errors -----------------------------------------------------------------------------


def test_missing_region_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stopped:
        main(["--tag-key", TAG_KEY])
    assert stopped.value.code == 2
    assert "the following arguments are required: --region" in capsys.readouterr().err


@pytest.mark.parametrize("region", ["US East", "us-east-7"])
def test_unknown_region_is_a_usage_error_before_any_aws_call(capsys: pytest.CaptureFixture[str], region: str) -> None:
    def no_clients(region: str, profile: str | None) -> Clients:
        raise AssertionError("no AWS client may be made for a region AWS Backup does not run in")

    assert main(["--region", region, "--json"], clients_for=no_clients) == 2
    out, err = capsys.readouterr()
    botocore = regions.BOTOCORE_VERSION
    message = (
        f"--region {region!r}: not a region where AWS Backup runs, by the endpoint data of botocore {botocore}. "
        f"Fix: use a region code such as 'us-east-2', 'us-east-1', 'us-west-2' (or upgrade botocore if AWS opened "
        f"the region after {botocore})."
    )
    assert err == f"error: {message}\n"
    assert json.loads(out) == {"error": {"kind": "usage", "message": message}}


def test_defaults_are_the_articles_tag(stubs: Stubs, capsys: pytest.CaptureFixture[str]) -> None:
    stubs.ec2.add_response("describe_instances", {"Reservations": []}, {"Filters": INSTANCE_FILTERS})
    assert main(["--region", REGION], clients_for=lambda region, profile: stubs.clients) == 1
