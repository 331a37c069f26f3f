"""README, "Adding a region": copy a stack file, set ``aws:region``, and edit what the warnings name.

The copy is made from the ``prod-east`` fixture exactly as the README says (the file's text with
its ``aws:region`` line changed). Its warnings must name every key that still holds a name of the
other region, above all ``cross_region.vault_name``: left as it is, the copy would create a copy
vault (and its key alias) that the stack it was copied from already keeps in the same account and
region. Once the keys the warnings name are edited, the new stack runs without a warning and
shares no vault name, key alias or role name with the stack it was copied from.
"""

from __future__ import annotations

from pathlib import Path

import yaml
from conftest import FIXTURES_DIR, fixture_project
from test_config_validation import _walk

from components.rules import regions_named_in
from offline import OfflineRun, run_offline

NEW_STACK = "prod-eu-west-1"
#: Resources whose names must be unique per account and region (IAM roles: per account).
NAMED_TYPES = ("aws:backup/vault:Vault", "aws:kms/alias:Alias", "aws:backup/plan:Plan")


def copied_stack(folder: Path) -> Path:
    """Step 1: ``cp Pulumi.prod-east.yaml Pulumi.prod-eu-west-1.yaml`` and set ``aws:region: eu-west-1``."""
    text = (FIXTURES_DIR / "Pulumi.prod-east.yaml").read_text()
    assert text.count("aws:region: us-east-1\n") == 1
    path = fixture_project(folder) / f"Pulumi.{NEW_STACK}.yaml"
    path.write_text(text.replace("aws:region: us-east-1\n", "aws:region: eu-west-1\n"))
    return path


def warned_keys(run: OfflineRun) -> list[str]:
    return [warning.split(":", 1)[0] for warning in run.warnings]


def placed_names(run: OfflineRun) -> set[tuple[str, str, str, str]]:
    """(type, account, region, name) of every resource whose name AWS keeps unique there."""
    placed = set()
    for resource in run.resources:
        arn = str(resource.outputs.get("arn", ""))
        if resource.type in NAMED_TYPES and arn.startswith("arn:"):
            region, account = arn.split(":")[3:5]
            placed.add((resource.type, account, region, str(resource.inputs["name"])))
    return placed


def test_the_warnings_of_a_copied_stack_file_name_every_key_to_edit(tmp_path: Path, fixture_run):
    path = copied_stack(tmp_path)
    run = run_offline(path.parent, NEW_STACK)

    assert run.error is None
    assert warned_keys(run) == ["vault.name", "cross_region.vault_name", "plans[0].name", "plans[1].name"]
    assert run.warnings[1] == (
        "cross_region.vault_name: 'backup-copies-from-us-east-1' names region us-east-1 but this stack deploys to "
        "eu-west-1; if the stack file was copied from the stack of us-east-1, that stack already keeps a vault of "
        "this name (and its key alias) in us-west-2, and `pulumi up` fails there (vault names are unique per "
        "account and region): name it for this stack, e.g. 'backup-copies-from-eu-west-1', or leave it out for the "
        "default 'backup-copies-from-eu-west-1'"
    )
    # What the warning prevents: left as it is, the copy creates what prod-east already has.
    clashes = placed_names(run) & placed_names(fixture_run("prod-east"))
    assert clashes == {
        ("aws:backup/vault:Vault", "111111111111", "us-west-2", "backup-copies-from-us-east-1"),
        ("aws:kms/alias:Alias", "111111111111", "us-west-2", "alias/backup-copies-from-us-east-1"),
    }


def test_after_editing_the_keys_the_warnings_name_the_copy_runs_clean_and_clashes_with_nothing(
    tmp_path: Path, fixture_run
):
    path = copied_stack(tmp_path)
    stack_file = yaml.safe_load(path.read_text())
    for key in warned_keys(run_offline(path.parent, NEW_STACK)):
        container, last = _walk(stack_file["config"], key)
        container[last] = container[last].replace("us-east-1", "eu-west-1")
    path.write_text(yaml.safe_dump(stack_file, sort_keys=False))

    run = run_offline(path.parent, NEW_STACK)

    assert (run.error, run.warnings) == (None, [])
    assert placed_names(run) & placed_names(fixture_run("prod-east")) == set()
    names = [str(r.inputs.get("name", "")) for r in run.resources if r.type in NAMED_TYPES]
    assert {region for name in names for region in regions_named_in(name)} == {"eu-west-1"}


def test_leaving_the_copy_vaults_name_out_names_it_for_the_stacks_region(tmp_path: Path):
    path = copied_stack(tmp_path)
    text = path.read_text()
    assert text.count("    vault_name: backup-copies-from-us-east-1\n") == 1
    path.write_text(text.replace("    vault_name: backup-copies-from-us-east-1\n", ""))

    run = run_offline(path.parent, NEW_STACK)

    assert "cross_region.vault_name" not in warned_keys(run)
    copy_vaults = [v for v in run.of_type("aws:backup/vault:Vault") if ":us-west-2:" in v.outputs["arn"]]
    assert [v.inputs["name"] for v in copy_vaults] == ["backup-copies-from-eu-west-1"]
