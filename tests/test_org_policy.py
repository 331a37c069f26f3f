"""components/org_policy.py: backup policy documents generated from the plans, and AWS's syntax checked offline.

Each syntax test states the rule of the AWS Organizations User Guide ("Backup policy syntax and
examples"; limits from "Quotas and service limits for AWS Organizations" and "AWS Backup quotas") it
checks, with the values on both sides of a limit.
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from components.org_policy import effective_policy, policy_documents, policy_plan_names, utc_schedule
from components.org_policy_syntax import (
    MAX_POLICY_CHARACTERS,
    is_resource_type,
    policy_content,
    policy_problems,
    policy_warnings,
)

ARCHIVE_ARN = "arn:aws:backup:us-east-1:222222222222:backup-vault:windows-server-archive"
ROLE_ARN = "arn:aws:iam::$account:role/windows-server-backup"


def org_args(**overrides: Any) -> dict[str, Any]:
    """Plain organization arguments: one weekly VSS plan in two regions, copies to the other region and the archive."""
    args: dict[str, Any] = {
        "regions": ["us-east-1", "us-west-2"],
        "targets": {"organizational_unit_ids": ["ou-ab12-cd34ef56"]},
        "vault": {"name": "backup-vault"},
        "role": {"name": "windows-server-backup"},
        "plans": [
            {
                "name": "windows-weekly",
                "windows_vss": True,
                "rules": [
                    {
                        "name": "Weekly",
                        "schedule": "cron(0 18 ? * SUN *)",
                        "start_window_minutes": 60,
                        "completion_window_minutes": 1440,
                        "delete_after_days": 35,
                        "recovery_point_tags": {"Owner": "backup"},
                    }
                ],
                "selections": [{"name": "Windows", "tags": {"alk:backup": "windows-weekly"}}],
                "tags": {"team": "infra"},
            }
        ],
        "cross_region": {
            "copy_regions": {"us-east-1": "us-west-2", "us-west-2": "us-east-1"},
            "vault_name": "backup-copies",
        },
        "archive": {
            "vault_arn": ARCHIVE_ARN,
            "cold_storage_after_days": 30,
            "delete_after_days": 365,
            "opt_in_to_archive": True,
        },
        "tags": {"environment": "prod", "team": "all"},
    }
    args.update(overrides)
    return args


def a(value: Any) -> dict[str, Any]:
    return {"@@assign": value}


def plan_of(args: dict[str, Any], policy_plan: str) -> dict[str, Any]:
    return policy_documents(args, ARCHIVE_ARN)[args["plans"][0]["name"]]["plans"][policy_plan]


# --- The generated document --------------------------------------------------------------------


def test_a_plan_that_copies_to_another_region_is_one_policy_plan_per_region():
    document = policy_documents(org_args(), ARCHIVE_ARN)["windows-weekly"]
    assert list(document) == ["plans"]
    assert list(document["plans"]) == ["windows-weekly-us-east-1", "windows-weekly-us-west-2"]
    assert document["plans"]["windows-weekly-us-west-2"]["regions"] == a(["us-west-2"])


def test_a_plan_without_cross_region_copies_is_one_policy_plan_for_every_region():
    args = org_args()
    args["plans"][0]["rules"][0]["copy_to"] = ["archive"]
    assert policy_plan_names(args["plans"][0], args) == {"windows-weekly": ["us-east-1", "us-west-2"]}
    assert plan_of(args, "windows-weekly")["regions"] == a(["us-east-1", "us-west-2"])


def test_the_rule_holds_every_value_under_assign_with_numbers_as_strings():
    rule = plan_of(org_args(), "windows-weekly-us-east-1")["rules"]["Weekly"]
    assert {key: rule[key] for key in rule if key != "copy_actions"} == {
        # "Cron expression in UTC": the schedule as written, no time zone key.
        "schedule_expression": a("cron(0 18 ? * SUN *)"),
        "start_backup_window_minutes": a("60"),
        "complete_backup_window_minutes": a("1440"),
        "target_backup_vault_name": a("backup-vault"),
        # The values a per-account plan sends (components.plan.lifecycle_values): the archive opt-in only when on.
        "lifecycle": {"delete_after_days": a("35")},
        "recovery_point_tags": {"owner": {"tag_key": a("Owner"), "tag_value": a("backup")}},
    }


def test_copy_actions_are_keyed_by_destination_arn_and_always_name_it():
    copies = plan_of(org_args(), "windows-weekly-us-east-1")["rules"]["Weekly"]["copy_actions"]
    same_account = "arn:aws:backup:us-west-2:$account:backup-vault:backup-copies"
    assert copies == {
        # Same-account copies use $account; the copy's lifecycle is the rule's unless the destination sets one.
        same_account: {
            "target_backup_vault_arn": a(same_account),
            "lifecycle": {"delete_after_days": a("35")},
        },
        # Cross-account copies use the real account ID.
        ARCHIVE_ARN: {
            "target_backup_vault_arn": a(ARCHIVE_ARN),
            "lifecycle": {
                "move_to_cold_storage_after_days": a("30"),
                "delete_after_days": a("365"),
                "opt_in_to_archive_for_supported_resources": a("true"),
            },
        },
    }
    west = plan_of(org_args(), "windows-weekly-us-west-2")["rules"]["Weekly"]["copy_actions"]
    assert "arn:aws:backup:us-east-1:$account:backup-vault:backup-copies" in west


def test_a_tag_selection_names_the_member_role_and_lists_the_value():
    assert plan_of(org_args(), "windows-weekly-us-east-1")["selections"] == {
        "tags": {
            "Windows": {"iam_role_arn": a(ROLE_ARN), "tag_key": a("alk:backup"), "tag_value": a(["windows-weekly"])}
        }
    }


def test_several_tags_become_one_tag_selection_each_with_the_conditions():
    args = org_args()
    args["plans"][0]["selections"] = [
        {
            "name": "servers",
            "tags": {"alk:backup": "weekly", "role": "dc"},
            "conditions": {"string_not_equals": {"env": "test"}},
        }
    ]
    condition = {
        "string_not_equals": {"condition_1": {"condition_key": a("aws:ResourceTag/env"), "condition_value": a("test")}}
    }
    assert plan_of(args, "windows-weekly-us-east-1")["selections"] == {
        "tags": {
            "servers-1": {
                "iam_role_arn": a(ROLE_ARN),
                "tag_key": a("alk:backup"),
                "tag_value": a(["weekly"]),
                "conditions": condition,
            },
            "servers-2": {
                "iam_role_arn": a(ROLE_ARN),
                "tag_key": a("role"),
                "tag_value": a(["dc"]),
                "conditions": condition,
            },
        }
    }


def test_resource_types_and_conditions_become_a_resources_selection():
    args = org_args()
    args["plans"][0]["selections"] = [
        {
            "name": "volumes",
            "resources": ["arn:aws:ec2:*:*:volume/*"],
            "not_resources": ["arn:aws:ec2:*:*:instance/*"],
            "conditions": {"string_equals": {"alk:backup": "weekly"}, "string_like": {"app": "web*"}},
        },
        {"name": "tagged", "conditions": {"string_equals": {"alk:backup": "all"}}},
    ]
    assert plan_of(args, "windows-weekly-us-east-1")["selections"] == {
        "resources": {
            "volumes": {
                "iam_role_arn": a(ROLE_ARN),
                "resource_types": a(["arn:aws:ec2:*:*:volume/*"]),
                "not_resource_types": a(["arn:aws:ec2:*:*:instance/*"]),
                "conditions": {
                    "string_equals": {
                        "condition_1": {
                            "condition_key": a("aws:ResourceTag/alk:backup"),
                            "condition_value": a("weekly"),
                        }
                    },
                    "string_like": {
                        "condition_2": {"condition_key": a("aws:ResourceTag/app"), "condition_value": a("web*")}
                    },
                },
            },
            # Conditions alone: every resource type, narrowed by them.
            "tagged": {
                "iam_role_arn": a(ROLE_ARN),
                "resource_types": a(["*"]),
                "conditions": {
                    "string_equals": {
                        "condition_1": {"condition_key": a("aws:ResourceTag/alk:backup"), "condition_value": a("all")}
                    }
                },
            },
        }
    }


def test_windows_vss_and_plan_tags_are_plan_settings():
    plan = plan_of(org_args(), "windows-weekly-us-east-1")
    assert plan["advanced_backup_settings"] == {"ec2": {"windows_vss": a("enabled")}}
    # The plan's own tags win over the stack's; identifiers are the lower-cased keys.
    assert plan["backup_plan_tags"] == {
        "environment": {"tag_key": a("environment"), "tag_value": a("prod")},
        "team": {"tag_key": a("team"), "tag_value": a("infra")},
    }
    args = org_args(tags={})
    args["plans"][0].update(windows_vss=False, tags={})
    assert {"advanced_backup_settings", "backup_plan_tags"} & set(plan_of(args, "windows-weekly-us-east-1")) == set()


def test_continuous_backup_and_cold_storage_are_written_as_the_guide_writes_them():
    args = org_args(cross_region=None, archive=None)
    args["plans"][0]["rules"][0].update(
        enable_continuous_backup=True, delete_after_days=120, cold_storage_after_days=30, opt_in_to_archive=True
    )
    rule = plan_of(args, "windows-weekly")["rules"]["Weekly"]
    assert rule["enable_continuous_backup"] == a("true")
    assert rule["lifecycle"] == {
        "move_to_cold_storage_after_days": a("30"),
        "delete_after_days": a("120"),
        "opt_in_to_archive_for_supported_resources": a("true"),
    }
    assert "copy_actions" not in rule


def test_the_content_is_compact_json_of_the_document():
    document = policy_documents(org_args(), ARCHIVE_ARN)["windows-weekly"]
    content = policy_content(document)
    assert json.loads(content) == document
    assert ": " not in content and ", " not in content.replace("cron(0 18 ? * SUN *)", "")
    assert policy_problems(document) == []


def test_the_effective_policy_unwraps_the_operators_and_lower_cases_rule_and_selection_names():
    document = policy_documents(org_args(), ARCHIVE_ARN)["windows-weekly"]
    plan = effective_policy(document)["plans"]["windows-weekly-us-east-1"]
    assert plan["regions"] == ["us-east-1"]
    assert list(plan["rules"]) == ["weekly"]
    assert plan["rules"]["weekly"]["schedule_expression"] == "cron(0 18 ? * SUN *)"
    assert plan["selections"] == {
        "tags": {"windows": {"iam_role_arn": ROLE_ARN, "tag_key": "alk:backup", "tag_value": ["windows-weekly"]}}
    }


# --- Time zones ------------------------------------------------------------------------------


@pytest.mark.parametrize("zone", [None, "UTC", "Etc/UTC"])
def test_utc_schedules_are_accepted(zone):
    assert utc_schedule(zone) is None


def test_a_zone_with_daylight_saving_time_is_refused_with_both_offsets():
    violation = utc_schedule("America/New_York")
    assert violation is not None
    assert "backup policies have no time zone: their cron runs in UTC" in violation.rule
    assert "America/New_York is UTC-5 and UTC-4" in violation.rule
    assert "daylight saving time" in violation.fix


def test_a_fixed_offset_zone_is_refused_too_with_its_offset():
    violation = utc_schedule("Asia/Kolkata")
    assert violation is not None
    assert violation.rule.endswith("Asia/Kolkata is UTC+5.5")
    assert "daylight" not in violation.fix


def test_an_unknown_zone_is_named_as_such():
    violation = utc_schedule("Mars/Olympus")
    assert violation is not None and "IANA time zone name" in violation.rule


# --- Resource types ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("arn", "expected"),
    [
        ("*", True),
        ("arn:aws:ec2:*:*:instance/*", True),
        ("arn:aws:ec2:*:*:volume/*", True),
        ("arn:aws:rds:*:*:db:*", True),
        ("arn:aws:fsx:*:*:file-system/*", True),
        ("arn:aws:ec2:us-east-1:111111111111:instance/i-0abc", False),
        ("arn:aws:ec2:us-east-1:*:instance/*", False),
        ("arn:aws:ec2:*:*:instance/i-0abc", False),
        ("instance/*", False),
    ],
)
def test_only_whole_resource_types_can_be_selected(arn, expected):
    assert is_resource_type(arn) is expected


# --- The syntax, rule by rule ------------------------------------------------------------------


def valid() -> dict[str, Any]:
    """A small valid policy written by hand in the guide's form."""
    return {
        "plans": {
            "Windows_Plan": {
                "regions": {"@@append": ["us-east-1", "eu-north-1"]},
                "rules": {
                    "Daily": {
                        "schedule_expression": a("cron(0 5 ? * * *)"),
                        "start_backup_window_minutes": a("60"),
                        "target_backup_vault_name": a("Vault_1"),
                        "lifecycle": {"delete_after_days": a("35")},
                    }
                },
                "selections": {
                    "tags": {
                        "servers": {
                            "iam_role_arn": a("arn:aws:iam::$account:role/BackupRole"),
                            "tag_key": a("backup"),
                            "tag_value": a(["true"]),
                        }
                    }
                },
            }
        }
    }


