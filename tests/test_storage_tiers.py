"""Storage tiers as AWS Backup applies them: the per-type table, and the
checks that catch cold storage and archive opt-ins AWS would ignore (or reject) before deploying.

The AWS facts are stated here, not taken from the code (see AWS_RULES.md, "cold storage support"):
AWS Backup moves EBS volume backups to the EBS archive tier only with the archive opt-in, never EC2
instance backups (AMIs) or S3 backups, and ignores the setting for types that cannot use it; the
EBS archive tier does not exist in the China and GovCloud Regions.
"""

from __future__ import annotations

from typing import Any

import pulumi
import pytest
from conftest import fixture_config, seed_config
from test_config_validation import accepted, assert_problem, put, rejected

from components import WindowsServerBackup, WindowsServerBackupArgs, regions, stack_checks, storage_tiers
from components.presets import daily_weekly_monthly_rules
from components.storage_tiers import ALL_TYPES, EBS, EC2, OTHER, S3
from components.three_two_one import cross_account_check

ACCOUNT = "111111111111"
VOLUMES = f"arn:aws:ec2:us-east-1:{ACCOUNT}:volume/*"
INSTANCES = f"arn:aws:ec2:us-east-1:{ACCOUNT}:instance/*"
ANY_VOLUME = "arn:aws:ec2:*:*:volume/*"
ARCHIVE_ARN = "arn:aws:backup:us-east-1:222222222222:backup-vault:windows-server-archive"
KEY_ARN = f"arn:aws:kms:us-east-1:{ACCOUNT}:key/0a1b2c3d-4e5f-6789-abcd-ef0123456789"


# --- the table -------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("resource_type", "opt_in", "region", "tier"),
    [
        (EBS, True, "us-east-1", "cold"),
        (EBS, True, "eu-central-1", "cold"),
        (EBS, False, "us-east-1", "warm"),  # no archive opt-in: EBS stays warm
        (EBS, True, "cn-north-1", "warm"),  # no EBS archive tier in China and GovCloud
        (EBS, True, "cn-northwest-1", "warm"),
        (EBS, True, "us-gov-east-1", "warm"),
        (EBS, True, "us-gov-west-1", "warm"),
        (EBS, True, None, "cold"),  # Region not known yet: not judged on it
        (EC2, True, "us-east-1", "warm"),  # AMIs never go cold
        (EC2, False, "us-east-1", "warm"),
        (S3, True, "us-east-1", "warm"),  # no cold storage for S3 backups
        (OTHER, True, "us-east-1", "warm"),  # not in the table: counted warm
    ],
)
def test_a_cold_setting_moves_only_what_aws_backup_can_move(resource_type, opt_in, region, tier):
    assert storage_tiers.tier(resource_type, 30, opt_in, region)[0] == tier


def test_without_a_cold_setting_everything_stays_warm_and_needs_no_reason():
    assert {storage_tiers.tier(t, None, True, "us-east-1") for t in ALL_TYPES} == {("warm", None)}


@pytest.mark.parametrize(
    ("resource_type", "opt_in", "region", "why"),
    [
        (
            EC2,
            True,
            "us-east-1",
            "EC2 instance backups (AMIs) stay warm: AWS Backup cannot move them to cold storage (AWS Backup guide, "
            "Feature availability by resource; AWS Backup pricing), and AWS Backup ignores cold_storage_after_days "
            "for them",
        ),
        (
            EBS,
            False,
            "us-east-1",
            "EBS volume backups (snapshots) stay warm: they move to cold storage (the EBS Snapshots Archive tier) "
            "only with opt_in_to_archive: true (API reference, Lifecycle)",
        ),
        (
            EBS,
            True,
            "us-gov-west-1",
            "EBS volume backups (snapshots) stay warm: the EBS archive tier is not available in us-gov-west-1 "
            "(AWS Backup guide, Amazon EBS and AWS Backup)",
        ),
    ],
)
def test_why_a_cold_setting_does_not_apply_is_said_with_its_source(resource_type, opt_in, region, why):
    assert storage_tiers.tier(resource_type, 30, opt_in, region) == ("warm", why)


