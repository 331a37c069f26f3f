"""AWS Backup's organization-wide settings (UpdateGlobalSettings), as both stack kinds send them.

AWS Backup API reference, "UpdateGlobalSettings": the settings are ``isCrossAccountBackupEnabled``,
``isMpaEnabled`` (multi-party approval) and ``isDelegatedAdministratorEnabled``, each ``true`` or
``false``, and only the AWS Organizations management account may set them. pulumi-aws
``backup.GlobalSettings``: "This resource will show perpetual differences for any supported
settings not explicitly configured ... specify all supported options", so every key is always sent.

They are one set for the organization, not one per region: the current UpdateGlobalSettings
reference (and botocore 1.44.8's model of it) gives ``isCrossAccountBackupEnabled`` as a value,
"true or false", where older versions of the page said "A value for isCrossAccountBackupEnabled
and a Region"; and pulumi-aws 7.51.1 gives ``backup.GlobalSettings`` no ``region`` argument,
where every regional AWS Backup resource has one. So they are sent once, through the stack's
own provider.
"""

from __future__ import annotations

from collections.abc import Mapping

#: Each setting as this program names it, and as UpdateGlobalSettings does.
GLOBAL_SETTINGS = {
    "cross_account_backup": "isCrossAccountBackupEnabled",
    "multi_party_approval": "isMpaEnabled",
    "delegated_administrator": "isDelegatedAdministratorEnabled",
}
#: What a setting is set to when it is not given: cross-account backup on (copy C needs it), the
#: others off (AWS's defaults).
DEFAULT_GLOBAL_SETTINGS = {
    "cross_account_backup": True,
    "multi_party_approval": False,
    "delegated_administrator": False,
}


def global_settings(chosen: Mapping[str, bool]) -> dict[str, str]:
    """Every documented setting as ``backup.GlobalSettings`` takes them (strings), those not in
    ``chosen`` at :data:`DEFAULT_GLOBAL_SETTINGS`, so that the resource has nothing to drift on."""
    values = {**DEFAULT_GLOBAL_SETTINGS, **chosen}
    return {api: "true" if values[key] else "false" for key, api in GLOBAL_SETTINGS.items()}


__all__ = ["DEFAULT_GLOBAL_SETTINGS", "GLOBAL_SETTINGS", "global_settings"]
