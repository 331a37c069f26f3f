"""Checks across components of one stack: a rule's retention against the vault locks it writes
to, copy lifecycles, cold storage settings against what the plans select, the archive's account,
and the keys copies depend on. Plain values in, problems out.

Used by :class:`components.WindowsServerBackup` and by the config layer (which reports the
problems with their key paths before anything is registered). :func:`stack_problems` are errors;
:func:`stack_warnings` are settings that deploy but may not do what they say.
"""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any, Final, Optional

from . import rules, storage_tiers
from .audit import MANUAL_DELETION_DISABLED, MAX_DELETION_ROLES, framework_controls
from .audit_controls import controls_problems
from .policies import vault_statement_problems
from .restore_testing import VAULT_SELECTOR
from .restore_testing import selection_tags as restore_test_selection_tags
from .three_two_one import air_gapped_target_cold

# Final, so that type checkers read them as the literal keys of WindowsServerBackupArgs.
CROSS_REGION: Final = "cross_region"
ARCHIVE: Final = "archive"
DESTINATIONS = (CROSS_REGION, ARCHIVE)

#: A check result: the argument path, its value, and the broken rule.
StackProblem = tuple[str, Any, rules.Violation]


def copy_targets(rule: Mapping[str, Any], args: Mapping[str, Any]) -> list[str]:
    """Destinations a rule copies to: its ``copy_to``, or every destination the stack has."""
    if "copy_to" in rule and rule["copy_to"] is not None:
        return list(rule["copy_to"])
    return [d for d in DESTINATIONS if args.get(d)]


def copy_lifecycle(
    rule: Mapping[str, Any], destination: Mapping[str, Any]
) -> tuple[Optional[int], Optional[int], bool]:
    """``(delete_after, cold_after, archive_opt_in)`` of a copy: the destination's, else the rule's."""

    def pick(key: str) -> Any:
        value = destination.get(key)
        return rule.get(key) if value is None else value

    return pick("delete_after_days"), pick("cold_storage_after_days"), bool(pick("opt_in_to_archive"))


def _lock_range(lock: Optional[Mapping[str, Any]]) -> tuple[Optional[int], Optional[int]]:
    if not lock:
        return None, None
    return lock.get("min_retention_days"), lock.get("max_retention_days")


def _plain_arn(value: Any) -> Optional[str]:
    return value if isinstance(value, str) and rules.vault_arn(value) is None else None


def _duplicate_selection_names(plans: Any) -> list[StackProblem]:
    """Selections are named ``<plan>-<selection>`` under the stack: two pairs may spell the same name."""
    seen: dict[str, str] = {}
    found: list[StackProblem] = []
    for plan_index, plan in enumerate(plans):
        for index, selection in enumerate(plan["selections"]):
            joined, at = f"{plan['name']}-{selection['name']}", f"plans[{plan_index}].selections[{index}].name"
            if joined in seen:
                found.append(
                    (
                        at,
                        selection["name"],
                        rules.Violation(
                            f"plan {plan['name']!r} with this selection and {seen[joined]} both make the "
                            f"resource name {joined!r}",
                            "rename the selection",
                        ),
                    )
                )
            seen.setdefault(joined, at)
    return found


def _partition_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Copies B and C stay in the stack's partition (see :func:`rules.copy_partition`)."""
    found: list[StackProblem] = []
    cross_region, archive = args.get(CROSS_REGION), args.get(ARCHIVE)
    if cross_region and (violation := rules.copy_partition(args["region"], cross_region["region"])):
        found.append((f"{CROSS_REGION}.region", cross_region["region"], violation))
    archive_arn = _plain_arn(archive.get("vault_arn")) if archive else None
    if archive_arn and (violation := rules.copy_partition(args["region"], rules.vault_arn_parts(archive_arn)[0])):
        found.append((f"{ARCHIVE}.vault_arn", archive_arn, violation))
    return found


