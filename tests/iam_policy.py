"""A small evaluator of identity-based IAM policies, enough to test what a policy this program
writes allows: explicit Deny wins, then any Allow, else denied (IAM User Guide, "Policy
evaluation logic"). Actions and resources match with ``*`` and ``?`` (actions case-insensitively);
conditions support the operators the program's policies use (StringEquals, StringLike, ArnLike,
Bool, Null), each key's values OR-ed, keys and operators AND-ed; a key missing from the request
fails every operator but ``Null: true`` (IAM User Guide, "IAM JSON policy elements: Condition
operators")."""

from __future__ import annotations

import fnmatch
import json
import re
from collections.abc import Mapping
from typing import Any


def _listed(value: Any) -> list[str]:
    return [value] if isinstance(value, str) else list(value)


def _like(pattern: str, value: str, *, ignore_case: bool = False) -> bool:
    regex = fnmatch.translate(pattern).replace("(?s:", "(?s:" if not ignore_case else "(?si:", 1)
    return re.fullmatch(regex, value) is not None


def _condition_holds(condition: Mapping[str, Mapping[str, Any]], context: Mapping[str, str]) -> bool:
    for operator, keys in condition.items():
        for key, expected in keys.items():
            given = context.get(key)
            if operator == "Null":
                if (given is None) != (str(expected).lower() == "true"):
                    return False
                continue
            if given is None:
                return False
            wanted = [str(v) for v in _listed(expected)]
            if operator in ("StringEquals", "Bool"):
                ok = given in wanted
            elif operator in ("StringLike", "ArnLike"):
                ok = any(_like(pattern, given) for pattern in wanted)
            else:
                raise NotImplementedError(f"condition operator {operator} is not evaluated here")
            if not ok:
                return False
    return True


def _applies(statement: Mapping[str, Any], action: str, resource: str, context: Mapping[str, str]) -> bool:
    if "NotAction" in statement or "NotResource" in statement or "Principal" in statement:
        raise NotImplementedError("NotAction, NotResource and Principal are not evaluated here")
    return (
        any(_like(pattern, action, ignore_case=True) for pattern in _listed(statement["Action"]))
        and any(_like(pattern, resource) for pattern in _listed(statement["Resource"]))
        and _condition_holds(statement.get("Condition") or {}, context)
    )


def allowed(policy: str | Mapping[str, Any], action: str, resource: str, **context: str) -> bool:
    """True when ``policy`` allows ``action`` on ``resource`` with the request ``context`` (condition
    keys; pass them as a dict with ``**{"aws:RequestedRegion": "us-east-1"}``)."""
    document = json.loads(policy) if isinstance(policy, str) else policy
    statements = [s for s in _listed_statements(document) if _applies(s, action, resource, context)]
    if any(s["Effect"] == "Deny" for s in statements):
        return False
    return any(s["Effect"] == "Allow" for s in statements)


def _listed_statements(document: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    statement = document["Statement"]
    return [statement] if isinstance(statement, Mapping) else list(statement)
