"""Compare two checkouts offline: what a pull request adds, removes and changes, per stack.

``python -m offline compare --base <dir> --head <dir> [stack ...]`` runs each stack of both
project folders through the offline engine and lists the resources added, removed and changed
(by URN, with the input keys that differ). It flags as DANGER every change that would delete
or replace a backup vault or a KMS key, because either loses the recovery points for good:

- the resource is gone from the head (deleted on the next ``pulumi up``);
- its URN changed (renamed or re-parented without an alias: Pulumi deletes the old one and
  creates a new one);
- an input changed that the provider can only apply by replacing the resource (e.g. a vault's
  ``name`` or ``kmsKeyArn``), or the resource moves to another region.

Each side runs in its own ``python -m offline <stack> --format json`` subprocess, so that each
imports its own ``components`` package; both use this checkout's ``offline`` engine, so the two
sides differ only in their program and stack files. Exit status: 0 when nothing is dangerous,
3 when any DANGER is found, 1 when a side could not be run (a config error or a crash), 2 when
a folder is not a Pulumi project or a named stack exists on neither side.
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

# Only the engine and the stack-file reader here: importing ``components`` (as offline.report
# does) would pin this process to one side's package.
from .engine import OfflineRun
from .location import ENGINE_MODULE, IMPORT_ROOT
from .stack_files import stack_names

#: Exit status when a change would delete or replace a vault or a KMS key.
DANGER_EXIT = 3

VAULT = "aws:backup/vault:Vault"
AIR_GAPPED_VAULT = "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault"
KMS_KEY = "aws:kms/key:Key"

#: Inputs the AWS provider can only change by replacing the resource (ForceNew /
#: RequiresReplace in the Terraform provider that pulumi-aws wraps). ``region`` is pulumi-aws 7's
#: per-resource region. ``keySpec`` is not a pulumi-aws ``Key`` input today; it is AWS's name for
#: ``customerMasterKeySpec`` and is listed so that a future input of that name is covered too.
REPLACE_INPUTS: dict[str, tuple[str, ...]] = {
    VAULT: ("name", "kmsKeyArn", "region"),
    AIR_GAPPED_VAULT: ("name", "encryptionKeyArn", "maxRetentionDays", "minRetentionDays", "region"),
    KMS_KEY: ("customerMasterKeySpec", "keySpec", "multiRegion", "keyUsage", "customKeyStoreId", "xksKeyId", "region"),
}
VAULT_TYPES = (VAULT, AIR_GAPPED_VAULT)

STACK_TYPE = "pulumi:pulumi:Stack"


# --- the subprocess protocol: one run as JSON ------------------------------------------------


def plain(value: Any) -> Any:
    """JSON-ready: protobuf sends every number as a float, so whole numbers become ints again."""
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)  # e.g. an unknown preview value: show it rather than fail


def run_document(run: OfflineRun) -> dict[str, Any]:
    """One offline run as the JSON document ``python -m offline <stack> --format json`` prints.

    Keys: ``project``, ``stack``, ``region``, ``account_id``, ``registrations`` (each with
    ``type``, ``name``, ``urn``, ``parent``, ``custom``, ``protect``, ``retain_on_delete``,
    ``provider``, ``inputs``, the mock ``id`` and ``outputs``, and ``aliases`` when the engine
    records them), the stack's ``outputs``,
    ``warnings`` and ``error`` (the config error's text, or ``null``).
    """
    settings = run.settings
    registrations = []
    for r in run.registrations:
        entry: dict[str, Any] = {
            "type": r.type,
            "name": r.name,
            "urn": r.urn,
            "parent": r.parent,
            "custom": r.custom,
            "protect": r.protect,
            "retain_on_delete": r.retain_on_delete,
            "provider": r.provider,
            "inputs": plain(r.inputs),
            "id": r.id,
            "outputs": plain(r.outputs),
        }
        aliases = getattr(r, "aliases", None)  # recorded by newer engines; older ones have none
        if aliases:
            entry["aliases"] = [str(a) for a in aliases]
        registrations.append(entry)
    return {
        "project": settings.project,
        "stack": settings.stack,
        "region": settings.config.get("aws:region"),
        "account_id": run.account_id,
        "registrations": registrations,
        "outputs": plain(run.outputs),
        "warnings": list(run.warnings),
        "error": None if run.error is None else str(run.error),
    }


# --- running one side ------------------------------------------------------------------------


@dataclass
class Side:
    """One stack of one checkout, as far as it could be run."""

    label: str
    """``base`` or ``head``."""
    present: bool
    """The checkout has ``Pulumi.<stack>.yaml``."""
    document: Optional[dict[str, Any]] = None
    """The run's JSON document (see :func:`run_document`); ``None`` when absent or crashed."""
    failure: Optional[str] = None
    """Why the stack could not be compared: its config error, or the crash's last lines."""

    @property
    def resources(self) -> dict[str, dict[str, Any]]:
        """Registrations by URN, without the root stack (its URN only names project and stack)."""
        if not self.document:
            return {}
        return {r["urn"]: r for r in self.document["registrations"] if r["type"] != STACK_TYPE}


def run_side(label: str, project_dir: Path, stack: str, python: str = sys.executable) -> Side:
    """Run ``stack`` of the project in ``project_dir`` in a fresh interpreter, as JSON."""
    if not (project_dir / f"Pulumi.{stack}.yaml").is_file():
        return Side(label, present=False)
    command = [python, "-m", ENGINE_MODULE, stack, "--format", "json", "--project-dir", str(project_dir.resolve())]
    env = {**os.environ, "PYTHONDONTWRITEBYTECODE": "1"}  # leave no __pycache__ in the checkouts
    # cwd puts this engine first on sys.path; the engine then puts the project folder in front
    # of it, so the program imports that side's own ``components``.
    result = subprocess.run(command, cwd=IMPORT_ROOT, env=env, capture_output=True, text=True, check=False)
    document: Optional[dict[str, Any]] = None
    try:
        document = json.loads(result.stdout) if result.stdout.strip() else None
    except ValueError:
        document = None
    if document is None:
        # No document: a crash, or a mock the engine lacks; the last lines of stderr say which.
        tail = "\n".join(result.stderr.strip().splitlines()[-12:])
        return Side(label, present=True, failure=f"exit status {result.returncode}\n{tail}".strip())
    if document.get("error"):
        return Side(label, present=True, document=document, failure=str(document["error"]))
    return Side(label, present=True, document=document)


# --- the comparison --------------------------------------------------------------------------


@dataclass
class Change:
    """A resource in both sides whose inputs or options differ."""

    urn: str
    type: str
    name: str
    inputs: list[str]
    """Top-level input keys that differ, sorted."""
    options: list[str]
    """Changed options, e.g. ``protect: true → false``."""


@dataclass
class Danger:
    """A change that would delete or replace a vault or a KMS key."""

    urn: str
    type: str
    message: str


@dataclass
class StackDiff:
    """What changes in one stack from base to head."""

    stack: str
    base: Side
    head: Side
    added: list[dict[str, Any]] = field(default_factory=list)
    removed: list[dict[str, Any]] = field(default_factory=list)
    changed: list[Change] = field(default_factory=list)
    dangers: list[Danger] = field(default_factory=list)

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


def _region_of(resource: dict[str, Any], side: Side) -> Optional[str]:
    """Where a resource lives: its own ``region`` input, its explicit provider's, or the stack's."""
    if resource["inputs"].get("region"):
        return str(resource["inputs"]["region"])
    provider_urn = resource["provider"].rsplit("::", 1)[0] if resource["provider"] else ""
    for candidate in (side.document or {}).get("registrations", []):
        if provider_urn and candidate["urn"] == provider_urn and candidate["inputs"].get("region"):
            return str(candidate["inputs"]["region"])
    return (side.document or {}).get("region")


def _short(value: Any) -> str:
    text = json.dumps(value, sort_keys=True) if not isinstance(value, str) else value
    return text if len(text) <= 80 else text[:77] + "..."


def _what(resource: dict[str, Any], side: Side) -> str:
    """What is lost with a guarded resource, for the messages."""
    if resource["type"] == VAULT:
        return "backup vault: its recovery points go with it"
    if resource["type"] == AIR_GAPPED_VAULT:
        return "logically air-gapped vault: its recovery points go with it"
    arn = resource.get("outputs", {}).get("arn")
    vaults = sorted(
        str(r["inputs"].get("name"))
        for r in side.resources.values()
        if r["type"] in VAULT_TYPES
        and arn
        and arn in (r["inputs"].get("kmsKeyArn"), r["inputs"].get("encryptionKeyArn"))
    )
    if vaults:
        named = ", ".join(f"`{v}`" for v in vaults)
        return f"KMS key that encrypts vault {named}: its recovery points could no longer be restored"
    return "KMS key: whatever it encrypted could no longer be decrypted"


def _guard(resource: dict[str, Any]) -> str:
    if not resource["protect"]:
        return ""
    return " It is protected, so `pulumi up` stops at it until the protection is lifted."


def _identity(resource: dict[str, Any]) -> Any:
    """What names a guarded resource in AWS: a vault's name; a key has none, so its logical name."""
    return resource["inputs"].get("name") or resource["name"]


def _changed_keys(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))


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


