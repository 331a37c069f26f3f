"""Copies B and C and the rules that make them: destinations in the stack's partition and elsewhere
than the stack, retentions within the locks they write to, a rule's own target vaults, and the keys
and storage copies of EC2 and EBS backups depend on."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from .. import rules, storage_tiers
from ..three_two_one import air_gapped_target_cold, cross_account_check
from .common import (
    ARCHIVE,
    CROSS_REGION,
    DESTINATIONS,
    Finding,
    StackProblem,
    copy_lifecycle,
    copy_targets,
    lock_range,
    plain_arn,
    vss_tag_pairs,
)
from .tiers import selected_types

#: The vault AWS Backup creates in each region, encrypted with the AWS-managed key.
DEFAULT_VAULT = "Default"


def destination_problems(args: Mapping[str, Any], source_account_id: Optional[str]) -> list[StackProblem]:
    """Copy B in its own region (another than the stack's), copy C in another account, both in the
    stack's partition."""
    found: list[StackProblem] = []
    cross_region = args.get(CROSS_REGION)
    archive = args.get(ARCHIVE)
    existing = plain_arn(cross_region.get("existing_vault_arn")) if cross_region else None
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
    found += partition_problems(args)
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
        archive_arn = plain_arn(archive.get("vault_arn"))
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
    return found


def partition_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Copies B and C stay in the stack's partition (see :func:`rules.copy_partition`)."""
    found: list[StackProblem] = []
    cross_region, archive = args.get(CROSS_REGION), args.get(ARCHIVE)
    if cross_region and (violation := rules.copy_partition(args["region"], cross_region["region"])):
        found.append((f"{CROSS_REGION}.region", cross_region["region"], violation))
    archive_arn = plain_arn(archive.get("vault_arn")) if archive else None
    if archive_arn and (violation := rules.copy_partition(args["region"], rules.vault_arn_parts(archive_arn)[0])):
        found.append((f"{ARCHIVE}.vault_arn", archive_arn, violation))
    return found


def rule_problems(args: Mapping[str, Any], source_account_id: Optional[str]) -> list[StackProblem]:
    """Each rule's retention within the lock of the vault it writes to, its own target vaults, and
    each of its copies: a destination the stack has, a valid lifecycle within that vault's lock."""
    found: list[StackProblem] = []
    cross_region, archive, vault = args.get(CROSS_REGION), args.get(ARCHIVE), args["vault"]
    destinations = {CROSS_REGION: cross_region, ARCHIVE: archive}
    primary_min, primary_max = lock_range(vault.get("lock"))
    for plan_index, plan in enumerate(args["plans"]):
        for rule_index, rule in enumerate(plan["rules"]):
            at = f"plans[{plan_index}].rules[{rule_index}]"
            # Only a rule writing to the stack's vault is bound by its lock.
            if rule.get("target_vault_name") in (None, vault.get("name")):
                violation = rules.retention_within_lock(rule.get("delete_after_days"), primary_min, primary_max)
                if violation:
                    found.append((f"{at}.delete_after_days", rule.get("delete_after_days"), violation))
            found += target_problems(at, rule, args, source_account_id)
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
                lock_min, lock_max = lock_range(destination.get("lock"))
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


def target_problems(
    at: str, rule: Mapping[str, Any], args: Mapping[str, Any], source_account_id: Optional[str]
) -> list[StackProblem]:
    """A rule's own target vaults: an air-gapped vault of this account and region, within its lock;
    and no archive copies out of the Default vault."""
    found: list[StackProblem] = []
    target = rule.get("air_gapped_target") or {}
    arn = plain_arn(target.get("vault_arn"))
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


def air_gapped_cold_findings(args: Mapping[str, Any]) -> list[Finding]:
    """Cold storage on a rule that backs up into a logically air-gapped vault: not documented there."""
    found: list[Finding] = []
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


def air_gapped_archive_findings(args: Mapping[str, Any], account_id: Optional[str] = None) -> list[Finding]:
    """Copies into an air-gapped archive vault (``archive.air_gapped``) that ask for the EBS archive
    tier: counted warm (:data:`components.storage_tiers.AIR_GAPPED_TIER_UNCONFIRMED`), said once."""
    archive = args.get(ARCHIVE)
    if not archive or not archive.get("air_gapped"):
        return []

    def archives_volumes(rule: Mapping[str, Any]) -> bool:
        _, cold, opt_in = copy_lifecycle(rule, archive)
        return ARCHIVE in copy_targets(rule, args) and cold is not None and opt_in

    asking = [
        repr(plan["name"])
        for plan, selected in zip(args["plans"], selected_types(args, account_id), strict=True)
        if storage_tiers.EBS in selected.types and any(archives_volumes(rule) for rule in plan["rules"])
    ]
    if not asking:
        return []
    plans = f"plan {asking[0]} moves" if len(asking) == 1 else f"plans {', '.join(asking)} move"
    return [
        (
            False,
            f"{ARCHIVE}.air_gapped",
            True,
            rules.Violation(
                f"{plans} EBS volume copies in the archive vault to the EBS archive tier, and that vault is logically "
                f"air-gapped: {storage_tiers.AIR_GAPPED_TIER_UNCONFIRMED}",
                "keep the cold medium on copies in standard vaults (the stack's own or copy B); should AWS confirm the "
                "tier for air-gapped vaults, check the copies' storage class in the archive account",
            ),
        )
    ]


def key_findings(args: Mapping[str, Any], account_id: Optional[str] = None) -> list[Finding]:
    """The key of copy B's new vault, which copies of EC2 and EBS backups depend on. (What copy C
    depends on, the volumes' own keys, no offline check can see: the 3-2-1 verdict names it as a
    check to run, :func:`archive_key_check`.)"""
    found: list[Finding] = []
    ec2_or_ebs = {storage_tiers.EC2, storage_tiers.EBS}
    copied_to: set[str] = set()
    for plan, selected in zip(args["plans"], selected_types(args, account_id), strict=True):
        if selected.types & ec2_or_ebs:
            copied_to |= {target for rule in plan["rules"] for target in copy_targets(rule, args)}
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


def archive_key_check(args: Mapping[str, Any]) -> str:
    """What copies of EC2 and EBS backups to another account depend on, as a check to run with the
    doctor (the stack's region and its Windows VSS plans' tag filled in)."""
    tag_key, tag_value = (vss_tag_pairs(args) or [("<tag key>", "<tag value>")])[0]
    return cross_account_check(
        f"python -m doctor --region {args['region']} --tag-key {tag_key} --tag-value {tag_value} --archive-copies"
    )
