"""Pulumi components that put Windows Server EC2 instances and EBS volumes under AWS Backup.

The public API: import what you need from ``windows_server_backup`` (the name this folder
installs under; this repository's own program imports it as ``components``); the modules behind
it may move. Every import inside the package is relative, so it works under either name.
"""

from .account import AccountFacts
from .archive_vault import ArchiveVault, ArchiveVaultArgs
from .audit import BackupAudit, BackupAuditArgs, ReportPlanArgs
from .audit_controls import ControlArgs, ControlScopeArgs
from .backup_stack import (
    ArchiveSpec,
    AuditSpec,
    CrossRegionSpec,
    MalwareScanningSpec,
    NotificationsSpec,
    PlanSpec,
    RestoreTestingSpec,
    RestoreValidationStackSpec,
    SelectionSpec,
    StackRuleSpec,
    VssInstancesSpec,
    WindowsServerBackup,
    WindowsServerBackupArgs,
)
from .cross_region import CrossRegionCopy, CrossRegionCopyArgs
from .kms_key import BackupKey, BackupKeyArgs
from .malware_scanning import MalwareScanArgs, MalwareScannerRole, MalwareScannerRoleArgs
from .notifications import BackupNotifications, BackupNotificationsArgs
from .organization import (
    MemberRoleSpec,
    MemberVaultSpec,
    OrganizationBackup,
    OrganizationBackupArgs,
    OrgCrossRegionSpec,
    OrgTargetsSpec,
    OrgVssInstancesSpec,
    StackSetSpec,
)
from .plan import (
    DEFAULT_COMPLETION_WINDOW_MINUTES,
    DEFAULT_START_WINDOW_MINUTES,
    BackupPlan,
    BackupPlanArgs,
    BackupRuleArgs,
    CopyActionArgs,
)
from .region_settings import BackupRegionSettings, BackupRegionSettingsArgs
from .restore_testing import RestoreValidationSpec, WindowsRestoreTesting, WindowsRestoreTestingArgs
from .restore_validation import RestoreValidationArgs, WindowsRestoreValidation
from .selection import BackupSelection, BackupSelectionArgs, SelectionConditionsArgs
from .service_role import BackupServiceRole, BackupServiceRoleArgs
from .vault import AWS_MANAGED_BACKUP_KEY_ALIAS, BackupVault, BackupVaultArgs, VaultLockArgs
from .vss_instances import WindowsVssInstances, WindowsVssInstancesArgs

#: The components served to other languages by the component package in ``provider/``: those
#: whose arguments are plain values (restore testing and audit come with ``WindowsServerBackup``).
PACKAGE_COMPONENTS = [
    WindowsServerBackup,
    BackupVault,
    BackupKey,
    BackupPlan,
    BackupSelection,
    BackupServiceRole,
    CrossRegionCopy,
    ArchiveVault,
    BackupNotifications,
    WindowsVssInstances,
]

__all__ = [
    "AWS_MANAGED_BACKUP_KEY_ALIAS",
    "DEFAULT_COMPLETION_WINDOW_MINUTES",
    "DEFAULT_START_WINDOW_MINUTES",
    "PACKAGE_COMPONENTS",
    "AccountFacts",
    "ArchiveSpec",
    "ArchiveVault",
    "ArchiveVaultArgs",
    "AuditSpec",
    "BackupAudit",
    "BackupAuditArgs",
    "BackupKey",
    "BackupKeyArgs",
    "BackupNotifications",
    "BackupNotificationsArgs",
    "BackupPlan",
    "BackupPlanArgs",
    "BackupRegionSettings",
    "BackupRegionSettingsArgs",
    "BackupRuleArgs",
    "BackupSelection",
    "BackupSelectionArgs",
    "BackupServiceRole",
    "BackupServiceRoleArgs",
    "BackupVault",
    "BackupVaultArgs",
    "ControlArgs",
    "ControlScopeArgs",
    "CopyActionArgs",
    "CrossRegionCopy",
    "CrossRegionCopyArgs",
    "CrossRegionSpec",
    "MalwareScanArgs",
    "MalwareScannerRole",
    "MalwareScannerRoleArgs",
    "MalwareScanningSpec",
    "MemberRoleSpec",
    "MemberVaultSpec",
    "NotificationsSpec",
    "OrgCrossRegionSpec",
    "OrgTargetsSpec",
    "OrgVssInstancesSpec",
    "OrganizationBackup",
    "OrganizationBackupArgs",
    "PlanSpec",
    "ReportPlanArgs",
    "RestoreTestingSpec",
    "RestoreValidationArgs",
    "RestoreValidationSpec",
    "RestoreValidationStackSpec",
    "SelectionConditionsArgs",
    "SelectionSpec",
    "StackRuleSpec",
    "StackSetSpec",
    "VaultLockArgs",
    "VssInstancesSpec",
    "WindowsRestoreTesting",
    "WindowsRestoreTestingArgs",
    "WindowsRestoreValidation",
    "WindowsServerBackup",
    "WindowsServerBackupArgs",
    "WindowsVssInstances",
    "WindowsVssInstancesArgs",
]
