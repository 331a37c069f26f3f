"""The offline report as Markdown, for a pull-request comment or a job summary.

Per stack: each plan's rules in words (schedule, next three runs in UTC and in the rule's time
zone, windows, retention, copies), the 3-2-1 verdict when the stack exports one with a diagram
of where its copies go, and the resource tree folded into a ``<details>`` block. Like the text
report, everything is read from what the program registered and exported, never from the config.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from typing import Any, Optional

from .component_rules import rules
from .document import plain
from .engine import OfflineRun, Registration
from .location import engine_command
from .markup import code
from .mermaid import copies_diagram
from .org_words import policy_language
from .report import PLAN, SELECTION, cold_words, describe_schedule, selected_types, tree, windows_vss
from .verdict import Verdict, VerdictFormatError, plan_verdicts

VAULT_TYPES = ("aws:backup/vault:Vault", "aws:backup/logicallyAirGappedVault:LogicallyAirGappedVault")
KMS_KEY = "aws:kms/key:Key"


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


def retention(
    lifecycle: Optional[dict[str, Any]],
    types: Optional[list[str]] = None,
    region: Optional[str] = None,
    air_gapped: bool = False,
) -> str:
    """``{"deleteAfter": 120, "coldStorageAfter": 30}`` and ``["EC2"]`` -> ``120 days, cold storage
    from day 30 is ignored: EC2 instance backups (AMIs) stay warm``.

    The cold storage is told per type the way AWS Backup applies it (``types``: what the plan
    may select, ``None`` when not known; ``region``: where the recovery points are kept;
    ``air_gapped``: in a logically air-gapped vault).
    """
    lifecycle = lifecycle or {}
    delete = lifecycle.get("deleteAfter")
    text = _days(delete) if delete else "until deleted by hand"
    words = cold_words(lifecycle, types, region, air_gapped)
    return f"{text}, {words}" if words else text


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


def _rule_lines(rule: dict[str, Any], now: dt.datetime, types: Optional[list[str]], region: str) -> list[str]:
    zone = rule.get("scheduleExpressionTimezone") or "UTC"
    schedule = rule["schedule"]
    air_gapped = rule.get("targetLogicallyAirGappedBackupVaultArn")
    into = f"into vault {code(rule['targetVaultName'])}"
    if air_gapped:
        into = (
            f"into logically air-gapped vault {code(air_gapped)} (EC2 and EBS through a temporary recovery point "
            f"in vault {code(rule['targetVaultName'])})"
        )
    lines = [
        f"- Rule {code(rule['ruleName'])} {into}",
        f"  - Schedule: {describe_schedule(schedule)} ({code(schedule)}, {zone})",
        f"  - Next runs: {'; '.join(next_runs(schedule, zone, now)) or 'not known to this program'}",
        f"  - Starts within {_duration(rule['startWindow'])}, must finish within {_duration(rule['completionWindow'])}",
        f"  - Retention: {retention(rule.get('lifecycle'), types, region, bool(air_gapped))}",
    ]
    if rule.get("enableContinuousBackup"):
        lines.append("  - Continuous backup (point-in-time restore) on")
    copies = rule.get("copyActions") or []
    if not copies:
        lines.append("  - Copies: none")
    for copy in copies:
        arn = copy["destinationVaultArn"]
        copy_region = None if rules.vault_arn(arn) else rules.vault_arn_parts(arn)[0]
        lines.append(f"  - Copy to {code(arn)}, kept {retention(copy.get('lifecycle'), types, copy_region)}")
    return lines


def plans_section(run: OfflineRun, now: dt.datetime) -> list[str]:
    """Each plan (by name): what it selects, then each rule's schedule, next runs, retention and copies."""
    lines: list[str] = []
    selections = sorted(run.of_type(SELECTION), key=lambda s: s.inputs.get("name") or s.name)
    region = str(run.settings.config.get("aws:region", ""))
    for plan in sorted(run.of_type(PLAN), key=lambda p: p.inputs["name"]):
        inputs = plan.inputs
        vss = windows_vss(plan)
        types = selected_types(run, plan)
        chosen = [s for s in selections if s.inputs.get("planId") == plan.id]
        lines += [f"#### Plan {code(inputs['name'])}" + (" (Windows VSS on)" if vss else ""), ""]
        if chosen:
            lines += [f"Backs up: {'; '.join(_selects(s) for s in chosen)}.", ""]
        else:
            lines += ["Backs up: nothing yet (no selection).", ""]
        for rule in inputs.get("rules") or []:
            lines += _rule_lines(rule, now, types, region)
        lines.append("")
    return lines