def test_an_air_gapped_vaults_archive_tier_is_not_confirmed_so_its_copies_count_warm():
    assert storage_tiers.tier(EBS, 30, True, "us-east-1", air_gapped=True) == (
        "warm",
        "EBS volume backups (snapshots) stay warm in the air-gapped vault: AWS does not confirm that a logically "
        "air-gapped vault moves them to the EBS archive tier, so this program counts copies there as warm (check the "
        "AWS Backup guide, Feature availability by resource)",
    )
    assert storage_tiers.tier(EBS, 30, True, "us-east-1", air_gapped=False) == ("cold", None)
    assert storage_tiers.tier(EBS, None, True, "us-east-1", air_gapped=True) == ("warm", None)


def test_the_vault_key_encrypts_only_what_aws_backup_fully_manages():
    # "Encryption for backups in AWS Backup": S3 backups use the vault's key; EBS snapshots and AMIs
    # keep the encryption of their volumes.
    assert {t: storage_tiers.TIERS[t].fully_managed for t in (EC2, EBS, S3)} == {EC2: False, EBS: False, S3: True}


@pytest.mark.parametrize(
    ("types", "opt_in", "words"),
    [
        ([EBS], True, "in cold storage from day 30 (EBS archive tier)"),
        ([EC2], True, "cold storage from day 30 is ignored: EC2 instance backups (AMIs) stay warm"),
        ([EBS], False, "cold storage from day 30 is ignored: EBS volume backups (snapshots) stay warm"),
        (
            [EC2, EBS],
            True,
            "EBS volume backups (snapshots) in cold storage from day 30 (EBS archive tier); "
            "EC2 instance backups (AMIs) stay warm",
        ),
        (None, True, "cold storage from day 30 for the resource types that support it (archive tier opted in)"),
    ],
)
def test_the_report_words_for_cold_storage(types, opt_in, words):
    assert storage_tiers.describe_cold(types, 30, opt_in, "us-east-1") == words
    assert storage_tiers.describe_cold(types, None, opt_in, "us-east-1") == ""


# --- the checks (components/stack_checks/) ---------------------------------------------------------------


def _args(*, selections, windows_vss=False, rule=None, region="us-east-1", **overrides) -> dict[str, Any]:
    """WindowsServerBackupArgs-shaped plain values: one plan, one weekly rule."""
    args = {
        "region": region,
        "vault": {"name": "backup-vault", "kms_key_arn": KEY_ARN},
        "plans": [
            {
                "name": "p",
                "windows_vss": windows_vss,
                "rules": [{"name": "weekly", "delete_after_days": 120, **(rule or {})}],
                "selections": selections,
            }
        ],
    }
    args.update(overrides)
    return args


VSS = {"selections": [{"name": "s", "tags": {"alk:backup": "windows"}}], "windows_vss": True}
BY_TAG = {"selections": [{"name": "s", "tags": {"alk:backup": "weekly-ebs"}}]}
ONLY_VOLUMES = {"selections": [{"name": "s", "resources": [VOLUMES]}]}
ONLY_INSTANCES = {"selections": [{"name": "s", "resources": [INSTANCES]}]}
INSTANCES_AND_VOLUMES = {"selections": [{"name": "s", "resources": [INSTANCES, VOLUMES]}]}
COLD = {"cold_storage_after_days": 30}
ARCHIVED = {"cold_storage_after_days": 30, "opt_in_to_archive": True}


def _found(args) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    """``(errors, warnings)`` as (path, message) pairs."""

    def pairs(found):
        return [(path, str(violation)) for path, _, violation in found]

    return pairs(stack_checks.stack_problems(args)), pairs(stack_checks.stack_warnings(args))


@pytest.mark.parametrize(
    ("plan", "rule", "errors", "warnings"),
    [
        (VSS, {}, 0, 0),
        (VSS, COLD, 1, 0),  # AWS would ignore it for every instance: refused
        (VSS, ARCHIVED, 1, 1),  # ... and the opt-in does nothing for instances
        (ONLY_INSTANCES, COLD, 1, 0),
        (INSTANCES_AND_VOLUMES, ARCHIVED, 0, 1),  # applies to the volumes only
        (ONLY_VOLUMES, COLD, 1, 0),  # volumes need the opt-in
        (ONLY_VOLUMES, ARCHIVED, 0, 0),
        (BY_TAG, COLD, 0, 1),  # the tag may reach volumes: a warning, not an error
        (BY_TAG, ARCHIVED, 0, 1),  # instances carrying the tag would stay warm
        (ONLY_VOLUMES, {"opt_in_to_archive": True}, 0, 1),  # an opt-in without a day to move
    ],
    ids=[
        "vss-warm",
        "vss-cold",
        "vss-archived",
        "instances-cold",
        "instances-and-volumes-archived",
        "volumes-cold-without-opt-in",
        "volumes-archived",
        "tag-cold",
        "tag-archived",
        "volumes-opt-in-alone",
    ],
)
def test_cold_storage_is_checked_against_what_the_plan_selects(plan, rule, errors, warnings):
    found_errors, found_warnings = _found(_args(rule=rule, **plan))
    assert (len(found_errors), len(found_warnings)) == (errors, warnings), (found_errors, found_warnings)


