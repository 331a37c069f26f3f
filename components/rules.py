"""AWS Backup rules, one function per rule, shared by the config layer and the components.

Each check takes a plain value and returns ``None`` when the value is acceptable, or a
:class:`Violation` that says which AWS rule it breaks and how to fix it. The config layer adds
the key path and the offending value; the components raise them as one ``pulumi.RunError``.

Sources: the AWS Backup API model shipped in botocore (``backup`` service), the AWS Backup
developer guide, and the Terraform AWS provider that pulumi-aws wraps.
"""

from __future__ import annotations

import datetime as dt
import functools
import itertools
import re
import zoneinfo
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from typing import NamedTuple, Optional

from aws_cron_expression_validator.validator import AWSCronExpressionValidator
from pulumi import RunError
from pyawscron import AWSCron

from . import regions

# Name patterns, as in the botocore model for AWS Backup.
# AWS Backup API, CreateBackupVault: BackupVaultName "^[a-zA-Z0-9\-\_]{2,50}$" and nothing else. No
# word is reserved: names holding "test", "temp", "delete", "remove" or "default" are valid (some
# Terraform modules refuse them; AWS does not).
VAULT_NAME = re.compile(r"^[a-zA-Z0-9\-_]{2,50}$")
PLAN_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
RULE_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
SELECTION_NAME = re.compile(r"^[a-zA-Z0-9\-_.]{1,50}$")
# IAM's \w is ASCII only.
IAM_ROLE_NAME = re.compile(r"^[\w+=,.@-]{1,64}$", re.ASCII)
IAM_ROLE_ARN = re.compile(r"^arn:aws[a-z-]*:iam::\d{12}:role/[\w+=,.@/-]{1,512}$", re.ASCII)
#: Characters AWS accepts in tag keys and values across services (IAM is the strictest).
TAG_TEXT = re.compile(r"[\w .:/=+\-@]*")
KMS_KEY_ARN = re.compile(r"^arn:(?P<partition>aws[a-z-]*):kms:(?P<region>[a-z0-9-]+):\d{12}:key/[a-zA-Z0-9-]+$")
BACKUP_VAULT_ARN = re.compile(
    r"^arn:(?P<partition>aws[a-z-]*):backup:(?P<region>[a-z0-9-]+):(?P<account>\d{12}):"
    r"backup-vault:(?P<name>[a-zA-Z0-9\-_]{2,50})$"
)
RESOURCE_ARN = re.compile(r"^arn:aws[a-z-]*:[a-z0-9-]+:[a-z0-9-]*:(\d{12})?:.+$")

START_WINDOW_MIN = 60
WINDOW_MAX = 52_560_000
DELETE_AFTER_MAX = 36_500
COLD_TO_DELETE_MIN_GAP = 90
CONTINUOUS_RETENTION_MAX = 35
MIN_MINUTES_BETWEEN_JOBS = 60
MAX_ARNS = 500
MAX_WILDCARD_ARNS = 30
TAG_KEY_MAX = 128
TAG_VALUE_MAX = 256
MAX_TAGS = 50
LOCK_GRACE_MIN = 3
AIR_GAPPED_MIN_RETENTION = 7

#: Instance types AWS documents as unable to take VSS-enabled backups.
VSS_UNSUPPORTED_INSTANCE_TYPES = (
    "t2.nano",
    "t2.micro",
    "t3.nano",
    "t3.micro",
    "t3a.nano",
    "t3a.micro",
)


@dataclass(frozen=True)
class Violation:
    """A broken rule: what AWS requires, and what to change."""

    rule: str
    fix: str

    def __str__(self) -> str:
        return f"{self.rule}. Fix: {self.fix}."


def _name(value: str, pattern: re.Pattern[str], what: str, allowed: str) -> Violation | None:
    if pattern.fullmatch(value):
        return None
    return Violation(
        f"{what} must be {allowed}",
        f"use only the allowed characters and length, e.g. {_suggest(value, pattern)!r}",
    )


def _suggest(value: str, pattern: re.Pattern[str]) -> str:
    allowed_dot = pattern is not VAULT_NAME
    cleaned = re.sub(r"[^a-zA-Z0-9\-_.]" if allowed_dot else r"[^a-zA-Z0-9\-_]", "-", value)
    return (cleaned or "my-backup")[:50].ljust(2, "-")


def vault_name(value: str) -> Violation | None:
    """AWS Backup vault names: 2-50 letters, digits, hyphens and underscores (no dots)."""
    return _name(value, VAULT_NAME, "a vault name", "2-50 letters, digits, '-' or '_' (no dots)")


def plan_name(value: str) -> Violation | None:
    """Backup plan names: 1-50 letters, digits, hyphens, underscores and dots."""
    return _name(value, PLAN_NAME, "a plan name", "1-50 letters, digits, '-', '_' or '.'")


def rule_name(value: str) -> Violation | None:
    """Backup rule names: 1-50 letters, digits, hyphens, underscores and dots."""
    return _name(value, RULE_NAME, "a rule name", "1-50 letters, digits, '-', '_' or '.'")


def selection_name(value: str) -> Violation | None:
    """Backup selection names: 1-50 letters, digits, hyphens, underscores and dots."""
    return _name(value, SELECTION_NAME, "a selection name", "1-50 letters, digits, '-', '_' or '.'")


def iam_role_name(value: str) -> Violation | None:
    """IAM role names: 1-64 of letters, digits and ``+=,.@_-``."""
    if IAM_ROLE_NAME.fullmatch(value):
        return None
    return Violation(
        "an IAM role name must be 1-64 letters, digits or '+=,.@_-'",
        "shorten it or replace the other characters with '-'",
    )


def iam_role_arn(value: str) -> Violation | None:
    """An existing role's ARN, e.g. ``arn:aws:iam::123456789012:role/backup``."""
    if IAM_ROLE_ARN.fullmatch(value):
        return None
    return Violation(
        "an IAM role ARN looks like arn:aws:iam::<12-digit account>:role/<name>",
        "copy the role's ARN from the IAM console or `aws iam get-role`",
    )