def _replace_dangers(old: dict[str, Any], new: dict[str, Any], base: Side, head: Side) -> list[Danger]:
    """Replace-forcing input changes, and a move to another region, of one guarded resource."""
    dangers = []
    forced = [
        key
        for key in REPLACE_INPUTS[new["type"]]
        if key != "region" and old["inputs"].get(key) != new["inputs"].get(key)
    ]
    for key in forced:
        dangers.append(
            Danger(
                new["urn"],
                new["type"],
                f"`{new['name']}` would be REPLACED (deleted and created anew): `{key}` changes from "
                f"`{_short(old['inputs'].get(key))}` to `{_short(new['inputs'].get(key))}`. "
                f"It is a {_what(old, base)}.{_guard(old)}",
            )
        )
    old_region, new_region = _region_of(old, base), _region_of(new, head)
    if old_region != new_region:
        dangers.append(
            Danger(
                new["urn"],
                new["type"],
                f"`{new['name']}` would be REPLACED: it moves from region `{old_region}` to `{new_region}`. "
                f"It is a {_what(old, base)}.{_guard(old)}",
            )
        )
    return dangers


def diff_sides(stack: str, base: Side, head: Side) -> StackDiff:
    """Added, removed and changed resources, and the dangerous ones among them."""
    diff = StackDiff(stack, base, head)
    if base.failure or head.failure:
        return diff  # one side has no resources to compare against
    old, new = base.resources, head.resources

    # A head resource that lists a base URN among its aliases is that resource, moved.
    moved = {
        alias: urn
        for urn, resource in new.items()
        for alias in resource.get("aliases", [])
        if alias in old and alias not in new
    }
    pairs = [(urn, urn) for urn in old if urn in new] + list(moved.items())
    paired_old = {o for o, _ in pairs}
    paired_new = {n for _, n in pairs}
    diff.added = [r for urn, r in new.items() if urn not in paired_new]
    diff.removed = [r for urn, r in old.items() if urn not in paired_old]

    for old_urn, new_urn in pairs:
        before, after = old[old_urn], new[new_urn]
        keys = _changed_keys(before["inputs"], after["inputs"])
        options = _changed_options(before, after)
        if old_urn != new_urn:
            options.append(f"moved from `{old_urn}` (alias)")
        if keys or options:
            diff.changed.append(Change(new_urn, after["type"], after["name"], keys, options))
        if after["type"] in REPLACE_INPUTS and before["type"] == after["type"]:
            diff.dangers += _replace_dangers(before, after, base, head)

    for gone in diff.removed:
        if gone["type"] not in REPLACE_INPUTS:
            continue
        successor = next((r for r in diff.added if r["type"] == gone["type"] and _identity(r) == _identity(gone)), None)
        if successor is not None:
            message = (
                f"`{gone['name']}` would be REPLACED: its URN changes from `{gone['urn']}` to "
                f"`{successor['urn']}` (renamed or re-parented without an alias), so Pulumi deletes the "
                f"old one and creates a new one. It is a {_what(gone, base)}. Add `aliases=[...]` with the old "
                f"URN to keep it.{_guard(gone)}"
            )
        else:
            message = (
                f"`{gone['name']}` would be DELETED: it is no longer declared. "
                f"It is a {_what(gone, base)}.{_guard(gone)}"
            )
        diff.dangers.append(Danger(gone["urn"], gone["type"], message))
    return diff


