"""The review's judgement: which changes lose backups (DANGER) or weaken protection (WARNING).

Read from what both sides register and from the 3-2-1 verdict they export (through
:mod:`offline.verdict`), never from the stack files, so it judges any program built on the
components as well as this one. A change that is neither is a plain change; adding something
is never a warning.

DANGER (``compare`` exits 3): a vault or the KMS key that encrypts it is deleted or replaced;
a vault lock is removed or its minimum retention lowered; the vault access policy stops denying
deletions; a selection is deleted while no other selection of the head selects its resources.

WARNING: a retention shortened (a rule's or a copy's); a copy action removed or redirected; a
plan's 3-2-1 verdict from met to not met, or a plan losing a copy, a kind of storage or its
off-site copy; a schedule that runs less often; Windows VSS or continuous backup turned off; a
selection narrowed; restore testing, audit or notifications removed; a vault lock moved to
compliance mode; a vault or key no longer protected, or a vault that may now be force-destroyed;
a vault or key moved to a provider configured for another region (it may be replaced).
"""

from __future__ import annotations

import fnmatch
import itertools
import json
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Optional

from .diff import parsed, shown
from .resources import (
    AIR_GAPPED_VAULT,
    EVENT_RULE,
    FRAMEWORK,
    KMS_KEY,
    PLAN,
    REPORT_PLAN,
    RESTORE_TESTING_PLAN,
    RESTORE_TESTING_SELECTION,
    SELECTION,
    TOPIC_SUBSCRIPTION,
    VAULT,
    VAULT_LOCK,
    VAULT_NOTIFICATIONS,
    VAULT_POLICY,
    VAULT_TYPES,
    label,
)
from .verdict import Verdict, VerdictFormatError, plan_verdicts

DANGER = "DANGER"
WARNING = "WARNING"

#: Inputs the AWS provider can only change by replacing the resource (ForceNew /
#: RequiresReplace in the Terraform provider that pulumi-aws wraps; CloudFormation's
#: "AWS::Backup::BackupVault" page lists BackupVaultName and EncryptionKeyArn as create-only).
#: ``region`` is pulumi-aws 7's per-resource region. ``keySpec`` is not a pulumi-aws ``Key``
#: input today; it is AWS's name for ``customerMasterKeySpec`` and is listed so that a future
#: input of that name is covered too.
REPLACE_INPUTS: dict[str, tuple[str, ...]] = {
    VAULT: ("name", "kmsKeyArn", "region"),
    AIR_GAPPED_VAULT: ("name", "encryptionKeyArn", "maxRetentionDays", "minRetentionDays", "region"),
    KMS_KEY: ("customerMasterKeySpec", "keySpec", "multiRegion", "keyUsage", "customKeyStoreId", "xksKeyId", "region"),
}

#: What the deny-deletions statement of a vault access policy protects ("Vault access
#: policies", AWS Backup guide: deny ``backup:DeleteRecoveryPoint`` and
#: ``backup:UpdateRecoveryPointLifecycle`` to keep recovery points from being deleted early).
PROTECTED_ACTIONS = ("backup:DeleteRecoveryPoint", "backup:UpdateRecoveryPointLifecycle", "backup:DeleteBackupVault")

_VAULT_ARN = re.compile(r"^arn:[\w-]+:backup:(?P<region>[\w-]*):(?P<account>\d*):backup-vault:(?P<name>.+)$")


@dataclass(frozen=True)
class Finding:
    """One change that loses backups (``DANGER``) or weakens their protection (``WARNING``)."""

    level: str
    urn: str
    """The resource it is about (for a verdict: the plan's)."""
    type: str
    name: str
    message: str
    """In plain words: what changes, with the old and new values, and what protection is lost."""
    short: str = ""
    """The same in one short line, for a comment that must be cut down (default: ``message``)."""

    @property
    def brief(self) -> str:
        """:attr:`short`, or the message when there is none."""
        return self.short or self.message


@dataclass
class Sides:
    """Both sides' registrations (by URN, without the root stack) and outputs, and how they pair."""

    base: dict[str, dict[str, Any]]
    head: dict[str, dict[str, Any]]
    base_document: dict[str, Any]
    head_document: dict[str, Any]
    pairs: list[tuple[str, str]]
    """Base URN and head URN of every resource on both sides (moved ones by their aliases)."""

    @property
    def removed(self) -> list[dict[str, Any]]:
        kept = {old for old, _ in self.pairs}
        return [r for urn, r in self.base.items() if urn not in kept]

    @property
    def added(self) -> list[dict[str, Any]]:
        kept = {new for _, new in self.pairs}
        return [r for urn, r in self.head.items() if urn not in kept]

    def counterpart(self, base_urn: str) -> Optional[dict[str, Any]]:
        """The head resource a base resource becomes, if any."""
        return next((self.head[new] for old, new in self.pairs if old == base_urn), None)


