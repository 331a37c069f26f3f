"""A plan's rules: retention, copies, schedule, Windows VSS and continuous backup, before and after."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from ..resources import PLAN, SELECTION
from .findings import WARNING, Finding, Sides, days, finding, inputs, of_type, shorter, vault_place
from .selections import Scope


def longest_gap_minutes(schedule: str) -> Optional[int]:
    """The longest time between two runs of a ``cron(...)`` schedule, or ``None`` when unknown.

    Uses the components' rules of this checkout (or installed package) for both sides, so that
    both are measured alike. Imported here, in the comparing process: the processes that run each
    side's program (which must import their own ``components``) never import them.
    """
    from ..component_rules import rules

    try:
        return rules.longest_gap_minutes(schedule) if rules.schedule(schedule) is None else None
    except Exception:  # a schedule the cron library cannot follow: no judgement
        return None


def _every(minutes: int) -> str:
    if minutes % 1440 == 0:
        return days(minutes // 1440)
    if minutes % 60 == 0:
        return f"{minutes // 60} hour" + ("" if minutes == 60 else "s")
    return f"{minutes} minutes"


def _matched(before: list[dict[str, Any]], after: list[dict[str, Any]], key: str) -> tuple[list, list, list]:
    """Pairs of items with the same ``key``; leftovers paired in order when as many are left on
    each side (a renamed item); then the removed and the added ones."""
    new_by_key = {item.get(key): item for item in after}
    pairs = [(item, new_by_key[item.get(key)]) for item in before if item.get(key) in new_by_key]
    old_left = [item for item in before if item.get(key) not in new_by_key]
    old_keys = {item.get(key) for item in before}
    new_left = [item for item in after if item.get(key) not in old_keys]
    if old_left and len(old_left) == len(new_left):
        return pairs + list(zip(old_left, new_left, strict=True)), [], []
    return pairs, old_left, new_left


def _lifecycle_days(lifecycle: Optional[Mapping[str, Any]]) -> Optional[int]:
    return (lifecycle or {}).get("deleteAfter")


def _copy_days(copy: Mapping[str, Any], rule: Mapping[str, Any]) -> Optional[int]:
    """A copy's retention: its own lifecycle, else the rule's (AWS_RULES: an omitted copy
    lifecycle is the source lifecycle)."""
    if copy.get("lifecycle") is None:
        return _lifecycle_days(rule.get("lifecycle"))
    return _lifecycle_days(copy["lifecycle"])


def _vss(plan: Mapping[str, Any]) -> bool:
    return any(
        (setting.get("backupOptions") or {}).get("WindowsVSS") == "enabled"
        for setting in inputs(plan).get("advancedBackupSettings") or []
    )


def _plan_label(plan: Mapping[str, Any], was: Optional[str]) -> str:
    """``plan `weekly```, or ``plan `weekly-2` (renamed from `weekly`)``."""
    name = inputs(plan).get("name")
    return f"plan `{name}`" + (f" (renamed from `{was}`)" if was else "")


def _rule_findings(
    plan: dict[str, Any], before: Mapping[str, Any], after: Mapping[str, Any], was: Optional[str] = None
) -> list[Finding]:
    findings = []
    plan_name, rule_name = inputs(plan).get("name"), after.get("ruleName")
    rule = _plan_label(plan, was) if rule_name == plan_name else f"rule `{rule_name}` of {_plan_label(plan, was)}"
    old_days, new_days = _lifecycle_days(before.get("lifecycle")), _lifecycle_days(after.get("lifecycle"))
    # Plan changes apply to recovery points made from then on ("Backup Plan | Update", AMS Change
    # Type Reference: "no effect on existing backups created by the backup plan").
    if shorter(old_days, new_days):
        findings.append(
            finding(
                WARNING,
                plan,
                f"retention shortened: {rule} keeps new recovery points {days(new_days)} instead of "
                f"{days(old_days)} (`lifecycle.deleteAfter: {old_days if old_days is not None else '(none)'} → "
                f"{new_days}`): a restore can reach back only {days(new_days)} (recovery points made before "
                "the change keep their retention).",
                f"retention shortened: {rule}: {days(old_days)} → {days(new_days)}.",
            )
        )
    copies, removed, _ = _matched(
        list(before.get("copyActions") or []), list(after.get("copyActions") or []), "destinationVaultArn"
    )
    for old_copy, new_copy in copies:
        if old_copy.get("destinationVaultArn") != new_copy.get("destinationVaultArn"):
            findings.append(
                finding(
                    WARNING,
                    plan,
                    f"copy redirected: {rule} now copies to {vault_place(new_copy.get('destinationVaultArn'))} "
                    f"instead of {vault_place(old_copy.get('destinationVaultArn'))}: new copies go there, the "
                    "copies already made stay where they are and expire there.",
                    f"copy redirected: {rule}: {vault_place(old_copy.get('destinationVaultArn'))} → "
                    f"{vault_place(new_copy.get('destinationVaultArn'))}.",
                )
            )
        old_kept, new_kept = _copy_days(old_copy, before), _copy_days(new_copy, after)
        if shorter(old_kept, new_kept):
            findings.append(
                finding(
                    WARNING,
                    plan,
                    f"retention shortened: {rule} keeps its copies in "
                    f"{vault_place(new_copy.get('destinationVaultArn'))} {days(new_kept)} instead of "
                    f"{days(old_kept)}.",
                    f"copy retention shortened: {rule}: {days(old_kept)} → {days(new_kept)}.",
                )
            )
    for copy in removed:
        findings.append(
            finding(
                WARNING,
                plan,
                f"copy removed: {rule} no longer copies to {vault_place(copy.get('destinationVaultArn'))} (kept "
                f"{days(_copy_days(copy, before))}): new recovery points have one copy fewer, and none there.",
                f"copy removed: {rule} no longer copies to {vault_place(copy.get('destinationVaultArn'))}.",
            )
        )
    old_gap, new_gap = longest_gap_minutes(str(before.get("schedule"))), longest_gap_minutes(str(after.get("schedule")))
    if old_gap is not None and new_gap is not None and new_gap > old_gap:
        findings.append(
            finding(
                WARNING,
                plan,
                f"backups less often: {rule} now runs `{after.get('schedule')}` instead of `{before.get('schedule')}`: "
                f"up to {_every(new_gap)} between two backups instead of {_every(old_gap)}, so more data can be "
                "lost.",
                f"backups less often: {rule}: every {_every(old_gap)} → {_every(new_gap)} at most.",
            )
        )
    if before.get("enableContinuousBackup") and not after.get("enableContinuousBackup"):
        findings.append(
            finding(
                WARNING,
                plan,
                f"continuous backup turned off: {rule} no longer allows point-in-time restores.",
            )
        )
    return findings


def _selected(resources: Mapping[str, dict[str, Any]], plan: Mapping[str, Any]) -> list[Scope]:
    """What the selections of ``plan`` select."""
    return [Scope.of(s) for s in of_type(resources, SELECTION) if str(inputs(s).get("planId")) == str(plan.get("id"))]


def _successors(sides: Sides) -> list[tuple[dict[str, Any], dict[str, Any], Optional[str]]]:
    """Each base plan with the head plan it becomes, and its old name when it was renamed.

    The head plan is its counterpart, else the added plan of the same name, else an added plan
    whose selections select everything the old plan's selected: a plan renamed in the stack
    file (its URN follows its name), whose rules must be judged against the old plan's.
    """
    added = [p for p in sides.added if p["type"] == PLAN]
    by_name = {str(inputs(p).get("name")): p for p in added}
    found: list[tuple[dict[str, Any], dict[str, Any], Optional[str]]] = []
    unpaired = []
    for plan in of_type(sides.base, PLAN):
        after = sides.counterpart(plan["urn"]) or by_name.get(str(inputs(plan).get("name")))
        if after is None:
            unpaired.append(plan)
        else:
            found.append((plan, after, None))
    taken = {after["urn"] for _, after, _ in found}
    for plan in unpaired:
        old_scopes = _selected(sides.base, plan)
        for candidate in added:
            new_scopes = _selected(sides.head, candidate)
            if candidate["urn"] in taken or not old_scopes or not new_scopes:
                continue
            if all(any(new.covers(old, part) for new in new_scopes) for old in old_scopes for part in old.parts()):
                found.append((plan, candidate, str(inputs(plan).get("name"))))
                taken.add(candidate["urn"])
                break
    return found  # a plan without a successor is deleted: judged by what its selections no longer select


def plans(sides: Sides) -> list[Finding]:
    """Rules shortened, thinned or removed, and Windows VSS turned off, plan by plan (renamed ones too)."""
    findings = []
    for plan, after, was in _successors(sides):
        named = _plan_label(after, was)
        # "Create Windows VSS backups" (AWS Backup guide): without VSS, backups of Windows
        # instances are crash-consistent rather than application-consistent.
        if _vss(plan) and not _vss(after):
            findings.append(
                finding(
                    WARNING,
                    after,
                    f"Windows VSS turned off: {named} now takes crash-consistent backups of Windows instances, no "
                    "longer application-consistent ones (open files and databases may not restore cleanly).",
                    f"Windows VSS turned off in {named}.",
                )
            )
        rules, removed, _ = _matched(
            list(inputs(plan).get("rules") or []), list(inputs(after).get("rules") or []), "ruleName"
        )
        for before, now in rules:
            findings += _rule_findings(after, before, now, was)
        for rule in removed:
            findings.append(
                finding(
                    WARNING,
                    after,
                    f"rule removed: {named} no longer runs rule `{rule.get('ruleName')}` "
                    f"(`{rule.get('schedule')}`, kept {days(_lifecycle_days(rule.get('lifecycle')))}, "
                    f"{len(rule.get('copyActions') or [])} copies): the backups it made stop.",
                    f"rule removed: `{rule.get('ruleName')}` of {named}.",
                )
            )
    return findings


__all__ = ["longest_gap_minutes", "plans"]
