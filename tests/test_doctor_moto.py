"""The doctor end to end through moto: real EC2, IAM and KMS requests answered by moto's AWS model.

moto 5 implements neither ssm:DescribeInstanceInformation nor ssm:ListInventoryEntries, so the
SSM client alone is a Stubber (checked against the botocore API model) inside the moto run.
moto also reports its ``aws/ebs`` key as customer-managed, so the AWS-managed key failure is
tested with the Stubber in test_doctor_aws.py; here the volume uses a customer-managed key.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, replace
from typing import Any

import boto3
import pytest
from botocore.stub import Stubber
from moto import mock_aws

from doctor.__main__ import main
from doctor.fetch import Clients

REGION = "us-east-1"
TAG_KEY, TAG_VALUE = "alk:backup", "windows-weekly-ec2-vss"
SSM_CORE = "arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"
VSS_POLICY = "arn:aws:iam::aws:policy/AWSEC2VssSnapshotPolicy"
TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"}, "Action": "sts:AssumeRole"}],
    }
)


@dataclass
class Fleet:
    clients: Clients
    ssm: Stubber
    ready: str
    """A Windows m5.large whose profile has both policies and whose volume uses a customer-managed key."""
    not_ready: str
    """A Windows t3.micro whose profile lacks AWSEC2VssSnapshotPolicy."""


def _profile(iam: Any, name: str, policies: list[str]) -> None:
    iam.create_role(RoleName=name, AssumeRolePolicyDocument=TRUST)
    for arn in policies:
        iam.attach_role_policy(RoleName=name, PolicyArn=arn)
    iam.create_instance_profile(InstanceProfileName=name, Path="/vss/")
    iam.add_role_to_instance_profile(InstanceProfileName=name, RoleName=name)


def _launch(
    ec2: Any, image: str, instance_type: str, tags: dict[str, str], profile: str | None = None, **extra: Any
) -> str:
    request: dict[str, Any] = {
        "ImageId": image,
        "MinCount": 1,
        "MaxCount": 1,
        "InstanceType": instance_type,
        "TagSpecifications": [{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}],
        **extra,
    }
    if profile:
        request["IamInstanceProfile"] = {"Name": profile}
    return ec2.run_instances(**request)["Instances"][0]["InstanceId"]


@pytest.fixture(scope="module")
def moto_fleet() -> Iterator[Fleet]:
    """Five instances in moto, two of them selected (tagged for the VSS plan and not terminated),
    made once for the module (moto loads every AWS managed policy first); a test that changes
    them changes them back."""
    with mock_aws(config={"iam": {"load_aws_managed_policies": True}}):
        session = boto3.Session(region_name=REGION)
        ec2, iam, kms = (session.client(name) for name in ("ec2", "iam", "kms"))
        ssm = session.client("ssm")
        _profile(iam, "windows-backup", [SSM_CORE, VSS_POLICY])
        _profile(iam, "ssm-only", [SSM_CORE])
        key = kms.create_key(Description="archive-shareable EBS key")["KeyMetadata"]["Arn"]
        windows = ec2.describe_images(Filters=[{"Name": "platform", "Values": ["windows"]}])["Images"][0]["ImageId"]
        selected = {TAG_KEY: TAG_VALUE}

        ready = _launch(
            ec2,
            windows,
            "m5.large",
            {**selected, "Name": "sql01"},
            "windows-backup",
            BlockDeviceMappings=[
                {"DeviceName": "/dev/sda1", "Ebs": {"VolumeSize": 50, "Encrypted": True, "KmsKeyId": key}}
            ],
        )
        not_ready = _launch(ec2, windows, "t3.micro", selected, "ssm-only")
        _launch(ec2, windows, "m5.large", {"Name": "untagged"}, "windows-backup")
        _launch(ec2, windows, "m5.large", {TAG_KEY: "weekly-ebs"}, "windows-backup")
        gone = _launch(ec2, windows, "m5.large", selected, "windows-backup")
        ec2.terminate_instances(InstanceIds=[gone])

        yield Fleet(Clients(ec2=ec2, iam=iam, ssm=ssm, kms=kms), Stubber(ssm), ready, not_ready)


@pytest.fixture
def fleet(moto_fleet: Fleet) -> Iterator[Fleet]:
    """The module's fleet with an SSM stub of the test's own, answering only what the test queues:
    a failed test's unused answers go with its stub, never to the next test."""
    stub = Stubber(moto_fleet.clients.ssm)
    stub.activate()
    try:
        yield replace(moto_fleet, ssm=stub)
    finally:
        stub.deactivate()
    stub.assert_no_pending_responses()


