"""Print an offline run the way a reviewer wants to read it: the tree, then each plan in words.

Everything here is read from what the program registered, never from the config, so the
report cannot disagree with what ``pulumi up`` would be asked to create.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import json
from typing import Any, Optional

from cron_descriptor import ExpressionDescriptor, FormatError, Options

from .component_rules import S3_BACKUP_POLICY, rules, storage_tiers
from .component_rules import selected_types as selection_types
from .engine import OfflineRun, Registration
from .verdict import VerdictFormatError, plan_verdicts

PLAN = "aws:backup/plan:Plan"
SELECTION = "aws:backup/selection:Selection"
POLICY_ATTACHMENTS = "aws:iam/rolePolicyAttachmentsExclusive:RolePolicyAttachmentsExclusive"


def _number(value: Any) -> Any:
    # Protobuf carries every number as a float; show whole numbers as whole numbers.
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _plain(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return _number(value)


def _input_lines(inputs: dict[str, Any], indent: str) -> list[str]:
    lines = []
    for key in sorted(inputs):
        value = _plain(inputs[key])
        if isinstance(value, str) and value.lstrip().startswith("{"):
            with contextlib.suppress(ValueError):
                value = json.loads(value)  # policy documents: show them compactly
        text = value if isinstance(value, str) else json.dumps(value, sort_keys=True)
        lines.append(f"{indent}{key}: {text}")
    return lines


def _flags(resource: Registration, stack_region: str) -> str:
    flags = []
    if resource.protect:
        flags.append("protected")
    if resource.retain_on_delete:
        flags.append("retained on delete")
    # A resource placed in another region by its own `region` input (pulumi-aws 7).
    own_region = resource.inputs.get("region")
    if resource.custom and own_region and own_region != stack_region:
        flags.append(f"region {own_region}")
    if resource.provider and "::default" not in resource.provider:
        flags.append(f"provider {resource.provider.split('::')[-2]}")
    return f"  [{', '.join(flags)}]" if flags else ""


def tree(run: OfflineRun) -> list[str]:
    """The resource tree: type, logical name, flags, and each custom resource's inputs."""
    children: dict[str, list[Registration]] = {}
    # Registration order varies between runs; type and name give the same tree every time.
    for resource in sorted(run.registrations, key=lambda r: (r.type, r.name)):
        children.setdefault(resource.parent, []).append(resource)

    lines: list[str] = []
    stack_region = run.settings.config.get("aws:region", "")

    def walk(resource: Registration, prefix: str, last: bool, top: bool) -> None:
        branch = "" if top else ("└─ " if last else "├─ ")
        lines.append(f"{prefix}{branch}{resource.type}  {resource.name}{_flags(resource, stack_region)}")
        below = prefix + ("" if top else ("   " if last else "│  "))
        kids = children.get(resource.urn, [])
        if resource.custom:
            lines.extend(_input_lines(resource.inputs, below + ("   " if not kids else "│  ")))
        for index, child in enumerate(kids):
            walk(child, below, index == len(kids) - 1, False)

    for root in children.get("", []):
        walk(root, "", True, True)
    return lines


#: What the reports say of a valid schedule the cron library cannot describe (``L`` alone or
#: ``L-n`` in Day-of-week, which AWS's cron pattern accepts).
UNDESCRIBED_SCHEDULE = "on a schedule this program cannot put in words"


def describe_schedule(expression: str) -> str:
    """``cron(0 18 ? * SUN *)`` -> ``at 18:00, only on Sunday``; :data:`UNDESCRIBED_SCHEDULE` when
    the cron library cannot describe it."""
    options = Options()
    options.use_24hour_time_format = True
    options.day_of_week_start_index_zero = False  # AWS counts days 1 (Sunday) to 7
    fields = expression.strip()[len("cron(") : -1]
    try:
        text = ExpressionDescriptor(fields, options).get_description()
    except FormatError:
        return UNDESCRIBED_SCHEDULE
    return text[:1].lower() + text[1:]


def _duration(minutes: int) -> str:
    if minutes % 1440 == 0:
        days = minutes // 1440
        return f"{days} day" + ("s" if days != 1 else "")
    if minutes % 60 == 0:
        hours = minutes // 60
        return f"{hours} hour" + ("s" if hours != 1 else "")
    return f"{minutes} minutes"


def windows_vss(plan: Registration) -> bool:
    """The plan sends the ``WindowsVSS: enabled`` advanced setting for EC2."""
    return any(
        (setting.get("backupOptions") or {}).get("WindowsVSS") == "enabled"
        for setting in plan.inputs.get("advancedBackupSettings") or []
    )