def with_change(path: list[Any], value: Any) -> dict[str, Any]:
    document = copy.deepcopy(valid())
    node = document
    for key in path[:-1]:
        node = node[key]
    if value is None:
        del node[path[-1]]
    else:
        node[path[-1]] = value
    return document


PLAN = ["plans", "Windows_Plan"]
RULE = [*PLAN, "rules", "Daily"]
SELECTION = [*PLAN, "selections", "tags", "servers"]


def test_a_hand_written_policy_in_the_guides_form_is_valid():
    # @@append on a list setting, child control operators at any node.
    document = with_change([*PLAN, "@@operators_allowed_for_child_policies"], ["@@none"])
    assert policy_problems(document) == []


def test_a_policy_holds_plans_and_nothing_else():
    assert policy_problems({"plans": {}, "extra": {}}) == [
        "(top): a backup policy holds exactly one top-level key, 'plans', an object of plans by name"
    ]
    assert policy_problems({"plans": {}}) == ["plans: must hold at least one plan"]


@pytest.mark.parametrize("key", ["rules", "regions", "selections"])
def test_rules_regions_and_selections_are_required(key):
    assert f"plans.Windows_Plan: '{key}' is required" in policy_problems(with_change([*PLAN, key], None))


def test_an_unknown_key_is_named():
    assert policy_problems(with_change([*RULE, "schedule_expression_timezone"], a("Europe/Berlin"))) == [
        "plans.Windows_Plan.rules.Daily.schedule_expression_timezone: is not a key of the backup policy syntax"
    ]


