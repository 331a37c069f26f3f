"""Shared fixtures: run the real program, or components alone, under the offline mock engine."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml

from offline import OfflineRun, StackSettings, run_offline, run_program

PROJECT_DIR = Path(__file__).resolve().parent.parent
PROJECT = "windows-server-backup"


@functools.cache
def _cached_stack_run(stack: str) -> OfflineRun:
    return run_offline(PROJECT_DIR, stack)


@pytest.fixture
def stack_run() -> Callable[[str], OfflineRun]:
    """Run a stack of this repository offline (cached: the stack files do not change in a test run)."""
    return _cached_stack_run


@pytest.fixture
def run_config(tmp_path: Path) -> Callable[..., OfflineRun]:
    """Run the real ``__main__.py`` with a stack file written from ``config`` (a dict)."""

    def run(config: dict[str, Any], stack: str = "test") -> OfflineRun:
        (tmp_path / "Pulumi.yaml").write_text(
            yaml.safe_dump({"name": PROJECT, "runtime": "python", "main": str(PROJECT_DIR)})
        )
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.safe_dump({"config": config}))
        return run_offline(tmp_path, stack)

    return run


@pytest.fixture
def run_components() -> Callable[..., OfflineRun]:
    """Run a function that declares components directly (no stack config), in ``region``."""

    def run(program: Callable[[], Any], region: str = "us-east-1") -> OfflineRun:
        settings = StackSettings(
            project="consumer", stack="test", config={"aws:region": region}, secret_keys=[], main=Path("<code>")
        )
        return run_program(program, settings)

    return run


def seed_config(**overrides: Any) -> dict[str, Any]:
    """The dev stack's config (the article's setup), with top-level keys replaced by ``overrides``."""
    config = yaml.safe_load((PROJECT_DIR / "Pulumi.dev.yaml").read_text())["config"]
    for key, value in overrides.items():
        config[f"{PROJECT}:{key}"] = value
    return config
