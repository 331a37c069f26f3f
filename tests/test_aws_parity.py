"""Where a popular Terraform module (lgallard/terraform-aws-backup) disagrees with AWS, this program follows AWS.

It keeps refusing what AWS refuses (the module accepts it), and keeps allowing what AWS allows (the
module refuses it). Each test names the AWS page that decides, and checks the value at its boundary,
through the stack file (every problem reported before anything is registered).
"""

from __future__ import annotations

import pytest
from conftest import seed_config
from test_restore_testing import built, rejected_with

from components import rules
from components.restore_testing import restore_testing_name

WEEKLY = "cron(0 18 ? * SUN *)"


def _plan(**rule: object) -> list[dict[str, object]]:
    return [
        {
            "name": "weekly",
            "windows_vss": True,
            "rules": [{"schedule": WEEKLY, **rule}],
            "selections": [{"tags": {"alk:backup": "windows-weekly-ec2-vss"}}],
        }
    ]


# --- Stricter than the module: AWS refuses it --------------------------------------------------


def test_api_lifecycle_cold_30_delete_90_is_refused(run_config):
    """AWS Backup API, Lifecycle: DeleteAfterDays at least 90 days after MoveToColdStorageAfterDays."""
    rejected_with(
        run_config(seed_config(plans=_plan(cold_storage_after_days=30, delete_after_days=90))),
        "plans[0].rules[0].delete_after_days",
        '{"delete_after_days": 90, "cold_storage_after_days": 30}',
        "backups in cold storage must stay there at least 90 days",
        "keep them at least 120 days",
    )


def test_api_lifecycle_cold_30_delete_120_passes(run_config):
    # EBS volumes reach the archive tier (EC2 instance backups stay warm whatever the lifecycle says).
    volumes = {
        "name": "volumes",
        "rules": [
            {"schedule": WEEKLY, "cold_storage_after_days": 30, "delete_after_days": 120, "opt_in_to_archive": True}
        ],
        "selections": [
            {"resources": ["arn:aws:ec2:*:*:volume/*"], "conditions": {"string_equals": {"alk:backup": "weekly-ebs"}}}
        ],
    }
    run = built(run_config(seed_config(plans=[*_plan(delete_after_days=35), volumes])))
    plan = run.named("aws:backup/plan:Plan", "backup-volumes")
    assert plan.inputs["rules"][0]["lifecycle"] == {
        "coldStorageAfter": 30,
        "deleteAfter": 120,
        "optInToArchiveForSupportedResources": True,
    }


@pytest.mark.parametrize("name", ["weekly-restore-test", "weekly.restore"])
def test_api_restore_testing_plan_name_with_dash_or_dot_is_refused(run_config, name):
    """AWS Backup API, RestoreTestingPlanForCreate: "only alphanumeric characters and underscores"."""
    rejected_with(
        run_config(seed_config(restore_testing={"name": name, "schedule": "cron(0 6 ? * MON *)"})),
        "restore_testing.name",
        f'"{name}"',
        "a restore testing name must be 1-50 letters, digits or '_'",
        "e.g. 'weekly_restore",
    )


def test_api_restore_testing_selection_name_with_dash_is_refused(run_config):
    """AWS Backup API, RestoreTestingSelectionForCreate: "only alphanumeric characters and underscores"."""
    tests = {"name": "weekly", "schedule": "cron(0 6 ? * MON *)", "selection_name": "windows-ec2"}
    rejected_with(
        run_config(seed_config(restore_testing=tests)),
        "restore_testing.selection_name",
        '"windows-ec2"',
        "a restore testing name must be 1-50 letters, digits or '_'",
        "e.g. 'windows_ec2'",
    )


def test_api_restore_testing_names_at_their_boundary():
    assert restore_testing_name("a" * 50) is None
    assert restore_testing_name("a" * 51) is not None
    assert restore_testing_name("weekly_restore_1") is None


# --- Looser than the module: AWS allows it --------------------------------------------------------


@pytest.mark.parametrize("name", ["test-vault", "temp-backups", "delete-me", "remove_later", "my-default", "Test"])
def test_api_create_backup_vault_reserves_no_word(run_config, name):
    """AWS Backup API, CreateBackupVault: BackupVaultName is ^[a-zA-Z0-9\\-\\_]{2,50}$ and nothing more."""
    assert rules.vault_name(name) is None
    run = built(run_config(seed_config(vault={"name": name})))
    assert run.named("aws:backup/vault:Vault", "backup-vault").inputs["name"] == name


@pytest.mark.parametrize(
    ("lock", "sent"),
    [
        # The shortest minimum AWS allows (the module wants 7).
        (
            {"min_retention_days": 1, "max_retention_days": 40},
            {"minRetentionDays": 1, "maxRetentionDays": 40},
        ),
        # The longest maximum AWS allows (the module stops at 2555).
        (
            {"min_retention_days": 1, "max_retention_days": 36500},
            {"minRetentionDays": 1, "maxRetentionDays": 36500},
        ),
        # The longest grace period AWS allows (the module stops at 365).
        (
            {"min_retention_days": 7, "max_retention_days": 400, "mode": "compliance", "changeable_for_days": 36500},
            {"minRetentionDays": 7, "maxRetentionDays": 400, "changeableForDays": 36500},
        ),
    ],
    ids=["min-1", "max-36500", "changeable-36500"],
)
def test_api_put_backup_vault_lock_configuration_full_ranges(run_config, lock, sent):
    """AWS Backup API, PutBackupVaultLockConfiguration: min >= 1, max <= 36500, grace 3-36500 days."""
    plans = _plan(delete_after_days=30)
    run = built(run_config(seed_config(vault={"name": "locked-vault", "lock": lock}, plans=plans)))
    lock_resource = run.named("aws:backup/vaultLockConfiguration:VaultLockConfiguration", "backup-vault-lock")
    assert lock_resource.inputs == {"backupVaultName": "locked-vault", **sent}


@pytest.mark.parametrize(
    ("lock", "path", "shown", "rule"),
    [
        ({"min_retention_days": 0, "max_retention_days": 40}, "min_retention_days", "0", "greater than or equal to 1"),
        (
            {"min_retention_days": 1, "max_retention_days": 36501},
            "max_retention_days",
            "36501",
            "less than or equal to 36500",
        ),
        (
            {"min_retention_days": 7, "max_retention_days": 400, "mode": "compliance", "changeable_for_days": 36501},
            "changeable_for_days",
            "36501",
            "must be 3-36500 days",
        ),
    ],
    ids=["min-0", "max-36501", "changeable-36501"],
)
def test_api_put_backup_vault_lock_configuration_just_outside(run_config, lock, path, shown, rule):
    rejected_with(
        run_config(seed_config(vault={"name": "locked-vault", "lock": lock})), f"vault.lock.{path}", shown, rule, ""
    )
