"""Run the real program against Pulumi's mock engine and record what it registers.

The mocks play the AWS provider's part just far enough for the program to finish: they hand
back IDs and ARNs shaped like AWS's, answer the few lookups the program is known to make, and
raise on any other lookup or resource type so that a new one cannot slip through unchecked.
Another team's program may declare resources of its own (an EC2 instance, a bucket of theirs):
with ``allow_unknown_types`` (``--allow-unknown-types``) such a resource gets its inputs back as
outputs and an ID made from its name, a lookup gets its arguments back, and the run warns once
per type or lookup that those values are stand-ins.
"""

from __future__ import annotations

import asyncio
import functools
import hashlib
import json
import logging
import runpy
import subprocess
import sys
import threading
import uuid
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional, cast

import pulumi
from pulumi.runtime import mocks, settings, stack
from pulumi.runtime.sync_await import _sync_await

from .location import ENGINE_MODULE, IMPORT_ROOT
from .stack_files import MissingStackFileError, StackFileError, StackSettings, read_stack

#: The account every default-provider resource lands in, offline.
OFFLINE_ACCOUNT_ID = "123456789012"

#: The command-line flag that lets a consumer's program declare resources the mocks do not know.
ALLOW_UNKNOWN_TYPES = "--allow-unknown-types"


class OfflineMockError(Exception):
    """The program asked the mock engine for something it does not know how to answer."""


@dataclass
class Registration:
    """One resource the program registered, with the options that matter for review."""

    type: str
    name: str
    urn: str
    parent: str
    custom: bool
    protect: bool
    retain_on_delete: bool
    provider: str
    inputs: dict[str, Any]
    outputs: dict[str, Any] = field(default_factory=dict)
    id: str = ""
    aliases: list[str] = field(default_factory=list)
    """URNs this resource was known by before (its ``aliases`` option), as full URNs."""
    dependencies: list[str] = field(default_factory=list)
    """URNs of the resources it waits for (parents' children and ``depends_on``), as the engine gets them."""


@dataclass
class Invocation:
    """One provider lookup (invoke) the program made."""

    token: str
    args: dict[str, Any]
    provider: str


@dataclass
class OfflineRun:
    """Everything one offline run of the program produced."""

    settings: StackSettings
    account_id: str
    registrations: list[Registration]
    invocations: list[Invocation]
    outputs: dict[str, Any]
    warnings: list[str]
    error: Optional[Exception]
    """What stopped the run as a config mistake, shown without a traceback: the program's
    ``pulumi.RunError``, or a :class:`StackFileError` for a stack file that cannot be read."""

    @property
    def resources(self) -> list[Registration]:
        """Registrations other than the root stack."""
        return [r for r in self.registrations if r.type != "pulumi:pulumi:Stack"]

    def of_type(self, type_: str) -> list[Registration]:
        """Registrations of one resource type, in registration order."""
        return [r for r in self.registrations if r.type == type_]

    def by_urn(self, urn: str) -> Registration:
        """The registration with this URN."""
        return next(r for r in self.registrations if r.urn == urn)

    def named(self, type_: str, name: str) -> Registration:
        """The registration of this type and logical name."""
        matches = [r for r in self.of_type(type_) if r.name == name]
        if len(matches) != 1:
            raise KeyError(f"{len(matches)} registrations of {type_} named {name!r}")
        return matches[0]


def _digest(*parts: str) -> str:
    return hashlib.sha256("/".join(parts).encode()).hexdigest()


def _uuid(*parts: str) -> str:
    return str(uuid.UUID(_digest(*parts)[:32]))


def pinned_account(allowed_account_ids: Any) -> Optional[str]:
    """The first of ``allowedAccountIds`` (a list, or the JSON text providers and config carry)."""
    if isinstance(allowed_account_ids, str):
        allowed_account_ids = json.loads(allowed_account_ids)
    return str(allowed_account_ids[0]) if allowed_account_ids else None


def assumed_account(assume_roles: Any) -> Optional[str]:
    """The account of the first role a provider assumes (``assumeRoles``, a list or its JSON text)."""
    if isinstance(assume_roles, str):
        assume_roles = json.loads(assume_roles)
    if not assume_roles:
        return None
    return str(assume_roles[0]["roleArn"]).split(":")[4]


