"""Checks of an organization stack before anything is registered: what the backup policies name
must be what the StackSet creates, in every region the policies reach, and both must be
expressible in AWS's syntax. Plain values in, ``(path, value, violation)`` problems out.

Used by :class:`components.OrganizationBackup` and by the config layer, which maps the paths to
the stack file's keys. Every rule of the per-account stacks applies too: each backed-up region is
checked as the per-account stack of a member account would be (:func:`member_stack_args`).

Sources: botocore's ``organizations`` and ``cloudformation`` models (ID patterns;
``StackSetOperationPreferences``: a count or a percentage, not both, and in the default
``STRICT_FAILURE_TOLERANCE`` mode "MaxConcurrentCount is at most one more than the
FailureToleranceCount"; ``DeploymentTargets``: StackSets never deploy to the management account,
at most 50 OUs per operation), the AWS Organizations User Guide ("Backup policy syntax and
examples", "Quotas and service limits for AWS Organizations") and the AWS Backup API reference
("UpdateGlobalSettings": only the management account may call it).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any, Optional

from . import rules
from .global_settings import GLOBAL_SETTINGS
from .org_policy import generated_plans, policy_documents, policy_plan_names, utc_schedule
from .org_policy_syntax import MAX_POLICIES_PER_TARGET, is_resource_type, policy_content, policy_problems
from .org_template import (
    DEFAULT_VSS_INSTANCE_ROLE,
    member_template,
    template_body,
    template_size_problem,
    vss_instances_on,
)
from .regions import partition_of
from .stack_checks import CROSS_REGION, StackProblem, stack_problems, stack_warnings

#: ``OrganizationalUnitIds`` items (botocore ``cloudformation`` ``DeploymentTargets``): an OU or the root.
OU_OR_ROOT = re.compile(r"ou-[a-z0-9]{4,32}-[a-z0-9]{8,32}|r-[a-z0-9]{4,32}")
ROOT = re.compile(r"r-[a-z0-9]{4,32}")
#: StackSet names: "alphanumeric characters (case-sensitive) and hyphens. It must start with an
#: alphabetic character and cannot be longer than 128 characters" (pulumi-aws ``StackSet.name``).
STACK_SET_NAME = re.compile(r"[a-zA-Z][-a-zA-Z0-9]{0,127}")
#: "The maximum number of organizational units (OUs) supported by a ... operation is 50."
MAX_OUS_PER_OPERATION = 50
CALL_AS = ("SELF", "DELEGATED_ADMIN")
REGION_CONCURRENCY = ("SEQUENTIAL", "PARALLEL")


def organizational_unit_id(value: str) -> Optional[rules.Violation]:
    """An OU (``ou-ab12-cd34ef56``) or root (``r-ab12``) ID, as StackSets' ``OrganizationalUnitIds`` take them."""
    if OU_OR_ROOT.fullmatch(value):
        return None
    return rules.Violation(
        "an OU ID looks like 'ou-ab12-cd34ef56', the root's like 'r-ab12'",
        "copy the ID from the AWS Organizations console",
    )


def stack_set_name(value: str) -> Optional[rules.Violation]:
    """A StackSet name: up to 128 letters, digits and hyphens, starting with a letter."""
    if STACK_SET_NAME.fullmatch(value):
        return None
    return rules.Violation(
        "a StackSet name is up to 128 letters, digits and hyphens, starting with a letter",
        "e.g. 'windows-server-backup-member'",
    )


def member_break_glass_arn() -> rules.Violation:
    """Why the member vaults take no break-glass role ARN (shared with the config layer)."""
    return rules.Violation(
        "a role ARN names one account, and every member account's vault would name that account's role, which "
        "cannot act in the member accounts",
        "give vault.break_glass_role_name: the member vaults name the role of that name in their own account",
    )


def _problem(path: str, value: Any, rule: str, fix: str) -> StackProblem:
    return (path, value, rules.Violation(rule, fix))


def member_stack_args(args: Mapping[str, Any], region: str) -> dict[str, Any]:
    """What a per-account stack of a member account in ``region`` would get: the same vault, plans,
    copies and locks (:class:`components.WindowsServerBackupArgs`-shaped, for ``stack_problems``)."""
    vault = args["vault"]
    cross_region = args.get(CROSS_REGION)
    member: dict[str, Any] = {
        "region": region,
        "vault": {"name": vault["name"], "kms_key_arn": None, "lock": vault.get("lock")},
        "create_vault_key": vault.get("create_kms_key", False),
        # The selections as the policies write them: that is what the member accounts back up.
        "plans": generated_plans(args),
        "archive": args.get("archive"),
        "tags": args.get("tags") or {},
    }
    if cross_region and region in cross_region["copy_regions"]:
        member[CROSS_REGION] = {**cross_region, "region": cross_region["copy_regions"][region]}
    return member


