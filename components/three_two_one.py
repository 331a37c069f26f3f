"""The 3-2-1 verdict: for each plan's rules, where copies of a recovery point exist and how.

3 copies, on 2 kinds of media, 1 off-site. As in the article's table, the copies counted are
the backups (A: the stack's vault, B: another region, C: the archive account), not the live
volume. "Media" are AWS Backup storage tiers (warm, cold); "off-site" means another region or
another account than the stack's vault.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Optional

from . import rules

WARM = "warm"
COLD = "cold"


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
    """``cold`` when the lifecycle moves it to cold storage, else ``warm``."""
    retention_days: Optional[int]
    """Days kept; ``None``: until deleted by hand."""


def _tier(lifecycle_cold: Optional[int]) -> str:
    return COLD if lifecycle_cold is not None else WARM


def copies_of_rule(rule: Mapping[str, Any], *, region: str, account: str, vault_name: str) -> list[BackupCopy]:
    """The recovery point a rule makes in the stack's vault, and each copy its copy actions make.

    ``rule`` is a :class:`components.BackupRuleArgs` whose copy destinations are known ARNs.
    """
    days, cold = rule.get("delete_after_days"), rule.get("cold_storage_after_days")
    copies = [BackupCopy(rule["name"], "primary", region, account, vault_name, _tier(cold), days)]
    for copy in rule.get("copy_actions") or []:
        dest_region, dest_account, dest_vault = rules.vault_arn_parts(copy["destination_vault_arn"])
        copy_days = copy.get("delete_after_days", days)
        copy_cold = copy.get("cold_storage_after_days", cold)
        copies.append(
            BackupCopy(rule["name"], "copy", dest_region, dest_account, dest_vault, _tier(copy_cold), copy_days)
        )
    return copies


def verdict(copies: Sequence[BackupCopy]) -> dict[str, Any]:
    """Whether these copies meet 3-2-1, with the reasons when they do not."""
    primary = copies[0]
    places = {(c.region, c.account, c.vault) for c in copies}
    tiers = sorted({c.tier for c in copies})
    off_site = [c for c in copies if c.region != primary.region or c.account != primary.account]
    reasons = []
    if len(places) < 3:
        reasons.append(
            f"{len(places)} cop{'y' if len(places) == 1 else 'ies'} (3 needed): "
            "add copies to another region and account"
        )
    if len(tiers) < 2:
        reasons.append(f"one kind of storage ({tiers[0]}): move one copy to cold storage (e.g. the archive copy)")
    if not off_site:
        reasons.append("no copy outside the stack's region and account: copy to another region or account")
    return {
        "copies": [asdict(c) for c in copies],
        "copy_count": len(places),
        "media": tiers,
        "off_site": bool(off_site),
        "meets_3_2_1": not reasons,
        "reasons": reasons,
    }


def plan_verdict(
    plan_rules: Sequence[Mapping[str, Any]], *, region: str, account: str, vault_name: str
) -> dict[str, Any]:
    """The verdict for everything a plan selects: the copies all its rules make together."""
    copies: list[BackupCopy] = []
    for rule in plan_rules:
        copies += copies_of_rule(rule, region=region, account=account, vault_name=vault_name)
    return verdict(copies)
