"""Restore tests across the vaults of the stack's region: names become ARNs, ARN patterns and ``*`` pass
as they are, vaults a restore test cannot reach (copy B's, another region's) are refused before deploying,
another account's is warned (only a logically air-gapped vault shared through AWS RAM can be tested), and
the air-gapped vaults the tested plans back up into are tested by default."""

from __future__ import annotations

import pulumi
import pytest
from conftest import fixture_config, seed_config
from test_restore_testing import built, rejected_with

from components import WindowsRestoreTesting
from offline import OFFLINE_ACCOUNT_ID

PLAN = "aws:backup/restoreTestingPlan:RestoreTestingPlan"
PROD_ACCOUNT = "111111111111"
MINIMAL = {"name": "windows_vss_weekly", "schedule": "cron(0 6 ? * MON *)"}


def _selection(run) -> dict:
    [plan] = run.of_type(PLAN)
    return plan.inputs["recoveryPointSelection"]


def _vault(name: str, account: str = OFFLINE_ACCOUNT_ID, region: str = "us-east-1") -> str:
    return f"arn:aws:backup:{region}:{account}:backup-vault:{name}"


def test_by_default_the_stacks_vault(run_config):
    run = built(run_config(seed_config(restore_testing=MINIMAL)))
    assert _selection(run)["includeVaults"] == [_vault("backup-vault-us-east-1")]
    assert "excludeVaults" not in _selection(run)


def test_names_of_this_account_and_region_become_arns(run_config):
    tests = {**MINIMAL, "include_vaults": ["backup-vault-us-east-1", "Default", "windows-air-gapped"]}
    run = built(run_config(seed_config(restore_testing=tests)))
    assert _selection(run)["includeVaults"] == [
        _vault("backup-vault-us-east-1"),
        _vault("Default"),
        _vault("windows-air-gapped"),
    ]


def test_every_vault_but_some(run_config):
    pattern = f"arn:aws:backup:us-east-1:{OFFLINE_ACCOUNT_ID}:backup-vault:scratch-*"
    tests = {**MINIMAL, "include_vaults": ["*"], "exclude_vaults": [pattern, "Default"]}
    run = built(run_config(seed_config(restore_testing=tests)))
    assert _selection(run)["includeVaults"] == ["*"]
    assert _selection(run)["excludeVaults"] == [pattern, _vault("Default")]


def test_the_west_stack_tests_the_copies_east_keeps_in_its_region(run_config):
    """Copy B of prod-east lives in us-west-2: the us-west-2 stack is the one that can restore it."""
    copy_b = _vault("backup-copies-from-us-east-1", PROD_ACCOUNT, "us-west-2")
    tests = {**MINIMAL, "include_vaults": ["backup-vault-us-west-2", copy_b]}
    run = built(run_config(fixture_config("prod-west", restore_testing=tests)))
    assert _selection(run)["includeVaults"] == [_vault("backup-vault-us-west-2", PROD_ACCOUNT, "us-west-2"), copy_b]


def test_copy_b_cannot_be_tested_from_its_source_stack(run_config):
    tests = {**MINIMAL, "include_vaults": ["backup-vault-us-east-1", "backup-copies-from-us-east-1"]}
    rejected_with(
        run_config(fixture_config("prod-east", restore_testing=tests)),
        "restore_testing.include_vaults[1]",
        '"backup-copies-from-us-east-1"',
        "'backup-copies-from-us-east-1' is copy B's vault, in us-west-2, and a restore test only takes recovery "
        "points of its own region (us-east-1)",
        "test copy B from the stack of us-west-2",
    )