def test_every_value_sits_under_one_value_operator():
    assert policy_problems(with_change([*RULE, "target_backup_vault_name"], "Vault_1")) == [
        'plans.Windows_Plan.rules.Daily.target_backup_vault_name: must be written under an operator, e.g. {"@@assign": ...}'
    ]
    assert policy_problems(with_change([*RULE, "target_backup_vault_name"], {"@@assign": "a1", "@@append": "b1"})) == [
        "plans.Windows_Plan.rules.Daily.target_backup_vault_name: must hold exactly one of @@assign, @@append, @@remove"
    ]
    assert policy_problems(with_change([*RULE, "target_backup_vault_name"], {"@@append": "Vault_1"})) == [
        "plans.Windows_Plan.rules.Daily.target_backup_vault_name: @@append works only on settings that hold a list"
    ]


def test_a_json_boolean_is_taken_with_a_warning_as_the_guides_example_5_writes_one():
    # Example 5 writes "opt_in_to_archive_for_supported_resources": {"@@assign": false}; Examples 1-3 "false".
    lifecycle = {"delete_after_days": a("35"), "opt_in_to_archive_for_supported_resources": a(False)}
    document = with_change([*RULE, "lifecycle"], lifecycle)
    assert policy_problems(document) == []
    assert policy_warnings(document) == [
        "plans.Windows_Plan.rules.Daily.lifecycle.opt_in_to_archive_for_supported_resources: a JSON false where the "
        "guide's examples write the string 'false' (only its Example 5 writes a JSON boolean): unconfirmed that AWS "
        "accepts it, write it as a string"
    ]
    # Still checked as a flag: a JSON true where only a window is allowed is no number.
    assert policy_problems(with_change([*RULE, "start_backup_window_minutes"], a(True))) == [
        "plans.Windows_Plan.rules.Daily.start_backup_window_minutes: must be a whole number of at least 60, written as "
        "a string"
    ]
    assert policy_warnings(valid()) == []


