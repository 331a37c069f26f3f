"""Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` into the config map the engine would pass.

The engine hands a program a flat map of ``namespace:key`` to text: project defaults from
``Pulumi.yaml`` first, then the stack file's values over them; keys without a namespace belong
to the project; structured values arrive as JSON text, numbers and booleans as their text.
Secure (encrypted) values cannot be decrypted offline and arrive as ``[secret]``.

A file that is not valid YAML, or not shaped as Pulumi expects, is a config mistake like any
other (:class:`StackFileError`, with file, line and column); a file that does not exist means an
unknown stack or a folder that is no Pulumi project (:class:`MissingStackFileError`).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "[secret]"


class StackFileError(Exception):
    """A project or stack file is not what Pulumi accepts (the message names file, line, column)."""


class MissingStackFileError(StackFileError):
    """A project or stack file does not exist: an unknown stack, or no Pulumi project here."""


@dataclass(frozen=True)
class StackSettings:
    """What the engine would give the program for one stack."""

    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]
    main: Path


def _syntax_error(path: Path, error: yaml.YAMLError) -> str:
    """A YAML syntax error in plain words: where (PyYAML counts lines and columns from 0), what,
    and what it was reading then."""
    if not isinstance(error, yaml.MarkedYAMLError) or error.problem_mark is None:
        return f"{path.name} is not valid YAML: {error}"
    where = error.problem_mark
    message = f"{path.name}, line {where.line + 1}, column {where.column + 1}: {error.problem} (not valid YAML"
    if error.context and error.context_mark is not None:
        started = error.context_mark
        message += f"; {error.context} that starts at line {started.line + 1}, column {started.column + 1}"
    # The usual causes: indentation that does not line up or uses a tab, a bracket or quote
    # left open, an unquoted value holding ': '.
    return f"{message}). Fix the YAML there: indent with spaces, close brackets and quotes, quote values holding ': '"


#: PyYAML's loader on libyaml where it was built with it (several times faster), else its own.
_FAST_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader


def _load_yaml(text: str) -> Any:
    """``yaml.safe_load``, on libyaml when it can: text it refuses is read again by PyYAML's own
    parser, whose error (what, where, in which construct) the message quotes."""
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # a safe loader
    except yaml.YAMLError:
        if _FAST_LOADER is yaml.SafeLoader:
            raise
    return yaml.safe_load(text)


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise MissingStackFileError(f"{path} does not exist")
    try:
        content = _load_yaml(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise StackFileError(_syntax_error(path, error)) from error
    except UnicodeDecodeError as error:
        raise StackFileError(f"{path.name} is not UTF-8 text (byte {error.start} cannot be read)") from error
    if not isinstance(content, dict):
        raise StackFileError(f"{path.name} must be a mapping at the top level (keys such as config:)")
    return content


def _full_key(project: str, key: str) -> str:
    return key if ":" in key else f"{project}:{key}"


def _has_secret(value: Any) -> bool:
    if isinstance(value, dict):
        return set(value) == {"secure"} or any(_has_secret(v) for v in value.values())
    if isinstance(value, list):
        return any(_has_secret(v) for v in value)
    return False


def _without_secrets(value: Any) -> Any:
    if isinstance(value, dict):
        if set(value) == {"secure"}:
            return SECRET_PLACEHOLDER
        return {k: _without_secrets(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_without_secrets(v) for v in value]
    return value


def as_engine_text(value: Any) -> str:
    """A config value as the engine passes it: strings as they are, everything else as JSON."""
    value = _without_secrets(value)
    if isinstance(value, str):
        return value
    return json.dumps(value)


def _project_defaults(project: str, declared: dict[str, Any]) -> dict[str, Any]:
    """``config:`` of Pulumi.yaml: plain values, or ``{value: ...}`` / ``{default: ...}`` declarations."""
    defaults: dict[str, Any] = {}
    for key, entry in declared.items():
        if isinstance(entry, dict) and ({"value", "default", "type", "description", "secret", "items"} >= set(entry)):
            if "value" in entry:
                defaults[_full_key(project, key)] = entry["value"]
            elif "default" in entry:
                defaults[_full_key(project, key)] = entry["default"]
        else:
            defaults[_full_key(project, key)] = entry
    return defaults


def read_stack(project_dir: Path, stack: str) -> StackSettings:
    """The project's name, the stack's merged config, and the program to run."""
    project_file = _read_yaml(project_dir / "Pulumi.yaml")
    project = project_file.get("name")
    if not isinstance(project, str):
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'} has no project name (name:)")
    stack_file = _read_yaml(project_dir / f"Pulumi.{stack}.yaml")
    stack_config = stack_file.get("config") or {}
    if not isinstance(stack_config, dict):
        raise StackFileError(f"Pulumi.{stack}.yaml: 'config' must be a mapping")

    merged = _project_defaults(project, project_file.get("config") or {})
    merged.update({_full_key(project, key): value for key, value in stack_config.items()})
    main_dir = project_dir / str(project_file.get("main") or "")
    return StackSettings(
        project=project,
        stack=stack,
        config={key: as_engine_text(value) for key, value in merged.items()},
        secret_keys=sorted(key for key, value in merged.items() if _has_secret(value)),
        main=main_dir / "__main__.py",
    )


def stack_names(project_dir: Path) -> list[str]:
    """Every stack that has a ``Pulumi.<stack>.yaml`` in the project folder."""
    return sorted(path.name[len("Pulumi.") : -len(".yaml")] for path in project_dir.glob("Pulumi.*.yaml"))
