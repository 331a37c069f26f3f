"""Every rule in ``components/rules.py`` at its boundary: the last valid value passes, the first
invalid one fails with a message that names the rule and a fix.

The limits come from /work/shared/AWS_RULES.md (botocore's ``backup`` model, the AWS Backup and
EventBridge guides). Tests marked ``xfail(strict=True)`` document a bug in the rule, not in the test:
they start passing, and then fail as XPASS, once the rule is fixed.
"""

from __future__ import annotations

import datetime as dt
import inspect
import itertools
import zoneinfo

import pulumi
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from pyawscron import AWSCron

from components import regions, rules, stack_checks

ACCOUNT = "123456789012"


def arns(count: int, wildcard: bool = False) -> list[str]:
    """``count`` distinct EBS volume ARNs; with ``wildcard`` the last one ends in ``*``."""
    values = [f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-{index:017x}" for index in range(count)]
    if wildcard and values:
        values[-1] = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-*"
    return values


def test_every_public_rule_has_a_test_here():
    # A rule added to components/rules.py without a boundary test here fails this test.
    public = {
        name
        for name, member in inspect.getmembers(rules, callable)
        if not inspect.isclass(member)
        and getattr(member, "__module__", None) == rules.__name__
        and not name.startswith("_")
    }
    assert public == {
        "account_id",
        "association_cron_listed",
        "air_gapped_retention",
        "aws_region",
        "completion_window",
        "copy_partition",
        "iam_role_arn",
        "iam_role_name",
        "kms_key_arn",
        "last_weekday_schedule",
        "lifecycle",
        "organization_id",
        "plan_name",
        "problems",
        "regions_named_in",
        "raise_if_any",
        "retention_within_lock",
        "rule_name",
        "schedule",
        "selected_resource_types",
        "selection_arn_place",
        "selection_arns",
        "selection_name",
        "ssm_association_schedule",
        "longest_gap_minutes",
        "shortest_daily_gap_minutes",
        "tag_filter",
        "shortest_gap_minutes",
        "start_window",
        "tag_key",
        "tag_value",
        "tags",
        "timezone",
        "upcoming_runs",
        "vault_arn",
        "vault_arn_parts",
        "vault_lock",
        "vault_name",
    }


def test_violation_reads_as_rule_then_fix():
    assert str(rules.Violation("x must be y", "set y")) == "x must be y. Fix: set y."


# --- names -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "mentioned"),
    [
        ("backup-vault-us-east-1", ["us-east-1"]),
        ("windows_vss_us_west_2", ["us-west-2"]),  # restore testing names take no '-'
        ("copies-from-us-gov-west-1", ["us-gov-west-1"]),  # the longer code, not a part of it
        ("eu-west-1-to-us-east-2", ["eu-west-1", "us-east-2"]),
        ("campus-east-1", []),  # inside a longer word
        ("us-east-12", []),  # inside a longer number
        ("xx-east-1", []),  # shaped like a region, but AWS has none of that name
        ("backup-vault", []),
    ],
)
def test_the_regions_a_name_mentions_are_real_regions_at_word_boundaries(name, mentioned):
    assert rules.regions_named_in(name) == mentioned


@pytest.mark.parametrize("value", ["ab", "a" * 50, "backup-vault_us-east-1", "A1"])
def test_vault_name_accepts(value):
    assert rules.vault_name(value) is None


@pytest.mark.parametrize(
    ("value", "suggestion"),
    [
        ("a", "'a-'"),  # 1 character: one short of the minimum
        ("a" * 51, repr("a" * 50)),  # one over the maximum
        ("backup.vault", "'backup-vault'"),  # dots are allowed in plan names, not vault names
        ("backup vault", "'backup-vault'"),
        ("", "'my-backup'"),
    ],
)
def test_vault_name_rejects(value, suggestion):
    problem = rules.vault_name(value)
    assert problem is not None
    assert "a vault name must be 2-50 letters, digits, '-' or '_' (no dots)" in str(problem)
    assert f"e.g. {suggestion}" in problem.fix


@pytest.mark.parametrize("check", [rules.plan_name, rules.rule_name, rules.selection_name])
@pytest.mark.parametrize("value", ["a", "a" * 50, "weekly.ebs_us-east-1"])
def test_plan_rule_and_selection_names_accept(check, value):
    assert check(value) is None


@pytest.mark.parametrize(
    ("check", "what"),
    [(rules.plan_name, "a plan name"), (rules.rule_name, "a rule name"), (rules.selection_name, "a selection name")],
)
@pytest.mark.parametrize(
    ("value", "suggestion"), [("", "'my-backup'"), ("a" * 51, repr("a" * 50)), ("weekly ebs", "'weekly-ebs'")]
)
def test_plan_rule_and_selection_names_reject(check, what, value, suggestion):
    problem = check(value)
    assert problem is not None
    assert f"{what} must be 1-50 letters, digits, '-', '_' or '.'" in str(problem)
    assert f"e.g. {suggestion}" in problem.fix


@pytest.mark.parametrize(
    ("value", "ok"),
    [("r", True), ("r" * 64, True), ("a+=,.@_-b", True), ("r" * 65, False), ("", False), ("a/b", False)],
)
def test_iam_role_name(value, ok):
    problem = rules.iam_role_name(value)
    if ok:
        assert problem is None
    else:
        assert "an IAM role name must be 1-64 letters" in str(problem)
        assert "Fix: shorten it" in str(problem)


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (f"arn:aws:iam::{ACCOUNT}:role/backup", True),
        (f"arn:aws:iam::{ACCOUNT}:role/service-role/backup", True),
        (f"arn:aws-us-gov:iam::{ACCOUNT}:role/backup", True),
        ("arn:aws:iam::12345678901:role/backup", False),  # 11-digit account
        (f"arn:aws:iam::{ACCOUNT}:user/backup", False),
        ("backup", False),
    ],
)
def test_iam_role_arn(value, ok):
    problem = rules.iam_role_arn(value)
    if ok:
        assert problem is None
    else:
        assert "an IAM role ARN looks like arn:aws:iam::<12-digit account>:role/<name>" in str(problem)
        assert problem is not None and "aws iam get-role" in problem.fix


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab", True),
        (f"arn:aws:kms:us-east-1:{ACCOUNT}:alias/aws/backup", False),
        ("alias/my-key", False),
        ("1234abcd-12ab-34cd-56ef-1234567890ab", False),
    ],
)
def test_kms_key_arn(value, ok):
    problem = rules.kms_key_arn(value)
    if ok:
        assert problem is None
    else:
        assert "a KMS key must be given as a key ARN" in str(problem)
        assert problem is not None and "'aws/backup' for the AWS-managed key" in problem.fix


