"""The one place that reads the 3-2-1 verdict a stack exports: :func:`plan_verdicts`.

Everything else (the reports, the review's judgement, the diagrams) reads the verdict through
this adapter, so that a change of the verdict's export format is a change here only. Today the
program exports it as the stack output ``three_two_one``: one JSON document (text, which the
engine resolves and stores as a single value) of a mapping of plan name to ``{copies,
copy_count, complete_rules, media, media_notes, off_site, meets_3_2_1, certain, reasons,
resource_types, assumed, by_type, advice, checks}`` (:func:`components.three_two_one.plan_verdict`),
each copy with ``rule``, ``role``,
``region``, ``account``, ``vault``, ``tier`` (``warm``, ``cold``, or ``mixed`` when only some
types go cold), ``retention_days``, ``cold_storage_after_days`` and ``cold_for``. Earlier
versions exported the mapping itself, keyed ``<plan>/<selection>`` without the per-type keys;
all are read. Also read: the whole outputs as JSON text, a list of verdicts that each carry
their ``selection``/``plan``/``name``, and a few other spellings of pass/fail (``pass``,
``passed``, ``ok``, ``compliant``) and of the reasons (``reason``, ``why``, ``message``), as
other programs built on the components may export them.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

#: The stack output holding the verdict.
THREE_TWO_ONE_OUTPUT = "three_two_one"
_PASS_KEYS = ("meets_3_2_1", "pass", "passed", "passes", "ok", "compliant")
_REASON_KEYS = ("reasons", "reason", "why", "message")
_NAME_KEYS = ("selection", "plan", "name")
_COPY_FIELDS = ("rule", "role", "region", "account", "vault", "tier", "retention_days", "cold_storage_after_days")
_LIST_FIELDS = ("resource_types", "assumed", "advice", "complete_rules", "media_notes", "checks")
_KNOWN = {"copies", "copy_count", "media", "off_site", "by_type", "certain", *_LIST_FIELDS, *_PASS_KEYS, *_REASON_KEYS}


class VerdictFormatError(ValueError):
    """The stack exports a verdict this adapter cannot read; ``value`` is what it exports."""

    def __init__(self, value: Any) -> None:
        super().__init__("the three_two_one output is not in a form the review can read")
        self.value = value


@dataclass(frozen=True)
class Copy:
    """One place a recovery point is kept (``None`` where the verdict does not say)."""

    rule: Optional[str] = None
    role: Optional[str] = None
    """``primary`` (the rule's own vault) or a kind of copy (``copy``)."""
    region: Optional[str] = None
    account: Optional[str] = None
    vault: Optional[str] = None
    tier: Optional[str] = None
    retention_days: Optional[int] = None
    """Days kept; ``None``: until deleted by hand."""
    cold_storage_after_days: Optional[int] = None
    """The cold setting as written (AWS Backup may ignore it for some types)."""
    cold_for: Optional[tuple[str, ...]] = None
    """The resource types this copy really moves to cold storage (``None``: not said)."""
    other: tuple[tuple[str, Any], ...] = ()
    """Keys the adapter does not know, as given."""

    @property
    def primary(self) -> bool:
        """The rule's own recovery point rather than a copy of it."""
        return self.role == "primary"

    @property
    def place(self) -> tuple[str, str, str]:
        """Account, region and vault: where the copy is."""
        return (self.account or "?", self.region or "?", self.vault or "?")


@dataclass(frozen=True)
class Verdict:
    """Whether the copies of what one plan's selection backs up meet 3-2-1."""

    name: str
    """The verdict's own name, e.g. ``weekly/weekly-ebs``."""
    plan: str
    """The plan it is about (the part of the name before ``/``)."""
    meets: Optional[bool]
    """``None`` when the verdict does not say."""
    reasons: tuple[str, ...] = ()
    copies: tuple[Copy, ...] = ()
    copy_count: Optional[int] = None
    media: tuple[str, ...] = ()
    off_site: Optional[bool] = None
    resource_types: tuple[str, ...] = ()
    """The resource types the plan may select, which the verdict was judged for."""
    assumed: tuple[str, ...] = ()
    """Why, where the types were assumed (e.g. from a tag selection)."""
    by_type: dict[str, tuple[tuple[str, ...], Optional[bool]]] = field(default_factory=dict)
    """Per resource type: its media and whether it meets 3-2-1."""
    advice: tuple[str, ...] = ()
    certain: Optional[bool] = None
    """``False`` when the types judged are assumed (a tag selection may reach others); ``None``:
    not said."""
    complete_rules: tuple[str, ...] = ()
    """The rules whose recovery points are kept in 3 places, one off-site."""
    media_notes: tuple[str, ...] = ()
    """Per type: which rules give which medium, and where the cold copies are."""
    checks: tuple[str, ...] = ()
    """What to check outside the program before relying on the copies (e.g. the volumes' keys)."""
    other: dict[str, Any] = field(default_factory=dict)
    """Keys the adapter does not know, as given."""

    @property
    def qualification(self) -> str:
        """What a "meets" holds for when the types are assumed (``""`` otherwise): every renderer
        says it next to the verdict, so a tag plan's "meets" is never read as a plain one."""
        if self.meets and self.certain is False:
            types = ", ".join(self.resource_types) or "the types this program backs up"
            return f"for the assumed types ({types}); anything else carrying the tag is not judged"
        return ""

    @property
    def headline(self) -> str:
        """``meets 3-2-1``, ``meets 3-2-1 for the assumed types (EBS); ...``, ``does NOT meet
        3-2-1`` or ``verdict not given``."""
        if self.meets is None:
            return "verdict not given"
        if not self.meets:
            return "does NOT meet 3-2-1"
        return " ".join(part for part in ("meets 3-2-1", self.qualification) if part)


def _decoded(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError as error:
            raise VerdictFormatError(value) from error
    return value


def _whole(value: Any) -> Any:
    return int(value) if isinstance(value, float) and value.is_integer() else value


def _strings(value: Any) -> tuple[str, ...]:
    return tuple(str(v) for v in (value if isinstance(value, list) else [] if value is None else [value]))


def _copy(entry: Mapping[str, Any]) -> Copy:
    known = {key: _whole(entry.get(key)) for key in _COPY_FIELDS}
    other = tuple((str(k), v) for k, v in entry.items() if k not in (*_COPY_FIELDS, "cold_for"))
    cold_for = _strings(entry["cold_for"]) if "cold_for" in entry else None
    return Copy(**known, cold_for=cold_for, other=other)


def _by_type(value: Any) -> dict[str, tuple[tuple[str, ...], Optional[bool]]]:
    if not isinstance(value, Mapping):
        return {}
    return {
        str(kind): (_strings(each.get("media")), None if each.get("meets_3_2_1") is None else bool(each["meets_3_2_1"]))
        for kind, each in value.items()
        if isinstance(each, Mapping)
    }


def _verdict(name: str, entry: Mapping[str, Any]) -> Verdict:
    passed = next((entry[key] for key in _PASS_KEYS if key in entry), None)
    reasons = next((entry[key] for key in _REASON_KEYS if key in entry), None)
    if reasons is None:
        reasons = []
    elif not isinstance(reasons, list):
        reasons = [reasons]
    copies = entry.get("copies") or []
    if not isinstance(copies, list) or not all(isinstance(c, Mapping) for c in copies):
        raise VerdictFormatError(entry)
    media = entry.get("media") or []
    return Verdict(
        name=name,
        plan=name.split("/", 1)[0],
        meets=None if passed is None else bool(passed),
        reasons=tuple(str(r) for r in reasons),
        copies=tuple(_copy(c) for c in copies),
        copy_count=_whole(entry.get("copy_count")),
        media=tuple(str(m) for m in (media if isinstance(media, list) else [media])),
        off_site=None if entry.get("off_site") is None else bool(entry["off_site"]),
        resource_types=_strings(entry.get("resource_types")),
        assumed=_strings(entry.get("assumed")),
        by_type=_by_type(entry.get("by_type")),
        advice=_strings(entry.get("advice")),
        certain=None if entry.get("certain") is None else bool(entry["certain"]),
        complete_rules=_strings(entry.get("complete_rules")),
        media_notes=_strings(entry.get("media_notes")),
        checks=_strings(entry.get("checks")),
        other={str(k): v for k, v in entry.items() if k not in _KNOWN},
    )


def plan_verdicts(outputs: Any) -> Optional[dict[str, Verdict]]:
    """The verdicts a stack exports, by name; ``None`` when it exports none.

    ``outputs``: the stack's outputs, as a mapping or as JSON text. Raises
    :class:`VerdictFormatError` when there is a verdict but not in a form read here.
    """
    outputs = _decoded(outputs) if outputs is not None else {}
    if not isinstance(outputs, Mapping) or outputs.get(THREE_TWO_ONE_OUTPUT) is None:
        return None
    value = _decoded(outputs[THREE_TWO_ONE_OUTPUT])
    if isinstance(value, Mapping) and all(isinstance(v, Mapping) for v in value.values()):
        return {str(name): _verdict(str(name), entry) for name, entry in value.items()}
    if isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        verdicts = {}
        for index, entry in enumerate(value):
            key = next((k for k in _NAME_KEYS if k in entry), None)
            name = str(entry[key]) if key else str(index + 1)
            verdicts[name] = _verdict(name, {k: v for k, v in entry.items() if k != key})
        return verdicts
    raise VerdictFormatError(value)


__all__ = ["THREE_TWO_ONE_OUTPUT", "Copy", "Verdict", "VerdictFormatError", "plan_verdicts"]
