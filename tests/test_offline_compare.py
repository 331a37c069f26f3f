"""`python -m offline compare`: what a pull request changes, value by value, and what it risks.

The end-to-end tests compare copies of this repository whose stack files are the fixture stacks
(one copy edited as a pull request would edit it). In CI each side runs in its own process; here
a side whose program is this repository's own code runs in this process instead (the same
command, its output read the same way: a test holds the two to the same document), and a side
whose code a test edited keeps its own process. One test runs the whole command line as CI does.
The rules that judge a change are tested one at a time on hand-written run documents, here for
vaults and keys and in test_offline_risk.py for the rest.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES_DIR, seed_config
from run_documents import (
    KEY_ARN,
    OTHER_KEY_ARN,
    PROTECTED,
    STACK,
    compared,
    key,
    messages,
    resource,
    side,
    vault,
)

import components  # noqa: F401  (from this repository: a side run here must not import a copy's)
import offline.compare
import stack_config  # noqa: F401  (likewise)
from offline.__main__ import main
from offline.compare import DANGER_EXIT, Side, diff_sides, run_side, side_arguments, side_of
from offline.review import TITLE, render_review
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


#: What a side's program is made of: the entry point and the packages it imports from its folder.
PROGRAM_CODE = ("__main__.py", "components", "stack_config")


def program_code(folder: Path) -> dict[str, bytes]:
    """Every file of the program in ``folder`` (code and the assets it packages, such as the restore
    validation's PowerShell), by path relative to it; bytecode caches aside."""
    files = [folder / "__main__.py"]
    for package in PROGRAM_CODE[1:]:
        files += sorted(
            path for path in (folder / package).rglob("*") if path.is_file() and "__pycache__" not in path.parts
        )
    return {path.relative_to(folder).as_posix(): path.read_bytes() for path in files}


OWN_CODE = program_code(PROJECT_DIR)
#: One side at a time in this process: a run sets process-wide state (sys.path, the stack's logger, stdout).
_ONE_SIDE = threading.Lock()


def side_in_this_process(label: str, project_dir: Path, stack: str, python: str = sys.executable) -> Side:
    """``run_side``, in this process when the side's program is this repository's code (it is already
    imported); in its own process when a test edited that code."""
    if not (project_dir / f"Pulumi.{stack}.yaml").is_file() or program_code(project_dir) != OWN_CODE:
        return run_side(label, project_dir, stack, python)
    out, err = io.StringIO(), io.StringIO()
    with _ONE_SIDE, contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        status = main(side_arguments(project_dir, stack))
    return side_of(label, out.getvalue(), err.getvalue(), status)


@pytest.fixture(autouse=True)
def sides_in_this_process(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(offline.compare, "run_side", side_in_this_process)


def in_urn_order(side: Side) -> Side:
    """The side with its registrations by URN: compare pairs them by URN, and the mock engine
    answers registrations in threads, so their order varies from run to run."""
    if side.document is not None:
        side.document["registrations"].sort(key=lambda registration: registration["urn"])
    return side


def test_a_side_run_here_is_the_side_its_own_process_prints(base, head):
    replace_once(head / "Pulumi.prod-east.yaml", "name: backup-vault-us-east-1", "name: backup vault!")

    here, own_process = side_in_this_process("base", base, "prod-east"), run_side("base", base, "prod-east")
    assert in_urn_order(here) == in_urn_order(own_process)
    assert here.document is not None and len(here.document["registrations"]) > 50 and here.failure is None
    here, own_process = side_in_this_process("head", head, "prod-east"), run_side("head", head, "prod-east")
    assert here == own_process
    assert here.document is not None and "vault.name" in str(here.failure)
    assert side_in_this_process("base", base, "nope") == run_side("base", base, "nope") == Side("base", present=False)


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text()
    assert text.count(old) == 1, f"{path.name} no longer holds {old!r} exactly once"
    path.write_text(text.replace(old, new))


def compare(capsys: pytest.CaptureFixture[str], base: Path, head: Path, *stacks: str) -> tuple[int, str]:
    status = main(["compare", "--base", str(base), "--head", str(head), *stacks])
    return status, capsys.readouterr().out


# --- end to end, on copies of the repository ------------------------------------------------


def test_unchanged_checkouts_say_no_changes_and_nothing_else(capsys, base, head):
    status, out = compare(capsys, base, head)

    stacks = ", ".join(f"`{stack}`" for stack in stack_names(FIXTURES_DIR))
    assert status == 0
    assert out == f"{TITLE}\n\nNo changes ({stacks}).\n"
    assert stack_names(FIXTURES_DIR) == ["archive", "org", "prod-east", "prod-west", "seed"]


def edit_config(path: Path, edit: Any) -> None:
    """Edit a stack file's ``config`` the way a pull request would (``edit`` changes it in place)."""
    document = yaml.safe_load(path.read_text())
    edit(document["config"])
    path.write_text(yaml.safe_dump(document))


def cut_retention_and_drop_the_archive_copy(config: dict[str, Any]) -> None:
    for entry in config[f"{PROJECT}:plans"]:
        entry["rules"][0]["delete_after_days"] = 14
    del config[f"{PROJECT}:archive"]


def test_a_pull_request_that_cuts_retention_and_drops_the_archive_copy_is_warned_in_plain_words(base, head):
    # One run of the command line itself, as CI runs it.
    edit_config(head / "Pulumi.prod-east.yaml", cut_retention_and_drop_the_archive_copy)

    done = subprocess.run(
        [sys.executable, "-m", "offline", "compare", "--base", str(base), "--head", str(head), "prod-east"],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
        check=False,
    )

    assert (done.returncode, done.stderr) == (0, "")  # warnings are not a DANGER
    lines = done.stdout.splitlines()
    archive = "vault `windows-server-archive` (account 222222222222, us-east-1)"
    west = "vault `backup-copies-from-us-east-1` (account 111111111111, us-west-2)"
    cut = (
        "keeps new recovery points 14 days instead of 35 days (`lifecycle.deleteAfter: 35 → 14`): a restore can "
        "reach back only 14 days (recovery points made before the change keep their retention)."
    )
    dropped = f"no longer copies to {archive} (kept 365 days): new recovery points have one copy fewer, and none there."
    volumes, windows = "weekly-ebs-us-east-1", "windows-weekly-ec2-vss-us-east-1"
    warnings = [
        "- **`prod-east`** · audit framework `backup-audit-framework` no longer checks "
        "`BACKUP_RESOURCES_PROTECTED_BY_CROSS_ACCOUNT`: no audit evidence of that any more.",
        # by plan, rule, then verdict; the volume plan's monthly-archive rule keeps its retention
        f"- **`prod-east`** · retention shortened: rule `weekly` of plan `{volumes}` {cut}",
        f"- **`prod-east`** · retention shortened: rule `weekly` of plan `{volumes}` keeps its copies in {west} 14 "
        "days instead of 35 days.",
        f"- **`prod-east`** · copy removed: rule `weekly` of plan `{volumes}` {dropped}",
        f"- **`prod-east`** · copy removed: rule `monthly-archive` of plan `{volumes}` {dropped}",
        f"- **`prod-east`** · 3-2-1 weakened for plan `{volumes}`: 3-2-1 is no longer met: 3 copies? no: no rule "
        "keeps its recovery points in 3 places (weekly: 2, monthly-archive: 2), and a recovery point exists only "
        "where its own rule keeps it: copy one rule's backups to another region and another account.",
        f"- **`prod-east`** · retention shortened: plan `{windows}` {cut}",
        f"- **`prod-east`** · retention shortened: plan `{windows}` keeps its copies in {west} 14 days instead of "
        "35 days.",
        f"- **`prod-east`** · copy removed: plan `{windows}` {dropped}",
        # The Windows VSS plan did not meet 3-2-1 before (its AMIs stay warm): it loses a copy.
        f"- **`prod-east`** · 3-2-1 weakened for plan `{windows}`: copies 3 → 2.",
    ]
    assert lines[:5] == [
        TITLE,
        "",
        "> [!WARNING]",
        "> **10 changes would weaken the protection of the backups.** Each says what is lost.",
        "",
    ]
    start = lines.index("### :warning: WARNING (10)")
    assert lines[start : start + 13] == ["### :warning: WARNING (10)", "", *warnings, ""]
    # The values, in the folded details: old and new, by path.
    assert f"  - `rules[{windows}].lifecycle.deleteAfter`: `35` → `14`" in lines
    assert (
        "  - `rules[monthly-archive].copyActions[arn:aws:backup:us-east-1:222222222222:backup-vault:"
        'windows-server-archive]`: removed `{"lifecycle": {"coldStorageAfter": 30, "deleteAfter": 365, '
        '"optInToArchiveForSupportedResources": true}}`'
    ) in lines
    # The diagram marks the shortened copies and the dropped archive copies, per rule.
    assert (
        '  v0 -->|"monthly-archive: 120 days, cold<br/>weekly: changed 35 → 14 days<br/>'
        f'{windows}: changed 35 → 14 days"| v1'
    ) in lines
    assert (
        '  v0 -.->|"removed (was monthly-archive: 365 days, cold<br/>weekly: 365 days, warm<br/>'
        f'{windows}: 365 days, warm)"| v2'
    ) in lines
    assert '      v2[("windows-server-archive<br/>removed")]' in lines
    out = done.stdout
    assert "DANGER" not in out
    assert out.index("### :warning: WARNING") < out.index("**Plain changes**") < out.index("## Stack `prod-east`")
    assert out.index("## Stack `prod-east`") < out.index("<details>")


def test_narrowing_a_selection_is_a_warning_that_names_what_is_no_longer_backed_up(capsys, base, head):
    def narrow(config: dict[str, Any]) -> None:
        plans = config[f"{PROJECT}:plans"]
        ebs = next(p for p in plans if p["name"] == "weekly-ebs-us-east-1")
        ebs["selections"][0]["tags"] = {"alk:backup": "weekly-ebs-critical"}

    edit_config(head / "Pulumi.seed.yaml", narrow)

    status, out = compare(capsys, base, head, "seed")

    assert status == 0
    assert (
        "- **`seed`** · backup selection `backup-weekly-ebs-us-east-1-weekly-ebs-us-east-1` of plan "
        "`weekly-ebs-us-east-1` is narrowed: it no longer selects resources tagged `alk:backup=weekly-ebs`, and no "
        "other selection of this stack does, so they are no longer backed up."
    ) in out.splitlines()
    assert "### :warning: WARNING (1)" in out and "DANGER" not in out
    assert "  - `selectionTags[alk:backup].value`: `weekly-ebs` → `weekly-ebs-critical`" in out.splitlines()


def test_removing_notifications_audit_and_restore_testing_is_one_warning_each_and_no_danger(capsys, base, head):
    def remove(config: dict[str, Any]) -> None:
        for section in ("notifications", "audit", "restore_testing"):
            del config[f"{PROJECT}:{section}"]

    edit_config(head / "Pulumi.prod-east.yaml", remove)

    status, out = compare(capsys, base, head, "prod-east")

    # The notification topic's key encrypts no vault: it goes with the notifications, no DANGER.
    assert status == 0 and "DANGER" not in out
    lines = out.splitlines()
    start = lines.index("### :warning: WARNING (3)")
    assert lines[start + 2 : start + 5] == [
        "- **`prod-east`** · component `backup-audit` (BackupAudit) is removed, and with it audit framework "
        "`backup-audit-framework` and 4 audit report plans: audit evidence stops: no control judges the backups any "
        "more; audit reports are no longer delivered.",
        "- **`prod-east`** · component `backup-notifications` (BackupNotifications) is removed, and with it vault "
        "notifications `backup-notifications-vault-events`, 2 EventBridge rules and notification subscription "
        "`backup-notifications-email-0`: the vault's events are no longer sent to anyone; EventBridge no longer acts "
        "on EC2 backup jobs completed with issues (Windows VSS fell back to crash-consistent); EventBridge no longer "
        "acts on AWS Backup jobs that failed, were aborted or expired (no recovery point made); "
        "`backup-alerts@example.com` is no longer notified.",
        "- **`prod-east`** · component `backup-restore-testing` (WindowsRestoreTesting) is removed, and with it "
        "restore testing plan `backup-restore-testing-plan`, restore testing selection "
        "`backup-restore-testing-selection` and EventBridge rule `backup-restore-testing-validation-trigger`: restore "
        "testing stops: nothing proves any more that the backups restore; EventBridge no longer acts on an EC2 "
        "restore job of the restore testing plan completed: validate the restored instance.",
    ]
    # Everything removed belongs to a component a warning is about: no plain removal is left.
    assert "**Plain changes**" not in out
    assert (
        "- KMS key `backup-notifications-key` (`aws:kms/key:Key`): `description: Encrypts the AWS Backup notification topic backup-notifications`"
        in lines
    )


def test_renaming_a_plan_while_cutting_its_retention_is_warned_as_a_cut(capsys, base, head):
    def rename_and_cut(config: dict[str, Any]) -> None:
        ebs = next(p for p in config[f"{PROJECT}:plans"] if p["name"] == "weekly-ebs-us-east-1")
        ebs["name"] = "weekly-ebs"
        ebs["rules"][0]["delete_after_days"] = 7

    edit_config(head / "Pulumi.seed.yaml", rename_and_cut)

    status, out = compare(capsys, base, head, "seed")

    # The renamed plan's selection selects what the old one did: nothing is lost but retention.
    assert status == 0 and "DANGER" not in out
    assert "### :warning: WARNING (1)" in out
    assert (
        "- **`seed`** · retention shortened: plan `weekly-ebs` (renamed from `weekly-ebs-us-east-1`) keeps new "
        "recovery points 7 days instead of 30 days (`lifecycle.deleteAfter: 30 → 7`): a restore can reach back only "
        "7 days (recovery points made before the change keep their retention)."
    ) in out.splitlines()


def test_a_pull_request_that_only_adds_a_plan_gets_no_warning(capsys, base, head):
    def add_plan(config: dict[str, Any]) -> None:
        config[f"{PROJECT}:plans"].append(
            {
                "name": "daily-ebs-us-east-1",
                "rules": [{"schedule": "cron(0 3 * * ? *)", "delete_after_days": 7}],
                "selections": [{"tags": {"alk:backup": "daily-ebs"}}],
            }
        )

    edit_config(head / "Pulumi.seed.yaml", add_plan)

    status, out = compare(capsys, base, head, "seed")

    assert status == 0
    assert "WARNING" not in out and "DANGER" not in out
    lines = out.splitlines()
    assert lines[2] == "No change loses backups or weakens their protection."
    assert "**Plain changes** (resources with no finding): `seed`: 0 changed, 4 added, 0 removed." in lines
    assert (
        "- backup plan `backup-daily-ebs-us-east-1` (`aws:backup/plan:Plan`): `name: daily-ebs-us-east-1`; "
        "`rules: daily-ebs-us-east-1 (cron(0 3 * * ? *), kept 7 days)`"
    ) in lines


def test_renaming_the_seed_vault_in_the_stack_file_is_a_danger(capsys, base, head):
    replace_once(head / "Pulumi.seed.yaml", "name: backup-vault-us-east-1", "name: backup-vault-renamed")

    status, out = compare(capsys, base, head, "seed")

    assert status == DANGER_EXIT == 3
    assert "> **DANGER: 1 change would lose backups** (a vault or its key deleted or replaced" in out
    assert (
        "- **`seed`** · `backup-vault` would be REPLACED (deleted and created anew): "
        "`name` changes from `backup-vault-us-east-1` to `backup-vault-renamed`. "
        "It is a backup vault: its recovery points go with it." + PROTECTED
    ) in out.splitlines()
    assert "  - `name`: `backup-vault-us-east-1` → `backup-vault-renamed`" in out.splitlines()
    assert "**Added" not in out and "**Removed" not in out


def test_removing_a_plan_whose_resources_no_other_plan_selects_is_a_danger(capsys, base, head):
    def drop_plan(config: dict[str, Any]) -> None:
        plans = config[f"{PROJECT}:plans"]
        config[f"{PROJECT}:plans"] = [p for p in plans if p["name"] != "weekly-ebs-us-east-1"]

    edit_config(head / "Pulumi.seed.yaml", drop_plan)

    status, out = compare(capsys, base, head, "seed")

    assert status == DANGER_EXIT
    lines = out.splitlines()
    assert (
        "- **`seed`** · backup plan `weekly-ebs-us-east-1` is deleted with its selection `weekly-ebs-us-east-1`: no "
        "selection of this stack selects resources tagged `alk:backup=weekly-ebs` any more, so they are no longer "
        "backed up (their existing recovery points stay until their retention ends)."
    ) in lines
    start = lines.index("**Removed**")
    removed = [line for line in lines[start + 2 : start + 6]]
    assert removed == [
        "- backup plan `backup-weekly-ebs-us-east-1` (`aws:backup/plan:Plan`): `name: weekly-ebs-us-east-1`; "
        "`rules: weekly-ebs-us-east-1 (cron(0 18 ? * SUN *), kept 30 days)`",
        f"  - URN `{EBS_PLAN_URNS[0]}`",
        "- backup selection `backup-weekly-ebs-us-east-1-weekly-ebs-us-east-1` (`aws:backup/selection:Selection`): "
        '`name: weekly-ebs-us-east-1`; `selectionTags: [{"key": "alk:backup", "type": "STRINGEQUALS", '
        '"value": "weekly-ebs"}]`',
        f"  - URN `{EBS_PLAN_URNS[2]}`",
    ]


def test_moving_a_plans_selection_to_another_plan_that_selects_the_same_tag_is_no_danger(capsys, base, head):
    def merge(config: dict[str, Any]) -> None:
        plans = config[f"{PROJECT}:plans"]
        vss = next(p for p in plans if p["name"] == "windows-weekly-ec2-vss-us-east-1")
        vss["selections"][0]["name"] = "windows"
        vss["selections"].append({"name": "weekly-ebs", "tags": {"alk:backup": "weekly-ebs"}})
        config[f"{PROJECT}:plans"] = [p for p in plans if p["name"] != "weekly-ebs-us-east-1"]

    edit_config(head / "Pulumi.seed.yaml", merge)

    status, out = compare(capsys, base, head, "seed")

    assert status == 0
    assert "DANGER" not in out and "WARNING" not in out
    assert "Removed" in out and "backup plan `backup-weekly-ebs-us-east-1`" in out


def test_a_component_renamed_with_an_alias_carries_its_vault_along(capsys, base, head):
    # The real engine gives each child an alias under its parent's old URN (with the parent's old
    # name in place of the new one), so the whole subtree follows the renamed component.
    replace_once(
        head / "__main__.py",
        'backup = WindowsServerBackup("backup", component_args(config, region, archive_vault_arn))',
        'backup = WindowsServerBackup("windows", component_args(config, region, archive_vault_arn), '
        'pulumi.ResourceOptions(aliases=[pulumi.Alias(name="backup")]))',
    )

    status, out = compare(capsys, base, head, "seed")

    assert status == 0
    assert "DANGER" not in out and "**Added" not in out and "**Removed" not in out
    new_urn = VAULT_URN.replace("::backup-vault", "::windows-vault")
    assert f"  - URN `{new_urn}`, was `{VAULT_URN}` (matched by an alias)" in out.splitlines()


def test_a_code_change_that_renames_the_vault_is_caught_from_the_heads_own_components(capsys, base, head):
    # Same stack files on both sides: only the head's components package names the vault
    # differently, so this is flagged only if the head side really imports its own package.
    replace_once(head / "components" / "backup_stack.py", 'BackupVault(f"{name}-vault"', 'BackupVault(f"{name}-safe"')

    status, out = compare(capsys, base, head, "seed")

    new_urn = VAULT_URN.replace("::backup-vault", "::backup-safe")
    assert status == 3
    assert (
        f"- **`seed`** · `backup-vault` would be REPLACED: its URN changes from `{VAULT_URN}` to "
        f"`{new_urn}` (renamed or re-parented without an alias), so Pulumi deletes the old one and creates a new "
        "one. It is a backup vault: its recovery points go with it." + PROTECTED + " In code, add `aliases=[...]` with "
        "the old URN to keep it; when only a stack file changed, change back the key its name is built from."
    ) in out.splitlines()
    assert "> **DANGER: 1 change would lose backups**" in out


def test_a_new_stack_is_all_added(capsys, base, head, fixture_run):
    shutil.copy(head / "Pulumi.seed.yaml", head / "Pulumi.qa.yaml")

    status, out = compare(capsys, base, head, "qa")

    assert status == 0
    assert "New stack: the base has no stack file, so everything in it is added." in out
    assert f"{len(fixture_run('seed').resources)} added, 0 removed" in out
    assert f"  - URN `{VAULT_URN.replace('urn:pulumi:seed::', 'urn:pulumi:qa::')}`" in out
    assert "WARNING" not in out


def test_a_head_that_does_not_run_is_reported_and_exits_1(capsys, base, head):
    replace_once(head / "Pulumi.seed.yaml", "name: backup-vault-us-east-1", "name: backup vault!")

    status, out = compare(capsys, base, head, "seed")

    assert status == 1
    assert "Not compared (a side could not be run): `seed`." in out
    assert "**The head side could not be run**, so this stack was not compared:" in out
    assert "Pulumi.seed.yaml:" in out and "vault.name" in out
    assert "No changes" not in out


def test_folders_without_a_project_and_unknown_stacks_exit_2(capsys, base, tmp_path):
    assert main(["compare", "--base", str(base), "--head", str(tmp_path)]) == 2
    assert main(["compare", "--base", str(base), "--head", str(base), "nope"]) == 2
    err = capsys.readouterr().err
    assert f"the head folder {tmp_path} has no Pulumi.yaml" in err
    assert "no stack file for nope on either side (stacks: archive, org, prod-east, prod-west, seed)" in err


def test_the_help_lists_compare_with_its_exit_statuses(capsys):
    with pytest.raises(SystemExit) as stopped:
        main(["--help"])
    assert stopped.value.code == 0
    text = capsys.readouterr().out
    assert "``" not in text  # plain text, not the docstrings' markup
    out = " ".join(text.split())
    assert "What `pulumi up` would create for a stack, and each backup plan in words, without AWS" in out
    assert "compare --base DIR --head DIR [--max-chars N] [stack ...]" in out
    assert (
        "exit status: 0 no DANGER (warnings do not count), 1 a side of a stack could not be run, "
        "2 bad arguments or folders, 3 a DANGER"
    ) in out


def test_the_json_path_imports_no_components_before_the_program_runs():
    # Each side must import its own components package: the modules loaded before the program runs
    # (the command line, the JSON document, the comparison) may not import one themselves.
    code = "import sys, offline.__main__, offline.document, offline.compare; print('components' in sys.modules)"
    done = subprocess.run([sys.executable, "-c", code], cwd=PROJECT_DIR, capture_output=True, text=True, check=True)
    assert done.stdout.strip() == "False"


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


# --- vaults and keys, on hand-written documents ------------------------------------------


def dangers(before: list[dict[str, Any]], after: list[dict[str, Any]]) -> list[str]:
    return messages(before, after, "DANGER")


def test_a_new_kms_key_for_a_vault_replaces_it():
    assert dangers([vault()], [vault(kmsKeyArn=OTHER_KEY_ARN)]) == [
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

    assert dangers([key(**{field: old}), vault()], [key(**{field: new}), vault()]) == [
        f"`vault-key` would be REPLACED (deleted and created anew): `{field}` changes from "
        f"`{shown(old)}` to `{shown(new)}`. "
        "It is a KMS key that encrypts vault `v`: its recovery points could no longer be restored." + PROTECTED
    ]


def test_changes_an_update_can_make_are_not_dangers_and_are_listed_value_by_value():
    diff = compared(
        [key(description="a", enableKeyRotation=False), vault(tags={"a": "1"})],
        [key(description="b", enableKeyRotation=True), vault(tags={"a": "2"})],
    )
    assert diff.findings == []
    assert [
        (c.name, [(v.path, v.old, v.new) for v in c.values]) for c in sorted(diff.changed, key=lambda c: c.name)
    ] == [
        ("vault", [("tags.a", "1", "2")]),
        ("vault-key", [("description", "a", "b"), ("enableKeyRotation", False, True)]),
    ]
    assert [c.inputs for c in sorted(diff.changed, key=lambda c: c.name)] == [
        ["tags"],
        ["description", "enableKeyRotation"],
    ]


def test_a_region_settings_type_no_longer_named_is_a_note_not_a_change():
    """AWS Backup changes only the types it is sent: one left out of the map stays as it is in AWS."""
    settings = "aws:backup/regionSettings:RegionSettings"
    diff = compared(
        [resource(settings, "settings", {"resourceTypeOptInPreference": {"EC2": True, "EBS": False}})],
        [resource(settings, "settings", {"resourceTypeOptInPreference": {"EC2": False}})],
    )
    [change] = diff.changed
    assert [(v.path, v.old, v.new) for v in change.values] == [("resourceTypeOptInPreference.EC2", True, False)]
    assert change.options == [
        "`resourceTypeOptInPreference.EBS` (`false`) no longer named: AWS keeps the region's setting as it is, so "
        "this changes nothing there (set it to the value you want instead)"
    ]
    assert "  - `resourceTypeOptInPreference.EBS` (`false`) no longer named" in render_review([diff])


def test_air_gapped_vault_retention_bounds_force_a_replacement():
    lag = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
    found = dangers(
        [resource(lag, "archive", {"name": "a", "minRetentionDays": 7, "maxRetentionDays": 365})],
        [resource(lag, "archive", {"name": "a", "minRetentionDays": 30, "maxRetentionDays": 365})],
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
    diff = compared([west, unprotected], [west, moved])
    assert [d.message for d in diff.dangers] == [
        "`vault` would be REPLACED: it moves from region `us-east-1` to `us-west-2`. "
        "It is a backup vault: its recovery points go with it."
    ]
    assert [c.options for c in diff.changed] == [[f"provider: default → {provider_urn}"]]


def test_moving_a_vault_in_place_from_a_regional_provider_to_its_own_region_may_replace_it():
    """Copy B before and after pulumi-aws 7's per-resource region: same region, another provider."""
    provider_urn = "urn:pulumi:dev::p::pulumi:providers:aws::aws-us-west-2"
    west = resource("pulumi:providers:aws", "aws-us-west-2", {"region": "us-west-2"}, urn=provider_urn, parent=STACK)
    before = vault() | {"provider": f"{provider_urn}::0000"}
    after = vault(region="us-west-2")
    assert dangers([west, before], [after]) == []
    assert messages([west, before], [after], "WARNING") == [
        "`vault` may be REPLACED: it moves from a provider configured for `us-west-2` to one configured for "
        "`us-east-1`, and pulumi-aws replaces the resources of a provider whose region changes, even when their own "
        "`region` keeps them in place. If the stack is deployed, read `pulumi preview` before merging. "
        "It is a backup vault: its recovery points go with it." + PROTECTED
    ]


def test_a_region_of_its_own_on_the_same_provider_is_no_finding():
    assert compared([vault()], [vault(region="us-east-1")]).findings == []


def test_a_key_that_encrypts_no_vault_may_go_as_a_plain_change():
    # e.g. the notification topic's key, removed with the notifications: no recovery point depends on it.
    removed = compared([key(), vault(kmsKeyArn=OTHER_KEY_ARN)], [vault(kmsKeyArn=OTHER_KEY_ARN)])
    assert (removed.findings, [r["name"] for r in removed.removed]) == ([], ["vault-key"])
    replaced = compared([key(multiRegion=False)], [key(multiRegion=True) | {"protect": False}])
    assert replaced.findings == []
    assert [(c.name, c.inputs, c.options) for c in replaced.changed] == [
        ("vault-key", ["multiRegion"], ["protect: true → false"])
    ]


def test_a_removed_key_that_encrypts_a_vault_is_a_danger_naming_it():
    lag = resource(
        "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault",
        "archive",
        {"name": "a", "encryptionKeyArn": KEY_ARN, "minRetentionDays": 7, "maxRetentionDays": 365},
    )
    assert dangers([key(), lag], [lag]) == [
        "`vault-key` would be DELETED: it is no longer declared. "
        "It is a KMS key that encrypts vault `a`: its recovery points could no longer be restored." + PROTECTED
    ]


def test_a_copy_vault_moved_to_another_region_is_replaced_not_renamed():
    # cross_region.region us-west-2 -> us-east-2: the copy vault keeps its name, its logical name follows the region.
    def copy_vault(region: str) -> list[dict[str, Any]]:
        provider_urn = f"urn:pulumi:dev::p::pulumi:providers:aws::copy-{region}"
        provider = resource(
            "pulumi:providers:aws", f"copy-{region}", {"region": region}, urn=provider_urn, parent=STACK
        )
        named = vault(name="copies") | {
            "name": f"copy-{region}-vault",
            "urn": f"urn:pulumi:dev::p::p:index:Backup$aws:backup/vault:Vault::copy-{region}-vault",
            "provider": f"{provider_urn}::0000",
        }
        return [provider, named]

    [finding] = compared(copy_vault("us-west-2"), copy_vault("us-east-2")).dangers
    assert finding.message == (
        "`copy-us-west-2-vault` would be REPLACED: vault `copies` moves from us-west-2 to us-east-2, and nothing moves "
        "between regions: Pulumi deletes the one in us-west-2 and creates a new, empty one in us-east-2 "
        "(`copy-us-east-2-vault`). It is a backup vault: its recovery points go with it." + PROTECTED + " If a region "
        "in the stack file changed (e.g. `cross_region.region`), the copies already made in us-west-2 go with the old "
        "one: to keep them until they expire, keep that region, or take the old vault out of the stack's state before "
        '`pulumi up` (Pulumi\'s guide: "Removing resources without deleting them").'
    )
    assert finding.brief == "`copy-us-west-2-vault` would be REPLACED: it moves from us-west-2 to us-east-2."


def test_a_vault_moved_with_an_alias_is_a_change_not_a_danger():
    old = vault()
    new = vault() | {
        "urn": old["urn"].replace("::vault", "::archive-vault"),
        "name": "archive-vault",
        "aliases": [old["urn"]],
    }
    diff = compared([old], [new])
    assert diff.findings == [] and diff.added == [] and diff.removed == []
    assert [(c.urn, c.inputs, c.options, c.old_urn) for c in diff.changed] == [
        (new["urn"], [], [f"moved from `{old['urn']}` (alias)"], old["urn"])
    ]


def test_children_inherit_an_alias_from_a_renamed_parent_down_to_the_vault():
    # The component "backup" is renamed "safe" with an alias; its child component and the vault
    # under it declare no alias of their own, and their names follow the parent's.
    old_parent = "urn:pulumi:dev::p::pulumi:pulumi:Stack$p:index:Backup::backup"
    new_parent = "urn:pulumi:dev::p::pulumi:pulumi:Stack$p:index:Backup::safe"

    def tree(name: str, aliases: list[str]) -> list[dict[str, Any]]:
        parent = new_parent if name == "safe" else old_parent
        component = resource("p:index:Backup", name, {}, urn=parent, parent=STACK, aliases=aliases)
        vaults = resource(
            "p:index:Vault",
            f"{name}-vault",
            {},
            urn=f"urn:pulumi:dev::p::p:index:Backup$p:index:Vault::{name}-vault",
            parent=parent,
        )
        inner = vault() | {
            "name": f"{name}-vault",
            "urn": f"urn:pulumi:dev::p::p:index:Vault$aws:backup/vault:Vault::{name}-vault",
            "parent": vaults["urn"],
        }
        return [component, vaults, inner]

    diff = compared(tree("backup", []), tree("safe", [old_parent]))

    assert diff.findings == [] and diff.added == [] and diff.removed == []
    assert sorted(c.name for c in diff.changed) == ["safe", "safe-vault", "safe-vault"]


def test_without_the_alias_the_renamed_parents_vault_is_replaced():
    old = vault()
    new = vault() | {"urn": old["urn"].replace("::vault", "::safe-vault"), "name": "safe-vault"}
    assert [f.brief for f in compared([old], [new]).dangers] == [
        "`vault` would be REPLACED: renamed or re-parented without an alias."
    ]


def test_lifting_protection_is_a_warning_not_a_danger():
    diff = compared([vault()], [vault() | {"protect": False}])
    assert diff.dangers == []
    assert [f.message for f in diff.warnings] == [
        "backup vault `vault` is no longer protected (`protect: true → false`): a `pulumi destroy`, or a change that "
        "replaces it, no longer stops at it."
    ]
    assert [c.options for c in diff.changed] == [["protect: true → false"]]


def test_force_destroy_turned_on_is_a_warning():
    assert messages([vault()], [vault(forceDestroy=True)], "WARNING") == [
        "backup vault `vault` may now be force-destroyed (`forceDestroy: false → true`): deleting it would first "
        "delete every recovery point in it, where AWS otherwise refuses to delete a vault that is not empty."
    ]


def test_other_resources_may_come_and_go_without_danger():
    role = resource("aws:iam/role:Role", "role", {"name": "r1"}, protect=False)
    renamed = resource("aws:iam/role:Role", "role", {"name": "r2"}, protect=False)
    diff = compared([role, vault()], [renamed, vault()])
    assert diff.findings == []
    lines = render_review([diff]).splitlines()
    start = lines.index("**Changed**")
    assert lines[start : start + 5] == [
        "**Changed**",
        "",
        "- IAM role `role` (`aws:iam/role:Role`)",
        "  - `name`: `r1` → `r2`",
        f"  - URN `{role['urn']}`",
    ]
    assert not any("DANGER" in line or "WARNING" in line for line in lines)


def test_the_comparison_says_when_nothing_is_lost_or_when_a_side_failed():
    quiet = compared([vault()], [vault(tags={"a": "b"})])
    broken = diff_sides("prod", side("base", vault()), Side("head", True, None, "exit status 1\nTraceback ..."))
    assert render_review([quiet]).splitlines()[2] == "No change loses backups or weakens their protection."
    text = render_review([quiet, broken]).splitlines()
    assert "Not compared (a side could not be run): `prod`." in text
    assert text[text.index("**The head side could not be run**, so this stack was not compared:") + 2 :][:4] == [
        "```text",
        "exit status 1",
        "Traceback ...",
        "```",
    ]


def test_the_organization_stack_compares_its_policies_and_stack_set(capsys, base, head):
    # A longer retention changes the backup policy; a new OU adds its attachments and widens the StackSet.
    replace_once(head / "Pulumi.org.yaml", "delete_after_days: 14", "delete_after_days: 21")
    replace_once(
        head / "Pulumi.org.yaml",
        "[ou-ab12-prod0001, ou-ab12-prod0002]",
        "[ou-ab12-prod0001, ou-ab12-prod0002, ou-ab12-prod0003]",
    )

    status, out = compare(capsys, base, head, "org")

    lines = out.splitlines()
    assert status == 0
    assert "No change loses backups or weakens their protection." in lines
    assert "**Plain changes** (resources with no finding): `org`: 3 changed, 2 added, 0 removed." in lines
    # The policy's content is compared value by value, and the copies drawn from the verdicts.
    assert "  - `content.plans.daily-ebs.rules.daily.lifecycle.delete_after_days.@@assign`: `14` → `21`" in lines
    assert '      v1[("backup-vault<br/>kept daily: changed 14 → 21 days<br/>weekly: 35 days, warm")]' in lines
    assert lines.count("  - `deploymentTargets.organizationalUnitIds[]`: added `ou-ab12-prod0003`") == 2
    for plan in ("daily-ebs", "windows-weekly-ec2-vss"):
        assert f"- aws:organizations/policyAttachment:PolicyAttachment `organization-{plan}-ou-ab12-prod0003`" in lines


def test_the_organization_stack_flags_a_member_role_moving_and_a_member_vault_leaving_a_region(capsys, base, head):
    # us-west-2 is no longer backed up but still receives us-east-1's copies; the role moves to us-west-2.
    replace_once(
        head / "Pulumi.org.yaml", "regions: [us-east-1, us-west-2]", "regions: [us-east-1]\n    role_region: us-west-2"
    )
    replace_once(head / "Pulumi.org.yaml", "        us-west-2: us-east-1\n", "")

    status, out = compare(capsys, base, head, "org")

    lines = out.splitlines()
    assert status == 0
    findings = [line for line in lines if line.startswith("- **`org`** · member ")]
    assert findings == [
        "- **`org`** · member vault `backup-vault` leaves the member stacks of `us-west-2`: CloudFormation keeps it "
        "(DeletionPolicy Retain) with its recovery points, outside any stack, in every member account. Putting the "
        "region back later fails in each account with 'already exists' until that vault is emptied and deleted by "
        "hand (docs/organization.md).",
        "- **`org`** · member vault `backup-copies` leaves the member stacks of `us-east-1`: CloudFormation keeps it "
        "(DeletionPolicy Retain) with its recovery points, outside any stack, in every member account. Putting the "
        "region back later fails in each account with 'already exists' until that vault is emptied and deleted by "
        "hand (docs/organization.md).",
        *[
            f"- **`org`** · member role `{role}` moves from the member stacks of `us-east-1` to those of `us-west-2`. "
            "CloudFormation keeps the old one (DeletionPolicy Retain), so creating it again fails with 'already exists' "
            "in every member account and the StackSet operation stops; the old role keeps serving the backups. Keep "
            "organization.role_region as it was, or change the role's name with it (the old role is then left to "
            "delete by hand)."
            for role in ("windows-server-backup", "windows-server-backup-vss-instance")
        ],
    ]


def test_reordering_the_organizations_regions_changes_no_member_stack(capsys, base, head):
    replace_once(head / "Pulumi.org.yaml", "regions: [us-east-1, us-west-2]", "regions: [us-west-2, us-east-1]")

    status, out = compare(capsys, base, head, "org")

    # The role stays in the stack's region, deployed first; the templates list regions sorted.
    assert (status, out.splitlines()) == (
        0,
        ["# Backup review: this pull request compared with its base, offline", "", "No changes (`org`)."],
    )
