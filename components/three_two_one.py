"""The 3-2-1 verdict: for each plan, where copies of its recovery points exist and how, judged
per resource type the plan may select.

3 copies, on 2 kinds of media, 1 off-site. As in the article's table, the copies counted are
the backups (A: the stack's vault, B: another region, C: the archive account), not the live
volume. AWS does not define "media"; this program counts AWS Backup's storage tiers (warm,
cold), and a copy is cold only for the resource types AWS Backup really moves to cold storage
(:mod:`components.storage_tiers`): never EC2 instance backups (AMIs), EBS volume backups only
with the archive-tier opt-in. Another vault, region or account, a lock, or a logically
air-gapped vault makes a copy separate or isolated, not a different medium. "Off-site" means
another region or another account than the stack's vault.

Copies are counted per rule, because a recovery point exists only where its own rule keeps it:
a weekly rule copying to the second region and a monthly rule copying to the archive account
keep no recovery point three times. So "3 copies, 1 off-site" needs one rule whose recovery
points are kept in 3 places, one of them off-site (a *complete* rule). The 2 media may come
from different rules (a daily warm rule and a monthly cold one is the usual way), but a medium
counts only from a complete rule: a cold copy kept in one place is one account, Region or
vault away from being the only copy on that medium, which is what 3-2-1 guards against. When
no rule is complete, the media are those of every rule (the verdict fails on the copies).

Everything here is a pure function of plain values, so the verdict can be computed from any
export of the plans.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any, Optional

from . import rules, storage_tiers
from .storage_tiers import COLD, EBS, EC2, S3, TIERS, WARM

#: Kept for callers that imported the tier names from here.
__all__ = [
    "COLD",
    "WARM",
    "BackupCopy",
    "air_gapped_target_cold",
    "copies_of_rule",
    "cross_account_check",
    "plan_verdict",
    "stack_verdicts",
]


@dataclass(frozen=True)
class BackupCopy:
    """One place a recovery point is kept."""

    rule: str
    """The rule that makes it."""
    role: str
    """``primary``, or the kind of copy: ``copy``."""
    region: str
    account: str
    vault: str
    tier: str
    """``cold`` when every selected type moves to cold storage, ``warm`` when none does,
    ``mixed`` when only some do (see ``cold_for``)."""
    retention_days: Optional[int]
    """Days kept; ``None``: until deleted by hand."""
    cold_for: tuple[str, ...] = ()
    """The selected types whose recovery points this lifecycle moves to cold storage."""
    cold_storage_after_days: Optional[int] = None
    """The cold setting as written (it may be ignored for some types)."""
    why_warm: Mapping[str, str] = field(default_factory=dict)
    """Per selected type a cold setting does not move: why (not exported)."""

    def as_output(self) -> dict[str, Any]:
        """The copy as the verdict exports it."""
        return {
            "rule": self.rule,
            "role": self.role,
            "region": self.region,
            "account": self.account,
            "vault": self.vault,
            "tier": self.tier,
            "retention_days": self.retention_days,
            "cold_storage_after_days": self.cold_storage_after_days,
            "cold_for": list(self.cold_for),
        }


def _copy(
    rule: str,
    role: str,
    where: tuple[str, str, str],
    days: Optional[int],
    cold: Optional[int],
    opt_in: bool,
    types: Sequence[str],
    air_gapped: bool = False,
) -> BackupCopy:
    region, account, vault = where
    tiers = {t: storage_tiers.tier(t, cold, opt_in, region, air_gapped=air_gapped) for t in types}
    going = tuple(t for t in types if tiers[t][0] == COLD)
    tier = COLD if going and len(going) == len(types) else "mixed" if going else WARM
    why = {t: reason for t, (_, reason) in tiers.items() if reason}
    return BackupCopy(rule, role, region, account, vault, tier, days, going, cold, why)


def copies_of_rule(
    rule: Mapping[str, Any],
    *,
    region: str,
    account: str,
    vault_name: str,
    resource_types: Iterable[str] = (EC2, EBS),
    air_gapped_vaults: Collection[str] = (),
) -> list[BackupCopy]:
    """The recovery point a rule makes in the stack's vault, and each copy its copy actions make.

    ``rule`` is a :class:`components.BackupRuleArgs` whose copy destinations are known ARNs. A
    copy's omitted lifecycle is the rule's. ``resource_types``: what the plan may select.
    ``air_gapped_vaults``: destination ARNs of logically air-gapped vaults (copies there count
    warm: see :data:`components.storage_tiers.AIR_GAPPED_TIER_UNCONFIRMED`), as the rule's own
    recovery point does when it backs up into one (``air_gapped_target``).
    """
    types = storage_tiers.ordered(resource_types)
    days, cold = rule.get("delete_after_days"), rule.get("cold_storage_after_days")
    opt_in = bool(rule.get("opt_in_to_archive"))
    # Where the rule keeps its recovery point: an air-gapped vault it backs up into (EC2 and EBS
    # pass through the backup vault only for the copy), else its own target vault.
    air_gapped, target = (rule.get("air_gapped_target") or {}).get("vault_arn"), rule.get("target_vault_name")
    primary_cold, primary_opt_in = cold, opt_in
    if isinstance(air_gapped, str):
        vault_name = rules.vault_arn_parts(air_gapped)[2]
        # AWS does not document cold storage in a logically air-gapped vault: counted warm there
        # (plan_verdict says so in ``assumed``). Copies still follow the rule's lifecycle.
        primary_cold, primary_opt_in = None, False
    elif isinstance(target, str):
        vault_name = target
    primary = _copy(rule["name"], "primary", (region, account, vault_name), days, primary_cold, primary_opt_in, types)
    copies = [replace(primary, cold_storage_after_days=cold)]  # the setting as written
    for copy in rule.get("copy_actions") or []:
        copies.append(
            _copy(
                rule["name"],
                "copy",
                rules.vault_arn_parts(copy["destination_vault_arn"]),
                copy.get("delete_after_days", days),
                copy.get("cold_storage_after_days", cold),
                bool(copy.get("opt_in_to_archive", opt_in)),
                types,
                copy["destination_vault_arn"] in air_gapped_vaults,
            )
        )
    return copies


def _why_one_medium(
    resource_type: str,
    by_rule: Mapping[str, Sequence[BackupCopy]],
    tiers_by_rule: Mapping[str, set[str]],
    complete: Sequence[str],
) -> str:
    """Why ``resource_type`` reaches one medium only, in a backup admin's words: a medium that only
    rules short of 3 copies (or of an off-site one) give, else why nothing moves it to cold storage."""
    support = TIERS[resource_type]
    missing = _uncounted(tiers_by_rule, complete)
    if missing:
        elsewhere = [name for name in by_rule if name not in complete and missing & tiers_by_rule[name]]
        return (
            f"the {' and '.join(sorted(missing))} copies of {support.backups} come only from {_names(elsewhere)}, "
            "whose recovery points are not kept in 3 places with one off-site, and a medium counts only on a rule "
            "whose are: copy that rule's backups to another region and another account"
        )
    if not any(WARM in tiers for tiers in tiers_by_rule.values()):
        return (
            f"every copy of {support.backups} moves to cold storage: keep one warm (a rule or copy without "
            "cold_storage_after_days)"
        )
    copies = [c for cs in by_rule.values() for c in cs]
    ignored = sorted({c.why_warm[resource_type] for c in copies if resource_type in c.why_warm})
    if ignored:
        return "; ".join(ignored)
    if not support.cold:
        return f"{support.backups} stay warm: {support.no_cold}"
    return f"{support.backups} stay warm: no copy moves them to cold storage"


def _uncounted(tiers_by_rule: Mapping[str, set[str]], complete: Sequence[str]) -> set[str]:
    """The media a type reaches only on rules that are not complete (none when no rule is)."""
    if not complete:
        return set()
    counted = {m for name in complete for m in tiers_by_rule[name]}
    return {m for tiers in tiers_by_rule.values() for m in tiers} - counted


#: The selection of every EBS volume of the stack's account and Region (AWS Backup guide, "Assign
#: resources with AWS CLI"), to narrow by tag.
VOLUMES = "arn:aws:ec2:*:*:volume/*"


def _advice(types: Sequence[str], short_of_media: Sequence[str], *, certain: bool) -> list[str]:
    """What to change, per type short of a second medium (not those whose medium only needs more
    copies: the reason says how)."""
    advice: list[str] = []
    volumes = VOLUMES
    if EC2 in short_of_media and (certain or list(types) == [EC2]):
        advice.append(
            "AWS Backup keeps EC2 instance backups (AMIs) in warm storage, so they cannot give a second medium: "
            "back the instances' EBS volumes up in a plan that selects volumes (resources: "
            f"['{volumes}'] with the tag under conditions) and moves a copy to the EBS archive tier "
            "(cold_storage_after_days with opt_in_to_archive: true). Those volume snapshots are crash-consistent, "
            "not VSS. A logically air-gapped vault isolates a copy; it does not change its medium."
        )
    if EBS in short_of_media:
        advice.append(
            "move one copy of the EBS volume backups to the EBS archive tier: cold_storage_after_days with "
            "opt_in_to_archive: true, on a monthly or rarer rule (archived snapshots are full snapshots, kept "
            "at least 90 days, up to 72 hours to restore: EBS User Guide, Considerations and limitations for "
            "archiving Amazon EBS snapshots)"
        )
    if S3 in short_of_media:
        advice.append(
            "AWS Backup has no cold storage for S3 backups: a second medium for buckets is outside AWS Backup"
        )
    if not certain and EBS in types and len(types) > 1:
        advice.append(
            f"to judge the volumes alone, select them by type (resources: ['{volumes}'] with the tag under "
            "conditions.string_equals), so the plan holds EBS volumes only"
        )
    return advice


def air_gapped_target_cold(rule: Mapping[str, Any]) -> Optional[str]:
    """The air-gapped vault a rule backs up into with cold storage set: what AWS does not document."""
    arn = (rule.get("air_gapped_target") or {}).get("vault_arn")
    if isinstance(arn, str) and rule.get("cold_storage_after_days") is not None:
        return rules.vault_arn_parts(arn)[2]
    return None


def _air_gapped_cold_assumed(plan_rules: Sequence[Mapping[str, Any]]) -> list[str]:
    return [
        f"rule {rule['name']!r} backs up into logically air-gapped vault {vault!r} with cold storage set: counted "
        "warm there, since AWS does not document cold storage in an air-gapped vault (unconfirmed)"
        for rule in plan_rules
        if (vault := air_gapped_target_cold(rule))
    ]


def cross_account_check(doctor: str = "python -m doctor --archive-copies") -> str:
    """What copies of EC2 and EBS backups to another account depend on, which no offline check can
    see, as a check to run with the ``doctor`` command given.

    AWS Backup guide, "Encryption for backups in AWS Backup": EBS backups keep the source volume's
    key ("Independent AWS Backup encryption: Not supported"; AMIs: "EBS snapshots are encrypted by
    the default encryption rules for EBS backups"), and "Cross-account copy with AWS managed keys
    isn't supported for resources that aren't fully managed by AWS Backup". So it holds whatever
    key the stack's vault has.
    """
    return (
        "copies of EC2 instance and EBS volume backups to another account keep their volumes' encryption (the "
        "vault's key plays no part in them), and a volume on the AWS managed key aws/ebs cannot be copied to "
        "another account (AWS Backup guide, Encryption for backups in AWS Backup): before relying on that copy, run "
        f"`{doctor}` (it lists the instances' volumes on aws/ebs) and check volumes backed up on their own the same "
        "way (`aws ec2 describe-volumes` shows their KmsKeyId)"
    )


def _count(n: int) -> str:
    return f"{n} cop{'y' if n == 1 else 'ies'}"


def _where(copies: Sequence[BackupCopy], region: str, account: str) -> str:
    """Where some copies are kept: ``in 3 places, 2 off-site`` or ``only on-site (vault v in r)``."""
    places = sorted({(c.region, c.account, c.vault) for c in copies})
    away = [p for p in places if p[0] != region or p[1] != account]
    if not away:
        return "only on-site (" + ", ".join(f"vault {v} in {r}, account {a}" for r, a, v in places) + ")"
    return f"in {len(places)} place{'s' if len(places) != 1 else ''}, {len(away)} off-site"


def _names(rules_: Iterable[str]) -> str:
    listed = [f"'{name}'" for name in rules_]
    return ("rule " if len(listed) == 1 else "rules ") + ", ".join(listed)


def plan_verdict(
    plan_rules: Sequence[Mapping[str, Any]],
    *,
    region: str,
    account: str,
    vault_name: str,
    resource_types: Iterable[str] = (EC2, EBS),
    types_certain: bool = False,
    assumed: Sequence[str] = (),
    air_gapped_vaults: Collection[str] = (),
    key_check: Optional[str] = None,
) -> dict[str, Any]:
    """Whether a plan's recovery points meet 3-2-1 for every type it may select (see the module
    docstring: copies and off-site per rule, media across the complete rules).

    Keys: ``copies`` (rule, role, region, account, vault, tier, retention_days, cold_for,
    cold_storage_after_days), ``copy_count`` (the most places one rule keeps its recovery
    points in), ``complete_rules`` (the rules whose recovery points are kept 3 times, one
    off-site), ``media`` (the tiers every selected type reaches), ``media_notes`` (per type,
    which rules give which medium and where the cold copies are), ``off_site``,
    ``meets_3_2_1``, ``certain`` (``False`` when the types are assumed from a tag: the verdict
    holds for those types only), ``reasons`` (each ``"<part>? no: ..."``), ``resource_types``,
    ``assumed`` (why, when the types come from tags), ``by_type`` (per type: ``media`` and
    ``meets_3_2_1``), ``advice`` and ``checks`` (what to check outside this program: the volumes'
    keys, when EC2 or EBS backups are copied to another account; ``key_check``, else
    :func:`cross_account_check`'s). Default types: EC2 and EBS, assumed. ``air_gapped_vaults``: see
    :func:`copies_of_rule`.
    """
    types = storage_tiers.ordered(resource_types) or [storage_tiers.OTHER]
    assumed = [*assumed, *_air_gapped_cold_assumed(plan_rules)]
    by_rule: dict[str, list[BackupCopy]] = {}
    for rule in plan_rules:
        by_rule[rule["name"]] = copies_of_rule(
            rule,
            region=region,
            account=account,
            vault_name=vault_name,
            resource_types=types,
            air_gapped_vaults=air_gapped_vaults,
        )
    copies = [c for rule_copies in by_rule.values() for c in rule_copies]
    kept_in = {name: len({(c.region, c.account, c.vault) for c in cs}) for name, cs in by_rule.items()}
    away = {name: any(c.region != region or c.account != account for c in cs) for name, cs in by_rule.items()}
    complete = [name for name in by_rule if kept_in[name] >= 3 and away[name]]
    copy_count = max(kept_in.values(), default=0)
    three = [name for name in by_rule if kept_in[name] >= 3]
    off_site = any(away[name] for name in (three or by_rule))
    # The media: of the complete rules' recovery points, else (the verdict fails anyway) of all.
    counted = complete or list(by_rule)
    tiers_by_rule = {
        t: {name: {COLD if t in c.cold_for else WARM for c in by_rule[name]} for name in by_rule} for t in types
    }
    media_of = {t: sorted({m for name in counted for m in tiers_by_rule[t][name]}) for t in types}
    media = [m for m in (COLD, WARM) if all(m in media_of[t] for t in types)]
    short_of_media = [t for t in types if len(media_of[t]) < 2]
    # Types whose missing medium exists on a rule short of copies: the reason's fix is the advice.
    needs_copies = [t for t in short_of_media if _uncounted(tiers_by_rule[t], complete)]

    reasons = []
    if not three and len(by_rule) > 1:
        reasons.append(
            "3 copies? no: no rule keeps its recovery points in 3 places "
            f"({', '.join(f'{name}: {kept_in[name]}' for name in by_rule)}), and a recovery point exists only where "
            "its own rule keeps it: copy one rule's backups to another region and another account"
        )
    elif not three:
        reasons.append(f"3 copies? no: {_count(copy_count)} (3 needed): add copies to another region and account")
    if short_of_media:
        explained = "; ".join(
            dict.fromkeys(_why_one_medium(t, by_rule, tiers_by_rule[t], complete) for t in short_of_media)
        )
        reasons.append(f"2 media? no: {explained}")
    if not off_site:
        which = (
            "no copy"
            if not three
            else f"no copy of {_names(three)}, which keep{'s' if len(three) == 1 else ''} 3 copies,"
        )
        reasons.append(
            f"1 off-site? no: {which} outside the stack's region and account: copy to another region or account"
        )
    return {
        "copies": [c.as_output() for c in copies],
        "copy_count": copy_count,
        "complete_rules": complete,
        "media": media,
        "media_notes": _media_notes(types, by_rule, tiers_by_rule, counted, region, account),
        "off_site": off_site,
        "meets_3_2_1": not reasons,
        "certain": types_certain,
        "reasons": reasons,
        "resource_types": types,
        "assumed": list(assumed),
        "by_type": {t: {"media": media_of[t], "meets_3_2_1": bool(complete) and len(media_of[t]) >= 2} for t in types},
        "advice": _advice(types, [t for t in short_of_media if t not in needs_copies], certain=types_certain),
        "checks": (
            [key_check or cross_account_check()]
            if {EC2, EBS} & set(types) and any(c.account != account for c in copies)
            else []
        ),
    }


def _media_notes(
    types: Sequence[str],
    by_rule: Mapping[str, Sequence[BackupCopy]],
    tiers_by_rule: Mapping[str, Mapping[str, set[str]]],
    counted: Sequence[str],
    region: str,
    account: str,
) -> list[str]:
    """Per type that reaches cold storage: which rules give the warm and the cold medium, and where
    the cold copies are kept (said plainly when they are all on-site)."""
    notes = []
    for t in types:
        cold_rules = [name for name in counted if COLD in tiers_by_rule[t][name]]
        if not cold_rules:
            continue
        warm_rules = [name for name in counted if WARM in tiers_by_rule[t][name]]
        cold_copies = [c for name in cold_rules for c in by_rule[name] if t in c.cold_for]
        warm = f"warm from {_names(warm_rules)}; " if warm_rules else ""
        notes.append(
            f"{TIERS[t].backups}: {warm}cold from {_names(cold_rules)}, kept {_where(cold_copies, region, account)}"
        )
    return notes


def stack_verdicts(
    plans: Sequence[Mapping[str, Any]],
    *,
    region: str,
    account: str,
    vault_name: str,
    air_gapped_vaults: Collection[str] = (),
    key_check: Optional[str] = None,
) -> dict[str, dict[str, Any]]:
    """The verdict of every plan, by plan name.

    Each plan is ``{"name", "rules", "resource_types", "types_certain", "assumed"}`` (rules with
    known copy ARNs). A plan whose EC2 instances fall short of a second medium is pointed to the
    stack's plans that keep EBS volumes alone on both media, the place for those instances'
    volumes.
    """
    judged = {
        plan["name"]: plan_verdict(
            plan["rules"],
            region=region,
            account=account,
            vault_name=vault_name,
            resource_types=plan.get("resource_types", (EC2, EBS)),
            types_certain=bool(plan.get("types_certain", False)),
            assumed=plan.get("assumed", ()),
            air_gapped_vaults=air_gapped_vaults,
            key_check=key_check,
        )
        for plan in plans
    }
    volume_plans = [
        name for name, verdict in judged.items() if verdict["resource_types"] == [EBS] and verdict["meets_3_2_1"]
    ]
    for verdict in judged.values():
        if volume_plans and not verdict["by_type"].get(EC2, {"meets_3_2_1": True})["meets_3_2_1"]:
            named = ", ".join(f"'{name}'" for name in volume_plans)
            verdict["advice"].append(
                f"plan {named} of this stack keeps EBS volumes on both media: tag these instances' volumes for it "
                "to give their data a second medium"
            )
    return judged
