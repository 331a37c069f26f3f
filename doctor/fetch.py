"""Read the facts the checks need from EC2, IAM, SSM and KMS (read-only calls, paginated).

Every call here is a Describe/Get/List: the doctor never changes anything in the account.
AWS errors propagate as boto3 raised them; the command line turns them into one line each.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any

import boto3
from botocore.config import Config
from botocore.exceptions import ClientError

from .checks import VSS_COMPONENTS_PACKAGE
from .facts import AgentFacts, InstanceFacts, InventoryFacts, ProfileFacts, VolumeFacts
from .versions import parse_version

#: Instances in these states are backed up by AWS Backup; terminated ones are left out.
LIVE_STATES = ("pending", "running", "stopping", "stopped")
#: Attempts per call, the first included: botocore's "standard" retry mode retries throttling
#: and transient errors with exponential backoff before the doctor reports the error.
MAX_ATTEMPTS = 6
# IDs per request. SSM's model allows at most 100 values per filter; 50 stays well under it.
# EC2 volume IDs go in batches of 200, EC2's usual limit for values in one request.
_SSM_IDS_PER_CALL = 50
_EC2_IDS_PER_CALL = 200


@dataclass(frozen=True)
class Clients:
    """The four boto3 clients the doctor reads from."""

    ec2: Any
    iam: Any
    ssm: Any
    kms: Any

    @classmethod
    def for_region(cls, region: str, profile: str | None = None) -> Clients:
        """Clients for ``region`` from the default credential chain, or the named ``profile`` (default None)."""
        session = boto3.Session(profile_name=profile, region_name=region)
        config = Config(retries={"mode": "standard", "total_max_attempts": MAX_ATTEMPTS})
        return cls(*(session.client(name, config=config) for name in ("ec2", "iam", "ssm", "kms")))


def fetch_instances(
    clients: Clients, tag_key: str, tag_value: str, archive_copies: bool = False
) -> list[InstanceFacts]:
    """Facts about every live instance tagged ``tag_key=tag_value``, sorted by instance ID.

    The EBS volumes and their keys are read only when ``archive_copies`` is True (default False).
    """
    raw = sorted(_tagged_instances(clients.ec2, tag_key, tag_value), key=lambda item: item["InstanceId"])
    profiles: dict[str, ProfileFacts] = {}  # instances often share a profile: read each once
    for item in raw:
        arn = item.get("IamInstanceProfile", {}).get("Arn")
        if arn and arn not in profiles:
            profiles[arn] = _profile(clients.iam, arn)
    agents = _agents(clients.ssm, [item["InstanceId"] for item in raw])
    volumes = _volumes(clients.ec2, clients.kms, raw) if archive_copies else {}
    facts = []
    for item in raw:
        instance_id = item["InstanceId"]
        agent = agents.get(instance_id)
        facts.append(
            InstanceFacts(
                instance_id=instance_id,
                instance_type=item["InstanceType"],
                state=item["State"]["Name"],
                name=next((tag["Value"] for tag in item.get("Tags", []) if tag["Key"] == "Name"), None),
                platform=item.get("Platform"),
                platform_details=item.get("PlatformDetails"),
                profile=profiles.get(item.get("IamInstanceProfile", {}).get("Arn", "")),
                agent=agent,
                # Only SSM-managed instances have an inventory; asking for another one is an error.
                inventory=_inventory(clients.ssm, instance_id)
                if agent
                else InventoryFacts(collected=False, reason="the instance is not registered with SSM"),
                volumes=tuple(volumes.get(instance_id, ())) if archive_copies else None,
            )
        )
    return facts


def _tagged_instances(ec2: Any, tag_key: str, tag_value: str) -> Iterator[dict[str, Any]]:
    filters = [
        {"Name": f"tag:{tag_key}", "Values": [tag_value]},
        {"Name": "instance-state-name", "Values": list(LIVE_STATES)},
    ]
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            yield from reservation["Instances"]


def _profile(iam: Any, arn: str) -> ProfileFacts:
    # The name is the ARN's last path segment: arn:aws:iam::123456789012:instance-profile/some/path/name
    name = arn.rsplit("/", 1)[-1]
    try:
        roles = iam.get_instance_profile(InstanceProfileName=name)["InstanceProfile"]["Roles"]
    except ClientError as error:
        if error.response["Error"]["Code"] == "NoSuchEntity":
            return ProfileFacts(arn=arn, exists=False)
        raise
    if not roles:
        return ProfileFacts(arn=arn)
    role = roles[0]["RoleName"]
    attached = [
        policy["PolicyArn"]
        for page in iam.get_paginator("list_attached_role_policies").paginate(RoleName=role)
        for policy in page["AttachedPolicies"]
    ]
    inline = [
        policy_name
        for page in iam.get_paginator("list_role_policies").paginate(RoleName=role)
        for policy_name in page["PolicyNames"]
    ]
    return ProfileFacts(
        arn=arn, role_name=role, attached_policy_arns=tuple(attached), inline_policy_names=tuple(inline)
    )


def _agents(ssm: Any, instance_ids: Sequence[str]) -> dict[str, AgentFacts]:
    agents = {}
    for chunk in _chunks(instance_ids, _SSM_IDS_PER_CALL):
        pages = ssm.get_paginator("describe_instance_information").paginate(
            Filters=[{"Key": "InstanceIds", "Values": list(chunk)}]
        )
        for page in pages:
            for info in page["InstanceInformationList"]:
                agents[info["InstanceId"]] = AgentFacts(info.get("PingStatus", "Unknown"), info.get("AgentVersion"))
    return agents


def _inventory(ssm: Any, instance_id: str) -> InventoryFacts:
    """The AwsVssComponents entry of the instance's AWS:Application inventory.

    ListInventoryEntries has no paginator in botocore, so the NextToken loop is written out.
    An empty answer is ambiguous (package absent, or no inventory at all), so one more call
    without the filter tells the two apart.
    """
    request: dict[str, Any] = {
        "InstanceId": instance_id,
        "TypeName": "AWS:Application",
        "Filters": [{"Key": "Name", "Values": [VSS_COMPONENTS_PACKAGE], "Type": "Equal"}],
    }
    versions: list[str] = []
    try:
        while True:
            page = ssm.list_inventory_entries(**request)
            versions += [
                entry.get("Version", "")
                for entry in page.get("Entries", [])
                if entry.get("Name") == VSS_COMPONENTS_PACKAGE
            ]
            if not page.get("NextToken"):
                break
            request["NextToken"] = page["NextToken"]
        if versions:
            return InventoryFacts(collected=True, vss_components_version=max(versions, key=_version_key))
        anything = ssm.list_inventory_entries(InstanceId=instance_id, TypeName="AWS:Application", MaxResults=1)
    except ClientError as error:
        # SSM answers InvalidInstanceId for instances it cannot inventory (agent gone, not managed).
        if error.response["Error"]["Code"] == "InvalidInstanceId":
            return InventoryFacts(collected=False, reason="SSM cannot read this instance's inventory")
        raise
    if anything.get("Entries"):
        return InventoryFacts(collected=True)
    return InventoryFacts(collected=False, reason="no application inventory has been collected")


def _version_key(version: str) -> tuple[int, ...]:
    return parse_version(version) or ()


def _volumes(ec2: Any, kms: Any, instances: list[dict[str, Any]]) -> dict[str, list[VolumeFacts]]:
    keys: dict[str, str] = {}  # key ID -> KeyManager: volumes often share a key, describe each once
    owners: dict[str, list[str]] = {}  # a list: io1/io2 Multi-Attach volumes belong to several instances
    for item in instances:
        for mapping in item.get("BlockDeviceMappings", []):
            if "Ebs" in mapping:
                owners.setdefault(mapping["Ebs"]["VolumeId"], []).append(item["InstanceId"])
    found: dict[str, list[VolumeFacts]] = {}
    for chunk in _chunks(sorted(owners), _EC2_IDS_PER_CALL):
        for page in ec2.get_paginator("describe_volumes").paginate(VolumeIds=list(chunk)):
            for volume in page["Volumes"]:
                key_id = volume.get("KmsKeyId") if volume.get("Encrypted") else None
                if key_id and key_id not in keys:
                    keys[key_id] = kms.describe_key(KeyId=key_id)["KeyMetadata"]["KeyManager"]
                facts = VolumeFacts(
                    volume["VolumeId"], bool(volume.get("Encrypted")), key_id, keys.get(key_id) if key_id else None
                )
                for instance_id in owners[volume["VolumeId"]]:
                    found.setdefault(instance_id, []).append(facts)
    return found


def _chunks(items: Sequence[str], size: int) -> Iterator[Sequence[str]]:
    for start in range(0, len(items), size):
        yield items[start : start + size]