def aws_examples() -> dict[str, dict[str, Any]]:
    """AWS's example policies, verbatim (tests/data/aws-backup-policy-examples.txt names the page)."""
    text = (Path(__file__).parent / "data" / "aws-backup-policy-examples.txt").read_text()
    return {name: json.loads(body) for name, body in (chunk.split("\n", 1) for chunk in text.split("\n=== ")[1:])}


def test_the_guides_own_examples_1_2_and_8_pass_the_checker():
    examples = aws_examples()
    assert list(examples) == [
        "Example 1, parent policy",
        "Example 2, parent policy",
        "Example 2, child policy",
        "Example 8",
    ]
    for name, document in examples.items():
        assert (policy_problems(document), policy_warnings(document)) == ([], []), name


def test_numbers_are_written_as_strings():
    assert policy_problems(with_change([*RULE, "start_backup_window_minutes"], a(60))) == [
        "plans.Windows_Plan.rules.Daily.start_backup_window_minutes: must be a string (the guide writes numbers and "
        "booleans as strings too)"
    ]


def test_the_start_window_is_at_least_60_minutes():
    assert policy_problems(with_change([*RULE, "start_backup_window_minutes"], a("60"))) == []
    assert policy_problems(with_change([*RULE, "start_backup_window_minutes"], a("59"))) == [
        "plans.Windows_Plan.rules.Daily.start_backup_window_minutes: must be a whole number of at least 60, written as "
        "a string"
    ]


