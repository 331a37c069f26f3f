"""WindowsRestoreTesting: AWS Backup restores the Windows instances on a schedule, to prove it can.

A backup nobody has restored is a hope, not a backup. AWS Backup restore testing picks a
recovery point of each selected instance from the vault, restores it (into the default VPC
unless told otherwise), keeps it for the validation window, then deletes it, and records the
restore job (with its duration) for the restore job reports.
"""

import json
import re
from collections.abc import Mapping, Sequence
from typing import NotRequired, Optional, TypedDict

import pulumi
import pulumi_aws as aws

from . import rules
from ._types import TYPE_PREFIX, child_opts, plain
from .account import AccountFacts
from .restore_validation import RestoreValidationArgs, WindowsRestoreValidation
from .service_role import RESTORE_POLICY, managed_policy_arn, trust_policy

#: Restore testing plan and selection names. AWS Backup API, RestoreTestingPlanForCreate: the name
#: "must consist of only alphanumeric characters and underscores"; RestoreTestingSelectionForCreate:
#: the same, "Maximum length is 50"; the provider enforces 1-50. A '-' is refused (some Terraform
#: modules accept it; the provider and AWS do not).
RESTORE_TESTING_NAME = re.compile(r"^[0-9A-Za-z_]{1,50}$")
#: Characters AWS accepts in the key and value of a protected-resource tag condition.
_CONDITION_TEXT = re.compile(r"^[\w\s.:/=+\-@]*$")
ALGORITHMS = ("LATEST_WITHIN_WINDOW", "RANDOM_WITHIN_WINDOW")
DEFAULT_ALGORITHM = "LATEST_WITHIN_WINDOW"
DEFAULT_START_WINDOW_HOURS = 24
DEFAULT_SELECTION_WINDOW_DAYS = 30
DEFAULT_SELECTION_NAME = "windows_ec2"
WINDOW_HOURS_MAX = 168
SELECTION_WINDOW_DAYS_MAX = 365
#: Restore metadata an EC2 restore test may override, spelt as AWS Backup's guide spells them
#: ("Restore testing inferred metadata", the Amazon EC2 row: iamInstanceProfileName (null or
#: UseBackedUpValue), instanceType, requireImdsV2, securityGroupIds, subnetId); "key values are not
#: case sensitive", so ``InstanceType`` works too. (Older copies of the page listed vpcId instead
#: of iamInstanceProfileName.)
EC2_OVERRIDABLE_METADATA = ("iamInstanceProfileName", "instanceType", "requireImdsV2", "securityGroupIds", "subnetId")
#: The values the instance profile override accepts (same page): none, or the backed-up instance's.
INSTANCE_PROFILE_VALUES = ("null", "UseBackedUpValue")
KEEP_INSTANCE_PROFILE = "UseBackedUpValue"
#: Instance type restored Windows instances get unless told otherwise: 2 vCPUs and 8 GiB boot
#: Windows Server and its services comfortably, and it is no size VSS cannot back up (AWS Backup
#: guide, "Create Windows VSS backups", "Unsupported Amazon EC2 instances"). Without an override
#: AWS restores the backed-up instance's own type, whatever it is.
DEFAULT_INSTANCE_TYPE = "t3.large"
#: Restore metadata overrides used when none are given.
DEFAULT_RESTORE_METADATA_OVERRIDES = {"instanceType": DEFAULT_INSTANCE_TYPE}
#: Validation window used when validation is on and no window is given: time for a restored
#: instance's first boot (its volumes load from snapshots) and the checks.
DEFAULT_VALIDATION_WINDOW_HOURS = 4
INSTANCE_TYPE = re.compile(r"^[a-z][a-z0-9-]*\.[a-z0-9-]+$")
#: A vault a restore testing plan takes recovery points from: a vault ARN in which ``*`` may stand
#: for region, account or part of the name (botocore, RestoreTestingRecoveryPointSelection:
#: "wildcard ["*"] or by specific ARNs or ARN wilcard replacement").
VAULT_SELECTOR = re.compile(
    r"^arn:aws[a-z-]*:backup:(?P<region>[a-z0-9-]+|\*):(?P<account>\d{12}|\*):backup-vault:(?P<name>[a-zA-Z0-9\-_*]{1,50})$"
)
#: A security group ID, ``sg-`` and 8 or 17 hex digits.
SECURITY_GROUP_ID = re.compile(r"^sg-(?:[0-9a-f]{8}|[0-9a-f]{17})$")
#: ``requireImdsV2`` takes a boolean, written as text (overrides are a map of strings).
BOOLEAN_TEXT = ("true", "false")
SUBNET_ID = re.compile(r"^subnet-(?:[0-9a-f]{8}|[0-9a-f]{17})$")