def kms_key_arn(value: str) -> Violation | None:
    """A KMS key ARN (not an alias or key ID: AWS Backup stores the ARN) in a real region."""
    match = KMS_KEY_ARN.fullmatch(value)
    if match is None:
        return Violation(
            "a KMS key must be given as a key ARN, arn:aws:kms:<region>:<account>:key/<key id>",
            "use 'aws/backup' for the AWS-managed key, or the full ARN of a customer-managed key",
        )
    return _arn_region("the key ARN", match.group("partition"), match.group("region"))


def aws_region(value: str) -> Violation | None:
    """A region where AWS Backup runs, e.g. ``us-east-1``, in any partition (``cn-north-1``,
    ``us-gov-west-1``, ...).

    Checked offline against the endpoint data of the installed botocore (see
    :mod:`components.regions`). That data is static: it lists opt-in regions whether or not the
    account has enabled them (which cannot be known offline, so a disabled opt-in region still
    fails only at deploy time), and it knows no region AWS opened after that botocore release.
    """
    # botocore endpoint data for "backup", as boto3's Session().get_available_regions("backup",
    # partition_name=p) reads it for every get_available_partitions().
    if regions.partition_of(value) is not None:
        return None
    near = regions.closest_regions(value.strip().lower())
    examples = ", ".join(repr(region) for region in near) if near else "'us-east-1'"
    return Violation(
        f"not a region where AWS Backup runs, by the endpoint data of botocore {regions.BOTOCORE_VERSION}",
        f"use a region code such as {examples} (or upgrade botocore if AWS opened the region after "
        f"{regions.BOTOCORE_VERSION})",
    )


def copy_partition(source_region: str, destination_region: str) -> Violation | None:
    """A copy stays in the source region's partition (``aws``, ``aws-cn``, ``aws-us-gov``, ...).

    AWS's guide for the China regions ("Amazon Backup", Getting Started with AWS in China): "Cross
    Region Backups are only allowed between the Beijing Region and the Ningxia Region". IAM
    credentials, accounts and organizations belong to one partition, and pulumi-aws only takes a
    per-resource ``region`` of the provider's partition (Terraform AWS provider guide, "Enhanced
    Region Support"). Unknown regions are :func:`aws_region`'s to report.
    """
    source, destination = regions.partition_of(source_region), regions.partition_of(destination_region)
    if source is None or destination is None or source == destination:
        return None
    return Violation(
        f"copies cannot leave a partition: {source_region} is in {source}, {destination_region} in {destination}",
        f"copy to another region of {source}",
    )


def _arn_region(what: str, partition: str, region: str) -> Violation | None:
    """The region an ARN names is real, and the ARN's partition is that region's."""
    violation = aws_region(region)
    if violation:
        return Violation(f"{what} names region {region!r}, {violation.rule}", violation.fix)
    actual = regions.partition_of(region)
    if partition != actual:
        return Violation(
            f"{what} starts arn:{partition}: but region {region} is in partition {actual}",
            f"write the ARN with partition {actual} (arn:{actual}:...)",
        )
    return None


def tag_key(value: str) -> Violation | None:
    """Tag keys: 1-128 characters, not starting with ``aws:`` (reserved by AWS)."""
    if not 1 <= len(value) <= TAG_KEY_MAX:
        return Violation(f"a tag key must be 1-{TAG_KEY_MAX} characters long", "shorten the key")
    if value.lower().startswith("aws:"):
        return Violation("tag keys starting with 'aws:' are reserved by AWS", "use another prefix, e.g. 'alk:'")
    if not TAG_TEXT.fullmatch(value):
        return Violation(
            "tag keys may only hold letters, digits, spaces and _ . : / = + - @", "replace the other characters"
        )
    return None


def tag_value(value: str) -> Violation | None:
    """Tag values: 0-256 characters."""
    if len(value) > TAG_VALUE_MAX:
        return Violation(f"a tag value must be at most {TAG_VALUE_MAX} characters", "shorten the value")
    if not TAG_TEXT.fullmatch(value):
        return Violation(
            "tag values may only hold letters, digits, spaces and _ . : / = + - @", "replace the other characters"
        )
    return None


def tags(values: Mapping[str, str]) -> Violation | None:
    """Every key and value of a tag map (at most 50 tags); the first problem found."""
    if len(values) > MAX_TAGS:
        return Violation(f"a resource takes at most {MAX_TAGS} tags, here {len(values)}", "drop some tags")
    for key, value in values.items():
        problem = tag_key(key) or tag_value(value)
        if problem:
            return Violation(f"tag {key!r}: {problem.rule}", problem.fix)
    return None


def tag_filter(values: Mapping[str, str]) -> Violation | None:
    """Tags a selection matches (not tags it sets): keys 1-128 and values 0-256 characters.

    Any character may be matched (condition values use ``*`` as a wildcard), and AWS's own
    ``aws:`` tags may be selected on.
    """
    for key, value in values.items():
        if not 1 <= len(key) <= TAG_KEY_MAX:
            return Violation(f"tag {key!r}: a tag key is 1-{TAG_KEY_MAX} characters long", "shorten the key")
        if len(value) > TAG_VALUE_MAX:
            return Violation(f"tag {key!r}: a tag value is at most {TAG_VALUE_MAX} characters", "shorten the value")
    return None


