"""OrganizationBackup: the same plans for every account and region of AWS Organizations OUs.

Two AWS engines do the work, nothing of this program's own: an AWS Organizations backup policy
per plan, attached to the target OUs (or accounts), which AWS Backup turns into an immutable plan
in every account they reach, accounts added later included; and a CloudFormation StackSet with
service-managed permissions and automatic deployment, which creates in every member account and
region the vault, its key and the IAM role those policies name. This component generates both from
one set of plans and refuses to register anything when they would disagree
(:func:`components.org_checks.organization_problems`).

AWS pages: AWS Organizations User Guide, "Backup policies", "Backup policy syntax and examples"
("use AWS CloudFormation stack sets and its integration with Organizations to automatically create
and configure backup vaults and IAM roles for each member account"), "Quotas and service limits
for AWS Organizations"; AWS CloudFormation User Guide, "Activate trusted access for StackSets with
AWS Organizations" and botocore's ``cloudformation`` ``DeploymentTargets`` ("CloudFormation doesn't
deploy stack instances to the organization management account"); AWS Backup API reference,
"UpdateGlobalSettings"; pulumi-aws ``cloudformation.StackSetInstance`` (one region per instance,
``stack_set_instance_region``).
"""

from __future__ import annotations

import functools
from collections.abc import Mapping, Sequence
from typing import Any, Literal, NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts, plain
from .backup_stack import ArchiveSpec, PlanSpec
from .global_settings import DEFAULT_GLOBAL_SETTINGS, global_settings
from .org_checks import member_stack_args, organization_problems, organization_warnings
from .org_policy import effective_policy, member_rules, policy_documents, policy_plan_names
from .org_policy_syntax import policy_content
from .org_template import instance_regions, member_template, template_body
from .stack_checks import selected_types
from .three_two_one import plan_verdict
from .vault import VaultLockArgs

#: The service principal of AWS Backup, for the delegated administrator registration.
BACKUP_SERVICE_PRINCIPAL = "backup.amazonaws.com"
DEFAULT_STACK_SET_NAME = "windows-server-backup-member"
DEFAULT_POLICY_NAME_PREFIX = "windows-server-backup-"
#: Stands for the member account in the 3-2-1 verdict (it needs a 12-digit account to read ARNs).
_VERDICT_ACCOUNT = "000000000000"


class OrgTargetsSpec(TypedDict):
    """Who gets the plans."""

    organizational_unit_ids: Sequence[str]
    """OUs (``ou-...``) or the root (``r-...``) whose accounts, and their child OUs' accounts, are backed
    up; accounts added to them later are picked up by the policies' inheritance and the StackSet's
    automatic deployment."""
    account_ids: NotRequired[Sequence[str]]
    """Only these accounts of those OUs: the policies are attached to the accounts, and the StackSet
    deploys to their intersection with the OUs. Default: every account of the OUs."""


class MemberVaultSpec(TypedDict):
    """The vault the policies write to, created in every member account and backed-up region."""

    name: str
    """Vault name, the same in every account and region."""
    create_kms_key: NotRequired[bool]
    """A customer-managed key per account and region (needed for copies into the archive account).
    Default: ``False`` (the AWS-managed ``aws/backup`` key)."""
    protect: NotRequired[bool]
    """``DeletionPolicy``/``UpdateReplacePolicy: Retain`` on vaults and keys, and stacks retained when
    a region is removed. Default: ``True``."""
    deny_deletions: NotRequired[bool]
    """Access policy denying recovery point deletion to all but ``break_glass_role_name``. Default: ``True``."""
    break_glass_role_name: NotRequired[Optional[str]]
    """The one role still allowed those deletions, by name: each member vault names the role of
    that name in its own account (``arn:<partition>:iam::<member account>:role/<name>``). A role
    ARN names one account, so the member vaults take no ARN. Default: none."""
    lock: NotRequired[Optional[VaultLockArgs]]
    """Vault Lock of every member vault. Default: none."""
    tags: NotRequired[dict[str, str]]
    """Tags for the vaults. Default: none."""


