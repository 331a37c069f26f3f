"""Contract check: would AWS accept what the Terraform provider sends for each registered resource?

pulumi-aws wraps the Terraform AWS provider. For every registered resource of a type under
``aws:backup/``, ``aws:iam/``, ``aws:kms/``, ``aws:cloudwatch/`` (EventBridge rules and targets,
CloudWatch Logs groups), ``aws:lambda/``, ``aws:sfn/``, ``aws:organizations/`` or ``aws:cloudformation/``,
:func:`translate` builds the AWS API requests the provider's create step would send (following
``internal/service/<service>/*.go`` of
terraform-provider-aws: its defaults, and which empty values it leaves out), from the inputs the
mock engine recorded (camelCase wire names; numbers arrive as floats). :func:`problems` checks a
request against botocore's model of the API: botocore's own ``ParamValidator`` (required members,
types, ``min``) plus the ``pattern``, ``min``, ``max`` and ``enum`` constraints it skips, and the
cross-member rules the model states only in words (StackSets' ``OperationPreferences``).
:func:`replay_in_moto` sends the requests that moto implements to moto, which must accept them.

Adding a resource type: write a function that returns its requests and register it with
``@translates(type, inputs={...})``, naming every wire input it reads. An input it does not name
makes the check fail, so a new argument cannot slip through untranslated.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import botocore.session
import regex
from botocore import xform_name
from botocore.model import OperationModel, Shape
from botocore.validate import ParamValidator

from offline import OfflineRun, Registration

#: Resource types under these prefixes must have a translation.
COVERED_PREFIXES = (
    "aws:backup/",
    "aws:iam/",
    "aws:kms/",
    "aws:cloudwatch/",
    "aws:lambda/",
    "aws:sfn/",
    "aws:organizations/",
    "aws:cloudformation/",
)

#: The value the Pulumi engine gives an output that is not known yet (during a preview).
UNKNOWN = "04da6b54-80e4-46f7-96ec-b56ff0331ba9"

#: Operations replayed in moto: those moto implements and that need nothing moto cannot have
#: (CreateBackupSelection and PutBackupVaultAccessPolicy are not implemented by moto; follow-up
#: KMS calls need the key ID moto made up, not the mock engine's).
MOTO_OPERATIONS = frozenset(
    {
        ("backup", "CreateBackupVault"),
        ("backup", "CreateBackupPlan"),
        ("backup", "PutBackupVaultLockConfiguration"),
        ("backup", "CreateReportPlan"),
        ("iam", "CreateRole"),
        ("iam", "AttachRolePolicy"),
        ("iam", "CreateInstanceProfile"),
        ("iam", "PutRolePolicy"),
        ("kms", "CreateKey"),
        ("events", "PutRule"),
        ("events", "PutTargets"),
        ("logs", "CreateLogGroup"),
        ("logs", "PutRetentionPolicy"),
    }
)


class NoTranslationError(Exception):
    """A registered resource, or one of its inputs, that this module cannot turn into requests."""


@dataclass(frozen=True)
class ApiRequest:
    """One AWS API request: botocore service name, operation name and its parameters."""

    service: str
    operation: str
    params: dict[str, Any]
    region: str
    source: str = field(default="", compare=False)
    """The registration it comes from, as ``type name`` (for messages)."""

    def __str__(self) -> str:
        return f"{self.service}:{self.operation} ({self.source})"


@dataclass(frozen=True)
class _Context:
    registration: Registration
    inputs: dict[str, Any]

    def resolved(self, key: str, placeholder: str) -> Any:
        """An input that comes from another resource's output.

        The mock engine knows these; during a real preview they can be unknown, and then a
        realistic placeholder of the same shape stands in, so the rest is still checked.
        """
        value = self.inputs.get(key)
        return placeholder if value in (None, UNKNOWN) else value


Translator = Callable[[_Context], list[tuple[str, str, dict[str, Any]]]]

#: Resource type -> (the wire inputs it reads, the function that builds its requests).
TRANSLATIONS: dict[str, tuple[frozenset[str], Translator]] = {}


def translates(type_: str, *, inputs: Iterable[str]) -> Callable[[Translator], Translator]:
    """Register ``function`` as the translation of ``type_``, reading exactly ``inputs``."""

    def register(function: Translator) -> Translator:
        TRANSLATIONS[type_] = (frozenset(inputs), function)
        return function

    return register


def wire_numbers(value: Any) -> Any:
    """The engine sends every number as a float: whole ones back to ``int``, recursively."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, dict):
        return {key: wire_numbers(item) for key, item in value.items()}
    if isinstance(value, list):
        return [wire_numbers(item) for item in value]
    return value


def _only(values: dict[str, Any], allowed: Iterable[str], where: str) -> None:
    unknown = sorted(set(values) - set(allowed))
    if unknown:
        raise NoTranslationError(f"{where}: no translation for input(s) {unknown}; extend tests/contract.py")


def _normalized_json(text: str) -> str:
    # The provider sends policy documents through structure.NormalizeJsonString: compact JSON.
    return json.dumps(json.loads(text), separators=(",", ":"))


# --- AWS Backup -----------------------------------------------------------------------------