@functools.cache  # checked by the config layer and again by BackupPlan: same answer, once
def schedule(expression: str) -> Violation | None:
    """A backup rule schedule: ``cron(Min Hour DoM Month DoW Year)``, at least 60 minutes apart.

    ``rate()`` expressions are not accepted by AWS Backup rules.
    """
    if expression.startswith("rate("):
        return Violation(
            "AWS Backup rules accept only cron() schedules, not rate()",
            "write the schedule as cron(Minutes Hours Day-of-month Month Day-of-week Year), "
            "e.g. 'cron(0 18 ? * SUN *)' for Sundays at 18:00",
        )
    match = re.fullmatch(r"cron\((.*)\)", expression.strip())
    if not match:
        return Violation(
            "a schedule is written cron(Minutes Hours Day-of-month Month Day-of-week Year)",
            "wrap the six fields in cron(...), e.g. 'cron(0 18 ? * SUN *)'",
        )
    fields = match.group(1).split()
    if len(fields) != 6:
        return Violation(
            f"a cron expression has six fields (Minutes Hours Day-of-month Month Day-of-week Year), "
            f"this one has {len(fields)}",
            "add the missing fields; use '*' for every year, e.g. 'cron(0 18 ? * SUN *)'",
        )
    violation = _cron_fields(fields)
    if violation:
        return violation
    gap = shortest_daily_gap_minutes(match.group(1))
    if gap < MIN_MINUTES_BETWEEN_JOBS:
        return Violation(
            f"backup jobs must be at least {MIN_MINUTES_BETWEEN_JOBS} minutes apart, "
            f"this schedule starts jobs {gap} minutes apart",
            "use a single minute value and at most one job per hour, e.g. 'cron(0 * ? * * *)'",
        )
    return None


def _cron_fields(fields: list[str]) -> Violation | None:
    """The six fields of an AWS cron expression: one day field '?', each field in its range."""
    day_of_month, day_of_week = fields[2], fields[4]
    if (day_of_month == "?") == (day_of_week == "?"):
        example = " ".join([*fields[:2], "?", *fields[3:4], day_of_week if day_of_week != "?" else "SUN", fields[5]])
        return Violation(
            "exactly one of day-of-month and day-of-week must be '?'",
            f"make one of them '?', e.g. 'cron({example})'",
        )
    try:
        AWSCronExpressionValidator.validate(" ".join(fields))
    except ValueError as error:
        return Violation(
            f"not a valid AWS cron expression ({error})",
            "check each field's range: Minutes 0-59, Hours 0-23, Day-of-month 1-31, "
            "Month 1-12 or JAN-DEC, Day-of-week 1-7 or SUN-SAT, Year 1970-2199",
        )
    return None


# Systems Manager's own schedules (State Manager associations), from the Systems Manager user
# guide, "Reference: Cron and rate expressions for Systems Manager".
#: Rate units: singular for a value of 1, plural above ("rate(1 hours)" and "rate(5 hour)" aren't valid).
SSM_RATE_UNITS = {"minute": 1, "hour": 60, "day": 1440}
#: "Associations support the following rate expressions: intervals of 30 minutes or greater and
#: less than 31 days."
ASSOCIATION_MIN_MINUTES = 30
ASSOCIATION_MAX_DAYS_EXCLUSIVE = 31


def ssm_association_schedule(expression: str) -> Violation | None:
    """A State Manager association schedule: ``rate(N unit)``, ``cron(...)`` or ``at(...)``.

    Systems Manager user guide, "Reference: Cron and rate expressions for Systems Manager":
    ``rate(N minute|minutes|hour|hours|day|days)`` with the singular unit for 1 and the plural
    above, every 30 minutes or more and less than 31 days apart (``rate(30 minutes)`` to
    ``rate(30 days)``); ``cron(Minutes Hours Day-of-month Month Day-of-week Year)``, optionally
    with a leading Seconds field of 0, no month ("State Manager doesn't currently support
    specifying months in cron expressions for associations": the Month field is ``*``), one of the
    day fields ``?``, and no faster than every half hour (the fastest cron the guide lists for
    associations); ``at(yyyy-mm-ddThh:mm:ss)`` runs once, in UTC.
    """
    text = expression.strip()
    if text.startswith("rate("):
        return _ssm_rate(text)
    if text.startswith("cron("):
        return _ssm_cron(text)
    if text.startswith("at("):
        if _moment(text):
            return None
        return Violation("a one-time schedule is at(yyyy-mm-ddThh:mm:ss), in UTC", "e.g. 'at(2026-07-07T15:55:00)'")
    return Violation(
        "a State Manager schedule is rate(...), cron(...) or at(...)", "e.g. 'rate(7 days)' or 'cron(0 2 ? * SUN *)'"
    )


#: "Associations support the following cron expressions: every 1/2, 1, 2, 4, 8, or 12 hours; every
#: day, every week, every nth day, or the last x day of the month at a specific time" (same page).
ASSOCIATION_CRON_HOURS = (1, 2, 4, 8, 12)
_NUMBER = r"\d{1,2}"
_DAY_NAME = r"(?:[1-7]|SUN|MON|TUE|WED|THU|FRI|SAT)"


def association_cron_listed(expression: str) -> Violation | None:
    """A State Manager association's ``cron(...)`` should be one of the intervals the Systems
    Manager guide lists for associations ("Reference: Cron and rate expressions for Systems
    Manager"): every half hour; every 1, 2, 4, 8 or 12 hours; every day, every week, every nth day
    of the month, the nth weekday or the last day of the month, at a set time. Anything else may be
    refused when the association is created; the guide lists these without saying that others
    fail, so callers warn rather than refuse. ``rate(...)`` and ``at(...)`` are not judged here.
    """
    match = re.fullmatch(r"cron\((.*)\)", expression.strip())
    if match is None:
        return None
    fields = match.group(1).split()
    if len(fields) == 7:
        fields = fields[1:]
    if len(fields) != 6:
        return None  # ssm_association_schedule() reports the shape
    minute, hour, day, _, weekday, _ = fields
    fixed_minute, fixed_hour = re.fullmatch(_NUMBER, minute), re.fullmatch(_NUMBER, hour)
    every_day = (day, weekday) in {("*", "?"), ("?", "*")}
    steps = re.fullmatch(rf"(?:\*|{_NUMBER})/(\d+)", hour)
    listed = (
        # every half hour
        (re.fullmatch(r"(?:\*|0)/30", minute) and hour in ("*", "0/1", "*/1") and every_day)
        # every 1, 2, 4, 8 or 12 hours
        or (fixed_minute and (hour == "*" or (steps and int(steps.group(1)) in ASSOCIATION_CRON_HOURS)) and every_day)
        # at a set time: every day, every week, every nth day, the nth or last weekday, the last day
        or (
            fixed_minute
            and fixed_hour
            and (
                every_day
                or (day == "?" and re.fullmatch(rf"{_DAY_NAME}(?:#[1-5]|L)?|[1-7]?L", weekday))
                or (weekday == "?" and re.fullmatch(r"(?:\*|1)/\d+|L", day))
            )
        )
    )
    if listed:
        return None
    return Violation(
        f"{expression} is not one of the cron schedules the Systems Manager guide lists for associations (every "
        "30 minutes; every 1, 2, 4, 8 or 12 hours; every day, every week, every nth day, or the last day of the "
        "month, at a set time), so State Manager may refuse it",
        "use one of those, e.g. 'cron(0 0/4 * * ? *)' for every 4 hours, or a rate such as 'rate(3 hours)'",
    )