def test_kms_key_arn_names_a_real_region_of_its_partition():
    assert "the key ARN names region 'us-east-7', not a region where AWS Backup runs" in str(
        rules.kms_key_arn(f"arn:aws:kms:us-east-7:{ACCOUNT}:key/1234abcd-12ab-34cd-56ef-1234567890ab")
    )
    assert str(rules.kms_key_arn(f"arn:aws:kms:cn-north-1:{ACCOUNT}:key/1234abcd")) == (
        "the key ARN starts arn:aws: but region cn-north-1 is in partition aws-cn. "
        "Fix: write the ARN with partition aws-cn (arn:aws-cn:...)."
    )


# --- regions (botocore's endpoint data for AWS Backup) ---------------------------------------------

BOTOCORE = regions.BOTOCORE_VERSION


@pytest.mark.parametrize(
    "value",
    [
        "us-east-1",
        "ap-southeast-2",
        "mx-central-1",  # an opt-in region: listed whether or not an account enabled it
        "cn-north-1",
        "cn-northwest-1",
        "us-gov-west-1",
        "us-isob-east-1",
        "eusc-de-east-1",
    ],
)
def test_aws_region_accepts_every_partitions_backup_regions(value):
    assert rules.aws_region(value) is None


@pytest.mark.parametrize(
    ("value", "closest"),
    [
        ("us-east-7", "'us-east-2', 'us-east-1', 'us-west-2'"),
        ("us-west-9", "'us-west-2', 'us-west-1', 'us-east-2'"),
        ("useast1", "'us-east-1', 'us-west-1', 'us-east-2'"),
        ("US-EAST-1", "'us-east-1'"),
        ("us-east-1a", "'us-east-1'"),
        ("eu-isoe-west-1", "'us-iso-west-1'"),  # partition aws-iso-e: botocore lists no AWS Backup there
        ("", "'us-east-1'"),
    ],
)
def test_aws_region_rejects_what_botocore_does_not_list_with_the_closest_names(value, closest):
    problem = rules.aws_region(value)
    assert problem is not None
    assert problem.rule == f"not a region where AWS Backup runs, by the endpoint data of botocore {BOTOCORE}"
    assert problem.fix.startswith("use a region code such as ")
    assert closest in problem.fix
    assert problem.fix.endswith(f"(or upgrade botocore if AWS opened the region after {BOTOCORE})")


def test_every_backup_region_has_its_partition():
    listed = regions.backup_regions()
    assert listed["us-east-1"] == "aws"
    assert listed["cn-north-1"] == listed["cn-northwest-1"] == "aws-cn"
    assert listed["us-gov-east-1"] == listed["us-gov-west-1"] == "aws-us-gov"
    assert regions.partition_of("us-east-7") is None


@pytest.mark.parametrize(
    ("source", "destination", "message"),
    [
        ("us-east-1", "us-west-2", None),
        ("cn-north-1", "cn-northwest-1", None),
        ("us-gov-west-1", "us-gov-east-1", None),
        ("us-east-7", "cn-north-1", None),  # an unknown region is aws_region's to report
        (
            "us-east-1",
            "cn-north-1",
            "copies cannot leave a partition: us-east-1 is in aws, cn-north-1 in aws-cn. "
            "Fix: copy to another region of aws.",
        ),
        (
            "us-gov-west-1",
            "us-east-1",
            "copies cannot leave a partition: us-gov-west-1 is in aws-us-gov, us-east-1 in aws. "
            "Fix: copy to another region of aws-us-gov.",
        ),
    ],
)
def test_copy_partition(source, destination, message):
    problem = rules.copy_partition(source, destination)
    assert (str(problem) if problem else None) == message


# --- tags ----------------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["k", "k" * 128, "alk:backup", "my-aws:key"])
def test_tag_key_accepts(value):
    assert rules.tag_key(value) is None


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ("k" * 129, "a tag key must be 1-128 characters long. Fix: shorten the key"),
        ("", "a tag key must be 1-128 characters long"),
        ("aws:backup", "tag keys starting with 'aws:' are reserved by AWS. Fix: use another prefix"),
        ("AWS:backup", "tag keys starting with 'aws:' are reserved by AWS"),
    ],
)
def test_tag_key_rejects(value, message):
    assert message in str(rules.tag_key(value))


@pytest.mark.parametrize(("value", "ok"), [("", True), ("v" * 256, True), ("v" * 257, False)])
def test_tag_value(value, ok):
    problem = rules.tag_value(value)
    if ok:
        assert problem is None
    else:
        assert str(problem) == "a tag value must be at most 256 characters. Fix: shorten the value."


def test_tags_names_the_first_bad_tag():
    assert rules.tags({"alk:backup": "weekly-ebs", "k" * 128: "v" * 256}) is None
    assert str(rules.tags({"ok": "v", "aws:env": "prod"})) == (
        "tag 'aws:env': tag keys starting with 'aws:' are reserved by AWS. Fix: use another prefix, e.g. 'alk:'."
    )
    assert "tag 'env': a tag value must be at most 256 characters" in str(rules.tags({"env": "v" * 257}))


@pytest.mark.parametrize("value", ["cost#center", "ops!", "a,b", "x*"])
def test_tag_text_outside_the_characters_aws_accepts(value):
    assert "may only hold letters, digits, spaces and _ . : / = + - @" in str(rules.tag_key(value))
    assert "may only hold letters, digits, spaces and _ . : / = + - @" in str(rules.tag_value(value))


@pytest.mark.parametrize("value", ["Équipe été", "x@y.z/1+2=3", "a b_c:d-e"])
def test_tag_text_aws_accepts(value):
    assert rules.tag_key(value) is None
    assert rules.tag_value(value) is None


def test_at_most_50_tags():
    assert rules.tags({f"k{i}": "v" for i in range(50)}) is None
    assert "a resource takes at most 50 tags, here 51" in str(rules.tags({f"k{i}": "v" for i in range(51)}))


def test_tag_filters_match_any_text_within_the_lengths():
    assert rules.tag_filter({"aws:cloudformation:stack-name": "web-*", "k" * 128: "v#" * 128}) is None
    assert "a tag key is 1-128 characters long" in str(rules.tag_filter({"k" * 129: "v"}))
    assert "a tag value is at most 256 characters" in str(rules.tag_filter({"k": "v" * 257}))


# --- schedules -------------------------------------------------------------------------------------