def policy_plans_section(run: OfflineRun, now: dt.datetime) -> list[str]:
    """The organization stack's plans, as every target account gets them from the backup policies."""
    described = policy_language(run, now)
    if not described:
        return []
    heading = "Every target account gets these plans from the backup policies (schedules in UTC):"
    return [heading, "", "```text", *described, "```", ""]


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
    if isinstance(value, (list, tuple)) and not any(isinstance(v, (list, dict)) for v in value):
        value = ", ".join(str(_number(v)) for v in value) or "–"
    elif isinstance(value, (list, dict)):
        value = json.dumps(value, sort_keys=True)
    return str(value).replace("|", "\\|").replace("\n", " ")


#: The copy table's columns: the verdict's copy fields, in this order.
_COPY_COLUMNS = (
    "rule",
    "role",
    "region",
    "account",
    "vault",
    "tier",
    "retention_days",
    "cold_storage_after_days",
    "cold_for",
)


def _verdict_lines(verdict: Verdict) -> list[str]:
    """One verdict: pass/fail with reasons, its counts and the resource types it judged (and why,
    when assumed), per type, a table of its copies, then the advice."""
    if verdict.meets is None:
        mark = "verdict not given"
    elif verdict.qualification:
        mark = f":warning: meets 3-2-1 only {verdict.qualification}"
    else:
        mark = ":white_check_mark: meets 3-2-1" if verdict.meets else ":x: does not meet 3-2-1"
    reasons = "; ".join(verdict.reasons)
    lines = [f"**{code(verdict.name)}: {mark}**" + (f": {reasons}" if reasons else ""), ""]
    facts = [
        (label, value)
        for label, value in (
            ("copies of a recovery point", verdict.copy_count),
            ("media", verdict.media or None),
            ("off-site", verdict.off_site),
            ("resource types", verdict.resource_types or None),
            *verdict.other.items(),
        )
        if value is not None
    ]
    if facts:
        lines += [" · ".join(f"{label}: {_cell(value)}" for label, value in facts), ""]
    lines += _list_lines("Resource types assumed", verdict.assumed)
    lines += _list_lines("Media", verdict.media_notes)
    if len(verdict.by_type) > 1:
        per_type = [
            f"{kind}: {_cell(media)} ({'meets' if meets else 'does not meet'})"
            for kind, (media, meets) in verdict.by_type.items()
        ]
        lines += ["Per type: " + " · ".join(per_type), ""]
    if verdict.copies:
        columns = [c for c in _COPY_COLUMNS if any(getattr(copy, c) is not None for copy in verdict.copies)]
        extra: list[str] = []
        for copy in verdict.copies:
            extra += [key for key, _ in copy.other if key not in extra]
        lines += ["| " + " | ".join(columns + extra) + " |", "|" + "---|" * len(columns + extra)]
        for copy in verdict.copies:
            cells = [_cell(getattr(copy, c)) for c in columns] + [_cell(dict(copy.other).get(k)) for k in extra]
            lines.append("| " + " | ".join(cells) + " |")
        lines.append("")
    return lines + _list_lines("Advice", verdict.advice) + _list_lines("Checks to run", verdict.checks)


def _list_lines(title: str, items: tuple[str, ...]) -> list[str]:
    return [f"{title}:", "", *[f"- {_cell(item)}" for item in items], ""] if items else []


def three_two_one_section(outputs: Any) -> list[str]:
    """The stack's 3-2-1 verdicts (read through :func:`offline.verdict.plan_verdicts`), or nothing.

    A verdict the adapter cannot read is shown as the JSON it is.
    """
    try:
        verdicts = plan_verdicts(outputs)
    except VerdictFormatError as error:
        return ["### 3-2-1", "", "```json", json.dumps(plain(error.value), indent=2, sort_keys=True), "```", ""]
    if verdicts is None:
        return []
    lines = ["### 3-2-1", ""]
    for verdict in verdicts.values():
        lines += _verdict_lines(verdict)
    return lines


def copies_section(outputs: Any) -> list[str]:
    """The diagram of the stack's copies, drawn from its verdicts (nothing when it has none)."""
    try:
        verdicts = plan_verdicts(outputs)
    except VerdictFormatError:
        return []
    diagram = copies_diagram(verdicts or {})
    return ["### Where the copies go", "", *diagram, ""] if diagram else []


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
    lines += plans_section(run, now) or policy_plans_section(run, now) or ["No backup plans in this stack.", ""]
    lines += three_two_one_section(run.outputs)
    lines += copies_section(run.outputs)
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
    "TREE_DETAILS",
    "copies_section",
    "next_runs",
    "plans_section",
    "render_document",
    "render_failure",
    "render_stack",
    "retention",
    "three_two_one_section",
    "vaults_section",
]