def stack_problems(args: Mapping[str, Any], source_account_id: Optional[str] = None) -> list[StackProblem]:
    """Every cross-component problem of :class:`components.WindowsServerBackupArgs`-shaped ``args``.

    ``source_account_id``: the stack's account when known before deploying (e.g. from
    ``aws:allowedAccountIds``), to check that the archive lives elsewhere.
    """
    args = _with_defaults(args)
    found: list[StackProblem] = [(path, "...", violation) for path, violation in shape_problems(present_sections(args))]
    cross_region = args.get(CROSS_REGION)
    archive = args.get(ARCHIVE)
    vault = args["vault"]

    existing = _plain_arn(cross_region.get("existing_vault_arn")) if cross_region else None
    if cross_region and existing and rules.vault_arn_parts(existing)[0] != cross_region["region"]:
        found.append(
            (
                "cross_region.existing_vault_arn",
                existing,
                rules.Violation(
                    f"the existing vault is not in the copy region {cross_region['region']}",
                    "use a vault of that region, or change cross_region.region",
                ),
            )
        )
    found += _duplicate_selection_names(args["plans"])
    found += _partition_problems(args)
    if cross_region and cross_region.get("region") == args["region"]:
        found.append(
            (
                f"{CROSS_REGION}.region",
                cross_region["region"],
                rules.Violation(
                    "a cross-region copy must go to another region than the stack's own",
                    "choose a second region, e.g. us-west-2 for a stack in us-east-1",
                ),
            )
        )
    if archive:
        archive_arn = _plain_arn(archive.get("vault_arn"))
        if archive_arn and source_account_id and rules.vault_arn_parts(archive_arn)[1] == source_account_id:
            found.append(
                (
                    f"{ARCHIVE}.vault_arn",
                    archive_arn,
                    rules.Violation(
                        f"the archive vault is in this stack's own account ({source_account_id}), so it would not "
                        "survive the loss of this account",
                        "deploy the archive stack into a dedicated archive account and use its vault ARN",
                    ),
                )
            )

    if args.get("vss_instances") is not None and not any(plan.get("windows_vss") for plan in args["plans"]):
        found.append(
            (
                "vss_instances",
                args["vss_instances"],
                rules.Violation(
                    "the VSS instance setup targets the instances of plans with windows_vss, and no plan has it",
                    "set windows_vss: true on the Windows plan, or remove vss_instances",
                ),
            )
        )
    for index, plan in enumerate(args["plans"]):
        tagged = any(selection.get("tags") for selection in plan["selections"])
        if plan.get("windows_vss") and args.get("vss_instances") is not None and not tagged:
            found.append(
                (
                    f"plans[{index}].selections",
                    "...",
                    rules.Violation(
                        "the VSS instance setup finds instances by the plan's selection tags, and this VSS "
                        "plan has none",
                        "select the plan's instances by tag",
                    ),
                )
            )

    found += _restore_testing_problems(args)
    found += _restore_validation_problems(args)
    found += _malware_scanning_problems(args)
    found += _audit_problems(args)
    found += [
        (path, value, violation)
        for error, path, value, violation in (
            _tier_findings(args) + _opted_out_findings(args) + _restore_testing_vault_findings(args, source_account_id)
        )
        if error
    ]
    found += _foreign_account_statements(vault, source_account_id)

    destinations = {CROSS_REGION: cross_region, ARCHIVE: archive}
    primary_min, primary_max = _lock_range(vault.get("lock"))
    for plan_index, plan in enumerate(args["plans"]):
        for rule_index, rule in enumerate(plan["rules"]):
            at = f"plans[{plan_index}].rules[{rule_index}]"
            # Only a rule writing to the stack's vault is bound by its lock.
            if rule.get("target_vault_name") in (None, vault.get("name")):
                violation = rules.retention_within_lock(rule.get("delete_after_days"), primary_min, primary_max)
                if violation:
                    found.append((f"{at}.delete_after_days", rule.get("delete_after_days"), violation))
            found += _target_problems(at, rule, args, source_account_id)
            for target in copy_targets(rule, args):
                destination = destinations.get(target)
                if destination is None:
                    found.append(
                        (
                            f"{at}.copy_to",
                            target,
                            rules.Violation(
                                f"the rule copies to {target!r}, but the stack has no {target!r} section"
                                if target in DESTINATIONS
                                else f"{target!r} is not a copy destination",
                                f"add the {target!r} section, or copy only to "
                                f"{[d for d in DESTINATIONS if destinations[d]]}",
                            ),
                        )
                    )
                    continue
                days, cold, _ = copy_lifecycle(rule, destination)
                lock_min, lock_max = _lock_range(destination.get("lock"))
                # The copy's lifecycle is the destination's where it sets one, else the rule's:
                # point at the setting that decides it.
                decided_by = target if destination.get("delete_after_days") is not None else at
                for violation in (rules.lifecycle(days, cold), rules.retention_within_lock(days, lock_min, lock_max)):
                    if violation:
                        found.append(
                            (
                                f"{decided_by}.delete_after_days",
                                {"delete_after_days": days, "cold_storage_after_days": cold},
                                rules.Violation(f"copies of {at} to {target}: {violation.rule}", violation.fix),
                            )
                        )
    return found


#: A tier or key finding: whether it is an error, the argument path, its value, the rule.
_Finding = tuple[bool, str, Any, rules.Violation]


def selects_s3(plans: Any) -> bool:
    """True when a selection's ARNs can name S3 buckets (``arn:aws:s3:::...``, or ``"*"``): the role
    then needs the S3 policies."""
    types = rules.selected_resource_types(
        arn for plan in plans for selection in plan["selections"] for arn in selection.get("resources") or []
    )
    return types is None or storage_tiers.S3 in types


def tag_selected_types(args: Mapping[str, Any]) -> frozenset[str]:
    """The types a tag selection is taken to reach: EC2 instances and EBS volumes (what this
    program backs up), and S3 buckets when the role gets the S3 backup policies."""
    s3 = selects_s3(args["plans"])
    if args.get("existing_role_arn") is None:
        s3 = bool((args.get("role") or {}).get("allow_s3", s3))
    return frozenset({storage_tiers.EC2, storage_tiers.EBS} | ({storage_tiers.S3} if s3 else set()))


def selected_types(args: Mapping[str, Any]) -> list[storage_tiers.SelectedTypes]:
    """Per plan of ``args["plans"]``, in order: the resource types its selections may select."""
    tag_types = tag_selected_types(args)
    return [
        storage_tiers.plan_types(
            plan["selections"], windows_vss=plan.get("windows_vss", False), region=args["region"], tag_types=tag_types
        )
        for plan in args["plans"]
    ]


def destination_region(target: str, destination: Mapping[str, Any]) -> Optional[str]:
    """The Region copies to ``target`` are kept in, when known before deploying."""
    if target == CROSS_REGION:
        return destination.get("region")
    arn = _plain_arn(destination.get("vault_arn"))
    return rules.vault_arn_parts(arn)[0] if arn else None


