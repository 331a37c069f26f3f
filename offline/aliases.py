"""Which head resource is which base resource: the Pulumi engine's matching, done offline.

The engine looks a registered resource up in the previous deployment by its URN, then by its
aliases. The aliases are the resource's own ``aliases`` option, plus one inherited from its
parent: when the parent was found under an old URN (its own alias, or one it inherited), the
child's old URN is assumed to sit under that old parent, with the parent's old name in place of
the new one at the start of the child's name (``{parent}-vault`` named children follow a
renamed parent). A component renamed with an alias therefore carries its whole subtree along.

This mirrors ``generateAliases`` and ``inheritedChildAlias`` in the engine's step generator
(``pkg/resource/deploy/step_generator.go`` in pulumi/pulumi) and ``inherited_child_alias`` in
the Python SDK (``pulumi/runtime/resource.py``). Only the comparison knows the previous
deployment (the base side), so the matching is done here rather than in the offline engine.
URNs are built the way the mock engine builds them (see :func:`child_urn`), so that they match
the base side's URNs.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any


def urn_parts(urn: str) -> tuple[str, str, str, str]:
    """``urn:pulumi:<stack>::<project>::<qualified type>::<name>`` as its four parts."""
    head, project, qualified_type, name = urn.split("::", 3)
    return head[len("urn:pulumi:") :], project, qualified_type, name


def child_urn(parent_urn: str, type_: str, name: str) -> str:
    """The URN of a ``type_`` named ``name`` under ``parent_urn``, as the mock engine makes it.

    The mock engine (``pulumi.runtime.mocks.MockMonitor.make_urn``) prefixes only the parent's
    own type (the real engine chains every ancestor's); matching needs the mock's form.
    """
    stack, project, qualified_type, _ = urn_parts(parent_urn)
    return f"urn:pulumi:{stack}::{project}::{qualified_type.split('$')[-1]}${type_}::{name}"


def inherited_alias(child_type: str, child_name: str, parent_name: str, parent_old_urn: str) -> str:
    """The URN a child had under its parent's old URN (its name re-prefixed with the old name)."""
    alias_name = child_name
    if child_name.startswith(parent_name):
        alias_name = urn_parts(parent_old_urn)[3] + child_name[len(parent_name) :]
    return child_urn(parent_old_urn, child_type, alias_name)


def match_resources(base: Mapping[str, Mapping[str, Any]], head: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Head URN to the base URN it takes over, for every head resource the engine would match.

    ``base``: base registrations by URN. ``head``: head registrations (``urn``, ``type``,
    ``name``, ``parent``, optional ``aliases``), parents before children as the engine
    registers them. A base URN is taken over at most once, and never when the head still
    declares it under that very URN.
    """
    head = list(head)
    head_urns = {r["urn"] for r in head}
    old_urn_of: dict[str, str] = {}  # head URN -> the base URN it matched under an alias
    matched: dict[str, str] = {}
    taken: set[str] = set()
    for resource in head:
        urn = resource["urn"]
        if urn in base:
            matched[urn] = urn
            taken.add(urn)
            continue
        candidates = list(resource.get("aliases") or [])
        parent = resource.get("parent") or ""
        if parent in old_urn_of:
            parent_old = old_urn_of[parent]
            parent_name = urn_parts(parent)[3]
            candidates.append(inherited_alias(resource["type"], resource["name"], parent_name, parent_old))
            for own in resource.get("aliases") or []:
                _, _, own_type, own_name = urn_parts(own)
                candidates.append(inherited_alias(own_type.split("$")[-1], own_name, parent_name, parent_old))
        for candidate in dict.fromkeys(candidates):
            if candidate in base and candidate not in head_urns and candidate not in taken:
                matched[urn] = candidate
                old_urn_of[urn] = candidate
                taken.add(candidate)
                break
    return matched


__all__ = ["child_urn", "inherited_alias", "match_resources", "urn_parts"]