@pytest.mark.parametrize(
    ("vault", "ok"),
    [
        (_vault("other", PROD_ACCOUNT, "us-east-1"), True),
        (_vault("other", PROD_ACCOUNT, "us-west-2"), False),
        (f"arn:aws:backup:*:{PROD_ACCOUNT}:backup-vault:other", True),
        ("arn:aws:backup:us-east-1:*:backup-vault:windows-*", True),
    ],
    ids=["same", "other-region", "any-region", "any-account-pattern"],
)
def test_arns_must_name_vaults_of_this_region(run_config, vault, ok):
    run = run_config(fixture_config("prod-east", restore_testing={**MINIMAL, "include_vaults": [vault]}))
    if ok:
        assert _selection(built(run))["includeVaults"] == [vault]
        assert not [w for w in run.warnings if w.startswith("restore_testing")]
    else:
        rejected_with(
            run,
            "restore_testing.include_vaults[0]",
            f'"{vault}"',
            "a restore test only takes recovery points of its own region (us-east-1)",
            "test other regions from their own stacks",
        )


def test_another_accounts_vault_is_warned_as_it_must_be_an_air_gapped_vault_shared_through_ram(run_config):
    """AWS Backup guide, "Logically air-gapped vault": a vault shared through AWS RAM "can be restored from an
    account with which the vault is shared, if needed for data loss recovery or restore testing"."""
    shared = _vault("shared-air-gapped", "222222222222")
    run = built(run_config(fixture_config("prod-east", restore_testing={**MINIMAL, "include_vaults": [shared]})))
    assert _selection(run)["includeVaults"] == [shared]
    assert [w for w in run.warnings if w.startswith("restore_testing")] == [
        f"restore_testing.include_vaults[0]: a restore test takes recovery points of another account (222222222222) "
        f"only from a logically air-gapped vault that account shares with this one ({PROD_ACCOUNT}) through AWS RAM "
        "(AWS Backup guide, Logically air-gapped vault); any other vault of that account gives it nothing. Fix: keep "
        "it only if it is such a shared air-gapped vault; test other accounts' vaults from their own stacks."
    ]


def test_another_accounts_vault_in_another_region_is_still_refused(run_config):
    vault = _vault("shared-air-gapped", "222222222222", "us-west-2")
    rejected_with(
        run_config(fixture_config("prod-east", restore_testing={**MINIMAL, "include_vaults": [vault]})),
        "restore_testing.include_vaults[0]",
        f'"{vault}"',
        "a restore test only takes recovery points of its own region (us-east-1)",
        "",
    )


# --- Rules backing up into an air-gapped vault ----------------------------------------------------

AIR_GAPPED = _vault("windows-air-gapped")


def _air_gapped_plans(*, every_rule: bool = True) -> list[dict]:
    """The seed's VSS plan with a weekly rule into the air-gapped vault (and a daily one into the stack's
    vault unless ``every_rule``)."""
    rules = [
        {
            "name": "weekly",
            "schedule": "cron(0 18 ? * SUN *)",
            "delete_after_days": 35,
            "air_gapped_target": {"vault_arn": AIR_GAPPED},
        }
    ]
    if not every_rule:
        rules.append({"name": "daily", "schedule": "cron(0 18 * * ? *)", "delete_after_days": 7})
    return [
        {
            "name": "windows-weekly",
            "windows_vss": True,
            "rules": rules,
            "selections": [{"tags": {"alk:backup": "windows-weekly-ec2-vss"}}],
        }
    ]


def _restore_testing_warnings(run) -> list[str]:
    return [w for w in run.warnings if w.startswith("restore_testing")]


def test_by_default_the_air_gapped_vaults_the_tested_plans_back_up_into_are_tested_too(run_config):
    """The stack's vault keeps only their temporary (DELETE_AFTER_COPY) recovery points, which restore testing
    ignores (AWS Backup guide, "Logically air-gapped vault")."""
    run = built(run_config(seed_config(plans=_air_gapped_plans(), restore_testing=MINIMAL)))
    assert _selection(run)["includeVaults"] == [_vault("backup-vault-us-east-1"), AIR_GAPPED]
    assert _restore_testing_warnings(run) == []


NOTHING_TESTED = (
    f"every rule of plans ['windows-weekly'] backs up into logically air-gapped vaults ({AIR_GAPPED}) that the "
    "restore test leaves out, and the stack's vault keeps only their temporary recovery points, which restore "
    "testing ignores (AWS Backup guide, Logically air-gapped vault): the restore test would test nothing. Fix: "
    "include the air-gapped vault in restore_testing.include_vaults (left out, include_vaults takes it), and do "
    "not exclude it."
)


