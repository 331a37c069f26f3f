"""What every judge of the review shares: a finding, both sides of the change, and their words."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

DANGER = "DANGER"
WARNING = "WARNING"

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


def of_type(resources: Mapping[str, dict[str, Any]], *types: str) -> list[dict[str, Any]]:
    """The registrations of these types."""
    return [r for r in resources.values() if r["type"] in types]


def inputs(resource: Optional[Mapping[str, Any]]) -> dict[str, Any]:
    """A registration's inputs (empty for ``None``)."""
    return dict((resource or {}).get("inputs") or {})


def finding(level: str, resource: Mapping[str, Any], message: str, short: str = "") -> Finding:
    """A finding about ``resource``."""
    return Finding(level, resource["urn"], resource["type"], resource["name"], message, short)


def vault_place(arn: str) -> str:
    """``vault `name` (account 222222222222, us-east-1)`` for a vault ARN (the ARN when it is not one)."""
    match = _VAULT_ARN.match(str(arn))
    if not match:
        return f"`{arn}`"
    return f"vault `{match['name']}` (account {match['account']}, {match['region']})"


def days(count: Optional[int]) -> str:
    """``35 days``; ``until deleted by hand`` for ``None``."""
    return "until deleted by hand" if count is None else f"{count} day" + ("" if count == 1 else "s")


def shorter(old: Optional[int], new: Optional[int]) -> bool:
    """A retention (``None``: until deleted) that keeps recovery points for less time."""
    return new is not None and (old is None or new < old)


def provider_urn(resource: Mapping[str, Any]) -> str:
    """The URN of a resource's explicit provider (``""`` for the stack's default provider)."""
    reference = str(resource.get("provider") or "")
    urn = reference.rsplit("::", 1)[0]
    return "" if not reference or urn.rsplit("::", 1)[-1].startswith("default") else urn


def provider_region(resource: Mapping[str, Any], document: Mapping[str, Any]) -> Optional[str]:
    """The region a resource's provider is configured for: its explicit provider's, or the stack's."""
    urn = provider_urn(resource)
    for candidate in document.get("registrations", []):
        if urn and candidate["urn"] == urn and inputs(candidate).get("region"):
            return str(candidate["inputs"]["region"])
    return document.get("region")


def region_of(resource: Mapping[str, Any], document: Mapping[str, Any]) -> Optional[str]:
    """Where a resource lives: its own ``region`` input, its explicit provider's, or the stack's."""
    if inputs(resource).get("region"):
        return str(resource["inputs"]["region"])
    return provider_region(resource, document)


__all__ = [
    "DANGER",
    "WARNING",
    "Finding",
    "Sides",
    "days",
    "finding",
    "inputs",
    "of_type",
    "provider_region",
    "provider_urn",
    "region_of",
    "shorter",
    "vault_place",
]