class MemberRoleSpec(TypedDict):
    """The IAM role the policies name (``arn:aws:iam::$account:role/<name>``)."""

    name: str
    """Role name, the same in every account."""
    allow_restores: NotRequired[bool]
    """Also attach AWSBackupServiceRolePolicyForRestores. Default: ``True``."""
    allow_s3: NotRequired[bool]
    """Also attach the S3 backup and restore policies. Default: when a selection takes S3 or ``*``."""
    tags: NotRequired[dict[str, str]]
    """Extra tags for the role. Default: none."""


class OrgCrossRegionSpec(TypedDict):
    """Copy B across the organization: each backed-up region copies to a vault in another region."""

    copy_regions: Mapping[str, str]
    """Backed-up region to the region its copies go to, e.g. ``{"us-east-1": "us-west-2"}``."""
    vault_name: str
    """Name of the copy vault the StackSet creates in each copy region."""
    create_kms_key: NotRequired[bool]
    """A customer-managed key for the copy vaults. Default: ``False``."""
    lock: NotRequired[Optional[VaultLockArgs]]
    """Vault Lock of the copy vaults. Default: none."""
    delete_after_days: NotRequired[Optional[int]]
    """Days copies are kept. Default: the source rule's retention."""
    cold_storage_after_days: NotRequired[Optional[int]]
    """Days before copies move to cold storage. Default: the source rule's."""
    opt_in_to_archive: NotRequired[Optional[bool]]
    """Archive-tier opt-in for copies. Default: the source rule's."""


class OrgVssInstancesSpec(TypedDict, total=False):
    """The EC2 side of Windows VSS in every member account, as :class:`components.WindowsVssInstances`
    makes it in a per-account stack. Every field is optional."""

    enabled: bool
    """Create it. Default: when a plan has ``windows_vss``."""
    schedule: str
    """How often State Manager re-applies ``AwsVssComponents`` (Systems Manager's schedule rules).
    Default: ``rate(7 days)``."""
    instance_role_name: str
    """Name of the instance role and of its instance profile in every member account: put the
    profile on the Windows instances. Default: ``windows-server-backup-vss-instance``."""


class StackSetSpec(TypedDict, total=False):
    """How the StackSet deploys. Every field is optional."""

    name: str
    """StackSet name. Default: ``windows-server-backup-member``."""
    call_as: Literal["SELF", "DELEGATED_ADMIN"]
    """``SELF`` from the management account, ``DELEGATED_ADMIN`` from a StackSets delegated
    administrator account. Default: ``SELF``."""
    failure_tolerance_count: Optional[int]
    """Accounts per region that may fail before StackSets stops. Default: 0 (AWS's default)."""
    failure_tolerance_percentage: Optional[int]
    """The same as a percentage, instead of the count. Default: none."""
    max_concurrent_count: Optional[int]
    """Accounts deployed at once, at most ``failure_tolerance_count + 1``. Default: 1 (AWS's default)."""
    max_concurrent_percentage: Optional[int]
    """The same as a percentage, instead of the count. Default: none."""
    region_concurrency: Literal["SEQUENTIAL", "PARALLEL"]
    """Regions one after the other, or at once. Default: ``SEQUENTIAL``."""
    retain_stacks_on_account_removal: bool
    """Keep an account's stacks (and with them the role) when it leaves the OUs. The vaults and keys
    are kept either way (``DeletionPolicy: Retain``). Default: ``True``."""