def _regions(args: Mapping[str, Any]) -> list[StackProblem]:
    found: list[StackProblem] = []
    regions = list(args["regions"])
    if not regions:
        found.append(_problem("regions", [], "the policies back up no region", "list the regions to back up"))
    for index, region in enumerate(regions):
        violation = rules.aws_region(region)
        if violation:
            found.append((f"regions[{index}]", region, violation))
        elif regions.index(region) != index:
            found.append(_problem(f"regions[{index}]", region, "the region is listed twice", "list it once"))
    partitions = sorted({p for p in map(partition_of, regions) if p})
    if len(partitions) > 1:
        found.append(
            _problem(
                "regions",
                regions,
                f"an organization lives in one partition, and these regions span {', '.join(partitions)}",
                "keep the regions of one partition",
            )
        )
    cross_region = args.get(CROSS_REGION)
    if cross_region:
        copy_regions = dict(cross_region["copy_regions"])
        for region in regions:
            if region not in copy_regions:
                found.append(
                    _problem(
                        f"{CROSS_REGION}.copy_regions",
                        copy_regions,
                        f"rules copy to another region, and {region} (backed up) has no copy region",
                        f"add '{region}: <another region>'",
                    )
                )
        for source, destination in copy_regions.items():
            at = f"{CROSS_REGION}.copy_regions.{source}"
            if source not in regions:
                found.append(
                    _problem(
                        at, destination, f"{source} is not a backed-up region", f"remove it, or add {source} to regions"
                    )
                )
            violation = rules.aws_region(destination)
            if violation:
                found.append((at, destination, violation))
            elif destination == source:
                found.append(
                    _problem(
                        at,
                        destination,
                        "a cross-region copy must go to another region than the one backed up",
                        "choose a second region",
                    )
                )
        if cross_region["vault_name"] == args["vault"]["name"]:
            found.append(
                _problem(
                    f"{CROSS_REGION}.vault_name",
                    cross_region["vault_name"],
                    "a region that is backed up and receives copies would get two vaults of this name",
                    "give the copy vault another name, e.g. 'backup-copies'",
                )
            )
    home = args.get("role_region")
    if not home:
        found.append(
            _problem(
                "role_region",
                home,
                "the member stacks of one region create the role (IAM is global), and that region must never "
                "change once deployed, so it is not taken from the order of regions",
                "give the region this stack deploys from, e.g. role_region='us-east-1'",
            )
        )
    elif violation := rules.aws_region(home):
        found.append(("role_region", home, violation))
    elif partitions and partition_of(home) not in partitions:
        found.append(
            _problem(
                "role_region",
                home,
                f"the role's region is in partition {partition_of(home)}, and the backed-up regions in "
                f"{', '.join(partitions)}",
                "use a region of the backed-up regions' partition",
            )
        )
    return found


def _targets(
    args: Mapping[str, Any], management_account_id: Optional[str], archive_account_id: Optional[str]
) -> list[StackProblem]:
    targets = args["targets"]
    units = list(targets.get("organizational_unit_ids") or [])
    found: list[StackProblem] = []
    if not units:
        found.append(
            _problem(
                "targets.organizational_unit_ids",
                [],
                "service-managed StackSets deploy to OUs (or the root), so the member resources need at least one",
                "list the OUs whose accounts are backed up, e.g. ['ou-ab12-cd34ef56']",
            )
        )
    if len(units) > MAX_OUS_PER_OPERATION:
        found.append(
            _problem(
                "targets.organizational_unit_ids",
                len(units),
                f"a StackSet operation takes at most {MAX_OUS_PER_OPERATION} OUs",
                "target their parent OUs instead",
            )
        )
    for index, unit in enumerate(units):
        violation = organizational_unit_id(unit)
        if violation:
            found.append((f"targets.organizational_unit_ids[{index}]", unit, violation))
    for index, account in enumerate(targets.get("account_ids") or []):
        at = f"targets.account_ids[{index}]"
        violation = rules.account_id(account)
        if violation:
            found.append((at, account, violation))
        elif account == management_account_id:
            found.append(
                _problem(
                    at,
                    account,
                    "this is the management account, and service-managed StackSets never deploy to it, so its "
                    "backup plans would find no vault and no role",
                    "remove it and back it up with a per-account stack",
                )
            )
        elif account == archive_account_id:
            found.append(
                _problem(
                    at,
                    account,
                    "this is the archive account: its copies must survive the loss of the backed-up accounts",
                    "remove it from the targets",
                )
            )
    return found