def compare_stacks(stacks: list[str], base_dir: Path, head_dir: Path, python: str = sys.executable) -> list[StackDiff]:
    """Run each stack on both sides and compare them, in the order given.

    The runs are separate processes that spend most of their time starting up, so a few run
    at once.
    """
    jobs = [(label, folder, stack) for stack in stacks for label, folder in (("base", base_dir), ("head", head_dir))]
    with ThreadPoolExecutor(max_workers=4) as pool:
        sides = list(pool.map(lambda job: run_side(*job, python=python), jobs))
    return [diff_sides(stack, sides[2 * i], sides[2 * i + 1]) for i, stack in enumerate(stacks)]


# --- Markdown ----------------------------------------------------------------------------------


def code(text: Any) -> str:
    """``text`` as Markdown inline code, even when it holds a backtick."""
    text = str(text)
    return f"`` {text} ``" if "`" in text else f"`{text}`"


def _fenced(text: str) -> list[str]:
    return ["```text", *text.splitlines(), "```"]


def render_stack_diff(diff: StackDiff) -> list[str]:
    """One stack's section of the comparison."""
    lines = [f"## Stack {code(diff.stack)}", ""]
    base, head = diff.base, diff.head
    if not base.present and not head.present:
        return lines + ["Neither side has this stack.", ""]
    if not base.present:
        lines += ["New stack: the base has no stack file, so everything below is added.", ""]
    if not head.present:
        lines += ["Stack file removed: the head no longer declares anything for this stack.", ""]
    for side in (base, head):
        if side.present and side.failure:
            lines += [f"**The {side.label} side could not be run**, so this stack was not compared:", ""]
            lines += [*_fenced(side.failure), ""]
    if diff.failed:
        return lines
    for danger in diff.dangers:
        lines.append(f"- :rotating_light: **DANGER**: {danger.message}")
    if diff.dangers:
        lines.append("")
    if diff.unchanged:
        return lines + ["No changes.", ""]
    lines += _listing("Added", [code(r["urn"]) for r in sorted(diff.added, key=lambda r: r["urn"])])
    lines += _listing("Removed", [code(r["urn"]) for r in sorted(diff.removed, key=lambda r: r["urn"])])
    changed = []
    for change in sorted(diff.changed, key=lambda c: c.urn):
        parts = ["inputs " + ", ".join(code(key) for key in change.inputs)] if change.inputs else []
        changed.append(f"{code(change.urn)}: " + "; ".join(parts + change.options))
    lines += _listing("Changed", changed)
    return lines