def _moment(text: str) -> bool:
    """True for ``at(yyyy-mm-ddThh:mm:ss)`` naming a real date and time."""
    match = re.fullmatch(r"at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)", text)
    try:
        return match is not None and dt.datetime.fromisoformat(match.group(1)) is not None
    except ValueError:
        return False


def _ssm_rate(text: str) -> Violation | None:
    match = re.fullmatch(r"rate\(\s*(\d+)\s+([a-z]+)\s*\)", text)
    singular = match.group(2).removesuffix("s") if match else ""
    if match is None or singular not in SSM_RATE_UNITS:
        return Violation(
            "a rate is rate(<whole number> <unit>), the unit one of minute, minutes, hour, hours, day, days",
            "e.g. 'rate(7 days)' or 'rate(1 day)'",
        )
    value, unit = int(match.group(1)), match.group(2)
    expected = singular if value == 1 else f"{singular}s"
    if value == 0:
        return Violation("a rate's value is a positive whole number", "e.g. 'rate(7 days)'")
    if unit != expected:
        return Violation(
            "the unit of a rate is singular for 1 and plural above (rate(1 day), rate(7 days))",
            f"write 'rate({value} {expected})'",
        )
    minutes = value * SSM_RATE_UNITS[singular]
    if minutes < ASSOCIATION_MIN_MINUTES:
        return Violation(
            f"associations run at most every {ASSOCIATION_MIN_MINUTES} minutes",
            f"use 'rate({ASSOCIATION_MIN_MINUTES} minutes)' or a longer interval",
        )
    if minutes >= ASSOCIATION_MAX_DAYS_EXCLUSIVE * 1440:
        return Violation(
            f"an association's rate must be less than {ASSOCIATION_MAX_DAYS_EXCLUSIVE} days",
            f"use at most 'rate({ASSOCIATION_MAX_DAYS_EXCLUSIVE - 1} days)', or a cron(...) schedule",
        )
    return None


def _ssm_cron(text: str) -> Violation | None:
    match = re.fullmatch(r"cron\((.*)\)", text)
    fields = match.group(1).split() if match else []
    if len(fields) == 7:
        if fields[0] != "0":
            return Violation(
                "the optional Seconds field (the first of seven) of an association's cron can only be 0",
                f"drop it, e.g. 'cron({' '.join(fields[1:])})'",
            )
        fields = fields[1:]
    if len(fields) != 6:
        return Violation(
            "an association's cron has six fields (Minutes Hours Day-of-month Month Day-of-week Year), "
            "optionally after a Seconds field of 0",
            "e.g. 'cron(0 2 ? * SUN *)' for Sundays at 02:00 UTC",
        )
    if fields[3] != "*":
        return Violation(
            "State Manager does not support months in an association's cron: the Month field is '*'",
            f"e.g. 'cron({' '.join([*fields[:3], '*', *fields[4:]])})'",
        )
    violation = _cron_fields(fields)
    if violation:
        return violation
    if shortest_daily_gap_minutes(" ".join(fields)) < ASSOCIATION_MIN_MINUTES:
        return Violation(
            f"associations run at most every {ASSOCIATION_MIN_MINUTES} minutes",
            "e.g. 'cron(0/30 * ? * * *)' for every half hour, or 'rate(30 minutes)'",
        )
    return None


def _runs(expression: str, after: dt.datetime, zone: str = "UTC") -> Iterator[dt.datetime]:
    """Runs of a valid ``cron(...)`` schedule after ``after``, in ``zone``, for as long as asked.

    AWS matches the cron fields against the wall clock of the rule's time zone (default UTC),
    so the search runs on that wall clock and the results carry ``zone``. ``LW`` runs are the
    runs of ``L`` moved back to the Friday before a weekend (:data:`LAST_WEEKDAY`). It ends early
    when the cron library cannot follow a day pattern (e.g. ``L`` alone in day-of-week): runs are
    for display and estimates, and AWS itself runs such schedules.
    """
    tz = zoneinfo.ZoneInfo(zone)
    last_weekday = last_weekday_schedule(expression)
    cron = AWSCron(_as_library_reads(expression.strip()[len("cron(") : -1]))
    # pyawscron only accepts UTC datetimes: treat the local wall clock as if it were UTC.
    start = moment = after.astimezone(tz).replace(tzinfo=dt.UTC)
    while True:
        try:
            following = cron.occurrence(moment).next()
        except Exception:
            return
        if following is None:
            return
        moment = following  # LW: the search goes on from the last day, not the day moved back to
        if last_weekday and following.weekday() >= SATURDAY:
            following -= dt.timedelta(days=following.weekday() - FRIDAY)
            if following <= start:  # moved back before the start: that run has passed
                continue
        yield following.replace(tzinfo=tz)


