"""`python -m offline <stack>`: the README's first command, as a newcomer runs it (on the fixture stacks)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURES_DIR, PROJECT, fixture_config, fixture_project, seed_config

from offline import run_offline, stack_files
from offline.__main__ import main

PROJECT_DIR = Path(__file__).resolve().parent.parent


def offline(*args: str) -> subprocess.CompletedProcess[str]:
    """The command in a process of its own, as a newcomer runs it."""
    return subprocess.run(
        [sys.executable, "-m", "offline", *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120
    )


def offline_here(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """The command's entry point in this process: exit status, stdout and stderr."""
    status = main(list(args))
    out, err = capsys.readouterr()
    return status, out, err


def test_seed_prints_the_tree_and_the_plans_in_words():
    done = offline("seed", "--project-dir", str(FIXTURES_DIR))
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert "Stack seed of project windows-server-backup: region us-east-1" in out
    assert "└─ windows-server-backup:index:WindowsServerBackup  backup" in out
    assert "aws:backup/vault:Vault  backup-vault  [protected]" in out
    assert "name: backup-vault-us-east-1" in out
    assert "Plan windows-weekly-ec2-vss-us-east-1, rule windows-weekly-ec2-vss-us-east-1:" in out
    assert "  runs at 18:00, only on Sunday (UTC), cron(0 18 ? * SUN *); next: Sun " in out
    assert "Windows VSS on for EC2 instances" in out
    assert "  backs up resources tagged alk:backup=weekly-ebs" in out
    assert "  into vault backup-vault-us-east-1 and keeps each recovery point 30 days" in out
    assert "does NOT meet 3-2-1" in out
    assert done.stderr == ""


def test_prod_prints_the_verdict_per_plan(capsys):
    status, out, err = offline_here(capsys, "prod-east", "--project-dir", str(FIXTURES_DIR))
    assert (status, err) == (0, "")
    assert (
        "weekly-ebs-us-east-1: meets 3-2-1 (3 copies of a recovery point, media cold+warm, off-site: yes)\n"
        "  judged for EBS\n"
        "  media: EBS volume backups (snapshots): warm from rule 'weekly'; cold from rule 'monthly-archive', kept in "
        "3 places, 2 off-site\n"
    ) in out
    assert (
        "windows-weekly-ec2-vss-us-east-1: does NOT meet 3-2-1 (3 copies of a recovery point, media warm, off-site: "
        "yes)\n"
        "  judged for EC2\n"
    ) in out
    assert "  ! 2 media? no: EC2 instance backups (AMIs) stay warm: AWS Backup cannot move them" in out
    # Copy B's vault and key name their region (pulumi-aws 7); no second provider.
    assert "aws:backup/vault:Vault  backup-copy-us-west-2-vault  [protected, region us-west-2]" in out
    assert "aws:kms/key:Key  backup-copy-us-west-2-key  [protected, region us-west-2]" in out
    assert "provider aws-" not in out


def test_bad_config_exits_1_with_the_errors_and_no_traceback(tmp_path):
    (tmp_path / "Pulumi.yaml").write_text(yaml.safe_dump({"name": "windows-server-backup", "main": str(PROJECT_DIR)}))
    config = {"config": seed_config()}
    config["config"]["windows-server-backup:plans"][0]["rules"][0]["schedule"] = "cron(0 18 * * SUN *)"
    (tmp_path / "Pulumi.broken.yaml").write_text(yaml.safe_dump(config))
    done = offline("broken", "--project-dir", str(tmp_path))
    assert done.returncode == 1
    assert done.stdout == ""
    assert "plans[0].rules[0].schedule" in done.stderr
    assert "cron(0 18 ? * SUN *)" in done.stderr
    assert "Traceback" not in done.stderr


def test_unknown_stack_exits_2_and_lists_the_stacks(capsys):
    status, _, err = offline_here(capsys, "nope", "--project-dir", str(FIXTURES_DIR))
    assert status == 2
    assert "Pulumi.nope.yaml does not exist" in err
    assert "(stacks here: archive, org, prod-east, prod-west, seed)" in err


# --- broken stack files: a config mistake like any other --------------------------------------

BROKEN_SEED = "Pulumi.seed.yaml, line 7, column 17: mapping values are not allowed here (not valid YAML). Fix the YAML there: indent with spaces, close brackets and quotes, quote values holding ': '"


def broken_seed_project(folder: Path) -> Path:
    """The fixture stacks, with ``seed``'s vault name turned into a YAML syntax error on line 7."""
    fixture_project(folder)
    seed = folder / "Pulumi.seed.yaml"
    lines = seed.read_text().splitlines()
    assert lines[6] == "    name: backup-vault-us-east-1"
    lines[6] = "    name: backup: vault"
    seed.write_text("\n".join(lines) + "\n")
    return folder


def test_a_stack_file_that_is_not_valid_yaml_exits_1_naming_file_line_and_column(tmp_path):
    done = offline("seed", "--project-dir", str(broken_seed_project(tmp_path)))
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == f"error: {BROKEN_SEED}\n"


@pytest.mark.parametrize("loader", ["libyaml", "pure Python"])
def test_a_broken_stack_file_reads_the_same_with_or_without_libyaml(capsys, monkeypatch, tmp_path, loader):
    # Where PyYAML was built without libyaml, its own parser reads first and its error is the message.
    if loader == "pure Python":
        monkeypatch.setattr(stack_files, "_FAST_LOADER", yaml.SafeLoader)
    else:
        assert stack_files._FAST_LOADER is yaml.CSafeLoader  # this environment's PyYAML has libyaml
    status, out, err = offline_here(capsys, "seed", "--project-dir", str(broken_seed_project(tmp_path)))
    assert (status, out, err) == (1, "", f"error: {BROKEN_SEED}\n")