class OrganizationBackupArgs(TypedDict):
    """Arguments of :class:`OrganizationBackup`."""

    regions: Sequence[str]
    """Regions the policies back up; the StackSet deploys there and to the copy regions."""
    role_region: str
    """Region whose member stacks create the IAM role the policies name (IAM is global, so one
    region holds it for the account). The StackSet deploys there first, even if it backs nothing up
    there. Never change it once deployed: the role is retained, so the new region's stacks would
    fail to create a role of the same name (change ``role.name`` with it). The organization stack's
    config passes its own ``aws:region``."""
    targets: OrgTargetsSpec
    """The OUs (and optionally accounts) that get the plans."""
    vault: MemberVaultSpec
    """The member accounts' vault."""
    role: MemberRoleSpec
    """The member accounts' backup role."""
    plans: Sequence[PlanSpec]
    """The plans, as in a per-account stack; one backup policy each."""
    cross_region: NotRequired[Optional[OrgCrossRegionSpec]]
    """Copy B. Default: none."""
    vss_instances: NotRequired[Optional[OrgVssInstancesSpec]]
    """The instance role, instance profile and ``AwsVssComponents`` association of the Windows VSS
    plans' instances in every member account. Default: on when a plan has ``windows_vss``."""
    archive: NotRequired[Optional[ArchiveSpec]]
    """Copy C: the archive account's vault. Default: none."""
    stack_set: NotRequired[StackSetSpec]
    """StackSet settings. Default: see :class:`StackSetSpec`."""
    policy_name_prefix: NotRequired[str]
    """Prefix of the backup policies' names. Default: ``windows-server-backup-``."""
    delegated_administrator_account_id: NotRequired[Optional[str]]
    """Register this account as AWS Backup's delegated administrator (management account only).
    Default: none."""
    backup_global_settings: NotRequired[Optional[Mapping[str, bool]]]
    """Manage the organization's AWS Backup settings (management account only):
    ``cross_account_backup``, ``multi_party_approval``, ``delegated_administrator``; all three are
    always sent (omitted ones as in :data:`DEFAULT_GLOBAL_SETTINGS`), so nothing drifts.
    Default: none (not managed)."""
    tags: NotRequired[dict[str, str]]
    """Tags for the policies and the StackSet, propagated to the member resources. Default: none."""
    log_warnings: NotRequired[bool]
    """Log what deploys but may not do what it says
    (:func:`components.org_checks.organization_warnings`) with ``pulumi.log.warn``. Default:
    ``True``; the config layer reports them itself, with key paths, and turns this off."""


def _archive_account(arn: Optional[str]) -> Optional[str]:
    return rules.vault_arn_parts(arn)[1] if arn and rules.vault_arn(arn) is None else None


def _member_view(value: Any) -> Any:
    """The verdict with the stand-in account shown as ``$account`` (every member account)."""
    if isinstance(value, str):
        return value.replace(_VERDICT_ACCOUNT, "$account")
    if isinstance(value, list):
        return [_member_view(item) for item in value]
    if isinstance(value, dict):
        return {key: _member_view(item) for key, item in value.items()}
    return value


def organization_verdicts(args: Mapping[str, Any], archive_vault_arn: Optional[str]) -> dict[str, Any]:
    """The 3-2-1 verdict of each policy plan in each region it runs in, as a member account gets it,
    keyed ``<policy plan> (<region>)``: every selection of a plan has the plan's copies, so the
    verdict is the plan's, as in the per-account stacks (judged for the types all its selections,
    as the policy writes them, may select)."""
    result: dict[str, Any] = {}
    air_gapped = bool((args.get("archive") or {}).get("air_gapped", False))
    for index, plan in enumerate(args["plans"]):
        for policy_plan, regions in policy_plan_names(plan, args).items():
            for region in regions:
                # Judged for the resource types the plan may select, as a member account's stack would be.
                selected = selected_types(member_stack_args(args, region))[index]
                judged = plan_verdict(
                    member_rules(plan, region, args, archive_vault_arn, account=_VERDICT_ACCOUNT),
                    region=region,
                    account=_VERDICT_ACCOUNT,
                    vault_name=args["vault"]["name"],
                    resource_types=selected.types,
                    types_certain=selected.certain,
                    assumed=selected.assumed,
                    air_gapped_vaults=[archive_vault_arn] if archive_vault_arn and air_gapped else [],
                )
                result[f"{policy_plan} ({region})"] = _member_view(judged)
    return result