def _cold_finding(
    plan: str, selected: storage_tiers.SelectedTypes, cold: Optional[int], opt_in: bool, region: Optional[str]
) -> Optional[tuple[bool, rules.Violation]]:
    """Where AWS Backup would not apply ``cold_storage_after_days``: an error when it applies to
    none of the types the plan certainly selects, a warning when only to some, or when the
    types are assumed from tags. Types outside the tier table are not judged (they may move)."""
    if cold is None:
        return None
    types = storage_tiers.ordered(selected.types)
    known = [t for t in types if t != storage_tiers.OTHER]
    tiers = {t: storage_tiers.tier(t, cold, opt_in, region) for t in known}
    staying = [t for t in known if tiers[t][0] == storage_tiers.WARM]
    if not staying:
        return None
    reasons = "; ".join(dict.fromkeys(str(tiers[t][1]) for t in staying))
    going = [t for t in known if t not in staying] + ([storage_tiers.OTHER] if len(known) < len(types) else [])
    if any(t == storage_tiers.EBS for t in staying) and not opt_in:
        fix = "add opt_in_to_archive: true next to cold_storage_after_days"
    else:
        fix = "remove cold_storage_after_days: these recovery points stay warm either way"
        if storage_tiers.EC2 in staying:
            fix += (
                "; for a second medium, back up the instances' volumes in a plan that selects EBS volumes "
                "and moves a copy to the EBS archive tier (README, Storage tiers and the 3-2-1 verdict)"
            )
    if going:
        moving = ", ".join(
            "backups of other types that support it" if t == storage_tiers.OTHER else storage_tiers.TIERS[t].backups
            for t in going
        )
        return False, rules.Violation(
            f"only the {moving} of plan {plan!r} would move to cold storage: {reasons}",
            "select the resource types that go cold in a plan of their own (e.g. resources: "
            "['arn:aws:ec2:*:*:volume/*'] with the tag under conditions), or accept that the others stay warm",
        )
    if not selected.certain:
        return False, rules.Violation(
            f"plan {plan!r} selects by tag, taken to reach {storage_tiers.type_words(types)}, and none of "
            f"them would move to cold storage: {reasons}",
            fix,
        )
    return True, rules.Violation(
        f"plan {plan!r} backs up {storage_tiers.type_words(types)} only, so AWS Backup would ignore this "
        f"setting: {reasons}",
        fix,
    )


def _opt_in_finding(
    plan: str, selected: storage_tiers.SelectedTypes, cold: Optional[int], opt_in: bool, stack_region: str
) -> Optional[tuple[bool, rules.Violation]]:
    """An archive-tier opt-in that cannot work (error) or does nothing (warning)."""
    if not opt_in:
        return None
    if stack_region in storage_tiers.EBS_ARCHIVE_UNAVAILABLE:
        # AWS Backup guide, "Amazon EBS and AWS Backup": no EBS archive tier there. In GovCloud the
        # API answers "Invalid lifecycle. EBS Cold Tier is not yet supported" (terraform-provider-aws #35512).
        return True, rules.Violation(
            f"the EBS archive tier is not available in {stack_region} (AWS Backup guide, Amazon EBS and AWS "
            "Backup), and AWS Backup rejects a plan that opts in to it there",
            "remove opt_in_to_archive (and the cold storage it was meant for)",
        )
    if storage_tiers.EBS not in selected.types:
        return False, rules.Violation(
            f"opt_in_to_archive only moves EBS volume backups to the archive tier, and plan {plan!r} backs up "
            f"{storage_tiers.type_words(selected.types)}",
            "remove opt_in_to_archive here",
        )
    if cold is None:
        return False, rules.Violation(
            "opt_in_to_archive does nothing without cold_storage_after_days (the day the move happens)",
            "set cold_storage_after_days, or remove opt_in_to_archive",
        )
    return None


def _lifecycle_findings(
    plan: str,
    selected: storage_tiers.SelectedTypes,
    lifecycle: tuple[Optional[int], bool],
    region: Optional[str],
    stack_region: str,
) -> list[tuple[str, Any, bool, rules.Violation]]:
    """``(key, value, is_error, violation)`` for a lifecycle's cold storage and archive opt-in kept
    in ``region``. An opt-in the stack's Region rejects is the one problem reported."""
    cold, opt_in = lifecycle
    found: list[tuple[str, Any, bool, rules.Violation]] = []
    opt_in_finding = _opt_in_finding(plan, selected, cold, opt_in, stack_region)
    if opt_in_finding and opt_in_finding[0]:
        return [("opt_in_to_archive", opt_in, *opt_in_finding)]
    cold_finding = _cold_finding(plan, selected, cold, opt_in, region)
    if cold_finding:
        found.append(("cold_storage_after_days", cold, *cold_finding))
    if opt_in_finding:
        found.append(("opt_in_to_archive", opt_in, *opt_in_finding))
    return found