def _queue_ssm(fleet: Fleet) -> None:
    ids = sorted([fleet.ready, fleet.not_ready])
    fleet.ssm.add_response(
        "describe_instance_information",
        {
            "InstanceInformationList": [
                {"InstanceId": i, "PingStatus": "Online", "AgentVersion": "3.3.40.0"} for i in ids
            ]
        },
        {"Filters": [{"Key": "InstanceIds", "Values": ids}]},
    )
    for instance_id in ids:
        fleet.ssm.add_response(
            "list_inventory_entries",
            {
                "InstanceId": instance_id,
                "TypeName": "AWS:Application",
                "Entries": [{"Name": "AwsVssComponents", "Version": "2.4.0"}],
            },
            {
                "InstanceId": instance_id,
                "TypeName": "AWS:Application",
                "Filters": [{"Key": "Name", "Values": ["AwsVssComponents"], "Type": "Equal"}],
            },
        )


def test_end_to_end_through_moto(fleet: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    _queue_ssm(fleet)
    code = main(
        ["--region", REGION, "--tag-key", TAG_KEY, "--tag-value", TAG_VALUE, "--archive-copies", "--json"],
        clients_for=lambda region, profile: fleet.clients,
    )
    out, err = capsys.readouterr()
    assert (code, err) == (1, "")
    document = json.loads(out)
    assert document["summary"] == {"pass": 12, "warn": 0, "fail": 2}
    by_id = {item["instance_id"]: item for item in document["instances"]}
    assert sorted(by_id) == sorted([fleet.ready, fleet.not_ready])  # untagged, other plan and terminated left out

    ready = by_id[fleet.ready]
    assert (ready["name"], ready["instance_type"], ready["state"], ready["status"]) == (
        "sql01",
        "m5.large",
        "running",
        "pass",
    )
    assert {check["check"]: check["detail"] for check in ready["checks"]} == {
        "instance-profile": "role windows-backup has AmazonSSMManagedInstanceCore and AWSEC2VssSnapshotPolicy",
        "ssm-agent-online": "Online",
        "ssm-agent-version": "version 3.3.40.0",
        "windows": "windows",
        "vss-components": "version 2.4.0",
        "instance-type": "m5.large",
        "ebs-key": "1 with customer-managed keys, 0 unencrypted",
    }

    not_ready = by_id[fleet.not_ready]
    failed = {
        check["check"]: (check["detail"], check["fix"]) for check in not_ready["checks"] if check["status"] == "fail"
    }
    assert failed == {
        "instance-profile": (
            "role ssm-only lacks AWSEC2VssSnapshotPolicy",
            f"aws iam attach-role-policy --role-name ssm-only --policy-arn {VSS_POLICY}",
        ),
        "instance-type": (
            "t3.micro is too small for VSS-enabled backups",
            (
                "resize the instance to a larger type (e.g. t3.small or bigger): stop it, aws ec2 "
                f"modify-instance-attribute --instance-id {fleet.not_ready} --instance-type t3.small, start it"
            ),
        ),
    }


def test_fixing_the_role_in_iam_makes_the_check_pass(fleet: Fleet, capsys: pytest.CaptureFixture[str]) -> None:
    fleet.clients.iam.attach_role_policy(RoleName="ssm-only", PolicyArn=VSS_POLICY)
    try:
        _queue_ssm(fleet)
        code = main(
            ["--region", REGION, "--json"],  # the article's tag is the default
            clients_for=lambda region, profile: fleet.clients,
        )
    finally:
        fleet.clients.iam.detach_role_policy(RoleName="ssm-only", PolicyArn=VSS_POLICY)
    document = json.loads(capsys.readouterr().out)
    not_ready = next(item for item in document["instances"] if item["instance_id"] == fleet.not_ready)
    assert [check["check"] for check in not_ready["checks"] if check["status"] == "fail"] == ["instance-type"]
    assert code == 1
