"""The resource types a backup review knows, and how to name a resource for a person."""

from __future__ import annotations

from typing import Any

from .diff import shown

VAULT = "aws:backup/vault:Vault"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
KMS_KEY = "aws:kms/key:Key"
PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
VAULT_POLICY = "aws:backup/vaultPolicy:VaultPolicy"
VAULT_LOCK = "aws:backup/vaultLockConfiguration:VaultLockConfiguration"
VAULT_NOTIFICATIONS = "aws:backup/vaultNotifications:VaultNotifications"
RESTORE_TESTING_PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
RESTORE_TESTING_SELECTION = "aws:backup/restoreTestingSelection:RestoreTestingSelection"
FRAMEWORK = "aws:backup/framework:Framework"
REPORT_PLAN = "aws:backup/reportPlan:ReportPlan"
REGION_SETTINGS = "aws:backup/regionSettings:RegionSettings"
TOPIC_SUBSCRIPTION = "aws:sns/topicSubscription:TopicSubscription"
EVENT_RULE = "aws:cloudwatch/eventRule:EventRule"
STACK_SET = "aws:cloudformation/stackSet:StackSet"
STACK_SET_INSTANCE = "aws:cloudformation/stackSetInstance:StackSetInstance"
VAULT_TYPES = (VAULT, AIR_GAPPED_VAULT)

#: What a person calls each type (anything else is named by its type token).
KINDS = {
    VAULT: "backup vault",
    AIR_GAPPED_VAULT: "logically air-gapped vault",
    KMS_KEY: "KMS key",
    PLAN: "backup plan",
    SELECTION: "backup selection",
    VAULT_POLICY: "vault access policy",
    VAULT_LOCK: "vault lock",
    VAULT_NOTIFICATIONS: "vault notifications",
    RESTORE_TESTING_PLAN: "restore testing plan",
    RESTORE_TESTING_SELECTION: "restore testing selection",
    FRAMEWORK: "audit framework",
    REPORT_PLAN: "audit report plan",
    TOPIC_SUBSCRIPTION: "notification subscription",
    EVENT_RULE: "EventBridge rule",
    STACK_SET: "CloudFormation StackSet",
    STACK_SET_INSTANCE: "StackSet instance",
    "aws:sns/topic:Topic": "SNS topic",
    "aws:iam/role:Role": "IAM role",
    "aws:kms/alias:Alias": "KMS alias",
    "aws:s3/bucket:Bucket": "S3 bucket",
    "aws:backup/globalSettings:GlobalSettings": "AWS Backup global settings",
    "pulumi:providers:aws": "AWS provider",
}

#: The inputs that say what an added or removed resource is, per type (default: ``name``).
KEY_INPUTS = {
    VAULT: ("name", "kmsKeyArn", "forceDestroy"),
    AIR_GAPPED_VAULT: ("name", "minRetentionDays", "maxRetentionDays"),
    KMS_KEY: ("description",),
    PLAN: ("name", "rules"),
    SELECTION: ("name", "selectionTags", "resources", "notResources", "conditions"),
    VAULT_POLICY: ("backupVaultName",),
    VAULT_LOCK: ("backupVaultName", "minRetentionDays", "maxRetentionDays", "changeableForDays"),
    VAULT_NOTIFICATIONS: ("backupVaultName", "backupVaultEvents"),
    TOPIC_SUBSCRIPTION: ("protocol", "endpoint"),
    EVENT_RULE: ("name", "eventPattern"),
    "pulumi:providers:aws": ("region",),
}


def kind(type_: str) -> str:
    """``backup plan`` for ``aws:backup/plan:Plan``; the type itself when it has no common name."""
    return KINDS.get(type_, type_)


def label(resource: dict[str, Any]) -> str:
    """A resource as a person reads it: ``backup plan `weekly``` (kind and logical name)."""
    return f"{kind(resource['type'])} `{resource['name']}`"


def _rule_summary(rule: dict[str, Any]) -> str:
    kept = (rule.get("lifecycle") or {}).get("deleteAfter")
    copies = rule.get("copyActions") or []
    text = f"{rule.get('ruleName')} ({rule.get('schedule')}, kept {f'{kept} days' if kept else 'until deleted'}"
    return text + (f", {len(copies)} cop{'y' if len(copies) == 1 else 'ies'})" if copies else ")")


def key_inputs(resource: dict[str, Any], limit: int = 120) -> list[str]:
    """``input: value`` for the inputs that say what the resource is (for added and removed ones)."""
    inputs = resource.get("inputs") or {}
    entries = []
    for key in KEY_INPUTS.get(resource["type"], ("name",)):
        value = inputs.get(key)
        if value in (None, [], {}, ""):
            continue
        if resource["type"] == PLAN and key == "rules":
            entries.append("rules: " + "; ".join(_rule_summary(rule) for rule in value))
        else:
            entries.append(f"{key}: {shown(value, limit)}")
    return entries


__all__ = [
    "AIR_GAPPED_VAULT",
    "EVENT_RULE",
    "FRAMEWORK",
    "KEY_INPUTS",
    "KINDS",
    "KMS_KEY",
    "PLAN",
    "REPORT_PLAN",
    "RESTORE_TESTING_PLAN",
    "RESTORE_TESTING_SELECTION",
    "SELECTION",
    "TOPIC_SUBSCRIPTION",
    "VAULT",
    "VAULT_LOCK",
    "VAULT_NOTIFICATIONS",
    "VAULT_POLICY",
    "VAULT_TYPES",
    "key_inputs",
    "kind",
    "label",
]
