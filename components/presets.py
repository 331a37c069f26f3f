"""Ready-made rules and selections: a good backup set-up in a few lines.

Each preset returns plain arguments, so it can be adjusted before use::

    rules = daily_weekly_monthly_rules()
    rules[0]["delete_after_days"] = 14
"""

from typing import Optional

import pulumi

from .plan import BackupRuleArgs
from .selection import BackupSelectionArgs


def weekly_windows_rule(
    name: str = "weekly", *, day: str = "SUN", hour_utc: int = 18, keep_days: int = 30
) -> BackupRuleArgs:
    """Once a week (default Sunday 18:00 UTC, as in the article), kept ``keep_days`` (default 30).

    Use it in a plan with ``windows_vss=True`` for application-consistent Windows backups;
    the one-day completion window leaves whole-instance snapshots time to finish.
    """
    return BackupRuleArgs(
        name=name,
        schedule=f"cron(0 {hour_utc} ? * {day} *)",
        start_window_minutes=60,
        completion_window_minutes=1440,
        delete_after_days=keep_days,
    )


def daily_weekly_monthly_rules(
    *,
    hour_utc: int = 5,
    keep_daily_days: int = 35,
    keep_weekly_days: int = 90,
    keep_monthly_days: int = 5 * 365,
    archive_monthly: bool = True,
) -> list[BackupRuleArgs]:
    """Daily backups kept 5 weeks, weekly (Saturdays) kept 3 months, monthly (the 1st) kept 5 years.
    All run at ``hour_utc`` (default 05:00 UTC).

    With ``archive_monthly`` (default ``True``), monthly recovery points move to cold storage
    after 90 days, opted in to the archive tier: AWS Backup moves EBS volume backups to the EBS
    archive tier, and keeps EC2 instance backups (AMIs) warm, ignoring the setting
    (:mod:`components.storage_tiers`). For a plan of instances (Windows VSS), pass ``False``.
    """
    monthly_tier: dict = {"cold_storage_after_days": 90, "opt_in_to_archive": True} if archive_monthly else {}
    return [
        BackupRuleArgs(name="daily", schedule=f"cron(0 {hour_utc} ? * * *)", delete_after_days=keep_daily_days),
        BackupRuleArgs(name="weekly", schedule=f"cron(0 {hour_utc} ? * SAT *)", delete_after_days=keep_weekly_days),
        BackupRuleArgs(
            name="monthly",
            schedule=f"cron(0 {hour_utc} 1 * ? *)",
            delete_after_days=keep_monthly_days,
            **monthly_tier,
        ),
    ]


def tag_selection(
    key: str, value: str, *, plan_id: pulumi.Input[str], role_arn: pulumi.Input[str], name: Optional[str] = None
) -> BackupSelectionArgs:
    """Select the resources tagged ``key=value``; the selection is named after the value by default."""
    return BackupSelectionArgs(
        name=name or value,
        plan_id=plan_id,
        role_arn=role_arn,
        tags={key: value},
    )


__all__ = ["daily_weekly_monthly_rules", "tag_selection", "weekly_windows_rule"]
