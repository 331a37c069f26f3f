"""`python -m offline compare`: what a pull request changes, and the changes that lose backups.

The end-to-end tests compare copies of this repository whose stack files are the fixture stacks
(one copy edited as a pull request would edit it); each side runs in its own process, as in CI. The rules themselves are also tested on
hand-written run documents, one rule at a time.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES_DIR, seed_config

from offline.__main__ import main
from offline.compare import DANGER_EXIT, Side, diff_sides, render_comparison
from offline.stack_files import stack_names

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROJECT = "windows-server-backup"
IGNORE = shutil.ignore_patterns(".venv", "venv", ".git", "__pycache__", ".pytest_cache", ".mypy_cache", ".ruff_cache")

DEV = "urn:pulumi:seed::windows-server-backup::"
VAULT_URN = DEV + "windows-server-backup:index:BackupVault$aws:backup/vault:Vault::backup-vault"
EBS_PLAN_URNS = [
    DEV + "windows-server-backup:index:BackupPlan$aws:backup/plan:Plan::backup-weekly-ebs-us-east-1",
    DEV + "windows-server-backup:index:BackupPlan$windows-server-backup:index:BackupSelection::"
    "backup-weekly-ebs-us-east-1-weekly-ebs-us-east-1",
    DEV + "windows-server-backup:index:BackupSelection$aws:backup/selection:Selection::"
    "backup-weekly-ebs-us-east-1-weekly-ebs-us-east-1",
    DEV + "windows-server-backup:index:WindowsServerBackup$windows-server-backup:index:BackupPlan::"
    "backup-weekly-ebs-us-east-1",
]
PROTECTED = " It is protected, so `pulumi up` stops at it until the protection is lifted."
HEADER = [
    "# Offline comparison with the base branch",
    "",
]
FOOTNOTE = (
    "_Both sides ran offline (the real program against Pulumi's mock engine, no AWS); "
    "`pulumi preview` below has the last word._"
)


def copy_project(destination: Path) -> Path:
    """A copy of this repository's files, without virtualenvs, git data and caches, whose stacks are
    the fixture stacks (the shipped stack files are the user's)."""
    shutil.copytree(PROJECT_DIR, destination, ignore=IGNORE)
    for shipped in destination.glob("Pulumi.*.yaml"):
        shipped.unlink()
    for fixture in FIXTURES_DIR.glob("Pulumi.*.yaml"):
        shutil.copy(fixture, destination / fixture.name)
    return destination


@pytest.fixture(scope="module")
def base(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The base of the pull request: the repository as it is (never edited by a test)."""
    return copy_project(tmp_path_factory.mktemp("compare") / "base")


@pytest.fixture
def head(tmp_path: Path) -> Path:
    """The head of the pull request: a copy each test edits."""
    return copy_project(tmp_path / "head")


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name} no longer holds {old!r} exactly once"
    path.write_text(text.replace(old, new))


def compare(capsys: pytest.CaptureFixture[str], base: Path, head: Path, *stacks: str) -> tuple[int, str]:
    status = main(["compare", "--base", str(base), "--head", str(head), *stacks])
    return status, capsys.readouterr().out


# --- end to end, on copies of the repository ------------------------------------------------


def test_unchanged_checkouts_report_no_changes_for_every_stack(capsys, base, head):
    status, out = compare(capsys, base, head)

    sections = []
    for stack in stack_names(FIXTURES_DIR):
        sections += [f"## Stack `{stack}`", "", "No changes.", ""]
    expected = HEADER + ["No change deletes or replaces a backup vault or a KMS key.", "", FOOTNOTE, "", *sections]
    assert status == 0
    assert out == "\n".join(expected).rstrip() + "\n"
    assert len(sections) == 4 * 4  # archive, prod-east, prod-west, seed


def test_renaming_the_seed_vault_in_the_stack_file_is_a_danger(capsys, base, head):
    replace_once(head / "Pulumi.seed.yaml", "name: backup-vault-us-east-1", "name: backup-vault-renamed")

    status, out = compare(capsys, base, head, "seed")

    assert status == DANGER_EXIT == 3
    assert "**DANGER: 1 change would delete or replace a backup vault or a KMS key.**" in out
    assert (
        "- :rotating_light: **DANGER**: `backup-vault` would be REPLACED (deleted and created anew): "
        "`name` changes from `backup-vault-us-east-1` to `backup-vault-renamed`. "
        "It is a backup vault: its recovery points go with it." + PROTECTED
    ) in out.splitlines()
    assert f"- `{VAULT_URN}`: inputs `name`" in out.splitlines()
    assert "**Added" not in out and "**Removed" not in out


def test_removing_a_plan_lists_its_resources_as_removed(capsys, base, head):
    stack_file = head / "Pulumi.seed.yaml"
    document = yaml.safe_load(stack_file.read_text())
    plans = document["config"][f"{PROJECT}:plans"]
    document["config"][f"{PROJECT}:plans"] = [plan for plan in plans if plan["name"] != "weekly-ebs-us-east-1"]
    assert len(document["config"][f"{PROJECT}:plans"]) == len(plans) - 1
    stack_file.write_text(yaml.safe_dump(document))

    status, out = compare(capsys, base, head, "seed")

    assert status == 0
    lines = out.splitlines()
    start = lines.index("**Removed (4)**")
    assert lines[start : start + 6] == ["**Removed (4)**", "", *[f"- `{urn}`" for urn in EBS_PLAN_URNS]]
    assert "DANGER" not in out and "**Added" not in out


def test_a_code_change_that_renames_the_vault_is_caught_from_the_heads_own_components(capsys, base, head):
    # Same stack files on both sides: only the head's components package names the vault
    # differently, so this is flagged only if the head side really imports its own package.
    replace_once(head / "components" / "backup_stack.py", 'BackupVault(f"{name}-vault"', 'BackupVault(f"{name}-safe"')

    status, out = compare(capsys, base, head, "seed")

    new_urn = VAULT_URN.replace("::backup-vault", "::backup-safe")
    assert status == 3
    assert (
        f"- :rotating_light: **DANGER**: `backup-vault` would be REPLACED: its URN changes from `{VAULT_URN}` to "
        f"`{new_urn}` (renamed or re-parented without an alias), so Pulumi deletes the old one and creates a new "
        "one. It is a backup vault: its recovery points go with it. Add `aliases=[...]` with the old URN to keep it."
        + PROTECTED
    ) in out.splitlines()
    assert "**DANGER: 1 change would" in out


def test_a_new_stack_is_all_added(capsys, base, head, fixture_run):
    shutil.copy(head / "Pulumi.seed.yaml", head / "Pulumi.qa.yaml")

    status, out = compare(capsys, base, head, "qa")

    assert status == 0
    assert "New stack: the base has no stack file, so everything below is added." in out
    assert f"<summary>Added ({len(fixture_run('seed').resources)})</summary>" in out
    assert f"- `{VAULT_URN.replace('urn:pulumi:seed::', 'urn:pulumi:qa::')}`" in out


def test_a_head_that_does_not_run_is_reported_and_exits_1(capsys, base, head):
    replace_once(head / "Pulumi.seed.yaml", "name: backup-vault-us-east-1", "name: backup vault!")

    status, out = compare(capsys, base, head, "seed")

    assert status == 1
    assert "Not compared (a side could not be run): `seed`." in out
    assert "**The head side could not be run**, so this stack was not compared:" in out
    assert "Pulumi.seed.yaml:" in out and "vault.name" in out
    assert "No changes." not in out


def test_folders_without_a_project_and_unknown_stacks_exit_2(capsys, base, tmp_path):
    assert main(["compare", "--base", str(base), "--head", str(tmp_path)]) == 2
    assert main(["compare", "--base", str(base), "--head", str(base), "nope"]) == 2
    err = capsys.readouterr().err
    assert f"the head folder {tmp_path} has no Pulumi.yaml" in err
    assert "no stack file for nope on either side (stacks: archive, prod-east, prod-west, seed)" in err


def test_json_format_is_the_protocol_compare_reads(capsys):
    assert main(["seed", "--format", "json", "--project-dir", str(FIXTURES_DIR)]) == 0
    document = json.loads(capsys.readouterr().out)

    assert (document["project"], document["stack"], document["region"], document["error"]) == (
        PROJECT,
        "seed",
        "us-east-1",
        None,
    )
    vault = next(r for r in document["registrations"] if r["urn"] == VAULT_URN)
    assert (vault["type"], vault["name"], vault["custom"], vault["protect"], vault["provider"]) == (
        "aws:backup/vault:Vault",
        "backup-vault",
        True,
        True,
        "",
    )
    assert vault["inputs"]["name"] == "backup-vault-us-east-1"
    assert vault["inputs"]["forceDestroy"] is False
    plan = next(r for r in document["registrations"] if r["urn"] == EBS_PLAN_URNS[0])
    # Protobuf numbers come back as whole numbers, so both sides compare equal to their config.
    assert type(plan["inputs"]["rules"][0]["startWindow"]) is int
    assert plan["inputs"]["rules"][0]["startWindow"] == 60
    assert document["registrations"][0]["type"] == "pulumi:pulumi:Stack"


def test_json_format_of_a_wrong_config_carries_the_error(capsys, tmp_path):
    (tmp_path / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": PROJECT, "runtime": "python", "main": str(PROJECT_DIR)})
    )
    config = {"config": seed_config()}
    config["config"][f"{PROJECT}:vault"]["name"] = "a"
    (tmp_path / "Pulumi.broken.yaml").write_text(yaml.safe_dump(config))

    assert main(["broken", "--format", "json", "--project-dir", str(tmp_path)]) == 1
    document = json.loads(capsys.readouterr().out)
    assert document["stack"] == "broken"
    assert document["error"].startswith("Pulumi.broken.yaml: 1 problem under 'windows-server-backup:'")
    assert [r["type"] for r in document["registrations"]] == ["pulumi:pulumi:Stack"]


# --- the rules, on hand-written documents ------------------------------------------------


KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/1111"
OTHER_KEY_ARN = "arn:aws:kms:us-east-1:123456789012:key/2222"
STACK = "urn:pulumi:dev::p::pulumi:pulumi:Stack::p-dev"


def resource(type_: str, name: str, inputs: dict[str, Any], **options: Any) -> dict[str, Any]:
    parent_type = options.pop("parent_type", "p:index:Backup")
    return {
        "type": type_,
        "name": name,
        "urn": options.pop("urn", f"urn:pulumi:dev::p::{parent_type}${type_}::{name}"),
        "parent": options.pop("parent", f"urn:pulumi:dev::p::{parent_type}::backup"),
        "custom": True,
        "protect": options.pop("protect", True),
        "retain_on_delete": False,
        "provider": options.pop("provider", ""),
        "inputs": inputs,
        "id": name,
        "outputs": options.pop("outputs", {}),
        **options,
    }


def side(label: str, *resources: dict[str, Any], region: str = "us-east-1") -> Side:
    stack = {"type": "pulumi:pulumi:Stack", "name": "p-dev", "urn": STACK, "parent": "", "provider": "", "inputs": {}}
    return Side(label, True, {"stack": "dev", "region": region, "registrations": [stack, *resources], "error": None})


def vault(**inputs: Any) -> dict[str, Any]:
    return resource(
        "aws:backup/vault:Vault", "vault", {"name": "v", "kmsKeyArn": KEY_ARN, "forceDestroy": False, **inputs}
    )


def key(**inputs: Any) -> dict[str, Any]:
    return resource("aws:kms/key:Key", "vault-key", {"enableKeyRotation": True, **inputs}, outputs={"arn": KEY_ARN})


def messages(before: Side, after: Side) -> list[str]:
    return [d.message for d in diff_sides("dev", before, after).dangers]


def test_a_new_kms_key_for_a_vault_replaces_it():
    found = messages(side("base", vault()), side("head", vault(kmsKeyArn=OTHER_KEY_ARN)))
    assert found == [
        "`vault` would be REPLACED (deleted and created anew): `kmsKeyArn` changes from "
        f"`{KEY_ARN}` to `{OTHER_KEY_ARN}`. It is a backup vault: its recovery points go with it." + PROTECTED
    ]


@pytest.mark.parametrize(
    ("field", "old", "new"),
    [
        ("customerMasterKeySpec", "SYMMETRIC_DEFAULT", "RSA_2048"),
        ("multiRegion", False, True),
        ("keyUsage", "ENCRYPT_DECRYPT", "SIGN_VERIFY"),
    ],
)
def test_a_replace_forcing_key_input_is_a_danger_naming_the_vault_it_encrypts(field, old, new):
    def shown(value: Any) -> str:
        return value if isinstance(value, str) else json.dumps(value)

    found = messages(side("base", key(**{field: old}), vault()), side("head", key(**{field: new}), vault()))
    assert found == [
        f"`vault-key` would be REPLACED (deleted and created anew): `{field}` changes from "
        f"`{shown(old)}` to `{shown(new)}`. "
        "It is a KMS key that encrypts vault `v`: its recovery points could no longer be restored." + PROTECTED
    ]


def test_changes_an_update_can_make_are_not_dangers():
    diff = diff_sides(
        "dev",
        side("base", key(description="a", enableKeyRotation=False), vault(tags={"a": "1"})),
        side("head", key(description="b", enableKeyRotation=True), vault(tags={"a": "2"})),
    )
    assert diff.dangers == []
    assert [(c.name, c.inputs, c.options) for c in sorted(diff.changed, key=lambda c: c.name)] == [
        ("vault", ["tags"], []),
        ("vault-key", ["description", "enableKeyRotation"], []),
    ]


def test_air_gapped_vault_retention_bounds_force_a_replacement():
    lag = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
    found = messages(
        side("base", resource(lag, "archive", {"name": "a", "minRetentionDays": 7, "maxRetentionDays": 365})),
        side("head", resource(lag, "archive", {"name": "a", "minRetentionDays": 30, "maxRetentionDays": 365})),
    )
    assert found == [
        "`archive` would be REPLACED (deleted and created anew): `minRetentionDays` changes from `7` to `30`. "
        "It is a logically air-gapped vault: its recovery points go with it." + PROTECTED
    ]


def test_moving_a_vault_to_a_provider_in_another_region_replaces_it():
    provider_urn = "urn:pulumi:dev::p::pulumi:providers:aws::west"
    west = resource("pulumi:providers:aws", "west", {"region": "us-west-2"}, urn=provider_urn, parent=STACK)
    unprotected = vault() | {"protect": False}
    moved = unprotected | {"provider": f"{provider_urn}::0000"}
    diff = diff_sides("dev", side("base", west, unprotected), side("head", west, moved))
    assert [d.message for d in diff.dangers] == [
        "`vault` would be REPLACED: it moves from region `us-east-1` to `us-west-2`. "
        "It is a backup vault: its recovery points go with it."
    ]
    assert [c.options for c in diff.changed] == [[f"provider: default → {provider_urn}"]]


def test_a_removed_key_that_encrypts_no_vault_is_still_a_danger():
    found = messages(side("base", key(), vault(kmsKeyArn=OTHER_KEY_ARN)), side("head", vault(kmsKeyArn=OTHER_KEY_ARN)))
    assert found == [
        "`vault-key` would be DELETED: it is no longer declared. "
        "It is a KMS key: whatever it encrypted could no longer be decrypted." + PROTECTED
    ]


def test_a_vault_moved_with_an_alias_is_a_change_not_a_danger():
    old = vault()
    new = vault() | {
        "urn": old["urn"].replace("::vault", "::archive-vault"),
        "name": "archive-vault",
        "aliases": [old["urn"]],
    }
    diff = diff_sides("dev", side("base", old), side("head", new))
    assert diff.dangers == [] and diff.added == [] and diff.removed == []
    assert [(c.urn, c.inputs, c.options) for c in diff.changed] == [
        (new["urn"], [], [f"moved from `{old['urn']}` (alias)"])
    ]


def test_lifting_protection_is_listed_but_is_not_itself_a_danger():
    diff = diff_sides("dev", side("base", vault()), side("head", vault() | {"protect": False}))
    assert diff.dangers == []
    assert [c.options for c in diff.changed] == [["protect: true → false"]]


def test_other_resources_may_come_and_go_without_danger():
    plan = resource("aws:backup/plan:Plan", "plan", {"name": "weekly"}, protect=False)
    renamed = resource("aws:backup/plan:Plan", "plan", {"name": "daily"}, protect=False)
    diff = diff_sides("dev", side("base", plan, vault()), side("head", renamed, vault()))
    assert diff.dangers == []
    lines = render_comparison([diff]).splitlines()
    assert lines[lines.index("**Changed (1)**") :] == ["**Changed (1)**", "", f"- `{plan['urn']}`: inputs `name`"]
    assert not any("DANGER" in line for line in lines)


def test_the_comparison_says_when_nothing_is_dangerous_or_when_a_side_failed():
    quiet = diff_sides("dev", side("base", vault()), side("head", vault()))
    broken = diff_sides("prod", side("base", vault()), Side("head", True, None, "exit status 1\nTraceback ..."))
    assert render_comparison([quiet]).splitlines()[2] == "No change deletes or replaces a backup vault or a KMS key."
    text = render_comparison([quiet, broken]).splitlines()
    assert text[2] == "Not compared (a side could not be run): `prod`."
    assert text[text.index("**The head side could not be run**, so this stack was not compared:") + 2 :][:4] == [
        "```text",
        "exit status 1",
        "Traceback ...",
        "```",
    ]