def test_cold_storage_on_instances_only_is_refused_with_the_reason_and_the_way_to_a_second_medium():
    [(path, message)], _ = _found(_args(rule=COLD, **VSS))
    assert path == "plans[0].rules[0].cold_storage_after_days"
    assert message == (
        "plan 'p' backs up EC2 instances only, so AWS Backup would ignore this setting: EC2 instance backups (AMIs) "
        "stay warm: AWS Backup cannot move them to cold storage (AWS Backup guide, Feature availability by "
        "resource; AWS Backup pricing), and AWS Backup ignores cold_storage_after_days for them. Fix: remove "
        "cold_storage_after_days: these recovery points stay warm either way; for a second medium, back up the "
        "instances' volumes in a plan that selects EBS volumes and moves a copy to the EBS archive tier (README, "
        "Storage tiers and the 3-2-1 verdict)."
    )


def test_volumes_without_the_opt_in_are_refused_with_the_opt_in_as_the_fix():
    [(path, message)], _ = _found(_args(rule=COLD, **ONLY_VOLUMES))
    assert path == "plans[0].rules[0].cold_storage_after_days"
    assert "plan 'p' backs up EBS volumes only, so AWS Backup would ignore this setting" in message
    assert message.endswith("Fix: add opt_in_to_archive: true next to cold_storage_after_days.")


def test_a_tag_selection_is_warned_about_the_types_the_setting_skips():
    _, [(path, message)] = _found(_args(rule=ARCHIVED, **BY_TAG))
    assert path == "plans[0].rules[0].cold_storage_after_days"
    assert message.startswith(
        "in plan 'p', only the EBS volume backups (snapshots) would move to cold storage: EC2 instance backups (AMIs) "
        "stay warm"
    )
    _, [(_, uncertain)] = _found(_args(rule=COLD, **BY_TAG))
    assert uncertain.startswith(
        "plan 'p' selects by tag, taken to reach EC2 instances and EBS volumes, and none of them would move to cold "
        "storage: EC2 instance backups (AMIs) stay warm"
    )


def test_types_outside_the_table_are_not_judged():
    # '*' also reaches EFS and DynamoDB, which have cold storage of their own: no error, only what is known.
    errors, [(_, message)] = _found(_args(rule=ARCHIVED, selections=[{"name": "all", "resources": ["*"]}]))
    assert errors == []
    assert message.startswith(
        "in plan 'p', only the EBS volume backups (snapshots) and those of other resource types with a cold tier "
        "of their own would move to cold storage: "
    )


def test_the_archive_tier_opt_in_is_refused_where_the_ebs_archive_tier_does_not_exist():
    for region in storage_tiers.EBS_ARCHIVE_UNAVAILABLE:
        # The region's own partition (aws-cn, aws-us-gov): selection ARNs must name it.
        volumes = [{"name": "s", "resources": [f"arn:{regions.partition_of(region)}:ec2:*:*:volume/*"]}]
        [(path, message)], _ = _found(_args(rule=ARCHIVED, region=region, selections=volumes))
        assert path == "plans[0].rules[0].opt_in_to_archive"
        assert f"the EBS archive tier is not available in {region}" in message
    errors, _ = _found(
        _args(rule=ARCHIVED, region="ap-southeast-2", selections=[{"name": "s", "resources": [ANY_VOLUME]}])
    )
    assert errors == []


def _with_destinations(plan, rule=None, **sections):
    args = _args(rule=rule, **plan)
    if "archive" in sections:
        args["archive"] = {"vault_arn": ARCHIVE_ARN, **sections["archive"]}
    if "cross_region" in sections:
        args["cross_region"] = {"region": "us-west-2", "vault_name": "copies", "create_kms_key": True}
        args["cross_region"].update(sections["cross_region"])
    return args