def restore_testing_name(value: str) -> Optional[rules.Violation]:
    """Restore testing plan and selection names: 1-50 letters, digits and underscores."""
    if RESTORE_TESTING_NAME.fullmatch(value):
        return None
    suggestion = re.sub(r"[^0-9A-Za-z_]", "_", value)[:50] or "windows_restore_test"
    return rules.Violation(
        "a restore testing name must be 1-50 letters, digits or '_' (no '-' or '.')",
        f"e.g. {suggestion!r}",
    )


def start_window_hours(hours: int) -> Optional[rules.Violation]:
    """Hours a scheduled restore test may wait to start: 1-168 (a week)."""
    if 1 <= hours <= WINDOW_HOURS_MAX:
        return None
    return rules.Violation(
        f"a restore test's start window must be 1-{WINDOW_HOURS_MAX} hours",
        f"use e.g. {DEFAULT_START_WINDOW_HOURS} (the AWS default)",
    )


def selection_window_days(days: int) -> Optional[rules.Violation]:
    """How far back a restore test looks for a recovery point: 1-365 days."""
    if 1 <= days <= SELECTION_WINDOW_DAYS_MAX:
        return None
    return rules.Violation(
        f"a restore test picks recovery points from the last 1-{SELECTION_WINDOW_DAYS_MAX} days",
        f"use e.g. {DEFAULT_SELECTION_WINDOW_DAYS} (the AWS default)",
    )


def validation_window_hours(hours: int, validating: bool = False) -> Optional[rules.Violation]:
    """Hours a restored instance is kept for validation before AWS Backup deletes it: 0-168
    (botocore's ``RestoreTestingSelectionForCreate.ValidationWindowHours``: "0 to 168"); at least
    1 when this project's validation runs in that window."""
    if validating and hours == 0:
        return rules.Violation(
            "the validation runs inside the restored instance during this window, so it needs at least 1 hour",
            f"use 1-{WINDOW_HOURS_MAX} hours, or leave it out for {DEFAULT_VALIDATION_WINDOW_HOURS}",
        )
    if 0 <= hours <= WINDOW_HOURS_MAX:
        return None
    return rules.Violation(
        f"a restore test's validation window must be 0-{WINDOW_HOURS_MAX} hours",
        "use the hours your validation needs, or leave it out to delete the restored instance at once",
    )


def algorithm(value: str) -> Optional[rules.Violation]:
    """Which recovery point a restore test takes: the latest, or a random one, within the window."""
    if value in ALGORITHMS:
        return None
    return rules.Violation(
        f"the recovery point algorithm must be one of {list(ALGORITHMS)}", "use LATEST_WITHIN_WINDOW"
    )


def vault_selector(value: str) -> Optional[rules.Violation]:
    """A vault whose recovery points a restore test may take: ``*`` (every vault), or a vault ARN in
    which ``*`` may stand for the region, the account or part of the name."""
    if value == "*" or VAULT_SELECTOR.fullmatch(value):
        return None
    return rules.Violation(
        "a restore test takes recovery points from vaults named by ARN "
        "(arn:aws:backup:<region>:<account>:backup-vault:<name>, '*' allowed in each part) or '*' for every vault",
        "copy the vault's ARN from `aws backup list-backup-vaults`",
    )


def instance_type(value: str) -> Optional[rules.Violation]:
    """An EC2 instance type such as ``m5.large``, and none of the sizes VSS cannot back up."""
    if not INSTANCE_TYPE.fullmatch(value):
        return rules.Violation(
            "an EC2 instance type looks like 'm5.large'", "write the family and size, e.g. 't3.large'"
        )
    if value in rules.VSS_UNSUPPORTED_INSTANCE_TYPES:
        # AWS Backup guide, "Create Windows VSS backups": these are too small for VSS.
        return rules.Violation(
            f"{value} is one of the instance types AWS documents as too small for Windows VSS "
            f"({', '.join(rules.VSS_UNSUPPORTED_INSTANCE_TYPES)})",
            f"restore tests of Windows servers into e.g. {DEFAULT_INSTANCE_TYPE!r}",
        )
    return None