def test_cold_storage_keeps_recovery_points_90_days_more():
    cold = {"move_to_cold_storage_after_days": a("30"), "delete_after_days": a("120")}
    assert policy_problems(with_change([*RULE, "lifecycle"], cold)) == []
    cold["delete_after_days"] = a("119")
    [problem] = policy_problems(with_change([*RULE, "lifecycle"], cold))
    assert problem.startswith(
        "plans.Windows_Plan.rules.Daily.lifecycle: backups in cold storage must stay there at least 90 days"
    )


def test_the_schedule_is_an_aws_cron_expression():
    [problem] = policy_problems(with_change([*RULE, "schedule_expression"], a("rate(1 day)")))
    assert problem.startswith("plans.Windows_Plan.rules.Daily.schedule_expression: AWS Backup rules accept only cron()")


def test_the_target_vault_is_a_name_not_an_arn():
    arn = "arn:aws:backup:us-east-1:111111111111:backup-vault:v1"
    [problem] = policy_problems(with_change([*RULE, "target_backup_vault_name"], a(arn)))
    assert "a vault name (not an ARN)" in problem


def _copy(arn: str, target: str | None = None) -> dict[str, Any]:
    return {"target_backup_vault_arn": a(target or arn)}


def test_a_copy_action_is_keyed_by_its_destination_arn_and_names_it():
    arn = "arn:aws:backup:us-west-2:$account:backup-vault:copies"
    assert policy_problems(with_change([*RULE, "copy_actions"], {arn: _copy(arn)})) == []
    other = "arn:aws:backup:us-west-2:111111111111:backup-vault:copies"
    assert policy_problems(with_change([*RULE, "copy_actions"], {arn: _copy(arn, other)})) == [
        f"plans.Windows_Plan.rules.Daily.copy_actions[{arn}].target_backup_vault_arn: '{other}' is not the ARN the "
        "copy action is keyed by"
    ]
    # Without it AWS uses the key lower-cased, which may not be the vault's ARN.
    assert policy_problems(with_change([*RULE, "copy_actions"], {arn: {}})) == [
        f"plans.Windows_Plan.rules.Daily.copy_actions[{arn}]: 'target_backup_vault_arn' is required"
    ]
    assert (
        "a copy action is keyed by its destination vault ARN"
        in policy_problems(with_change([*RULE, "copy_actions"], {"copies": _copy(arn)}))[0]
    )


