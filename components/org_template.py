"""The CloudFormation template a StackSet deploys into every member account and region: the vault
(and its customer-managed key), the copy vault of a cross-region copy, and the IAM role the
organization's backup policies name.

Pure functions of plain data. The documents (key policy, vault access policy, trust policy, managed
policies) come from the same functions as the per-account stacks' (:mod:`components.policies`,
:mod:`components.service_role`), called with CloudFormation pseudo parameters
(``${AWS::AccountId}``, ``${AWS::Region}``, ``${AWS::Partition}``) in place of the account facts
and wrapped in ``Fn::Sub``, so each member stack fills in its own account and region.

CloudFormation facts (AWS CloudFormation User Guide): "DeletionPolicy attribute" and
"UpdateReplacePolicy attribute" (``Retain`` keeps a resource when its stack is deleted, or when an
update replaces it: the vault and its key are never deleted with a member stack);
"AWS::Backup::BackupVault" (``BackupVaultName`` and ``EncryptionKeyArn`` cannot change without a
replacement; ``AccessPolicy``; ``LockConfiguration``, whose ``MinRetentionDays`` is required);
"AWS::KMS::Key" (``PendingWindowInDays`` 7-30); "AWS::IAM::Role" (a named role needs
``CAPABILITY_NAMED_IAM``); "Condition functions" (``Fn::Or`` takes 2 to 10 conditions); "Template
anatomy"; and "Quotas" via the CreateStackSet API (a template body holds at most 51,200 bytes).
IAM is global: the role is created in one region only (``role_region``, fixed: never derived from
the order of ``regions``), or every region's stack would try to create the same role; it is
retained like the vaults, because AWS Backup needs it for every plan of the account.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any, Optional

from .backup_stack import selects_s3, vss_target_tags
from .kms_key import DELETION_WINDOW_DAYS
from .org_policy import generated_plans
from .policies import backup_key_policy, vault_access_policy
from .service_role import (
    BACKUP_POLICY,
    RESTORE_POLICY,
    S3_BACKUP_POLICY,
    S3_RESTORE_POLICY,
    managed_policy_arn,
    trust_policy,
)
from .vss_instances import (
    CONFIGURE_PACKAGE_DOCUMENT,
    DEFAULT_SCHEDULE,
    PACKAGE_PARAMETERS,
    association_targets,
    ec2_trust_policy,
    instance_policy_arns,
)

#: "Maximum length of 51,200 bytes" (CreateStackSet, TemplateBody).
MAX_TEMPLATE_BYTES = 51_200
#: Fn::Or takes at most this many conditions ("Condition functions").
_MAX_OR = 10

ACCOUNT = "${AWS::AccountId}"
REGION = "${AWS::Region}"
PARTITION = "${AWS::Partition}"

#: Logical IDs: part of each member stack's identity (a new ID replaces the resource), so fixed.
VAULT_KEY, VAULT_KEY_ALIAS, VAULT = "VaultKey", "VaultKeyAlias", "Vault"
COPY_VAULT_KEY, COPY_VAULT_KEY_ALIAS, COPY_VAULT = "CopyVaultKey", "CopyVaultKeyAlias", "CopyVault"
ROLE = "BackupRole"
VSS_ROLE, VSS_PROFILE, VSS_PACKAGE = "VssInstanceRole", "VssInstanceProfile", "VssPackage"
#: The member accounts' VSS instance role and profile, unless named otherwise.
DEFAULT_VSS_INSTANCE_ROLE = "windows-server-backup-vss-instance"
BACKS_UP_HERE, RECEIVES_COPIES, HOLDS_ROLE = "BacksUpHere", "ReceivesCopies", "HoldsRole"


def _sub(node: Any) -> Any:
    """Wrap every string that names a pseudo parameter in ``Fn::Sub``, recursively."""
    if isinstance(node, str):
        return {"Fn::Sub": node} if "${AWS::" in node else node
    if isinstance(node, list):
        return [_sub(item) for item in node]
    if isinstance(node, dict):
        return {key: _sub(value) for key, value in node.items()}
    return node


def _document(text: str) -> Any:
    """A policy document from :mod:`components.policies` as a template object."""
    return _sub(json.loads(text))


def instance_regions(args: Mapping[str, Any]) -> list[str]:
    """Every region the StackSet deploys to, in the order it deploys them: the role's region first
    (its stacks hold the role, even where nothing is backed up), then the backed-up regions, then
    the copy regions not among them (their vaults receive the copies, so they must exist too)."""
    regions = list(dict.fromkeys([args["role_region"], *args["regions"]]))
    cross_region = args.get("cross_region")
    if cross_region:
        regions += [r for r in dict.fromkeys(cross_region["copy_regions"].values()) if r not in regions]
    return regions


def _region_in(regions: Sequence[str]) -> dict[str, Any]:
    """A condition that holds in any of ``regions``, written in sorted order: listing the same
    regions in another order leaves the template, and so the member stacks, unchanged."""
    tests: list[dict[str, Any]] = [{"Fn::Equals": [{"Ref": "AWS::Region"}, region]} for region in sorted(regions)]
    while len(tests) > 1:
        tests = [
            {"Fn::Or": tests[i : i + _MAX_OR]} if len(tests[i : i + _MAX_OR]) > 1 else tests[i]
            for i in range(0, len(tests), _MAX_OR)
        ]
    return tests[0]


def member_role(name: Optional[str]) -> Optional[str]:
    """The ARN of the role called ``name`` in the member stack's own account (``Fn::Sub`` fills it in)."""
    return f"arn:{PARTITION}:iam::{ACCOUNT}:role/{name}" if name else None