def instance_profile(value: str) -> Optional[rules.Violation]:
    """The instance profile override: ``null`` (none) or ``UseBackedUpValue`` (the backed-up one)."""
    if value in INSTANCE_PROFILE_VALUES:
        return None
    return rules.Violation(
        f"restore testing accepts only {list(INSTANCE_PROFILE_VALUES)} for the instance profile",
        f"use {KEEP_INSTANCE_PROFILE!r} to keep the instance's own profile",
    )


def _vpc_id(value: str, pattern: re.Pattern[str], what: str, example: str, listing: str) -> Optional[rules.Violation]:
    if pattern.fullmatch(value):
        return None
    return rules.Violation(f"a {what} ID looks like {example!r}", f"copy the ID from the VPC console or `{listing}`")


def subnet_id(value: str) -> Optional[rules.Violation]:
    """A subnet ID, ``subnet-`` and 8 or 17 hex digits."""
    return _vpc_id(value, SUBNET_ID, "subnet", "subnet-0123456789abcdef0", "aws ec2 describe-subnets")


def security_group_id(value: str) -> Optional[rules.Violation]:
    """A security group ID, ``sg-`` and 8 or 17 hex digits."""
    return _vpc_id(
        value, SECURITY_GROUP_ID, "security group", "sg-0123456789abcdef0", "aws ec2 describe-security-groups"
    )


def security_group_ids(value: str) -> Optional[rules.Violation]:
    """``securityGroupIds``: a JSON array of security group IDs, written as a string. AWS Backup
    guide, "Restore testing inferred metadata": "override values that represent lists (such as ...
    securityGroupIds ...) must be specified as JSON-array-encoded strings"."""
    try:
        groups = json.loads(value)
    except ValueError:
        groups = None
    if (
        not isinstance(groups, list)
        or not groups
        or not all(isinstance(g, str) and not security_group_id(g) for g in groups)
    ):
        return rules.Violation(
            "security groups are a JSON array of IDs written as a string, e.g. '[\"sg-0123456789abcdef0\"]'",
            "list the groups' IDs (`aws ec2 describe-security-groups`), JSON-encoded",
        )
    return None


def require_imds_v2(value: str) -> Optional[rules.Violation]:
    """``requireImdsV2``: ``true`` or ``false``, as text."""
    if value.lower() in BOOLEAN_TEXT:
        return None
    return rules.Violation(
        "requireImdsV2 is 'true' or 'false'", "write 'true' (AWS Backup's inferred value) or 'false'"
    )


_METADATA_CHECKS = {
    "instancetype": instance_type,
    "subnetid": subnet_id,
    "iaminstanceprofilename": instance_profile,
    "securitygroupids": security_group_ids,
    "requireimdsv2": require_imds_v2,
}


def restore_metadata_overrides(overrides: Mapping[str, str]) -> Optional[rules.Violation]:
    """The values of the EC2 restore metadata keys AWS documents as overridable (keys compared
    without case, as AWS reads them). Other keys are not refused: see :func:`unlisted_metadata`."""
    for key, value in overrides.items():
        check = _METADATA_CHECKS.get(key.lower())
        problem = check(value) if check else None
        if problem:
            return rules.Violation(f"{key}: {problem.rule}", problem.fix)
    return None


def unlisted_metadata(overrides: Mapping[str, str]) -> list[str]:
    """Warnings for override keys outside :data:`EC2_OVERRIDABLE_METADATA`. Not errors: the copies
    of AWS's page disagree (one lists ``vpcId``, another ``iamInstanceProfileName`` instead), so a
    key missing from this program's list may still be one AWS Backup takes."""
    allowed = {key.lower() for key in EC2_OVERRIDABLE_METADATA}
    return [
        f"{key!r} is not among the EC2 restore metadata keys AWS's guide lists as overridable "
        f"({', '.join(EC2_OVERRIDABLE_METADATA)}; one copy of the page also lists vpcId): it is sent as given, "
        "and AWS Backup may refuse the restore test or ignore the key"
        for key in overrides
        if key.lower() not in allowed
    ]