def last_weekday_schedule(expression: str) -> bool:
    """Whether a ``cron(...)`` schedule has ``LW`` in Day-of-month (see :data:`LAST_WEEKDAY`)."""
    fields = expression.strip()[len("cron(") : -1].split()
    return len(fields) == 6 and fields[2] == LAST_WEEKDAY


def upcoming_runs(expression: str, after: dt.datetime, count: int, zone: str = "UTC") -> list[dt.datetime]:
    """The next ``count`` runs (or fewer, see :func:`_runs`) of a valid schedule, in ``zone``."""
    return list(itertools.islice(_runs(expression, after, zone), count))


class _CronFields(NamedTuple):
    """What the checks read of a cron expression, kept small: many expressions are cached."""

    times: tuple[int, ...]
    """The times of day it runs, in minutes after midnight, in order."""
    plain_days: bool
    """No L, W or # in the day fields (those runs are found by walking them)."""
    days_of_month: frozenset[int]
    months: frozenset[int]
    days_of_week: frozenset[int]
    """1 = Sunday ... 7 = Saturday, as AWS counts them."""
    years: frozenset[int]
    """Only the years of the gap window (:data:`GAP_WINDOW_DAYS`)."""


#: ``datetime.weekday()`` of the days an ``LW`` run moves back from and to.
FRIDAY, SATURDAY = 4, 5
#: Day-of-month ``LW``: AWS's cron pattern accepts it, the EventBridge "Cron expressions reference"
#: does not list it (it lists ``L``, the last day, and ``nW``), and the cron library cannot read
#: it. It is read here as cron's usual "last weekday of the month" (Monday to Friday): the runs of
#: ``L``, each moved back to the Friday before when it falls on a weekend.
LAST_WEEKDAY = "LW"


def _as_library_reads(fields: str) -> str:
    """``Min Hour DoM Month DoW Year`` as the cron library can read it: ``LW`` becomes ``L``."""
    minutes, hours, day_of_month, *rest = fields.split()
    return " ".join([minutes, hours, "L" if day_of_month == LAST_WEEKDAY else day_of_month, *rest])


@functools.cache  # the 60-minute rule and the gap estimates read the same expressions
def _fields(fields: str) -> _CronFields:
    """The cron library's reading of ``Min Hour DoM Month DoW Year`` (``LW`` read as ``L``: the
    same times of day, and a day pattern walked run by run either way)."""
    cron = AWSCron(_as_library_reads(fields))
    plain = not any(isinstance(value, str) for value in (*cron.days_of_month, *cron.days_of_week))
    return _CronFields(
        times=tuple(sorted({hour * 60 + minute for hour in cron.hours for minute in cron.minutes})),
        plain_days=plain,
        days_of_month=frozenset(cron.days_of_month if plain else ()),
        months=frozenset(cron.months),
        days_of_week=frozenset(cron.days_of_week if plain else ()),
        years=frozenset(cron.years) & _WINDOW_YEARS,
    )


def shortest_daily_gap_minutes(fields: str) -> int:
    """The shortest gap between two runs of a (valid) cron's minute and hour fields.

    Every matching day repeats the same times of day, so the shortest possible gap is between
    two of those times, or from the last one to the first one of a following day. The day
    fields can only make gaps longer, never shorter: this is exact for AWS's 60-minute rule.
    """
    times = _fields(fields).times
    wrap = times[0] + 1440 - times[-1]
    return min([later - earlier for earlier, later in itertools.pairwise(times)] + [wrap])


#: Gap estimates cover this many days from a fixed start (two years: yearly schedules show a gap).
GAP_WINDOW_DAYS = 731
#: For day patterns computed by walking runs (L, W, #): this many runs at most.
GAP_MAX_RUNS = 400
_GAP_START = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
_WINDOW_YEARS = frozenset(range(_GAP_START.year, (_GAP_START + dt.timedelta(days=GAP_WINDOW_DAYS - 1)).year + 1))
_EVERY_MONTH = frozenset(range(1, 13))
_EVERY_DAY_OF_MONTH = frozenset(range(1, 32))


def _matching_days(
    days_of_month: frozenset[int], months: frozenset[int], days_of_week: frozenset[int], years: frozenset[int]
) -> list[dt.date]:
    """Days of the window that match plain (no L, W or #) day fields, walked one by one."""
    first = _GAP_START.date()
    return [
        day
        for day in (first + dt.timedelta(days=offset) for offset in range(GAP_WINDOW_DAYS))
        if day.month in months
        and day.year in years
        # AWS counts the days of the week 1 = Sunday ... 7 = Saturday.
        and (day.day in days_of_month or day.isoweekday() % 7 + 1 in days_of_week)
    ]


@functools.cache
def _day_steps(
    days_of_month: frozenset[int], months: frozenset[int], days_of_week: frozenset[int], years: frozenset[int]
) -> tuple[bool, frozenset[int]]:
    """Whether any day of the window matches plain day fields, and the distinct numbers of days
    from one matching day to the next (``years``: those of the window).

    Cached on the day fields, which many schedules share (every Sunday, every day) whatever
    their times. Patterns that hold on every day of the window's months and years are worked
    out: every day steps by one day, and days of the week by their distance round the week (the
    window spans many weeks, so each distance occurs). Anything else is walked day by day.
    """
    if months >= _EVERY_MONTH and years >= _WINDOW_YEARS:
        if days_of_month >= _EVERY_DAY_OF_MONTH:
            return True, frozenset({1})
        if not days_of_month and days_of_week:
            weekdays = sorted(days_of_week)
            return True, frozenset(b - a for a, b in itertools.pairwise([*weekdays, weekdays[0] + 7]))
    days = _matching_days(days_of_month, months, days_of_week, years)
    return bool(days), frozenset((later - earlier).days for earlier, later in itertools.pairwise(days))