def test_a_rule_holds_at_most_5_copy_actions():
    arns = [f"arn:aws:backup:us-west-2:$account:backup-vault:copies{n}" for n in range(6)]
    assert policy_problems(with_change([*RULE, "copy_actions"], {arn: _copy(arn) for arn in arns[:5]})) == []
    assert policy_problems(with_change([*RULE, "copy_actions"], {arn: _copy(arn) for arn in arns})) == [
        "plans.Windows_Plan.rules.Daily.copy_actions: 6 copy actions; a rule holds at most 5 (AWS Backup quotas)"
    ]


def test_a_plan_holds_at_most_10_rules():
    rule = valid()["plans"]["Windows_Plan"]["rules"]["Daily"]
    ten = {f"rule{n}": rule for n in range(10)}
    assert policy_problems(with_change([*PLAN, "rules"], ten)) == []
    assert policy_problems(with_change([*PLAN, "rules"], {**ten, "rule10": rule})) == [
        "plans.Windows_Plan.rules: 11 rules; a plan holds at most 10 (AWS Backup quotas)"
    ]


def test_a_plan_holds_at_most_10_tag_selections():
    selection = valid()["plans"]["Windows_Plan"]["selections"]["tags"]["servers"]
    ten = {f"servers{n}": selection for n in range(10)}
    assert policy_problems(with_change([*PLAN, "selections", "tags"], ten)) == []
    assert policy_problems(with_change([*PLAN, "selections", "tags"], {**ten, "servers10": selection})) == [
        "plans.Windows_Plan.selections.tags: 11 tag selections; a plan holds at most 10 (AWS Backup quotas)"
    ]


def _conditions(count: int) -> dict[str, Any]:
    return {
        "string_equals": {
            f"c{n}": {"condition_key": a(f"aws:ResourceTag/k{n}"), "condition_value": a("v")} for n in range(count)
        }
    }


def test_a_selection_holds_at_most_30_conditions():
    assert policy_problems(with_change([*SELECTION, "conditions"], _conditions(30))) == []
    assert policy_problems(with_change([*SELECTION, "conditions"], _conditions(31))) == [
        "plans.Windows_Plan.selections.tags.servers.conditions: 31 conditions; a selection holds at most 30 (AWS "
        "Backup quotas)"
    ]


def test_a_condition_key_is_a_resource_tag():
    bad = {"string_equals": {"c": {"condition_key": a("alk:backup"), "condition_value": a("v")}}}
    assert policy_problems(with_change([*SELECTION, "conditions"], bad)) == [
        "plans.Windows_Plan.selections.tags.servers.conditions.string_equals.c.condition_key: a condition key is "
        "aws:ResourceTag/<tag key>"
    ]


def test_tags_and_resources_are_mutually_exclusive():
    resources = {"all": {"iam_role_arn": a("arn:aws:iam::$account:role/BackupRole"), "resource_types": a(["*"])}}
    assert policy_problems(with_change([*PLAN, "selections", "resources"], resources)) == [
        "plans.Windows_Plan.selections: must hold either 'tags' or 'resources' (they are mutually exclusive)"
    ]


