"""Every config-level rule through the real program: a bad stack file stops ``__main__.py`` with one
``pulumi.RunError`` that names the key path, the value it got and the fix, and nothing but the
root stack is registered.

Each case starts from one of the fixture stacks in ``tests/stacks`` (seed, prod-east, archive), changes
one key, and runs the program offline with the ``run_config`` fixture. Tests marked
``xfail(strict=True)`` document a bug in the program, not in the test.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from typing import Any

import pulumi
import pytest
from conftest import PROJECT, fixture_config, logged_warning, seed_config

from components import WindowsVssInstances
from offline.markdown import render_stack
from offline.report import plain_language

NS = f"{PROJECT}:"
ACCOUNT = "123456789012"
PLAN = "aws:backup/plan:Plan"


def stack_file(stack: str) -> dict[str, Any]:
    """A fresh copy of the ``config:`` of fixture ``tests/stacks/Pulumi.<stack>.yaml``."""
    return fixture_config(stack)


def _parts(path: str) -> list[str | int]:
    """``plans[0].rules[1].schedule`` -> ``['plans', 0, 'rules', 1, 'schedule']``."""
    return [int(index) if index else key for key, index in re.findall(r"([^.\[\]]+)|\[(\d+)\]", path)]


def _walk(config: dict[str, Any], path: str) -> tuple[Any, str | int]:
    """The container that holds the last key of ``path`` (a project key), creating mappings on the way."""
    first, *rest = _parts(path)
    container: Any = config
    key: str | int = NS + str(first)
    for part in rest:
        container = container.setdefault(key, {}) if isinstance(key, str) else container[key]
        key = part
    return container, key


def put(config: dict[str, Any], path: str, value: Any) -> dict[str, Any]:
    """Set the project key at ``path`` (as the error reports it) to ``value``; returns ``config``."""
    container, key = _walk(config, path)
    container[key] = value
    return config


def drop(config: dict[str, Any], path: str) -> dict[str, Any]:
    """Remove the project key at ``path``; returns ``config``."""
    container, key = _walk(config, path)
    del container[key]
    return config


def arns(count: int, wildcard: bool = False) -> list[str]:
    """``count`` distinct EBS volume ARNs; with ``wildcard`` the last one ends in ``*``."""
    values = [f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-{index:017x}" for index in range(count)]
    if wildcard:
        values[-1] = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-*"
    return values


def rejected(run, count: int = 1) -> str:
    """The error text of a run stopped by its config; checks nothing else was registered."""
    assert isinstance(run.error, pulumi.RunError), run.error
    assert run.resources == []
    assert [r.type for r in run.registrations] == ["pulumi:pulumi:Stack"]
    assert run.outputs == {}
    header = str(run.error).splitlines()[0]
    plural = "problem" if count == 1 else "problems"
    assert header == f"Pulumi.test.yaml: {count} {plural} under '{PROJECT}:' (nothing was deployed):", str(run.error)
    return str(run.error)


def assert_problem(run, path: str, shown: str, rule: str, fix: str, count: int = 1) -> None:
    """``run`` failed with one line ``- <path>: got <shown>...; ...<rule>.... Fix: ...<fix>...``.

    ``shown`` is the value as the error prints it (JSON), or the start of it when it is long.
    """
    text = rejected(run, count)
    lines = [line for line in text.splitlines() if line.startswith(f"  - {path}: got ")]
    assert len(lines) == 1, text
    line = lines[0]
    assert line.startswith(f"  - {path}: got {shown}"), line
    assert rule in line.split("; ", 1)[1].split(". Fix: ")[0], line
    assert fix in line.split(". Fix: ", 1)[1], line


def accepted(run) -> None:
    """The run passed validation and built the stack."""
    assert run.error is None, run.error
    assert run.resources


# --- one field rule at a time (dev stack) -----------------------------------------------------------

RANGES = "check each field's range: Minutes 0-59, Hours 0-23, Day-of-month 1-31"
SCHEDULE = "plans[0].rules[0].schedule"
RULE = "plans[0].rules[0]"
SELECTION = "plans[0].selections[0]"
#: The seed's volume plan (the first one takes Windows VSS backups of instances).
EBS_RULE = "plans[1].rules[0]"

FIELD_CASES = [
    # (key path, bad value, value as printed, rule, fix)
    ("vault.name", "a", '"a"', "a vault name must be 2-50 letters, digits, '-' or '_' (no dots)", "e.g. 'a-'"),
    ("vault.name", "v" * 51, '"' + "v" * 51 + '"', "a vault name must be 2-50", "e.g. '" + "v" * 50 + "'"),
    ("vault.name", "backup.vault", '"backup.vault"', "(no dots)", "e.g. 'backup-vault'"),
    ("plans[0].name", "p" * 51, '"' + "p" * 51 + '"', "a plan name must be 1-50 letters", "e.g. '" + "p" * 50 + "'"),
    ("plans[0].name", "weekly ebs", '"weekly ebs"', "a plan name must be 1-50 letters", "e.g. 'weekly-ebs'"),
    (f"{RULE}.name", "r" * 51, '"' + "r" * 51 + '"', "a rule name must be 1-50 letters", "e.g. '" + "r" * 50 + "'"),
    (f"{SELECTION}.name", "s/1", '"s/1"', "a selection name must be 1-50 letters", "e.g. 's-1'"),
    (
        SCHEDULE,
        "rate(7 days)",
        '"rate(7 days)"',
        "accept only cron() schedules, not rate()",
        "write the schedule as cron(",
    ),
    (
        SCHEDULE,
        "cron(0 18 ? * SUN)",
        '"cron(0 18 ? * SUN)"',
        "a cron expression has six fields",
        "add the missing fields",
    ),
    (
        SCHEDULE,
        "cron(0 18 1 * SUN *)",
        '"cron(0 18 1 * SUN *)"',
        "exactly one of day-of-month and day-of-week must be '?'",
        "e.g. 'cron(0 18 ? * SUN *)'",
    ),
    (
        SCHEDULE,
        "cron(0 18 ? * ? *)",
        '"cron(0 18 ? * ? *)"',
        "exactly one of day-of-month and day-of-week",
        "make one of them '?'",
    ),
    (
        SCHEDULE,
        "cron(0 18 * * * *)",
        '"cron(0 18 * * * *)"',
        "exactly one of day-of-month and day-of-week",
        "e.g. 'cron(0 18 ? * * *)'",
    ),
    (SCHEDULE, "cron(60 18 ? * SUN *)", '"cron(60 18 ? * SUN *)"', "Invalid minute value '60'", RANGES),
    (SCHEDULE, "cron(0 24 ? * SUN *)", '"cron(0 24 ? * SUN *)"', "Invalid hour value '24'", RANGES),
    (SCHEDULE, "cron(0 18 32 * ? *)", '"cron(0 18 32 * ? *)"', "Invalid day-of-month value '32'", RANGES),
    (SCHEDULE, "cron(0 18 1 13 ? *)", '"cron(0 18 1 13 ? *)"', "Invalid month value '13'", RANGES),
    (SCHEDULE, "cron(0 18 ? * 8 *)", '"cron(0 18 ? * 8 *)"', "Invalid day-of-week value '8'", RANGES),
    (SCHEDULE, "cron(0 18 1 1 ? 2200)", '"cron(0 18 1 1 ? 2200)"', "Invalid year value '2200'", RANGES),
    (
        SCHEDULE,
        "cron(0/30 * ? * * *)",
        '"cron(0/30 * ? * * *)"',
        "this schedule starts jobs 30 minutes apart",
        "at most one job per hour",
    ),
    (f"{RULE}.timezone", "Mars/Olympus", '"Mars/Olympus"', "must be an IANA time zone name", "use a name like 'UTC'"),
    (
        f"{RULE}.start_window_minutes",
        59,
        "59",
        "the start window must be between 60 and 52,560,000 minutes",
        "use at least 60 minutes",
    ),
    (
        f"{RULE}.start_window_minutes",
        52_560_001,
        "52560001",
        "the start window must be between 60 and 52,560,000",
        "use at least 60",
    ),
    (
        f"{RULE}.completion_window_minutes",
        0,
        "0",
        "the completion window must be between 1 and 52,560,000 minutes",
        "use a window long enough for a full backup",
    ),
    (f"{RULE}.delete_after_days", 0, "0", "input should be greater than or equal to 1", "use a larger number"),
    (
        f"{RULE}.delete_after_days",
        36_501,
        "36501",
        "input should be less than or equal to 36500",
        "use a smaller number",
    ),
    (
        f"{RULE}.cold_storage_after_days",
        36_501,
        "36501",
        "input should be less than or equal to 36500",
        "use a smaller number",
    ),
    (
        f"{SELECTION}.resources",
        arns(501),
        f'["arn:aws:ec2:us-east-1:{ACCOUNT}:volume/vol-00000000000000000"',
        "a selection takes at most 500 ARNs, or 30 when any has a wildcard (got 501)",
        "split them across selections",
    ),
    (f"{SELECTION}.resources", arns(31, wildcard=True), '["arn:aws:ec2:', "(got 31)", "select by tag instead"),
    (
        f"{SELECTION}.not_resources",
        [*arns(30), "arn:aws:ec2:*:*:volume/*"],
        '["arn:aws:ec2:',
        "or 30 when any has a wildcard (got 31)",
        "select a whole resource type",
    ),
    (
        f"{SELECTION}.not_resources",
        ["vol-1"],
        '["vol-1"]',
        "'vol-1' is not an ARN",
        "'arn:aws:ec2:*:*:instance/*' for every EC2 instance",
    ),
    (
        "tags",
        {"aws:env": "prod"},
        '{"aws:env": "prod"}',
        "tag 'aws:env': tag keys starting with 'aws:' are reserved by AWS",
        "use another prefix",
    ),
    ("vault.tags", {"k" * 129: "v"}, '{"kkkk', "a tag key must be 1-128 characters long", "shorten the key"),
    (
        f"{RULE}.recovery_point_tags",
        {"env": "v" * 257},
        '{"env": "vvvv',
        "tag 'env': a tag value must be at most 256",
        "shorten the value",
    ),
    (
        f"{SELECTION}.tags",
        {"k" * 129: "weekly"},
        '{"' + "k" * 100,
        "a tag key is 1-128 characters long",
        "shorten the key",
    ),
    (
        f"{SELECTION}.conditions.string_equals",
        {"env": "p" * 257},
        '{"env": "pppp',
        "a tag value is at most 256",
        "shorten the value",
    ),
    (
        "vault.kms_key",
        "alias/my-key",
        '"alias/my-key"',
        "a KMS key must be given as a key ARN",
        "'aws/backup' for the AWS-managed key",
    ),
    (
        "vault.break_glass_role_arn",
        "arn:aws:iam::123:role/admin",
        '"arn:aws:iam::123:role/admin"',
        "an IAM role ARN looks like arn:aws:iam::<12-digit account>:role/<name>",
        "aws iam get-role",
    ),
    ("role.name", "r" * 65, '"' + "r" * 65 + '"', "an IAM role name must be 1-64", "shorten it"),
    ("role.existing_arn", "backup-role", '"backup-role"', "an IAM role ARN looks like", "aws iam get-role"),
]


@pytest.mark.parametrize(("path", "value", "shown", "rule", "fix"), FIELD_CASES)
def test_field_rule(run_config, path, value, shown, rule, fix):
    assert_problem(run_config(put(seed_config(), path, value)), path, shown, rule, fix)


@pytest.mark.parametrize(
    ("path", "value"),
    [
        ("vault.name", "ab"),
        ("vault.name", "v" * 50),
        (SCHEDULE, "cron(0 18 L * ? *)"),
        (SCHEDULE, "cron(0 18 15W * ? *)"),
        (SCHEDULE, "cron(0 18 ? * 6#3 *)"),
        (SCHEDULE, "cron(0 18 ? JAN-DEC SUN-SAT *)"),
        (SCHEDULE, "cron(0 * ? * * *)"),  # hourly: exactly 60 minutes apart
        (f"{RULE}.timezone", "Europe/Berlin"),
        (f"{RULE}.start_window_minutes", 52_560_000),
        (f"{RULE}.delete_after_days", 36_500),
        (f"{SELECTION}.resources", arns(500)),
        (f"{SELECTION}.resources", arns(30, wildcard=True)),
        (f"{SELECTION}.resources", [*arns(29), "arn:aws:ec2:*:*:instance/*"]),
        (f"{SELECTION}.not_resources", [*arns(29), "arn:aws:ec2:*:*:volume/*"]),
        ("tags", {"k" * 128: "v" * 256}),
        ("role.name", "r" * 64),
    ],
)
def test_field_boundary_accepted(run_config, path, value):
    run = run_config(put(seed_config(), path, value))
    accepted(run)
    assert len(run.of_type(PLAN)) == 2


def test_values_at_the_boundary_reach_the_plan(run_config):
    config = put(seed_config(), f"{RULE}.start_window_minutes", 52_560_000)
    # Cold storage on the volume plan: the Windows VSS plan backs up instances, which cannot go cold.
    put(config, f"{EBS_RULE}.delete_after_days", 120)
    put(config, f"{EBS_RULE}.cold_storage_after_days", 30)
    put(config, f"{EBS_RULE}.opt_in_to_archive", True)
    run = run_config(config)
    accepted(run)
    plans = {r.inputs["name"]: r for r in run.of_type(PLAN)}
    assert plans["windows-weekly-ec2-vss-us-east-1"].inputs["rules"][0]["startWindow"] == 52_560_000
    assert plans["weekly-ebs-us-east-1"].inputs["rules"][0]["lifecycle"] == {
        "coldStorageAfter": 30,
        "deleteAfter": 120,
        "optInToArchiveForSupportedResources": True,
    }


def test_schedule_on_the_31st_is_accepted(run_config):
    accepted(run_config(put(seed_config(), SCHEDULE, "cron(0 18 31 * ? *)")))


def test_schedule_on_the_last_day_of_the_week_is_accepted(run_config):
    run = run_config(put(seed_config(), SCHEDULE, "cron(0 18 ? * L *)"))
    accepted(run)


# --- lifecycle and continuous backup (cross-field, reported at delete_after_days) --------------------


@pytest.mark.parametrize(
    ("settings", "shown", "rule", "fix"),
    [
        (
            {"delete_after_days": 119, "cold_storage_after_days": 30},
            '{"delete_after_days": 119, "cold_storage_after_days": 30}',
            "backups in cold storage must stay there at least 90 days",
            "keep them at least 120 days",
        ),
        (
            {"delete_after_days": 36, "continuous_backup": True},
            '{"delete_after_days": 36, "cold_storage_after_days": null}',
            "continuous backups are kept 1-35 days",
            "set the retention to at most 35 days",
        ),
        (
            {"delete_after_days": 30, "cold_storage_after_days": 1, "continuous_backup": True},
            '{"delete_after_days": 30, "cold_storage_after_days": 1}',
            "continuous backups cannot move to cold storage",
            "remove the cold storage setting",
        ),
    ],
    ids=["cold-plus-89", "continuous-36", "continuous-cold"],
)
def test_lifecycle_rule(run_config, settings, shown, rule, fix):
    config = seed_config()
    for key, value in settings.items():
        put(config, f"{RULE}.{key}", value)
    assert_problem(run_config(config), f"{RULE}.delete_after_days", shown, rule, fix)


@pytest.mark.parametrize(
    "settings",
    [{"delete_after_days": 120, "cold_storage_after_days": 30}, {"delete_after_days": 35, "continuous_backup": True}],
    ids=["cold-plus-90", "continuous-35"],
)
def test_lifecycle_boundary_accepted(run_config, settings):
    config = seed_config()
    for key, value in settings.items():
        put(config, f"{EBS_RULE}.{key}", value)
    accepted(run_config(config))


# --- wrong YAML types, unknown and missing keys -------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "value", "shown", "rule", "fix"),
    [
        ("vault.protect", "yes", '"yes"', "input should be a valid boolean", "write true or false without quotes"),
        (
            "plans[0].windows_vss",
            "true",
            '"true"',
            "input should be a valid boolean",
            "write true or false without quotes",
        ),
        ("enable_cross_account_backup", "yes", '"yes"', "input should be a valid boolean", "write true or false"),
        (
            f"{RULE}.start_window_minutes",
            "60",
            '"60"',
            "input should be a valid integer",
            "write a whole number without quotes",
        ),
        (f"{RULE}.delete_after_days", 30.5, "30.5", "input should be a valid integer", "write a whole number"),
        (
            "vault",
            ["backup-vault"],
            '["backup-vault"]',
            "input should be a valid dictionary",
            "write a mapping of settings",
        ),
        (
            "plans",
            {"name": "weekly"},
            '{"name": "weekly"}',
            "input should be a valid list",
            "write a list, one '- item' per line",
        ),
        (
            f"{SELECTION}.tags",
            ["alk:backup"],
            '["alk:backup"]',
            "input should be a valid dictionary",
            "write a mapping of key: value pairs",
        ),
        ("vault.name", 12, "12", "input should be a valid string", "write a text value"),
    ],
)
def test_wrong_yaml_type(run_config, path, value, shown, rule, fix):
    assert_problem(run_config(put(seed_config(), path, value)), path, shown, rule, fix)


@pytest.mark.parametrize(
    ("path", "value", "shown", "suggestion"),
    [
        ("vault.nmae", "x", '"x"', "did you mean 'name'? "),
        (f"{RULE}.delete_after", 30, "30", "did you mean 'delete_after_days'? "),
        (f"{RULE}.start_window", 60, "60", "did you mean 'start_window_minutes'? "),
        (f"{SELECTION}.tag", {"a": "b"}, '{"a": "b"}', "did you mean 'tags'? "),
        ("plan", [], "[]", "did you mean 'plans'? "),
    ],
)
def test_unknown_key_suggests_the_closest(run_config, path, value, shown, suggestion):
    run = run_config(put(seed_config(), path, value))
    assert_problem(run, path, shown, "is not a setting of this program", suggestion + "remove it or use one of: ")


def test_unknown_key_without_a_close_match_lists_the_settings(run_config):
    run = run_config(put(seed_config(), "vault.colour", "blue"))
    assert_problem(
        run,
        "vault.colour",
        '"blue"',
        "is not a setting of this program",
        "remove it or use one of: name, kms_key, protect, deny_deletions, break_glass_role_arn, "
        "break_glass_role_name, policy_admin_role_arns, lock, policy_statements, force_destroy, tags",
    )
    assert "did you mean" not in str(run.error)


@pytest.mark.parametrize(
    ("stack", "path"),
    [
        ("seed", "vault.name"),
        ("seed", "plans[0].name"),
        ("seed", SCHEDULE),
        ("seed", "plans[0].selections"),
        ("prod-east", "cross_region.region"),
        ("archive", "archive_vault.min_retention_days"),
        ("archive", "archive_vault.name"),
    ],
)
def test_missing_required_key(run_config, stack, path):
    assert_problem(
        run_config(drop(stack_file(stack), path)), path, "nothing", "this setting is required", "add this key"
    )


def test_an_empty_stack_deploys_nothing(run_config):
    run = run_config({"aws:region": "us-east-1"})
    text = rejected(run, count=1)
    assert (
        "  - vault: got null; the stack deploys nothing. Fix: add vault and plans (a source stack), archive_vault "
        "(the archive stack), or audit or region_settings on their own." in text
    )


def test_plans_need_the_stacks_vault(run_config):
    config = seed_config(notifications=None)
    del config["windows-server-backup:vault"]
    assert_problem(
        run_config(config), "vault", "null", "the plans write to the stack's vault, and it has none", "add vault:"
    )


@pytest.mark.parametrize(
    ("key", "value"),
    [
        ("cross_region", {"region": "us-west-2", "vault_name": "copies"}),
        ("archive", {"vault_arn": "arn:aws:backup:us-east-1:222222222222:backup-vault:archive"}),
        ("vss_instances", {}),
    ],
)
def test_sections_that_act_on_plans_need_plans(run_config, key, value):
    # The seed stack has vss_instances too: without plans, that is a problem of its own.
    config = seed_config(plans=[], **{key: value})
    text = rejected(run_config(config), count=1 if key == "vss_instances" else 2)
    assert f"  - {key}: got " in text
    assert f"{key} acts on the stack's plans, and it has none. Fix: add a plan, or remove {key}." in text


@pytest.mark.parametrize("key", ["restore_testing", "notifications"])
def test_sections_that_act_on_the_vault_need_a_vault(run_config, key):
    value = {"name": "windows_tests", "schedule": "cron(0 6 ? * MON *)"} if key == "restore_testing" else {}
    config = {"aws:region": "us-east-1", f"windows-server-backup:{key}": value}
    text = rejected(run_config(config))
    assert f"{key} acts on the stack's vault, and it has none. Fix: add a vault, or remove {key}." in text


# --- region ----------------------------------------------------------------------------------------------


def test_region_missing(run_config):
    config = seed_config()
    del config["aws:region"]
    assert_problem(
        run_config(config),
        "aws:region",
        "nothing",
        "the stack's AWS region is not set",
        "run `pulumi config set aws:region us-east-1 --stack test`",
    )


REGION_RULE = "not a region where AWS Backup runs, by the endpoint data of botocore"


@pytest.mark.parametrize(
    ("region", "closest"),
    [
        ("us-east-7", "'us-east-2', 'us-east-1', 'us-west-2'"),
        ("useast1", "'us-east-1'"),
        ("US-EAST-1", "'us-east-1'"),
        ("us-east-1a", "'us-east-1'"),
    ],
)
def test_region_invalid(run_config, region, closest):
    config = seed_config()
    config["aws:region"] = region
    assert_problem(run_config(config), "aws:region", f'"{region}"', REGION_RULE, f"use a region code such as {closest}")


@pytest.mark.parametrize("region", ["us-west-2", "eu-central-2", "mx-central-1", "cn-northwest-1", "us-gov-east-1"])
def test_region_real_in_any_partition(run_config, region):
    config = seed_config()
    config["aws:region"] = region
    run = run_config(config)
    accepted(run)
    assert run.named("aws:backup/vault:Vault", "backup-vault").outputs["arn"].split(":")[3] == region


# --- plans, rules and selections -----------------------------------------------------------------------


def test_duplicate_plan_names(run_config):
    config = seed_config()
    put(config, "plans[1].name", "windows-weekly-ec2-vss-us-east-1")
    assert_problem(
        run_config(config),
        "plans[1].name",
        '"windows-weekly-ec2-vss-us-east-1"',
        "plan names must be unique in a region",
        "rename one of them",
    )


def test_rule_and_selection_names_required_when_a_plan_has_several(run_config):
    config = seed_config()
    plan = config[NS + "plans"][0]
    plan["rules"].append({"schedule": "cron(0 6 ? * WED *)", "delete_after_days": 7})
    plan["selections"].append({"tags": {"alk:backup": "other"}})
    run = run_config(config)
    text = rejected(run, count=4)
    for kind in ("rules", "selections"):
        for index in (0, 1):
            assert (
                f"  - plans[0].{kind}[{index}].name: got null; a name is required when a plan has more than one "
                f"of its {kind}. Fix: give each one a name."
            ) in text


def test_rule_names_unique_in_a_plan(run_config):
    config = seed_config()
    plan = config[NS + "plans"][0]
    plan["rules"] = [{**plan["rules"][0], "name": "weekly"}, {**plan["rules"][0], "name": "weekly"}]
    assert_problem(
        run_config(config),
        "plans[0].rules[1].name",
        '"weekly"',
        "names of rules must be unique in a plan",
        "rename one of them",
    )


def test_plan_without_rules(run_config):
    assert_problem(
        run_config(put(seed_config(), "plans[0].rules", [])),
        "plans[0].rules",
        "[]",
        "list should have at least 1 item",
        "add at least one item",
    )


def test_plan_with_more_than_100_selections(run_config):
    selections = [{"name": f"s{index}", "tags": {"alk:backup": f"s{index}"}} for index in range(101)]
    assert_problem(
        run_config(put(seed_config(), "plans[0].selections", selections)),
        "plans[0].selections",
        '[{"name": "s0"',
        "list should have at most 100 items",
        "remove items or split them across plans",
    )


@pytest.mark.parametrize("selection", [{}, {"tags": {}, "resources": [], "conditions": {}}])
def test_empty_selection(run_config, selection):
    assert_problem(
        run_config(put(seed_config(), SELECTION, selection)),
        f"{SELECTION}.tags",
        "{}",
        "an empty selection backs up every opted-in resource of the account",
        "or set resources: ['*'] to mean everything",
    )


def test_selecting_everything_is_allowed_when_asked_for(run_config):
    # plans[1] (EBS volumes): the VSS plan must select its instances by tag.
    accepted(run_config(put(seed_config(), "plans[1].selections[0]", {"resources": ["*"]})))


def test_role_name_with_existing_arn(run_config):
    config = put(seed_config(), "role", {"name": "backup", "existing_arn": f"arn:aws:iam::{ACCOUNT}:role/backup"})
    assert_problem(
        run_config(config),
        "role.name",
        '"backup"',
        "a role name is only used when this program creates the role",
        "remove `name`, or remove `existing_arn`",
    )


# --- vault lock --------------------------------------------------------------------------------------------


def _locked(**lock: Any) -> dict[str, Any]:
    return put(seed_config(), "vault.lock", lock)


@pytest.mark.parametrize(
    ("lock", "path", "shown", "rule", "fix"),
    [
        (
            {"min_retention_days": 0, "max_retention_days": 30},
            "vault.lock.min_retention_days",
            "0",
            "input should be greater than or equal to 1",
            "use a larger number",
        ),
        (
            {"min_retention_days": 1, "max_retention_days": 36_501},
            "vault.lock.max_retention_days",
            "36501",
            "input should be less than or equal to 36500",
            "use a smaller number",
        ),
        (
            {"min_retention_days": 31, "max_retention_days": 30},
            "vault.lock.max_retention_days",
            "30",
            "a vault lock's maximum retention cannot be shorter than its minimum",
            "raise the maximum to at least 31 days",
        ),
        (
            {"min_retention_days": 1, "max_retention_days": 30, "mode": "strict"},
            "vault.lock.mode",
            '"strict"',
            "input should be 'governance' or 'compliance'",
            "",
        ),  # the rule lists the allowed values
        (
            {"min_retention_days": 1, "max_retention_days": 30, "changeable_for_days": 5},
            "vault.lock.changeable_for_days",
            "5",
            "a grace period only applies to a compliance-mode lock",
            "remove changeable_for_days, or set mode: compliance",
        ),
        (
            {"max_retention_days": 30},
            "vault.lock.min_retention_days",
            "nothing",
            "this setting is required",
            "add this key",
        ),
    ],
)
def test_lock_rule(run_config, lock, path, shown, rule, fix):
    assert_problem(run_config(_locked(**lock)), path, shown, rule, fix)


@pytest.mark.parametrize("grace", [2, 36_501])
def test_lock_grace_period_out_of_range(run_config, grace):
    text = rejected(
        run_config(_locked(min_retention_days=1, max_retention_days=30, mode="compliance", changeable_for_days=grace))
    )
    assert "a compliance lock's grace period (changeable for days) must be 3-36500 days. Fix: use " in text


def test_lock_grace_period_is_reported_at_its_own_key(run_config):
    run = run_config(_locked(min_retention_days=1, max_retention_days=30, mode="compliance", changeable_for_days=2))
    assert_problem(run, "vault.lock.changeable_for_days", "2", "grace period", "use at least 3 days")


@pytest.mark.parametrize(
    "lock",
    [
        {"min_retention_days": 1, "max_retention_days": 30, "mode": "compliance", "changeable_for_days": 3},
        {"min_retention_days": 1, "max_retention_days": 30, "mode": "compliance", "changeable_for_days": 36_500},
        {"min_retention_days": 30, "max_retention_days": 30, "mode": "compliance"},  # grace defaults to 3
        {"min_retention_days": 30, "max_retention_days": 36_500},
    ],
)
def test_lock_boundary_accepted(run_config, lock):
    accepted(run_config(_locked(**lock)))


@pytest.mark.parametrize(
    ("lock", "delete_after", "shown", "rule", "fix"),
    [
        (
            {"min_retention_days": 31, "max_retention_days": 400},
            30,
            "30",
            "locked to keep recovery points at least 31 days, so jobs keeping them 30 days fail",
            "keep them at least 31 days",
        ),
        (
            {"min_retention_days": 1, "max_retention_days": 29},
            30,
            "30",
            "locked to keep recovery points at most 29 days, so jobs keeping them 30 days fail",
            "keep them at most 29 days",
        ),
        (
            {"min_retention_days": 1, "max_retention_days": 400},
            None,
            "null",
            "locked to at most 400 days, but these recovery points would be kept forever",
            "set a retention of at most 400 days",
        ),
    ],
    ids=["below-min", "above-max", "forever-into-max"],
)
def test_rule_retention_outside_the_vault_lock(run_config, lock, delete_after, shown, rule, fix):
    config = _locked(**lock)
    for plan in config[NS + "plans"]:
        if delete_after is None:
            del plan["rules"][0]["delete_after_days"]
        else:
            plan["rules"][0]["delete_after_days"] = delete_after
    run = run_config(config)
    # Both plans write to the locked vault: each rule is reported.
    assert_problem(run, "plans[0].rules[0].delete_after_days", shown, rule, fix, count=2)
    assert_problem(run, "plans[1].rules[0].delete_after_days", shown, rule, fix, count=2)


def test_rule_retention_at_the_vault_lock_boundary(run_config):
    # Both rules keep 30 days: exactly the lock's minimum and its maximum.
    accepted(run_config(_locked(min_retention_days=30, max_retention_days=30)))


# --- cross-region copy (copy B) -----------------------------------------------------------------------------


def _cross_region(**section: Any) -> dict[str, Any]:
    return put(seed_config(), "cross_region", section)


def test_cross_region_same_region(run_config):
    run = run_config(_cross_region(region="us-east-1", vault_name="copies"))
    assert_problem(
        run,
        "cross_region.region",
        '"us-east-1"',
        "a cross-region copy must go to another region than the stack's own",
        "choose a second region",
    )


def test_cross_region_takes_at_most_one_vault(run_config):
    section = {
        "region": "us-west-2",
        "vault_name": "copies",
        "existing_vault_arn": f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:copies",
    }
    assert_problem(
        run_config(_cross_region(**section)),
        "cross_region.vault_name",
        '"copies"',
        "give at most one of vault_name (create a vault) and existing_vault_arn (use one)",
        "keep one of the two",
    )


def test_cross_region_names_its_vault_for_the_stacks_region_by_default(run_config):
    run = run_config(_cross_region(region="us-west-2"))
    accepted(run)
    [copy_vault] = [v for v in run.of_type("aws:backup/vault:Vault") if v.name.startswith("backup-copy")]
    assert copy_vault.inputs["name"] == "backup-copies-from-us-east-1"
    assert copy_vault.outputs["arn"] == f"arn:aws:backup:us-west-2:{ACCOUNT}:backup-vault:backup-copies-from-us-east-1"


@pytest.mark.parametrize(
    ("path", "value", "shown", "rule", "fix"),
    [
        ("cross_region.region", "us-west-9", '"us-west-9"', REGION_RULE, "'us-west-2', 'us-west-1'"),
        (
            "cross_region.existing_vault_arn",
            f"arn:aws:backup:us-west-9:{ACCOUNT}:backup-vault:copies",
            f'"arn:aws:backup:us-west-9:{ACCOUNT}:backup-vault:copies"',
            "the vault ARN names region 'us-west-9', not a region where AWS Backup runs",
            "'us-west-2'",
        ),
        ("cross_region.vault_name", "copies.b", '"copies.b"', "a vault name must be 2-50", "e.g. 'copies-b'"),
        ("cross_region.kms_key", "alias/copies", '"alias/copies"', "input should be 'aws/backup' or 'create'", ""),
    ],
)
def test_cross_region_field_rule(run_config, path, value, shown, rule, fix):
    config = _cross_region(region="us-west-2", vault_name="copies")
    if path == "cross_region.existing_vault_arn":
        put(config, "cross_region.vault_name", None)
    assert_problem(run_config(put(config, path, value)), path, shown, rule, fix)


@pytest.mark.parametrize(
    ("home", "copy", "rule"),
    [
        ("us-east-1", "cn-north-1", "copies cannot leave a partition: us-east-1 is in aws, cn-north-1 in aws-cn"),
        ("us-east-1", "us-gov-west-1", "us-east-1 is in aws, us-gov-west-1 in aws-us-gov"),
        ("cn-north-1", "us-west-2", "cn-north-1 is in aws-cn, us-west-2 in aws"),
    ],
)
def test_cross_region_copy_stays_in_the_partition(run_config, home, copy, rule):
    config = _cross_region(region=copy, vault_name="copies")
    config["aws:region"] = home
    assert_problem(run_config(config), "cross_region.region", f'"{copy}"', rule, "copy to another region of")


def test_cross_region_copy_within_the_china_partition(run_config):
    config = _cross_region(region="cn-northwest-1", vault_name="copies")
    config["aws:region"] = "cn-north-1"
    run = run_config(config)
    accepted(run)
    vault = run.named("aws:backup/vault:Vault", "backup-copy-cn-northwest-1-vault")
    assert vault.outputs["arn"].startswith("arn:aws-cn:backup:cn-northwest-1:")


def test_cross_region_copy_retention_outside_its_lock(run_config):
    run = run_config(
        _cross_region(
            region="us-west-2", vault_name="copies", lock={"min_retention_days": 40, "max_retention_days": 400}
        )
    )
    # The copies inherit the rules' retention, so the problem is reported at each rule's setting.
    for plan in (0, 1):
        assert_problem(
            run,
            f"plans[{plan}].rules[0].delete_after_days",
            '{"delete_after_days": 30, "cold_storage_after_days": null}',
            f"copies of plans[{plan}].rules[0] to cross_region: the target vault is locked to keep recovery "
            "points at least 40 days, so jobs keeping them 30 days fail",
            "keep them at least 40 days",
            count=2,
        )


def test_cross_region_existing_vault_in_another_region(run_config):
    arn = f"arn:aws:backup:us-east-1:{ACCOUNT}:backup-vault:copies"
    run = run_config(_cross_region(region="us-west-2", existing_vault_arn=arn))
    assert_problem(run, "cross_region.existing_vault_arn", f'"{arn}"', "us-west-2", "use a vault of that region")


# --- archive copy (copy C), on the prod stack -----------------------------------------------------------------


def _prod(**archive: Any) -> dict[str, Any]:
    config = stack_file("prod-east")
    config[NS + "archive"].update(archive)
    config[NS + "archive"] = {key: value for key, value in config[NS + "archive"].items() if value is not None}
    return config


def test_prod_stack_is_valid(run_config):
    accepted(run_config(_prod()))


@pytest.mark.parametrize(
    ("arn", "rule", "fix"),
    [
        (
            "arn:aws:backup:us-east-7:222222222222:backup-vault:windows-server-archive",
            "the vault ARN names region 'us-east-7', not a region where AWS Backup runs",
            "'us-east-1'",
        ),
        (
            "arn:aws:backup:cn-north-1:222222222222:backup-vault:windows-server-archive",
            "the vault ARN starts arn:aws: but region cn-north-1 is in partition aws-cn",
            "arn:aws-cn:",
        ),
    ],
)
def test_archive_vault_arn_names_a_real_region_of_its_partition(run_config, arn, rule, fix):
    assert_problem(run_config(_prod(vault_arn=arn)), "archive.vault_arn", f'"{arn}"', rule, fix)


def test_archive_vault_in_another_partition(run_config):
    arn = "arn:aws-us-gov:backup:us-gov-west-1:222222222222:backup-vault:windows-server-archive"
    assert_problem(
        run_config(_prod(vault_arn=arn)),
        "archive.vault_arn",
        f'"{arn}"',
        "copies cannot leave a partition: us-east-1 is in aws, us-gov-west-1 in aws-us-gov",
        "copy to another region of aws",
    )


@pytest.mark.parametrize(
    ("region", "rule"),
    [
        ("us-east-7", "not a region where AWS Backup runs"),
        ("cn-north-1", "copies cannot leave a partition: us-east-1 is in aws, cn-north-1 in aws-cn"),
    ],
)
def test_one_program_archive_region_is_real_and_in_the_partition(run_config, region, rule):
    config = _prod(vault_arn=None, lock=None)
    config[NS + "archive"]["deploy_here"] = {
        "assume_role_arn": "arn:aws:iam::222222222222:role/archive-deployer",
        "region": region,
        "vault": {
            "name": "windows-server-archive",
            "source_account_ids": ["111111111111"],
            "min_retention_days": 30,
            "max_retention_days": 3650,
        },
    }
    assert_problem(run_config(config), "archive.deploy_here.region", f'"{region}"', rule, "")


def test_archive_vault_arn_and_stack_reference(run_config):
    run = run_config(_prod(stack_reference="acme/windows-server-backup/archive"))
    assert_problem(
        run,
        "archive.vault_arn",
        '["vault_arn", "stack_reference"]',
        "give exactly one of vault_arn, stack_reference",
        "keep one of them",
    )


def test_archive_needs_a_vault_arn_or_stack_reference(run_config):
    assert_problem(
        run_config(_prod(vault_arn=None)),
        "archive.vault_arn",
        "[]",
        "give exactly one of vault_arn, stack_reference",
        "keep one of them",
    )


def test_archive_vault_arn_must_be_a_vault_arn(run_config):
    assert_problem(
        run_config(_prod(vault_arn="windows-server-archive")),
        "archive.vault_arn",
        '"windows-server-archive"',
        "a backup vault ARN looks like arn:aws:backup:<region>:<account>:backup-vault:<name>",
        "pulumi stack output archive_vault_arn",
    )


def test_archive_stack_reference_shape(run_config):
    assert_problem(
        run_config(_prod(vault_arn=None, stack_reference="archive")),
        "archive.stack_reference",
        '"archive"',
        "a stack reference names <org>/<project>/<stack>",
        "e.g. 'acme/windows-server-backup/archive'",
    )


def test_archive_stack_reference_fix_shows_the_form(run_config):
    text = rejected(run_config(_prod(vault_arn=None, stack_reference="archive")))
    [line] = [line for line in text.splitlines() if line.startswith('  - archive.stack_reference: got "archive"; ')]
    assert "<org>/<project>/<stack>" in line
    assert not line.endswith("Fix: correct the value.")


@pytest.mark.parametrize("key", ["aws/backup", "create"])
def test_archive_copies_of_volumes_are_a_check_to_run_whatever_the_vault_key(run_config, key):
    # EC2 and EBS backups keep their volumes' keys, whichever key the vault has: not a warning (no
    # setting of the stack decides it), but a check the 3-2-1 verdict names, with the doctor command.
    run = run_config(put(_prod(), "vault.kms_key", key))
    accepted(run)
    assert run.warnings == []
    verdicts = json.loads(run.outputs["three_two_one"])
    doctor = (
        "`python -m doctor --region us-east-1 --tag-key alk:backup --tag-value windows-weekly-ec2-vss --archive-copies`"
    )
    for name in ("windows-weekly-ec2-vss-us-east-1", "weekly-ebs-us-east-1"):
        [check] = verdicts[name]["checks"]
        assert check.startswith(
            "copies of EC2 instance and EBS volume backups to another account keep their volumes' encryption (the "
            "vault's key plays no part in them), and a volume on the AWS managed key aws/ebs cannot be copied to "
            "another account"
        )
        assert doctor in check
    # Boundary: no copy to another account, no check.
    no_archive = _prod()
    del no_archive[NS + "archive"]
    assert all(v["checks"] == [] for v in json.loads(run_config(no_archive).outputs["three_two_one"]).values())


def test_archive_in_the_stacks_own_account(run_config):
    own = "arn:aws:backup:us-east-1:111111111111:backup-vault:windows-server-archive"  # aws:allowedAccountIds
    assert_problem(
        run_config(_prod(vault_arn=own)),
        "archive.vault_arn",
        f'"{own}"',
        "the archive vault is in this stack's own account (111111111111)",
        "deploy the archive stack into a dedicated archive account",
    )


#: The lock range the prod fixture declares for the archive vault.
LOCK_MIN_30 = ("locked to keep recovery points at least 30 days, so jobs keeping them 29 days fail", "at least 30 days")
LOCK_MAX_3650 = (
    "locked to keep recovery points at most 3650 days, so jobs keeping them 3651 days fail",
    "at most 3650",
)
COLD_90 = ("backups in cold storage must stay there at least 90 days", "keep them at least 120 days")
WARM_COPY, MONTHLY_COPY = '"cold_storage_after_days": null}', '"cold_storage_after_days": 30}'


@pytest.mark.parametrize(
    ("days", "expected"),
    [
        # Every rule copying to the archive is reported at the archive section that sets the days;
        # the monthly-archive rule's copies also go cold on day 30, so they need 120 days.
        (
            29,
            [
                ("plans[0].rules[0]", WARM_COPY, LOCK_MIN_30),
                ("plans[1].rules[0]", WARM_COPY, LOCK_MIN_30),
                ("plans[1].rules[1]", MONTHLY_COPY, COLD_90),
                ("plans[1].rules[1]", MONTHLY_COPY, LOCK_MIN_30),
            ],
        ),
        (
            3651,
            [
                ("plans[0].rules[0]", WARM_COPY, LOCK_MAX_3650),
                ("plans[1].rules[0]", WARM_COPY, LOCK_MAX_3650),
                ("plans[1].rules[1]", MONTHLY_COPY, LOCK_MAX_3650),
            ],
        ),
        (119, [("plans[1].rules[1]", MONTHLY_COPY, COLD_90)]),
    ],
    ids=["below-lock-min", "above-lock-max", "cold-plus-89"],
)
def test_archive_copy_lifecycle(run_config, days, expected):
    text = rejected(run_config(_prod(delete_after_days=days)), len(expected))
    lines = [line for line in text.splitlines() if line.startswith("  - archive.delete_after_days: got ")]
    assert len(lines) == len(expected), text
    for line, (rule_at, shown_end, (rule, fix)) in zip(lines, expected, strict=True):
        assert line.startswith(f'  - archive.delete_after_days: got {{"delete_after_days": {days}, {shown_end}'), line
        assert f"copies of {rule_at} to archive: " in line and rule in line, line
        assert fix in line.split(". Fix: ", 1)[1], line


def _prod_without_monthly_archive(**archive: Any) -> dict[str, Any]:
    config = _prod(**archive)
    volumes = config[NS + "plans"][1]
    volumes["rules"] = [rule for rule in volumes["rules"] if rule["name"] != "monthly-archive"]
    return config


def test_archive_copy_lock_min_boundary(run_config):
    accepted(run_config(_prod_without_monthly_archive(delete_after_days=30)))
    rejected(run_config(_prod_without_monthly_archive(delete_after_days=29)), 2)


@pytest.mark.parametrize("days", [120, 3650], ids=["cold-plus-90", "lock-max"])
def test_archive_copy_lifecycle_boundary_accepted(run_config, days):
    accepted(run_config(_prod(delete_after_days=days)))


def test_copy_to_a_destination_the_stack_lacks(run_config):
    config = _prod()
    del config[NS + "cross_region"]
    put(config, f"{RULE}.copy_to", ["cross_region"])
    assert_problem(
        run_config(config),
        f"{RULE}.copy_to",
        '"cross_region"',
        "the rule copies to 'cross_region', but the stack has no 'cross_region' section",
        "add the 'cross_region' section, or copy only to ['archive']",
    )


def test_copy_to_an_unknown_destination(run_config):
    assert_problem(
        run_config(put(_prod(), f"{RULE}.copy_to", ["tape"])),
        f"{RULE}.copy_to[0]",
        '"tape"',
        "input should be 'cross_region' or 'archive'",
        "",
    )  # the rule lists the allowed values


# --- the archive stack --------------------------------------------------------------------------------------


def _archive(**vault: Any) -> dict[str, Any]:
    config = stack_file("archive")
    config[NS + "archive_vault"].update(vault)
    return config


def test_archive_stack_is_valid(run_config):
    accepted(run_config(_archive()))


def test_archive_stack_holds_only_the_archive_vault(run_config):
    config = _archive()
    dev = seed_config()
    config[NS + "vault"] = dev[NS + "vault"]
    config[NS + "plans"] = dev[NS + "plans"]
    config[NS + "cross_region"] = {"region": "us-west-2", "vault_name": "copies"}
    text = rejected(run_config(config), count=3)
    for key in ("vault", "cross_region"):
        assert (
            f'  - {key}: got "..."; the archive stack only holds the archive vault. '
            f"Fix: move {key} to a source stack's file, or remove archive_vault."
        ) in text
    assert (
        '  - plans: got "..."; the archive stack only holds the archive vault. '
        "Fix: move the plans to a source stack's file."
    ) in text


@pytest.mark.parametrize(
    ("vault", "path", "shown", "rule", "fix"),
    [
        (
            {"source_account_ids": []},
            "archive_vault.source_account_ids",
            "[]",
            "nobody could copy into this archive vault",
            "list the source accounts, or give source_organization_id",
        ),
        (
            {"kms_key": "aws/backup"},
            "archive_vault.kms_key",
            '"aws/backup"',
            "the AWS-managed key cannot be shared with the source accounts",
            "use 'create' or a customer-managed key ARN",
        ),
        (
            {"air_gapped": True, "min_retention_days": 6},
            "archive_vault.min_retention_days",
            "6",
            "a logically air-gapped vault keeps recovery points at least 7 days",
            "set the minimum retention to 7 days or more",
        ),
        (
            {"source_account_ids": ["11111111111"]},
            "archive_vault.source_account_ids[0]",
            '"11111111111"',
            "an AWS account ID is 12 digits",
            "write it in quotes",
        ),
        (
            {"source_account_ids": [111111111111]},
            "archive_vault.source_account_ids[0]",
            "111111111111",
            "input should be a valid string",
            "write a text value",
        ),
        (
            {"source_account_ids": [], "source_organization_id": "o-abc"},
            "archive_vault.source_organization_id",
            '"o-abc"',
            "an AWS Organization ID looks like 'o-a1b2c3d4e5'",
            "copy it from the Organizations console",
        ),
        (
            {"name": "windows.archive"},
            "archive_vault.name",
            '"windows.archive"',
            "a vault name must be 2-50",
            "e.g. 'windows-archive'",
        ),
        (
            {"max_retention_days": 29},
            "archive_vault.max_retention_days",
            "29",
            "a vault lock's maximum retention cannot be shorter than its minimum",
            "raise the maximum to at least 30 days",
        ),
    ],
)
def test_archive_vault_rule(run_config, vault, path, shown, rule, fix):
    assert_problem(run_config(_archive(**vault)), path, shown, rule, fix)


@pytest.mark.parametrize(
    "vault",
    [
        {"air_gapped": True, "min_retention_days": 7},
        {"source_account_ids": [], "source_organization_id": "o-a1b2c3d4e5"},
        {"changeable_for_days": 3},
        {"changeable_for_days": 36_500},
    ],
    ids=["air-gapped-7", "organization", "grace-3", "grace-36500"],
)
def test_archive_vault_boundary_accepted(run_config, vault):
    accepted(run_config(_archive(**vault)))


@pytest.mark.parametrize("grace", [2, 36_501])
def test_archive_vault_grace_period_out_of_range(run_config, grace):
    text = rejected(run_config(_archive(changeable_for_days=grace)))
    assert "a compliance lock's grace period (changeable for days) must be 3-36500 days. Fix: use " in text


def test_archive_vault_grace_period_is_reported_at_its_own_key(run_config):
    assert_problem(
        run_config(_archive(changeable_for_days=2)),
        "archive_vault.changeable_for_days",
        "2",
        "grace period",
        "use at least 3 days",
    )


# --- the VSS package association's schedule (Systems Manager's rules, not AWS Backup's) ----------------------

VSS_SCHEDULE = "vss_instances.schedule"


@pytest.mark.parametrize(
    "schedule", ["rate(30 minutes)", "rate(1 day)", "rate(7 days)", "rate(30 days)", "cron(0 2 ? * SUN *)"]
)
def test_vss_schedule_accepted_reaches_the_association(run_config, schedule):
    run = run_config(put(seed_config(), VSS_SCHEDULE, schedule))
    accepted(run)
    [association] = run.of_type("aws:ssm/association:Association")
    assert association.inputs["scheduleExpression"] == schedule


@pytest.mark.parametrize(
    ("schedule", "rule", "fix"),
    [
        ("rate(7 day)", "the unit of a rate is singular for 1 and plural above", "write 'rate(7 days)'"),
        ("rate(1 days)", "the unit of a rate is singular for 1 and plural above", "write 'rate(1 day)'"),
        ("rate(29 minutes)", "associations run at most every 30 minutes", "use 'rate(30 minutes)'"),
        ("rate(31 days)", "an association's rate must be less than 31 days", "use at most 'rate(30 days)'"),
        ("cron(0 2 ? JAN SUN *)", "State Manager does not support months", "'cron(0 2 ? * SUN *)'"),
    ],
)
def test_vss_schedule_follows_systems_manager(run_config, schedule, rule, fix):
    assert_problem(run_config(put(seed_config(), VSS_SCHEDULE, schedule)), VSS_SCHEDULE, f'"{schedule}"', rule, fix)


@pytest.mark.parametrize(
    ("schedule", "warned"),
    [("cron(0 0/3 * * ? *)", True), ("cron(0 0/4 * * ? *)", False), ("cron(0 2 ? * MON-FRI *)", True)],
    ids=["every-3-hours", "every-4-hours", "weekdays"],
)
def test_a_cron_outside_the_listed_association_intervals_deploys_with_a_warning(run_config, schedule, warned):
    """Systems Manager lists the cron intervals associations support; others are warned about (the
    guide does not say they fail), while the association is still built as asked."""
    run = run_config(put(seed_config(), VSS_SCHEDULE, schedule))
    accepted(run)
    [association] = run.of_type("aws:ssm/association:Association")
    assert association.inputs["scheduleExpression"] == schedule
    warnings = [w for w in run.warnings if w.startswith(VSS_SCHEDULE)]
    assert warnings == (
        [
            f"{VSS_SCHEDULE}: {schedule} is not one of the cron schedules the Systems Manager guide lists for "
            "associations (every 30 minutes; every 1, 2, 4, 8 or 12 hours; every day, every week, every nth day, or "
            "the last day of the month, at a set time), so State Manager may refuse it. Fix: use one of those, e.g. "
            "'cron(0 0/4 * * ? *)' for every 4 hours, or a rate such as 'rate(3 hours)'."
        ]
        if warned
        else []
    )


# --- every problem at once ----------------------------------------------------------------------------


def test_every_problem_is_reported_at_once(run_config):
    config = seed_config()
    put(config, "vault.name", "backup.vault")
    put(config, SCHEDULE, "rate(7 days)")
    put(config, f"{RULE}.start_window_minutes", 59)
    put(config, "plans[1].selections[0].tags", {"alk:backup": "v" * 257})
    put(config, "role.name", "r" * 65)
    run = run_config(config)
    text = rejected(run, count=5)
    for path in ("vault.name", SCHEDULE, f"{RULE}.start_window_minutes", "plans[1].selections[0].tags", "role.name"):
        assert sum(line.startswith(f"  - {path}: got ") for line in text.splitlines()) == 1, path
    assert len(text.splitlines()) == 1 + 5
    assert [problem.path for problem in run.error.problems] == [
        "vault.name",
        "role.name",
        SCHEDULE,
        f"{RULE}.start_window_minutes",
        "plans[1].selections[0].tags",
    ]


# --- warnings: legal but risky, the run still succeeds ------------------------------------------------------


def test_warnings_of_a_valid_config(run_config):
    config = seed_config(vault={"name": "backup-vault-us-west-2", "kms_key": "aws/backup"})
    put(config, f"{RULE}.start_window_minutes", 120)
    put(config, f"{RULE}.completion_window_minutes", 179)  # start + 59
    drop(config, "plans[1].rules[0].delete_after_days")
    put(config, "plans[1].name", "weekly-ebs-eu-west-1")
    config[NS + "plans"].append(
        {
            "name": "monthly",
            "rules": [{"schedule": "cron(0 3 1 * ? *)", "delete_after_days": 7}],
            "selections": [{"tags": {"alk:backup": "monthly"}}],
        }
    )
    run = run_config(config)
    accepted(run)
    assert len(run.of_type(PLAN)) == 3
    assert run.warnings == [
        "vault.name: 'backup-vault-us-west-2' names region us-west-2 but this stack deploys to us-east-1; "
        "was the stack file copied from another region?",
        "plans[1].name: 'weekly-ebs-eu-west-1' names region eu-west-1 but this stack deploys to us-east-1; "
        "was the stack file copied from another region?",
        "plans[0].rules[0].completion_window_minutes: 179 is less than the start window plus 60 minutes; "
        "a job that starts late may be cancelled before it finishes",
        "plans[1].rules[0].delete_after_days: not set, so recovery points are kept (and paid for) until someone "
        "deletes them",
        "plans[2].rules[0]: recovery points are kept 7 days but the schedule runs only every 31 days, so there are "
        "days with no recovery point at all",
    ]


def test_no_warnings_at_the_boundaries(run_config):
    config = seed_config()
    put(config, f"{RULE}.start_window_minutes", 120)
    put(config, f"{RULE}.completion_window_minutes", 180)  # exactly start + 60
    put(config, "plans[1].rules[0].delete_after_days", 7)  # weekly schedule, kept exactly a week
    run = run_config(config)
    accepted(run)
    assert run.warnings == []


def test_names_of_another_region_are_warned_with_what_each_one_breaks(run_config):
    config = seed_config(role={"name": "backup-role-us-west-2"})
    put(config, "plans[0].rules[0].name", "weekly_eu_west_1")
    config[NS + "cross_region"] = {"region": "us-west-2", "vault_name": "copies-from-eu-west-1", "kms_key": "create"}
    run = run_config(config)
    accepted(run)
    assert run.warnings == [
        "role.name: 'backup-role-us-west-2' names region us-west-2 but this stack deploys to us-east-1; IAM role "
        "names are unique in the whole account, so if the stack of us-west-2 is in this account it already has "
        "this role and `pulumi up` fails: rename it, or leave it out for a generated name",
        "cross_region.vault_name: 'copies-from-eu-west-1' names region eu-west-1 but this stack deploys to "
        "us-east-1; if the stack file was copied from the stack of eu-west-1, that stack already keeps a vault of "
        "this name (and its key alias) in us-west-2, and `pulumi up` fails there (vault names are unique per "
        "account and region): name it for this stack, e.g. 'copies-from-us-east-1', or leave it out for the "
        "default 'backup-copies-from-us-east-1'",
        "plans[0].rules[0].name: 'weekly_eu_west_1' names region eu-west-1 but this stack deploys to us-east-1; "
        "was the stack file copied from another region?",
    ]


def test_a_copy_vault_named_for_either_region_of_the_copy_is_no_warning(run_config):
    for name in ("copies-from-us-east-1", "copies-in-us-west-2", "us-east-1-to-us-west-2"):
        config = seed_config(cross_region={"region": "us-west-2", "vault_name": name, "kms_key": "create"})
        run = run_config(config)
        accepted(run)
        assert run.warnings == [], name


def test_fixture_stacks_are_valid(run_config):
    # The cases above start from these files: they must pass unchanged.
    for stack in ("seed", "prod-east", "prod-west", "archive"):
        run = run_config(stack_file(stack))
        accepted(run)


def test_aws_examples_of_wildcard_selections_reach_the_selection(run_config):
    """AWS Backup guide, "Assign resources with AWS CLI": every EC2 instance; everything but EBS volumes."""
    config = seed_config()
    put(config, "plans[0].selections[0]", {"resources": ["arn:aws:ec2:*:*:instance/*"]})
    put(config, "plans[1].selections[0]", {"resources": ["*"], "not_resources": ["arn:aws:ec2:*:*:volume/*"]})
    drop(config, "vss_instances")  # it would need the VSS plan to select by tag
    run = run_config(config)
    accepted(run)
    selections = {s.inputs["name"]: s.inputs for s in run.of_type("aws:backup/selection:Selection")}
    assert selections["windows-weekly-ec2-vss-us-east-1"]["resources"] == ["arn:aws:ec2:*:*:instance/*"]
    assert selections["weekly-ebs-us-east-1"]["resources"] == ["*"]
    assert selections["weekly-ebs-us-east-1"]["notResources"] == ["arn:aws:ec2:*:*:volume/*"]
    # The VSS plan selects EC2 instances, so no "selects no EC2 instance" warning; '*' is warned about.
    assert [w for w in run.warnings if "selections" in w or "windows_vss" in w] == [
        "plans[1].selections[0].resources: '*' selects every resource AWS Backup supports in the account and "
        "region, not only Windows servers"
    ]


def test_a_wildcard_not_at_the_end_is_accepted_with_a_warning(run_config):
    """The guide puts '*' anywhere; botocore's BackupSelection note wants patterns to end in one: warn."""
    config = put(seed_config(), "plans[1].selections[0].resources", ["arn:aws:s3:::*-logs"])
    run = run_config(config)
    accepted(run)
    assert (
        "plans[1].selections[0].resources: 'arn:aws:s3:::*-logs' has a '*' but does not end in one; the AWS Backup "
        "API reference says a wildcard pattern must end in '*' (e.g. 'arn:aws:s3:::my-bucket-*'), so it may match "
        "nothing"
    ) in run.warnings