FIELD_RANGES = (
    "Minutes 0-59, Hours 0-23, Day-of-month 1-31, Month 1-12 or JAN-DEC, Day-of-week 1-7 or SUN-SAT, Year 1970-2199"
)


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 18 ? * SUN *)",  # the article's weekly schedule
        "cron(0 18 * * ? *)",  # day-of-month '*' with day-of-week '?'
        "cron(0 18 ? * * *)",
        "cron(59 18 ? * SUN *)",  # last minute
        "cron(0 23 ? * SUN *)",  # last hour
        "cron(0 18 1 12 ? *)",  # last month
        "cron(0 18 1 JAN ? *)",
        "cron(0 18 1 DEC ? *)",
        "cron(0 18 1 JAN-DEC ? *)",
        "cron(0 18 ? * 7 *)",  # last day-of-week number
        "cron(0 18 ? * 1 *)",
        "cron(0 18 ? * SUN-SAT *)",
        "cron(0 18 ? JAN-DEC SUN-SAT *)",
        "cron(0 18 L * ? *)",  # last day of the month
        "cron(0 18 15W * ? *)",  # weekday nearest the 15th
        "cron(0 18 ? * 6L *)",  # last Friday
        "cron(0 18 ? * 6#3 *)",  # third Friday
        "cron(0 18 ? * MON#1 *)",
        "cron(0 18 ? * 5#5 *)",
        "cron(0 18 1 1 ? 1970)",  # first year
        "cron(0 18 1 1 ? 2199)",  # last year
        "cron(0 * ? * * *)",  # hourly: exactly 60 minutes apart
        "cron(0 0/1 ? * * *)",
        "cron(0 0,1 ? * * *)",
        "cron(0 1-2 ? * * *)",
        "cron(59 0,23 ? * * *)",  # 23:59 to 00:59 across midnight: 60 minutes
        " cron(0 18 ? * SUN *) ",  # surrounding blanks are ignored
    ],
)
def test_schedule_accepts(expression):
    assert rules.schedule(expression) is None


@pytest.mark.parametrize("expression", ["cron(0 18 31 * ? *)", "cron(0 18 30 * ? *)", "cron(0 18 29 * ? *)"])
def test_schedule_accepts_days_29_to_31(expression):
    assert rules.schedule(expression) is None


def test_schedule_accepts_last_day_of_week():
    assert rules.schedule("cron(0 18 ? * L *)") is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        ("rate(7 days)", "AWS Backup rules accept only cron() schedules, not rate(). Fix: write the schedule as cron("),
        ("0 18 ? * SUN *", "a schedule is written cron(Minutes Hours Day-of-month Month Day-of-week Year). Fix: wrap"),
        (
            "cron(0 18 ? * SUN)",
            "a cron expression has six fields (Minutes Hours Day-of-month Month Day-of-week Year), "
            "this one has 5. Fix: add the missing fields",
        ),
        ("cron(0 18 ? * SUN * *)", "this one has 7"),
        # the '?' rule: exactly one of day-of-month and day-of-week is '?'
        (
            "cron(0 18 1 * SUN *)",
            "exactly one of day-of-month and day-of-week must be '?'. "
            "Fix: make one of them '?', e.g. 'cron(0 18 ? * SUN *)'",
        ),
        ("cron(0 18 ? * ? *)", "e.g. 'cron(0 18 ? * SUN *)'"),
        ("cron(0 18 * * * *)", "e.g. 'cron(0 18 ? * * *)'"),
    ],
)
def test_schedule_rejects_shape(expression, message):
    assert message in str(rules.schedule(expression))


@pytest.mark.parametrize(
    ("expression", "field"),
    [
        ("cron(60 18 ? * SUN *)", "minute value '60'"),
        ("cron(0 24 ? * SUN *)", "hour value '24'"),
        ("cron(0 18 32 * ? *)", "day-of-month value '32'"),
        ("cron(0 18 0 * ? *)", "day-of-month value '0'"),
        ("cron(0 18 32W * ? *)", "day-of-month value '32W'"),
        ("cron(0 18 1 13 ? *)", "month value '13'"),
        ("cron(0 18 1 0 ? *)", "month value '0'"),
        ("cron(0 18 1 JUNE ? *)", "month value 'JUNE'"),
        ("cron(0 18 ? * 8 *)", "day-of-week value '8'"),
        ("cron(0 18 ? * 0 *)", "day-of-week value '0'"),
        ("cron(0 18 ? * 8L *)", "day-of-week value '8L'"),
        ("cron(0 18 ? * 5#6 *)", "day-of-week value '5#6'"),
        ("cron(0 18 1 1 ? 2200)", "year value '2200'"),
        ("cron(0 18 1 1 ? 1969)", "year value '1969'"),
    ],
)
def test_schedule_rejects_out_of_range_fields(expression, field):
    problem = rules.schedule(expression)
    assert problem is not None
    assert problem.rule.startswith("not a valid AWS cron expression (")
    assert field in problem.rule
    assert problem.fix == f"check each field's range: {FIELD_RANGES}"


@pytest.mark.parametrize(
    ("expression", "gap"),
    [
        ("cron(0,59 0 ? * * *)", 59),  # 00:00 then 00:59
        ("cron(0/30 * ? * * *)", 30),
        ("cron(0,1 18 ? * * *)", 1),
    ],
)
def test_schedule_rejects_jobs_under_60_minutes_apart(expression, gap):
    assert str(rules.schedule(expression)) == (
        f"backup jobs must be at least 60 minutes apart, this schedule starts jobs {gap} minutes apart. "
        "Fix: use a single minute value and at most one job per hour, e.g. 'cron(0 * ? * * *)'."
    )


@pytest.mark.parametrize(
    ("expression", "gap"),
    [
        ("cron(0 * ? * * *)", 60),
        ("cron(0 18 ? * SUN *)", 7 * 1440),
        ("cron(0 3 1 * ? *)", 28 * 1440),
        ("cron(0 18 1 1 ? 2199)", None),
    ],  # a single run in the horizon has no gap
)
def test_shortest_gap_minutes(expression, gap):
    assert rules.shortest_gap_minutes(expression) == gap


@pytest.mark.parametrize(
    ("expression", "gap"),
    [
        ("cron(0 18 ? * MON-FRI *)", 3 * 1440),  # the weekend
        ("cron(0 * ? * MON-FRI *)", 49 * 60),  # hourly on weekdays: the estimate looks past the first weekend
        ("cron(0 3 1 * ? *)", 31 * 1440),
        ("cron(0 18 1 1 ? 2199)", None),
    ],
)
def test_longest_gap_minutes(expression, gap):
    assert rules.longest_gap_minutes(expression) == gap


