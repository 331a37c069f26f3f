"""The code stays as ruff and mypy (pinned in requirements-dev.txt, configured in pyproject.toml) want it."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent


def ruff(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=PROJECT_DIR, capture_output=True, text=True)


def test_ruff_finds_nothing():
    done = ruff("check", ".")
    assert done.returncode == 0, done.stdout


def test_code_is_formatted():
    done = ruff("format", "--check", ".")
    assert done.returncode == 0, done.stdout


def test_mypy_finds_nothing():
    # Scope and strictness are pyproject.toml's [tool.mypy]. The cache in .mypy_cache (ignored by
    # git) makes a rerun after a small change take seconds instead of a minute.
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(PROJECT_DIR / ".mypy_cache")],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr
