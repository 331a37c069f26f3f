"""Compare two checkouts offline: what a pull request changes in the backups, and what it risks.

``python -m offline compare --base <dir> --head <dir> [stack ...]`` runs each stack of both
project folders through the offline engine, pairs their resources as the Pulumi engine would
(by URN, then by aliases, children following a renamed parent: :mod:`offline.aliases`), and
reports, value by value, what is added, removed and changed (:mod:`offline.diff`). It judges
every change that loses backups (DANGER) or weakens their protection (WARNING), with the reason
in words (:mod:`offline.risk`), and prints it all as Markdown for a pull-request comment,
verdict first (:mod:`offline.review`).

Each side runs in its own ``python -m offline <stack> --format json`` subprocess, so that each
imports its own ``components`` package; both use this checkout's ``offline`` engine, so the two
sides differ only in their program and stack files.

Exit status: 0 when nothing is a DANGER (warnings included); 3 when anything is a DANGER (it
takes precedence); 1 when a side of a stack could not be run (a config error or a crash); 2 for
bad arguments: a folder that is not a Pulumi project, or a stack that exists on neither side.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Optional

from .aliases import match_resources
from .diff import MISSING, ValueChange, shown, value_changes
from .document import STACK_TYPE
from .location import ENGINE_MODULE, IMPORT_ROOT
from .markup import code
from .resources import REGION_SETTINGS
from .review import render_review
from .risk import DANGER, WARNING, Finding, Sides, judge
from .stack_files import stack_names

#: Exit status when a change would lose backups (see the module docstring).
DANGER_EXIT = 3
#: A pull-request comment holds at most 65,536 characters; the review stays below this by
#: default, leaving room for the offline report after it.
DEFAULT_MAX_CHARS = 50_000
EXIT_STATUSES = (
    "exit status: 0 no DANGER (warnings do not count), 1 a side of a stack could not be run, "
    "2 bad arguments or folders, 3 a DANGER"
)


# --- running one side ------------------------------------------------------------------------


@dataclass
class Side:
    """One stack of one checkout, as far as it could be run."""

    label: str
    """``base`` or ``head``."""
    present: bool
    """The checkout has ``Pulumi.<stack>.yaml``."""
    document: Optional[dict[str, Any]] = None
    """The run's JSON document (see :func:`offline.document.run_document`); ``None`` when absent or crashed."""
    failure: Optional[str] = None
    """Why the stack could not be compared: its config error, or the crash's last lines."""

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Registrations by URN, without the root stack (its URN only names project and stack)."""
        if not self.document:
            return {}
        return {r["urn"]: r for r in self.document["registrations"] if r["type"] != STACK_TYPE}


def side_arguments(project_dir: Path, stack: str) -> list[str]:
    """The arguments of ``python -m offline`` that print one side: ``stack`` of ``project_dir`` as JSON."""
    return [stack, "--format", "json", "--project-dir", str(project_dir.resolve())]


def run_side(label: str, project_dir: Path, stack: str, python: str = sys.executable) -> Side:
    """Run ``stack`` of the project in ``project_dir`` in a fresh interpreter, as JSON."""
    if not (project_dir / f"Pulumi.{stack}.yaml").is_file():
        return Side(label, present=False)
    command = [python, "-m", ENGINE_MODULE, *side_arguments(project_dir, stack)]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # leave no __pycache__ in the checkouts
    # cwd puts this engine first on sys.path; the engine then puts the project folder in front
    # of it, so the program imports that side's own ``components``.
    result = subprocess.run(command, cwd=IMPORT_ROOT, env=env, capture_output=True, text=True, check=False)
    return side_of(label, result.stdout, result.stderr, result.returncode)


def side_of(label: str, stdout: str, stderr: str, status: int) -> Side:
    """The side a ``--format json`` run of one stack printed (``stdout``), or why it printed none."""
    document: Optional[dict[str, Any]] = None
    try:
        document = json.loads(stdout) if stdout.strip() else None
    except ValueError:
        document = None
    if document is None:
        # No document: a crash, or a mock the engine lacks; the last lines of stderr say which.
        tail = "\n".join(stderr.strip().splitlines()[-12:])
        return Side(label, present=True, failure=f"exit status {status}\n{tail}".strip())
    if document.get("error"):
        return Side(label, present=True, document=document, failure=str(document["error"]))
    return Side(label, present=True, document=document)


# --- the comparison --------------------------------------------------------------------------


@dataclass
class Change:
    """A resource on both sides whose inputs or options differ."""

    urn: str
    type: str
    name: str
    values: list[ValueChange]
    """Every changed input value, by path."""
    options: list[str]
    """Changed options, e.g. ``protect: true → false``, and notes on input changes that change nothing
    in AWS (a region settings type no longer named)."""
    old_urn: str = ""
    """The base URN, when the resource moved (matched by an alias)."""

    @property
    def inputs(self) -> list[str]:
        """The top-level inputs that changed, sorted."""
        return sorted({value.top for value in self.values})


@dataclass
class StackDiff:
    """What changes in one stack from base to head."""

    stack: str
    base: Side
    head: Side
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def dangers(self) -> list[Finding]:
        """Changes that lose backups."""
        return [f for f in self.findings if f.level == DANGER]

    @property
    def warnings(self) -> list[Finding]:
        """Changes that weaken protection."""
        return [f for f in self.findings if f.level == WARNING]

    @property
    def failed(self) -> bool:
        """A present side could not be run, so the comparison is incomplete."""
        return any(side.present and side.failure for side in (self.base, self.head))

    @property
    def unchanged(self) -> bool:
        """Both sides ran and registered the same resources with the same inputs and options."""
        return not (self.failed or self.added or self.removed or self.changed)


def _provider_key(reference: str) -> str:
    """A provider reference without its ID; every default provider counts as one."""
    if not reference:
        return "default"
    urn = reference.rsplit("::", 1)[0]
    return "default" if urn.rsplit("::", 1)[-1].startswith("default") else urn


def _changed_options(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    options = []
    for option in ("protect", "retain_on_delete"):
        if bool(old.get(option)) != bool(new.get(option)):
            options.append(f"{option}: {str(bool(old.get(option))).lower()} → {str(bool(new.get(option))).lower()}")
    if _provider_key(old["provider"]) != _provider_key(new["provider"]):
        options.append(f"provider: {_provider_key(old['provider'])} → {_provider_key(new['provider'])}")
    if old["parent"] != new["parent"]:
        options.append("parent")
    return options


#: The region settings' maps: AWS Backup changes only the types it is sent (see
#: ``components/region_settings.py``), so a type no longer named stays as it is.
_REGION_SETTINGS_MAPS = ("resourceTypeOptInPreference", "resourceTypeManagementPreference")


def _kept_in_aws(type_: str, values: list[ValueChange]) -> tuple[list[ValueChange], list[str]]:
    """``values`` without the changes that change nothing in AWS, and a note for each of those: a
    region settings type no longer named (``pulumi preview`` shows every type not named as removed)."""
    if type_ != REGION_SETTINGS:
        return values, []
    kept: list[ValueChange] = []
    notes: list[str] = []
    for value in values:
        if value.new is MISSING and value.top in _REGION_SETTINGS_MAPS:
            notes.append(
                f"{code(value.path)} ({code(shown(value.old, 60))}) no longer named: AWS keeps the region's setting "
                "as it is, so this changes nothing there (set it to the value you want instead)"
            )
        else:
            kept.append(value)
    return kept, notes


def diff_sides(stack: str, base: Side, head: Side) -> StackDiff:
    """Added, removed and changed resources, value by value, and what they risk."""
    diff = StackDiff(stack, base, head)
    if base.failure or head.failure:
        return diff  # one side has no resources to compare against
    old, new = base.resources, head.resources
    matched = match_resources(old, new.values())
    pairs = [(old_urn, new_urn) for new_urn, old_urn in matched.items()]
    paired_old, paired_new = set(matched.values()), set(matched)
    diff.added = [r for urn, r in new.items() if urn not in paired_new]
    diff.removed = [r for urn, r in old.items() if urn not in paired_old]
    for old_urn, new_urn in pairs:
        before, after = old[old_urn], new[new_urn]
        values, notes = _kept_in_aws(after["type"], value_changes(before["inputs"], after["inputs"]))
        options = _changed_options(before, after) + notes
        if old_urn != new_urn:
            options.append(f"moved from `{old_urn}` (alias)")
        if values or options:
            diff.changed.append(
                Change(new_urn, after["type"], after["name"], values, options, old_urn if old_urn != new_urn else "")
            )
    sides = Sides(old, new, base.document or {}, head.document or {}, pairs)
    diff.findings = judge(sides)
    return diff


def compare_stacks(stacks: list[str], base_dir: Path, head_dir: Path, python: str = sys.executable) -> list[StackDiff]:
    """Run each stack on both sides and compare them, in the order given.

    The runs are separate processes that spend most of their time starting up, so a few run
    at once.
    """
    jobs = [(label, folder, stack) for stack in stacks for label, folder in (("base", base_dir), ("head", head_dir))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        sides = list(pool.map(lambda job: run_side(job[0], job[1], job[2], python=python), jobs))
    return [diff_sides(stack, sides[2 * i], sides[2 * i + 1]) for i, stack in enumerate(stacks)]


def exit_status(diffs: list[StackDiff]) -> int:
    """3 when anything is a DANGER, else 1 when a side could not be run, else 0."""
    if any(d.dangers for d in diffs):
        return DANGER_EXIT
    if any(d.failed for d in diffs):
        return 1
    return 0


# --- command line ----------------------------------------------------------------------------


def parser() -> argparse.ArgumentParser:
    """The ``compare`` command's arguments."""
    command = argparse.ArgumentParser(
        prog=f"python -m {ENGINE_MODULE} compare", description=__doc__.splitlines()[0], epilog=EXIT_STATUSES
    )
    command.add_argument("--base", type=Path, required=True, help="the base checkout (a folder with Pulumi.yaml)")
    command.add_argument("--head", type=Path, required=True, help="the head checkout (a folder with Pulumi.yaml)")
    command.add_argument(
        "--max-chars",
        type=int,
        default=DEFAULT_MAX_CHARS,
        help="the Markdown is never longer than this: details give way first, then warnings, then dangers, "
        f"each counted when left out (default: {DEFAULT_MAX_CHARS:,}, room for a pull-request comment)",
    )
    command.add_argument(
        "stacks", nargs="*", help="stacks to compare (default: every Pulumi.<stack>.yaml of either side)"
    )
    return command


def main(argv: Optional[list[str]] = None) -> int:
    """``python -m offline compare``; returns the exit status (see the module docstring)."""
    options = parser().parse_args(argv)
    for label, folder in (("base", options.base), ("head", options.head)):
        if not (folder / "Pulumi.yaml").is_file():
            print(f"error: the {label} folder {folder} has no Pulumi.yaml", file=sys.stderr)
            return 2
    known = sorted(set(stack_names(options.base)) | set(stack_names(options.head)))
    stacks = options.stacks or known
    unknown = [s for s in stacks if s not in known]
    if unknown:
        print(
            f"error: no stack file for {', '.join(unknown)} on either side (stacks: {', '.join(known) or 'none'})",
            file=sys.stderr,
        )
        return 2
    diffs = compare_stacks(stacks, options.base, options.head)
    print(render_review(diffs, options.max_chars), end="")
    return exit_status(diffs)


__all__ = [
    "DANGER_EXIT",
    "DEFAULT_MAX_CHARS",
    "EXIT_STATUSES",
    "Change",
    "Side",
    "StackDiff",
    "compare_stacks",
    "diff_sides",
    "exit_status",
    "main",
    "parser",
    "run_side",
    "side_arguments",
    "side_of",
]
