"""Every fixture stack builds offline, protects its data, warns about nothing and repeats no lookup."""

from __future__ import annotations

from pathlib import Path

import pytest
from conftest import FIXTURES_DIR, KEEPS_RECOVERY_POINTS, stack_sections, stack_set_resources

from offline import stack_names

PROJECT_DIR = Path(__file__).resolve().parent.parent
STACKS = stack_names(FIXTURES_DIR)
DATA_TYPES = (
    "aws:backup/vault:Vault",
    "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
    "aws:backup/vaultLockConfiguration:VaultLockConfiguration",
)


@pytest.mark.parametrize("stack", STACKS)
def test_stack_builds_offline_without_warnings(fixture_run, stack):
    run = fixture_run(stack)
    assert run.error is None, run.error
    assert run.warnings == []
    assert run.resources


#: What a StackSet template creates that holds or decrypts recovery points.
TEMPLATE_DATA_TYPES = ("AWS::Backup::BackupVault", "AWS::KMS::Key")


@pytest.mark.parametrize("stack", STACKS)
def test_vaults_and_their_keys_are_protected(fixture_run, stack):
    """`pulumi destroy`, a rename or a replacement cannot silently take the backups with it."""
    run = fixture_run(stack)
    vaults = [r for r in run.resources if r.type in DATA_TYPES]
    # The organization stack keeps no vault of its own: its StackSet creates them in member accounts,
    # where deleting or replacing a member stack's vault or key must keep them.
    member_data = stack_set_resources(run, *TEMPLATE_DATA_TYPES)
    if stack_sections(run) & set(KEEPS_RECOVERY_POINTS):
        assert vaults or member_data
    for logical_id, resource in member_data.items():
        assert (resource["DeletionPolicy"], resource["UpdateReplacePolicy"]) == ("Retain", "Retain"), logical_id
    for vault in vaults:
        assert vault.protect, f"{vault.type} {vault.name} is not protected"
        assert vault.inputs.get("forceDestroy", False) is False
    vault_keys = {r.inputs.get("kmsKeyArn") for r in run.of_type("aws:backup/vault:Vault")}
    for key in run.of_type("aws:kms/key:Key"):
        if key.outputs["arn"] in vault_keys:
            assert key.protect, f"key {key.name} encrypts a vault but is not protected"
            assert key.inputs["deletionWindowInDays"] == 30
            assert key.inputs["enableKeyRotation"] is True


@pytest.mark.parametrize("stack", STACKS)
def test_every_vault_denies_deletions(fixture_run, stack):
    run = fixture_run(stack)
    policies = {
        p.inputs["backupVaultName"]: p.inputs["policy"] for p in run.of_type("aws:backup/vaultPolicy:VaultPolicy")
    }
    for vault in run.of_type("aws:backup/vault:Vault"):
        assert '"backup:DeleteRecoveryPoint"' in policies[vault.inputs["name"]]
    for logical_id, vault in stack_set_resources(run, "AWS::Backup::BackupVault").items():
        [deny] = vault["Properties"]["AccessPolicy"]["Statement"]
        assert (deny["Effect"], deny["Principal"]) == ("Deny", {"AWS": "*"}), logical_id
        assert "backup:DeleteRecoveryPoint" in deny["Action"], logical_id


@pytest.mark.parametrize("stack", STACKS)
def test_no_lookup_repeats_per_provider(fixture_run, stack):
    run = fixture_run(stack)
    calls = [(i.token, i.provider, tuple(sorted(i.args.items()))) for i in run.invocations]
    assert len(calls) == len(set(calls))