class OrganizationBackup(pulumi.ComponentResource):
    """Backup policies for the target OUs and the StackSet that prepares their accounts.

    Children, named from ``name``: ``aws.cloudformation.StackSet`` ``<name>-members`` (service-managed,
    automatic deployment, ``CAPABILITY_NAMED_IAM``) and one ``aws.cloudformation.StackSetInstance``
    ``<name>-members-<region>`` per region it deploys to, created one after the other, the role's
    region first (StackSets runs one operation per StackSet at a time); one
    ``aws.organizations.Policy`` ``<name>-<plan>`` (type ``BACKUP_POLICY``) per plan and one
    ``aws.organizations.PolicyAttachment`` ``<name>-<plan>-<target>`` per plan and target, both
    created and changed only once the member stacks are (AWS: the vault and the role must exist
    when the plan first runs); with the flags,
    ``aws.organizations.DelegatedAdministrator`` ``<name>-backup-delegated-admin`` and
    ``aws.backup.GlobalSettings`` ``<name>-backup-global-settings``. It looks nothing up.
    """

    policies: dict[str, aws.organizations.Policy]
    """Backup policies by plan name."""
    stack_set: aws.cloudformation.StackSet
    """The StackSet of the member resources."""
    instances: dict[str, aws.cloudformation.StackSetInstance]
    """StackSet instances by region."""
    effective_policy: pulumi.Output[dict[str, Any]]
    """The plans a member account gets from all the policies, as its effective policy shows them."""
    three_two_one: pulumi.Output[dict[str, Any]]
    """Per ``<policy plan> (<region>)``: the copies a member account keeps and whether they meet
    3-2-1 (``$account`` is the member account)."""

    def __init__(
        self,
        name: str,
        args: OrganizationBackupArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        management_account_id: Optional[str] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:OrganizationBackup", name, None, opts)
        archive = args.get("archive")
        known_arn = archive["vault_arn"] if archive and plain(archive["vault_arn"]) else None
        problems = organization_problems(args, management_account_id, known_arn)
        rules.raise_if_any("OrganizationBackup", name, [f"{path}: {violation}" for path, _, violation in problems])
        if args.get("log_warnings", True):
            for path, _, violation in organization_warnings(args, known_arn):
                pulumi.log.warn(f"{path}: {violation}", resource=self)
        archive_arn: pulumi.Output[Optional[str]] = pulumi.Output.from_input(archive["vault_arn"] if archive else None)

        def checked(arn: Optional[str]) -> Optional[str]:
            # An archive ARN from another stack is known only now: the same checks, at preview.
            if known_arn is None and arn is not None:
                late = organization_problems(args, management_account_id, arn)
                rules.raise_if_any("OrganizationBackup", name, [f"{path}: {v}" for path, _, v in late])
            return arn

        archive_arn = archive_arn.apply(checked)
        documents = archive_arn.apply(lambda arn: policy_documents(args, arn))
        tags = dict(args.get("tags") or {})
        stack_set = args.get("stack_set") or {}
        call_as = stack_set.get("call_as", "SELF")
        protect = args["vault"].get("protect", True)

        self.stack_set = aws.cloudformation.StackSet(
            f"{name}-members",
            name=stack_set.get("name", DEFAULT_STACK_SET_NAME),
            description="windows-server-backup: the vaults and role the organization's backup policies use",
            permission_model="SERVICE_MANAGED",
            auto_deployment=aws.cloudformation.StackSetAutoDeploymentArgs(
                enabled=True,
                retain_stacks_on_account_removal=stack_set.get("retain_stacks_on_account_removal", True),
            ),
            capabilities=["CAPABILITY_NAMED_IAM"],
            call_as=call_as,
            # The role's region first (instance_regions), in updates of every account's stacks. Automatic
            # deployment to a new account ignores operation preferences (StackSetOperationPreferences:
            # they "don't apply to AutoDeployment"); no other region's stack needs the role.
            operation_preferences=aws.cloudformation.StackSetOperationPreferencesArgs(
                **_preferences(stack_set), region_orders=instance_regions(args)
            ),
            template_body=archive_arn.apply(lambda arn: template_body(member_template(args, _archive_account(arn)))),
            tags=tags or None,
            # A service-managed StackSet with automatic deployment reads back an administration role
            # it was never given (hashicorp/terraform-provider-aws#23464): never a reason to update.
            opts=child_opts(self, ignore_changes=["administrationRoleArn"]),
        )

        targets = args["targets"]
        accounts = list(targets.get("account_ids") or [])
        self.instances = {}
        previous: Optional[pulumi.Resource] = None
        for region in instance_regions(args):
            instance = aws.cloudformation.StackSetInstance(
                f"{name}-members-{region}",
                stack_set_name=self.stack_set.name,
                stack_set_instance_region=region,
                call_as=call_as,
                deployment_targets=aws.cloudformation.StackSetInstanceDeploymentTargetsArgs(
                    organizational_unit_ids=list(targets["organizational_unit_ids"]),
                    accounts=accounts or None,
                    account_filter_type="INTERSECTION" if accounts else None,
                ),
                operation_preferences=aws.cloudformation.StackSetInstanceOperationPreferencesArgs(
                    **_preferences(stack_set)
                ),
                # Removing a region keeps its member stacks (and their vaults) unless protection is off.
                retain_stack=protect,
                # One operation per StackSet at a time: parallel creates fail with
                # OperationInProgressException (hashicorp/terraform-provider-aws#28675).
                opts=child_opts(self, depends_on=[previous] if previous else []),
            )
            self.instances[region] = instance
            previous = instance

        self.policies = {}
        prefix = args.get("policy_name_prefix", DEFAULT_POLICY_NAME_PREFIX)
        policy_targets = accounts or list(targets["organizational_unit_ids"])
        # AWS Backup needs the vaults and the role when a plan first runs: a policy (and each change of
        # it, which may name a new vault or region) reaches the member accounts only once the member
        # stacks are in place.
        member_stacks: list[pulumi.Resource] = [self.stack_set, *self.instances.values()]
        for plan in args["plans"]:
            plan_name = plan["name"]
            policy = aws.organizations.Policy(
                f"{name}-{plan_name}",
                name=f"{prefix}{plan_name}",
                type="BACKUP_POLICY",
                description=f"windows-server-backup plan {plan_name} (generated by the organization stack: change "
                "that, not this policy)",
                content=documents.apply(functools.partial(_content_of, plan_name)),
                tags=tags or None,
                opts=child_opts(self, depends_on=member_stacks),
            )
            self.policies[plan_name] = policy
            for target in policy_targets:
                aws.organizations.PolicyAttachment(
                    f"{name}-{plan_name}-{target}",
                    policy_id=policy.id,
                    target_id=target,
                    opts=child_opts(self, depends_on=member_stacks),
                )

        administrator = args.get("delegated_administrator_account_id")
        if administrator:
            aws.organizations.DelegatedAdministrator(
                f"{name}-backup-delegated-admin",
                account_id=administrator,
                service_principal=BACKUP_SERVICE_PRINCIPAL,
                opts=child_opts(self),
            )
        settings = args.get("backup_global_settings")
        if settings is not None:
            aws.backup.GlobalSettings(
                f"{name}-backup-global-settings", global_settings=global_settings(settings), opts=child_opts(self)
            )

        def merged(docs: Mapping[str, Any]) -> dict[str, Any]:
            plans: dict[str, Any] = {}
            for document in docs.values():
                plans.update(effective_policy(document)["plans"])
            return {"plans": plans}

        self.effective_policy = documents.apply(merged)
        self.three_two_one = archive_arn.apply(lambda arn: organization_verdicts(args, arn))
        self.register_outputs(
            {
                "policy_ids": {plan: policy.id for plan, policy in self.policies.items()},
                "stack_set_name": self.stack_set.name,
                "effective_policy": self.effective_policy,
                "three_two_one": self.three_two_one,
            }
        )


def _content_of(plan_name: str, documents: Mapping[str, Any]) -> str:
    return policy_content(documents[plan_name])


def _preferences(stack_set: Mapping[str, Any]) -> dict[str, Any]:
    """Operation preferences: AWS's defaults (tolerate 0 failures, 1 account at a time) unless set."""
    preferences: dict[str, Any] = {"region_concurrency_type": stack_set.get("region_concurrency", "SEQUENTIAL")}
    if stack_set.get("failure_tolerance_percentage") is not None:
        preferences["failure_tolerance_percentage"] = stack_set["failure_tolerance_percentage"]
    else:
        preferences["failure_tolerance_count"] = stack_set.get("failure_tolerance_count") or 0
    if stack_set.get("max_concurrent_percentage") is not None:
        preferences["max_concurrent_percentage"] = stack_set["max_concurrent_percentage"]
    else:
        preferences["max_concurrent_count"] = stack_set.get("max_concurrent_count") or 1
    return preferences


__all__ = [
    "BACKUP_SERVICE_PRINCIPAL",
    "DEFAULT_GLOBAL_SETTINGS",
    "DEFAULT_POLICY_NAME_PREFIX",
    "DEFAULT_STACK_SET_NAME",
    "MemberRoleSpec",
    "MemberVaultSpec",
    "OrgCrossRegionSpec",
    "OrgTargetsSpec",
    "OrgVssInstancesSpec",
    "OrganizationBackup",
    "OrganizationBackupArgs",
    "StackSetSpec",
    "organization_verdicts",
]