def selected_types(run: OfflineRun, plan: Registration) -> Optional[list[str]]:
    """The resource types a registered plan's selections may select (:mod:`components.storage_tiers`):
    tag selections reach EC2 and EBS, and S3 when a registered role has the S3 backup policy.
    ``None`` when the plan has no selection."""
    s3 = any(
        str(arn).endswith(S3_BACKUP_POLICY)
        for attached in run.of_type(POLICY_ATTACHMENTS)
        for arn in attached.inputs.get("policyArns") or []
    )
    selections = [
        {
            "name": s.inputs.get("name"),
            "tags": {t["key"]: t["value"] for t in s.inputs.get("selectionTags") or []},
            "resources": s.inputs.get("resources") or [],
            "not_resources": s.inputs.get("notResources") or [],
            "conditions": {"registered": any(any(c.values()) for c in s.inputs.get("conditions") or [])},
        }
        for s in run.of_type(SELECTION)
        if s.inputs.get("planId") == plan.id
    ]
    if not selections:
        return None
    tag_types = {storage_tiers.EC2, storage_tiers.EBS} | ({storage_tiers.S3} if s3 else set())
    region = str(run.settings.config.get("aws:region", ""))
    found = selection_types.plan_types(
        selections, windows_vss=windows_vss(plan), region=region, tag_types=tag_types, account=run.account_id
    )
    return storage_tiers.ordered(found.types)


def cold_words(
    lifecycle: Optional[dict[str, Any]], types: Optional[list[str]], region: Optional[str], air_gapped: bool = False
) -> str:
    """What a registered lifecycle's cold storage does to these types (``""`` when it has none);
    ``air_gapped``: kept in a logically air-gapped vault."""
    lifecycle = _plain(lifecycle or {})
    return storage_tiers.describe_cold(
        types,
        lifecycle.get("coldStorageAfter"),
        bool(lifecycle.get("optInToArchiveForSupportedResources")),
        region,
        air_gapped=air_gapped,
    )


def _keeps(
    lifecycle: Optional[dict[str, Any]], types: Optional[list[str]], region: Optional[str], air_gapped: bool = False
) -> str:
    delete = _plain(lifecycle or {}).get("deleteAfter")
    kept = f"keeps each recovery point {delete} days" if delete else "keeps recovery points until deleted by hand"
    cold = cold_words(lifecycle, types, region, air_gapped)
    return f"{kept}, {cold}" if cold else kept


def _selects(selection: Registration) -> str:
    inputs = selection.inputs
    parts = [f"resources tagged {t['key']}={t['value']}" for t in inputs.get("selectionTags") or []]
    parts += [f"resource {arn}" for arn in inputs.get("resources") or []]
    what = " or ".join(parts) if parts else "resources matching its conditions"
    for condition in inputs.get("conditions") or []:
        for kind, entries in condition.items():
            for entry in entries or []:
                what += f", where {entry['key']} {kind} {entry['value']}"
    if inputs.get("notResources"):
        what += f", except {', '.join(inputs['notResources'])}"
    return what


def plain_language(run: OfflineRun, now: Optional[dt.datetime] = None) -> list[str]:
    """One paragraph per plan rule: when it runs, what it selects, where it keeps backups, how long."""
    now = now or dt.datetime.now(dt.UTC)
    lines: list[str] = []
    selections = run.of_type(SELECTION)
    region = str(run.settings.config.get("aws:region", ""))
    for plan in run.of_type(PLAN):
        inputs = plan.inputs
        vss = windows_vss(plan)
        types = selected_types(run, plan)
        chosen = [s for s in selections if s.inputs.get("planId") == plan.id]
        selects = "; ".join(_selects(s) for s in chosen) or "nothing yet (no selection)"
        for rule in inputs.get("rules") or []:
            zone = rule.get("scheduleExpressionTimezone") or "UTC"
            schedule = rule["schedule"]
            next_runs = ", ".join(
                run_at.strftime("%a %Y-%m-%d %H:%M") for run_at in rules.upcoming_runs(schedule, now, 3, zone)
            )
            lines.append(f"Plan {inputs['name']}, rule {rule['ruleName']}:")
            # Empty when the cron library cannot follow the day pattern (e.g. L alone in Day-of-week).
            upcoming = f"{next_runs} {zone}" if next_runs else "not known to this program"
            lines.append(f"  runs {describe_schedule(schedule)} ({zone}), {schedule}; next: {upcoming}")
            lines.append(
                f"  starts within {_duration(_number(rule['startWindow']))} and must finish within "
                f"{_duration(_number(rule['completionWindow']))}"
                + ("; Windows VSS on for EC2 instances" if vss else "")
            )
            lines.append(f"  backs up {selects}")
            air_gapped = rule.get("targetLogicallyAirGappedBackupVaultArn")
            keeps = _keeps(rule.get("lifecycle"), types, region, bool(air_gapped))
            if air_gapped:
                lines.append(
                    f"  into logically air-gapped vault {air_gapped} (EC2 and EBS through a temporary recovery "
                    f"point in vault {rule['targetVaultName']}) and {keeps}"
                )
            else:
                lines.append(f"  into vault {rule['targetVaultName']} and {keeps}")
            for copy in rule.get("copyActions") or []:
                arn = copy["destinationVaultArn"]
                copy_region = rules.vault_arn_parts(arn)[0] if not rules.vault_arn(arn) else None
                lines.append(f"  copies each to {arn} and {_keeps(copy.get('lifecycle'), types, copy_region)}")
    return lines


