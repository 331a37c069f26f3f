"""Turn pydantic's validation errors into one readable list: key path, value, rule, fix."""

from __future__ import annotations

import difflib
import json
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ValidationError

#: A fix for pydantic's own error types (the AWS rules carry their own).
_FIXES = {
    "missing": "add this key",
    "int_type": "write a whole number without quotes, e.g. 30",
    "bool_type": "write true or false without quotes",
    "string_type": "write a text value",
    "dict_type": "write a mapping of key: value pairs",
    "list_type": "write a list, one '- item' per line",
    "model_type": "write a mapping of settings (see docs/config-reference.md)",
    "too_short": "add at least one item",
    "too_long": "remove items or split them across plans",
    "greater_than_equal": "use a larger number",
    "string_pattern_mismatch": "write it in the form the description gives (see docs/config-reference.md)",
    "literal_error": "use one of the values listed",
    "less_than_equal": "use a smaller number",
}


#: The value of a problem whose key is not set at all.
MISSING = object()


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the stack config."""

    path: str
    value: Any
    rule: str
    fix: str

    def __str__(self) -> str:
        return f"{self.path}: got {_show(self.value)}; {self.rule}. Fix: {self.fix}."


def _show(value: Any) -> str:
    if value is MISSING:
        return "nothing"
    text = json.dumps(value, default=str)
    return text if len(text) <= 120 else text[:117] + "..."


def key_path(loc: tuple[Any, ...]) -> str:
    """``('plans', 0, 'rules', 1, 'schedule')`` -> ``plans[0].rules[1].schedule``."""
    path = ""
    for part in loc:
        if isinstance(part, int):
            path += f"[{part}]"
        else:
            path += f".{part}" if path else str(part)
    return path


def _join(path: str, sub: str) -> str:
    if not path:
        return sub
    return path + sub if sub.startswith("[") else f"{path}.{sub}"


def _known_keys(model: type[BaseModel], loc: tuple[Any, ...]) -> list[str]:
    """The setting names allowed where ``loc`` points (for 'did you mean' on unknown keys)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue
        field = current.model_fields.get(part) if isinstance(current, type) and issubclass(current, BaseModel) else None
        if field is None:
            return []
        current = _model_in(field.annotation)
    if isinstance(current, type) and issubclass(current, BaseModel):
        return list(current.model_fields)
    return []


def _model_in(annotation: Any) -> Any:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in getattr(annotation, "__args__", ()):
        found = _model_in(arg)
        if found is not None:
            return found
    return None


def problems_from(error: ValidationError, model: type[BaseModel], prefix: tuple[Any, ...] = ()) -> list[Problem]:
    """Every problem in ``error``, in the order pydantic found them."""
    found: list[Problem] = []
    for detail in error.errors(include_url=False):
        loc = tuple(prefix) + tuple(detail["loc"])
        path = key_path(loc)
        kind = detail["type"]
        ctx = detail.get("ctx") or {}
        if kind == "aws_rule":
            found.append(Problem(path, detail["input"], ctx["rule"], ctx["fix"]))
        elif kind == "cross_field":
            for sub, value, rule, fix in ctx["problems"]:
                found.append(Problem(_join(path, sub), value, rule, fix))
        elif kind == "extra_forbidden":
            parent = tuple(detail["loc"][:-1])
            known = _known_keys(model, parent)
            close = difflib.get_close_matches(str(loc[-1]), known, n=1)
            hint = f"did you mean '{close[0]}'? " if close else ""
            found.append(
                Problem(
                    path,
                    detail["input"],
                    "is not a setting of this program",
                    f"{hint}remove it or use one of: {', '.join(known)}",
                )
            )
        elif kind == "missing":
            found.append(Problem(path, MISSING, "this setting is required", _FIXES["missing"]))
        else:
            message = detail["msg"].rstrip(".")
            found.append(
                Problem(path, detail["input"], message[:1].lower() + message[1:], _FIXES.get(kind, "correct the value"))
            )
    return found