def test_resources_are_resource_types_never_single_resources():
    exact = "arn:aws:ec2:us-east-1:111111111111:instance/i-0abc"
    selections = {
        "resources": {"one": {"iam_role_arn": a("arn:aws:iam::$account:role/BackupRole"), "resource_types": a([exact])}}
    }
    assert policy_problems(with_change([*PLAN, "selections"], selections)) == [
        f"plans.Windows_Plan.selections.resources.one.resource_types: '{exact}' is not a resource type: use '*' or a "
        "pattern like 'arn:aws:ec2:*:*:instance/*'"
    ]


def test_tag_value_is_a_list_and_the_role_an_iam_role_arn():
    assert policy_problems(with_change([*SELECTION, "tag_value"], a("true"))) == [
        "plans.Windows_Plan.selections.tags.servers.tag_value: must be a list of strings"
    ]
    assert policy_problems(with_change([*SELECTION, "iam_role_arn"], a("BackupRole"))) == [
        "plans.Windows_Plan.selections.tags.servers.iam_role_arn: an IAM role ARN, arn:aws:iam::$account:role/<name>"
    ]


def test_rule_and_selection_names_must_differ_in_more_than_case():
    rule = valid()["plans"]["Windows_Plan"]["rules"]["Daily"]
    assert policy_problems(with_change([*PLAN, "rules"], {"Daily": rule, "daily": rule})) == [
        "plans.Windows_Plan.rules.daily: rules 'Daily' and 'daily' differ only in case; the effective policy "
        "lower-cases them, so they would collide"
    ]
    selection = valid()["plans"]["Windows_Plan"]["selections"]["tags"]["servers"]
    assert policy_problems(
        with_change([*PLAN, "selections", "tags"], {"Servers": selection, "servers": selection})
    ) == [
        "plans.Windows_Plan.selections.servers: selections 'Servers' and 'servers' differ only in case; the effective "
        "policy lower-cases them, so they would collide"
    ]


def test_tag_identifiers_are_the_lower_cased_keys():
    tags = {"Stage": {"tag_key": a("Stage"), "tag_value": a("Beta")}}
    assert policy_problems(with_change([*PLAN, "backup_plan_tags"], tags)) == [
        "plans.Windows_Plan.backup_plan_tags.Stage: the identifier is the tag key in lower case"
    ]


def test_windows_vss_is_enabled_or_disabled():
    settings = {"ec2": {"windows_vss": a("enabled")}}
    assert policy_problems(with_change([*PLAN, "advanced_backup_settings"], settings)) == []
    settings = {"ec2": {"WindowsVSS": a("enabled")}}
    assert policy_problems(with_change([*PLAN, "advanced_backup_settings"], settings)) == [
        "plans.Windows_Plan.advanced_backup_settings.ec2.WindowsVSS: is not a key of the backup policy syntax"
    ]
    settings = {"ec2": {"windows_vss": a("on")}}
    assert policy_problems(with_change([*PLAN, "advanced_backup_settings"], settings)) == [
        "plans.Windows_Plan.advanced_backup_settings.ec2.windows_vss: must be one of enabled, disabled"
    ]


def test_regions_are_region_codes():
    assert policy_problems(with_change([*PLAN, "regions"], a(["us-east-1", "Virginia"]))) == [
        "plans.Windows_Plan.regions: 'Virginia' is not an AWS region code"
    ]


def test_a_policy_holds_at_most_10000_characters_as_sent():
    document = with_change([*PLAN, "backup_plan_tags"], {"note": {"tag_key": a("note"), "tag_value": a("")}})
    padding = MAX_POLICY_CHARACTERS - len(policy_content(document))
    exactly = with_change([*PLAN, "backup_plan_tags"], {"note": {"tag_key": a("note"), "tag_value": a("x" * padding)}})
    assert len(policy_content(exactly)) == 10_000
    assert policy_problems(exactly) == []
    over = with_change(
        [*PLAN, "backup_plan_tags"], {"note": {"tag_key": a("note"), "tag_value": a("x" * (padding + 1))}}
    )
    assert policy_problems(over) == [
        "(document): 10,001 characters; a backup policy holds at most 10,000 (Organizations quotas)"
    ]