def test_a_last_weekday_schedule_runs_on_the_last_weekday_of_each_month():
    # LW passes AWS's validator pattern; the cron library cannot read it (it raised ValueError here),
    # so it is read as L moved back to the Friday before a weekend.
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert rules.schedule("cron(0 18 LW * ? *)") is None
    assert rules.last_weekday_schedule("cron(0 18 LW * ? *)") is True
    assert rules.last_weekday_schedule("cron(0 18 L * ? *)") is False
    assert rules.last_weekday_schedule("cron(0 18 ? * 6L *)") is False
    # January 2026 ends on a Saturday and May on a Sunday: both move back to the Friday.
    assert [run.strftime("%a %Y-%m-%d %H:%M") for run in rules.upcoming_runs("cron(0 18 LW * ? *)", now, 6)] == [
        "Fri 2026-01-30 18:00",
        "Fri 2026-02-27 18:00",
        "Tue 2026-03-31 18:00",
        "Thu 2026-04-30 18:00",
        "Fri 2026-05-29 18:00",
        "Tue 2026-06-30 18:00",
    ]
    # A run moved back before the start has passed; the search goes on from the month's last day.
    after_friday = dt.datetime(2026, 1, 30, 19, tzinfo=dt.UTC)
    assert rules.upcoming_runs("cron(0 18 LW * ? *)", after_friday, 1) == [
        dt.datetime(2026, 2, 27, 18, tzinfo=zoneinfo.ZoneInfo("UTC"))
    ]
    assert [f"{run:%m-%d %H}" for run in rules.upcoming_runs("cron(0 6,18 LW * ? *)", after_friday, 3)] == [
        "02-27 06",
        "02-27 18",
        "03-31 06",
    ]
    # Over the two-year window: every month's last Monday-to-Friday day, and nothing else.
    runs = rules.upcoming_runs("cron(0 18 LW * ? *)", now, 24)
    expected = []
    for month in range(24):
        first_of_next = dt.date(2026 + (month + 1) // 12, (month + 1) % 12 + 1, 1)
        day = first_of_next - dt.timedelta(days=1)
        while day.weekday() >= 5:
            day -= dt.timedelta(days=1)
        expected.append(day)
    assert [run.date() for run in runs] == expected
    assert rules.shortest_gap_minutes("cron(0 18 LW * ? *)") == 28 * 1440
    assert rules.longest_gap_minutes("cron(0 18 LW * ? *)") == 33 * 1440
    # The times of day decide the 60-minute rule, as for any schedule.
    violation = rules.schedule("cron(0/30 18 LW * ? *)")
    assert violation is not None and "30 minutes apart" in violation.rule
    assert rules.ssm_association_schedule("cron(0/15 18 LW * ? *)") is not None


# The gaps are worked out from the cron's fields (rules._gaps); these tests hold them to a brute
# force over the same window: every run of every day, one after the other.
GAP_WINDOW = [dt.date(2026, 1, 1) + dt.timedelta(days=offset) for offset in range(731)]


def brute_force_gaps(expression: str) -> tuple[int, ...]:
    """Distinct minutes between consecutive runs in the gap window, from a list of every run."""
    cron = AWSCron(expression[len("cron(") : -1])
    times = sorted({hour * 60 + minute for hour in cron.hours for minute in cron.minutes})
    runs = [
        index * 1440 + time
        for index, day in enumerate(GAP_WINDOW)
        if day.month in cron.months
        and day.year in cron.years
        # AWS numbers the days of the week from 1 (Sunday) to 7 (Saturday).
        and (day.day in cron.days_of_month or (day.weekday() + 1) % 7 + 1 in cron.days_of_week)
        for time in times
    ]
    return tuple(sorted({later - earlier for earlier, later in itertools.pairwise(runs)}))


@pytest.mark.parametrize(
    "expression",
    ["cron(0 18 ? * SUN *)", "cron(30 2 ? * MON-FRI *)", "cron(0 3 1 * ? *)", "cron(0 5 ? 2,8 TUE,SAT 2027)"],
)
def test_the_brute_force_agrees_with_the_cron_librarys_own_runs(expression):
    # pyawscron finds each run from the previous one: an independent check of the brute force.
    end = dt.datetime(2028, 1, 2, tzinfo=dt.UTC)
    runs = list(itertools.takewhile(lambda run: run < end, rules._runs(expression, rules._GAP_START)))
    walked = {int((b - a).total_seconds() // 60) for a, b in itertools.pairwise(runs)}
    assert brute_force_gaps(expression) == tuple(sorted(walked))


def _cron_list(values: list[int]) -> str:
    return ",".join(str(value) for value in values)


@st.composite
def plain_crons(draw: st.DrawFn) -> str:
    """Valid cron() schedules without L, W or #: any minute, hour, day, month and year forms."""
    minute = str(draw(st.integers(0, 59)))
    hour = draw(
        st.one_of(
            st.just("*"),
            st.integers(0, 23).map(str),
            st.lists(st.integers(0, 23), min_size=2, max_size=4, unique=True).map(_cron_list),
            st.tuples(st.integers(0, 22), st.integers(1, 23)).filter(lambda r: r[0] < r[1]).map("{0[0]}-{0[1]}".format),
            st.tuples(st.integers(0, 23), st.integers(1, 12)).map("{0[0]}/{0[1]}".format),
        )
    )
    days_of_month = st.one_of(
        st.just("*"),
        st.integers(1, 31).map(str),
        st.lists(st.integers(1, 31), min_size=2, max_size=4, unique=True).map(_cron_list),
        st.tuples(st.integers(1, 30), st.integers(2, 31)).filter(lambda r: r[0] < r[1]).map("{0[0]}-{0[1]}".format),
        st.tuples(st.integers(1, 31), st.integers(1, 15)).map("{0[0]}/{0[1]}".format),
    )
    days_of_week = st.one_of(
        st.just("*"),
        st.sampled_from(["SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT", "1", "4", "7"]),
        st.lists(st.integers(1, 7), min_size=2, max_size=5, unique=True).map(_cron_list),
        st.sampled_from(["MON-FRI", "SAT-SUN", "2-6", "TUE,THU", "1-3"]),
    )
    if draw(st.booleans()):
        day_of_month, day_of_week = draw(days_of_month), "?"
    else:
        day_of_month, day_of_week = "?", draw(days_of_week)
    month = draw(
        st.one_of(
            st.just("*"),  # half the time: every month and every year take the worked-out path
            st.one_of(
                st.integers(1, 12).map(str),
                st.lists(st.integers(1, 12), min_size=2, max_size=4, unique=True).map(_cron_list),
                st.sampled_from(["JAN-MAR", "FEB", "6-12", "*/3"]),
            ),
        )
    )
    year = draw(
        st.one_of(st.just("*"), st.sampled_from(["2026", "2027", "2028", "2026-2027", "2025-2030", "2029", "2030/2"]))
    )
    expression = f"cron({minute} {hour} {day_of_month} {month} {day_of_week} {year})"
    assume(rules.schedule(expression) is None)
    return expression


@settings(max_examples=200, deadline=None)
@given(plain_crons())
def test_gaps_from_the_fields_match_a_brute_force_walk(expression):
    gaps = brute_force_gaps(expression)
    assert rules._gaps(expression) == gaps
    assert rules.shortest_gap_minutes(expression) == (min(gaps) if gaps else None)
    assert rules.longest_gap_minutes(expression) == (max(gaps) if gaps else None)


@pytest.mark.parametrize(
    ("expression", "gaps"),
    [
        ("cron(0 18 ? * SUN *)", (7 * 1440,)),
        ("cron(0 18 ? * * *)", (1440,)),
        ("cron(0 18 * * ? *)", (1440,)),
        ("cron(0 6,18 ? * MON-FRI *)", (720, 2 * 1440 + 720)),  # Friday 18:00 to Monday 06:00
        ("cron(0 18 ? * 2,5 *)", (3 * 1440, 4 * 1440)),
        ("cron(0 18 ? * SUN 2027)", (7 * 1440,)),  # one year of Sundays: worked out by walking the days
        ("cron(0 18 ? JAN SUN *)", (7 * 1440, 343 * 1440)),  # 2026-01-25 to 2027-01-03
    ],
)
def test_gaps_of_daily_and_weekly_patterns(expression, gaps):
    assert rules._gaps(expression) == gaps == brute_force_gaps(expression)


def test_the_regions_are_those_a_botocore_session_lists():
    # components.regions reads botocore's endpoint data without a session (a session costs about
    # 130 ms and 38 MB a run): it must give what boto3/botocore themselves answer.
    import botocore.session

    session = botocore.session.get_session()
    expected = {
        region: partition
        for partition in session.get_available_partitions()
        for region in session.get_available_regions("backup", partition_name=partition)
    }
    assert regions.backup_regions() == expected
    assert regions.backup_regions()["us-east-1"] == "aws"


def test_upcoming_runs_read_the_schedule_on_the_time_zones_wall_clock():
    berlin = zoneinfo.ZoneInfo("Europe/Berlin")
    # 2026-01-01 is a Thursday; the next Sundays are the 4th and the 11th, at 18:00 Berlin time.
    runs = rules.upcoming_runs("cron(0 18 ? * SUN *)", dt.datetime(2026, 1, 1, tzinfo=dt.UTC), 2, "Europe/Berlin")
    assert runs == [dt.datetime(2026, 1, 4, 18, 0, tzinfo=berlin), dt.datetime(2026, 1, 11, 18, 0, tzinfo=berlin)]
    assert [run.astimezone(dt.UTC).hour for run in runs] == [17, 17]


@pytest.mark.parametrize("name", ["UTC", "Europe/Berlin", "America/New_York", "Asia/Kolkata"])
def test_timezone_accepts(name):
    assert rules.timezone(name) is None


@pytest.mark.parametrize("name", ["Mars/Olympus", "", "Europe/berlin", "../etc/passwd", "/etc/localtime", "CEST"])
def test_timezone_rejects(name):
    assert str(rules.timezone(name)) == (
        "the schedule time zone must be an IANA time zone name. "
        "Fix: use a name like 'UTC', 'America/New_York' or 'Europe/Berlin'."
    )


# --- Systems Manager association schedules (the VSS package association) ------------------------------
# Systems Manager user guide, "Reference: Cron and rate expressions for Systems Manager".


@pytest.mark.parametrize(
    "expression",
    [
        "rate(30 minutes)",  # the shortest interval associations support
        "rate(1 hour)",
        "rate(5 hours)",
        "rate(1 day)",
        "rate(7 days)",
        "rate(15 days)",
        "rate(30 days)",  # the longest whole-day interval below 31 days
        "rate(743 hours)",
        "rate(44639 minutes)",
        "cron(0 2 ? * SUN *)",
        "cron(0/30 * ? * * *)",
        "cron(0 0/4 ? * * *)",
        "cron(15 13 ? * MON *)",
        "cron(30 23 ? * TUE#3 *)",
        "cron(0 0 ? * 3L *)",
        "cron(0 */30 * * * ? *)",  # the optional leading Seconds field, 0
        "at(2026-07-07T15:55:00)",
    ],
)
def test_ssm_association_schedule_accepts(expression):
    assert rules.ssm_association_schedule(expression) is None


@pytest.mark.parametrize(
    ("expression", "message"),
    [
        (
            "rate(7 day)",
            "the unit of a rate is singular for 1 and plural above (rate(1 day), rate(7 days)). "
            "Fix: write 'rate(7 days)'.",
        ),
        ("rate(1 days)", "Fix: write 'rate(1 day)'."),
        ("rate(1 hours)", "Fix: write 'rate(1 hour)'."),
        ("rate(5 hour)", "Fix: write 'rate(5 hours)'."),
        (
            "rate(29 minutes)",
            "associations run at most every 30 minutes. Fix: use 'rate(30 minutes)' or a longer interval.",
        ),
        ("rate(1 minute)", "associations run at most every 30 minutes"),
        (
            "rate(31 days)",
            "an association's rate must be less than 31 days. Fix: use at most 'rate(30 days)', or a cron(...) "
            "schedule.",
        ),
        ("rate(744 hours)", "must be less than 31 days"),
        ("rate(44640 minutes)", "must be less than 31 days"),
        ("rate(0 days)", "a rate's value is a positive whole number"),
        ("rate(2 weeks)", "the unit one of minute, minutes, hour, hours, day, days"),
        ("rate(seven days)", "a rate is rate(<whole number> <unit>)"),
        (
            "cron(0 2 ? JAN SUN *)",
            "State Manager does not support months in an association's cron: the Month field is '*'. "
            "Fix: e.g. 'cron(0 2 ? * SUN *)'.",
        ),
        (
            "cron(5 0 2 ? * SUN *)",
            "the optional Seconds field (the first of seven) of an association's cron can only be 0",
        ),
        ("cron(0 2 ? *)", "an association's cron has six fields"),
        ("cron(0 2 * * SUN *)", "exactly one of day-of-month and day-of-week must be '?'"),
        ("cron(0 25 ? * SUN *)", "not a valid AWS cron expression"),
        ("cron(0/29 * ? * * *)", "associations run at most every 30 minutes"),
        ("at(2026-13-07T15:55:00)", "a one-time schedule is at(yyyy-mm-ddThh:mm:ss), in UTC"),
        ("weekly", "a State Manager schedule is rate(...), cron(...) or at(...)"),
    ],
)
def test_ssm_association_schedule_rejects(expression, message):
    assert message in str(rules.ssm_association_schedule(expression))


# --- windows -----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("minutes", "ok"), [(59, False), (60, True), (52_560_000, True), (52_560_001, False), (0, False)]
)
def test_start_window(minutes, ok):
    problem = rules.start_window(minutes)
    if ok:
        assert problem is None
    else:
        assert str(problem) == (
            "the start window must be between 60 and 52,560,000 minutes. Fix: use at least 60 minutes."
        )


@pytest.mark.parametrize(("minutes", "ok"), [(0, False), (1, True), (52_560_000, True), (52_560_001, False)])
def test_completion_window(minutes, ok):
    problem = rules.completion_window(minutes)
    if ok:
        assert problem is None
    else:
        assert "the completion window must be between 1 and 52,560,000 minutes. Fix: use a window long enough" in str(
            problem
        )


# --- lifecycle and continuous backup -----------------------------------------------------------


@pytest.mark.parametrize(
    ("delete_after", "cold_after", "continuous"),
    [
        (None, None, False),  # kept until deleted by hand
        (1, None, False),
        (36_500, None, False),
        (120, 30, False),  # exactly cold + 90
        (None, 30, False),  # cold storage, kept forever
        (36_500, 36_410, False),
        (35, None, True),
        (1, None, True),
    ],
)
def test_lifecycle_accepts(delete_after, cold_after, continuous):
    assert rules.lifecycle(delete_after, cold_after, continuous) is None


@pytest.mark.parametrize(
    ("delete_after", "cold_after", "continuous", "message"),
    [
        (0, None, False, "retention (delete after) must be between 1 and 36500 days. Fix: use a value from 1 to 36500"),
        (36_501, None, False, "retention (delete after) must be between 1 and 36500 days"),
        (None, 0, False, "the move to cold storage must happen between day 1 and day 36500"),
        (None, 36_501, False, "the move to cold storage must happen between day 1 and day 36500"),
        (
            119,
            30,
            False,
            "backups in cold storage must stay there at least 90 days (delete after >= cold storage "
            "after + 90). Fix: keep them at least 120 days, or move them to cold storage later",
        ),
        (36_500, 36_411, False, "keep them at least 36501 days"),
        (36, None, True, "continuous backups are kept 1-35 days. Fix: set the retention to at most 35 days"),
        (None, None, True, "continuous backups are kept 1-35 days"),  # "forever" is over 35 days
        (30, 1, True, "continuous backups cannot move to cold storage. Fix: remove the cold storage setting"),
    ],
)
def test_lifecycle_rejects(delete_after, cold_after, continuous, message):
    assert message in str(rules.lifecycle(delete_after, cold_after, continuous))


# --- selections ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "values",
    [
        arns(500),
        arns(30, wildcard=True),
        ["*"],
        [f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/*"],
        ["arn:aws:s3:::my-bucket-*"],
        # AWS's own examples (AWS Backup guide, "Assign resources with AWS CLI")
        ["arn:aws:ec2:*:*:instance/*"],
        ["arn:aws:ec2:*:*:volume/*"],
        ["arn:aws:ec2:*"],
        [f"arn:aws:ec2:*:{ACCOUNT}:volume/vol-1"],
        ["arn:aws:s3:::*-logs"],  # valid here; warned about by the config layer
        [*arns(29), "arn:aws:ec2:*:*:instance/*"],
        [],
    ],
    ids=[
        "500-plain",
        "30-with-wildcard",
        "star",
        "all-volumes",
        "s3-prefix",
        "every-instance",
        "every-volume",
        "every-ec2-resource",
        "wildcard-in-region",
        "wildcard-first",
        "30-with-aws-example",
        "none",
    ],
)
def test_selection_arns_accept(values):
    assert rules.selection_arns(values) is None


@pytest.mark.parametrize(
    ("values", "message"),
    [
        (
            arns(501),
            "a selection takes at most 500 ARNs, or 30 when any has a wildcard (got 501). "
            "Fix: split them across selections, select a whole resource type (e.g. 'arn:aws:ec2:*:*:instance/*'), "
            "or select by tag instead.",
        ),
        (arns(31, wildcard=True), "(got 31)"),
        ([*arns(30), "*"], "(got 31)"),
        ([*arns(30), "arn:aws:ec2:*:*:instance/*"], "(got 31)"),
        (["i-0abc"], "'i-0abc' is not an ARN. Fix: give full ARNs"),
        (["arn:aws:ec2:* :*:instance/*"], "is not an ARN pattern ('*' stands for any characters but spaces)"),
        (["ec2:*:*:instance/*"], "'ec2:*:*:instance/*' is not an ARN pattern"),
        (["arn:azure:*"], "'arn:azure:*' is not an ARN pattern"),
    ],
    ids=[
        "501-plain",
        "31-with-wildcard",
        "31-with-star",
        "31-with-aws-example",
        "not-an-arn",
        "space",
        "no-arn-prefix",
        "not-aws",
    ],
)
def test_selection_arns_reject(values, message):
    assert message in str(rules.selection_arns(values))


@pytest.mark.parametrize(
    ("values", "types"),
    [
        (["arn:aws:ec2:*:*:instance/*"], {"EC2"}),
        (["arn:aws:ec2:*:*:volume/*"], {"EBS"}),
        ([f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/i-0abc"], {"EC2"}),
        ([f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-*"], {"EBS"}),
        (["arn:aws:s3:::my-bucket"], {"S3"}),
        (["arn:aws:s3:::my-bucket-*", "arn:aws:ec2:*:*:volume/*"], {"S3", "EBS"}),
        (["arn:aws:ec2:*"], {"EC2", "EBS"}),  # a service-wide pattern names both EC2 types
        (["arn:aws:ec2:*:*:*"], {"EC2", "EBS"}),
        (["arn:aws:ec2:*:*:vol*"], {"EBS"}),
        (["arn:aws:rds:*:*:db:*"], {"RDS"}),
        (["arn:aws:rds:*:*:cluster:*"], {"Aurora", "DocumentDB", "Neptune"}),
        ([f"arn:aws:elasticfilesystem:us-east-1:{ACCOUNT}:file-system/fs-1"], {"EFS"}),
        ([f"arn:aws:lambda:us-east-1:{ACCOUNT}:function:f"], set()),  # nothing AWS Backup backs up
        ([f"arn:aws:ec2:us-east-1:{ACCOUNT}:image/ami-1"], set()),
        ([], set()),
        (["*"], None),
        (["arn:aws:ec2:*:*:instance/*", "*"], None),
        (["arn:*"], None),
        (["arn:aws:*:*:*:*"], None),
    ],
)
def test_selected_resource_types(values, types):
    assert rules.selected_resource_types(values) == types


# --- vault lock and air-gapped vaults -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("minimum", "maximum", "grace"),
    [(1, None, None), (None, 36_500, None), (1, 1, None), (7, 36_500, 3), (1, 30, 36_500), (None, None, None)],
)
def test_vault_lock_accepts(minimum, maximum, grace):
    assert rules.vault_lock(minimum, maximum, grace) is None


@pytest.mark.parametrize(
    ("minimum", "maximum", "grace", "message"),
    [
        (0, None, None, "a vault lock's minimum retention must be 1-36500 days"),
        (None, 36_501, None, "a vault lock's maximum retention must be 1-36500 days. Fix: use at most 36500"),
        (
            31,
            30,
            None,
            "a vault lock's maximum retention cannot be shorter than its minimum. "
            "Fix: raise the maximum to at least 31 days",
        ),
        (
            1,
            30,
            2,
            "a compliance lock's grace period (changeable for days) must be 3-36500 days. Fix: use at least 3 days",
        ),
        (1, 30, 36_501, "a compliance lock's grace period (changeable for days) must be 3-36500 days"),
    ],
)
def test_vault_lock_rejects(minimum, maximum, grace, message):
    assert message in str(rules.vault_lock(minimum, maximum, grace))


@pytest.mark.parametrize(("minimum", "grace"), [(36_501, None), (1, 36_501)], ids=["min", "grace"])
def test_vault_lock_fix_points_down_when_over_the_maximum(minimum, grace):
    problem = rules.vault_lock(minimum, None, grace)
    assert problem is not None
    assert "36500" in problem.fix


@pytest.mark.parametrize(("minimum", "maximum"), [(7, 7), (7, 36_500), (30, 3650)])
def test_air_gapped_retention_accepts(minimum, maximum):
    assert rules.air_gapped_retention(minimum, maximum) is None


@pytest.mark.parametrize(
    ("minimum", "maximum", "message"),
    [
        (
            6,
            30,
            "a logically air-gapped vault keeps recovery points at least 7 days. "
            "Fix: set the minimum retention to 7 days or more",
        ),
        (7, 6, "a vault lock's maximum retention cannot be shorter than its minimum"),
        (7, 36_501, "a vault lock's maximum retention must be 1-36500 days"),
    ],
)
def test_air_gapped_retention_rejects(minimum, maximum, message):
    assert message in str(rules.air_gapped_retention(minimum, maximum))


@pytest.mark.parametrize(
    ("delete_after", "minimum", "maximum"),
    [
        (7, 7, 400),  # at the minimum
        (400, 7, 400),  # at the maximum
        (None, 7, None),  # kept forever is longer than any minimum
        (None, None, None),  # no lock
        (3, None, None),
    ],
)
def test_retention_within_lock_accepts(delete_after, minimum, maximum):
    assert rules.retention_within_lock(delete_after, minimum, maximum) is None


@pytest.mark.parametrize(
    ("delete_after", "minimum", "maximum", "message"),
    [
        (
            6,
            7,
            400,
            "the target vault is locked to keep recovery points at least 7 days, so jobs keeping them 6 days "
            "fail. Fix: keep them at least 7 days",
        ),
        (
            401,
            7,
            400,
            "the target vault is locked to keep recovery points at most 400 days, so jobs keeping them "
            "401 days fail. Fix: keep them at most 400 days",
        ),
        (
            None,
            7,
            400,
            "the target vault is locked to at most 400 days, but these recovery points would be kept "
            "forever, so every job into it fails. Fix: set a retention of at most 400 days",
        ),
        (None, None, 400, "would be kept forever"),
    ],
)
def test_retention_within_lock_rejects(delete_after, minimum, maximum, message):
    assert message in str(rules.retention_within_lock(delete_after, minimum, maximum))


# --- accounts, organizations, vault ARNs ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("111122223333", True),
        ("012345678901", True),
        ("11112222333", False),
        ("1111222233334", False),
        ("11112222333a", False),
        ("", False),
    ],
)
def test_account_id(value, ok):
    problem = rules.account_id(value)
    if ok:
        assert problem is None
    else:
        assert str(problem) == "an AWS account ID is 12 digits. Fix: write it in quotes, e.g. '111122223333'."


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        ("o-a1b2c3d4e5", True),
        ("o-" + "a" * 32, True),
        ("o-a1b2c3d4e", False),
        ("o-" + "a" * 33, False),
        ("o-A1B2C3D4E5", False),
        ("a1b2c3d4e5", False),
    ],
)
def test_organization_id(value, ok):
    problem = rules.organization_id(value)
    if ok:
        assert problem is None
    else:
        assert "an AWS Organization ID looks like 'o-a1b2c3d4e5'. Fix: copy it from the Organizations console" in str(
            problem
        )


VAULT_ARN = "arn:aws:backup:us-east-1:222222222222:backup-vault:windows-server-archive"


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (VAULT_ARN, True),
        ("arn:aws-us-gov:backup:us-gov-west-1:222222222222:backup-vault:ab", True),
        ("arn:aws:backup:us-east-1:222222222222:backup-vault:a", False),  # 1-character name
        ("arn:aws:backup:us-east-1:222222222222:backup-vault:archive.vault", False),
        ("arn:aws:backup:us-east-1:22222222222:backup-vault:archive", False),  # 11-digit account
        ("arn:aws:backup:us-east-1:222222222222:backup-plan:archive", False),
        ("windows-server-archive", False),
    ],
)
def test_vault_arn(value, ok):
    problem = rules.vault_arn(value)
    if ok:
        assert problem is None
    else:
        assert "a backup vault ARN looks like arn:aws:backup:<region>:<account>:backup-vault:<name>" in str(problem)
        assert problem is not None and "pulumi stack output archive_vault_arn" in problem.fix


def test_vault_arn_names_a_real_region_of_its_partition():
    problem = rules.vault_arn("arn:aws:backup:us-west-9:222222222222:backup-vault:archive")
    assert problem is not None
    assert problem.rule == (
        f"the vault ARN names region 'us-west-9', not a region where AWS Backup runs, by the endpoint data of "
        f"botocore {BOTOCORE}"
    )
    assert "'us-west-2'" in problem.fix
    assert str(rules.vault_arn("arn:aws:backup:us-gov-west-1:222222222222:backup-vault:archive")) == (
        "the vault ARN starts arn:aws: but region us-gov-west-1 is in partition aws-us-gov. "
        "Fix: write the ARN with partition aws-us-gov (arn:aws-us-gov:...)."
    )
    assert rules.vault_arn("arn:aws-cn:backup:cn-north-1:222222222222:backup-vault:archive") is None


def test_vault_arn_parts():
    assert rules.vault_arn_parts(VAULT_ARN) == ("us-east-1", "222222222222", "windows-server-archive")
    with pytest.raises(ValueError, match="not a backup vault ARN: 'archive'"):
        rules.vault_arn_parts("archive")


# --- reporting helpers ---------------------------------------------------------------------------------


def test_problems_lists_only_the_failed_checks():
    assert rules.problems({"name": rules.vault_name("a.b"), "tags": None, "start": rules.start_window(59)}) == [
        "name: a vault name must be 2-50 letters, digits, '-' or '_' (no dots). "
        "Fix: use only the allowed characters and length, e.g. 'a-b'.",
        "start: the start window must be between 60 and 52,560,000 minutes. Fix: use at least 60 minutes.",
    ]


def test_raise_if_any():
    rules.raise_if_any("BackupVault", "backup-vault", [])  # nothing to report: no error
    with pytest.raises(pulumi.RunError) as raised:
        rules.raise_if_any("BackupVault", "backup-vault", ["name: one", "tags: two"])
    assert str(raised.value) == "BackupVault 'backup-vault' has invalid arguments:\n  - name: one\n  - tags: two"


# --- checks across components (components/stack_checks/) -----------------------------------------------


def _args(**overrides):
    """WindowsServerBackupArgs-shaped plain values: one plan, one rule keeping 35 days, no copies."""
    args = {
        "region": "us-east-1",
        "vault": {"name": "backup-vault", "lock": None},
        "plans": [
            {
                "name": "weekly",
                "rules": [{"name": "weekly", "delete_after_days": 35}],
                "selections": [{"name": "weekly"}],
            }
        ],
    }
    args.update(overrides)
    return args


def test_copy_targets_default_to_every_configured_destination():
    args = _args(cross_region={"region": "us-west-2"}, archive=None)
    assert stack_checks.copy_targets({}, args) == ["cross_region"]
    assert stack_checks.copy_targets({"copy_to": []}, args) == []
    assert stack_checks.copy_targets({"copy_to": ["archive"]}, args) == ["archive"]


def test_copy_lifecycle_falls_back_to_the_rule():
    rule = {"delete_after_days": 35, "cold_storage_after_days": None, "opt_in_to_archive": False}
    assert stack_checks.copy_lifecycle(rule, {"delete_after_days": None}) == (35, None, False)
    assert stack_checks.copy_lifecycle(
        rule, {"delete_after_days": 365, "cold_storage_after_days": 30, "opt_in_to_archive": True}
    ) == (365, 30, True)


def test_stack_problems_of_a_valid_stack():
    assert stack_checks.stack_problems(_args()) == []


@pytest.mark.parametrize(
    ("overrides", "path", "message"),
    [
        (
            {"cross_region": {"region": "us-east-1"}},
            "cross_region.region",
            "a cross-region copy must go to another region than the stack's own",
        ),
        (
            {"vault": {"name": "backup-vault", "lock": {"min_retention_days": 36, "max_retention_days": 400}}},
            "plans[0].rules[0].delete_after_days",
            "locked to keep recovery points at least 36 days",
        ),
        (
            {"cross_region": {"region": "us-west-2", "lock": {"min_retention_days": 1, "max_retention_days": 34}}},
            "plans[0].rules[0].delete_after_days",
            "copies of plans[0].rules[0] to cross_region: the target vault is locked to keep recovery points at most 34 days",
        ),
        (
            {"cross_region": {"region": "us-west-2", "cold_storage_after_days": 30, "delete_after_days": 119}},
            "cross_region.delete_after_days",
            "keep them at least 120 days",
        ),
        (
            {
                "plans": [
                    {"name": "a", "rules": [], "selections": [{"name": "b-c"}]},
                    {"name": "a-b", "rules": [], "selections": [{"name": "c"}]},
                ]
            },
            "plans[1].selections[0].name",
            "both make the resource name 'a-b-c'",
        ),
        (
            {
                "cross_region": {
                    "region": "us-west-2",
                    "existing_vault_arn": "arn:aws:backup:eu-west-1:111111111111:backup-vault:copies",
                }
            },
            "cross_region.existing_vault_arn",
            "the existing vault is not in the copy region us-west-2",
        ),
    ],
)
def test_stack_problems_report_path_and_rule(overrides, path, message):
    found = stack_checks.stack_problems(_args(**overrides))
    assert [(found_path, message in str(violation)) for found_path, _, violation in found] == [(path, True)]


def test_stack_problems_archive_in_own_account():
    args = _args(
        vault={"name": "backup-vault", "kms_key_arn": None, "lock": None},
        create_vault_key=True,
        archive={"vault_arn": VAULT_ARN},
    )
    assert stack_checks.stack_problems(args, source_account_id="111111111111") == []
    [(path, value, violation)] = stack_checks.stack_problems(args, source_account_id="222222222222")
    assert (path, value) == ("archive.vault_arn", VAULT_ARN)
    assert "the archive vault is in this stack's own account (222222222222)" in str(violation)


# --- where a selection ARN can match (selection_arn_place) ---


@pytest.mark.parametrize(
    "arn",
    [
        "*",
        "arn:aws:ec2:*:*:volume/*",
        "arn:aws:ec2:::instance/*",
        f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/*",
        "arn:aws:s3:::my-bucket",  # S3 ARNs name no region
        "arn:aws:ec2:us-*:*:volume/*",  # a pattern in the region: may match ours
        "arn:*:ec2:*:*:volume/*",
    ],
)
def test_arns_that_can_match_the_plans_region_pass(arn):
    assert rules.selection_arn_place(arn, "us-east-1") is None


def test_an_unknown_region_is_refused_with_the_closest_names():
    violation = rules.selection_arn_place("arn:aws:ec2:us-east-7:*:volume/*", "us-east-1")
    assert violation is not None
    assert violation.rule.startswith(
        "'arn:aws:ec2:us-east-7:*:volume/*' names region 'us-east-7', not a region where AWS Backup runs"
    )
    assert "'us-east-1'" in violation.fix


def test_another_partition_is_refused():
    violation = rules.selection_arn_place("arn:aws-cn:ec2:*:*:volume/*", "us-east-1")
    assert violation is not None
    assert violation.rule == (
        "'arn:aws-cn:ec2:*:*:volume/*' is an ARN of partition aws-cn, and this stack's region us-east-1 is in "
        "partition aws: it can match nothing here"
    )
    assert violation.fix == "write it as arn:aws:ec2:*:*:volume/*"
    assert rules.selection_arn_place("arn:aws-cn:ec2:*:*:volume/*", "cn-north-1") is None


def test_another_region_is_refused():
    arn = f"arn:aws:ec2:us-west-2:{ACCOUNT}:volume/*"
    violation = rules.selection_arn_place(arn, "us-east-1")
    assert violation is not None
    assert violation.rule.startswith(f"{arn!r} names region us-west-2, and this plan backs up us-east-1 only")
    assert violation.fix == f"write '*' or us-east-1 for the region, e.g. arn:aws:ec2:*:{ACCOUNT}:volume/*"


# --- the cron intervals Systems Manager lists for associations ---


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0/30 * * * ? *)",  # every half hour
        "cron(0 */30 * * * ? *)",  # the same with a Seconds field of 0 (the guide's example)
        "cron(0 * * * ? *)",  # every hour
        "cron(0 0/2 * * ? *)",
        "cron(0 0/4 * * ? *)",  # the guide's example
        "cron(0 0/8 * * ? *)",
        "cron(0 0/12 * * ? *)",
        "cron(0 2 * * ? *)",  # every day
        "cron(15 13 ? * MON *)",  # every week (the guide's example)
        "cron(30 23 ? * TUE#3 *)",  # the third Tuesday (the guide's example)
        "cron(0 2 1/3 * ? *)",  # every third day
        "cron(0 2 L * ? *)",  # the last day of the month
        "cron(0 2 ? * 6L *)",  # the last Friday
        "rate(3 hours)",  # rates are not judged here
    ],
)
def test_association_cron_listed_accepts(expression):
    assert rules.association_cron_listed(expression) is None


@pytest.mark.parametrize(
    "expression",
    [
        "cron(0 0/3 * * ? *)",  # every 3 hours: not a listed interval
        "cron(0 0/6 * * ? *)",
        "cron(0 6,18 * * ? *)",  # twice a day
        "cron(0 2 ? * MON-FRI *)",  # weekdays
        "cron(0 2 15 * ? *)",  # a day of the month
    ],
)
def test_association_cron_listed_warns(expression):
    violation = rules.association_cron_listed(expression)
    assert violation is not None
    assert violation.rule.startswith(f"{expression} is not one of the cron schedules the Systems Manager guide lists")