def _stack_set(args: Mapping[str, Any]) -> list[StackProblem]:
    stack_set = args.get("stack_set") or {}
    found: list[StackProblem] = []
    name = stack_set.get("name")
    violation = stack_set_name(name) if name is not None else None
    if violation:
        found.append(("stack_set.name", name, violation))
    if stack_set.get("call_as", "SELF") not in CALL_AS:
        found.append(
            _problem("stack_set.call_as", stack_set.get("call_as"), f"one of {CALL_AS}", "use SELF or DELEGATED_ADMIN")
        )
    if stack_set.get("region_concurrency", "SEQUENTIAL") not in REGION_CONCURRENCY:
        found.append(
            _problem(
                "stack_set.region_concurrency",
                stack_set.get("region_concurrency"),
                f"one of {REGION_CONCURRENCY}",
                "use one",
            )
        )
    for count, percentage in (
        ("failure_tolerance_count", "failure_tolerance_percentage"),
        ("max_concurrent_count", "max_concurrent_percentage"),
    ):
        if stack_set.get(count) is not None and stack_set.get(percentage) is not None:
            found.append(
                _problem(
                    f"stack_set.{percentage}",
                    stack_set[percentage],
                    f"StackSets take either {count} or {percentage}, not both",
                    "remove one of them",
                )
            )
    bounds = {
        "failure_tolerance_count": (0, None),
        "failure_tolerance_percentage": (0, 100),
        "max_concurrent_count": (1, None),
        "max_concurrent_percentage": (1, 100),
    }
    for key, (low, high) in bounds.items():
        value = stack_set.get(key)
        if value is not None and (value < low or (high is not None and value > high)):
            found.append(
                _problem(
                    f"stack_set.{key}",
                    value,
                    f"must be {low}-{high}" if high else f"must be at least {low}",
                    "correct it",
                )
            )
    tolerance, concurrent = stack_set.get("failure_tolerance_count"), stack_set.get("max_concurrent_count")
    if (
        stack_set.get("failure_tolerance_percentage") is None
        and concurrent is not None
        and concurrent > (tolerance or 0) + 1
    ):
        found.append(
            _problem(
                "stack_set.max_concurrent_count",
                concurrent,
                "with strict failure tolerance (the default) StackSets act on at most failure_tolerance_count + 1 "
                f"accounts at once, here {(tolerance or 0) + 1}",
                f"raise failure_tolerance_count to {concurrent - 1}, or lower max_concurrent_count",
            )
        )
    if stack_set.get("call_as") == "DELEGATED_ADMIN":
        for key, what in (
            ("delegated_administrator_account_id", "registering a delegated administrator"),
            ("backup_global_settings", "AWS Backup's organization settings"),
        ):
            if args.get(key) is not None:
                found.append(
                    _problem(
                        key,
                        "...",
                        f"{what} can only be done from the management account, and call_as DELEGATED_ADMIN means this "
                        "stack runs in a delegated administrator account",
                        f"remove {key} here and set it in a stack run from the management account",
                    )
                )
    for key in args.get("backup_global_settings") or {}:
        if key not in GLOBAL_SETTINGS:
            found.append(
                _problem(
                    f"backup_global_settings.{key}",
                    key,
                    "not an AWS Backup global setting",
                    f"use {list(GLOBAL_SETTINGS)}",
                )
            )
    return found