def _of_type(resources: Mapping[str, dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    return [r for r in resources.values() if r["type"] in types]


def _inputs(resource: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    return dict((resource or {}).get("inputs") or {})


def _finding(level: str, resource: Mapping[str, Any], message: str, short: str = "") -> Finding:
    return Finding(level, resource["urn"], resource["type"], resource["name"], message, short)


def vault_place(arn: str) -> str:
    """``vault `name` (account 222222222222, us-east-1)`` for a vault ARN (the ARN when it is not one)."""
    match = _VAULT_ARN.match(str(arn))
    if not match:
        return f"`{arn}`"
    return f"vault `{match['name']}` (account {match['account']}, {match['region']})"


def _days(days: Optional[int]) -> str:
    return "until deleted by hand" if days is None else f"{days} day" + ("" if days == 1 else "s")


def _shorter(old: Optional[int], new: Optional[int]) -> bool:
    """A retention (``None``: until deleted) that keeps recovery points for less time."""
    return new is not None and (old is None or new < old)


# --- a vault or its key deleted or replaced ----------------------------------------------------


def _provider_urn(resource: Mapping[str, Any]) -> str:
    """The URN of a resource's explicit provider (``""`` for the stack's default provider)."""
    reference = str(resource.get("provider") or "")
    urn = reference.rsplit("::", 1)[0]
    return "" if not reference or urn.rsplit("::", 1)[-1].startswith("default") else urn


def _provider_region(resource: Mapping[str, Any], document: Mapping[str, Any]) -> Optional[str]:
    """The region a resource's provider is configured for: its explicit provider's, or the stack's."""
    provider_urn = _provider_urn(resource)
    for candidate in document.get("registrations", []):
        if provider_urn and candidate["urn"] == provider_urn and _inputs(candidate).get("region"):
            return str(candidate["inputs"]["region"])
    return document.get("region")


def _region_of(resource: dict[str, Any], document: Mapping[str, Any]) -> Optional[str]:
    """Where a resource lives: its own ``region`` input, its explicit provider's, or the stack's."""
    if _inputs(resource).get("region"):
        return str(resource["inputs"]["region"])
    return _provider_region(resource, document)


def _what(resource: dict[str, Any], resources: Mapping[str, dict[str, Any]]) -> str:
    """What is lost with a guarded resource, for the messages."""
    if resource["type"] == VAULT:
        return "backup vault: its recovery points go with it"
    if resource["type"] == AIR_GAPPED_VAULT:
        return "logically air-gapped vault: its recovery points go with it"
    arn = (resource.get("outputs") or {}).get("arn")
    vaults = sorted(
        str(r["inputs"].get("name"))
        for r in _of_type(resources, *VAULT_TYPES)
        if arn and arn in (r["inputs"].get("kmsKeyArn"), r["inputs"].get("encryptionKeyArn"))
    )
    if vaults:
        named = ", ".join(f"`{v}`" for v in vaults)
        return f"KMS key that encrypts vault {named}: its recovery points could no longer be restored"
    return "KMS key: whatever it encrypted could no longer be decrypted"


def _guard(resource: Mapping[str, Any]) -> str:
    if not resource.get("protect"):
        return ""
    return " It is protected, so `pulumi up` stops at it until the protection is lifted."


def _identity(resource: Mapping[str, Any]) -> Any:
    """What names a guarded resource in AWS: a vault's name; a key has none, so its logical name."""
    return _inputs(resource).get("name") or resource["name"]


def _short(value: Any) -> str:
    return shown(value, 80).replace("…", "...")


def _guarded(sides: Sides) -> list[Finding]:
    findings = []
    for old_urn, new_urn in sides.pairs:
        before, after = sides.base[old_urn], sides.head[new_urn]
        if after["type"] not in REPLACE_INPUTS or before["type"] != after["type"]:
            continue
        what = _what(before, sides.base)
        for key in REPLACE_INPUTS[after["type"]]:
            if key == "region" or _inputs(before).get(key) == _inputs(after).get(key):
                continue
            findings.append(
                _finding(
                    DANGER,
                    after,
                    f"`{after['name']}` would be REPLACED (deleted and created anew): `{key}` changes from "
                    f"`{_short(_inputs(before).get(key))}` to `{_short(_inputs(after).get(key))}`. "
                    f"It is a {what}.{_guard(before)}",
                    f"`{after['name']}` would be REPLACED: `{key}` changes.",
                )
            )
        old_region = _region_of(before, sides.base_document)
        new_region = _region_of(after, sides.head_document)
        if old_region != new_region:
            findings.append(
                _finding(
                    DANGER,
                    after,
                    f"`{after['name']}` would be REPLACED: it moves from region `{old_region}` to `{new_region}`. "
                    f"It is a {what}.{_guard(before)}",
                    f"`{after['name']}` would be REPLACED: it moves to region `{new_region}`.",
                )
            )
        # pulumi-aws replaces the resources of a provider whose configured region changes (pulumi-aws
        # pull request #4000, "Replace resources when the AWS region changes"), and Pulumi asks the
        # provider the same when a resource moves to another provider (pulumi/pulumi #18509). Whether
        # pulumi-aws 7 still does so for a resource with a region of its own is not documented: a
        # WARNING, for a stack that is already deployed.
        old_provider = _provider_region(before, sides.base_document)
        new_provider = _provider_region(after, sides.head_document)
        moved = _provider_urn(before) != _provider_urn(after)
        if moved and old_provider != new_provider and old_region == new_region:
            findings.append(
                _finding(
                    WARNING,
                    after,
                    f"`{after['name']}` may be REPLACED: it moves from a provider configured for `{old_provider}` "
                    f"to one configured for `{new_provider}`, and pulumi-aws replaces the resources of a provider "
                    "whose region changes, even when their own `region` keeps them in place. If the stack is "
                    f"deployed, read `pulumi preview` before merging. It is a {what}.{_guard(before)}",
                    f"`{after['name']}` may be REPLACED: its provider's region changes.",
                )
            )
    added = sides.added
    for gone in sides.removed:
        if gone["type"] not in REPLACE_INPUTS:
            continue
        what = _what(gone, sides.base)
        successor = next((r for r in added if r["type"] == gone["type"] and _identity(r) == _identity(gone)), None)
        if successor is not None:
            message = (
                f"`{gone['name']}` would be REPLACED: its URN changes from `{gone['urn']}` to "
                f"`{successor['urn']}` (renamed or re-parented without an alias), so Pulumi deletes the "
                f"old one and creates a new one. It is a {what}. Add `aliases=[...]` with the old "
                f"URN to keep it.{_guard(gone)}"
            )
            short = f"`{gone['name']}` would be REPLACED: renamed or re-parented without an alias."
        else:
            message = f"`{gone['name']}` would be DELETED: it is no longer declared. It is a {what}.{_guard(gone)}"
            short = f"`{gone['name']}` would be DELETED: it is no longer declared."
        findings.append(_finding(DANGER, gone, message, short))
    return findings


def _protection_options(sides: Sides) -> list[Finding]:
    """A vault or key no longer protected, or a vault that ``pulumi destroy`` may now empty."""
    findings = []
    for old_urn, new_urn in sides.pairs:
        before, after = sides.base[old_urn], sides.head[new_urn]
        if after["type"] not in REPLACE_INPUTS:
            continue
        if before.get("protect") and not after.get("protect"):
            findings.append(
                _finding(
                    WARNING,
                    after,
                    f"{label(after)} is no longer protected (`protect: true → false`): a `pulumi destroy`, or a "
                    "change that replaces it, no longer stops at it.",
                )
            )
        # pulumi-aws "aws.backup.Vault", forceDestroy: all recovery points are deleted so that the
        # vault can be destroyed without error (AWS itself refuses to delete a vault that is not
        # empty: botocore DeleteBackupVault, "A vault can be deleted only if it is empty").
        if after["type"] == VAULT and not _inputs(before).get("forceDestroy") and _inputs(after).get("forceDestroy"):
            findings.append(
                _finding(
                    WARNING,
                    after,
                    f"{label(after)} may now be force-destroyed (`forceDestroy: false → true`): deleting it would "
                    "first delete every recovery point in it, where AWS otherwise refuses to delete a vault that "
                    "is not empty.",
                )
            )
    return findings


# --- vault locks and access policies (one of each per vault, so matched by vault name) ---------


def _by_vault(resources: Mapping[str, dict[str, Any]], type_: str) -> dict[str, dict[str, Any]]:
    return {str(_inputs(r).get("backupVaultName")): r for r in _of_type(resources, type_)}


def _gone_vaults(sides: Sides) -> set[str]:
    """Vault names the base declares and the head no longer does (their loss is judged already)."""
    names = {str(_inputs(r).get("name")) for r in _of_type(sides.base, *VAULT_TYPES)}
    return names - {str(_inputs(r).get("name")) for r in _of_type(sides.head, *VAULT_TYPES)}


def _locks(sides: Sides) -> list[Finding]:
    """Vault locks ("AWS Backup Vault Lock", AWS Backup guide): removed, minimum lowered, compliance mode."""
    findings = []
    gone = _gone_vaults(sides)
    base, head = _by_vault(sides.base, VAULT_LOCK), _by_vault(sides.head, VAULT_LOCK)
    for vault, before in base.items():
        if vault in gone:
            continue
        after = head.get(vault)
        if after is None:
            findings.append(
                _finding(
                    DANGER,
                    before,
                    f"the vault lock of vault `{vault}` is removed: nothing stops anyone with the rights from "
                    "deleting its recovery points or shortening their retention. (A lock in compliance mode "
                    "whose grace time is over cannot be removed: `pulumi up` would then fail.)",
                    f"the vault lock of vault `{vault}` is removed.",
                )
            )
            continue
        old_min, new_min = _inputs(before).get("minRetentionDays"), _inputs(after).get("minRetentionDays")
        if old_min is not None and (new_min is None or new_min < old_min):
            findings.append(
                _finding(
                    DANGER,
                    after,
                    f"the vault lock of vault `{vault}` lowers its minimum retention from {_days(old_min)} to "
                    f"{_days(new_min) if new_min is not None else 'none'} (`minRetentionDays: {old_min} → "
                    f"{new_min if new_min is not None else '(none)'}`): recovery points may then be deleted sooner.",
                    f"the vault lock of vault `{vault}`: minimum retention {old_min} → {new_min} days.",
                )
            )
        # ChangeableForDays set = compliance mode: "On and after the lock date, the Vault Lock
        # becomes immutable and cannot be changed or deleted" (PutBackupVaultLockConfiguration).
        old_grace, new_grace = _inputs(before).get("changeableForDays"), _inputs(after).get("changeableForDays")
        if old_grace is None and new_grace is not None:
            findings.append(
                _finding(
                    WARNING,
                    after,
                    f"the vault lock of vault `{vault}` moves to compliance mode (`changeableForDays: {new_grace}`): "
                    f"{_days(new_grace)} after `pulumi up` it can no longer be changed or removed by anyone, not "
                    "even the root user, nor can the vault be deleted while it holds recovery points. Make sure "
                    "its minimum and maximum retention are the ones you want for good.",
                    f"the vault lock of vault `{vault}` moves to compliance mode (fixed after {new_grace} days).",
                )
            )
    return findings


def _actions(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else [str(v) for v in value or []]


def _everyone(principal: Any) -> bool:
    if principal == "*":
        return True
    if isinstance(principal, Mapping):
        return any("*" in _actions(v) for v in principal.values())
    return False


def denied(policy: Any) -> dict[str, str]:
    """The :data:`PROTECTED_ACTIONS` a policy denies: ``always`` (to everyone, without a condition)
    or ``with exceptions`` (a condition, or only some principals)."""
    document = parsed(policy)
    if not isinstance(document, Mapping):
        return {}
    statements = document.get("Statement") or []
    if isinstance(statements, Mapping):
        statements = [statements]
    result: dict[str, str] = {}
    for statement in statements:
        if not isinstance(statement, Mapping) or statement.get("Effect") != "Deny":
            continue
        strength = (
            "always" if _everyone(statement.get("Principal")) and not statement.get("Condition") else "with exceptions"
        )
        for action in PROTECTED_ACTIONS:
            # IAM matches action names case-insensitively, with * and ? wildcards.
            if "NotAction" in statement:
                covered = not any(fnmatch.fnmatch(action.lower(), a.lower()) for a in _actions(statement["NotAction"]))
            else:
                covered = any(fnmatch.fnmatch(action.lower(), a.lower()) for a in _actions(statement.get("Action")))
            if covered and result.get(action) != "always":
                result[action] = strength
    return result


def _policies(sides: Sides) -> list[Finding]:
    """The deny-deletions statement of a vault access policy dropped or given exceptions."""
    findings = []
    gone = _gone_vaults(sides)
    base, head = _by_vault(sides.base, VAULT_POLICY), _by_vault(sides.head, VAULT_POLICY)
    for vault, before in base.items():
        was = denied(_inputs(before).get("policy"))
        if vault in gone or not was:
            continue
        after = head.get(vault)
        now = denied(_inputs(after).get("policy")) if after is not None else {}
        lost = [action for action in was if action not in now]
        if lost:
            how = "the vault access policy is removed" if after is None else "its deny statement no longer covers them"
            findings.append(
                _finding(
                    DANGER,
                    after or before,
                    f"vault `{vault}` no longer denies {', '.join(f'`{a}`' for a in lost)} ({how}): anyone with "
                    "the IAM rights can then delete its recovery points before their time.",
                    f"vault `{vault}` no longer denies deleting recovery points.",
                )
            )
        weakened = [a for a in was if was[a] == "always" and now.get(a) == "with exceptions"]
        if weakened and after is not None:
            findings.append(
                _finding(
                    WARNING,
                    after,
                    f"vault `{vault}` now denies {', '.join(f'`{a}`' for a in weakened)} with exceptions (a "
                    "`Condition` or named principals): whoever the exception lets through can delete recovery "
                    "points. Check that it names only a break-glass role.",
                    f"vault `{vault}`: the deny-deletions statement now has exceptions.",
                )
            )
    return findings


# --- selections ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class Scope:
    """What a selection selects, per the BackupSelection API reference (AWS Backup): its ARNs
    (``Resources``, any of them), its tags (``ListOfTags``, any of them), its ``Conditions`` (all
    of them) and minus its ``NotResources``; an ARN list and tags together select resources that
    match both ("Assigning resources to a backup plan", AWS Backup guide)."""

    resources: frozenset[str]
    tags: frozenset[tuple[str, str]]
    conditions: frozenset[tuple[str, str, str]]
    not_resources: frozenset[str]

    @classmethod
    def of(cls, selection: Mapping[str, Any]) -> Scope:
        inputs = _inputs(selection)
        conditions = set()
        for block in inputs.get("conditions") or []:
            for operator, entries in (block or {}).items():
                for entry in entries or []:
                    conditions.add((operator, str(entry.get("key")), str(entry.get("value"))))
        return cls(
            frozenset(str(a) for a in inputs.get("resources") or []),
            frozenset((str(t.get("key")), str(t.get("value"))) for t in inputs.get("selectionTags") or []),
            frozenset(conditions),
            frozenset(str(a) for a in inputs.get("notResources") or []),
        )

    def parts(self) -> list[tuple[Optional[str], Optional[tuple[str, str]]]]:
        """What it selects, as (ARN, tag) pairs it selects any of (``None``: no such filter)."""
        resources: list[Optional[str]] = [*sorted(self.resources)] or [None]
        tags: list[Optional[tuple[str, str]]] = [*sorted(self.tags)] or [None]
        return list(itertools.product(resources, tags))

    def covers(self, other: Scope, part: tuple[Optional[str], Optional[tuple[str, str]]]) -> bool:
        """True when everything ``other`` selects through ``part`` is selected by this scope too."""
        arn, tag = part
        arn = "*" if arn is None else arn  # no ARN filter: any ARN, so only ``*``-like patterns cover it
        if self.resources and not any(_arn_within(pattern, arn) for pattern in self.resources):
            return False
        if self.tags and (tag is None or tag not in self.tags):
            return False
        return self.conditions <= other.conditions and self.not_resources <= other.not_resources


def _arn_within(pattern: str, arn: str) -> bool:
    """``arn`` (itself maybe a pattern) falls within ``pattern``; ``*`` matches any run of
    non-blank characters ("Assign resources with AWS CLI", AWS Backup guide)."""
    return re.fullmatch(".*".join(re.escape(piece) for piece in pattern.split("*")), arn) is not None


def _part_text(part: tuple[Optional[str], Optional[tuple[str, str]]]) -> str:
    arn, tag = part
    tagged = f"tagged `{tag[0]}={tag[1]}`" if tag else ""
    if arn is None:
        return f"resources {tagged}" if tag else "every resource its conditions match"
    return f"`{arn}`" + (f" {tagged}" if tag else "")


def _plan_names(resources: Mapping[str, dict[str, Any]]) -> dict[str, str]:
    return {str(p.get("id")): str(_inputs(p).get("name") or p["name"]) for p in _of_type(resources, PLAN)}


def _selections(sides: Sides) -> list[Finding]:
    findings = []
    head_scopes = [Scope.of(s) for s in _of_type(sides.head, SELECTION)]
    base_plans = _plan_names(sides.base)
    removed_plans = {str(p.get("id")) for p in sides.removed if p["type"] == PLAN}
    for selection in _of_type(sides.base, SELECTION):
        scope = Scope.of(selection)
        lost = [part for part in scope.parts() if not any(h.covers(scope, part) for h in head_scopes)]
        if not lost:
            continue
        plan_id = str(_inputs(selection).get("planId"))
        plan = base_plans.get(plan_id, "?")
        what = ", ".join(_part_text(part) for part in lost)
        counterpart = sides.counterpart(selection["urn"])
        if counterpart is not None:
            findings.append(
                _finding(
                    WARNING,
                    counterpart,
                    f"{label(counterpart)} of plan `{plan}` is narrowed: it no longer selects {what}, and no "
                    "other selection of this stack does, so they are no longer backed up.",
                    f"{label(counterpart)} no longer selects {what}.",
                )
            )
            continue
        deleted = f"backup plan `{plan}` is deleted with its" if plan_id in removed_plans else "the deleted"
        findings.append(
            _finding(
                DANGER,
                selection,
                f"{deleted} selection `{_inputs(selection).get('name') or selection['name']}`: no selection of "
                f"this stack selects {what} any more, so they are no longer backed up (their existing recovery "
                "points stay until their retention ends).",
                f"{label(selection)} deleted: {what} no longer backed up.",
            )
        )
    return findings


# --- plans and rules ------------------------------------------------------------------------------


def longest_gap_minutes(schedule: str) -> Optional[int]:
    """The longest time between two runs of a ``cron(...)`` schedule, or ``None`` when unknown.

    Uses the components' rules of this checkout (or installed package) for both sides, so that
    both are measured alike. Imported here, in the comparing process: the processes that run each
    side's program (which must import their own ``components``) never import them.
    """
    from .component_rules import rules

    try:
        return rules.longest_gap_minutes(schedule) if rules.schedule(schedule) is None else None
    except Exception:  # a schedule the cron library cannot follow: no judgement
        return None


def _every(minutes: int) -> str:
    if minutes % 1440 == 0:
        return _days(minutes // 1440)
    if minutes % 60 == 0:
        return f"{minutes // 60} hour" + ("" if minutes == 60 else "s")
    return f"{minutes} minutes"


def _matched(before: list[dict[str, Any]], after: list[dict[str, Any]], key: str) -> tuple[list, list, list]:
    """Pairs of items with the same ``key``; leftovers paired in order when as many are left on
    each side (a renamed item); then the removed and the added ones."""
    new_by_key = {item.get(key): item for item in after}
    pairs = [(item, new_by_key[item.get(key)]) for item in before if item.get(key) in new_by_key]
    old_left = [item for item in before if item.get(key) not in new_by_key]
    old_keys = {item.get(key) for item in before}
    new_left = [item for item in after if item.get(key) not in old_keys]
    if old_left and len(old_left) == len(new_left):
        return pairs + list(zip(old_left, new_left, strict=True)), [], []
    return pairs, old_left, new_left


def _lifecycle_days(lifecycle: Optional[Mapping[str, Any]]) -> Optional[int]:
    return (lifecycle or {}).get("deleteAfter")


def _copy_days(copy: Mapping[str, Any], rule: Mapping[str, Any]) -> Optional[int]:
    """A copy's retention: its own lifecycle, else the rule's (AWS_RULES: an omitted copy
    lifecycle is the source lifecycle)."""
    if copy.get("lifecycle") is None:
        return _lifecycle_days(rule.get("lifecycle"))
    return _lifecycle_days(copy["lifecycle"])


def _vss(plan: Mapping[str, Any]) -> bool:
    return any(
        (setting.get("backupOptions") or {}).get("WindowsVSS") == "enabled"
        for setting in _inputs(plan).get("advancedBackupSettings") or []
    )


def _rule_findings(plan: dict[str, Any], before: Mapping[str, Any], after: Mapping[str, Any]) -> list[Finding]:
    findings = []
    plan_name, rule_name = _inputs(plan).get("name"), after.get("ruleName")
    rule = f"plan `{plan_name}`" if rule_name == plan_name else f"rule `{rule_name}` of plan `{plan_name}`"
    old_days, new_days = _lifecycle_days(before.get("lifecycle")), _lifecycle_days(after.get("lifecycle"))
    # Plan changes apply to recovery points made from then on ("Backup Plan | Update", AMS Change
    # Type Reference: "no effect on existing backups created by the backup plan").
    if _shorter(old_days, new_days):
        findings.append(
            _finding(
                WARNING,
                plan,
                f"retention shortened: {rule} keeps new recovery points {_days(new_days)} instead of "
                f"{_days(old_days)} (`lifecycle.deleteAfter: {old_days if old_days is not None else '(none)'} → "
                f"{new_days}`): a restore can reach back only {_days(new_days)} (recovery points made before "
                "the change keep their retention).",
                f"retention shortened: {rule}: {_days(old_days)} → {_days(new_days)}.",
            )
        )
    copies, removed, _ = _matched(
        list(before.get("copyActions") or []), list(after.get("copyActions") or []), "destinationVaultArn"
    )
    for old_copy, new_copy in copies:
        if old_copy.get("destinationVaultArn") != new_copy.get("destinationVaultArn"):
            findings.append(
                _finding(
                    WARNING,
                    plan,
                    f"copy redirected: {rule} now copies to {vault_place(new_copy.get('destinationVaultArn'))} "
                    f"instead of {vault_place(old_copy.get('destinationVaultArn'))}: new copies go there, the "
                    "copies already made stay where they are and expire there.",
                    f"copy redirected: {rule}: {vault_place(old_copy.get('destinationVaultArn'))} → "
                    f"{vault_place(new_copy.get('destinationVaultArn'))}.",
                )
            )
        old_kept, new_kept = _copy_days(old_copy, before), _copy_days(new_copy, after)
        if _shorter(old_kept, new_kept):
            findings.append(
                _finding(
                    WARNING,
                    plan,
                    f"retention shortened: {rule} keeps its copies in "
                    f"{vault_place(new_copy.get('destinationVaultArn'))} {_days(new_kept)} instead of "
                    f"{_days(old_kept)}.",
                    f"copy retention shortened: {rule}: {_days(old_kept)} → {_days(new_kept)}.",
                )
            )
    for copy in removed:
        findings.append(
            _finding(
                WARNING,
                plan,
                f"copy removed: {rule} no longer copies to {vault_place(copy.get('destinationVaultArn'))} (kept "
                f"{_days(_copy_days(copy, before))}): new recovery points have one copy fewer, and none there.",
                f"copy removed: {rule} no longer copies to {vault_place(copy.get('destinationVaultArn'))}.",
            )
        )
    old_gap, new_gap = longest_gap_minutes(str(before.get("schedule"))), longest_gap_minutes(str(after.get("schedule")))
    if old_gap is not None and new_gap is not None and new_gap > old_gap:
        findings.append(
            _finding(
                WARNING,
                plan,
                f"backups less often: {rule} now runs `{after.get('schedule')}` instead of `{before.get('schedule')}`: "
                f"up to {_every(new_gap)} between two backups instead of {_every(old_gap)}, so more data can be "
                "lost.",
                f"backups less often: {rule}: every {_every(old_gap)} → {_every(new_gap)} at most.",
            )
        )
    if before.get("enableContinuousBackup") and not after.get("enableContinuousBackup"):
        findings.append(
            _finding(
                WARNING,
                plan,
                f"continuous backup turned off: {rule} no longer allows point-in-time restores.",
            )
        )
    return findings


def _plans(sides: Sides) -> list[Finding]:
    findings = []
    added_plans = {str(_inputs(p).get("name")): p for p in sides.added if p["type"] == PLAN}
    for plan in _of_type(sides.base, PLAN):
        after = sides.counterpart(plan["urn"]) or added_plans.get(str(_inputs(plan).get("name")))
        if after is None:
            continue  # a deleted plan: judged by what its selections no longer select
        # "Create Windows VSS backups" (AWS Backup guide): without VSS, backups of Windows
        # instances are crash-consistent rather than application-consistent.
        if _vss(plan) and not _vss(after):
            findings.append(
                _finding(
                    WARNING,
                    after,
                    f"Windows VSS turned off: plan `{_inputs(after).get('name')}` now takes crash-consistent "
                    "backups of Windows instances, no longer application-consistent ones (open files and "
                    "databases may not restore cleanly).",
                    f"Windows VSS turned off in plan `{_inputs(after).get('name')}`.",
                )
            )
        rules, removed, _ = _matched(
            list(_inputs(plan).get("rules") or []), list(_inputs(after).get("rules") or []), "ruleName"
        )
        for before, now in rules:
            findings += _rule_findings(after, before, now)
        for rule in removed:
            findings.append(
                _finding(
                    WARNING,
                    after,
                    f"rule removed: plan `{_inputs(after).get('name')}` no longer runs rule `{rule.get('ruleName')}` "
                    f"(`{rule.get('schedule')}`, kept {_days(_lifecycle_days(rule.get('lifecycle')))}, "
                    f"{len(rule.get('copyActions') or [])} copies): the backups it made stop.",
                    f"rule removed: `{rule.get('ruleName')}` of plan `{_inputs(after).get('name')}`.",
                )
            )
    return findings


# --- the exported 3-2-1 verdict -------------------------------------------------------------------


def _losses(before: Verdict, after: Verdict) -> list[str]:
    if before.meets and after.meets is False:
        reasons = "; ".join(after.reasons) or "the verdict gives no reason"
        return [f"3-2-1 is no longer met: {reasons}"]
    losses = []
    if before.copy_count is not None and after.copy_count is not None and after.copy_count < before.copy_count:
        losses.append(f"copies {before.copy_count} → {after.copy_count}")
    lost_media = [m for m in before.media if m not in after.media]
    if lost_media:
        losses.append(f"no longer kept in {', '.join(lost_media)} storage")
    if before.off_site and after.off_site is False:
        losses.append("no copy off-site any more (outside the stack's region and account)")
    return losses


def _verdicts(sides: Sides) -> list[Finding]:
    try:
        base = plan_verdicts(sides.base_document.get("outputs")) or {}
        head = plan_verdicts(sides.head_document.get("outputs")) or {}
    except VerdictFormatError:
        return []  # the reports show the verdict as it is; the judgement needs one it can read
    plans = {str(_inputs(p).get("name")): p for p in _of_type(sides.head, PLAN)}
    grouped: dict[tuple[str, str], list[str]] = {}
    for name, after in head.items():
        before = base.get(name)
        if before is None:
            continue
        for loss in _losses(before, after):
            grouped.setdefault((after.plan, loss), []).append(name)
    findings = []
    for (plan, loss), names in grouped.items():
        subject = plans.get(plan) or {"urn": "", "type": PLAN, "name": plan}
        # Verdicts keyed per selection (earlier exports) name them; a verdict per plan needs no more.
        which = "" if names == [plan] else f" ({', '.join(f'`{n}`' for n in names)})"
        findings.append(
            _finding(
                WARNING,
                subject,
                f"3-2-1 weakened for plan `{plan}`{which}: {loss}.",
                f"3-2-1 weakened for plan `{plan}`: {shown(loss, 120)}.",
            )
        )
    return findings


# --- restore testing, audit and notifications -------------------------------------------------------


def _event_pattern(resource: Mapping[str, Any]) -> str:
    return json.dumps(parsed(_inputs(resource).get("eventPattern")), sort_keys=True)


def _by(*keys: str) -> Callable[[Mapping[str, Any]], Any]:
    """A resource's identity in AWS: these inputs' values."""
    return lambda resource: tuple(_inputs(resource).get(key) for key in keys)


#: Removing one of these weakens protection: how to recognise the same one re-created under
#: another URN, and what is lost.
_WATCHED: dict[str, tuple[Callable[[Mapping[str, Any]], Any], str]] = {
    RESTORE_TESTING_PLAN: (_by("name"), "restore testing stops: nothing proves any more that the backups restore"),
    RESTORE_TESTING_SELECTION: (
        _by("restoreTestingPlanName", "name"),
        "restore testing no longer restores these resources' backups",
    ),
    FRAMEWORK: (_by("name"), "audit evidence stops: no control judges the backups any more"),
    REPORT_PLAN: (_by("name"), "its audit reports stop"),
    VAULT_NOTIFICATIONS: (_by("backupVaultName"), "the vault's events are no longer sent to anyone"),
    TOPIC_SUBSCRIPTION: (_by("protocol", "endpoint"), "its endpoint is no longer notified"),
    EVENT_RULE: (_event_pattern, "the events it matches (e.g. failed backup jobs) no longer alert anyone"),
}


def _watchers(sides: Sides) -> list[Finding]:
    findings = []
    added = sides.added
    for gone in sides.removed:
        if gone["type"] not in _WATCHED:
            continue
        identity, lost = _WATCHED[gone["type"]]
        if any(r["type"] == gone["type"] and identity(r) == identity(gone) for r in added):
            continue  # the same one, re-created under another name
        endpoint = _inputs(gone).get("endpoint")
        what = f" (`{endpoint}`)" if gone["type"] == TOPIC_SUBSCRIPTION and endpoint else ""
        findings.append(_finding(WARNING, gone, f"{label(gone)}{what} is removed: {lost}."))
    for old_urn, new_urn in sides.pairs:
        before, after = sides.base[old_urn], sides.head[new_urn]
        if after["type"] == VAULT_NOTIFICATIONS:
            events = _inputs(after).get("backupVaultEvents") or []
            dropped = [e for e in _inputs(before).get("backupVaultEvents") or [] if e not in events]
            if dropped:
                findings.append(
                    _finding(
                        WARNING,
                        after,
                        f"{label(after)} no longer sends {', '.join(f'`{e}`' for e in dropped)} for vault "
                        f"`{_inputs(after).get('backupVaultName')}`.",
                    )
                )
        if after["type"] == FRAMEWORK:
            names = [c.get("name") for c in _inputs(after).get("controls") or []]
            dropped = [c.get("name") for c in _inputs(before).get("controls") or [] if c.get("name") not in names]
            if dropped:
                findings.append(
                    _finding(
                        WARNING,
                        after,
                        f"{label(after)} no longer checks {', '.join(f'`{c}`' for c in dropped)}: no audit "
                        "evidence of that any more.",
                    )
                )
    return findings


#: Every judge, in the order their findings are listed.
JUDGES: tuple[Callable[[Sides], list[Finding]], ...] = (
    _guarded,
    _locks,
    _policies,
    _selections,
    _plans,
    _verdicts,
    _protection_options,
    _watchers,
)


def judge(sides: Sides) -> list[Finding]:
    """Every DANGER and WARNING of a change (each once): dangers first, then by the resource they
    are about, so that the same change reads the same on every run."""
    ranked: dict[Finding, tuple[bool, str, int, int]] = {}
    for rank, run in enumerate(JUDGES):
        for position, finding in enumerate(run(sides)):
            ranked.setdefault(finding, (finding.level != DANGER, finding.name, rank, position))
    return sorted(ranked, key=ranked.__getitem__)


def levels(findings: Iterable[Finding], level: str) -> list[Finding]:
    """The findings of one level."""
    return [f for f in findings if f.level == level]


__all__ = [
    "DANGER",
    "JUDGES",
    "PROTECTED_ACTIONS",
    "REPLACE_INPUTS",
    "WARNING",
    "Finding",
    "Scope",
    "Sides",
    "denied",
    "judge",
    "levels",
    "longest_gap_minutes",
    "vault_place",
]
