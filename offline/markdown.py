"""The offline report as Markdown, for a pull-request comment or a job summary.

Per stack: each plan's rules in words (schedule, next three runs in UTC and in the rule's time
zone, windows, retention, copies), the 3-2-1 verdict when the stack exports one, and the
resource tree folded into a ``<details>`` block. Like the text report, everything is read from
what the program registered and exported, never from the config.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any, Optional

from .compare import code, plain  # compare.py imports no ``components``, so it holds the shared helpers
from .component_rules import rules
from .engine import OfflineRun, Registration
from .location import engine_command
from .report import PLAN, SELECTION, describe_schedule, tree

VAULT_TYPES = ("aws:backup/vault:Vault", "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault")
KMS_KEY = "aws:kms/key:Key"
#: The stack output holding the 3-2-1 verdict, when the program exports one.
THREE_TWO_ONE_OUTPUT = "three_two_one"
#: Keys a verdict may use for pass/fail and for its reasons (the first one present is used).
_PASS_KEYS = ("meets_3_2_1", "pass", "passed", "passes", "ok", "compliant")
_REASON_KEYS = ("reasons", "reason", "why", "message")
_COPY_KEYS = ("copies",)


def _number(value: Any) -> Any:
    # Protobuf carries every number as a float; show whole numbers as whole numbers.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _days(value: Any) -> str:
    days = _number(value)
    return f"{days} day" + ("s" if days != 1 else "")


def _duration(minutes: Any) -> str:
    minutes = _number(minutes)
    if minutes % 1440 == 0:
        return _days(minutes // 1440)
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} minutes"


def retention(lifecycle: Optional[dict[str, Any]]) -> str:
    """``{"deleteAfter": 30, "coldStorageAfter": 7}`` -> ``30 days, in cold storage from day 7``."""
    lifecycle = lifecycle or {}
    delete, cold = lifecycle.get("deleteAfter"), lifecycle.get("coldStorageAfter")
    text = _days(delete) if delete else "until deleted by hand"
    if cold:
        text += f", in cold storage from day {_number(cold)}"
    if lifecycle.get("optInToArchiveForSupportedResources"):
        text += ", archive tier opted in"
    return text


def next_runs(schedule: str, zone: str, now: dt.datetime, count: int = 3) -> list[str]:
    """The next ``count`` runs, each in the rule's zone and, when that is not UTC, in UTC too."""
    runs = rules.upcoming_runs(schedule, now, count, zone)
    if zone == "UTC":
        return [f"{when:%a %Y-%m-%d %H:%M} UTC" for when in runs]
    return [f"{when:%a %Y-%m-%d %H:%M} {zone} ({when.astimezone(dt.UTC):%a %Y-%m-%d %H:%M} UTC)" for when in runs]


def _selects(selection: Registration) -> str:
    inputs = selection.inputs
    parts = [f"tagged {code(str(t['key']) + '=' + str(t['value']))}" for t in inputs.get("selectionTags") or []]
    parts += [code(arn) for arn in inputs.get("resources") or []]
    text = " or ".join(parts) if parts else "resources matching its conditions"
    for condition in inputs.get("conditions") or []:
        for kind, entries in condition.items():
            for entry in entries or []:
                text += f", where {code(entry['key'])} {kind} {code(entry['value'])}"
    if inputs.get("notResources"):
        text += ", except " + ", ".join(code(arn) for arn in inputs["notResources"])
    return text


def _rule_lines(rule: dict[str, Any], now: dt.datetime) -> list[str]:
    zone = rule.get("scheduleExpressionTimezone") or "UTC"
    schedule = rule["schedule"]
    lines = [
        f"- Rule {code(rule['ruleName'])} into vault {code(rule['targetVaultName'])}",
        f"  - Schedule: {describe_schedule(schedule)} ({code(schedule)}, {zone})",
        f"  - Next runs: {'; '.join(next_runs(schedule, zone, now))}",
        f"  - Starts within {_duration(rule['startWindow'])}, must finish within {_duration(rule['completionWindow'])}",
        f"  - Retention: {retention(rule.get('lifecycle'))}",
    ]
    if rule.get("enableContinuousBackup"):
        lines.append("  - Continuous backup (point-in-time restore) on")
    copies = rule.get("copyActions") or []
    if not copies:
        lines.append("  - Copies: none")
    for copy in copies:
        lines.append(f"  - Copy to {code(copy['destinationVaultArn'])}, kept {retention(copy.get('lifecycle'))}")
    return lines