def _vss_instances(args: Mapping[str, Any]) -> list[StackProblem]:
    """The member accounts' VSS instance side: it needs a VSS plan whose instances it can find by tag
    (its association targets the plans' selection tags, as in a per-account stack), a State Manager
    schedule, and an instance role name of its own."""
    if not vss_instances_on(args):
        return []
    spec = args.get("vss_instances") or {}
    found: list[StackProblem] = []
    vss_plans = [index for index, plan in enumerate(args["plans"]) if plan.get("windows_vss")]
    if not vss_plans:
        found.append(
            _problem(
                "vss_instances.enabled",
                True,
                "the VSS instance setup targets the instances of plans with windows_vss, and no plan has it",
                "set windows_vss: true on the Windows plan, or remove vss_instances",
            )
        )
    for index in vss_plans:
        if not any(selection.get("tags") for selection in args["plans"][index]["selections"]):
            found.append(
                _problem(
                    f"plans[{index}].selections",
                    "...",
                    "the member accounts' VSS instance setup (on for plans with windows_vss) installs AwsVssComponents "
                    "on the instances it finds by the plan's selection tags, and this VSS plan has none",
                    "select the plan's instances by tag, or set vss_instances.enabled: false and install "
                    "AwsVssComponents on them yourself",
                )
            )
    schedule = spec.get("schedule")
    if schedule is not None and (violation := rules.ssm_association_schedule(schedule)):
        found.append(("vss_instances.schedule", schedule, violation))
    name = spec.get("instance_role_name")
    if name is not None and (violation := rules.iam_role_name(name)):
        found.append(("vss_instances.instance_role_name", name, violation))
    elif (name or DEFAULT_VSS_INSTANCE_ROLE) == args["role"]["name"]:
        found.append(
            _problem(
                "vss_instances.instance_role_name",
                name or DEFAULT_VSS_INSTANCE_ROLE,
                "the member stacks would create two roles of this name: AWS Backup's and the instances'",
                "give the instance role another name",
            )
        )
    return found


def _plans(args: Mapping[str, Any]) -> list[StackProblem]:
    """What a backup policy cannot express: time zones, exact ARNs, both kinds of selection, names."""
    found: list[StackProblem] = []
    plans = list(args["plans"])
    if len(plans) > MAX_POLICIES_PER_TARGET:
        found.append(
            _problem(
                "plans",
                len(plans),
                f"each plan is one backup policy attached to every target, and a target takes at most "
                f"{MAX_POLICIES_PER_TARGET} backup policies (Organizations quotas)",
                "merge plans: a plan holds up to 10 rules",
            )
        )
    seen: dict[str, str] = {}
    for plan_index, plan in enumerate(plans):
        at = f"plans[{plan_index}]"
        policy_plans = list(policy_plan_names(plan, args))
        # One problem per plan: its longest policy plan name (the plan's name with a region) decides.
        longest = max(policy_plans, key=len)
        violation = rules.plan_name(longest)
        if violation:
            found.append(
                (
                    f"{at}.name",
                    plan["name"],
                    rules.Violation(f"the policy plan {longest!r}: {violation.rule}", "shorten the plan's name"),
                )
            )
        for policy_plan in policy_plans:
            if policy_plan.lower() in seen:
                found.append(
                    _problem(
                        f"{at}.name",
                        plan["name"],
                        f"the policy plan {policy_plan!r} collides with {seen[policy_plan.lower()]!r} (member accounts "
                        "get every plan of every policy, and names are compared without case here)",
                        "rename one of the plans",
                    )
                )
            seen.setdefault(policy_plan.lower(), policy_plan)
        rule_names: dict[str, int] = {}
        for index, rule in enumerate(plan["rules"]):
            violation = utc_schedule(rule.get("schedule_timezone"))
            if violation:
                found.append((f"{at}.rules[{index}].schedule_timezone", rule.get("schedule_timezone"), violation))
            if rule["name"].lower() in rule_names and rule_names[rule["name"].lower()] != index:
                found.append(
                    _problem(
                        f"{at}.rules[{index}].name",
                        rule["name"],
                        "the effective policy lower-cases rule names, and another rule of the plan has this name "
                        "in another case",
                        "rename one of them",
                    )
                )
            rule_names.setdefault(rule["name"].lower(), index)
        found += _selections(at, plan)
    return found