def selection_tags(tags: Mapping[str, str]) -> Optional[rules.Violation]:
    """Tag conditions of the selection: at least one; keys 1-128 and values 0-256 characters of
    letters, digits, spaces and ``_.:/=+-@``; keys not AWS's own ``aws:`` tags."""
    if not tags:
        return rules.Violation(
            "a restore test needs a tag to find the instances to restore",
            "pass the selection tag of the Windows VSS plan, e.g. {'alk:backup': 'windows-weekly-ec2-vss'}",
        )
    for key, value in tags.items():
        if not 1 <= len(key) <= rules.TAG_KEY_MAX or len(value) > rules.TAG_VALUE_MAX:
            return rules.Violation(
                f"tag {key!r}: a tag key is 1-{rules.TAG_KEY_MAX} characters and a value at most {rules.TAG_VALUE_MAX}",
                "shorten it",
            )
        if key.lower().startswith("aws:"):
            return rules.Violation(
                f"tag {key!r}: restore testing cannot select by AWS's own 'aws:' tags", "use your own tag"
            )
        if not (_CONDITION_TEXT.fullmatch(key) and _CONDITION_TEXT.fullmatch(value)):
            return rules.Violation(
                f"tag {key!r}: restore testing conditions accept only letters, digits, spaces and '_.:/=+-@' "
                "(no wildcards)",
                "select the instances by a tag written with those characters",
            )
    return None


def tag_conditions(tags: Mapping[str, str]) -> list[dict[str, str]]:
    """``StringEquals`` conditions on the resources' tags, in key order."""
    return [{"key": f"aws:ResourceTag/{key}", "value": value} for key, value in sorted(tags.items())]


class RestoreValidationSpec(TypedDict):
    """In-guest validation of the restored instances (see :class:`WindowsRestoreValidation`)."""

    region: str
    """The stack's region (where the restore testing plan is)."""
    instance_role_arns: Sequence[pulumi.Input[str]]
    """Roles of the instance profiles the backed-up instances carry. Validation restores each
    instance with its own profile (so it answers SSM), and AWS Backup needs ``iam:PassRole`` on
    its role to do that: the restore role gets exactly these."""
    required_services: NotRequired[Sequence[str]]
    """Windows services that must be running on the restored instance. Default: none."""
    check_malware_scan: NotRequired[bool]
    """Fail a restore whose recovery point's latest malware scan found malware. Default: ``False``."""
    malware_scan_mode: NotRequired[str]
    """How the plans scan (``INCREMENTAL_SCAN`` or ``FULL_SCAN``), said with a clean result.
    Default: ``INCREMENTAL_SCAN``."""
    log_retention_days: NotRequired[int]
    """Days the validation function's log is kept. Default: 30."""


