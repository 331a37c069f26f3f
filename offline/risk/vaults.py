"""A vault, or the KMS key that encrypts it, deleted or replaced; or no longer protected."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..diff import shown
from ..resources import AIR_GAPPED_VAULT, KMS_KEY, VAULT, VAULT_TYPES, label
from .findings import (
    DANGER,
    WARNING,
    Finding,
    Sides,
    finding,
    inputs,
    of_type,
    provider_region,
    provider_urn,
    region_of,
)

#: Inputs the AWS provider can only change by replacing the resource (ForceNew /
#: RequiresReplace in the Terraform provider that pulumi-aws wraps; CloudFormation's
#: "AWS::Backup::BackupVault" page lists BackupVaultName and EncryptionKeyArn as create-only).
#: ``region`` is pulumi-aws 7's per-resource region. ``keySpec`` is not a pulumi-aws ``Key``
#: input today; it is AWS's name for ``customerMasterKeySpec`` and is listed so that a future
#: input of that name is covered too.
REPLACE_INPUTS: dict[str, tuple[str, ...]] = {
    VAULT: ("name", "kmsKeyArn", "region"),
    AIR_GAPPED_VAULT: ("name", "encryptionKeyArn", "maxRetentionDays", "minRetentionDays", "region"),
    KMS_KEY: ("customerMasterKeySpec", "keySpec", "multiRegion", "keyUsage", "customKeyStoreId", "xksKeyId", "region"),
}


def _encrypted_vaults(key: Mapping[str, Any], resources: Mapping[str, dict[str, Any]]) -> list[str]:
    """The names of the vaults (and air-gapped vaults) among ``resources`` that ``key`` encrypts."""
    arn = (key.get("outputs") or {}).get("arn")
    return sorted(
        str(r["inputs"].get("name"))
        for r in of_type(resources, *VAULT_TYPES)
        if arn and arn in (r["inputs"].get("kmsKeyArn"), r["inputs"].get("encryptionKeyArn"))
    )


def _guards_backups(resource: Mapping[str, Any], resources: Mapping[str, dict[str, Any]]) -> bool:
    """A vault, or a KMS key that encrypts one of ``resources``' vaults.

    A key that encrypts no vault (a notification topic's, say) holds no backup: losing it is a plain
    change, judged, if at all, by what it served.
    """
    return resource["type"] in REPLACE_INPUTS and (
        resource["type"] != KMS_KEY or bool(_encrypted_vaults(resource, resources))
    )


def _what(resource: dict[str, Any], resources: Mapping[str, dict[str, Any]]) -> str:
    """What is lost with a guarded resource, for the messages."""
    if resource["type"] == VAULT:
        return "backup vault: its recovery points go with it"
    if resource["type"] == AIR_GAPPED_VAULT:
        return "logically air-gapped vault: its recovery points go with it"
    named = ", ".join(f"`{v}`" for v in _encrypted_vaults(resource, resources))
    return f"KMS key that encrypts vault {named}: its recovery points could no longer be restored"


def _guard(resource: Mapping[str, Any]) -> str:
    if not resource.get("protect"):
        return ""
    return " It is protected, so `pulumi up` stops at it until the protection is lifted."


def _identity(resource: Mapping[str, Any]) -> Any:
    """What names a guarded resource in AWS: a vault's name; a key has none, so its logical name."""
    return inputs(resource).get("name") or resource["name"]


def _short(value: Any) -> str:
    return shown(value, 80).replace("…", "...")


def guarded(sides: Sides) -> list[Finding]:
    """Vaults and the keys that encrypt them deleted, or replaced by a change of a create-only input, region or URN."""
    findings = []
    for old_urn, new_urn in sides.pairs:
        before, after = sides.base[old_urn], sides.head[new_urn]
        if before["type"] != after["type"] or not _guards_backups(before, sides.base):
            continue
        what = _what(before, sides.base)
        for key in REPLACE_INPUTS[after["type"]]:
            if key == "region" or inputs(before).get(key) == inputs(after).get(key):
                continue
            findings.append(
                finding(
                    DANGER,
                    after,
                    f"`{after['name']}` would be REPLACED (deleted and created anew): `{key}` changes from "
                    f"`{_short(inputs(before).get(key))}` to `{_short(inputs(after).get(key))}`. "
                    f"It is a {what}.{_guard(before)}",
                    f"`{after['name']}` would be REPLACED: `{key}` changes.",
                )
            )
        old_region = region_of(before, sides.base_document)
        new_region = region_of(after, sides.head_document)
        if old_region != new_region:
            findings.append(
                finding(
                    DANGER,
                    after,
                    f"`{after['name']}` would be REPLACED: it moves from region `{old_region}` to `{new_region}`. "
                    f"It is a {what}.{_guard(before)}",
                    f"`{after['name']}` would be REPLACED: it moves to region `{new_region}`.",
                )
            )
        # pulumi-aws replaces the resources of a provider whose configured region changes (pulumi-aws
        # pull request #4000, "Replace resources when the AWS region changes"), and Pulumi asks the
        # provider the same when a resource moves to another provider (pulumi/pulumi #18509). Whether
        # pulumi-aws 7 still does so for a resource with a region of its own is not documented: a
        # WARNING, for a stack that is already deployed.
        old_provider = provider_region(before, sides.base_document)
        new_provider = provider_region(after, sides.head_document)
        moved = provider_urn(before) != provider_urn(after)
        if moved and old_provider != new_provider and old_region == new_region:
            findings.append(
                finding(
                    WARNING,
                    after,
                    f"`{after['name']}` may be REPLACED: it moves from a provider configured for `{old_provider}` "
                    f"to one configured for `{new_provider}`, and pulumi-aws replaces the resources of a provider "
                    "whose region changes, even when their own `region` keeps them in place. If the stack is "
                    f"deployed, read `pulumi preview` before merging. It is a {what}.{_guard(before)}",
                    f"`{after['name']}` may be REPLACED: its provider's region changes.",
                )
            )
    added = sides.added
    for gone in sides.removed:
        if not _guards_backups(gone, sides.base):
            continue
        what = _what(gone, sides.base)
        successor = next((r for r in added if r["type"] == gone["type"] and _identity(r) == _identity(gone)), None)
        old_region = region_of(gone, sides.base_document)
        new_region = region_of(successor, sides.head_document) if successor is not None else None
        if successor is not None and new_region != old_region:
            message = (
                f"`{gone['name']}` would be REPLACED: {_named(gone)} moves from {old_region} to {new_region}, "
                f"and nothing moves between regions: Pulumi deletes the one in {old_region} and creates a new, "
                f"empty one in {new_region} (`{successor['name']}`). It is a {what}.{_guard(gone)} If a region "
                f"in the stack file changed (e.g. `cross_region.region`), the copies already made in {old_region} "
                "go with the old one: to keep them until they expire, keep that region, or take the old vault out of "
                "the stack's state before `pulumi up` (Pulumi's guide: \"Removing resources without deleting them\")."
            )
            short = f"`{gone['name']}` would be REPLACED: it moves from {old_region} to {new_region}."
        elif successor is not None:
            message = (
                f"`{gone['name']}` would be REPLACED: its URN changes from `{gone['urn']}` to "
                f"`{successor['urn']}` (renamed or re-parented without an alias), so Pulumi deletes the "
                f"old one and creates a new one. It is a {what}.{_guard(gone)} In code, add `aliases=[...]` "
                "with the old URN to keep it; when only a stack file changed, change back the key its name "
                "is built from."
            )
            short = f"`{gone['name']}` would be REPLACED: renamed or re-parented without an alias."
        else:
            message = f"`{gone['name']}` would be DELETED: it is no longer declared. It is a {what}.{_guard(gone)}"
            short = f"`{gone['name']}` would be DELETED: it is no longer declared."
        findings.append(finding(DANGER, gone, message, short))
    return findings


def _named(resource: Mapping[str, Any]) -> str:
    """``vault `copies``` for a vault, ``the key`` for a key (keys have no name in AWS)."""
    name = inputs(resource).get("name")
    return f"vault `{name}`" if name else "the key"


def protection_options(sides: Sides) -> list[Finding]:
    """A vault or key no longer protected, or a vault that ``pulumi destroy`` may now empty."""
    findings = []
    for old_urn, new_urn in sides.pairs:
        before, after = sides.base[old_urn], sides.head[new_urn]
        if before["type"] != after["type"] or not _guards_backups(before, sides.base):
            continue
        if before.get("protect") and not after.get("protect"):
            findings.append(
                finding(
                    WARNING,
                    after,
                    f"{label(after)} is no longer protected (`protect: true → false`): a `pulumi destroy`, or a "
                    "change that replaces it, no longer stops at it.",
                )
            )
        # pulumi-aws "aws.backup.Vault", forceDestroy: all recovery points are deleted so that the
        # vault can be destroyed without error (AWS itself refuses to delete a vault that is not
        # empty: botocore DeleteBackupVault, "A vault can be deleted only if it is empty").
        if after["type"] == VAULT and not inputs(before).get("forceDestroy") and inputs(after).get("forceDestroy"):
            findings.append(
                finding(
                    WARNING,
                    after,
                    f"{label(after)} may now be force-destroyed (`forceDestroy: false → true`): deleting it would "
                    "first delete every recovery point in it, where AWS otherwise refuses to delete a vault that "
                    "is not empty.",
                )
            )
    return findings


__all__ = ["REPLACE_INPUTS", "guarded", "protection_options"]