def test_warnings_about_what_a_selection_takes_and_overlapping_jobs(run_config):
    config = seed_config()
    put(config, "plans[1].selections[0].resources", ["*"])
    put(
        config,
        "plans[0].selections[0]",
        {"resources": ["arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0"]},
    )
    put(config, "plans[1].rules[0].schedule", "cron(0 */2 ? * * *)")
    put(config, "plans[1].rules[0].start_window_minutes", 120)
    drop(config, "vss_instances")  # it would need the VSS plan to select by tag
    run = run_config(config)
    accepted(run)
    assert run.warnings == [
        "plans[0].windows_vss: the plan selects no EC2 instance (only "
        "arn:aws:ec2:us-east-1:123456789012:volume/vol-0123456789abcdef0), so Windows VSS never applies",
        "plans[1].rules[0].start_window_minutes: 120 minutes reach the next run (120 minutes later), "
        "so a late job overlaps the next one",
        "plans[1].selections[0].resources: '*' selects every resource AWS Backup supports in the account and "
        "region, not only Windows servers",
    ]


def test_a_last_weekday_schedule_is_accepted_with_a_warning(run_config):
    """LW passes AWS's cron pattern but is not in its cron reference: the stack deploys, the warning
    says how it is read, and the report shows its runs on the last weekday of each month."""
    config = put(seed_config(), "plans[1].rules[0].schedule", "cron(0 18 LW * ? *)")
    run = run_config(config)
    accepted(run)
    assert [w for w in run.warnings if ".schedule:" in w] == [
        "plans[1].rules[0].schedule: 'cron(0 18 LW * ? *)' uses LW in Day-of-month, which AWS's cron reference "
        "does not list (it lists L, the last day, and nW, the weekday nearest day n); this program reads it as the "
        "last weekday of the month, and AWS may refuse it at deploy time or run it otherwise: 'L' or a day like "
        "'28W' are the documented forms"
    ]
    schedules = [rule["schedule"] for plan in run.of_type("aws:backup/plan:Plan") for rule in plan.inputs["rules"]]
    assert schedules.count("cron(0 18 LW * ? *)") == 1
    # 2027 starts on a Friday: January and February end on Sundays.
    assert (
        "  runs at 18:00, on the last weekday of the month (UTC), cron(0 18 LW * ? *); next: Thu 2026-12-31 18:00, "
        "Fri 2027-01-29 18:00, Fri 2027-02-26 18:00 UTC"
    ) in plain_language(run, dt.datetime(2026, 12, 1, tzinfo=dt.UTC))


