"""The generated workload: stack configs with N plan+selection sets, written as a Pulumi project.

Each set is the seed's ``weekly-ebs`` plan again: one plan with one weekly rule (60-minute start
window, one-day completion window, 30-day retention) and one tag selection. The sets differ in
their names, tag values and schedules. Every set has its own schedule (day of the week, hour and
minute), because real stacks rarely repeat one schedule 100 times and a cache keyed on the
expression must not hide what checking a new schedule costs. The config is valid at any size up
to :data:`MAX_SETS` (the distinct weekly schedules), and gives no warning.
"""

from __future__ import annotations

import ast
import re
import tempfile
from pathlib import Path
from typing import Any

import yaml

#: The repository root: the folder that holds ``__main__.py``.
REPO = Path(__file__).resolve().parent.parent
BENCH = Path(__file__).resolve().parent
#: The programs compared: the flat raw pulumi-aws baseline, the same component tree written by
#: hand, and the repository's real program.
PROGRAMS = {
    "raw": BENCH / "raw_program.py",
    "tree": BENCH / "tree_program.py",
    "components": REPO / "__main__.py",
}
#: Suffix of a baseline run with the real program's garbage collector settings (``raw+gc``).
TUNED = "+gc"
#: Every program the benchmark measures: the baselines as people write them, the same baselines
#: with the garbage collector settings the real program makes for itself (``__main__.py``), and
#: the real program. The targets are judged against both kinds of baseline.
KINDS = ("raw", f"raw{TUNED}", "tree", f"tree{TUNED}", "components")


def program_file(kind: str) -> Path:
    """The file a program of :data:`KINDS` runs (a tuned baseline runs its baseline's file)."""
    return PROGRAMS[kind.removesuffix(TUNED)]


def young_collection_every() -> int:
    """The young-collection threshold the real program sets, read from ``__main__.py`` itself
    (``YOUNG_COLLECTION_EVERY``), so the tuned baselines cannot drift from it."""
    for node in ast.parse(PROGRAMS["components"].read_text()).body:
        if isinstance(node, ast.Assign) and any(
            isinstance(target, ast.Name) and target.id == "YOUNG_COLLECTION_EVERY" for target in node.targets
        ):
            value = ast.literal_eval(node.value)
            if isinstance(value, int):
                return value
    raise LookupError("__main__.py no longer sets YOUNG_COLLECTION_EVERY: update bench/workload.py")


PROJECT = "windows-server-backup"
REGION = "us-east-1"
STACK = "bench"
DAYS_OF_WEEK = ("SUN", "MON", "TUE", "WED", "THU", "FRI", "SAT")
#: One set per minute of the week's hours: every weekly schedule with a whole minute.
MAX_SETS = len(DAYS_OF_WEEK) * 24 * 60


def schedule(index: int) -> str:
    """The weekly schedule of set ``index``: a day of the week, hour and minute of its own."""
    if not 0 <= index < MAX_SETS:
        raise ValueError(f"set {index}: the workload has {MAX_SETS} distinct weekly schedules")
    day, rest = index % 7, index // 7
    minute, hour = rest % 60, rest // 60
    return f"cron({minute} {hour} ? * {DAYS_OF_WEEK[day]} *)"


def plan_name(index: int) -> str:
    """Plan (and rule, and selection) name of set ``index``, as the seed names its plans."""
    return f"weekly-ebs-{index:04d}-{REGION}"


def plan_set(index: int) -> dict[str, Any]:
    """Set number ``index``: a weekly plan with one rule and one tag selection."""
    return {
        "name": plan_name(index),
        "rules": [
            {
                "schedule": schedule(index),
                "start_window_minutes": 60,
                "completion_window_minutes": 1440,
                "delete_after_days": 30,
            }
        ],
        "selections": [{"tags": {"alk:backup": f"weekly-ebs-{index:04d}"}}],
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
    sources = list((REPO / "components").glob("*.py")) if kind == "components" else [PROGRAMS[kind]]
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