def test_all_reports_every_other_stack_when_one_file_is_broken(capsys, tmp_path):
    project = broken_seed_project(tmp_path)
    for name in ("prod-west", "org"):  # fewer runs; prod-east stands for the source stacks
        (project / f"Pulumi.{name}.yaml").unlink()
    assert main(["--all", "--project-dir", str(project)]) == 1
    out, err = capsys.readouterr()
    assert out.startswith("Stack archive of project windows-server-backup: region us-east-1")
    assert "\n\nStack prod-east of project windows-server-backup: region us-east-1" in out
    assert "Stack seed" not in out
    assert err == f"error: seed: {BROKEN_SEED}\n"

    assert main(["--all", "--project-dir", str(project), "--format", "json"]) == 1
    out, err = capsys.readouterr()
    documents = {document["stack"]: document for document in json.loads(out)}
    assert {stack: document["error"] for stack, document in documents.items()} == {
        "archive": None,
        "prod-east": None,
        "seed": BROKEN_SEED,
    }
    assert documents["seed"]["registrations"] == []
    assert len(documents["prod-east"]["registrations"]) > 1
    assert err == "error: the config of seed is wrong: see the report\n"

    assert main(["--all", "--project-dir", str(project), "--format", "markdown", "--now", "2026-01-01T00:00:00Z"]) == 1
    out, err = capsys.readouterr()
    headings = [line for line in out.splitlines() if line.startswith("## Stack")]
    assert headings == ["## Stack `archive` (us-east-1)", "## Stack `prod-east` (us-east-1)", "## Stack `seed` (?)"]
    assert out.endswith(
        f"**The stack's config is wrong; `pulumi up` would stop here:**\n\n```text\n{BROKEN_SEED}\n```\n"
    )
    assert err == "error: the config of seed is wrong: see the report\n"


def test_a_missing_stack_file_stays_exit_2(capsys, tmp_path):
    status, _, err = offline_here(capsys, "nope", "--project-dir", str(broken_seed_project(tmp_path)))
    assert status == 2
    assert err == (
        f"error: {tmp_path / 'Pulumi.nope.yaml'} does not exist (stacks here: archive, org, prod-east, prod-west, seed)\n"
    )


def test_a_referenced_stack_that_does_not_run_fails_the_stack_that_reads_it(tmp_path):
    project = fixture_project(tmp_path)
    config = fixture_config("prod-east")
    archive = config[f"{PROJECT}:archive"]
    del archive["vault_arn"]
    archive["stack_reference"] = f"acme/{PROJECT}/archive"
    (project / "Pulumi.ref.yaml").write_text(yaml.safe_dump({"config": config}))
    (project / "Pulumi.archive.yaml").write_text("config:\n  aws:region: [us-east-1\n")
    run = run_offline(project, "ref")
    assert str(run.error) == (
        f"stack reference 'acme/{PROJECT}/archive': stack archive does not run: Pulumi.archive.yaml, line 3, "
        "column 1: expected ',' or ']', but got '<stream end>' (not valid YAML; while parsing a flow sequence "
        "that starts at line 2, column 15). Fix the YAML there: indent with spaces, close brackets and quotes, "
        "quote values holding ': '"
    )


# --- each warning once -------------------------------------------------------------------------

ARCHIVE_WARNING = (
    "archive_vault.name: 'archive-eu-west-1' names region eu-west-1 but this stack deploys to us-east-1; "
    "was the stack file copied from another region?"
)
SEED_WARNINGS = [
    f"plans[{plan}].rules[0].completion_window_minutes: 100 is less than the start window plus 60 minutes; "
    "a job that starts late may be cancelled before it finishes"
    for plan in (0, 1)
]


def warning_project(folder: Path) -> Path:
    """``archive`` (one warning), ``ref`` (reads archive through a stack reference) and ``seed`` (two)."""
    project = fixture_project(folder)
    for name in ("prod-east", "prod-west", "org"):
        (project / f"Pulumi.{name}.yaml").unlink()
    archive = fixture_config("archive")
    archive[f"{PROJECT}:archive_vault"]["name"] = "archive-eu-west-1"
    (project / "Pulumi.archive.yaml").write_text(yaml.safe_dump({"config": archive}))
    ref = fixture_config("prod-east")
    del ref[f"{PROJECT}:archive"]["vault_arn"]
    ref[f"{PROJECT}:archive"]["stack_reference"] = f"acme/{PROJECT}/archive"
    (project / "Pulumi.ref.yaml").write_text(yaml.safe_dump({"config": ref}))
    seed = fixture_config("seed")
    for plan in seed[f"{PROJECT}:plans"]:
        plan["rules"][0]["completion_window_minutes"] = 100
    (project / "Pulumi.seed.yaml").write_text(yaml.safe_dump({"config": seed}))
    return project


def test_each_warning_is_printed_once(capsys, tmp_path):
    """Text: in the report of its stack, not again on stderr; nor again from the child process
    that runs ``archive`` for ``ref``'s stack reference."""
    project = warning_project(tmp_path)
    assert main(["--all", "--project-dir", str(project)]) == 0
    out, err = capsys.readouterr()
    assert err == ""
    for warning in (ARCHIVE_WARNING, *SEED_WARNINGS):
        assert (out + err).count(warning) == 1, warning
    assert out.count("\nWarnings:\n") == 2
    assert f"Warnings:\n  - {SEED_WARNINGS[0]}\n  - {SEED_WARNINGS[1]}\n" in out

    for output_format in ("markdown", "json"):
        assert main(["seed", "--project-dir", str(project), "--format", output_format]) == 0
        out, err = capsys.readouterr()
        assert err == ""
        assert [out.count(warning) for warning in SEED_WARNINGS] == [1, 1], output_format