def _selections(at: str, plan: Mapping[str, Any]) -> list[StackProblem]:
    found: list[StackProblem] = []
    kinds: dict[str, int] = {}
    names: dict[str, int] = {}
    fix = "select by tag, or by a whole resource type such as 'arn:aws:ec2:*:*:instance/*' ('*' for every type)"
    for index, selection in enumerate(plan["selections"]):
        here = f"{at}.selections[{index}]"
        tags = dict(selection.get("tags") or {})
        resources = list(selection.get("resources") or [])
        not_resources = list(selection.get("not_resources") or [])
        for key, arns in (("resources", resources), ("not_resources", not_resources)):
            exact = [arn for arn in arns if not is_resource_type(arn)]
            if exact:
                found.append(
                    _problem(
                        f"{here}.{key}",
                        exact,
                        "a backup policy selects resource types ('resource_types') or tags, never single "
                        "resources by ARN",
                        fix,
                    )
                )
        if tags and resources:
            found.append(
                _problem(
                    f"{here}.tags",
                    tags,
                    "a backup policy selection holds either tags or resource types, not both",
                    "move the tags to conditions.string_equals, or split the selection",
                )
            )
        if not_resources and not resources:
            found.append(
                _problem(
                    f"{here}.not_resources",
                    not_resources,
                    "a backup policy leaves resource types out only of a selection by resource type",
                    "add resources (e.g. ['*']) to this selection, or remove not_resources",
                )
            )
        kind = "tags" if tags and not resources else "resources"
        kinds.setdefault(kind, index)
        split = (
            [selection["name"]]
            if len(tags) <= 1 or resources
            else [f"{selection['name']}-{n}" for n in range(1, len(tags) + 1)]
        )
        for name in split:
            if rules.selection_name(name):
                found.append(
                    _problem(
                        f"{here}.name",
                        selection["name"],
                        f"the policy selection {name!r} is longer than 50 characters",
                        "shorten it",
                    )
                )
            if name.lower() in names and names[name.lower()] != index:
                found.append(
                    _problem(
                        f"{here}.name",
                        selection["name"],
                        f"the effective policy lower-cases selection names, and {name!r} collides with another "
                        "selection",
                        "rename one of them",
                    )
                )
            names.setdefault(name.lower(), index)
    if len(kinds) > 1:
        found.append(
            _problem(
                f"{at}.selections",
                "...",
                "a backup policy plan selects either by tags or by resource types (they are mutually exclusive), and "
                f"selections[{kinds['tags']}] uses tags while selections[{kinds['resources']}] uses resource types or "
                "conditions alone",
                "split the plan in two, or write the tags as conditions.string_equals of a selection by resource type",
            )
        )
    return found


def organization_problems(
    args: Mapping[str, Any],
    management_account_id: Optional[str] = None,
    archive_vault_arn: Optional[str] = None,
) -> list[StackProblem]:
    """Every problem of :class:`components.OrganizationBackupArgs`-shaped ``args``.

    ``management_account_id``: the management account when known before deploying (the account of a
    stack run with ``call_as: SELF``). ``archive_vault_arn``: the archive's ARN when known now; the
    documents and the template are then generated and checked too.
    """
    found: list[StackProblem] = []
    archive_account = None
    if archive_vault_arn is not None:
        violation = rules.vault_arn(archive_vault_arn)
        if violation:
            found.append(("archive.vault_arn", archive_vault_arn, violation))
        else:
            archive_account = rules.vault_arn_parts(archive_vault_arn)[1]
    found += _regions(args) + _targets(args, management_account_id, archive_account) + _stack_set(args)
    for key, value in (("vault.name", args["vault"]["name"]), ("role.name", args["role"]["name"])):
        violation = rules.vault_name(value) if key == "vault.name" else rules.iam_role_name(value)
        if violation:
            found.append((key, value, violation))
    break_glass = args["vault"].get("break_glass_role_name")
    if break_glass is not None and (violation := rules.iam_role_name(break_glass)):
        found.append(("vault.break_glass_role_name", break_glass, violation))
    if args["vault"].get("break_glass_role_arn"):
        found.append(("vault.break_glass_role_arn", args["vault"]["break_glass_role_arn"], member_break_glass_arn()))
    administrator = args.get("delegated_administrator_account_id")
    violation = rules.account_id(administrator) if administrator is not None else None
    if violation:
        found.append(("delegated_administrator_account_id", administrator, violation))
    elif administrator is not None and administrator == management_account_id:
        # Organizations, RegisterDelegatedAdministrator: CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR,
        # "You can designate only a member account as a delegated administrator."
        found.append(
            _problem(
                "delegated_administrator_account_id",
                administrator,
                "this is the management account, and AWS Organizations registers only a member account as a "
                "delegated administrator (CANNOT_REGISTER_MASTER_AS_DELEGATED_ADMINISTRATOR)",
                "give a member account that administers backups, or remove delegated_administrator_account_id",
            )
        )
    found += _plans(args) + _vss_instances(args)
    if found:
        return found  # the rest builds documents from these values

    # Each backed-up region, checked as a member account's own stack there would be.
    seen: set[tuple[str, str]] = set()
    for region in args["regions"]:
        for path, value, violation in stack_problems(member_stack_args(args, region)):
            if path == f"{CROSS_REGION}.region":
                path = f"{CROSS_REGION}.copy_regions.{region}"
            if (path, violation.rule) not in seen:
                seen.add((path, violation.rule))
                found.append((path, value, violation))
    if found or (args.get("archive") and archive_vault_arn is None):
        return found
    for index, (name, document) in enumerate(policy_documents(args, archive_vault_arn).items()):
        for problem in policy_problems(document):
            found.append(
                _problem(
                    f"plans[{index}]",
                    name,
                    f"its backup policy would break AWS's syntax or limits: {problem}",
                    "split the plan (fewer rules, selections, copies or regions per plan)",
                )
            )
    too_big = template_size_problem(template_body(member_template(args, archive_account)))
    if too_big:
        found.append(_problem("plans", "...", too_big, "use fewer regions"))
    return found


