"""The 3-2-1 verdict each side exports, per plan: met before and not after, or fewer copies, media or off-site."""

from __future__ import annotations

from ..diff import shown
from ..resources import PLAN
from ..verdict import Verdict, VerdictFormatError, plan_verdicts
from .findings import WARNING, Finding, Sides, finding, inputs, of_type


def _losses(before: Verdict, after: Verdict) -> list[str]:
    if before.meets and after.meets is False:
        reasons = "; ".join(after.reasons) or "the verdict gives no reason"
        return [f"3-2-1 is no longer met: {reasons}"]
    losses = []
    if before.meets and not before.qualification and after.qualification:
        losses.append(f"3-2-1 is now met only {after.qualification}")
    if before.copy_count is not None and after.copy_count is not None and after.copy_count < before.copy_count:
        losses.append(f"copies {before.copy_count} → {after.copy_count}")
    lost_media = [m for m in before.media if m not in after.media]
    if lost_media:
        losses.append(f"no longer kept in {', '.join(lost_media)} storage")
    if before.off_site and after.off_site is False:
        losses.append("no copy off-site any more (outside the stack's region and account)")
    return losses


def verdicts(sides: Sides) -> list[Finding]:
    try:
        base = plan_verdicts(sides.base_document.get("outputs")) or {}
        head = plan_verdicts(sides.head_document.get("outputs")) or {}
    except VerdictFormatError:
        return []  # the reports show the verdict as it is; the judgement needs one it can read
    plans = {str(inputs(p).get("name")): p for p in of_type(sides.head, PLAN)}
    grouped: dict[tuple[str, str], list[str]] = {}
    for name, after in head.items():
        before = base.get(name)
        if before is None:
            continue
        for loss in _losses(before, after):
            grouped.setdefault((after.plan, loss), []).append(name)
    findings = []
    for (plan, loss), names in grouped.items():
        subject = plans.get(plan) or {"urn": "", "type": PLAN, "name": plan}
        # Verdicts keyed per selection (earlier exports) name them; a verdict per plan needs no more.
        which = "" if names == [plan] else f" ({', '.join(f'`{n}`' for n in names)})"
        findings.append(
            finding(
                WARNING,
                subject,
                f"3-2-1 weakened for plan `{plan}`{which}: {loss}.",
                f"3-2-1 weakened for plan `{plan}`: {shown(loss, 120)}.",
            )
        )
    return findings


__all__ = ["verdicts"]
