"""Rules that write to another vault than the stack's own: an existing vault by name (e.g. ``Default``),
or a logically air-gapped vault of the same account and region (EC2 and EBS pass through a temporary
recovery point in the target vault). Every rule at its boundary, through the stack file and from code.
"""

from __future__ import annotations

import json
from typing import Any, cast

import pulumi
import pytest
from conftest import fixture_config, seed_config
from contract import invalid_requests, translate
from test_restore_testing import built, rejected_with

from components import BackupPlan, BackupRuleArgs
from components.plan import air_gapped_target_warning
from offline import OFFLINE_ACCOUNT_ID

PLAN = "aws:backup/plan:Plan"
PROD_ACCOUNT = "111111111111"
AIR_GAPPED = f"arn:aws:backup:us-east-1:{OFFLINE_ACCOUNT_ID}:backup-vault:windows-air-gapped"
PROD_AIR_GAPPED = f"arn:aws:backup:us-east-1:{PROD_ACCOUNT}:backup-vault:windows-air-gapped"
WEEKLY = "cron(0 18 ? * SUN *)"


def _vss_plan(**rule: Any) -> list[dict[str, Any]]:
    return [
        {
            "name": "windows-weekly",
            "windows_vss": True,
            "rules": [{"schedule": WEEKLY, "delete_after_days": 35, **rule}],
            "selections": [{"tags": {"alk:backup": "windows-weekly-ec2-vss"}}],
        }
    ]


def _rule(run) -> dict[str, Any]:
    [plan] = run.of_type(PLAN)
    [rule] = plan.inputs["rules"]
    return rule


# --- Another vault by name ----------------------------------------------------------------------


def test_a_rule_writes_to_the_default_vault(run_config):
    run = built(run_config(seed_config(plans=_vss_plan(target_vault_name="Default"))))
    assert _rule(run)["targetVaultName"] == "Default"
    assert "targetLogicallyAirGappedBackupVaultArn" not in _rule(run)
    verdict = json.loads(run.outputs["three_two_one"])["windows-weekly"]
    assert [copy["vault"] for copy in verdict["copies"]] == ["Default"]


def test_the_stacks_vault_lock_binds_only_rules_that_write_to_it(run_config):
    lock = {"min_retention_days": 7, "max_retention_days": 30}
    vault = {"name": "backup-vault-us-east-1", "lock": lock}
    built(run_config(seed_config(vault=vault, plans=_vss_plan(target_vault_name="Default"))))
    rejected_with(
        run_config(seed_config(vault=vault, plans=_vss_plan())),
        "plans[0].rules[0].delete_after_days",
        "35",
        "the target vault is locked to keep recovery points at most 30 days",
        "keep them at most 30 days",
    )


def test_the_default_vault_cannot_feed_the_archive(run_config):
    config = fixture_config("prod-east", plans=_vss_plan(target_vault_name="Default"))
    rejected_with(
        run_config(config),
        "plans[0].rules[0].target_vault_name",
        '"Default"',
        "cross-account copies need a vault other than the Default vault",
        "copy_to: [cross_region] only",
    )
    built(
        run_config(fixture_config("prod-east", plans=_vss_plan(target_vault_name="Default", copy_to=["cross_region"])))
    )


def test_a_target_vault_name_follows_aws_naming(run_config):
    rejected_with(
        run_config(seed_config(plans=_vss_plan(target_vault_name="my.vault"))),
        "plans[0].rules[0].target_vault_name",
        '"my.vault"',
        "a vault name must be 2-50 letters, digits, '-' or '_'",
        "e.g. 'my-vault'",
    )


# --- A logically air-gapped vault ----------------------------------------------------------------


def test_a_rule_backs_up_into_an_air_gapped_vault_through_the_stacks_vault(run_config):
    run = built(run_config(seed_config(plans=_vss_plan(air_gapped_target={"vault_arn": AIR_GAPPED}))))
    rule = _rule(run)
    # AWS needs both: the backup vault for EC2 and EBS's temporary recovery point, and the air-gapped vault.
    assert rule["targetVaultName"] == "backup-vault-us-east-1"
    assert rule["targetLogicallyAirGappedBackupVaultArn"] == AIR_GAPPED
    assert run.warnings == [
        "plan 'windows-weekly', rule 'windows-weekly': EC2 instances and EBS volumes cannot back up straight into a "
        "logically air-gapped vault; AWS Backup first makes a temporary (billed) recovery point in the plan's vault, "
        "copies it to the air-gapped vault and then deletes it. Volumes encrypted with the AWS-managed aws/ebs key "
        "are never copied there (they stay in the backup vault only): encrypt them with a customer-managed key"
    ]
    verdict = json.loads(run.outputs["three_two_one"])["windows-weekly"]
    assert [(copy["vault"], copy["account"]) for copy in verdict["copies"]] == [
        ("windows-air-gapped", OFFLINE_ACCOUNT_ID)
    ]
    assert invalid_requests(translate(run)) == {}


