"""The example consumer builds offline against the components installed from a wheel."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

PROJECT_DIR = Path(__file__).resolve().parent.parent
EXAMPLE_DIR = PROJECT_DIR / "examples" / "python-consumer"

RUN_EXAMPLE = """
import json, sys
from pathlib import Path
import components
from offline import run_offline
run = run_offline(Path(sys.argv[1]), "example")
print(json.dumps({
    "components_from": components.__file__,
    "error": str(run.error) if run.error else None,
    "resources": [[r.type, r.name] for r in run.resources if r.custom],
    "plans": {r.inputs["name"]: r.inputs for r in run.of_type("aws:backup/plan:Plan")},
    "selections": {r.inputs["name"]: r.inputs["selectionTags"] for r in run.of_type("aws:backup/selection:Selection")},
}))
"""


@pytest.fixture(scope="module")
def installed_wheel(tmp_path_factory) -> Path:
    """Build the project's wheel and unpack it into a folder of its own (no dependencies)."""
    out = tmp_path_factory.mktemp("wheel")
    # Build from a copy, so the build leaves nothing in the working tree.
    source = out / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(PROJECT_DIR / name, source / name)
    shutil.copytree(PROJECT_DIR / "components", source / "components", ignore=shutil.ignore_patterns("__pycache__"))
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(out), str(source)],
        check=True,
        capture_output=True,
    )
    [wheel] = out.glob("windows_server_backup-*.whl")
    site = out / "site"
    with zipfile.ZipFile(wheel) as archive:
        archive.extractall(site)
    return site


def test_the_wheel_ships_the_typed_components_only(installed_wheel):
    shipped = {p.relative_to(installed_wheel).as_posix() for p in installed_wheel.rglob("*") if p.is_file()}
    assert "components/py.typed" in shipped
    assert "components/__init__.py" in shipped
    assert "components/presets.py" in shipped
    assert not any(path.startswith(("offline/", "stack_config/", "tests/", "doctor/")) for path in shipped)


def test_example_consumer_builds_offline_from_the_wheel(installed_wheel, tmp_path):
    done = subprocess.run(
        [sys.executable, "-c", RUN_EXAMPLE, str(EXAMPLE_DIR)],
        # The wheel's folder comes first, so `components` is the installed copy; the repository
        # only lends the offline engine.
        env={"PYTHONPATH": f"{installed_wheel}:{PROJECT_DIR}", "PATH": "/usr/bin:/bin"},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout)
    assert result["components_from"].startswith(str(installed_wheel))
    assert result["error"] is None
    assert sorted(map(tuple, result["resources"])) == sorted(
        [
            ("aws:backup/vault:Vault", "file-servers"),
            ("aws:backup/vaultPolicy:VaultPolicy", "file-servers-policy"),
            ("aws:iam/role:Role", "file-servers-backup"),
            ("aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive", "file-servers-backup-policies"),
            ("aws:backup/plan:Plan", "file-servers"),
            ("aws:backup/plan:Plan", "domain-controllers"),
            ("aws:backup/selection:Selection", "file-servers"),
            ("aws:backup/selection:Selection", "domain-controllers"),
        ]
    )
    routine = result["plans"]["file-servers"]
    assert [(r["ruleName"], r["schedule"], r["lifecycle"]) for r in routine["rules"]] == [
        ("daily", "cron(0 5 ? * * *)", {"deleteAfter": 35}),
        ("weekly", "cron(0 5 ? * SAT *)", {"deleteAfter": 90}),
        (
            "monthly",
            "cron(0 5 1 * ? *)",
            {"deleteAfter": 1825, "coldStorageAfter": 90, "optInToArchiveForSupportedResources": True},
        ),
    ]
    assert routine["advancedBackupSettings"] == [{"resourceType": "EC2", "backupOptions": {"WindowsVSS": "enabled"}}]
    assert result["plans"]["domain-controllers"]["rules"][0]["lifecycle"] == {"deleteAfter": 60}
    assert result["selections"] == {
        "file-servers": [{"type": "STRINGEQUALS", "key": "team", "value": "file-servers"}],
        "domain-controller": [{"type": "STRINGEQUALS", "key": "role", "value": "domain-controller"}],
    }
