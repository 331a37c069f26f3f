"""The generated workload: stack configs with N plan+selection sets, written as a Pulumi project.

Each set is the seed's ``weekly-ebs`` plan again: one plan with one weekly rule (60-minute start
window, one-day completion window, 30-day retention) and one tag selection. The sets differ in
their names, tag values and schedules: each set gets its own minute or hour, because real
stacks rarely repeat one schedule 100 times and a per-expression cache in the program must not
hide what checking a new schedule costs.
"""

from __future__ import annotations

import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

#: The repository root: the folder that holds ``__main__.py``.
REPO = Path(__file__).resolve().parent.parent
#: The two programs compared: the repository's real one and the flat raw pulumi-aws baseline.
PROGRAMS = {"components": REPO / "__main__.py", "raw": Path(__file__).resolve().parent / "raw_program.py"}
PROJECT = "windows-server-backup"
REGION = "us-east-1"
STACK = "bench"


def plan_set(index: int) -> dict[str, Any]:
    """Set number ``index``: a weekly plan with one rule and one tag selection."""
    minute, hour = index % 60, 18 + index // 60  # distinct for index < 360
    return {
        "name": f"weekly-ebs-{index:03d}-{REGION}",
        "rules": [
            {
                "schedule": f"cron({minute} {hour} ? * SUN *)",
                "start_window_minutes": 60,
                "completion_window_minutes": 1440,
                "delete_after_days": 30,
            }
        ],
        "selections": [{"tags": {"alk:backup": f"weekly-ebs-{index:03d}"}}],
    }


def stack_config(sets: int) -> dict[str, Any]:
    """A stack file's ``config:`` with the seed's vault and ``sets`` plan+selection sets."""
    return {
        "aws:region": REGION,
        f"{PROJECT}:vault": {"name": f"backup-vault-{REGION}", "kms_key": "aws/backup"},
        f"{PROJECT}:plans": [plan_set(index) for index in range(sets)],
    }


def write_project(sets: int, folder: Path | None = None) -> Path:
    """Write ``Pulumi.yaml`` (``main:`` the repository) and ``Pulumi.bench.yaml`` into a folder.

    Default folder: a new temporary directory. Returns the folder; read it with
    ``offline.read_stack(folder, STACK)``.
    """
    folder = folder or Path(tempfile.mkdtemp(prefix=f"bench-{sets}-"))
    project = {"name": PROJECT, "runtime": "python", "main": str(REPO)}
    (folder / "Pulumi.yaml").write_text(yaml.safe_dump(project), encoding="utf-8")
    (folder / f"Pulumi.{STACK}.yaml").write_text(yaml.safe_dump({"config": stack_config(sets)}), encoding="utf-8")
    return folder


def aws_submodules(kind: str) -> list[str]:
    """Every ``pulumi_aws`` submodule a program's source refers to (``aws.<module>.``).

    The real program's are found in ``components/``, so the list follows the code as it grows.
    A superset of what one evaluation loads: fine for warming up, too much for import cost.
    """
    sources = list((REPO / "components").glob("*.py")) if kind == "components" else [PROGRAMS["raw"]]
    found = {name for path in sources for name in re.findall(r"\baws\.([a-z0-9_]+)\.", path.read_text("utf-8"))}
    return [f"pulumi_aws.{name}" for name in sorted(found)]


def import_statement(modules: list[str]) -> str:
    """Python that imports ``modules`` completely, as one line.

    pulumi-aws registers its submodules as lazy modules: ``import pulumi_aws.backup`` runs
    nothing until an attribute is read, so every module is also asked for an attribute (one it
    does not define is enough).
    """
    names = ", ".join(modules)
    return f"import {names}; [getattr(m, '_loaded_', None) for m in ({names},)]"