class WindowsRestoreTestingArgs(TypedDict):
    """Arguments of :class:`WindowsRestoreTesting`."""

    name: str
    """Restore testing plan name, 1-50 letters, digits or '_'. AWS cannot rename a restore testing
    plan: changing it replaces the plan and its selection (restore history stays in the jobs)."""
    schedule: str
    """When tests start: ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, e.g.
    ``cron(0 6 ? * MON *)``."""
    vault_arn: NotRequired[pulumi.Input[str]]
    """The vault whose recovery points are tested. Required unless ``include_vaults``."""
    include_vaults: NotRequired[Sequence[pulumi.Input[str]]]
    """Vaults whose recovery points are tested: vault ARNs (``*`` may stand for part of one) or
    ``"*"`` for every vault of the account. A restore test runs in its plan's account and region.
    Default: ``[vault_arn]``."""
    exclude_vaults: NotRequired[Sequence[pulumi.Input[str]]]
    """Vaults to leave out, written as in ``include_vaults``. Default: none."""
    selection_tags: Mapping[str, str]
    """Instances to test: tag key to value, every pair must match (e.g. the Windows VSS plan's
    selection tag ``{"alk:backup": "windows-weekly-ec2-vss"}``)."""
    schedule_timezone: NotRequired[Optional[str]]
    """IANA time zone the schedule is read in. Default: UTC (sent as no value)."""
    start_window_hours: NotRequired[int]
    """Hours a test may wait to start, 1-168. Default: 24."""
    algorithm: NotRequired[str]
    """Which recovery point is restored: ``LATEST_WITHIN_WINDOW`` or ``RANDOM_WITHIN_WINDOW``
    (checked). Default: ``LATEST_WITHIN_WINDOW``."""
    selection_window_days: NotRequired[int]
    """Recovery points from the last this many days are candidates, 1-365. Default: 30."""
    selection_name: NotRequired[str]
    """Name of the EC2 selection, 1-50 letters, digits or '_'. Default: ``windows_ec2``."""
    validation_window_hours: NotRequired[Optional[int]]
    """Hours the restored instance is kept for validation, 0-168. Default: 4 with ``validation``,
    else none (deleted as soon as the restore job completes)."""
    restore_metadata_overrides: NotRequired[Optional[Mapping[str, str]]]
    """EC2 restore metadata to override, e.g. ``{"instanceType": "m5.large", "subnetId":
    "subnet-...", "securityGroupIds": "[\"sg-...\"]", "requireImdsV2": "true"}`` (the keys of
    :data:`EC2_OVERRIDABLE_METADATA` are checked; another key is sent with a warning); ``{}`` for
    none (AWS then infers them: the original instance type, the default VPC and its default
    security group). Default: :data:`DEFAULT_RESTORE_METADATA_OVERRIDES` (instance type
    ``t3.large``). With ``validation``, ``iamInstanceProfileName: UseBackedUpValue`` is added."""
    validation: NotRequired[Optional[RestoreValidationSpec]]
    """Check inside each restored instance and report the verdict to AWS Backup. Default: none."""
    tags: NotRequired[dict[str, str]]
    """Tags for the plan and the role. Default: none."""
    log_warnings: NotRequired[bool]
    """Log settings that deploy but may not do what they say (override keys AWS's guide does not
    list) with ``pulumi.log.warn``. Default: ``True``; the config layer reports them itself."""