def _tier_findings(args: Mapping[str, Any]) -> list[_Finding]:
    """Cold storage and archive opt-ins against the resource types each plan may select, for the
    rules' own recovery points and for copies whose destination sets its own lifecycle (a copy
    that inherits the rule's lifecycle is covered by the rule's finding)."""
    found: list[_Finding] = []
    destinations = {CROSS_REGION: args.get(CROSS_REGION), ARCHIVE: args.get(ARCHIVE)}
    for plan_index, (plan, selected) in enumerate(zip(args["plans"], selected_types(args), strict=True)):
        for rule_index, rule in enumerate(plan["rules"]):
            at = f"plans[{plan_index}].rules[{rule_index}]"
            lifecycle = (rule.get("cold_storage_after_days"), bool(rule.get("opt_in_to_archive")))
            for key, value, error, violation in _lifecycle_findings(
                plan["name"], selected, lifecycle, args["region"], args["region"]
            ):
                found.append((error, f"{at}.{key}", value, violation))
            for target in copy_targets(rule, args):
                destination = destinations.get(target)
                if not destination or (
                    destination.get("cold_storage_after_days") is None and destination.get("opt_in_to_archive") is None
                ):
                    continue
                _, copy_cold, copy_opt_in = copy_lifecycle(rule, destination)
                for key, value, error, violation in _lifecycle_findings(
                    plan["name"],
                    selected,
                    (copy_cold, copy_opt_in),
                    destination_region(target, destination),
                    args["region"],
                ):
                    decided_by = target if destination.get(key) is not None else at
                    found.append(
                        (
                            error,
                            f"{decided_by}.{key}",
                            value,
                            rules.Violation(f"copies of {at} to {target}: {violation.rule}", violation.fix),
                        )
                    )
    return found


def _air_gapped_cold_findings(args: Mapping[str, Any]) -> list[_Finding]:
    """Cold storage on a rule that backs up into a logically air-gapped vault: not documented there."""
    found: list[_Finding] = []
    for plan_index, plan in enumerate(args["plans"]):
        for rule_index, rule in enumerate(plan["rules"]):
            vault = air_gapped_target_cold(rule)
            if vault is None:
                continue
            found.append(
                (
                    False,
                    f"plans[{plan_index}].rules[{rule_index}].cold_storage_after_days",
                    rule["cold_storage_after_days"],
                    rules.Violation(
                        f"the rule backs up into logically air-gapped vault {vault!r}, and AWS does not document that "
                        "recovery points there move to cold storage, so the 3-2-1 verdict counts them warm (its copies "
                        "follow the lifecycle as usual)",
                        "give the cold storage to a copy (e.g. cross_region.cold_storage_after_days with "
                        "opt_in_to_archive) for the second medium",
                    ),
                )
            )
    return found


def _key_findings(args: Mapping[str, Any]) -> list[_Finding]:
    """What copies of EC2 and EBS backups depend on, which no offline check can see: the source
    volumes' keys (said where the vault's AWS managed key might be taken for the cause), and the
    key of copy B's new vault."""
    found: list[_Finding] = []
    ec2_or_ebs = {storage_tiers.EC2, storage_tiers.EBS}
    copied_to: set[str] = set()
    for plan, selected in zip(args["plans"], selected_types(args), strict=True):
        if selected.types & ec2_or_ebs:
            copied_to |= {target for rule in plan["rules"] for target in copy_targets(rule, args)}
    vault = args["vault"]
    aws_managed_vault_key = not vault.get("kms_key_arn") and not args.get("create_vault_key")
    if ARCHIVE in copied_to and args.get(ARCHIVE) and aws_managed_vault_key:
        tag_key, tag_value = (_vss_tag_pairs(args) or [("<tag key>", "<tag value>")])[0]
        # AWS Backup guide, "Encryption for backups in AWS Backup": EBS backups keep the source
        # volume's key ("Independent AWS Backup encryption: Not supported"; AMIs: "EBS snapshots are
        # encrypted by the default encryption rules for EBS backups"), and "Cross-account copy with AWS
        # managed keys isn't supported for resources that aren't fully managed by AWS Backup". For fully
        # managed types (S3) the guide sets no such limit: AWS Backup encrypts them with the vault's key.
        found.append(
            (
                False,
                "vault.kms_key",
                "aws/backup",
                rules.Violation(
                    "copy C of EC2 instances and EBS volumes works only for volumes that are unencrypted or on a "
                    "customer-managed key shared with the archive account: their backups keep the volumes' "
                    "encryption (this vault's AWS managed key plays no part in them), and volumes on the AWS "
                    "managed key aws/ebs cannot be copied to another account (AWS Backup guide, Encryption for "
                    "backups in AWS Backup)",
                    f"before relying on copy C, run `python -m doctor --region {args['region']} --tag-key {tag_key} "
                    f"--tag-value {tag_value} --archive-copies` (it lists the instances' volumes still on aws/ebs), "
                    "and check volumes backed up on their own the same way (`aws ec2 describe-volumes` shows their "
                    "KmsKeyId)",
                ),
            )
        )
    cross_region = args.get(CROSS_REGION)
    if (
        CROSS_REGION in copied_to
        and cross_region
        and not cross_region.get("existing_vault_arn")
        and not cross_region.get("create_kms_key")
    ):
        # AWS Backup guide, "Encryption for backups in AWS Backup": for a resource not fully managed
        # by AWS Backup "the key associated to the destination vault must be a CMK or the managed key of
        # the service that owns the underlying resource ... a CMK or Amazon EBS KMS key (aws/ebs) must be
        # used to avoid copy job failure". AWS re:Post, "How are my backups and copies encrypted in AWS
        # Backup?", says instead that cross-Region EBS copies into an aws/backup vault are encrypted with
        # the destination Region's aws/ebs key. A customer-managed key is right under both readings.
        found.append(
            (
                False,
                f"{CROSS_REGION}.kms_key",
                "aws/backup",
                rules.Violation(
                    "copy B's new vault would use the AWS managed key aws/backup, and AWS's guide says copies of "
                    "EC2 instances and EBS volumes need a destination vault key that is customer-managed or "
                    "aws/ebs 'to avoid copy job failure' (Encryption for backups in AWS Backup); an AWS re:Post "
                    "article says such cross-Region copies are encrypted with the destination's aws/ebs key instead",
                    "set cross_region.kms_key: create (a customer-managed key works under both readings)",
                ),
            )
        )
    return found