def partition_of(region: str) -> str:
    """The AWS partition of a region code."""
    if region.startswith("cn-"):
        return "aws-cn"
    if region.startswith("us-gov-"):
        return "aws-us-gov"
    return "aws"


class AwsMocks(pulumi.runtime.Mocks):
    """Mock AWS provider: deterministic IDs and ARNs per resource type; raises on anything unknown
    unless ``allow_unknown_types`` (default: off), which answers it with stand-ins instead."""

    def __init__(
        self,
        region: str,
        account_id: str = OFFLINE_ACCOUNT_ID,
        stack_outputs: Optional[Callable[[str], dict[str, Any]]] = None,
        allow_unknown_types: bool = False,
    ) -> None:
        self.region = region
        self.account_id = account_id
        self.stack_outputs = stack_outputs
        self.allow_unknown_types = allow_unknown_types
        self.providers: dict[str, dict[str, Any]] = {}
        self.invocations: list[Invocation] = []
        self.stand_in_types: dict[str, set[str]] = {}
        """Resource types given stand-in outputs, with the logical names of their resources."""
        self.stand_in_lookups: set[str] = set()
        """Lookups answered with their own arguments."""
        self.reference_errors: list[pulumi.RunError] = []
        """Config errors of referenced stacks: the run fails with the first once the program ends."""

    def _where(self, provider_ref: str, own_region: Any = None) -> tuple[str, str]:
        """Where a resource or lookup lands: its own ``region`` (pulumi-aws 7's per-resource
        region), else its explicit provider's region, else the stack's; in its provider's account."""
        inputs = self.providers.get(provider_ref) or {}
        account = pinned_account(inputs.get("allowedAccountIds")) or assumed_account(inputs.get("assumeRoles"))
        return str(own_region or inputs.get("region") or self.region), account or self.account_id

    def new_resource(self, args: pulumi.runtime.MockResourceArgs) -> tuple[Optional[str], dict]:
        inputs = dict(args.inputs)
        if args.typ.startswith("pulumi:providers:"):
            return _uuid("provider", args.name), inputs
        if args.typ == "pulumi:pulumi:StackReference":
            return self._stack_reference(str(inputs["name"]))
        if not args.custom:  # a component: nothing in AWS
            return "", inputs
        region, account = self._where(args.provider or "", inputs.get("region"))
        builder = _RESOURCE_OUTPUTS.get(args.typ)
        if builder is None and self.allow_unknown_types:
            self.stand_in_types.setdefault(args.typ, set()).add(args.name)
            return _by_logical_name(args.name, inputs, region, account)[0], inputs
        if builder is None:
            raise OfflineMockError(
                f"the offline engine has no mock for resource type {args.typ!r} ({args.name}); "
                f"add one to offline/engine.py, or run with {ALLOW_UNKNOWN_TYPES} to give it its inputs as outputs"
            )
        resource_id, extra = builder(args.name, inputs, region, account)
        if args.typ not in _GLOBAL_TYPES:  # like the provider: `region` is optional and computed
            extra = {**extra, "region": region}
        return resource_id, {**inputs, **extra}

    def _stack_reference(self, name: str) -> tuple[str, dict]:
        if self.stack_outputs is None:
            raise OfflineMockError(f"the offline engine cannot read stack {name!r}: no stack outputs resolver")
        try:
            outputs = self.stack_outputs(name)
        except pulumi.RunError as error:
            # Failing here would fail every output that depends on the reference; leaving them
            # unknown (as a preview does) lets the program end, then the run fails with this.
            self.reference_errors.append(error)
            return name, {"name": name, "secretOutputNames": []}
        return name, {"name": name, "outputs": outputs, "secretOutputNames": []}

    # A bare dict, not the (outputs, failures) pair Mocks.call declares: pulumi's mock monitor reads
    # a dict as "no failures", while a pair with None failures would fail there (pulumi 3.272).
    def call(self, args: pulumi.runtime.MockCallArgs) -> dict:  # type: ignore[override]
        self.invocations.append(Invocation(args.token, dict(args.args), args.provider or ""))
        region, account = self._where(args.provider or "", args.args.get("region"))
        answer = _INVOKE_ANSWERS.get(args.token)
        if answer is None and self.allow_unknown_types:
            self.stand_in_lookups.add(args.token)
            return dict(args.args)
        if answer is None:
            raise OfflineMockError(
                f"the offline engine has no mock for lookup {args.token!r} with {args.args}; "
                f"add one to offline/engine.py, or run with {ALLOW_UNKNOWN_TYPES} to answer it with its arguments"
            )
        return answer(dict(args.args), region, account)

    def stand_in_warnings(self) -> list[str]:
        """One warning per resource type or lookup answered with stand-ins, in a stable order."""
        warnings = [
            f"{type_} ({', '.join(sorted(names))}): no offline mock, so its outputs are its inputs and its ID "
            "is made up; anything AWS would compute (an ARN, an attribute) is missing or a stand-in"
            for type_, names in sorted(self.stand_in_types.items())
        ]
        warnings += [
            f"lookup {token}: no offline mock, so its result is its own arguments"
            for token in sorted(self.stand_in_lookups)
        ]
        return warnings


