"""Hand-written run documents (what ``python -m offline <stack> --format json`` prints), to test the
review's rules one at a time without running a program."""

from __future__ import annotations

import json
from typing import Any, Optional

from offline.compare import Side, StackDiff, diff_sides

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1111"
OTHER_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/2222"
STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"
WEST_COPIES = "arn:aws:backup:us-west-2:123456789012:backup-vault:copies"
ARCHIVE = "arn:aws:backup:us-east-1:222222222222:backup-vault:archive"
PROTECTED = " It is protected, so `pulumi up` stops at it until the protection is lifted."
DENY_ACTIONS = ["backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault"]


def resource(type_: str, name: str, inputs: dict[str, Any], **options: Any) -> dict[str, Any]:
    """A registration under the component ``p:index:Backup`` named ``backup`` (by default)."""
    parent_type = options.pop("parent_type", "p:index:Backup")
    return {
        "type": type_,
        "name": name,
        "urn": options.pop("urn", f"urn:pulumi:dev::p::{parent_type}${type_}::{name}"),
        "parent": options.pop("parent", f"urn:pulumi:dev::p::{parent_type}::backup"),
        "custom": True,
        "protect": options.pop("protect", True),
        "retain_on_delete": False,
        "provider": options.pop("provider", ""),
        "inputs": inputs,
        "id": options.pop("id", name),
        "outputs": options.pop("outputs", {}),
        **options,
    }


def side(
    label: str, *resources: dict[str, Any], region: str = "us-east-1", outputs: Optional[dict[str, Any]] = None
) -> Side:
    """One side's run document holding ``resources`` under the root stack."""
    stack = {"type": "pulumi:pulumi:Stack", "name": "p-dev", "urn": STACK, "parent": "", "provider": "", "inputs": {}}
    document = {
        "stack": "dev",
        "region": region,
        "registrations": [stack, *resources],
        "outputs": outputs or {},
        "error": None,
    }
    return Side(label, True, document)


def compared(before: list[dict[str, Any]], after: list[dict[str, Any]], **options: Any) -> StackDiff:
    """The comparison of a base holding ``before`` with a head holding ``after``."""
    base_outputs = options.pop("base_outputs", None)
    head_outputs = options.pop("head_outputs", None)
    return diff_sides(
        "dev", side("base", *before, outputs=base_outputs, **options), side("head", *after, outputs=head_outputs)
    )


def messages(before: list[dict[str, Any]], after: list[dict[str, Any]], level: str = "") -> list[str]:
    """The findings' messages (only those of ``level`` when given)."""
    return [f.message for f in compared(before, after).findings if not level or f.level == level]


def vault(**inputs: Any) -> dict[str, Any]:
    return resource(
        "aws:backup/vault:Vault", "vault", {"name": "v", "kmsKeyArn": KEY_ARN, "forceDestroy": False, **inputs}
    )


def key(**inputs: Any) -> dict[str, Any]:
    return resource("aws:kms/key:Key", "vault-key", {"enableKeyRotation": True, **inputs}, outputs={"arn": KEY_ARN})


def copy_action(arn: str = WEST_COPIES, days: Optional[int] = 35, **lifecycle: Any) -> dict[str, Any]:
    action: dict[str, Any] = {"destinationVaultArn": arn}
    if days is not None or lifecycle:
        action["lifecycle"] = {**({"deleteAfter": days} if days is not None else {}), **lifecycle}
    return action


def rule(name: str = "weekly", days: Optional[int] = 35, copies: Any = (), **inputs: Any) -> dict[str, Any]:
    return {
        "ruleName": name,
        "schedule": "cron(0 18 ? * SUN *)",
        "targetVaultName": "v",
        "startWindow": 60,
        "completionWindow": 1440,
        "lifecycle": {"deleteAfter": days} if days is not None else {},
        "copyActions": list(copies),
        "enableContinuousBackup": False,
        **inputs,
    }


def plan(name: str = "weekly", *rules: dict[str, Any], vss: bool = False, **options: Any) -> dict[str, Any]:
    inputs: dict[str, Any] = {"name": name, "rules": list(rules) or [rule(name)]}
    if vss:
        inputs["advancedBackupSettings"] = [{"resourceType": "EC2", "backupOptions": {"WindowsVSS": "enabled"}}]
    return resource("aws:backup/plan:Plan", f"backup-{name}", inputs, protect=False, id=f"plan-{name}", **options)


def selection(name: str = "weekly", plan_name: str = "weekly", **inputs: Any) -> dict[str, Any]:
    """A selection of plan ``plan_name``; by default of resources tagged ``backup=<name>``."""
    if not inputs:
        inputs = {"selectionTags": [{"type": "STRINGEQUALS", "key": "backup", "value": name}]}
    return resource(
        "aws:backup/selection:Selection",
        f"backup-{name}",
        {"name": name, "planId": f"plan-{plan_name}", "iamRoleArn": "arn:aws:iam::123456789012:role/r", **inputs},
        protect=False,
    )


def lock(**inputs: Any) -> dict[str, Any]:
    return resource(
        "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
        "vault-lock",
        {"backupVaultName": "v", "minRetentionDays": 7, "maxRetentionDays": 400, **inputs},
    )


def deny_statement(**extra: Any) -> dict[str, Any]:
    return {
        "Sid": "DenyRecoveryPointDeletion",
        "Effect": "Deny",
        "Principal": {"AWS": "*"},
        "Action": DENY_ACTIONS,
        "Resource": "*",
        **extra,
    }


def vault_policy(*statements: dict[str, Any], indent: Optional[int] = 2) -> dict[str, Any]:
    document = {"Version": "2012-10-17", "Statement": list(statements)}
    return resource(
        "aws:backup/vaultPolicy:VaultPolicy",
        "vault-policy",
        {"backupVaultName": "v", "policy": json.dumps(document, indent=indent)},
        protect=False,
    )


def verdict_outputs(*copies: tuple[str, str, str, str, Optional[int]], plan_name: str = "weekly") -> dict[str, Any]:
    """A ``three_two_one`` output for one plan and selection: copies as (role, region, account, tier, days)."""
    places = {(region, account) for _, region, account, _, _ in copies}
    tiers = sorted({tier for *_, tier, _ in copies})
    primary = copies[0]
    entries = [
        {
            "rule": plan_name,
            "role": role,
            "region": region,
            "account": account,
            "vault": f"{role}-{region}-{account}",
            "tier": tier,
            "retention_days": days,
        }
        for role, region, account, tier, days in copies
    ]
    off_site = any((region, account) != (primary[1], primary[2]) for _, region, account, _, _ in copies)
    meets = len(places) >= 3 and len(tiers) >= 2 and off_site
    return {
        "three_two_one": {
            f"{plan_name}/{plan_name}": {
                "copies": entries,
                "copy_count": len(places),
                "media": tiers,
                "off_site": off_site,
                "meets_3_2_1": meets,
                "reasons": [] if meets else ["2 copies (3 needed): add copies to another region and account"],
            }
        }
    }