def test_a_destination_sections_cold_storage_follows_the_same_rules():
    errors, _ = _found(_with_destinations(VSS, archive=ARCHIVED))
    assert [path for path, _ in errors] == ["archive.cold_storage_after_days"]
    assert errors[0][1].startswith("copies of plans[0].rules[0] to archive: plan 'p' backs up EC2 instances only")
    # Boundary: the same section for a plan of volumes is fine; a rule not copying there is not checked.
    assert _found(_with_destinations(ONLY_VOLUMES, archive=ARCHIVED)) == ([], [])
    assert _found(_with_destinations(VSS, rule={"copy_to": []}, archive=ARCHIVED)) == ([], [])


def test_a_destination_sections_opt_in_alone_is_a_warning_at_the_section():
    _, warnings = _found(_with_destinations(VSS, cross_region={"opt_in_to_archive": True}))
    assert [path for path, _ in warnings] == ["cross_region.opt_in_to_archive"]
    assert warnings[0][1].startswith(
        "copies of plans[0].rules[0] to cross_region: opt_in_to_archive only moves EBS volume backups to the "
        "archive tier, and plan 'p' backs up EC2 instances"
    )


def test_a_rules_setting_its_copies_inherit_is_reported_once_at_the_rule():
    errors, _ = _found(_with_destinations(VSS, rule=COLD, archive={}, cross_region={}))
    assert [path for path, _ in errors] == ["plans[0].rules[0].cold_storage_after_days"]


# --- keys -------------------------------------------------------------------------------------------------


def _keys(plan=VSS, **vault_and_sections):
    args = _with_destinations(plan, **{k: v for k, v in vault_and_sections.items() if k != "vault"})
    if "vault" in vault_and_sections:
        args["vault"] = vault_and_sections["vault"]
    return [(path, str(violation)) for path, _, violation in stack_checks.stack_warnings(args)]


def test_copies_of_volumes_depend_on_the_volumes_keys_not_the_vaults():
    aws_managed = {"name": "backup-vault"}
    # No error and no warning: AWS Backup keeps EC2 and EBS backups in their volumes' encryption,
    # whatever the vault's key; the verdict names the check to run instead (test_three_two_one).
    assert stack_checks.stack_problems(_with_destinations(VSS, archive={})) == []
    assert _keys(vault=aws_managed, archive={}) == []
    assert stack_checks.archive_key_check(_with_destinations(VSS, archive={})) == cross_account_check(
        "python -m doctor --region us-east-1 --tag-key alk:backup --tag-value windows --archive-copies"
    )


def test_copy_bs_new_vault_on_the_aws_managed_key_is_flagged_for_ec2_and_ebs():
    [(path, message)] = _keys(cross_region={"create_kms_key": False})
    assert path == "cross_region.kms_key"
    assert "'to avoid copy job failure' (Encryption for backups in AWS Backup)" in message
    assert (
        "an AWS re:Post article says such cross-Region copies are encrypted with the destination's aws/ebs" in message
    )
    assert message.endswith("Fix: set cross_region.kms_key: create (a customer-managed key works under both readings).")
    assert _keys(cross_region={}) == []  # create_kms_key
    existing = "arn:aws:backup:us-west-2:111111111111:backup-vault:copies"
    assert _keys(cross_region={"create_kms_key": False, "existing_vault_arn": existing}) == []


# --- through the config layer (key paths, before anything is registered) ----------------------------------

NS = "windows-server-backup:"


def test_cold_storage_on_the_windows_vss_plan_is_refused_before_deploying(run_config):
    config = put(seed_config(), "plans[0].rules[0].cold_storage_after_days", 30)
    put(config, "plans[0].rules[0].delete_after_days", 120)
    assert_problem(
        run_config(config),
        "plans[0].rules[0].cold_storage_after_days",
        "30",
        "plan 'windows-weekly-ec2-vss-us-east-1' backs up EC2 instances only, so AWS Backup would ignore this setting",
        "remove cold_storage_after_days",
    )


def test_cold_storage_on_the_tag_selected_volume_plan_deploys_with_a_warning(run_config):
    config = put(seed_config(), "plans[1].rules[0].cold_storage_after_days", 30)
    put(config, "plans[1].rules[0].delete_after_days", 120)
    put(config, "plans[1].rules[0].opt_in_to_archive", True)
    run = run_config(config)
    accepted(run)
    assert [w for w in run.warnings if "cold_storage" in w] == [
        "plans[1].rules[0].cold_storage_after_days: in plan 'weekly-ebs-us-east-1', only the EBS volume backups "
        "(snapshots) would move to cold storage: EC2 instance backups (AMIs) stay warm: AWS Backup cannot "
        "move them to cold storage (AWS Backup guide, Feature availability by resource; AWS Backup pricing), and AWS "
        "Backup ignores cold_storage_after_days for them. Fix: select the resource types that go cold in a plan of "
        "their own (e.g. resources: ['arn:aws:ec2:*:*:volume/*'] with the tag under conditions), or accept that the "
        "others stay warm."
    ]