class WindowsRestoreTesting(pulumi.ComponentResource):
    """A restore testing plan for the vault's EC2 snapshots, its EC2 selection, and its own role.

    Children, named from ``name``: ``aws.iam.Role`` ``<name>-role`` (AWS Backup, for this
    account only) with exactly AWSBackupServiceRolePolicyForRestores through
    ``aws.iam.RolePolicyAttachmentsExclusive`` ``<name>-role-policies``,
    ``aws.backup.RestoreTestingPlan`` ``<name>-plan`` (snapshot recovery points of the included vaults)
    and ``aws.backup.RestoreTestingSelection`` ``<name>-selection`` (EC2 instances carrying the
    selection tags). The role is separate from the backup role so that restores, which create
    and delete instances, never need the backup policy and vice versa. With ``validation``: the
    role's inline policy ``<name>-role-pass-instance-roles`` (``iam:PassRole`` on the instance
    roles, to EC2 only) and :class:`WindowsRestoreValidation` ``<name>-validation``.
    """

    plan_name: pulumi.Output[str]
    """Name of the restore testing plan."""
    plan_arn: pulumi.Output[str]
    """ARN of the restore testing plan."""
    role_arn: pulumi.Output[str]
    """ARN of the role AWS Backup restores with."""
    validation: Optional[WindowsRestoreValidation]
    """The restore validation, when asked for."""

    def __init__(
        self,
        name: str,
        args: WindowsRestoreTestingArgs,
        opts: Optional[pulumi.ResourceOptions] = None,
        *,
        account: Optional[AccountFacts] = None,
    ) -> None:
        super().__init__(f"{TYPE_PREFIX}:WindowsRestoreTesting", name, None, opts)
        timezone = args.get("schedule_timezone")
        start_hours = args.get("start_window_hours", DEFAULT_START_WINDOW_HOURS)
        choice = args.get("algorithm", DEFAULT_ALGORITHM)
        window_days = args.get("selection_window_days", DEFAULT_SELECTION_WINDOW_DAYS)
        selection_name = args.get("selection_name", DEFAULT_SELECTION_NAME)
        validation = args.get("validation")
        validation_hours = args.get("validation_window_hours")
        if validation is not None and validation_hours is None:
            validation_hours = DEFAULT_VALIDATION_WINDOW_HOURS
        given = args.get("restore_metadata_overrides")
        overrides = dict(DEFAULT_RESTORE_METADATA_OVERRIDES if given is None else given)
        tags = args.get("tags") or {}
        validation_problems = _validation_problems(validation, overrides) if validation is not None else {}
        include = list(args.get("include_vaults") or ([args["vault_arn"]] if "vault_arn" in args else []))
        exclude = list(args.get("exclude_vaults") or [])
        selector_checks = {
            f"{key}[{index}]": vault_selector(value)
            for key, values in (("include_vaults", args.get("include_vaults") or []), ("exclude_vaults", exclude))
            for index, value in enumerate(values)
            if isinstance(value, str)
        }
        lines = rules.problems(selector_checks)
        if not include:
            lines.append(
                "include_vaults: a restore test needs a vault to take recovery points from. Fix: give vault_arn."
            )
        rules.raise_if_any(
            "WindowsRestoreTesting",
            name,
            lines
            + rules.problems(
                {
                    "name": restore_testing_name(args["name"]),
                    "schedule": rules.schedule(args["schedule"]),
                    "schedule_timezone": rules.timezone(timezone) if timezone else None,
                    "start_window_hours": start_window_hours(start_hours),
                    "algorithm": algorithm(choice),
                    "selection_window_days": selection_window_days(window_days),
                    "selection_name": restore_testing_name(selection_name),
                    "selection_tags": selection_tags(args["selection_tags"]),
                    "validation_window_hours": (
                        validation_window_hours(validation_hours, validating=validation is not None)
                        if validation_hours is not None
                        else None
                    ),
                    "restore_metadata_overrides": restore_metadata_overrides(overrides),
                    "vault_arn": rules.vault_arn(args["vault_arn"])
                    if "vault_arn" in args and plain(args["vault_arn"])
                    else None,
                    "tags": rules.tags(tags),
                    **validation_problems,
                }
            ),
        )
        if args.get("log_warnings", True):
            for warning in unlisted_metadata(overrides):
                pulumi.log.warn(f"restore_metadata_overrides: {warning}", resource=self)
        if validation is not None:
            # Validation talks to the instance through SSM, which needs its instance profile.
            overrides = {k: v for k, v in overrides.items() if k.lower() != "iaminstanceprofilename"}
            overrides["iamInstanceProfileName"] = KEEP_INSTANCE_PROFILE

        account = account or AccountFacts.lookup(self)
        role = aws.iam.Role(
            f"{name}-role",
            assume_role_policy=account.account_id.apply(trust_policy),
            tags=tags or None,
            opts=child_opts(self),
        )
        aws.iam.RolePolicyAttachmentsExclusive(
            f"{name}-role-policies",
            role_name=role.name,
            policy_arns=account.partition.apply(lambda partition: [managed_policy_arn(partition, RESTORE_POLICY)]),
            opts=child_opts(self),
        )
        if validation is not None:
            aws.iam.RolePolicy(
                f"{name}-role-pass-instance-roles",
                role=role.id,
                policy=pulumi.Output.all(*validation["instance_role_arns"]).apply(pass_instance_roles_policy),
                opts=child_opts(self),
            )
        plan = aws.backup.RestoreTestingPlan(
            f"{name}-plan",
            name=args["name"],
            schedule_expression=args["schedule"],
            schedule_expression_timezone=timezone,
            start_window_hours=start_hours,
            recovery_point_selection=aws.backup.RestoreTestingPlanRecoveryPointSelectionArgs(
                algorithm=choice,
                include_vaults=include,
                exclude_vaults=exclude or None,
                # Snapshots only: EC2 has no continuous (point-in-time) recovery points.
                recovery_point_types=["SNAPSHOT"],
                selection_window_days=window_days,
            ),
            tags=tags or None,
            opts=child_opts(self),
        )
        aws.backup.RestoreTestingSelection(
            f"{name}-selection",
            name=selection_name,
            restore_testing_plan_name=plan.name,
            protected_resource_type="EC2",
            # "*" with conditions: every EC2 instance protected in the vault that carries the tags.
            protected_resource_arns=["*"],
            protected_resource_conditions=aws.backup.RestoreTestingSelectionProtectedResourceConditionsArgs(
                string_equals=[
                    aws.backup.RestoreTestingSelectionProtectedResourceConditionsStringEqualArgs(**condition)
                    for condition in tag_conditions(args["selection_tags"])
                ],
            ),
            iam_role_arn=role.arn,
            validation_window_hours=validation_hours,
            restore_metadata_overrides=overrides or None,
            opts=child_opts(self),
        )
        self.validation = None
        if validation is not None:
            validation_args: RestoreValidationArgs = {
                "region": validation["region"],
                "restore_testing_plan_arn": plan.arn,
                "validation_window_hours": validation_hours,  # type: ignore[typeddict-item]
                "required_services": list(validation.get("required_services") or []),
                "check_malware_scan": validation.get("check_malware_scan", False),
                "tags": tags,
            }
            if "log_retention_days" in validation:
                validation_args["log_retention_days"] = validation["log_retention_days"]
            if "malware_scan_mode" in validation:
                validation_args["malware_scan_mode"] = validation["malware_scan_mode"]
            self.validation = WindowsRestoreValidation(
                f"{name}-validation", validation_args, child_opts(self), account=account
            )
        self.plan_name = plan.name
        self.plan_arn = plan.arn
        self.role_arn = role.arn
        self.register_outputs({"plan_name": self.plan_name, "plan_arn": self.plan_arn, "role_arn": self.role_arn})