def _tag_list(tags: Mapping[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


def _retained(resource: dict[str, Any], retain: bool, condition: Optional[str]) -> dict[str, Any]:
    policy = "Retain" if retain else "Delete"
    if condition:
        resource = {"Condition": condition, **resource}
    return {**resource, "DeletionPolicy": policy, "UpdateReplacePolicy": policy}


def _conditional(resource: dict[str, Any], condition: Optional[str]) -> dict[str, Any]:
    return {"Condition": condition, **resource} if condition else resource


def _vault_resources(
    prefix: tuple[str, str, str],
    vault: Mapping[str, Any],
    condition: Optional[str],
    tags: Mapping[str, str],
    copy_account_ids: Sequence[str] = (),
) -> dict[str, Any]:
    """A vault (and, with ``create_kms_key``, its key and alias), as the per-account ``BackupVault``
    and ``BackupKey`` make them: rotated key, 30-day deletion window, deletions denied, the lock."""
    key_id, alias_id, vault_id = prefix
    retain = vault.get("protect", True)
    resources: dict[str, Any] = {}
    properties: dict[str, Any] = {"BackupVaultName": vault["name"]}
    if vault.get("create_kms_key"):
        key_policy = backup_key_policy(
            partition=PARTITION, account_id=ACCOUNT, region=REGION, copy_account_ids=copy_account_ids
        )
        key_properties: dict[str, Any] = {
            "Description": f"AWS Backup vault key ({vault['name']})",
            "EnableKeyRotation": True,
            "PendingWindowInDays": DELETION_WINDOW_DAYS,
            "KeyPolicy": _document(key_policy),
        }
        if tags:
            key_properties["Tags"] = _tag_list(tags)
        resources[key_id] = _retained({"Type": "AWS::KMS::Key", "Properties": key_properties}, retain, condition)
        resources[alias_id] = _conditional(
            {
                "Type": "AWS::KMS::Alias",
                "Properties": {"AliasName": f"alias/{vault['name']}", "TargetKeyId": {"Ref": key_id}},
            },
            condition,
        )
        properties["EncryptionKeyArn"] = {"Fn::GetAtt": [key_id, "Arn"]}
    if vault.get("deny_deletions", True):
        properties["AccessPolicy"] = _document(
            vault_access_policy(
                partition=PARTITION,
                deny_deletions=True,
                break_glass_role_arn=member_role(vault.get("break_glass_role_name")),
            )
        )
    lock = vault.get("lock")
    if lock:
        properties["LockConfiguration"] = {
            "MinRetentionDays": lock["min_retention_days"],
            "MaxRetentionDays": lock["max_retention_days"],
            **({"ChangeableForDays": lock["changeable_for_days"]} if lock.get("changeable_for_days") else {}),
        }
    vault_tags = {**tags, **(vault.get("tags") or {})}
    if vault_tags:
        properties["BackupVaultTags"] = dict(vault_tags)
    resources[vault_id] = _retained({"Type": "AWS::Backup::BackupVault", "Properties": properties}, retain, condition)
    return resources


def _role(args: Mapping[str, Any], condition: str, tags: Mapping[str, str]) -> dict[str, Any]:
    """The role the policies name, as ``BackupServiceRole`` makes it: trusted by AWS Backup for this
    account only (``aws:SourceAccount``), with the AWS managed backup (and restore) policies.
    Retained with the vaults (``vault.protect``): a role deleted with a member stack would stop
    every backup of the account."""
    role = args["role"]
    restores = role.get("allow_restores", True)
    # As the policies select: a selection by conditions alone takes every type, S3 buckets too.
    s3 = role.get("allow_s3", selects_s3(generated_plans(args)))
    policies = [BACKUP_POLICY] + ([RESTORE_POLICY] if restores else [])
    policies += ([S3_BACKUP_POLICY] + ([S3_RESTORE_POLICY] if restores else [])) if s3 else []
    properties = {
        "RoleName": role["name"],
        "Description": "Assumed by AWS Backup for the organization's backup policies",
        "AssumeRolePolicyDocument": _document(trust_policy(ACCOUNT)),
        "ManagedPolicyArns": [_sub(managed_policy_arn(PARTITION, policy)) for policy in policies],
        "Tags": _tag_list({"Name": role["name"], **tags, **(role.get("tags") or {})}),
    }
    return _retained(
        {"Type": "AWS::IAM::Role", "Properties": properties}, args["vault"].get("protect", True), condition
    )


def vss_instances_on(args: Mapping[str, Any]) -> bool:
    """Whether the member stacks set up the VSS plans' instances: as ``vss_instances.enabled`` says,
    else when a plan has ``windows_vss``."""
    enabled = (args.get("vss_instances") or {}).get("enabled")
    return any(plan.get("windows_vss") for plan in args["plans"]) if enabled is None else bool(enabled)


def _vss_resources(
    args: Mapping[str, Any], holds_role: str, backs_up: Optional[str], tags: Mapping[str, str]
) -> dict[str, Any]:
    """The EC2 side of VSS, as ``WindowsVssInstances`` makes it in a per-account stack: the instance
    role and profile with AmazonSSMManagedInstanceCore and AWSEC2VssSnapshotPolicy (IAM: in the
    role's region, retained like the backup role), and in every backed-up region a State Manager
    association per tag key that installs AwsVssComponents on the VSS plans' instances
    ("AWS::SSM::Association": ``Parameters`` map to lists of strings)."""
    spec = args.get("vss_instances") or {}
    name = spec.get("instance_role_name") or DEFAULT_VSS_INSTANCE_ROLE
    retain = args["vault"].get("protect", True)
    role = {
        "RoleName": name,
        "Description": "Windows instances that take VSS backups (AWS Backup, the organization's backup policies)",
        "AssumeRolePolicyDocument": json.loads(ec2_trust_policy()),
        "ManagedPolicyArns": [_sub(arn) for arn in instance_policy_arns(PARTITION)],
        "Tags": _tag_list({"Name": name, **tags}),
    }
    resources: dict[str, Any] = {
        VSS_ROLE: _retained({"Type": "AWS::IAM::Role", "Properties": role}, retain, holds_role),
        VSS_PROFILE: _retained(
            {
                "Type": "AWS::IAM::InstanceProfile",
                "Properties": {"InstanceProfileName": name, "Roles": [{"Ref": VSS_ROLE}]},
            },
            retain,
            holds_role,
        ),
    }
    schedule = spec.get("schedule") or DEFAULT_SCHEDULE
    for index, (key, values) in enumerate(association_targets(vss_target_tags(args["plans"])), start=1):
        association = {
            "Name": CONFIGURE_PACKAGE_DOCUMENT,
            "Parameters": {parameter: [value] for parameter, value in PACKAGE_PARAMETERS.items()},
            "Targets": [{"Key": key, "Values": values}],
            "ScheduleExpression": schedule,
        }
        resources[f"{VSS_PACKAGE}{index}"] = _conditional(
            {"Type": "AWS::SSM::Association", "Properties": association}, backs_up
        )
    return resources


def member_template(args: Mapping[str, Any], archive_account_id: Optional[str] = None) -> dict[str, Any]:
    """The member-account template for :class:`components.OrganizationBackupArgs`-shaped ``args``.

    ``archive_account_id``: the archive vault's account, whose AWS Backup may use the vault key to
    copy recovery points (as the per-account stacks' key policy allows it).
    """
    regions = instance_regions(args)
    backed_up = list(dict.fromkeys(args["regions"]))
    tags = dict(args.get("tags") or {})
    conditions: dict[str, Any] = {}
    here = None
    if set(backed_up) != set(regions):
        here = BACKS_UP_HERE
        conditions[here] = _region_in(backed_up)
    resources = _vault_resources(
        (VAULT_KEY, VAULT_KEY_ALIAS, VAULT),
        args["vault"],
        here,
        tags,
        [archive_account_id] if archive_account_id else [],
    )
    outputs: dict[str, Any] = {
        "VaultArn": _conditional({"Value": {"Fn::GetAtt": [VAULT, "BackupVaultArn"]}}, here),
    }
    cross_region = args.get("cross_region")
    if cross_region:
        receiving = list(dict.fromkeys(cross_region["copy_regions"].values()))
        copies_here = None
        if set(receiving) != set(regions):
            copies_here = RECEIVES_COPIES
            conditions[copies_here] = _region_in(receiving)
        copy_vault = {
            "name": cross_region["vault_name"],
            "create_kms_key": cross_region.get("create_kms_key", False),
            "lock": cross_region.get("lock"),
            "protect": args["vault"].get("protect", True),
            "deny_deletions": args["vault"].get("deny_deletions", True),
            "break_glass_role_name": args["vault"].get("break_glass_role_name"),
        }
        resources.update(
            _vault_resources((COPY_VAULT_KEY, COPY_VAULT_KEY_ALIAS, COPY_VAULT), copy_vault, copies_here, tags)
        )
        outputs["CopyVaultArn"] = _conditional({"Value": {"Fn::GetAtt": [COPY_VAULT, "BackupVaultArn"]}}, copies_here)
    # Always a condition, even with one region: the role's definition never changes with the regions.
    conditions[HOLDS_ROLE] = _region_in([args["role_region"]])
    resources[ROLE] = _role(args, HOLDS_ROLE, tags)
    outputs["RoleArn"] = _conditional({"Value": {"Fn::GetAtt": [ROLE, "Arn"]}}, HOLDS_ROLE)
    if vss_instances_on(args):
        resources.update(_vss_resources(args, HOLDS_ROLE, here, tags))
        outputs["VssInstanceProfileName"] = _conditional({"Value": {"Ref": VSS_PROFILE}}, HOLDS_ROLE)
    template: dict[str, Any] = {
        "AWSTemplateFormatVersion": "2010-09-09",
        "Description": "windows-server-backup: the vaults and the role the organization's backup policies use in "
        "this account and region (generated by the organization stack: change that, not this)",
    }
    if conditions:
        template["Conditions"] = conditions
    template["Resources"] = resources
    template["Outputs"] = outputs
    return template


def template_body(template: Mapping[str, Any]) -> str:
    """The template as the StackSet's body: indented JSON, readable in a preview."""
    return json.dumps(template, indent=2)


def template_size_problem(body: str) -> Optional[str]:
    """The body's size against CreateStackSet's limit, or ``None`` when it fits."""
    size = len(body.encode("utf-8"))
    if size <= MAX_TEMPLATE_BYTES:
        return None
    return f"the member template is {size:,} bytes; a StackSet template holds at most {MAX_TEMPLATE_BYTES:,}"


__all__ = [
    "COPY_VAULT",
    "COPY_VAULT_KEY",
    "DEFAULT_VSS_INSTANCE_ROLE",
    "MAX_TEMPLATE_BYTES",
    "ROLE",
    "VAULT",
    "VAULT_KEY",
    "instance_regions",
    "member_template",
    "template_body",
    "template_size_problem",
    "vss_instances_on",
]
