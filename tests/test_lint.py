"""The code stays as ruff and mypy (pinned in requirements-dev.txt, configured in pyproject.toml) want it."""

from __future__ import annotations

import ast
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pulumi_aws

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
    # git) makes a rerun after a small change take a few seconds instead of some ten (cold).
    done = subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(PROJECT_DIR / ".mypy_cache")],
        cwd=PROJECT_DIR,
        capture_output=True,
        text=True,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def mypy_config() -> dict[str, Any]:
    config: dict[str, Any] = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["tool"]["mypy"]
    return config


def mypy_checked_files() -> list[Path]:
    """The Python files mypy checks: [tool.mypy] files, less its exclude."""
    config = mypy_config()
    exclude = re.compile("|".join(config["exclude"]))  # a list of patterns, any of which leaves a file out
    found: list[Path] = []
    for entry in config["files"]:
        path = PROJECT_DIR / entry
        found.extend(sorted(path.rglob("*.py")) if path.is_dir() else [path])
    return [path for path in found if not exclude.search(path.relative_to(PROJECT_DIR).as_posix())]


def pulumi_aws_names(source: str) -> set[str]:
    """The names a module reads from pulumi_aws's top level: ``aws.<name>`` through any name it
    binds pulumi_aws to, ``from pulumi_aws import <name>``, and ``pulumi_aws.<name>`` imported."""
    tree = ast.parse(source)
    aliases: set[str] = set()
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts == ["pulumi_aws"]:
                    aliases.add(alias.asname or "pulumi_aws")
                elif parts[0] == "pulumi_aws":
                    names.add(parts[1])
        elif isinstance(node, ast.ImportFrom) and node.module == "pulumi_aws":
            names.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("pulumi_aws."):
            names.add(node.module.split(".")[1])
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases:
            names.add(node.attr)
    return names


def test_pulumi_aws_names_are_found_however_imported():
    source = (
        "import pulumi_aws as aws\nimport pulumi_aws.sns\nfrom pulumi_aws import sqs, Provider\n"
        "from pulumi_aws.ssm import Association\naws.backup.Vault('v')\naws.get_partition_output()\n"
        "other.iam.Role('r')\n"
    )
    assert pulumi_aws_names(source) == {"backup", "get_partition_output", "sns", "sqs", "Provider", "ssm"}


def test_mypy_reads_every_pulumi_aws_service_the_code_uses_and_the_whole_top_level():
    # pyproject.toml lets mypy skip pulumi-aws's other services (Any to it): a service used but not
    # listed there would be checked against nothing, silently. The package's top-level modules hold
    # the names the package itself exports (Provider, get_caller_identity, ...): all of them are read.
    package = Path(pulumi_aws.__file__).parent
    followed = {
        module
        for override in mypy_config()["overrides"]
        if override.get("follow_imports") == "normal"
        for module in override["module"]
    }
    used = set().union(*(pulumi_aws_names(path.read_text(encoding="utf-8")) for path in mypy_checked_files()))
    services = {name for name in used if (package / name / "__init__.py").is_file()}
    assert {"backup", "iam", "kms"} <= services  # the scan sees the program's own
    missing = sorted(name for name in services if not {f"pulumi_aws.{name}", f"pulumi_aws.{name}.*"} <= followed)
    top_level = {f"pulumi_aws.{path.stem}" for path in package.glob("*.py") if path.stem != "__init__"}
    assert missing == [], f"add these pulumi-aws services to the followed list in pyproject.toml: {missing}"
    assert sorted(top_level - followed) == [], "add pulumi-aws's new top-level modules to pyproject.toml's list"