def test_a_schedule_the_cron_library_cannot_follow_has_next_runs_not_known_in_both_reports(run_config):
    # 'L' alone in Day-of-week passes AWS's pattern; the cron library finds no run for it.
    config = put(seed_config(), "plans[1].rules[0].schedule", "cron(0 18 ? * L *)")
    run = run_config(config)
    accepted(run)
    now = dt.datetime(2026, 12, 1, tzinfo=dt.UTC)
    assert [line for line in plain_language(run, now) if "cron(0 18 ? * L *)" in line] == [
        "  runs on a schedule this program cannot put in words (UTC), cron(0 18 ? * L *); next: not known to this program"
    ]
    assert "  - Next runs: not known to this program" in render_stack(run, now).splitlines()


@pytest.mark.parametrize(
    ("events", "rule", "fix"),
    [
        (["BACKUP_JOB_FAILED"], "BACKUP_JOB_FAILED is deprecated as a vault event", "EventBridge rule"),
        (["COPY_JOB_FAILED", "JOB_EXPLODED"], "'JOB_EXPLODED' is not an AWS Backup vault event", "RESTORE_JOB_STARTED"),
    ],
)
def test_notification_vault_events(run_config, events, rule, fix):
    config = seed_config(notifications={"vault_events": events})
    assert_problem(run_config(config), "notifications.vault_events", json.dumps(events), rule, fix)