def organization_warnings(args: Mapping[str, Any], archive_vault_arn: Optional[str] = None) -> list[StackProblem]:
    """Settings the organization stack deploys that may not do what they say (see
    :func:`organization_problems` first): a root target, which reaches the management account (and
    the archive account); a delegated administrator that is the archive account; selections by
    conditions alone, which the policies turn into every resource type; and each backed-up
    region's per-account warnings. ``archive_vault_arn``: the archive's ARN when known now.
    """
    found: list[StackProblem] = []
    archive_account = _archive_account(archive_vault_arn)
    targets = args["targets"]
    for index, unit in enumerate(targets.get("organizational_unit_ids") or []):
        if not is_root(unit) or targets.get("account_ids"):
            continue
        archive = (
            f"; the archive account ({archive_account}) is under the root too, so it would get the backup policies, "
            "a member vault and the role like any member, and back itself up"
            if archive_account
            else ""
        )
        found.append(
            _problem(
                f"targets.organizational_unit_ids[{index}]",
                unit,
                "the root reaches the management account too, which gets the backup policies but never the "
                f"StackSet's vault and role (service-managed StackSets skip it), so its plans would fail{archive}",
                "target the OUs of the accounts to back up (not those of the management and archive accounts), or "
                "give the management account the vault and role with a per-account stack",
            )
        )
    administrator = args.get("delegated_administrator_account_id")
    if administrator and administrator == archive_account:
        found.append(
            _problem(
                "delegated_administrator_account_id",
                administrator,
                "this is the archive account: as AWS Backup's delegated administrator it would manage the "
                "organization's backup policies, and whoever controls it could change the plans of every account "
                "whose copies it keeps",
                "register a separate backup administration account, or none",
            )
        )
    for plan_index, (plan, generated) in enumerate(zip(args["plans"], generated_plans(args), strict=True)):
        for index, (selection, written) in enumerate(zip(plan["selections"], generated["selections"], strict=True)):
            if "*" in (written.get("resources") or []) and "*" not in (selection.get("resources") or []):
                found.append(
                    _problem(
                        f"plans[{plan_index}].selections[{index}].conditions",
                        dict(selection.get("conditions") or {}),
                        "a backup policy selects by a tag or by resource types, so a selection by conditions alone "
                        "becomes resource_types ['*']: every resource type AWS Backup supports, in every member "
                        "account and region, that meets the conditions (not only Windows servers; the role gets the "
                        "S3 policies, and the 3-2-1 verdict is judged for every type)",
                        "select by a tag, or name the resource types, e.g. resources: ['arn:aws:ec2:*:*:instance/*']",
                    )
                )
    # Each backed-up region, warned about as a member account's own stack there would be.
    seen: set[tuple[str, str]] = set()
    for region in args["regions"]:
        for path, value, violation in stack_warnings(member_stack_args(args, region)):
            if (path, violation.rule) not in seen:
                seen.add((path, violation.rule))
                found.append((path, value, violation))
    return found


def _archive_account(archive_vault_arn: Optional[str]) -> Optional[str]:
    if archive_vault_arn is None or rules.vault_arn(archive_vault_arn):
        return None
    return rules.vault_arn_parts(archive_vault_arn)[1]


def policy_contents(args: Mapping[str, Any], archive_vault_arn: Optional[str]) -> dict[str, str]:
    """Each plan's policy document as sent, by plan name (see :func:`organization_problems` first)."""
    return {name: policy_content(document) for name, document in policy_documents(args, archive_vault_arn).items()}


def is_root(target: str) -> bool:
    """True for the organization root's ID (``r-...``)."""
    return bool(ROOT.fullmatch(target))


__all__ = [
    "OU_OR_ROOT",
    "STACK_SET_NAME",
    "is_root",
    "member_break_glass_arn",
    "member_stack_args",
    "organization_problems",
    "organization_warnings",
    "organizational_unit_id",
    "policy_contents",
    "stack_set_name",
]
