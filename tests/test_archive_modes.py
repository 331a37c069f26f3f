"""How a source stack finds the archive vault: its ARN (default), a stack reference, or one program."""

from __future__ import annotations

import json

import pytest
import yaml
from conftest import fixture_config, fixture_project

from offline import run_offline

ARCHIVE_ARN = "arn:aws:backup:us-east-1:222222222222:backup-vault:windows-server-archive"


def prod_config() -> dict:
    return fixture_config("prod-east")


def archive_destinations(run) -> set[str]:
    return {
        copy["destinationVaultArn"]
        for plan in run.of_type("aws:backup/plan:Plan")
        for rule in plan.inputs["rules"]
        for copy in rule["copyActions"]
        if ":222222222222:" in copy["destinationVaultArn"]
    }


def test_stack_reference_reads_the_archive_stacks_output(tmp_path):
    """Offline, the reference runs the archive stack of this project (in its own process)."""
    fixture_project(tmp_path)
    config = prod_config()
    archive = config["windows-server-backup:archive"]
    del archive["vault_arn"]
    archive["stack_reference"] = "acme/windows-server-backup/archive"
    (tmp_path / "Pulumi.ref.yaml").write_text(yaml.safe_dump({"config": config}))
    run = run_offline(tmp_path, "ref")
    assert run.error is None, run.error
    [reference] = run.of_type("pulumi:pulumi:StackReference")
    assert reference.inputs["name"] == "acme/windows-server-backup/archive"
    assert archive_destinations(run) == {ARCHIVE_ARN}
    key = run.named("aws:kms/key:Key", "backup-vault-key")
    shared = {s["Sid"]: s for s in json.loads(key.inputs["policy"])["Statement"]}["CopyAccountsUseKeyThroughAwsBackup"]
    assert shared["Principal"] == {"AWS": ["arn:aws:iam::222222222222:root"]}


def one_program_config(vault_name: str, max_retention_days: int) -> dict:
    """The prod stack in one-program mode: it deploys the archive vault through an assumed role."""
    config = prod_config()
    archive = config["windows-server-backup:archive"]
    del archive["vault_arn"], archive["lock"]
    archive["deploy_here"] = {
        "assume_role_arn": "arn:aws:iam::222222222222:role/archive-deployer",
        "region": "us-east-1",
        "vault": {
            "name": vault_name,
            "source_account_ids": ["111111111111"],
            "min_retention_days": 30,
            "max_retention_days": max_retention_days,
        },
    }
    return config


def test_one_program_mode_deploys_the_archive_through_an_assumed_role(run_config):
    run = run_config(one_program_config("windows-server-archive", 3650))
    assert run.error is None, run.error
    provider = run.named("pulumi:providers:aws", "aws-archive-account")
    assert json.loads(provider.inputs["assumeRoles"]) == [
        {"roleArn": "arn:aws:iam::222222222222:role/archive-deployer"}
    ]
    vault = run.named("aws:backup/vault:Vault", "archive-vault")
    assert vault.provider.startswith(provider.urn)
    assert vault.outputs["arn"] == ARCHIVE_ARN
    assert vault.protect is True
    assert archive_destinations(run) == {ARCHIVE_ARN}
    assert run.outputs["archive_vault_arn"] == ARCHIVE_ARN


def test_one_program_mode_checks_copies_against_the_lock_it_deploys(run_config):
    config = one_program_config("arch", 300)
    run = run_config(config)
    assert "locked to keep recovery points at most 300 days" in str(run.error)
    assert run.resources == []


@pytest.mark.parametrize(
    "sources",
    [
        {"vault_arn": ARCHIVE_ARN, "stack_reference": "a/b/c"},
        {},
    ],
)
def test_exactly_one_way_to_find_the_archive(run_config, sources):
    config = prod_config()
    archive = config["windows-server-backup:archive"]
    del archive["vault_arn"]
    archive.update(sources)
    run = run_config(config)
    assert "give exactly one of vault_arn, stack_reference and deploy_here" in str(run.error)
    assert run.resources == []


# --- an air-gapped archive vault (copy C's storage tier is not confirmed there) ----------------------------

NS = "windows-server-backup:"
AIR_GAPPED_WARNING = (
    "archive.air_gapped: plan 'weekly-ebs-us-east-1' moves EBS volume copies in the archive vault to the EBS archive "
    "tier, and that vault is logically air-gapped: AWS does not confirm that a logically air-gapped vault moves them "
    "to the EBS archive tier, so this program counts copies there as warm"
)


def archive_tiers(run) -> list[tuple[str, str]]:
    judged = json.loads(run.outputs["three_two_one"])["weekly-ebs-us-east-1"]
    return [(c["rule"], c["tier"]) for c in judged["copies"] if c["account"] == "222222222222"]


def test_copies_in_an_air_gapped_archive_count_as_warm_with_a_warning(run_config):
    config = prod_config()
    config[NS + "archive"]["air_gapped"] = True
    run = run_config(config)
    assert run.error is None, run.error
    assert archive_tiers(run) == [("weekly", "warm"), ("monthly-archive", "warm")]
    judged = json.loads(run.outputs["three_two_one"])["weekly-ebs-us-east-1"]
    # The cold medium is still kept at home and in copy B, by a rule kept in 3 places.
    assert judged["meets_3_2_1"] is True
    assert judged["media_notes"] == [
        "EBS volume backups (snapshots): warm from rules 'weekly', 'monthly-archive'; cold from rule "
        "'monthly-archive', kept in 2 places, 1 off-site"
    ]
    [warning] = [w for w in run.warnings if w.startswith("archive.air_gapped")]
    assert warning.startswith(AIR_GAPPED_WARNING)
    # Boundary: a standard archive vault keeps the archive tier.
    standard = run_config(prod_config())
    assert archive_tiers(standard) == [("weekly", "warm"), ("monthly-archive", "cold")]
    assert not [w for w in standard.warnings if w.startswith("archive.air_gapped")]


def test_one_program_mode_knows_the_archive_is_air_gapped_from_the_vault_it_deploys(run_config):
    config = one_program_config("windows-server-archive", 3650)
    config[NS + "archive"]["deploy_here"]["vault"]["air_gapped"] = True
    run = run_config(config)
    assert run.error is None, run.error
    assert run.of_type("aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault")
    assert archive_tiers(run) == [("weekly", "warm"), ("monthly-archive", "warm")]
    assert any(w.startswith(AIR_GAPPED_WARNING) for w in run.warnings)
    # Saying otherwise next to the vault this stack deploys is refused.
    config[NS + "archive"]["air_gapped"] = False
    refused = run_config(config)
    assert "archive.air_gapped" in str(refused.error)
    assert "deploy_here.vault.air_gapped is true, and this stack deploys that vault" in str(refused.error)