def test_an_air_gapped_vault_of_another_region_is_refused(run_config):
    other = AIR_GAPPED.replace("us-east-1", "us-west-2")
    rejected_with(
        run_config(seed_config(plans=_vss_plan(air_gapped_target={"vault_arn": other}))),
        "plans[0].rules[0].air_gapped_target.vault_arn",
        f'"{other}"',
        "a rule backs up only into a logically air-gapped vault of its own account and region",
        "copy to it instead",
    )


def test_an_air_gapped_vault_of_another_account_is_refused_before_deploying(run_config):
    config = fixture_config("prod-east", plans=_vss_plan(air_gapped_target={"vault_arn": AIR_GAPPED}, copy_to=[]))
    rejected_with(
        run_config(config),
        "plans[0].rules[0].air_gapped_target.vault_arn",
        f'"{AIR_GAPPED}"',
        f"of its own account and region ({PROD_ACCOUNT}, us-east-1)",
        "use a vault of this account and region",
    )
    config = fixture_config("prod-east", plans=_vss_plan(air_gapped_target={"vault_arn": PROD_AIR_GAPPED}, copy_to=[]))
    built(run_config(config))


def test_an_air_gapped_vault_of_another_account_fails_the_preview_when_the_account_is_not_pinned(run_config):
    other = AIR_GAPPED.replace(OFFLINE_ACCOUNT_ID, "999999999999")
    run = run_config(seed_config(plans=_vss_plan(air_gapped_target={"vault_arn": other})))
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).startswith(
        f"plans[0].rules[0].air_gapped_target.vault_arn: {other!r} is in another account than this stack's "
        f"({OFFLINE_ACCOUNT_ID})"
    )


@pytest.mark.parametrize(
    ("days", "shown", "rule"),
    [
        (None, "null", "a logically air-gapped vault always has a maximum retention, so recovery points kept forever"),
        (
            6,
            "6",
            "a logically air-gapped vault keeps recovery points at least 7 days, so jobs keeping them 6 days fail",
        ),
    ],
    ids=["forever", "6-days"],
)
def test_an_air_gapped_target_needs_a_retention_it_can_hold(run_config, days, shown, rule):
    plans = _vss_plan(air_gapped_target={"vault_arn": AIR_GAPPED}, delete_after_days=days)
    rejected_with(
        run_config(seed_config(plans=plans)),
        "plans[0].rules[0].delete_after_days",
        f'{{"delete_after_days": {shown}',
        rule,
        "",
    )


def test_seven_days_is_the_shortest_retention_into_an_air_gapped_vault(run_config):
    plans = _vss_plan(air_gapped_target={"vault_arn": AIR_GAPPED}, delete_after_days=7)
    assert _rule(built(run_config(seed_config(plans=plans))))["lifecycle"] == {"deleteAfter": 7}


@pytest.mark.parametrize(("days", "ok"), [(29, False), (30, True), (90, True), (91, False)])
def test_a_known_air_gapped_lock_range_is_checked(run_config, days, ok):
    target = {"vault_arn": AIR_GAPPED, "lock": {"min_retention_days": 30, "max_retention_days": 90}}
    run = run_config(seed_config(plans=_vss_plan(air_gapped_target=target, delete_after_days=days)))
    if ok:
        built(run)
    else:
        rejected_with(run, "plans[0].rules[0].delete_after_days", str(days), "the target vault is locked", "")


# --- From code ----------------------------------------------------------------------------------


def _plan_with(rule: dict[str, Any]):
    return lambda: BackupPlan("p", {"name": "weekly", "vault_name": "vault1", "rules": [cast(BackupRuleArgs, rule)]})


@pytest.mark.parametrize(
    ("extra", "path", "problem"),
    [
        (
            {"air_gapped_target": {"vault_arn": "not-an-arn"}, "delete_after_days": 7},
            "air_gapped_target.vault_arn",
            "a backup vault ARN looks",
        ),
        ({"air_gapped_target": {"vault_arn": AIR_GAPPED}}, "delete_after_days", "recovery points kept forever"),
        ({"air_gapped_target": {"vault_arn": AIR_GAPPED}, "delete_after_days": 6}, "delete_after_days", "at least 7"),
        (
            {
                "air_gapped_target": {
                    "vault_arn": AIR_GAPPED,
                    "lock": {"min_retention_days": 30, "max_retention_days": 365},
                },
                "delete_after_days": 29,
            },
            "delete_after_days",
            "29",
        ),
        ({"target_vault_name": "a"}, "target_vault_name", "a vault name must be 2-50"),
    ],
    ids=["arn", "forever", "6-days", "below-the-lock", "name"],
)
def test_the_plan_component_checks_its_targets(run_components, extra, path, problem):
    run = run_components(_plan_with({"name": "weekly", "schedule": WEEKLY, **extra}))
    assert isinstance(run.error, pulumi.RunError)
    [line] = str(run.error).splitlines()[1:]
    assert line.startswith(f"  - rules[0].{path}: "), line
    assert problem in line