def plans_section(run: OfflineRun, now: dt.datetime) -> list[str]:
    """Each plan (by name): what it selects, then each rule's schedule, next runs, retention and copies."""
    lines: list[str] = []
    selections = sorted(run.of_type(SELECTION), key=lambda s: s.inputs.get("name") or s.name)
    for plan in sorted(run.of_type(PLAN), key=lambda p: p.inputs["name"]):
        inputs = plan.inputs
        vss = any(
            (setting.get("backupOptions") or {}).get("WindowsVSS") == "enabled"
            for setting in inputs.get("advancedBackupSettings") or []
        )
        chosen = [s for s in selections if s.inputs.get("planId") == plan.id]
        lines += [f"#### Plan {code(inputs['name'])}" + (" (Windows VSS on)" if vss else ""), ""]
        if chosen:
            lines += [f"Backs up: {'; '.join(_selects(s) for s in chosen)}.", ""]
        else:
            lines += ["Backs up: nothing yet (no selection).", ""]
        for rule in inputs.get("rules") or []:
            lines += _rule_lines(rule, now)
        lines.append("")
    return lines


def _flags(resource: Registration) -> str:
    flags = [
        name for name, on in (("protected", resource.protect), ("retained on delete", resource.retain_on_delete)) if on
    ]
    return f" ({', '.join(flags)})" if flags else " (not protected)"


def vaults_section(run: OfflineRun) -> list[str]:
    """The vaults and KMS keys: what holds and what unlocks the backups, and their protection."""
    lines = []
    vaults = [r for r in run.registrations if r.type in VAULT_TYPES]
    for vault in sorted(vaults, key=lambda v: str(v.inputs.get("name") or v.name)):
        key = vault.inputs.get("kmsKeyArn") or vault.inputs.get("encryptionKeyArn")
        text = f"- Vault {code(vault.inputs.get('name') or vault.name)}"
        if key:
            text += f", encrypted with {code(key)}"
        lines.append(text + _flags(vault))
    for key in sorted(run.of_type(KMS_KEY), key=lambda k: k.name):
        described = f": {key.inputs['description']}" if key.inputs.get("description") else ""
        lines.append(f"- KMS key {code(key.name)}{described}{_flags(key)}")
    return lines + [""] if lines else []


def _cell(value: Any) -> str:
    value = _number(value)
    if value is None:
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, list) and not any(isinstance(v, (list, dict)) for v in value):
        value = ", ".join(str(_number(v)) for v in value)
    elif isinstance(value, (list, dict)):
        value = json.dumps(value, sort_keys=True)
    return str(value).replace("|", "\\|").replace("\n", " ")


def _first(entry: dict[str, Any], keys: tuple[str, ...]) -> tuple[Optional[str], Any]:
    for key in keys:
        if key in entry:
            return key, entry[key]
    return None, None


def _verdict_lines(name: str, verdict: Any) -> list[str]:
    """One selection's (or plan's) verdict: pass/fail with reasons, then a table of its copies."""
    if not isinstance(verdict, dict):
        return [f"- {code(name)}: {_cell(verdict)}"]
    pass_key, passed = _first(verdict, _PASS_KEYS)
    reason_key, reasons = _first(verdict, _REASON_KEYS)
    copies_key, copies = _first(verdict, _COPY_KEYS)
    if passed is None:
        mark = "verdict not given"
    else:
        mark = ":white_check_mark: meets 3-2-1" if passed else ":x: does not meet 3-2-1"
    if isinstance(reasons, list):
        reasons = "; ".join(str(r) for r in reasons)
    lines = [f"**{code(name)}: {mark}**" + (f": {reasons}" if reasons else ""), ""]
    shown = {pass_key, reason_key, copies_key}
    rest = [f"{key}: {_cell(value)}" for key, value in verdict.items() if key not in shown]
    if rest:
        lines += [" · ".join(rest), ""]
    if isinstance(copies, list) and copies and all(isinstance(c, dict) for c in copies):
        columns: list[str] = []
        for entry in copies:
            columns += [key for key in entry if key not in columns]
        lines += ["| " + " | ".join(columns) + " |", "|" + "---|" * len(columns)]
        lines += ["| " + " | ".join(_cell(entry.get(col)) for col in columns) + " |" for entry in copies]
        lines.append("")
    elif copies:
        lines += [f"Copies: {_cell(copies)}", ""]
    return lines


