"""`python -m offline <stack>`: the README's first command, as a newcomer runs it (on the fixture stacks)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml
from conftest import FIXTURES_DIR, seed_config

PROJECT_DIR = Path(__file__).resolve().parent.parent


def offline(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "offline", *args], cwd=PROJECT_DIR, capture_output=True, text=True, timeout=120
    )


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


def test_prod_prints_a_passing_verdict():
    done = offline("prod-east", "--project-dir", str(FIXTURES_DIR))
    assert done.returncode == 0, done.stderr
    assert "windows-weekly-ec2-vss-us-east-1/windows-weekly-ec2-vss-us-east-1: meets 3-2-1" in done.stdout
    assert "[protected, provider aws-us-west-2]" in done.stdout


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


def test_unknown_stack_exits_2_and_lists_the_stacks():
    done = offline("nope", "--project-dir", str(FIXTURES_DIR))
    assert done.returncode == 2
    assert "Pulumi.nope.yaml does not exist" in done.stderr
    assert "(stacks here: archive, prod-east, prod-west, seed)" in done.stderr