def _with_defaults(args: Mapping[str, Any]) -> dict[str, Any]:
    """``args`` with an empty vault and no plans where it has none (an audit-only or vault-only stack)."""
    return {**args, "vault": args.get("vault") or {}, "plans": list(args.get("plans") or [])}


def stack_warnings(args: Mapping[str, Any], source_account_id: Optional[str] = None) -> list[StackProblem]:
    """Settings that deploy but may not do what they say: cold storage AWS Backup would apply to
    only some of the types a plan may select (or to none, when the types are assumed from tags),
    archive opt-ins that do nothing, types a region opts out of, restore tests that may find nothing,
    and the keys EC2 and EBS copies depend on. ``source_account_id``: as for :func:`stack_problems`."""
    args = _with_defaults(args)
    findings = _tier_findings(args) + _opted_out_findings(args) + _air_gapped_cold_findings(args)
    findings += _restore_testing_vault_findings(args, source_account_id) + _restore_testing_air_gapped_findings(args)
    return [(path, value, violation) for error, path, value, violation in findings + _key_findings(args) if not error]


#: Sections that act on the stack's plans, and those that act on its vault.
PLAN_SECTIONS = (CROSS_REGION, ARCHIVE, "vss_instances", "malware_scanning")
VAULT_SECTIONS = ("restore_testing", "notifications")
#: Sections a stack may hold alone (besides a vault, with or without plans).
STANDALONE_SECTIONS = ("audit", "region_settings", "enable_cross_account_backup")
#: The vault AWS Backup creates in each region, encrypted with the AWS-managed key.
DEFAULT_VAULT = "Default"


def present_sections(args: Mapping[str, Any]) -> set[str]:
    """The top-level sections ``args`` sets (``plans`` only when there is one, flags when true; an
    empty mapping is a section with its defaults)."""
    return {key for key, value in args.items() if value is not None and value is not False and value != []}


def shape_problems(present: set[str]) -> list[tuple[str, rules.Violation]]:
    """What a stack may hold: plans write to its vault; copies and VSS act on its plans; restore tests
    and notifications on its vault; and it deploys something."""
    found: list[tuple[str, rules.Violation]] = []
    if "plans" in present and "vault" not in present:
        found.append(
            (
                "vault",
                rules.Violation("the plans write to the stack's vault, and it has none", "add vault: {name: ...}"),
            )
        )
    for sections, needed, what in ((PLAN_SECTIONS, "plans", "plans"), (VAULT_SECTIONS, "vault", "vault")):
        for key in sections:
            if key in present and needed not in present:
                found.append(
                    (
                        key,
                        rules.Violation(
                            f"{key} acts on the stack's {what}, and it has none",
                            f"add {'a plan' if needed == 'plans' else 'a vault'}, or remove {key}",
                        ),
                    )
                )
    if not found and not present & {"vault", "plans", *STANDALONE_SECTIONS}:
        found.append(
            (
                "vault",
                rules.Violation(
                    "the stack deploys nothing",
                    "add vault and plans (a source stack), archive_vault (the archive stack), or audit or "
                    "region_settings on their own",
                ),
            )
        )
    return found


def _target_problems(
    at: str, rule: Mapping[str, Any], args: Mapping[str, Any], source_account_id: Optional[str]
) -> list[StackProblem]:
    """A rule's own target vaults: an air-gapped vault of this account and region, within its lock;
    and no archive copies out of the Default vault."""
    found: list[StackProblem] = []
    target = rule.get("air_gapped_target") or {}
    arn = _plain_arn(target.get("vault_arn"))
    if arn:
        region, account, _ = rules.vault_arn_parts(arn)
        # AWS Backup API, BackupRuleInput.TargetLogicallyAirGappedBackupVaultArn: "ARN must be in the
        # same account and Region".
        if region != args["region"] or (source_account_id and account != source_account_id):
            found.append(
                (
                    f"{at}.air_gapped_target.vault_arn",
                    arn,
                    rules.Violation(
                        "a rule backs up only into a logically air-gapped vault of its own account and region "
                        f"({source_account_id or 'this account'}, {args['region']})",
                        "use a vault of this account and region; to reach another one, copy to it instead",
                    ),
                )
            )
        lock = target.get("lock") or {}
        days = rule.get("delete_after_days")
        violation = rules.retention_within_lock(days, lock.get("min_retention_days"), lock.get("max_retention_days"))
        if violation:
            found.append((f"{at}.delete_after_days", days, violation))
    if rule.get("target_vault_name") == DEFAULT_VAULT and ARCHIVE in copy_targets(rule, args):
        found.append(
            (
                f"{at}.target_vault_name",
                DEFAULT_VAULT,
                # AWS Backup guide, "Creating backup copies across AWS accounts": cross-account copies
                # use vaults other than the default vault (which is on the AWS-managed key).
                rules.Violation(
                    "cross-account copies need a vault other than the Default vault (on the AWS-managed key, "
                    "which cannot be shared), so its recovery points cannot be copied to the archive account",
                    "write to a vault with a customer-managed key (the stack's vault with kms_key: create), or "
                    "copy_to: [cross_region] only",
                ),
            )
        )
    return found