def test_every_vault_event_aws_publishes_is_accepted(run_config):
    events = [
        "BACKUP_JOB_STARTED", "BACKUP_JOB_COMPLETED", "COPY_JOB_STARTED", "COPY_JOB_SUCCESSFUL", "COPY_JOB_FAILED",
        "RESTORE_JOB_STARTED", "RESTORE_JOB_COMPLETED", "RECOVERY_POINT_MODIFIED", "S3_BACKUP_OBJECT_FAILED",
        "S3_RESTORE_OBJECT_FAILED",
    ]  # fmt: skip
    run = run_config(seed_config(notifications={"vault_events": events}))
    accepted(run)
    [notifications] = run.of_type("aws:backup/vaultNotifications:VaultNotifications")
    assert notifications.inputs["backupVaultEvents"] == events


def test_notification_email_must_be_an_address(run_config):
    config = seed_config(notifications={"email_subscribers": ["ops@example.com", "not-an-address"]})
    assert_problem(
        run_config(config),
        "notifications.email_subscribers[1]",
        '"not-an-address"',
        "an email subscriber is an address like ops@example.com",
        "correct the address",
    )


def test_the_vss_component_warns_about_such_a_cron_unless_its_caller_reports_it(run_components):
    def build(log_warnings: bool) -> None:
        schedule = "cron(0 0/3 * * ? *)"
        WindowsVssInstances(
            "vss", {"target_tags": {"alk:backup": ["w"]}, "schedule": schedule, "log_warnings": log_warnings}
        )

    assert logged_warning(run_components, build).startswith(
        "schedule: cron(0 0/3 * * ? *) is not one of the cron schedules the Systems Manager guide lists for "
        "associations"
    )