@functools.cache
def _gaps(expression: str) -> tuple[int, ...]:
    """Distinct gaps (minutes) between consecutive runs over the window from a fixed start.

    Every matching day repeats the same times of day, so the gaps are those between the times
    of one day, and from the last time of a day to the first of the next matching day: from the
    day fields' steps (:func:`_day_steps`), not from each run. L, W and # patterns fall back to
    walking runs with the cron library.
    """
    cron = _fields(expression.strip()[len("cron(") : -1])
    if not cron.plain_days:
        runs = list(itertools.islice(_runs(expression, _GAP_START), GAP_MAX_RUNS))
        return tuple(sorted({int((b - a).total_seconds() // 60) for a, b in itertools.pairwise(runs)}))
    any_day, steps = _day_steps(cron.days_of_month, cron.months, cron.days_of_week, cron.years)
    times = cron.times
    within_day = {later - earlier for earlier, later in itertools.pairwise(times)} if any_day else set()
    between_days = {step * 1440 - times[-1] + times[0] for step in steps}
    return tuple(sorted(within_day | between_days))


def shortest_gap_minutes(expression: str) -> int | None:
    """The shortest time between two runs (a weekly schedule gives 10080) over two years;
    ``None`` when fewer than two runs can be found."""
    gaps = _gaps(expression)
    return min(gaps) if gaps else None


def longest_gap_minutes(expression: str) -> int | None:
    """The longest time between two runs: the worst case a schedule promises (a weekdays-only
    schedule promises a backup every three days); ``None`` when fewer than two runs are found."""
    gaps = _gaps(expression)
    return max(gaps) if gaps else None


def timezone(name: str) -> Violation | None:
    """An IANA time zone name such as ``Europe/Berlin`` (AWS evaluates the schedule there)."""
    try:
        zoneinfo.ZoneInfo(name)
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        return Violation(
            "the schedule time zone must be an IANA time zone name",
            "use a name like 'UTC', 'America/New_York' or 'Europe/Berlin'",
        )
    return None


def start_window(minutes: int) -> Violation | None:
    """Start window: at least 60 minutes, at most 52,560,000."""
    if START_WINDOW_MIN <= minutes <= WINDOW_MAX:
        return None
    return Violation(
        f"the start window must be between {START_WINDOW_MIN} and {WINDOW_MAX:,} minutes",
        f"use at least {START_WINDOW_MIN} minutes",
    )


def completion_window(minutes: int) -> Violation | None:
    """Completion window: a positive number of minutes up to 52,560,000."""
    if 1 <= minutes <= WINDOW_MAX:
        return None
    return Violation(
        f"the completion window must be between 1 and {WINDOW_MAX:,} minutes",
        "use a window long enough for a full backup, e.g. 1440 (a day)",
    )


# AWS Backup API, Lifecycle: DeleteAfterDays "must be at least 90 days after" MoveToColdStorageAfterDays
# ("Backups transitioned to cold storage must be stored in cold storage for a minimum of 90 days"), so
# cold 30 / delete 90 is refused (some Terraform modules only check cold <= delete) and 30 / 120 passes.
def lifecycle(
    delete_after: int | None,
    cold_storage_after: int | None,
    continuous: bool = False,
) -> Violation | None:
    """Retention rules for a rule or a copy action.

    ``delete_after`` 1-36500 days; with cold storage it must be at least 90 days after the move;
    continuous backups keep 1-35 days and never go to cold storage.
    """
    if delete_after is not None and not 1 <= delete_after <= DELETE_AFTER_MAX:
        return Violation(
            f"retention (delete after) must be between 1 and {DELETE_AFTER_MAX} days",
            f"use a value from 1 to {DELETE_AFTER_MAX}",
        )
    if cold_storage_after is not None and not 1 <= cold_storage_after <= DELETE_AFTER_MAX:
        return Violation(
            f"the move to cold storage must happen between day 1 and day {DELETE_AFTER_MAX}",
            f"use a value from 1 to {DELETE_AFTER_MAX}",
        )
    if continuous:
        if cold_storage_after is not None:
            return Violation(
                "continuous backups cannot move to cold storage",
                "remove the cold storage setting or turn continuous backup off",
            )
        if delete_after is None or delete_after > CONTINUOUS_RETENTION_MAX:
            return Violation(
                f"continuous backups are kept 1-{CONTINUOUS_RETENTION_MAX} days",
                f"set the retention to at most {CONTINUOUS_RETENTION_MAX} days",
            )
    if cold_storage_after is not None and delete_after is not None:
        earliest = cold_storage_after + COLD_TO_DELETE_MIN_GAP
        if delete_after < earliest:
            return Violation(
                f"backups in cold storage must stay there at least {COLD_TO_DELETE_MIN_GAP} days "
                f"(delete after >= cold storage after + {COLD_TO_DELETE_MIN_GAP})",
                f"keep them at least {earliest} days, or move them to cold storage later",
            )
    return None


def selection_arns(arns: Iterable[str]) -> Violation | None:
    """Resource ARN lists of a selection: full ARNs, or ARN patterns with ``*`` anywhere.

    AWS Backup guide, "Assign resources with AWS CLI": "The wildcard * represents zero or more
    non-whitespace characters", with AWS's own examples ``arn:aws:ec2:*:*:instance/*`` (every EC2
    instance), ``arn:aws:ec2:*:*:volume/*`` and ``*`` alone (everything). botocore's
    ``BackupSelection``: at most 500 ARNs, or 30 when any has a wildcard.
    """
    values = list(arns)
    for arn in values:
        violation = _selection_arn(arn)
        if violation:
            return violation
    limit = MAX_WILDCARD_ARNS if any("*" in arn for arn in values) else MAX_ARNS
    if len(values) > limit:
        return Violation(
            f"a selection takes at most {MAX_ARNS} ARNs, or {MAX_WILDCARD_ARNS} when any has a wildcard "
            f"(got {len(values)})",
            "split them across selections, select a whole resource type (e.g. 'arn:aws:ec2:*:*:instance/*'), "
            "or select by tag instead",
        )
    return None


def _selection_arn(arn: str) -> Violation | None:
    if arn == "*":
        return None
    fix = (
        "give full ARNs (e.g. 'arn:aws:ec2:us-east-1:123456789012:instance/i-0abc') or patterns with '*' "
        "(e.g. 'arn:aws:ec2:*:*:instance/*' for every EC2 instance)"
    )
    if "*" not in arn:
        return None if RESOURCE_ARN.fullmatch(arn) else Violation(f"{arn!r} is not an ARN", fix)
    parts = arn.split(":", 5)
    partition = parts[1] if len(parts) > 1 else ""
    if parts[0] != "arn" or re.search(r"\s", arn) or not re.fullmatch(r"(aws|\*)[a-z*-]*", partition):
        return Violation(f"{arn!r} is not an ARN pattern ('*' stands for any characters but spaces)", fix)
    return None


def selection_arn_place(arn: str, region: str) -> Violation | None:
    """A selection ARN (or pattern) names the partition and region its plan backs up.

    The partition must be the one of ``region`` (an IAM identity and its account live in one
    partition: Terraform AWS provider guide, "Enhanced Region Support"); the region ``*``, empty,
    or ``region`` itself, and real (botocore's endpoint data, as
    :func:`aws_region`). Why another region is refused: AWS Backup is a regional service, a plan and
    its selections are regional resources, and the guide's "Assigning resources to a backup plan"
    has a plan scan the account's resources when it runs; other regions get their copies through
    copy actions. AWS documents no selection across regions, so an ARN of another region is taken
    to match nothing (an inference, not a quote).
    """
    parts = arn.split(":", 5)
    if arn.strip() == "*" or len(parts) < 4 or parts[0] != "arn":
        return None  # the shape is selection_arns()'s to judge
    partition, arn_region = parts[1], parts[3]
    own = regions.partition_of(region)
    if own is not None and "*" not in partition and partition != own:
        return Violation(
            f"{arn!r} is an ARN of partition {partition}, and this stack's region {region} is in partition {own}: "
            "it can match nothing here",
            f"write it as arn:{own}:{':'.join(parts[2:])}",
        )
    if arn_region == "" or "*" in arn_region:
        return None
    violation = aws_region(arn_region)
    if violation:
        return Violation(f"{arn!r} names region {arn_region!r}, {violation.rule}", violation.fix)
    if arn_region != region:
        return Violation(
            f"{arn!r} names region {arn_region}, and this plan backs up {region} only: it matches nothing "
            "(a plan backs up its own region's resources; copies reach other regions through copy actions)",
            f"write '*' or {region} for the region, e.g. {':'.join([*parts[:3], '*', *parts[4:]])}",
        )
    return None


#: AWS Backup resource types by the service field of their ARNs (the names botocore's
#: ``ProtectedResourceType`` and ``DescribeRegionSettings`` use). EC2 and RDS ARNs name several
#: types, told apart by how the resource part starts (Service Authorization Reference: EC2
#: ``instance/<id>`` and ``volume/<id>``; RDS ``db:<name>`` and ``cluster:<name>``, the latter
#: shared by Aurora, DocumentDB and Neptune).
_TYPES_BY_SERVICE: dict[str, dict[str, frozenset[str]]] = {
    "ec2": {"instance/": frozenset({"EC2"}), "volume/": frozenset({"EBS"})},
    "rds": {"db:": frozenset({"RDS"}), "cluster:": frozenset({"Aurora", "DocumentDB", "Neptune"})},
    "s3": {"": frozenset({"S3"})},
    "elasticfilesystem": {"": frozenset({"EFS"})},
    "dynamodb": {"": frozenset({"DynamoDB"})},
    "fsx": {"": frozenset({"FSx"})},
    "storagegateway": {"": frozenset({"Storage Gateway"})},
    "backup-gateway": {"": frozenset({"VirtualMachine"})},
    "redshift": {"": frozenset({"Redshift"})},
    "cloudformation": {"": frozenset({"CloudFormation"})},
    "timestream": {"": frozenset({"Timestream"})},
    "ssm-sap": {"": frozenset({"SAP HANA on Amazon EC2"})},
}


def selected_resource_types(arns: Iterable[str]) -> Optional[set[str]]:
    """The AWS Backup resource types a selection's ARNs (or ARN patterns) can match, by AWS
    Backup's names (``EC2``, ``EBS``, ``S3``, ...); ``None`` when they can match any type.

    ``arn:aws:ec2:*:*:instance/*`` gives ``{"EC2"}``, ``arn:aws:ec2:*:*:volume/*`` ``{"EBS"}``,
    ``arn:aws:s3:::bucket`` ``{"S3"}``, ``arn:aws:ec2:*`` both EC2 and EBS, and ``*`` (or a
    wildcard in the partition or service field) ``None``. ARNs of services AWS Backup does not
    back up add nothing. An over-approximation: a pattern counts for every type it could match.
    """
    found: set[str] = set()
    for arn in arns:
        parts = arn.split(":", 5)
        if len(parts) < 3 or "*" in parts[0] + parts[1] + parts[2]:
            return None
        resource_types = _TYPES_BY_SERVICE.get(parts[2], {})
        if len(parts) < 6:  # a wildcard before the resource part may stand for any resource of the service
            if "*" in parts[-1]:
                found.update(*resource_types.values())
            continue
        resource = parts[5]
        known = resource.split("*", 1)[0]  # what the resource part surely starts with
        for start, names in resource_types.items():
            if resource.startswith(start) or ("*" in resource and start.startswith(known)):
                found.update(names)
    return found


def problems(checks: Mapping[str, Violation | None]) -> list[str]:
    """Render the failed checks of a component as ``"<field>: <rule>. Fix: <fix>."`` lines."""
    return [f"{field}: {violation}" for field, violation in checks.items() if violation]


def raise_if_any(component: str, name: str, lines: list[str]) -> None:
    """Stop the program with every problem of one component's arguments, before it registers."""
    if lines:
        listed = "\n".join(f"  - {line}" for line in lines)
        raise RunError(f"{component} {name!r} has invalid arguments:\n{listed}")


# AWS Backup API, PutBackupVaultLockConfiguration: MinRetentionDays "shortest ... is 1 day",
# MaxRetentionDays "longest ... 36500 days", ChangeableForDays "3 or greater", "maximum ... 36,500
# days". The whole range is allowed (some Terraform modules stop at 7, 2555 and 365).
def vault_lock(
    min_retention_days: int | None, max_retention_days: int | None, changeable_for_days: int | None
) -> Violation | None:
    """Vault lock: min >= 1, max <= 36500 and >= min; a compliance grace period of 3-36500 days."""
    if min_retention_days is not None and not 1 <= min_retention_days <= DELETE_AFTER_MAX:
        return Violation(
            f"a vault lock's minimum retention must be 1-{DELETE_AFTER_MAX} days", f"use 1 to {DELETE_AFTER_MAX} days"
        )
    if max_retention_days is not None and not 1 <= max_retention_days <= DELETE_AFTER_MAX:
        return Violation(
            f"a vault lock's maximum retention must be 1-{DELETE_AFTER_MAX} days", f"use at most {DELETE_AFTER_MAX}"
        )
    if min_retention_days is not None and max_retention_days is not None and max_retention_days < min_retention_days:
        return Violation(
            "a vault lock's maximum retention cannot be shorter than its minimum",
            f"raise the maximum to at least {min_retention_days} days",
        )
    if changeable_for_days is not None and not LOCK_GRACE_MIN <= changeable_for_days <= DELETE_AFTER_MAX:
        return Violation(
            f"a compliance lock's grace period (changeable for days) must be {LOCK_GRACE_MIN}-{DELETE_AFTER_MAX} days",
            f"use at most {DELETE_AFTER_MAX} days"
            if changeable_for_days > DELETE_AFTER_MAX
            else f"use at least {LOCK_GRACE_MIN} days (the lock becomes immutable after them)",
        )
    return None


def air_gapped_retention(min_retention_days: int, max_retention_days: int) -> Violation | None:
    """Logically air-gapped vaults: minimum retention at least 7 days, maximum at least the minimum."""
    if min_retention_days < AIR_GAPPED_MIN_RETENTION:
        return Violation(
            f"a logically air-gapped vault keeps recovery points at least {AIR_GAPPED_MIN_RETENTION} days",
            f"set the minimum retention to {AIR_GAPPED_MIN_RETENTION} days or more",
        )
    return vault_lock(min_retention_days, max_retention_days, None)


def retention_within_lock(
    delete_after: int | None, min_retention_days: int | None, max_retention_days: int | None
) -> Violation | None:
    """A job whose retention falls outside the destination vault lock's range FAILS at run time."""
    if max_retention_days is not None and delete_after is None:
        return Violation(
            f"the target vault is locked to at most {max_retention_days} days, but these recovery "
            "points would be kept forever, so every job into it fails",
            f"set a retention of at most {max_retention_days} days",
        )
    if delete_after is None:
        return None
    if min_retention_days is not None and delete_after < min_retention_days:
        return Violation(
            f"the target vault is locked to keep recovery points at least {min_retention_days} days, "
            f"so jobs keeping them {delete_after} days fail",
            f"keep them at least {min_retention_days} days",
        )
    if max_retention_days is not None and delete_after > max_retention_days:
        return Violation(
            f"the target vault is locked to keep recovery points at most {max_retention_days} days, "
            f"so jobs keeping them {delete_after} days fail",
            f"keep them at most {max_retention_days} days",
        )
    return None


def account_id(value: str) -> Violation | None:
    """A 12-digit AWS account ID (quote it in YAML so leading zeros survive)."""
    if re.fullmatch(r"\d{12}", value):
        return None
    return Violation("an AWS account ID is 12 digits", "write it in quotes, e.g. '111122223333'")


def organization_id(value: str) -> Violation | None:
    """An AWS Organizations ID, ``o-`` followed by 10-32 lowercase letters or digits."""
    if re.fullmatch(r"o-[a-z0-9]{10,32}", value):
        return None
    return Violation("an AWS Organization ID looks like 'o-a1b2c3d4e5'", "copy it from the Organizations console")


def vault_arn(value: str) -> Violation | None:
    """A backup vault ARN, ``arn:aws:backup:<region>:<account>:backup-vault:<name>``, in a real region."""
    match = BACKUP_VAULT_ARN.fullmatch(value)
    if match is None:
        return Violation(
            "a backup vault ARN looks like arn:aws:backup:<region>:<account>:backup-vault:<name>",
            "copy the ARN from the destination stack's outputs (`pulumi stack output archive_vault_arn`)",
        )
    return _arn_region("the vault ARN", match.group("partition"), match.group("region"))


def vault_arn_parts(value: str) -> tuple[str, str, str]:
    """``(region, account, name)`` of a backup vault ARN of the right form."""
    match = BACKUP_VAULT_ARN.fullmatch(value)
    if not match:
        raise ValueError(f"not a backup vault ARN: {value!r}")
    return match.group("region"), match.group("account"), match.group("name")


@functools.cache
def _region_in_name() -> re.Pattern[str]:
    """A real region's code inside a name (see :mod:`components.regions`), written with '-' or '_',
    not inside a longer word or number: ``backup-vault-us-east-1``, ``windows_vss_us_east_1``."""
    codes = sorted(regions.backup_regions(), key=len, reverse=True)  # us-gov-west-1 before a shorter match
    alternatives = "|".join("[-_]".join(re.escape(part) for part in code.split("-")) for code in codes)
    return re.compile(rf"(?<![A-Za-z0-9])(?:{alternatives})(?![0-9])")


def regions_named_in(name: str) -> list[str]:
    """The regions ``name`` mentions, as region codes (``us_east_1`` is ``us-east-1``), in order.

    Only regions where AWS Backup runs, by the installed botocore's endpoint data, count.
    """
    return list(dict.fromkeys(found.replace("_", "-") for found in _region_in_name().findall(name)))