def pass_instance_roles_policy(role_arns: Sequence[str]) -> str:
    """The restore role may pass the instances' own roles, to EC2 only: restoring an instance with
    its backed-up instance profile needs ``iam:PassRole`` on the profile's role (AWS re:Post
    Knowledge Center, "aws-backup-encoded-authorization-failure")."""
    return json.dumps(
        {
            "Version": "2012-10-17",
            "Statement": [
                {
                    "Sid": "PassInstanceRolesToRestoredInstances",
                    "Effect": "Allow",
                    "Action": "iam:PassRole",
                    "Resource": sorted(set(role_arns)),
                    "Condition": {"StringEquals": {"iam:PassedToService": "ec2.amazonaws.com"}},
                }
            ],
        },
        indent=2,
    )


def _validation_problems(
    validation: RestoreValidationSpec, overrides: Mapping[str, str]
) -> dict[str, Optional[rules.Violation]]:
    """What validation needs from the rest of the restore test: the instance profile, and its role."""
    problems: dict[str, Optional[rules.Violation]] = {}
    profile = next((v for k, v in overrides.items() if k.lower() == "iaminstanceprofilename"), None)
    if profile is not None and profile != KEEP_INSTANCE_PROFILE:
        problems["restore_metadata_overrides.iamInstanceProfileName"] = rules.Violation(
            "validation reaches the restored instance through SSM, which needs the instance's own profile",
            f"leave the key out (validation sets {KEEP_INSTANCE_PROFILE!r}) or turn validation off",
        )
    if not validation["instance_role_arns"]:
        problems["validation.instance_role_arns"] = rules.Violation(
            "validation restores each instance with its own instance profile, and AWS Backup may pass its "
            "role only when the restore role allows iam:PassRole on it",
            "name the role of the instances' profile (the VSS instance role when the stack creates it)",
        )
    return problems


__all__ = [
    "ALGORITHMS",
    "DEFAULT_ALGORITHM",
    "DEFAULT_INSTANCE_TYPE",
    "DEFAULT_RESTORE_METADATA_OVERRIDES",
    "DEFAULT_SELECTION_NAME",
    "DEFAULT_SELECTION_WINDOW_DAYS",
    "DEFAULT_START_WINDOW_HOURS",
    "DEFAULT_VALIDATION_WINDOW_HOURS",
    "EC2_OVERRIDABLE_METADATA",
    "KEEP_INSTANCE_PROFILE",
    "RestoreValidationSpec",
    "WindowsRestoreTesting",
    "WindowsRestoreTestingArgs",
    "algorithm",
    "instance_profile",
    "instance_type",
    "pass_instance_roles_policy",
    "require_imds_v2",
    "restore_metadata_overrides",
    "restore_testing_name",
    "security_group_id",
    "security_group_ids",
    "selection_tags",
    "selection_window_days",
    "start_window_hours",
    "subnet_id",
    "tag_conditions",
    "unlisted_metadata",
    "validation_window_hours",
    "vault_selector",
]