def verdict_lines(outputs: dict[str, Any]) -> list[str]:
    """The stack's 3-2-1 verdicts (through :func:`offline.verdict.plan_verdicts`), one block each:
    the verdict, the types it judged (and why, when assumed), each copy, the reasons (``!``), the
    advice (``>``) and what to check outside the program (``?``)."""
    try:
        verdicts = plan_verdicts(outputs) or {}
    except VerdictFormatError as error:
        return [f"(not readable: {json.dumps(_plain(error.value), sort_keys=True)})"]
    lines: list[str] = []
    for verdict in verdicts.values():
        off_site = {True: "yes", False: "no", None: "?"}[verdict.off_site]
        count = verdict.copy_count
        lines.append(
            f"{verdict.name}: {verdict.headline} ({count} cop{'y' if count == 1 else 'ies'} of a recovery point, "
            f"media {'+'.join(verdict.media) or 'none for every type'}, off-site: {off_site})"
        )
        if verdict.resource_types:
            lines.append(f"  judged for {', '.join(verdict.resource_types)}")
            lines += [f"    ({assumed})" for assumed in verdict.assumed]
        if len(verdict.by_type) > 1:
            lines.append(
                "  per type: "
                + "; ".join(
                    f"{kind} {'+'.join(media)}, {'meets' if meets else 'does not meet'}"
                    for kind, (media, meets) in verdict.by_type.items()
                )
            )
        lines += [f"  media: {note}" for note in verdict.media_notes]
        for copy in verdict.copies:
            kept = f"{copy.retention_days} days" if copy.retention_days else "until deleted"
            tier = copy.tier or "?"
            if tier == "mixed":
                tier = f"cold for {', '.join(copy.cold_for or ())} only"
            if copy.tier in ("cold", "mixed") and copy.cold_storage_after_days:
                tier += f" from day {copy.cold_storage_after_days}"
            lines.append(
                f"  - {copy.role or '?':7} {copy.vault} in {copy.region}, account {copy.account}, "
                f"{tier}, kept {kept} (rule {copy.rule})"
            )
        lines += [f"  ! {reason}" for reason in verdict.reasons]
        lines += [f"  > {advice}" for advice in verdict.advice]
        lines += [f"  ? check: {check}" for check in verdict.checks]
    return lines


def render(run: OfflineRun, now: Optional[dt.datetime] = None) -> str:
    """The whole text report of a successful run."""
    settings = run.settings
    region = settings.config.get("aws:region", "?")
    resources = run.resources
    custom = [r for r in resources if r.custom]
    out = [
        f"Stack {settings.stack} of project {settings.project}: region {region}, offline (mock engine, "
        f"account {run.account_id}).",
        "",
        f"What `pulumi up` would create: {len(custom)} AWS resources in {len(resources) - len(custom)} components.",
        *tree(run),
        "",
        f"Lookups the program makes ({len(run.invocations)}):",
        *[f"  {call.token} {json.dumps(call.args, sort_keys=True)}" for call in run.invocations],
    ]
    described = plain_language(run, now)
    if described:
        out += ["", "The plans in plain words:", *described]
    from .org_words import policy_language  # imports this module: here, not at the top

    described = policy_language(run, now)
    if described:
        out += ["", "The plans every target account gets from the backup policies, in plain words:", *described]
    verdicts = verdict_lines(run.outputs)
    if verdicts:
        out += ["", "3-2-1 (3 copies, 2 kinds of storage, 1 off-site) per plan:", *verdicts]
    out += [
        "",
        "Stack outputs:",
        *[f"  {key}: {json.dumps(_plain(value), sort_keys=True)}" for key, value in run.outputs.items()],
    ]
    if run.warnings:
        out += ["", "Warnings:", *[f"  - {message}" for message in run.warnings]]
    return "\n".join(out)