def _arn(service: str, region: str, account: str, resource: str) -> str:
    return f"arn:{partition_of(region)}:{service}:{region}:{account}:{resource}"


def _vault(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    vault = inputs["name"]
    return vault, {"arn": _arn("backup", region, account, f"backup-vault:{vault}"), "recoveryPoints": 0}


def _plan(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    plan_id = _uuid("plan", region, account, inputs["name"])
    return plan_id, {"arn": _arn("backup", region, account, f"backup-plan:{plan_id}"), "version": _digest(plan_id)[:32]}


def _selection(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return _uuid("selection", inputs["planId"], inputs["name"]), {}


def _role(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    # Like the provider's auto-naming: the logical name plus a random-looking suffix.
    role = inputs.get("name") or f"{name}-{_digest('role', name)[:7]}"
    return role, {
        "name": role,
        "arn": f"arn:{partition_of(region)}:iam::{account}:role/{role}",
        "uniqueId": "AROA" + _digest(role)[:17].upper(),
    }


def _attachments(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return inputs["roleName"], {}


def _by_vault_name(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return inputs["backupVaultName"], {}


def _air_gapped_vault(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    vault = inputs["name"]
    return vault, {
        "arn": _arn("backup", region, account, f"backup-vault:{vault}"),
        "encryptionKeyArn": inputs.get("encryptionKeyArn", ""),
    }


def _kms_key(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    key_id = _uuid("key", region, account, name)
    return key_id, {"arn": _arn("kms", region, account, f"key/{key_id}"), "keyId": key_id}


def _kms_alias(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return inputs["name"], {"arn": _arn("kms", region, account, inputs["name"])}


def _global_settings(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return account, {}


def _topic(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    topic = inputs.get("name") or f"{name}-{_digest('topic', name)[:7]}"
    arn = _arn("sns", region, account, topic)
    return arn, {"name": topic, "arn": arn}


def _by_logical_name(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return f"{name}-{_digest(region, account, name)[:8]}", {}


def _event_rule(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    rule = inputs.get("name") or f"{name}-{_digest('rule', name)[:7]}"
    return rule, {"name": rule, "arn": _arn("events", region, account, f"rule/{rule}")}


def _instance_profile(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    profile = inputs.get("name") or f"{name}-{_digest('profile', name)[:7]}"
    return profile, {"name": profile, "arn": f"arn:{partition_of(region)}:iam::{account}:instance-profile/{profile}"}


def _association(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    association_id = _uuid("association", region, account, name)
    return association_id, {"associationId": association_id}


def _named_backup(kind: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    # Known by name; the ARN adds a random-looking suffix to the name, as AWS Backup's do.
    resource = inputs["name"]
    return resource, {
        "arn": _arn("backup", region, account, f"{kind}:{resource}-{_uuid(kind, region, account, resource)}")
    }


def _restore_testing_plan(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return _named_backup("restore-testing-plan", inputs, region, account)


def _framework(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return _named_backup("framework", inputs, region, account)


def _report_plan(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return _named_backup("report-plan", inputs, region, account)


def _restore_testing_selection(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return f"{inputs['restoreTestingPlanName']}:{inputs['name']}", {}


def _log_group(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    # Auto-named like the provider; the ARN without the ":*" suffix, as pulumi-aws reports it.
    group = inputs.get("name") or f"{name}-{_digest('log-group', region, account, name)[:7]}"
    return group, {"name": group, "arn": _arn("logs", region, account, f"log-group:{group}")}


def _function(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    function = inputs.get("name") or f"{name}-{_digest('function', region, account, name)[:7]}"
    arn = _arn("lambda", region, account, f"function:{function}")
    return function, {"name": function, "arn": arn, "invokeArn": arn, "qualifiedArn": f"{arn}:$LATEST"}


def _state_machine(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    machine = inputs.get("name") or f"{name}-{_digest('state-machine', region, account, name)[:7]}"
    arn = _arn("states", region, account, f"stateMachine:{machine}")
    return arn, {"name": machine, "arn": arn}


def _role_policy(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    # Named like the provider names an inline policy without a name: the logical name and a suffix.
    policy = inputs.get("name") or f"{name}-{_digest('role-policy', name)[:7]}"
    return f"{inputs['role']}:{policy}", {"name": policy}


def _bucket(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    # Like the provider's auto-naming: the logical name plus a random-looking suffix.
    bucket = inputs.get("bucket") or f"{name}-{_digest('bucket', region, account, name)[:7]}"
    return bucket, {
        "bucket": bucket,
        "arn": f"arn:{partition_of(region)}:s3:::{bucket}",
        "bucketDomainName": f"{bucket}.s3.amazonaws.com",
        "region": region,
    }


def _by_bucket(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return inputs["bucket"], {}


def _organization_id(account: str) -> str:
    # One made-up organization per management account, shaped like o-<10 to 32 characters>.
    return f"o-{_digest('organization', account)[:10]}"


def _org_policy(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    policy_id = f"p-{_digest('policy', account, inputs['name'])[:12]}"
    kind = str(inputs.get("type", "SERVICE_CONTROL_POLICY")).lower()
    arn = f"arn:{partition_of(region)}:organizations::{account}:policy/{_organization_id(account)}/{kind}/{policy_id}"
    return policy_id, {"arn": arn}


def _policy_attachment(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    return f"{inputs['targetId']}:{inputs['policyId']}", {}


def _delegated_administrator(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    member = inputs["accountId"]
    return f"{member}/{inputs['servicePrincipal']}", {
        "arn": f"arn:{partition_of(region)}:organizations::{account}:account/{_organization_id(account)}/{member}",
        "status": "ACTIVE",
    }


def _stack_set(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    stack_set_id = f"{inputs['name']}:{_uuid('stackset', region, account, inputs['name'])}"
    return inputs["name"], {
        "arn": _arn("cloudformation", region, account, f"stackset/{stack_set_id}"),
        "stackSetId": stack_set_id,
    }


def _stack_set_instance(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    # As the provider names instances deployed to OUs: StackSet name, OUs joined by '/', region.
    units = "/".join((inputs.get("deploymentTargets") or {}).get("organizationalUnitIds") or [])
    target_region = inputs.get("stackSetInstanceRegion") or region
    return f"{inputs['stackSetName']},{units},{target_region}", {"stackInstanceSummaries": []}


#: Types without a region (Terraform AWS provider guide, "Enhanced Region Support": IAM and
#: Organizations are global services, ``aws_backup_global_settings`` a global resource of a
#: regional service).
_GLOBAL_TYPES = frozenset(
    {
        "aws:iam/role:Role",
        "aws:iam/rolePolicy:RolePolicy",
        "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
        "aws:iam/instanceProfile:InstanceProfile",
        "aws:backup/globalSettings:GlobalSettings",
        "aws:organizations/policy:Policy",
        "aws:organizations/policyAttachment:PolicyAttachment",
        "aws:organizations/delegatedAdministrator:DelegatedAdministrator",
    }
)


def _region_settings(name: str, inputs: dict, region: str, account: str) -> tuple[str, dict]:
    # One per account and region, known by the region (as the provider's ID is).
    return region, {}


_RESOURCE_OUTPUTS: dict[str, Callable[[str, dict, str, str], tuple[str, dict]]] = {
    "aws:backup/vault:Vault": _vault,
    "aws:backup/plan:Plan": _plan,
    "aws:backup/selection:Selection": _selection,
    "aws:iam/role:Role": _role,
    "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive": _attachments,
    "aws:backup/vaultPolicy:VaultPolicy": _by_vault_name,
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration": _by_vault_name,
    "aws:backup/vaultNotifications:VaultNotifications": _by_vault_name,
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault": _air_gapped_vault,
    "aws:backup/globalSettings:GlobalSettings": _global_settings,
    "aws:kms/key:Key": _kms_key,
    "aws:kms/alias:Alias": _kms_alias,
    "aws:sns/topic:Topic": _topic,
    "aws:sns/topicPolicy:TopicPolicy": _by_logical_name,
    "aws:sns/topicSubscription:TopicSubscription": _by_logical_name,
    "aws:cloudwatch/eventRule:EventRule": _event_rule,
    "aws:cloudwatch/eventTarget:EventTarget": _by_logical_name,
    "aws:cloudwatch/logGroup:LogGroup": _log_group,
    "aws:lambda/function:Function": _function,
    "aws:sfn/stateMachine:StateMachine": _state_machine,
    "aws:iam/rolePolicy:RolePolicy": _role_policy,
    "aws:iam/instanceProfile:InstanceProfile": _instance_profile,
    "aws:ssm/association:Association": _association,
    "aws:backup/restoreTestingPlan:RestoreTestingPlan": _restore_testing_plan,
    "aws:backup/restoreTestingSelection:RestoreTestingSelection": _restore_testing_selection,
    "aws:backup/framework:Framework": _framework,
    "aws:backup/reportPlan:ReportPlan": _report_plan,
    "aws:s3/bucket:Bucket": _bucket,
    "aws:s3/bucketServerSideEncryptionConfiguration:BucketServerSideEncryptionConfiguration": _by_bucket,
    "aws:s3/bucketPublicAccessBlock:BucketPublicAccessBlock": _by_bucket,
    "aws:s3/bucketVersioning:BucketVersioning": _by_bucket,
    "aws:s3/bucketLifecycleConfiguration:BucketLifecycleConfiguration": _by_bucket,
    "aws:s3/bucketPolicy:BucketPolicy": _by_bucket,
    "aws:organizations/policy:Policy": _org_policy,
    "aws:organizations/policyAttachment:PolicyAttachment": _policy_attachment,
    "aws:organizations/delegatedAdministrator:DelegatedAdministrator": _delegated_administrator,
    "aws:cloudformation/stackSet:StackSet": _stack_set,
    "aws:cloudformation/stackSetInstance:StackSetInstance": _stack_set_instance,
    "aws:backup/regionSettings:RegionSettings": _region_settings,
}


def _caller_identity(args: dict, region: str, account: str) -> dict:
    return {
        "accountId": account,
        "arn": f"arn:{partition_of(region)}:iam::{account}:user/offline",
        "id": account,
        "userId": "AIDAOFFLINE",
    }


def _partition(args: dict, region: str, account: str) -> dict:
    partition = partition_of(region)
    suffix = "amazonaws.com.cn" if partition == "aws-cn" else "amazonaws.com"
    return {"partition": partition, "dnsSuffix": suffix, "id": partition, "reverseDnsPrefix": "com.amazonaws"}


def _managed_kms_key(args: dict, region: str, account: str) -> dict:
    alias = args.get("keyId")
    if alias not in ("alias/aws/backup", "alias/aws/ebs"):
        raise OfflineMockError(f"the offline engine only knows the AWS-managed key aliases, not {alias!r}")
    key_id = _uuid("kms", region, account, alias)
    return {
        "arn": _arn("kms", region, account, f"key/{key_id}"),
        "id": key_id,
        "keyId": key_id,
        "keyManager": "AWS",
        "keyState": "Enabled",
        "awsAccountId": account,
    }


_INVOKE_ANSWERS: dict[str, Callable[[dict, str, str], dict]] = {
    "aws:index/getCallerIdentity:getCallerIdentity": _caller_identity,
    "aws:index/getPartition:getPartition": _partition,
    "aws:kms/getKey:getKey": _managed_kms_key,
}


def described_assets(value: Any) -> Any:
    """``value`` with Pulumi assets and archives replaced by what identifies their content.

    A Lambda function's code arrives as ``pulumi.AssetArchive``/``FileAsset`` objects; reports,
    comparisons and tests need plain data: each file's name and SHA-256 (never its path, which
    differs between checkouts).
    """
    if isinstance(value, pulumi.FileAsset):
        content = Path(value.path).read_bytes()
        return {"file": Path(value.path).name, "sha256": hashlib.sha256(content).hexdigest()}
    if isinstance(value, pulumi.StringAsset):
        return {"text": True, "sha256": hashlib.sha256(value.text.encode()).hexdigest()}
    if isinstance(value, pulumi.AssetArchive):
        return {"archive": {name: described_assets(item) for name, item in sorted(value.assets.items())}}
    if isinstance(value, (pulumi.Asset, pulumi.Archive)):
        kind = type(value).__name__
        raise OfflineMockError(f"the offline engine cannot describe a {kind}; add it to offline/engine.py")
    if isinstance(value, dict):
        return {key: described_assets(item) for key, item in value.items()}
    if isinstance(value, list):
        return [described_assets(item) for item in value]
    return value


class _RecordingMonitor(mocks.MockMonitor):
    """The SDK's mock monitor, keeping the registration options it would otherwise drop."""

    def __init__(self, aws_mocks: AwsMocks) -> None:
        super().__init__(aws_mocks)
        self.aws_mocks = aws_mocks
        self.registrations: list[Registration] = []

    def RegisterResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        response = super().RegisterResource(request)
        inputs = pulumi.runtime.rpc.deserialize_properties(request.object)
        if request.type.startswith("pulumi:providers:"):
            self.aws_mocks.providers[f"{response.urn}::{response.id}"] = dict(inputs)
        self._record(
            request,
            response.urn,
            inputs,
            custom=request.custom,
            protect=request.protect,
            retain_on_delete=request.retainOnDelete,
            aliases=self._alias_urns(request),
            dependencies=list(request.dependencies),
        )
        return response

    def _record(self, request: Any, urn: str, inputs: dict[str, Any], **options: Any) -> None:
        registered = self.resources.get(urn)
        self.registrations.append(
            Registration(
                type=request.type,
                name=request.name,
                urn=urn,
                parent=request.parent,
                provider=request.provider,
                inputs=described_assets(dict(inputs)),
                outputs=described_assets(dict(registered.state)) if registered else {},
                id=registered.id if registered else getattr(request, "id", ""),
                **options,
            )
        )

    def _alias_urns(self, request: Any) -> list[str]:
        """Full URNs of the aliases a registration carries (the SDK sends specs, not URNs)."""
        urns = list(request.aliasURNs)
        for alias in request.aliases:
            if alias.urn:
                urns.append(alias.urn)
                continue
            spec = alias.spec
            parent = "" if spec.noParent else (spec.parentUrn or request.parent)
            urns.append(self.make_urn(parent, spec.type or request.type, spec.name or request.name))
        return urns

    def ReadResource(self, request: Any) -> Any:  # noqa: N802 (gRPC method name)
        """Reads (``get`` and stack references) are recorded like registrations."""
        response = super().ReadResource(request)
        inputs = pulumi.runtime.rpc.deserialize_properties(request.properties)
        self._record(request, response.urn, inputs, custom=True, protect=False, retain_on_delete=False)
        return response


class _WarningCollector(logging.Handler):
    def __init__(self) -> None:
        super().__init__(logging.WARNING)
        self.messages: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.messages.append(record.getMessage())


def sibling_stack_outputs(
    project_dir: Path, project: str, allow_unknown_types: bool = False
) -> Callable[[str], dict[str, Any]]:
    """Resolve ``<org>/<project>/<stack>`` references to stacks of this project by running them.

    Each referenced stack runs offline in a child process (once, then cached). When its config
    is wrong, the referencing stack fails with that error, as a config error of its own.
    """

    @functools.cache
    def outputs(reference: str) -> dict[str, Any]:
        parts = reference.split("/")
        stack = parts[-1]
        if len(parts) != 3 or parts[1] != project or not (project_dir / f"Pulumi.{stack}.yaml").is_file():
            raise OfflineMockError(
                f"stack reference {reference!r} is not a stack of this project ({project}) with a "
                f"Pulumi.<stack>.yaml here, so it cannot be read offline"
            )
        command = [sys.executable, "-m", f"{ENGINE_MODULE}.stack_outputs", str(project_dir), stack]
        if allow_unknown_types:
            command.append(ALLOW_UNKNOWN_TYPES)
        done = subprocess.run(command, capture_output=True, text=True, cwd=IMPORT_ROOT, check=False)
        try:
            result = json.loads(done.stdout)
        except ValueError:
            raise OfflineMockError(f"stack reference {reference!r}: {done.stderr.strip()}") from None
        if result["error"] is not None:
            raise pulumi.RunError(f"stack reference {reference!r}: stack {stack} does not run: {result['error']}")
        return dict(result["outputs"])

    return outputs


class _WorkerLoops:
    """The event loops of a run's worker threads, opened when each thread starts and closed with the run.

    The SDK's mock monitor answers each registration in a thread of the run loop's executor, and
    the SDK opens an event loop in each such thread that needs one
    (``pulumi.runtime.sync_await._ensure_event_loop``) and never closes it. Such a loop is then
    closed by the garbage collector, whenever it gets to it: often together with the loop's
    self-pipe sockets, which may be finalized first, and closing it then fails with "Exception
    ignored in: BaseEventLoop.__del__ ... ValueError: Invalid file descriptor: -1" on stderr,
    after the run's own output (more often after a failed run, whose exception keeps the loops'
    frames alive). Opening each worker thread's loop here, and closing them all once the threads
    have ended, leaves the collector nothing to close.
    """

    def __init__(self) -> None:
        self.loops: list[asyncio.AbstractEventLoop] = []
        self._lock = threading.Lock()

    def open(self) -> None:
        """A worker thread's initializer: give the thread an event loop of its own."""
        loop = asyncio.new_event_loop()
        asyncio.set_event_loop(loop)
        with self._lock:
            self.loops.append(loop)

    def close(self) -> None:
        """Close every worker thread's loop (once the threads have ended)."""
        for loop in self.loops:
            loop.close()


def _settle_after_failure(loop: asyncio.AbstractEventLoop) -> None:
    """Cancel what a failed program left pending, and keep asyncio from reporting it at exit.

    The failure itself is returned or raised; the registrations still in flight and the outputs
    that failed with it would otherwise print "Task was destroyed but it is pending!" and
    "Future exception was never retrieved" for each, long after the error that caused them.
    """
    pending = [task for task in asyncio.all_tasks(loop) if not task.done()]
    for task in pending:
        task.cancel()
    loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
    loop.set_exception_handler(lambda _loop, _context: None)


def run_program(
    program: Callable[[], Any],
    settings_: StackSettings,
    account_id: Optional[str] = None,
    stack_outputs: Optional[Callable[[str], dict[str, Any]]] = None,
    allow_unknown_types: bool = False,
    own_thread: bool = True,
) -> OfflineRun:
    """Run ``program`` (anything that declares resources) under the mock engine with ``settings_``.

    The account is ``account_id``, else the stack's ``aws:allowedAccountIds`` pin, else
    :data:`OFFLINE_ACCOUNT_ID`. ``allow_unknown_types`` (default: off): see the module's docstring.

    The run takes a thread of its own (``own_thread``, default on; off for a profiler that watches
    the calling thread only): at every registration the SDK walks the whole Python stack to record
    where the resource was declared, and in a fresh thread that stack starts at this engine, as
    under ``pulumi up``, however deep the caller's is (pytest adds some 40 frames).

    A ``pulumi.RunError`` from the program (bad config) is returned in ``error``, not raised;
    any other exception is a bug and propagates.
    """
    arguments = (program, settings_, account_id, stack_outputs, allow_unknown_types)
    if not own_thread:
        return _run_program(*arguments)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="offline-program") as runner:
        return runner.submit(_run_program, *arguments).result()


def _run_program(
    program: Callable[[], Any],
    settings_: StackSettings,
    account_id: Optional[str],
    stack_outputs: Optional[Callable[[str], dict[str, Any]]],
    allow_unknown_types: bool,
) -> OfflineRun:
    region = settings_.config.get("aws:region", "us-east-1")
    account_id = account_id or pinned_account(settings_.config.get("aws:allowedAccountIds")) or OFFLINE_ACCOUNT_ID
    aws_mocks = AwsMocks(region, account_id, stack_outputs, allow_unknown_types)
    monitor = _RecordingMonitor(aws_mocks)
    collector = _WarningCollector()
    logger = logging.getLogger(f"offline.{settings_.stack}")
    logger.propagate = False
    logger.handlers = [collector]

    # A loop of its own per run, and its worker threads' loops, all closed when the run ends (see
    # _WorkerLoops), not by the garbage collector at some point after (where closing them fails noisily).
    loop = asyncio.new_event_loop()
    asyncio.set_event_loop(loop)
    worker_loops = _WorkerLoops()
    loop.set_default_executor(ThreadPoolExecutor(thread_name_prefix="offline", initializer=worker_loops.open))
    settings.ROOT.set(None)  # a fresh root stack resource for every run in this process
    # The SDK keeps pending outputs in a process-wide set that mock settings do not replace;
    # a run that ended in an exception leaves tasks of its closed loop there.
    with settings.SETTINGS.lock:
        settings.SETTINGS.outputs.clear()
    pulumi.runtime.set_mocks(
        aws_mocks, project=settings_.project, stack=settings_.stack, preview=True, logger=logger, monitor=monitor
    )
    pulumi.runtime.set_all_config(settings_.config, settings_.secret_keys)

    error: Optional[pulumi.RunError] = None
    outputs: dict[str, Any] = {}
    finished = False
    try:
        try:
            _sync_await(stack.run_pulumi_func(program))
        except pulumi.RunError as run_error:
            error = run_error
        if error is None and aws_mocks.reference_errors:
            error = aws_mocks.reference_errors[0]
        root = settings.get_root_resource()
        if root is not None and error is None:
            exported = cast(stack.Stack, root).outputs  # the root resource is the program's Stack
            resolved = _sync_await(pulumi.Output.from_input(exported).future())
            outputs = resolved or {}
        finished = error is None
    finally:
        if not finished:
            _settle_after_failure(loop)
        loop.run_until_complete(loop.shutdown_default_executor())
        worker_loops.close()
        loop.close()
        asyncio.set_event_loop(None)
    return OfflineRun(
        settings=settings_,
        account_id=account_id,
        registrations=monitor.registrations,
        invocations=aws_mocks.invocations,
        outputs=outputs,
        warnings=collector.messages + aws_mocks.stand_in_warnings(),
        error=error,
    )


def run_offline(
    project_dir: Path, stack_name: str, account_id: Optional[str] = None, allow_unknown_types: bool = False
) -> OfflineRun:
    """Run the project's ``__main__.py`` for ``stack_name`` as ``pulumi up`` would, but offline.

    A stack or project file that is not valid comes back as the run's ``error``, like any config
    mistake; a missing one raises :class:`MissingStackFileError` (an unknown stack).
    """
    try:
        stack_settings = read_stack(project_dir, stack_name)
    except MissingStackFileError:
        raise
    except StackFileError as error:
        unread = StackSettings(
            project="", stack=stack_name, config={}, secret_keys=[], main=project_dir / "__main__.py"
        )
        return OfflineRun(unread, OFFLINE_ACCOUNT_ID, [], [], {}, [], error)
    program_dir = str(stack_settings.main.parent.resolve())
    sys.path.insert(0, program_dir)  # as the language host does: the program's folder first
    try:
        return run_program(
            lambda: runpy.run_path(str(stack_settings.main), run_name="__main__"),
            stack_settings,
            account_id,
            sibling_stack_outputs(project_dir, stack_settings.project, allow_unknown_types),
            allow_unknown_types,
        )
    finally:
        sys.path.remove(program_dir)


__all__ = [
    "ALLOW_UNKNOWN_TYPES",
    "OFFLINE_ACCOUNT_ID",
    "AwsMocks",
    "Invocation",
    "OfflineMockError",
    "OfflineRun",
    "Registration",
    "described_assets",
    "partition_of",
    "run_offline",
    "run_program",
]