def test_the_old_prod_layout_is_refused_at_the_archive_section(run_config):
    """The archive section's cold storage reaches the Windows VSS plan's copies, which AWS keeps warm."""
    config = fixture_config("prod-east")
    config[NS + "archive"].update(cold_storage_after_days=30, opt_in_to_archive=True)
    text = rejected(run_config(config))
    assert "  - archive.cold_storage_after_days: got 30; copies of plans[0].rules[0] to archive: plan " in text
    # Boundary: with the Windows VSS plan copying elsewhere, the section applies to volumes only.
    put(config, "plans[0].rules[0].copy_to", ["cross_region"])
    run = run_config(config)
    accepted(run)
    assert run.warnings == []


def test_the_opt_in_is_refused_in_govcloud(run_config):
    config = put(seed_config(), "plans[1].rules[0].opt_in_to_archive", True)
    config["aws:region"] = "us-gov-west-1"
    text = rejected(run_config(config))
    assert (
        "  - plans[1].rules[0].opt_in_to_archive: got true; the EBS archive tier is not available in us-gov-west-1"
        in (text)
    )
    config["aws:region"] = "us-east-1"
    accepted(run_config(config))


def test_copy_b_on_the_aws_managed_key_is_a_warning(run_config):
    config = fixture_config("prod-east")
    config[NS + "cross_region"]["kms_key"] = "aws/backup"
    run = run_config(config)
    accepted(run)
    assert [w.split(":", 1)[0] for w in run.warnings] == ["cross_region.kms_key"]


# --- the component from code -------------------------------------------------------------------------------


def _component(plan, rule, log_warnings=True):
    def program():
        args = WindowsServerBackupArgs(
            region="us-east-1",
            vault={"name": "v1", "kms_key_arn": KEY_ARN},
            plans=[
                {
                    "name": "p1",
                    "windows_vss": plan.get("windows_vss", False),
                    "rules": [{"name": "r1", "schedule": "cron(0 1 ? * * *)", "delete_after_days": 120, **rule}],
                    "selections": plan["selections"],
                }
            ],
        )
        if not log_warnings:
            args["log_warnings"] = False
        WindowsServerBackup("b", args)

    return program


def test_the_component_refuses_what_aws_would_ignore(run_components):
    run = run_components(_component(VSS, COLD))
    assert isinstance(run.error, pulumi.RunError)
    assert "plans[0].rules[0].cold_storage_after_days: plan 'p1' backs up EC2 instances only" in str(run.error)


def test_the_component_warns_unless_told_its_caller_reports_the_warnings(run_components):
    run = run_components(_component(BY_TAG, ARCHIVED))
    assert run.error is None, run.error
    assert [w.split(": ", 1)[0] for w in run.warnings] == ["plans[0].rules[0].cold_storage_after_days"]
    assert run_components(_component(BY_TAG, ARCHIVED, log_warnings=False)).warnings == []


def test_the_monthly_preset_asks_for_the_archive_tier_only_when_told():
    assert {k: v for k, v in daily_weekly_monthly_rules()[2].items() if k != "schedule"} == {
        "name": "monthly",
        "delete_after_days": 1825,
        "cold_storage_after_days": 90,
        "opt_in_to_archive": True,
    }
    whole_instances = daily_weekly_monthly_rules(archive_monthly=False)[2]
    assert "cold_storage_after_days" not in whole_instances and "opt_in_to_archive" not in whole_instances


def test_the_report_words_for_cold_storage_in_an_air_gapped_vault():
    assert storage_tiers.describe_cold([EBS], 30, True, "us-east-1", air_gapped=True) == (
        "cold storage from day 30 not counted: AWS does not confirm the EBS archive tier in a logically air-gapped "
        "vault, so EBS volume backups (snapshots) count as warm"
    )
    # Nothing that would move: the usual words.
    assert storage_tiers.describe_cold([EC2], 30, True, "us-east-1", air_gapped=True) == (
        "cold storage from day 30 is ignored: EC2 instance backups (AMIs) stay warm"
    )
