"""The offline engine records what compare and the reviews rely on: aliases and providers."""

from __future__ import annotations

import pulumi

from components import BackupVault

KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"


def test_aliases_are_recorded_as_full_urns(run_components):
    def program():
        BackupVault(
            "renamed",
            {"name": "my-vault", "kms_key_arn": KEY_ARN, "deny_deletions": False},
            pulumi.ResourceOptions(aliases=[pulumi.Alias(name="original")]),
        )

    run = run_components(program)
    component = run.named("windows-server-backup:index:BackupVault", "renamed")
    # The old URN is the new one with the old name: same type chain, same parent.
    assert component.urn.endswith("windows-server-backup:index:BackupVault::renamed")
    assert component.aliases == [component.urn.removesuffix("::renamed") + "::original"]
    assert run.named("aws:backup/vault:Vault", "renamed").aliases == []


def test_a_registration_without_aliases_has_none(run_components):
    run = run_components(lambda: BackupVault("v", {"name": "v-vault", "kms_key_arn": KEY_ARN}))
    assert all(r.aliases == [] for r in run.registrations)
