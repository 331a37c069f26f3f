"""The components as another team installs them: a wheel built from a git tag, installed into a
folder of its own, used by ``examples/python-consumer`` from outside this repository, and served
to other languages by ``provider/``."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = PROJECT_DIR / "examples" / "python-consumer"
VERSION = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]["version"]
#: What a wheel is built from: the files pyproject.toml packages, and the two it reads.
BUILT_FROM = ("pyproject.toml", "README.md", "components", "offline")
CONSUMER_COMMAND = ["-m", "windows_server_backup.offline", "example"]
STACK = "pulumi:pulumi:Stack"


def _git(folder: Path, *args: str) -> None:
    identity = ["-c", "user.name=tests", "-c", "user.email=tests@example.com"]
    subprocess.run(["git", *identity, *args], cwd=folder, check=True, capture_output=True)


@pytest.fixture(scope="session")
def installed(tmp_path_factory) -> Path:
    """The package as a consumer gets it, built once per test session (it is slow).

    A throwaway git repository holds this checkout's packaged files under the tag ``v<version>``;
    pip builds the wheel from ``windows-server-backup @ git+file://...@v<version>``, the form the
    README gives for a fork's tag, and installs it, without dependencies (the test interpreter
    has them), into a folder outside this repository. Returns that folder.
    """
    root = tmp_path_factory.mktemp("package")
    repository = root / "repository"
    repository.mkdir()
    for name in BUILT_FROM:
        source = PROJECT_DIR / name
        if source.is_dir():
            shutil.copytree(source, repository / name, ignore=shutil.ignore_patterns("__pycache__"))
        else:
            shutil.copy(source, repository / name)
    _git(repository, "init", "-q")
    _git(repository, "add", "-A")
    _git(repository, "commit", "-q", "-m", "release")
    _git(repository, "tag", f"v{VERSION}")
    # file://localhost/...: pip's URL parser wants a host where https:// has github.com.
    requirement = f"windows-server-backup @ git+file://localhost{repository}@v{VERSION}"
    wheels = root / "wheels"
    pip = [sys.executable, "-m", "pip"]
    subprocess.run([*pip, "wheel", "--no-deps", "-q", "-w", str(wheels), requirement], check=True, capture_output=True)
    [wheel] = wheels.glob("*.whl")
    assert wheel.name == f"windows_server_backup-{VERSION}-py3-none-any.whl"
    site = root / "site"
    subprocess.run([*pip, "install", "--no-deps", "--no-compile", "-q", "--target", str(site), str(wheel)], check=True)
    return site


def outside_the_repository(installed: Path, cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    """``python <args>`` in ``cwd``, with only the installed package added to the import path."""
    env = {
        "PYTHONPATH": str(installed),
        "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
        "PYTHONDONTWRITEBYTECODE": "1",
    }
    return subprocess.run(
        [sys.executable, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300, check=False
    )


@pytest.fixture(scope="session")
def consumer_dir(tmp_path_factory) -> Path:
    """A copy of the example consumer, outside this repository."""
    destination = tmp_path_factory.mktemp("consumer") / "python-consumer"
    shutil.copytree(EXAMPLE_DIR, destination)
    return destination


def test_the_package_installs_the_typed_components_and_the_offline_engine(installed):
    # The components with their subpackages (stack_checks/), but the function code (below).
    modules = {
        path.relative_to(PROJECT_DIR / "components").as_posix()
        for path in (PROJECT_DIR / "components").rglob("*.py")
        if "lambdas" not in path.parts
    }
    packages = {f"windows_server_backup/{path.parent}" for path in map(Path, modules) if path.parent != Path()}
    # The engine with its subpackages (offline/risk/), as the source tree holds it.
    engine = {path.relative_to(PROJECT_DIR / "offline").as_posix() for path in (PROJECT_DIR / "offline").rglob("*.py")}
    folders = {f"windows_server_backup/offline/{path.parent}" for path in map(Path, engine) if path.parent != Path()}
    shipped = {p.relative_to(installed).as_posix() for p in (installed / "windows_server_backup").rglob("*")}
    # The restore validation function's code, which the component packages when it deploys it.
    function = {
        "windows_server_backup/lambdas",
        "windows_server_backup/lambdas/__init__.py",
        "windows_server_backup/lambdas/restore_validation",
        "windows_server_backup/lambdas/restore_validation/__init__.py",
        "windows_server_backup/lambdas/restore_validation/handler.py",
        "windows_server_backup/lambdas/restore_validation/validate.ps1",
    }
    assert shipped == (
        {f"windows_server_backup/{module}" for module in modules}
        | packages
        | {"windows_server_backup/py.typed", "windows_server_backup/offline"}
        | {f"windows_server_backup/offline/{module}" for module in engine}
        | folders
        | function
    )
    top_level = {p.name for p in installed.iterdir() if not p.name.endswith(".dist-info")}
    assert top_level == {"windows_server_backup"}  # no `components`, `offline` or `stack_config`
    [dist_info] = installed.glob("windows_server_backup-*.dist-info")
    metadata = (dist_info / "METADATA").read_text()
    assert f"Version: {VERSION}" in metadata
    assert "Requires-Dist: pyawscron<2,>=1.0.7" in metadata


def test_nothing_inside_the_package_imports_it_by_its_folder_name():
    for path in (PROJECT_DIR / "components").glob("*.py"):
        for line in path.read_text().splitlines():
            assert not line.lstrip().startswith(("from components", "import components")), f"{path.name}: {line}"


def test_the_consumer_runs_outside_the_repository_without_it_on_the_path(installed, consumer_dir):
    done = outside_the_repository(
        installed,
        consumer_dir,
        "-c",
        "import importlib.util, json, sys; print(json.dumps([sys.prefix, sys.path, "
        "[importlib.util.find_spec(m) is None for m in ('components', 'offline', 'stack_config')]]))",
    )
    prefix, path, missing = json.loads(done.stdout)
    # The interpreter's own environment may live in the checkout (.venv); nothing else of it may.
    assert [entry for entry in path if entry.startswith(str(PROJECT_DIR)) and not entry.startswith(prefix)] == []
    assert missing == [True, True, True]


def test_the_documented_consumer_command_prints_what_pulumi_up_would_create(installed, consumer_dir):
    done = outside_the_repository(installed, consumer_dir, *CONSUMER_COMMAND)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""
    out = done.stdout
    assert out.startswith("Stack example of project backup-consumer: region eu-west-1, offline")
    assert "What `pulumi up` would create: 8 AWS resources in 6 components." in out
    assert "   ├─ aws:backup/vault:Vault  file-servers  [protected]" in out
    assert "Plan file-servers, rule monthly:" in out
    # Whole instances (VSS): the monthly rule asks for no cold storage, which AWS Backup would ignore for AMIs.
    assert "  into vault file-servers and keeps each recovery point 1825 days" in out.splitlines()


def test_the_consumer_registers_exactly_its_resources_from_the_installed_package(installed, consumer_dir):
    done = outside_the_repository(installed, consumer_dir, *CONSUMER_COMMAND, "--format", "json")
    assert done.returncode == 0, done.stderr
    run = json.loads(done.stdout)
    assert (run["project"], run["stack"], run["region"], run["error"], run["warnings"]) == (
        "backup-consumer",
        "example",
        "eu-west-1",
        None,
        [],
    )
    by_urn = {r["urn"]: r for r in run["registrations"]}
    registered = sorted(
        (r["type"], r["name"], by_urn[r["parent"]]["name"] if r["parent"] else "") for r in run["registrations"]
    )
    assert registered == sorted(
        [
            (STACK, "backup-consumer-example", ""),
            ("windows-server-backup:index:BackupVault", "file-servers", "backup-consumer-example"),
            ("aws:backup/vault:Vault", "file-servers", "file-servers"),
            ("aws:backup/vaultPolicy:VaultPolicy", "file-servers-policy", "file-servers"),
            ("windows-server-backup:index:BackupServiceRole", "file-servers-backup", "backup-consumer-example"),
            ("aws:iam/role:Role", "file-servers-backup", "file-servers-backup"),
            (
                "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive",
                "file-servers-backup-policies",
                "file-servers-backup",
            ),
            ("windows-server-backup:index:BackupPlan", "file-servers", "backup-consumer-example"),
            ("aws:backup/plan:Plan", "file-servers", "file-servers"),
            ("windows-server-backup:index:BackupPlan", "domain-controllers", "backup-consumer-example"),
            ("aws:backup/plan:Plan", "domain-controllers", "domain-controllers"),
            ("windows-server-backup:index:BackupSelection", "file-servers", "backup-consumer-example"),
            ("aws:backup/selection:Selection", "file-servers", "file-servers"),
            ("windows-server-backup:index:BackupSelection", "domain-controllers", "backup-consumer-example"),
            ("aws:backup/selection:Selection", "domain-controllers", "domain-controllers"),
        ]
    )
    plans = {r["inputs"]["name"]: r["inputs"] for r in run["registrations"] if r["type"] == "aws:backup/plan:Plan"}
    assert [(r["ruleName"], r["schedule"], r["lifecycle"]) for r in plans["file-servers"]["rules"]] == [
        ("daily", "cron(0 5 ? * * *)", {"deleteAfter": 35}),
        ("weekly", "cron(0 5 ? * SAT *)", {"deleteAfter": 90}),
        # Whole instances: no cold storage asked for, AWS Backup would keep them warm anyway.
        ("monthly", "cron(0 5 1 * ? *)", {"deleteAfter": 1825}),
    ]
    assert plans["file-servers"]["advancedBackupSettings"] == [
        {"resourceType": "EC2", "backupOptions": {"WindowsVSS": "enabled"}}
    ]
    assert [(r["ruleName"], r["schedule"], r["lifecycle"]) for r in plans["domain-controllers"]["rules"]] == [
        ("weekly", "cron(0 18 ? * SUN *)", {"deleteAfter": 60})
    ]
    selections = {
        r["name"]: (r["inputs"]["name"], r["inputs"]["selectionTags"])
        for r in run["registrations"]
        if r["type"] == "aws:backup/selection:Selection"
    }
    assert selections == {
        "file-servers": ("file-servers", [{"type": "STRINGEQUALS", "key": "team", "value": "file-servers"}]),
        "domain-controllers": (
            "domain-controller",
            [{"type": "STRINGEQUALS", "key": "role", "value": "domain-controller"}],
        ),
    }
    assert run["outputs"] == {"vault_arn": "arn:aws:backup:eu-west-1:123456789012:backup-vault:file-servers"}


PROVIDER_SCHEMA = """
import json, runpy
from pulumi.provider.experimental.component import ComponentProvider
served = runpy.run_path("__main__.py", run_name="provider")  # imports it; serves nothing
schema = json.loads(ComponentProvider(served["PACKAGE_COMPONENTS"], served["PACKAGE_NAME"], None, served["PACKAGE_VERSION"]).schema)
print(json.dumps([served["PACKAGE_NAME"], served["PACKAGE_VERSION"], sorted(schema["resources"])]))
"""


def test_the_provider_serves_the_installed_package(installed, tmp_path):
    """``provider/requirements.txt`` installs the package from ``../``; ``__main__.py`` imports it by name."""
    provider = tmp_path / "provider"
    shutil.copytree(PROJECT_DIR / "provider", provider)
    done = outside_the_repository(installed, provider, "-c", PROVIDER_SCHEMA)
    assert done.returncode == 0, done.stderr
    name, version, resources = json.loads(done.stdout)
    assert (name, version) == ("windows-server-backup", VERSION)
    assert resources == [
        f"windows-server-backup:index:{component}"
        for component in sorted(
            [
                "ArchiveVault",
                "BackupKey",
                "BackupNotifications",
                "BackupPlan",
                "BackupSelection",
                "BackupServiceRole",
                "BackupVault",
                "CrossRegionCopy",
                "WindowsServerBackup",
                "WindowsVssInstances",
            ]
        )
    ]