@pytest.mark.parametrize(
    ("tests", "key"),
    [
        ({"include_vaults": ["backup-vault-us-east-1"]}, "include_vaults"),
        ({"exclude_vaults": ["windows-air-gapped"]}, "exclude_vaults"),
        ({"include_vaults": ["*"], "exclude_vaults": [AIR_GAPPED]}, "exclude_vaults"),
    ],
    ids=["only-the-stacks-vault", "excluded-by-name", "excluded-by-arn"],
)
def test_a_restore_test_that_leaves_the_air_gapped_vault_out_would_test_nothing(run_config, tests, key):
    run = built(run_config(seed_config(plans=_air_gapped_plans(), restore_testing={**MINIMAL, **tests})))
    [warning] = _restore_testing_warnings(run)
    assert warning.startswith(f"restore_testing.{key}: ")
    assert warning.endswith(NOTHING_TESTED)


@pytest.mark.parametrize(
    "include",
    [["windows-air-gapped"], [AIR_GAPPED], ["*"], ["arn:aws:backup:us-east-1:*:backup-vault:windows-*"]],
    ids=["name", "arn", "star", "pattern"],
)
def test_a_restore_test_including_the_air_gapped_vault_is_not_warned(run_config, include):
    run = built(
        run_config(seed_config(plans=_air_gapped_plans(), restore_testing={**MINIMAL, "include_vaults": include}))
    )
    assert _restore_testing_warnings(run) == []


def test_a_rule_into_the_stacks_vault_leaves_something_to_test(run_config):
    tests = {**MINIMAL, "include_vaults": ["backup-vault-us-east-1"]}
    run = built(run_config(seed_config(plans=_air_gapped_plans(every_rule=False), restore_testing=tests)))
    assert _restore_testing_warnings(run) == []


@pytest.mark.parametrize(
    ("vault", "rule"),
    [
        ("my.vault", "a vault name must be 2-50 letters, digits, '-' or '_'"),
        (
            "arn:aws:backup:us-east-1:1234:backup-vault:x",
            "a restore test takes recovery points from vaults named by ARN",
        ),
        ("arn:aws:s3:::bucket", "a restore test takes recovery points from vaults named by ARN"),
    ],
)
def test_each_vault_is_a_name_an_arn_or_star(run_config, vault, rule):
    rejected_with(
        run_config(seed_config(restore_testing={**MINIMAL, "include_vaults": [vault]})),
        "restore_testing.include_vaults[0]",
        f'"{vault}"',
        rule,
        "",
    )


def test_an_empty_list_of_vaults_is_refused(run_config):
    rejected_with(
        run_config(seed_config(restore_testing={**MINIMAL, "include_vaults": []})),
        "restore_testing.include_vaults",
        "[]",
        "should have at least 1 item",
        "",
    )


def test_the_component_takes_several_vaults(run_components):
    pattern = "arn:aws:backup:*:123456789012:backup-vault:windows-*"
    run = run_components(
        lambda: WindowsRestoreTesting(
            "rt",
            {
                **MINIMAL,  # type: ignore[typeddict-item]
                "include_vaults": [_vault("a"), pattern],
                "exclude_vaults": [_vault("b")],
                "selection_tags": {"alk:backup": "weekly"},
            },
        )
    )
    assert run.error is None, run.error
    assert _selection(run)["includeVaults"] == [_vault("a"), pattern]
    assert _selection(run)["excludeVaults"] == [_vault("b")]


def test_the_component_needs_a_vault(run_components):
    run = run_components(
        lambda: WindowsRestoreTesting("rt", {**MINIMAL, "selection_tags": {"alk:backup": "weekly"}})  # type: ignore[typeddict-item]
    )
    assert isinstance(run.error, pulumi.RunError)
    assert str(run.error).splitlines()[1].startswith("  - include_vaults: a restore test needs a vault")