@translates("aws:backup/vault:Vault", inputs={"name", "kmsKeyArn", "forceDestroy", "tags", "region"})
def _vault(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # forceDestroy only matters when the vault is deleted; region picks the endpoint.
    params: dict[str, Any] = {"BackupVaultName": ctx.inputs["name"]}
    if "kmsKeyArn" in ctx.inputs:
        params["EncryptionKeyArn"] = ctx.resolved(
            "kmsKeyArn", "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-4000-8000-000000000000"
        )
    if ctx.inputs.get("tags"):
        params["BackupVaultTags"] = ctx.inputs["tags"]
    return [("backup", "CreateBackupVault", params)]


_RULE_INPUTS = {
    "ruleName",
    "targetVaultName",
    "schedule",
    "scheduleExpressionTimezone",
    "startWindow",
    "completionWindow",
    "enableContinuousBackup",
    "lifecycle",
    "recoveryPointTags",
    "copyActions",
    "scanActions",
    "targetLogicallyAirGappedBackupVaultArn",
}
_LIFECYCLE_INPUTS = {"deleteAfter", "coldStorageAfter", "optInToArchiveForSupportedResources"}


def _lifecycle(lifecycle: dict[str, Any], where: str) -> dict[str, Any]:
    # expandLifecycle: zero or false values are left out.
    _only(lifecycle, _LIFECYCLE_INPUTS, where)
    params: dict[str, Any] = {}
    if lifecycle.get("deleteAfter"):
        params["DeleteAfterDays"] = lifecycle["deleteAfter"]
    if lifecycle.get("coldStorageAfter"):
        params["MoveToColdStorageAfterDays"] = lifecycle["coldStorageAfter"]
    if lifecycle.get("optInToArchiveForSupportedResources"):
        params["OptInToArchiveForSupportedResources"] = True
    return params


def _backup_rule(rule: dict[str, Any], where: str) -> dict[str, Any]:
    _only(rule, _RULE_INPUTS, where)
    params: dict[str, Any] = {
        "RuleName": rule["ruleName"],
        "TargetBackupVaultName": rule["targetVaultName"],
        # The provider's schema defaults: start 60, completion 180, continuous false, Etc/UTC.
        "StartWindowMinutes": rule.get("startWindow", 60),
        "CompletionWindowMinutes": rule.get("completionWindow", 180),
        "EnableContinuousBackup": rule.get("enableContinuousBackup", False),
        "ScheduleExpressionTimezone": rule.get("scheduleExpressionTimezone") or "Etc/UTC",
    }
    if rule.get("schedule"):
        params["ScheduleExpression"] = rule["schedule"]
    if rule.get("lifecycle"):
        params["Lifecycle"] = _lifecycle(rule["lifecycle"], f"{where}.lifecycle")
    if rule.get("recoveryPointTags"):
        params["RecoveryPointTags"] = rule["recoveryPointTags"]
    if rule.get("targetLogicallyAirGappedBackupVaultArn"):
        params["TargetLogicallyAirGappedBackupVaultArn"] = rule["targetLogicallyAirGappedBackupVaultArn"]
    copies = []
    for index, copy in enumerate(rule.get("copyActions") or []):
        _only(copy, {"destinationVaultArn", "lifecycle"}, f"{where}.copyActions[{index}]")
        action: dict[str, Any] = {"DestinationBackupVaultArn": copy["destinationVaultArn"]}
        if copy.get("lifecycle"):
            action["Lifecycle"] = _lifecycle(copy["lifecycle"], f"{where}.copyActions[{index}].lifecycle")
        copies.append(action)
    if copies:
        params["CopyActions"] = copies
    scans = []
    for index, scan in enumerate(rule.get("scanActions") or []):
        _only(scan, {"malwareScanner", "scanMode"}, f"{where}.scanActions[{index}]")
        scans.append({"MalwareScanner": scan["malwareScanner"], "ScanMode": scan["scanMode"]})
    if scans:
        params["ScanActions"] = scans
    return params


@translates(
    "aws:backup/plan:Plan", inputs={"name", "rules", "advancedBackupSettings", "scanSettings", "tags", "region"}
)
def _plan(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    plan: dict[str, Any] = {
        "BackupPlanName": ctx.inputs["name"],
        "Rules": [_backup_rule(rule, f"{where} rules[{i}]") for i, rule in enumerate(ctx.inputs["rules"])],
    }
    settings = []
    for index, setting in enumerate(ctx.inputs.get("advancedBackupSettings") or []):
        _only(setting, {"resourceType", "backupOptions"}, f"{where} advancedBackupSettings[{index}]")
        settings.append({"ResourceType": setting["resourceType"], "BackupOptions": setting["backupOptions"]})
    if settings:
        plan["AdvancedBackupSettings"] = settings
    scan_settings = []
    for index, setting in enumerate(ctx.inputs.get("scanSettings") or []):
        _only(setting, {"malwareScanner", "resourceTypes", "scannerRoleArn"}, f"{where} scanSettings[{index}]")
        scan_settings.append(
            {
                "MalwareScanner": setting["malwareScanner"],
                "ResourceTypes": list(setting["resourceTypes"]),
                "ScannerRoleArn": setting.get("scannerRoleArn") or "arn:aws:iam::123456789012:role/placeholder-scanner",
            }
        )
    if scan_settings:
        plan["ScanSettings"] = scan_settings
    params: dict[str, Any] = {"BackupPlan": plan}
    if ctx.inputs.get("tags"):
        params["BackupPlanTags"] = ctx.inputs["tags"]
    return [("backup", "CreateBackupPlan", params)]


#: pulumi-aws condition lists (plural for the *Like ones) -> the API's Conditions members.
_CONDITIONS = {
    "stringEquals": "StringEquals",
    "stringNotEquals": "StringNotEquals",
    "stringLikes": "StringLike",
    "stringNotLikes": "StringNotLike",
}


@translates(
    "aws:backup/selection:Selection",
    inputs={"name", "planId", "iamRoleArn", "selectionTags", "resources", "notResources", "conditions", "region"},
)
def _selection(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    conditions: dict[str, Any] = {}
    for index, block in enumerate(ctx.inputs.get("conditions") or []):
        _only(block, _CONDITIONS, f"{where} conditions[{index}]")
        for wire, member in _CONDITIONS.items():
            pairs = [{"ConditionKey": p["key"], "ConditionValue": p["value"]} for p in block.get(wire) or []]
            if pairs:
                conditions[member] = pairs
    tags = []
    for index, tag in enumerate(ctx.inputs.get("selectionTags") or []):
        _only(tag, {"type", "key", "value"}, f"{where} selectionTags[{index}]")
        tags.append({"ConditionType": tag["type"], "ConditionKey": tag["key"], "ConditionValue": tag["value"]})
    # The provider always sends Conditions, ListOfTags, Resources and NotResources, empty or not.
    selection = {
        "SelectionName": ctx.inputs["name"],
        "IamRoleArn": ctx.resolved("iamRoleArn", "arn:aws:iam::123456789012:role/placeholder-backup-role"),
        "ListOfTags": tags,
        "Resources": list(ctx.inputs.get("resources") or []),
        "NotResources": list(ctx.inputs.get("notResources") or []),
        "Conditions": conditions,
    }
    # Offline the plan ID is the mock's UUID; a real plan ID is a UUID too.
    plan_id = ctx.resolved("planId", "00000000-0000-4000-8000-000000000000")
    return [("backup", "CreateBackupSelection", {"BackupPlanId": plan_id, "BackupSelection": selection})]


@translates("aws:backup/vaultPolicy:VaultPolicy", inputs={"backupVaultName", "policy", "region"})
def _vault_policy(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    params = {"BackupVaultName": ctx.inputs["backupVaultName"], "Policy": _normalized_json(ctx.inputs["policy"])}
    return [("backup", "PutBackupVaultAccessPolicy", params)]


@translates(
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
    inputs={"backupVaultName", "changeableForDays", "maxRetentionDays", "minRetentionDays", "region"},
)
def _vault_lock(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    params: dict[str, Any] = {"BackupVaultName": ctx.inputs["backupVaultName"]}
    # d.GetOk: zero means unset and is left out.
    for wire, member in (
        ("changeableForDays", "ChangeableForDays"),
        ("maxRetentionDays", "MaxRetentionDays"),
        ("minRetentionDays", "MinRetentionDays"),
    ):
        if ctx.inputs.get(wire):
            params[member] = ctx.inputs[wire]
    return [("backup", "PutBackupVaultLockConfiguration", params)]


@translates(
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
    inputs={"name", "minRetentionDays", "maxRetentionDays", "encryptionKeyArn", "tags", "region", "timeouts"},
)
def _air_gapped_vault(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # timeouts only tell the provider how long to wait for the vault to become AVAILABLE.
    params: dict[str, Any] = {
        "BackupVaultName": ctx.inputs["name"],
        "MinRetentionDays": ctx.inputs["minRetentionDays"],
        "MaxRetentionDays": ctx.inputs["maxRetentionDays"],
    }
    if ctx.inputs.get("encryptionKeyArn"):
        params["EncryptionKeyArn"] = ctx.inputs["encryptionKeyArn"]
    if ctx.inputs.get("tags"):
        params["BackupVaultTags"] = ctx.inputs["tags"]
    return [("backup", "CreateLogicallyAirGappedBackupVault", params)]


@translates("aws:backup/globalSettings:GlobalSettings", inputs={"globalSettings"})
def _global_settings(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    return [("backup", "UpdateGlobalSettings", {"GlobalSettings": ctx.inputs["globalSettings"]})]


@translates(
    "aws:backup/regionSettings:RegionSettings",
    inputs={"resourceTypeOptInPreference", "resourceTypeManagementPreference", "region"},
)
def _region_settings(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # region_settings.go: create and update send only the maps that are set and not empty.
    params = {
        member: dict(ctx.inputs[wire])
        for wire, member in (
            ("resourceTypeOptInPreference", "ResourceTypeOptInPreference"),
            ("resourceTypeManagementPreference", "ResourceTypeManagementPreference"),
        )
        if ctx.inputs.get(wire)
    }
    return [("backup", "UpdateRegionSettings", params)]


@translates(
    "aws:backup/vaultNotifications:VaultNotifications",
    inputs={"backupVaultName", "snsTopicArn", "backupVaultEvents", "region"},
)
def _vault_notifications(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    params = {
        "BackupVaultName": ctx.inputs["backupVaultName"],
        "SNSTopicArn": ctx.resolved("snsTopicArn", "arn:aws:sns:us-east-1:123456789012:placeholder-backup-events"),
        "BackupVaultEvents": list(ctx.inputs["backupVaultEvents"]),
    }
    return [("backup", "PutBackupVaultNotifications", params)]


#: The provider sends a fresh random idempotency token or request ID with these creates.
IDEMPOTENCY_TOKEN = "00000000-0000-4000-8000-000000000000"


@translates("aws:backup/framework:Framework", inputs={"name", "description", "controls", "tags", "region"})
def _framework(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    controls = []
    for index, control in enumerate(ctx.inputs["controls"]):
        _only(control, {"name", "inputParameters", "scope"}, f"{where} controls[{index}]")
        item: dict[str, Any] = {"ControlName": control["name"]}
        if "scope" in control:
            scope = control["scope"] or {}
            _only(
                scope, {"complianceResourceIds", "complianceResourceTypes", "tags"}, f"{where} controls[{index}].scope"
            )
            item["ControlScope"] = {
                member: scope[wire]
                for wire, member in (
                    ("complianceResourceIds", "ComplianceResourceIds"),
                    ("complianceResourceTypes", "ComplianceResourceTypes"),
                    ("tags", "Tags"),
                )
                if scope.get(wire)
            }
        parameters = [
            {"ParameterName": parameter["name"], "ParameterValue": parameter["value"]}
            for parameter in control.get("inputParameters") or []
        ]
        if parameters:
            item["ControlInputParameters"] = parameters
        controls.append(item)
    params: dict[str, Any] = {
        "FrameworkName": ctx.inputs["name"],
        "FrameworkControls": controls,
        "IdempotencyToken": IDEMPOTENCY_TOKEN,
    }
    if ctx.inputs.get("description"):
        params["FrameworkDescription"] = ctx.inputs["description"]
    if ctx.inputs.get("tags"):
        params["FrameworkTags"] = ctx.inputs["tags"]
    return [("backup", "CreateFramework", params)]


@translates(
    "aws:backup/reportPlan:ReportPlan",
    inputs={"name", "description", "reportDeliveryChannel", "reportSetting", "tags", "region"},
)
def _report_plan(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    channel_in = ctx.inputs["reportDeliveryChannel"]
    _only(channel_in, {"s3BucketName", "formats", "s3KeyPrefix"}, f"{where} reportDeliveryChannel")
    channel: dict[str, Any] = {"S3BucketName": channel_in["s3BucketName"]}
    if channel_in.get("formats"):
        channel["Formats"] = channel_in["formats"]
    if channel_in.get("s3KeyPrefix"):
        channel["S3KeyPrefix"] = channel_in["s3KeyPrefix"]
    setting_in = ctx.inputs["reportSetting"]
    lists = {
        "accounts": "Accounts",
        "frameworkArns": "FrameworkArns",
        "organizationUnits": "OrganizationUnits",
        "regions": "Regions",
    }
    _only(setting_in, {"reportTemplate", "numberOfFrameworks", *lists}, f"{where} reportSetting")
    setting: dict[str, Any] = {"ReportTemplate": setting_in["reportTemplate"]}
    setting.update({member: setting_in[wire] for wire, member in lists.items() if setting_in.get(wire)})
    if setting_in.get("numberOfFrameworks"):
        setting["NumberOfFrameworks"] = setting_in["numberOfFrameworks"]
    params: dict[str, Any] = {
        "ReportPlanName": ctx.inputs["name"],
        "ReportDeliveryChannel": channel,
        "ReportSetting": setting,
        "IdempotencyToken": IDEMPOTENCY_TOKEN,
    }
    if ctx.inputs.get("description"):
        params["ReportPlanDescription"] = ctx.inputs["description"]
    if ctx.inputs.get("tags"):
        params["ReportPlanTags"] = ctx.inputs["tags"]
    return [("backup", "CreateReportPlan", params)]


def _autoflex(values: dict[str, Any], names: dict[str, str]) -> dict[str, Any]:
    # Plugin-framework resources copy each set attribute to the API member of the same name;
    # unset (null) ones are left out.
    return {member: values[wire] for wire, member in names.items() if values.get(wire) is not None}


@translates(
    "aws:backup/restoreTestingPlan:RestoreTestingPlan",
    inputs={
        "name",
        "scheduleExpression",
        "scheduleExpressionTimezone",
        "startWindowHours",
        "recoveryPointSelection",
        "tags",
        "region",
    },
)
def _restore_testing_plan(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    selection_names = {
        "algorithm": "Algorithm",
        "includeVaults": "IncludeVaults",
        "excludeVaults": "ExcludeVaults",
        "recoveryPointTypes": "RecoveryPointTypes",
        "selectionWindowDays": "SelectionWindowDays",
    }
    selection_in = ctx.inputs["recoveryPointSelection"]
    _only(selection_in, selection_names, f"{where} recoveryPointSelection")
    plan = {
        "RestoreTestingPlanName": ctx.inputs["name"],
        "ScheduleExpression": ctx.inputs["scheduleExpression"],
        "RecoveryPointSelection": _autoflex(selection_in, selection_names),
        **_autoflex(
            ctx.inputs,
            {"scheduleExpressionTimezone": "ScheduleExpressionTimezone", "startWindowHours": "StartWindowHours"},
        ),
    }
    params: dict[str, Any] = {"CreatorRequestId": IDEMPOTENCY_TOKEN, "RestoreTestingPlan": plan}
    if ctx.inputs.get("tags"):
        params["Tags"] = ctx.inputs["tags"]
    return [("backup", "CreateRestoreTestingPlan", params)]


@translates(
    "aws:backup/restoreTestingSelection:RestoreTestingSelection",
    inputs={
        "name",
        "restoreTestingPlanName",
        "iamRoleArn",
        "protectedResourceType",
        "protectedResourceArns",
        "protectedResourceConditions",
        "restoreMetadataOverrides",
        "validationWindowHours",
        "region",
    },
)
def _restore_testing_selection(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    selection: dict[str, Any] = {
        "RestoreTestingSelectionName": ctx.inputs["name"],
        "IamRoleArn": ctx.resolved("iamRoleArn", "arn:aws:iam::123456789012:role/placeholder-restore-testing-role"),
        "ProtectedResourceType": ctx.inputs["protectedResourceType"],
        **_autoflex(
            ctx.inputs,
            {
                "protectedResourceArns": "ProtectedResourceArns",
                "restoreMetadataOverrides": "RestoreMetadataOverrides",
                "validationWindowHours": "ValidationWindowHours",
            },
        ),
    }
    conditions_in = ctx.inputs.get("protectedResourceConditions")
    if conditions_in is not None:
        kinds = {"stringEquals": "StringEquals", "stringNotEquals": "StringNotEquals"}
        _only(conditions_in, kinds, f"{where} protectedResourceConditions")
        selection["ProtectedResourceConditions"] = {
            member: [{"Key": pair["key"], "Value": pair["value"]} for pair in conditions_in[wire]]
            for wire, member in kinds.items()
            if conditions_in.get(wire)
        }
    params = {
        "CreatorRequestId": IDEMPOTENCY_TOKEN,
        "RestoreTestingPlanName": ctx.inputs["restoreTestingPlanName"],
        "RestoreTestingSelection": selection,
    }
    return [("backup", "CreateRestoreTestingSelection", params)]


# --- IAM ------------------------------------------------------------------------------------


@translates(
    "aws:iam/role:Role",
    inputs={
        "assumeRolePolicy",
        "description",
        "forceDetachPolicies",
        "managedPolicyArns",
        "maxSessionDuration",
        "name",
        "path",
        "permissionsBoundary",
        "tags",
    },
)
def _role(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # Without a name, Pulumi's auto-naming picks one before the create; offline the mock
    # engine plays that part and reports the name among the outputs.
    name = ctx.inputs.get("name") or ctx.registration.outputs["name"]
    params: dict[str, Any] = {
        "RoleName": name,
        "AssumeRolePolicyDocument": _normalized_json(ctx.inputs["assumeRolePolicy"]),
        "Path": ctx.inputs.get("path") or "/",
        "MaxSessionDuration": ctx.inputs.get("maxSessionDuration") or 3600,
    }
    if ctx.inputs.get("description"):
        params["Description"] = ctx.inputs["description"]
    if ctx.inputs.get("permissionsBoundary"):
        params["PermissionsBoundary"] = ctx.inputs["permissionsBoundary"]
    if ctx.inputs.get("tags"):
        params["Tags"] = [{"Key": key, "Value": value} for key, value in ctx.inputs["tags"].items()]
    requests = [("iam", "CreateRole", params)]
    # forceDetachPolicies only matters on delete; managed policies are attached after the create.
    for arn in ctx.inputs.get("managedPolicyArns") or []:
        requests.append(("iam", "AttachRolePolicy", {"RoleName": name, "PolicyArn": arn}))
    return requests


@translates("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", inputs={"roleName", "policyArns"})
def _role_policy_attachments(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # On a new role nothing is attached yet, so the resource attaches every listed policy.
    role = ctx.resolved("roleName", "placeholder-backup-role")
    return [("iam", "AttachRolePolicy", {"RoleName": role, "PolicyArn": arn}) for arn in ctx.inputs["policyArns"]]


@translates("aws:iam/instanceProfile:InstanceProfile", inputs={"name", "path", "role", "tags"})
def _instance_profile(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    name = ctx.inputs.get("name") or ctx.registration.outputs["name"]  # auto-named, as for roles
    params: dict[str, Any] = {"InstanceProfileName": name, "Path": ctx.inputs.get("path") or "/"}
    if ctx.inputs.get("tags"):
        params["Tags"] = [{"Key": key, "Value": value} for key, value in ctx.inputs["tags"].items()]
    requests = [("iam", "CreateInstanceProfile", params)]
    if ctx.inputs.get("role"):
        role = ctx.resolved("role", "placeholder-instance-role")
        requests.append(("iam", "AddRoleToInstanceProfile", {"InstanceProfileName": name, "RoleName": role}))
    return requests


@translates("aws:iam/rolePolicy:RolePolicy", inputs={"name", "namePrefix", "policy", "role"})
def _role_policy(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # Without a name the provider makes one up (the mock engine reports it among the outputs).
    params = {
        "RoleName": ctx.resolved("role", "placeholder-role"),
        "PolicyName": ctx.inputs.get("name") or ctx.registration.outputs["name"],
        "PolicyDocument": _normalized_json(ctx.inputs["policy"]),
    }
    return [("iam", "PutRolePolicy", params)]


# --- EventBridge and CloudWatch Logs --------------------------------------------------------


def _key_value_tags(tags: dict[str, str]) -> list[dict[str, str]]:
    return [{"Key": key, "Value": value} for key, value in tags.items()]


@translates(
    "aws:cloudwatch/eventRule:EventRule",
    inputs={
        "name",
        "namePrefix",
        "description",
        "eventPattern",
        "scheduleExpression",
        "state",
        "roleArn",
        "eventBusName",
        "tags",
        "region",
    },
)
def _event_rule(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    params: dict[str, Any] = {
        "Name": ctx.inputs.get("name") or ctx.registration.outputs["name"],
        # The provider's schema default.
        "State": ctx.inputs.get("state") or "ENABLED",
    }
    if ctx.inputs.get("eventPattern"):
        params["EventPattern"] = _normalized_json(ctx.inputs["eventPattern"])
    for wire, member in (
        ("description", "Description"),
        ("scheduleExpression", "ScheduleExpression"),
        ("roleArn", "RoleArn"),
        ("eventBusName", "EventBusName"),
    ):
        if ctx.inputs.get(wire):
            params[member] = ctx.inputs[wire]
    if ctx.inputs.get("tags"):
        params["Tags"] = _key_value_tags(ctx.inputs["tags"])
    return [("events", "PutRule", params)]


#: The provider makes up a target ID when none is given.
TARGET_ID = "terraform-00000000000000000000000001"


@translates(
    "aws:cloudwatch/eventTarget:EventTarget",
    inputs={"rule", "arn", "roleArn", "targetId", "input", "inputPath", "inputTransformer", "eventBusName", "region"},
)
def _event_target(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    target: dict[str, Any] = {
        "Id": ctx.inputs.get("targetId") or TARGET_ID,
        "Arn": ctx.resolved("arn", "arn:aws:sns:us-east-1:123456789012:placeholder-topic"),
    }
    if ctx.inputs.get("roleArn"):
        target["RoleArn"] = ctx.resolved("roleArn", "arn:aws:iam::123456789012:role/placeholder-events-role")
    for wire, member in (("input", "Input"), ("inputPath", "InputPath")):
        if ctx.inputs.get(wire):
            target[member] = ctx.inputs[wire]
    transformer = ctx.inputs.get("inputTransformer")
    if transformer:
        _only(transformer, {"inputPaths", "inputTemplate"}, f"{where} inputTransformer")
        target["InputTransformer"] = {"InputTemplate": transformer["inputTemplate"]}
        if transformer.get("inputPaths"):
            target["InputTransformer"]["InputPathsMap"] = transformer["inputPaths"]
    params: dict[str, Any] = {"Rule": ctx.resolved("rule", "placeholder-rule"), "Targets": [target]}
    if ctx.inputs.get("eventBusName"):
        params["EventBusName"] = ctx.inputs["eventBusName"]
    return [("events", "PutTargets", params)]


@translates(
    "aws:cloudwatch/logGroup:LogGroup",
    inputs={"name", "namePrefix", "retentionInDays", "kmsKeyId", "logGroupClass", "skipDestroy", "tags", "region"},
)
def _log_group(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # skipDestroy only matters on delete; the retention is set after the create.
    name = ctx.inputs.get("name") or ctx.registration.outputs["name"]
    params: dict[str, Any] = {"logGroupName": name, "logGroupClass": ctx.inputs.get("logGroupClass") or "STANDARD"}
    if ctx.inputs.get("kmsKeyId"):
        params["kmsKeyId"] = ctx.inputs["kmsKeyId"]
    if ctx.inputs.get("tags"):
        params["tags"] = ctx.inputs["tags"]
    requests = [("logs", "CreateLogGroup", params)]
    if ctx.inputs.get("retentionInDays"):
        requests.append(
            ("logs", "PutRetentionPolicy", {"logGroupName": name, "retentionInDays": ctx.inputs["retentionInDays"]})
        )
    return requests


# --- Lambda and Step Functions ----------------------------------------------------------------

#: The deployment package Pulumi uploads; its bytes are not what the model checks.
ZIP_PLACEHOLDER = b"PK\x05\x06" + bytes(18)


@translates(
    "aws:lambda/function:Function",
    inputs={
        "name",
        "description",
        "runtime",
        "handler",
        "code",
        "role",
        "architectures",
        "timeout",
        "memorySize",
        "environment",
        "loggingConfig",
        "publish",
        "packageType",
        "tags",
        "region",
    },
)
def _function(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    inputs = ctx.inputs
    params: dict[str, Any] = {
        "FunctionName": inputs.get("name") or ctx.registration.outputs["name"],
        "Role": ctx.resolved("role", "arn:aws:iam::123456789012:role/placeholder-function-role"),
        "Code": {"ZipFile": ZIP_PLACEHOLDER},
        "PackageType": inputs.get("packageType") or "Zip",
        "Publish": bool(inputs.get("publish")),
    }
    for wire, member in (
        ("description", "Description"),
        ("runtime", "Runtime"),
        ("handler", "Handler"),
        ("timeout", "Timeout"),
        ("memorySize", "MemorySize"),
        ("architectures", "Architectures"),
    ):
        if inputs.get(wire):
            params[member] = inputs[wire]
    environment = inputs.get("environment")
    if environment:
        _only(environment, {"variables"}, f"{where} environment")
        params["Environment"] = {"Variables": dict(environment.get("variables") or {})}
    logging_config = inputs.get("loggingConfig")
    if logging_config:
        names = {
            "logFormat": "LogFormat",
            "logGroup": "LogGroup",
            "applicationLogLevel": "ApplicationLogLevel",
            "systemLogLevel": "SystemLogLevel",
        }
        _only(logging_config, names, f"{where} loggingConfig")
        params["LoggingConfig"] = {
            member: logging_config[wire] for wire, member in names.items() if logging_config.get(wire)
        }
    if inputs.get("tags"):
        params["Tags"] = inputs["tags"]
    return [("lambda", "CreateFunction", params)]


@translates(
    "aws:sfn/stateMachine:StateMachine",
    inputs={
        "name",
        "namePrefix",
        "definition",
        "roleArn",
        "type",
        "publish",
        "loggingConfiguration",
        "tracingConfiguration",
        "tags",
        "region",
    },
)
def _state_machine(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    params: dict[str, Any] = {
        "name": ctx.inputs.get("name") or ctx.registration.outputs["name"],
        "definition": ctx.inputs["definition"],
        "roleArn": ctx.resolved("roleArn", "arn:aws:iam::123456789012:role/placeholder-states-role"),
        # The provider's schema default.
        "type": ctx.inputs.get("type") or "STANDARD",
        "publish": bool(ctx.inputs.get("publish")),
    }
    if ctx.inputs.get("tags"):
        params["tags"] = [{"key": key, "value": value} for key, value in ctx.inputs["tags"].items()]
    if ctx.inputs.get("loggingConfiguration") or ctx.inputs.get("tracingConfiguration"):
        where = f"{ctx.registration.type} {ctx.registration.name}"
        raise NoTranslationError(f"{where}: logging and tracing configurations are not translated yet")
    return [("stepfunctions", "CreateStateMachine", params)]


# --- KMS ------------------------------------------------------------------------------------


@translates(
    "aws:kms/key:Key",
    inputs={
        "bypassPolicyLockoutSafetyCheck",
        "customerMasterKeySpec",
        "deletionWindowInDays",
        "description",
        "enableKeyRotation",
        "isEnabled",
        "keyUsage",
        "multiRegion",
        "policy",
        "rotationPeriodInDays",
        "tags",
        "region",
    },
)
def _kms_key(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    inputs = ctx.inputs
    params: dict[str, Any] = {
        "BypassPolicyLockoutSafetyCheck": inputs.get("bypassPolicyLockoutSafetyCheck", False),
        "KeySpec": inputs.get("customerMasterKeySpec") or "SYMMETRIC_DEFAULT",
        "KeyUsage": inputs.get("keyUsage") or "ENCRYPT_DECRYPT",
    }
    if inputs.get("description"):
        params["Description"] = inputs["description"]
    if inputs.get("multiRegion"):
        params["MultiRegion"] = True
    if inputs.get("policy"):
        params["Policy"] = _normalized_json(inputs["policy"])
    if inputs.get("tags"):
        params["Tags"] = [{"TagKey": key, "TagValue": value} for key, value in inputs["tags"].items()]
    requests = [("kms", "CreateKey", params)]
    # After the create, on the new key (the mock engine's ID stands for the real one).
    key_id = ctx.registration.id or "00000000-0000-4000-8000-000000000000"
    if inputs.get("enableKeyRotation"):
        rotation: dict[str, Any] = {"KeyId": key_id}
        if inputs.get("rotationPeriodInDays"):
            rotation["RotationPeriodInDays"] = inputs["rotationPeriodInDays"]
        requests.append(("kms", "EnableKeyRotation", rotation))
    if inputs.get("isEnabled") is False:
        requests.append(("kms", "DisableKey", {"KeyId": key_id}))
    # deletionWindowInDays only matters on delete.
    return requests


@translates("aws:kms/alias:Alias", inputs={"name", "targetKeyId", "region"})
def _kms_alias(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    target = ctx.resolved("targetKeyId", "00000000-0000-4000-8000-000000000000")
    return [("kms", "CreateAlias", {"AliasName": ctx.inputs["name"], "TargetKeyId": target})]


# --- AWS Organizations -----------------------------------------------------------------------


@translates("aws:organizations/policy:Policy", inputs={"content", "description", "name", "skipDestroy", "tags", "type"})
def _organizations_policy(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # The provider always sends Description (the API requires it), empty when unset; skipDestroy
    # only matters on delete. The type defaults to SERVICE_CONTROL_POLICY.
    params: dict[str, Any] = {
        "Content": ctx.inputs["content"],
        "Description": ctx.inputs.get("description") or "",
        "Name": ctx.inputs["name"],
        "Type": ctx.inputs.get("type") or "SERVICE_CONTROL_POLICY",
    }
    if ctx.inputs.get("tags"):
        params["Tags"] = _key_value_tags(ctx.inputs["tags"])
    return [("organizations", "CreatePolicy", params)]


@translates("aws:organizations/policyAttachment:PolicyAttachment", inputs={"policyId", "targetId", "skipDestroy"})
def _policy_attachment(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    policy_id = ctx.resolved("policyId", "p-placeholder01")
    return [("organizations", "AttachPolicy", {"PolicyId": policy_id, "TargetId": ctx.inputs["targetId"]})]


@translates("aws:organizations/delegatedAdministrator:DelegatedAdministrator", inputs={"accountId", "servicePrincipal"})
def _delegated_administrator(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    params = {"AccountId": ctx.inputs["accountId"], "ServicePrincipal": ctx.inputs["servicePrincipal"]}
    return [("organizations", "RegisterDelegatedAdministrator", params)]


# --- CloudFormation StackSets ------------------------------------------------------------------

_PREFERENCES = {
    "failureToleranceCount": "FailureToleranceCount",
    "failureTolerancePercentage": "FailureTolerancePercentage",
    "maxConcurrentCount": "MaxConcurrentCount",
    "maxConcurrentPercentage": "MaxConcurrentPercentage",
    "regionConcurrencyType": "RegionConcurrencyType",
    "regionOrders": "RegionOrder",
    "concurrencyMode": "ConcurrencyMode",
}


def _operation_preferences(preferences: dict[str, Any], where: str) -> dict[str, Any]:
    # expandOperationPreferences: zero and empty values are left out.
    _only(preferences, _PREFERENCES, where)
    return {member: preferences[wire] for wire, member in _PREFERENCES.items() if preferences.get(wire)}


@translates(
    "aws:cloudformation/stackSet:StackSet",
    inputs={
        "administrationRoleArn",
        "autoDeployment",
        "callAs",
        "capabilities",
        "description",
        "executionRoleName",
        "managedExecution",
        "name",
        "operationPreferences",
        "parameters",
        "permissionModel",
        "region",
        "tags",
        "templateBody",
        "templateUrl",
    },
)
def _stack_set(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    where = f"{ctx.registration.type} {ctx.registration.name}"
    inputs = ctx.inputs
    params: dict[str, Any] = {"StackSetName": inputs["name"], "ClientRequestToken": IDEMPOTENCY_TOKEN}
    for wire, member in (
        ("administrationRoleArn", "AdministrationRoleARN"),
        ("callAs", "CallAs"),
        ("description", "Description"),
        ("executionRoleName", "ExecutionRoleName"),
        ("permissionModel", "PermissionModel"),
        ("templateBody", "TemplateBody"),
        ("templateUrl", "TemplateURL"),
    ):
        if inputs.get(wire):
            params[member] = inputs[wire]
    if inputs.get("capabilities"):
        params["Capabilities"] = list(inputs["capabilities"])
    if inputs.get("autoDeployment"):
        deployment = inputs["autoDeployment"]
        _only(deployment, {"enabled", "retainStacksOnAccountRemoval", "dependsOns"}, f"{where} autoDeployment")
        params["AutoDeployment"] = {
            "Enabled": bool(deployment.get("enabled")),
            "RetainStacksOnAccountRemoval": bool(deployment.get("retainStacksOnAccountRemoval")),
        }
        if deployment.get("dependsOns"):
            params["AutoDeployment"]["DependsOn"] = list(deployment["dependsOns"])
    if inputs.get("managedExecution"):
        _only(inputs["managedExecution"], {"active"}, f"{where} managedExecution")
        params["ManagedExecution"] = {"Active": bool(inputs["managedExecution"].get("active"))}
    if inputs.get("parameters"):
        params["Parameters"] = [{"ParameterKey": k, "ParameterValue": v} for k, v in inputs["parameters"].items()]
    if inputs.get("tags"):
        params["Tags"] = _key_value_tags(inputs["tags"])
    # operationPreferences are sent with updates (UpdateStackSet), not with the create; checked here
    # against the same shape, so a bad value cannot wait for the first update.
    if inputs.get("operationPreferences"):
        preferences = _operation_preferences(inputs["operationPreferences"], f"{where} operationPreferences")
        return [
            ("cloudformation", "CreateStackSet", params),
            ("cloudformation", "UpdateStackSet", {**_update_of(params), "OperationPreferences": preferences}),
        ]
    return [("cloudformation", "CreateStackSet", params)]


def _update_of(create: dict[str, Any]) -> dict[str, Any]:
    """The UpdateStackSet request that would change nothing but the preferences."""
    keep = ("StackSetName", "TemplateBody", "Capabilities", "PermissionModel", "AutoDeployment", "CallAs", "Tags")
    return {key: value for key, value in create.items() if key in keep} | {"OperationId": IDEMPOTENCY_TOKEN}


@translates(
    "aws:cloudformation/stackSetInstance:StackSetInstance",
    inputs={
        "accountId",
        "callAs",
        "deploymentTargets",
        "operationPreferences",
        "parameterOverrides",
        "region",
        "retainStack",
        "stackSetInstanceRegion",
        "stackSetName",
    },
)
def _stack_set_instance(ctx: _Context) -> list[tuple[str, str, dict[str, Any]]]:
    # retainStack only matters on delete; region is where the StackSet is administered.
    where = f"{ctx.registration.type} {ctx.registration.name}"
    inputs = ctx.inputs
    params: dict[str, Any] = {
        "StackSetName": ctx.resolved("stackSetName", "placeholder-stack-set"),
        "Regions": [inputs.get("stackSetInstanceRegion") or _region_of_inputs(ctx)],
        "OperationId": IDEMPOTENCY_TOKEN,
    }
    if inputs.get("deploymentTargets"):
        targets = inputs["deploymentTargets"]
        names = {
            "organizationalUnitIds": "OrganizationalUnitIds",
            "accounts": "Accounts",
            "accountsUrl": "AccountsUrl",
            "accountFilterType": "AccountFilterType",
        }
        _only(targets, names, f"{where} deploymentTargets")
        params["DeploymentTargets"] = {member: targets[wire] for wire, member in names.items() if targets.get(wire)}
    elif inputs.get("accountId"):
        params["Accounts"] = [inputs["accountId"]]
    if inputs.get("callAs"):
        params["CallAs"] = inputs["callAs"]
    if inputs.get("operationPreferences"):
        params["OperationPreferences"] = _operation_preferences(
            inputs["operationPreferences"], f"{where} operationPreferences"
        )
    if inputs.get("parameterOverrides"):
        params["ParameterOverrides"] = [
            {"ParameterKey": k, "ParameterValue": v} for k, v in inputs["parameterOverrides"].items()
        ]
    return [("cloudformation", "CreateStackInstances", params)]


def _region_of_inputs(ctx: _Context) -> str:
    return str(ctx.inputs.get("region") or "us-east-1")


def preference_problems(preferences: dict[str, Any], path: str) -> list[str]:
    """What ``StackSetOperationPreferences`` forbids in words (botocore's documentation of the shape):
    a count or a percentage, not both; and, with strict failure tolerance (the default mode),
    "MaxConcurrentCount is at most one more than the FailureToleranceCount"."""
    found = []
    for count, percentage in (
        ("FailureToleranceCount", "FailureTolerancePercentage"),
        ("MaxConcurrentCount", "MaxConcurrentPercentage"),
    ):
        if count in preferences and percentage in preferences:
            found.append(f"{path}: either {count} or {percentage}, not both")
    strict = preferences.get("ConcurrencyMode", "STRICT_FAILURE_TOLERANCE") == "STRICT_FAILURE_TOLERANCE"
    concurrent, tolerance = preferences.get("MaxConcurrentCount"), preferences.get("FailureToleranceCount", 0)
    if (
        strict
        and concurrent is not None
        and "FailureTolerancePercentage" not in preferences
        and concurrent > tolerance + 1
    ):
        found.append(f"{path}: MaxConcurrentCount {concurrent} is more than FailureToleranceCount {tolerance} + 1")
    return found


# --- Running the check -----------------------------------------------------------------------


def covered(type_: str) -> bool:
    """True for a resource type this contract must translate."""
    return type_.startswith(COVERED_PREFIXES)


def _region(run: OfflineRun, registration: Registration) -> str:
    """Where a resource's requests go: its own ``region`` (pulumi-aws 7's per-resource region), else
    its explicit provider's region, else the stack's."""
    if registration.inputs.get("region"):
        return str(registration.inputs["region"])
    for provider in run.registrations:
        # An explicit provider is referenced as "<urn>::<id>"; its region wins over the stack's.
        if f"{provider.urn}::{provider.id}" == registration.provider and provider.inputs.get("region"):
            return str(provider.inputs["region"])
    return run.settings.config.get("aws:region", "us-east-1")


def translate_one(run: OfflineRun, registration: Registration) -> list[ApiRequest]:
    """The requests for one registration; raises :class:`NoTranslationError` for an unknown type or input."""
    where = f"{registration.type} {registration.name}"
    if registration.type not in TRANSLATIONS:
        raise NoTranslationError(f"{where}: no translation for this resource type; extend tests/contract.py")
    allowed, function = TRANSLATIONS[registration.type]
    inputs = wire_numbers(registration.inputs)
    _only(inputs, allowed, where)
    region = _region(run, registration)
    return [
        ApiRequest(service, operation, params, region, where)
        for service, operation, params in function(_Context(registration, inputs))
    ]


def translate(run: OfflineRun) -> list[ApiRequest]:
    """Every request for the covered resources of ``run``, in registration order."""
    requests: list[ApiRequest] = []
    for registration in run.registrations:
        if registration.custom and covered(registration.type):
            requests += translate_one(run, registration)
    return requests


@functools.cache
def _operation(service: str, operation: str) -> OperationModel:
    return botocore.session.get_session().get_service_model(service).operation_model(operation)


@functools.cache
def _pattern(text: str) -> Any:
    # AWS patterns follow Java's syntax: \w and \d are ASCII, \p{L} and friends are Unicode.
    # The `regex` module reads \p{...}; its ASCII flag would also narrow \p{...}, so it is set
    # only for patterns without one.
    if r"\p{" in text and any(escape in text for escape in (r"\w", r"\d", r"\s", r"\b")):
        raise NotImplementedError(f"pattern {text!r} mixes ASCII and Unicode classes; translate it by hand")
    return regex.compile(text, 0 if r"\p{" in text else regex.ASCII)


def _constraint_problems(value: Any, shape: Shape, path: str) -> list[str]:
    """``pattern``, ``min``, ``max`` and ``enum`` of ``shape`` and its members, for ``value``."""
    found: list[str] = []
    meta = shape.metadata
    kind = shape.type_name
    # min and max bound the length of strings, lists and maps, and the value of numbers.
    size: str | None = None
    if kind in ("string", "list", "map") and isinstance(value, (str, list, dict)):
        measure, size = len(value), f"length {len(value)}"
    elif kind in ("integer", "long") and isinstance(value, int) and not isinstance(value, bool):
        measure, size = value, str(value)
    if size is not None:
        if "min" in meta and measure < meta["min"]:
            found.append(f"{path}: {size} is below the minimum {meta['min']}")
        if "max" in meta and measure > meta["max"]:
            found.append(f"{path}: {size} is above the maximum {meta['max']}")
    if kind == "string" and isinstance(value, str):
        if "pattern" in meta and not _pattern(meta["pattern"]).fullmatch(value):
            found.append(f"{path}: {value!r} does not match {meta['pattern']!r}")
        if "enum" in meta and value not in meta["enum"]:
            found.append(f"{path}: {value!r} is not one of {meta['enum']}")
    elif kind == "structure" and isinstance(value, dict):
        for name, member in shape.members.items():
            if name in value:
                found += _constraint_problems(value[name], member, f"{path}.{name}")
    elif kind == "list" and isinstance(value, list):
        for index, item in enumerate(value):
            found += _constraint_problems(item, shape.member, f"{path}[{index}]")
    elif kind == "map" and isinstance(value, dict):
        for key, item in value.items():
            found += _constraint_problems(key, shape.key, f"{path} key {key!r}")
            found += _constraint_problems(item, shape.value, f"{path}[{key!r}]")
    return found


def problems(request: ApiRequest) -> list[str]:
    """Everything botocore's model of the API says is wrong with ``request`` (empty when valid)."""
    input_shape = _operation(request.service, request.operation).input_shape
    report = ParamValidator().validate(request.params, input_shape)
    found = [report.generate_report()] if report.has_errors() else []
    found += _constraint_problems(request.params, input_shape, request.operation)
    if isinstance(request.params.get("OperationPreferences"), dict):
        found += preference_problems(
            request.params["OperationPreferences"], f"{request.operation}.OperationPreferences"
        )
    return found


def invalid_requests(requests: Iterable[ApiRequest]) -> dict[str, list[str]]:
    """``{request: problems}`` for every request with a problem; empty when all are valid."""
    return {f"{request} #{i}": found for i, request in enumerate(requests) if (found := problems(request))}


def replay_in_moto(requests: Iterable[ApiRequest]) -> list[tuple[ApiRequest, dict[str, Any]]]:
    """Send the requests moto implements (:data:`MOTO_OPERATIONS`) to moto, in order.

    A request moto rejects raises botocore's ``ClientError`` (or ``ParamValidationError``).
    Returns each sent request with moto's response. moto supplies fake credentials itself.
    """
    import boto3
    import moto

    sent = [request for request in requests if (request.service, request.operation) in MOTO_OPERATIONS]
    # AWS managed policies (arn:<partition>:iam::aws:policy/...) exist in moto only when it is
    # told to load them, which takes about a second: only then.
    managed = any(":iam::aws:policy/" in str(request.params.get("PolicyArn", "")) for request in sent)
    answered: list[tuple[ApiRequest, dict[str, Any]]] = []
    with moto.mock_aws(config={"iam": {"load_aws_managed_policies": managed}}):
        clients: dict[tuple[str, str], Any] = {}
        for request in sent:
            key = (request.service, request.region)
            if key not in clients:
                clients[key] = boto3.client(request.service, region_name=request.region)
            response = getattr(clients[key], xform_name(request.operation))(**request.params)
            answered.append((request, response))
    return answered


__all__ = [
    "COVERED_PREFIXES",
    "IDEMPOTENCY_TOKEN",
    "MOTO_OPERATIONS",
    "TRANSLATIONS",
    "ApiRequest",
    "NoTranslationError",
    "covered",
    "invalid_requests",
    "preference_problems",
    "problems",
    "replay_in_moto",
    "translate",
    "translate_one",
    "translates",
    "wire_numbers",
]