def three_two_one_section(value: Any) -> list[str]:
    """The ``three_two_one`` output, whatever its exact shape.

    Understood: a mapping of selection (or plan) name to a verdict mapping, or a list of
    verdicts each carrying a ``selection``/``plan``/``name`` key. A verdict's pass/fail is its
    first key among ``meets_3_2_1``, ``pass``, ``passed``, ``passes``, ``ok``, ``compliant``;
    its reasons are ``reasons`` (or ``reason``, ``why``, ``message``); ``copies`` (a list of
    mappings) becomes a table; other keys are listed as they are. Anything else is shown as JSON.
    """
    lines = ["### 3-2-1", ""]
    if isinstance(value, dict) and value and all(isinstance(v, dict) for v in value.values()):
        for name, verdict in value.items():
            lines += _verdict_lines(str(name), verdict)
        return lines
    if isinstance(value, list) and value and all(isinstance(v, dict) for v in value):
        for index, verdict in enumerate(value):
            key, name = _first(verdict, ("selection", "plan", "name"))
            rest = {k: v for k, v in verdict.items() if k != key}
            lines += _verdict_lines(str(name if name is not None else index + 1), rest)
        return lines
    return lines + ["```json", json.dumps(value, indent=2, sort_keys=True, default=str), "```", ""]


def _in_stable_order(run: OfflineRun) -> OfflineRun:
    # The engine records resources in the order their registrations complete, which varies
    # from run to run; a comment updated on every push should not reshuffle.
    ordered = sorted(run.registrations, key=lambda r: (r.type, r.name))
    return dataclasses.replace(run, registrations=ordered)


#: How much of the resource tree a stack's section holds, from most to least.
TREE_DETAILS = ("inputs", "names", "none")
_RESOURCE_LINE = re.compile(r"^[│├└─ ]*[\w.-]+:[\w./-]*:\w+  \S")


def _tree_section(run: OfflineRun, detail: str) -> list[str]:
    custom = [r for r in run.resources if r.custom]
    if detail == "none":
        command = engine_command(run.settings.stack)
        return [f"_Resource tree ({len(custom)} AWS resources) left out to fit: `{command}` prints it._", ""]
    lines = tree(_in_stable_order(run))
    summary = f"Resource tree ({len(custom)} AWS resources)"
    if detail == "names":
        lines = [line for line in lines if _RESOURCE_LINE.match(line)]
        summary = f"Resource tree ({len(custom)} AWS resources; inputs left out to fit)"
    return ["<details>", f"<summary>{summary}</summary>", "", "```text", *lines, "```", "", "</details>", ""]


def render_stack(run: OfflineRun, now: dt.datetime, tree_detail: str = "inputs") -> str:
    """One stack's section. ``now`` is where the next runs are counted from.

    ``tree_detail``: ``inputs`` (default) folds in the whole resource tree with every input,
    ``names`` only the resources, ``none`` leaves the tree out (for a comment that must stay short).
    """
    settings = run.settings
    region = settings.config.get("aws:region", "?")
    resources = run.resources
    custom = [r for r in resources if r.custom]
    lines = [f"## Stack {code(settings.stack)} ({region})", ""]
    warnings = [f"> :warning: {message}" for message in run.warnings] + ([""] if run.warnings else [])
    if run.error is not None:
        lines += ["**The stack's config is wrong; `pulumi up` would stop here:**", "", *warnings]
        return "\n".join(lines + ["```text", *str(run.error).splitlines(), "```", ""])
    lines += [
        f"{len(custom)} AWS resources in {len(resources) - len(custom)} components "
        f"(offline: mock engine, account {run.account_id}).",
        "",
        *warnings,
    ]
    lines += vaults_section(run)
    lines += ["### Plans", ""]
    lines += plans_section(run, now) or ["No backup plans in this stack.", ""]
    if THREE_TWO_ONE_OUTPUT in run.outputs:
        lines += three_two_one_section(plain(run.outputs[THREE_TWO_ONE_OUTPUT]))
    lines += _tree_section(run, tree_detail)
    return "\n".join(lines)


def render_failure(stack: str, message: str) -> str:
    """A stack whose offline run crashed (a bug, not a config error)."""
    return "\n".join(
        [f"## Stack {code(stack)}", "", "**The offline run failed:**", "", "```text", *message.splitlines(), "```", ""]
    )


def render_document(sections: list[str], now: dt.datetime) -> str:
    """The stacks' sections under one heading."""
    header = [
        "# Offline report",
        "",
        f"What `pulumi up` would create, per stack, from this branch's code and stack files. "
        f"Next runs are counted from {now.astimezone(dt.UTC):%Y-%m-%d %H:%M} UTC.",
        "",
    ]
    return "\n".join(header + sections).rstrip() + "\n"


__all__ = [
    "THREE_TWO_ONE_OUTPUT",
    "TREE_DETAILS",
    "next_runs",
    "plans_section",
    "render_document",
    "render_failure",
    "render_stack",
    "retention",
    "three_two_one_section",
    "vaults_section",
]