#: Longer lists than this are folded into a <details> block, so the dangers stay in view.
FOLD_AFTER = 10


def _listing(title: str, entries: list[str]) -> list[str]:
    if not entries:
        return []
    bullets = [f"- {entry}" for entry in entries]
    if len(entries) <= FOLD_AFTER:
        return [f"**{title} ({len(entries)})**", "", *bullets, ""]
    return ["<details>", f"<summary>{title} ({len(entries)})</summary>", "", *bullets, "", "</details>", ""]


def render_comparison(diffs: list[StackDiff]) -> str:
    """The whole comparison as Markdown, for a pull-request comment."""
    dangers = sum(len(d.dangers) for d in diffs)
    failed = [d.stack for d in diffs if d.failed]
    lines = ["# Offline comparison with the base branch", ""]
    if dangers:
        lines += [
            f"> [!CAUTION]\n> **DANGER: {dangers} change{'s' if dangers != 1 else ''} would delete or replace a "
            "backup vault or a KMS key.** Recovery points in a deleted vault, or encrypted with a deleted key, "
            "are lost. See the stacks below.",
            "",
        ]
    elif not failed:
        lines += ["No change deletes or replaces a backup vault or a KMS key.", ""]
    if failed:
        lines += [f"Not compared (a side could not be run): {', '.join(code(s) for s in failed)}.", ""]
    lines.append(
        "_Both sides ran offline (the real program against Pulumi's mock engine, no AWS); "
        "`pulumi preview` below has the last word._"
    )
    lines.append("")
    for diff in diffs:
        lines += render_stack_diff(diff)
    return "\n".join(lines).rstrip() + "\n"


def exit_status(diffs: list[StackDiff]) -> int:
    """3 when anything is dangerous, else 1 when a side could not be run, else 0."""
    if any(d.dangers for d in diffs):
        return DANGER_EXIT
    if any(d.failed for d in diffs):
        return 1
    return 0


# --- command line ----------------------------------------------------------------------------


def main(argv: Optional[list[str]] = None) -> int:
    """``python -m offline compare``; returns the exit status (see the module docstring)."""
    parser = argparse.ArgumentParser(prog=f"python -m {ENGINE_MODULE} compare", description=__doc__.splitlines()[0])
    parser.add_argument("--base", type=Path, required=True, help="the base checkout (a folder with Pulumi.yaml)")
    parser.add_argument("--head", type=Path, required=True, help="the head checkout (a folder with Pulumi.yaml)")
    parser.add_argument(
        "stacks", nargs="*", help="stacks to compare (default: every Pulumi.<stack>.yaml of either side)"
    )
    options = parser.parse_args(argv)

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
    print(render_comparison(diffs), end="")
    return exit_status(diffs)


__all__ = [
    "DANGER_EXIT",
    "REPLACE_INPUTS",
    "Change",
    "Danger",
    "Side",
    "StackDiff",
    "code",
    "compare_stacks",
    "diff_sides",
    "exit_status",
    "main",
    "plain",
    "render_comparison",
    "run_document",
    "run_side",
]