def test_the_plan_component_takes_a_retention_within_the_known_lock(run_components):
    lock = {"min_retention_days": 30, "max_retention_days": 365}
    for days in (30, 365):
        rule = {"name": "weekly", "schedule": WEEKLY, "delete_after_days": days}
        run = run_components(_plan_with({**rule, "air_gapped_target": {"vault_arn": AIR_GAPPED, "lock": lock}}))
        assert run.error is None, run.error


def test_the_plan_component_sends_both_targets(run_components):
    rule = {
        "name": "weekly",
        "schedule": WEEKLY,
        "delete_after_days": 7,
        "air_gapped_target": {"vault_arn": AIR_GAPPED},
    }
    run = run_components(_plan_with(rule))
    assert run.error is None, run.error
    assert _rule(run)["targetVaultName"] == "vault1"
    assert _rule(run)["targetLogicallyAirGappedBackupVaultArn"] == AIR_GAPPED
    assert run.warnings == [air_gapped_target_warning("weekly", "weekly", "vault1")]


def test_the_reports_say_where_a_rule_keeps_its_recovery_points(run_config):
    import datetime as dt

    from offline.markdown import plans_section
    from offline.report import plain_language

    run = built(run_config(seed_config(plans=_vss_plan(air_gapped_target={"vault_arn": AIR_GAPPED}))))
    now = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    assert (
        f"  into logically air-gapped vault {AIR_GAPPED} (EC2 and EBS through a temporary recovery point in vault "
        "backup-vault-us-east-1) and keeps each recovery point 35 days"
    ) in plain_language(run, now)
    assert (
        f"- Rule `windows-weekly` into logically air-gapped vault `{AIR_GAPPED}` (EC2 and EBS through a temporary "
        "recovery point in vault `backup-vault-us-east-1`)"
    ) in plans_section(run, now)


# --- The 3-2-1 verdict of a rule backing up into an air-gapped vault ----------------------------


def _volume_plan(**rule: Any) -> list[dict[str, Any]]:
    """Volumes by type, so their archive tier would be certain in a standard vault."""
    return [
        {
            "name": "weekly-ebs",
            "rules": [
                {
                    "schedule": WEEKLY,
                    "delete_after_days": 365,
                    "cold_storage_after_days": 30,
                    "opt_in_to_archive": True,
                    **rule,
                }
            ],
            "selections": [{"resources": ["arn:aws:ec2:*:*:volume/*"]}],
        }
    ]


def test_cold_storage_in_a_standard_vault_counts_as_cold(run_config):
    run = built(run_config(seed_config(plans=_volume_plan(), vss_instances=None)))
    [primary] = json.loads(run.outputs["three_two_one"])["weekly-ebs"]["copies"]
    assert (primary["vault"], primary["tier"], primary["cold_for"]) == ("backup-vault-us-east-1", "cold", ["EBS"])
    assert run.warnings == []


def test_an_air_gapped_primary_copy_counts_as_warm_and_the_verdict_says_why(run_config):
    """AWS does not document cold storage in a logically air-gapped vault: warm, noted, warned."""
    plans = _volume_plan(air_gapped_target={"vault_arn": AIR_GAPPED})
    run = built(run_config(seed_config(plans=plans, vss_instances=None)))
    verdict = json.loads(run.outputs["three_two_one"])["weekly-ebs"]
    [primary] = verdict["copies"]
    assert primary == {
        "rule": "weekly-ebs",
        "role": "primary",
        "region": "us-east-1",
        "account": OFFLINE_ACCOUNT_ID,
        "vault": "windows-air-gapped",
        "tier": "warm",
        "retention_days": 365,
        "cold_storage_after_days": 30,
        "cold_for": [],
    }
    assert verdict["media"] == ["warm"]
    assert verdict["assumed"] == [
        "rule 'weekly-ebs' backs up into logically air-gapped vault 'windows-air-gapped' with cold storage set: "
        "counted warm there, since AWS does not document cold storage in an air-gapped vault (unconfirmed)"
    ]
    assert (
        "plans[0].rules[0].cold_storage_after_days: the rule backs up into logically air-gapped vault "
        "'windows-air-gapped', and AWS does not document that recovery points there move to cold storage, so the "
        "3-2-1 verdict counts them warm (its copies follow the lifecycle as usual). Fix: give the cold storage to a "
        "copy (e.g. cross_region.cold_storage_after_days with opt_in_to_archive) for the second medium."
    ) in run.warnings


def test_copies_of_an_air_gapped_rule_keep_its_cold_storage(run_config):
    config = fixture_config(
        "prod-east", plans=_volume_plan(copy_to=["cross_region"]), vss_instances=None, restore_testing=None
    )
    config["windows-server-backup:plans"][0]["rules"][0]["air_gapped_target"] = {"vault_arn": PROD_AIR_GAPPED}
    run = built(run_config(config))
    primary, copy_b = json.loads(run.outputs["three_two_one"])["weekly-ebs"]["copies"]
    assert (primary["tier"], copy_b["region"], copy_b["tier"]) == ("warm", "us-west-2", "cold")