def _restore_testing_vault_findings(args: Mapping[str, Any], source_account_id: Optional[str]) -> list[_Finding]:
    """A restore test runs in its plan's account and region: it restores recovery points of vaults there.

    Restore jobs run where the recovery point is, so a vault of another region is an error. A vault of
    another account is a warning: AWS Backup refuses other accounts every access to a vault but copying
    into it (AWS Backup guide, "Vault access policies"), except a logically air-gapped vault shared
    through AWS RAM, whose backups "can be restored from an account with which the vault is shared, if
    needed for data loss recovery or restore testing" (AWS Backup guide, "Logically air-gapped vault").
    """
    tests = args.get("restore_testing")
    if not tests:
        return []
    copy_b = args.get(CROSS_REGION) or {}
    found: list[_Finding] = []
    for key in ("include_vaults", "exclude_vaults"):
        for index, value in enumerate(tests.get(key) or []):
            at = f"restore_testing.{key}[{index}]"
            if not isinstance(value, str) or value == "*":
                continue
            if value == copy_b.get("vault_name"):
                violation = rules.Violation(
                    f"{value!r} is copy B's vault, in {copy_b['region']}, and a restore test only takes recovery "
                    f"points of its own region ({args['region']})",
                    f"test copy B from the stack of {copy_b['region']}, naming this vault's ARN in its "
                    "restore_testing.include_vaults",
                )
                found.append((True, at, value, violation))
                continue
            match = VAULT_SELECTOR.fullmatch(value)
            if match is None:
                continue
            region, account = match.group("region"), match.group("account")
            if region not in ("*", args["region"]):
                violation = rules.Violation(
                    f"a restore test only takes recovery points of its own region ({args['region']})",
                    "include vaults of this region; test other regions from their own stacks",
                )
                found.append((True, at, value, violation))
            elif account != "*" and source_account_id and account != source_account_id:
                violation = rules.Violation(
                    f"a restore test takes recovery points of another account ({account}) only from a logically "
                    f"air-gapped vault that account shares with this one ({source_account_id}) through AWS RAM (AWS "
                    "Backup guide, Logically air-gapped vault); any other vault of that account gives it nothing",
                    "keep it only if it is such a shared air-gapped vault; test other accounts' vaults from their own "
                    "stacks",
                )
                found.append((False, at, value, violation))
    return found


