"""Read ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` into the config map the engine would pass.

The engine hands a program a flat map of ``namespace:key`` to text: project defaults from
``Pulumi.yaml`` first, then the stack file's values over them; keys without a namespace belong
to the project; structured values arrive as JSON text, numbers and booleans as their text.
Secure (encrypted) values cannot be decrypted offline and arrive as ``[secret]``.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

SECRET_PLACEHOLDER = "[secret]"


class StackFileError(Exception):
    """A project or stack file is missing or is not what Pulumi accepts."""


@dataclass(frozen=True)
class StackSettings:
    """What the engine would give the program for one stack."""

    project: str
    stack: str
    config: dict[str, str]
    secret_keys: list[str]
    main: Path


def _read_yaml(path: Path) -> dict[str, Any]:
    if not path.is_file():
        raise StackFileError(f"{path} does not exist")
    try:
        content = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    except yaml.YAMLError as error:
        raise StackFileError(f"{path} is not valid YAML: {error}") from error
    if not isinstance(content, dict):
        raise StackFileError(f"{path} must be a mapping at the top level")
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
        raise StackFileError(f"{project_dir / 'Pulumi.yaml'} has no project name")
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
