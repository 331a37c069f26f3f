"""What changed in a resource's inputs, value by value, as a reviewer reads it.

Each change is a path into the inputs with the old and the new value, e.g.
``rules[weekly].lifecycle.deleteAfter: 30 → 14``. Lists whose items carry a name are matched by
that name (rules by ``ruleName``, copy actions by ``destinationVaultArn``, advanced settings by
``resourceType``, policy statements by ``Sid``, ...), so reordering them is no change; other
lists are compared as collections: items on both sides are no change, whatever their order.
Text that holds JSON (policies, event patterns) is compared as the parsed document.
"""

from __future__ import annotations

import json
from collections import Counter
from dataclasses import dataclass
from typing import Any

#: Keys that name a list's items, tried in this order; the first one every item of both sides
#: carries, with no two items of a side sharing a value, is used.
ITEM_NAMES = ("ruleName", "destinationVaultArn", "resourceType", "Sid", "name", "key")


class _Missing:
    def __repr__(self) -> str:
        return "MISSING"


#: Stands for a value that is not there (absent, or ``null``).
MISSING: Any = _Missing()


@dataclass(frozen=True)
class ValueChange:
    """One changed value: ``old`` is :data:`MISSING` when it is added, ``new`` when it is removed."""

    path: str
    old: Any
    new: Any

    @property
    def top(self) -> str:
        """The input (top-level key) this change is in."""
        return self.path.split(".", 1)[0].split("[", 1)[0]


def parsed(value: Any) -> Any:
    """``value``, or the document it holds when it is JSON text of an object or a list."""
    if isinstance(value, str) and value.lstrip()[:1] in ("{", "["):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


def _canonical(value: Any) -> str:
    return json.dumps(value, sort_keys=True, default=str)


def _item_name(old: list[Any], new: list[Any]) -> str | None:
    items = old + new
    if not items or not all(isinstance(item, dict) for item in items):
        return None
    for key in ITEM_NAMES:
        if all(item.get(key) not in (None, "") for item in items) and all(
            len({_canonical(item[key]) for item in side}) == len(side) for side in (old, new)
        ):
            return key
    return None


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _list_changes(old: list[Any], new: list[Any], path: str) -> list[ValueChange]:
    key = _item_name(old, new)
    if key is not None:
        before = {str(item[key]): item for item in old}
        after = {str(item[key]): item for item in new}
        changes = []
        for name in [*before, *(n for n in after if n not in before)]:
            old_item, new_item = before.get(name, MISSING), after.get(name, MISSING)
            if MISSING in (old_item, new_item):  # the path names the item: show the rest of it
                old_item, new_item = (_without(old_item, key), _without(new_item, key))
            changes += value_changes(old_item, new_item, f"{path}[{name}]")
        return changes
    # Items on both sides are no change, wherever they stand.
    gone, came = _unmatched(old, new), _unmatched(new, old)
    if gone and len(gone) == len(came) and all(isinstance(v, (dict, list)) for v in gone + came):
        # Structured items edited in place: what changed inside each, at its place in the new list.
        changes = []
        for before, after in zip(gone, came, strict=True):
            changes += value_changes(before, after, f"{path}[{new.index(after)}]")
        return changes
    return [ValueChange(f"{path}[]", v, MISSING) for v in gone] + [ValueChange(f"{path}[]", MISSING, v) for v in came]


def _without(item: Any, key: str) -> Any:
    return item if item is MISSING else {k: v for k, v in item.items() if k != key}


def _unmatched(mine: list[Any], theirs: list[Any]) -> list[Any]:
    """Items of ``mine`` left over once each is paired with an equal item of ``theirs``."""
    available = Counter(_canonical(v) for v in theirs)
    left = []
    for value in mine:
        text = _canonical(value)
        if available[text] > 0:
            available[text] -= 1
        else:
            left.append(value)
    return left


def value_changes(old: Any, new: Any, path: str = "") -> list[ValueChange]:
    """Every changed value between ``old`` and ``new``, by path (``None`` counts as absent)."""
    old = MISSING if old is None else parsed(old)
    new = MISSING if new is None else parsed(new)
    if isinstance(old, dict) and isinstance(new, dict):
        changes = []
        for key in sorted(set(old) | set(new), key=str):
            changes += value_changes(old.get(key, MISSING), new.get(key, MISSING), _join(path, str(key)))
        return changes
    if isinstance(old, list) and isinstance(new, list):
        return _list_changes(old, new, path)
    if old is MISSING and new is MISSING:
        return []
    if old is not MISSING and new is not MISSING and _canonical(old) == _canonical(new):
        return []
    return [ValueChange(path, old, new)]


def shown(value: Any, limit: int = 120) -> str:
    """A value in one line of at most ``limit`` characters: text as it is, the rest as JSON."""
    if value is MISSING:
        return "(none)"
    text = value if isinstance(value, str) else json.dumps(value, sort_keys=True, default=str)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


__all__ = ["ITEM_NAMES", "MISSING", "ValueChange", "parsed", "shown", "value_changes"]