def _selection_pairs(selection: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The tag pairs a selection selects by (its tags, and the tags its conditions require)."""
    equals = (selection.get("conditions") or {}).get("string_equals") or {}
    return set((selection.get("tags") or {}).items()) | set(equals.items())


def restore_tested_plans(args: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The plans whose instances the restore test restores: those selecting by one of its tags
    (``restore_testing.selection_tags``, else the Windows VSS plans' tag)."""
    args = _with_defaults(args)
    tests = args.get("restore_testing") or {}
    pairs = set((tests.get("selection_tags") or {}).items()) or set(_vss_tag_pairs(args))
    return [plan for plan in args["plans"] if any(pairs & _selection_pairs(s) for s in plan["selections"])]


def restore_tested_air_gapped_vaults(args: Mapping[str, Any]) -> list[Any]:
    """ARNs of the logically air-gapped vaults the restore-tested plans' rules back up into, each once:
    their recovery points are there (the stack's vault keeps only temporary ones)."""
    found: list[Any] = []
    for plan in restore_tested_plans(args):
        for rule in plan["rules"]:
            arn = (rule.get("air_gapped_target") or {}).get("vault_arn")
            if arn is not None and not any(arn is known or arn == known for known in found):
                found.append(arn)
    return found


def _selects(selectors: Any, arn: str) -> bool:
    """Whether restore-test vault selectors (``*``, ARNs with ``*``, vault names) take vault ``arn``."""
    return any(
        selector == "*"
        or (selector.startswith("arn:") and fnmatch.fnmatchcase(arn, selector))
        or selector == rules.vault_arn_parts(arn)[2]
        for selector in selectors
        if isinstance(selector, str)
    )


def _restore_testing_air_gapped_findings(args: Mapping[str, Any]) -> list[_Finding]:
    """A restore test that would find nothing: every rule of the tested plans backs up into air-gapped
    vaults it leaves out, and restore testing "will ignore temporary recovery points with a
    DELETE_AFTER_COPY lifecycle" (AWS Backup guide, "Logically air-gapped vault"), the only ones those
    rules leave in the stack's vault. By default the test includes those vaults."""
    tests = args.get("restore_testing")
    plans = restore_tested_plans(args)
    tested_rules = [rule for plan in plans for rule in plan["rules"]]
    if not tests or not tested_rules or any(not rule.get("air_gapped_target") for rule in tested_rules):
        return []
    vaults = restore_tested_air_gapped_vaults(args)
    arns = [arn for arn in vaults if _plain_arn(arn)]
    if len(arns) < len(vaults):
        return []  # an ARN known only at deploy time: nothing to judge
    include, exclude = tests.get("include_vaults"), tests.get("exclude_vaults") or []
    included = [arn for arn in arns if _selects(include if include is not None else arns, arn)]
    if any(not _selects(exclude, arn) for arn in included):
        return []
    key = "exclude_vaults" if included else "include_vaults"
    names = sorted({plan["name"] for plan in plans})
    violation = rules.Violation(
        f"every rule of plans {names} backs up into logically air-gapped vaults ({', '.join(arns)}) that the restore "
        "test leaves out, and the stack's vault keeps only their temporary recovery points, which restore testing "
        "ignores (AWS Backup guide, Logically air-gapped vault): the restore test would test nothing",
        "include the air-gapped vault in restore_testing.include_vaults (left out, include_vaults takes it), and "
        "do not exclude it",
    )
    return [(False, f"restore_testing.{key}", tests.get(key), violation)]


def _foreign_account_statements(vault: Mapping[str, Any], source_account_id: Optional[str]) -> list[StackProblem]:
    """Statements allowing other accounts more than copies in, once the stack's account is known."""
    statements = list(vault.get("policy_statements") or [])
    if not statements or not source_account_id:
        return []
    options = {
        "deny_deletions": vault.get("deny_deletions", True),
        "break_glass_role_arn": vault.get("break_glass_role_arn"),
    }
    known = {path for path, _ in vault_statement_problems(statements, **options)}
    return [
        (f"vault.policy_statements{path}", statements[int(path[1 : path.index("]")])].get("Principal"), violation)
        for path, violation in vault_statement_problems(statements, account_id=source_account_id, **options)
        if path not in known
    ]


#: A selection of every resource of a type, to narrow by tag under ``conditions`` (AWS Backup guide,
#: "Assign resources with AWS CLI"): a type named by ARN is backed up whatever the region's opt-in.
_TYPE_PATTERNS = {
    storage_tiers.EC2: "arn:aws:ec2:*:*:instance/*",
    storage_tiers.EBS: "arn:aws:ec2:*:*:volume/*",
    storage_tiers.S3: "arn:aws:s3:::*",
}


def _opted_out_findings(args: Mapping[str, Any]) -> list[_Finding]:
    """Selections by tag alone follow the region's opt-in: a type the stack turns off is skipped.

    AWS Backup guide, "How AWS Backup works with supported AWS services": "If resource assignments
    are only based on tags, then service opt-in settings are applied"; a resource type named in the
    assignment is backed up "even if the opt-in is not enabled". Per type turned off: an error when a
    selection certain of its types (a Windows VSS plan's instances) would back up nothing, else a
    warning (the types a tag reaches are assumed).
    """
    settings = args.get("region_settings")
    off = {name for name, on in ((settings or {}).get("opt_in") or {}).items() if on is False}
    if not off:
        return []
    tag_types = tag_selected_types(args)
    skipped: dict[str, dict[str, bool]] = {}  # type -> plan name -> a selection loses everything
    for plan in args["plans"]:
        for selection in plan["selections"]:
            by_tag = selection.get("tags") or any((selection.get("conditions") or {}).values())
            if selection.get("resources") or not by_tag:
                continue
            selected = storage_tiers.plan_types(
                [selection], windows_vss=plan.get("windows_vss", False), region=args["region"], tag_types=tag_types
            )
            empty = selected.certain and not (selected.types - off)
            for name in selected.types & off:
                plans = skipped.setdefault(name, {})
                plans[plan["name"]] = plans.get(plan["name"], False) or empty
    found: list[_Finding] = []
    for name in storage_tiers.ordered(skipped):
        fix = f"set {name}: true, or select them by ARN"
        if name in _TYPE_PATTERNS:
            fix += f" (resources: ['{_TYPE_PATTERNS[name]}'] with the tag under conditions)"
        emptied = sorted(plan for plan, empty in skipped[name].items() if empty)
        narrowed = sorted(plan for plan, empty in skipped[name].items() if not empty)
        if emptied:
            # Only a Windows VSS plan's tag is certain of its types: its Windows instances.
            what = "Windows instances" if name == storage_tiers.EC2 else storage_tiers.type_words([name])
            rule = (
                f"plans {emptied} select {what} by tag, and tag selections skip resource types that are not "
                "opted in, so they would back up nothing"
            )
            found.append((True, f"region_settings.opt_in.{name}", False, rules.Violation(rule, fix)))
        if narrowed:
            rule = (
                f"plans {narrowed} select by tag, and tag selections skip resource types that are not opted in: "
                f"{storage_tiers.type_words([name])} carrying their tags would not be backed up"
            )
            found.append((False, f"region_settings.opt_in.{name}", False, rules.Violation(rule, fix)))
    return found


def _vss_tag_pairs(args: Mapping[str, Any]) -> list[tuple[str, str]]:
    """Every distinct (key, value) the plans with ``windows_vss`` select by, in order."""
    pairs: list[tuple[str, str]] = []
    for plan in args["plans"]:
        if plan.get("windows_vss"):
            for selection in plan["selections"]:
                for pair in (selection.get("tags") or {}).items():
                    if pair not in pairs:
                        pairs.append(pair)
    return pairs


def _restore_testing_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Restore tests find their instances by the VSS plans' one selection tag, unless told which."""
    restore_testing = args.get("restore_testing")
    if restore_testing is None or restore_testing.get("selection_tags"):
        return []
    pairs = _vss_tag_pairs(args)
    if not pairs:
        return [
            (
                "restore_testing",
                "...",
                rules.Violation(
                    "restore tests restore the instances of the plans with windows_vss, found by their selection tag, "
                    "and no such plan selects by tag",
                    "set windows_vss: true on the Windows plan and select its instances by tag, or name the instances' "
                    "tag in restore_testing.selection_tags",
                ),
            )
        ]
    if len(pairs) > 1:
        return [
            (
                "restore_testing.selection_tags",
                None,
                rules.Violation(
                    f"the plans with windows_vss select by {len(pairs)} tags "
                    f"({', '.join(f'{k}={v}' for k, v in pairs)}), "
                    "and a restore test's tag conditions must all match one instance",
                    "name the tag to test in restore_testing.selection_tags, "
                    f"e.g. {{{pairs[0][0]!r}: {pairs[0][1]!r}}}",
                ),
            )
        ]
    # A selection may match tags a restore test cannot (wildcards, other characters).
    problem = restore_test_selection_tags(dict(pairs))
    if problem:
        return [
            (
                "restore_testing.selection_tags",
                None,
                rules.Violation(
                    f"the restore test would select by the Windows VSS plan's tag, but {problem.rule}",
                    f"name a tag the instances carry in restore_testing.selection_tags; {problem.fix}",
                ),
            )
        ]
    return []


def _restore_validation_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Validation keeps each restored instance's own profile: the restore role must be able to pass its role."""
    validation = (args.get("restore_testing") or {}).get("validation")
    if validation is None or args.get("vss_instances") is not None or validation.get("instance_role_arns"):
        return []
    return [
        (
            "restore_testing.validation.instance_role_arns",
            [],
            rules.Violation(
                "validation restores each instance with its own instance profile (so it answers SSM), and AWS Backup "
                "may pass the profile's role only when the restore role allows iam:PassRole on it; this stack creates "
                "no VSS instance role to name",
                "list the role of the Windows instances' instance profile, or set vss_instances",
            ),
        )
    ]


def _malware_scanning_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """The plans malware scanning names must be plans of the stack."""
    scanning = args.get("malware_scanning")
    names = [plan["name"] for plan in args["plans"]]
    return [
        (
            f"malware_scanning.plans[{index}]",
            name,
            rules.Violation("malware scanning names a plan this stack does not have", f"use some of {names}"),
        )
        for index, name in enumerate((scanning or {}).get("plans") or [])
        if name not in names
    ]


def deletion_control(vault: Mapping[str, Any]) -> dict[str, Any]:
    """The stack's manual-deletion control, as :class:`components.audit.BackupAuditArgs` takes it:
    only when the vault's policy can pass it (AWS Config, "backup-recovery-point-manual-deletion-
    disabled": a Deny of DeleteRecoveryPoint, UpdateRecoveryPointLifecycle and
    PutBackupVaultAccessPolicy, which the policy holds with ``policy_admin_role_arns``), with the
    roles that deny exempts as the control's ``principalArnList``."""
    admins = list(vault.get("policy_admin_role_arns") or [])
    denied = bool(vault.get("deny_deletions", True) and admins)
    break_glass = vault.get("break_glass_role_arn")
    exempt = list(dict.fromkeys([*([break_glass] if break_glass else []), *admins]))
    return {"manual_deletion_control": denied, "deletion_allowed_role_arns": exempt if denied else []}


def _audit_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """The stack's own controls need its plans; with several stack tags their scope must be chosen;
    controls of your own do not repeat the stack's."""
    audit = args.get("audit")
    if audit is None:
        return []
    plans = args["plans"]
    if audit.get("stack_controls") and not plans:
        return [
            (
                "audit.stack_controls",
                True,
                rules.Violation(
                    "the stack's own controls follow its plans, and it has none",
                    "leave stack_controls out (or false) and list your controls in audit.controls",
                ),
            )
        ]
    if not plans or audit.get("stack_controls") is False:
        return []
    found: list[StackProblem] = []
    tags = args.get("tags") or {}
    if audit.get("scope_tag") is None and len(tags) > 1:
        first_key = sorted(tags)[0]
        found.append(
            (
                "audit.scope_tag",
                None,
                rules.Violation(
                    f"the audit controls are scoped by one tag, and the stack has {len(tags)} tags to choose from",
                    f"name one in audit.scope_tag, e.g. {{{first_key!r}: {tags[first_key]!r}}}, or {{}} to judge "
                    "every resource of the region",
                ),
            )
        )
    copied_to = {target for plan in plans for rule in plan["rules"] for target in copy_targets(rule, args)}
    own = framework_controls(
        required_frequency_unit="days",
        required_frequency_value=1,
        required_retention_days=None,
        vault_name=args["vault"].get("name"),
        cross_region=CROSS_REGION in copied_to,
        cross_account=ARCHIVE in copied_to,
        vault_lock=args["vault"].get("lock") is not None,
        manual_deletion_control=deletion_control(args["vault"])["manual_deletion_control"],
    )
    exempt = deletion_control(args["vault"])["deletion_allowed_role_arns"]
    if len(exempt) > MAX_DELETION_ROLES:
        found.append(
            (
                "vault.policy_admin_role_arns",
                args["vault"].get("policy_admin_role_arns"),
                rules.Violation(
                    f"the audit control {MANUAL_DELETION_DISABLED} takes at most {MAX_DELETION_ROLES} exempted roles "
                    f"(its principalArnList), and the vault's deny exempts {len(exempt)} (the break-glass role and "
                    "the policy admin roles)",
                    f"keep at most {MAX_DELETION_ROLES} roles in all, or audit.stack_controls: false",
                ),
            )
        )
    controls = list(audit.get("controls") or [])
    problems, _ = controls_problems(controls, [control["name"] for control in own])
    found += [
        (
            f"audit.controls{path}",
            controls[int(path[1 : path.index("]")])]["name"] if path.endswith(".name") else None,
            violation,
        )
        for path, violation in problems
    ]
    return found
