"""Shared fixtures: run the real program, or components alone, under the offline mock engine."""

from __future__ import annotations

import copy
import functools
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import settings

from offline import OfflineRun, StackSettings, run_offline, run_program

# Property-based tests draw the same examples on every run, so a failure in CI fails the same way
# on any machine, and write no example database into the repository; `python -m pytest
# --hypothesis-profile=explore tests/test_fuzz_config.py` draws new ones (and keeps failures in .hypothesis/).
settings.register_profile("suite", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False)
settings.load_profile("suite")

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: The fixture stacks (a project folder whose program is the repository's ``__main__.py``).
#: Tests take their expected values from these, never from the shipped ``Pulumi.<stack>.yaml``
#: files, which are the user's to edit.
FIXTURES_DIR = Path(__file__).resolve().parent / "stacks"
PROJECT = "windows-server-backup"
#: PyYAML's safe loader and dumper on libyaml (several times faster) where PyYAML was built with it.
YAML_LOADER = yaml.CSafeLoader if yaml.__with_libyaml__ else yaml.SafeLoader
YAML_DUMPER = yaml.CSafeDumper if yaml.__with_libyaml__ else yaml.SafeDumper
#: The production fixtures by home region: copy A there, B in the other region, C in ``archive``.
PROD_FIXTURES = {"us-east-1": "prod-east", "us-west-2": "prod-west"}


#: The longest test by far (a cold mypy run, some 12 s): it goes first, so the other workers run the
#: rest meanwhile instead of waiting for it at the end.
LONGEST_TEST = "tests/test_lint.py::test_mypy_finds_nothing"


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: item.nodeid != LONGEST_TEST)  # stable: the rest keep their order


@functools.cache
def _cached_fixture_run(stack: str) -> OfflineRun:
    return run_offline(FIXTURES_DIR, stack)


@functools.cache
def shipped_run(stack: str) -> OfflineRun:
    """Run a shipped ``Pulumi.<stack>.yaml`` offline (cached). Only the invariants test may use it:
    the shipped stacks are the user's to edit, so no test takes expected values from them."""
    return run_offline(PROJECT_DIR, stack)


@pytest.fixture
def fixture_run() -> Callable[[str], OfflineRun]:
    """Run a fixture stack of ``tests/stacks`` offline (cached: fixtures do not change in a test run)."""
    return _cached_fixture_run


@functools.cache
def _fixture_file_config(stack: str) -> dict[str, Any]:
    config: dict[str, Any] = yaml.load((FIXTURES_DIR / f"Pulumi.{stack}.yaml").read_text(), Loader=YAML_LOADER)
    return config["config"]


def fixture_config(stack: str, **overrides: Any) -> dict[str, Any]:
    """A fresh copy of the ``config:`` of fixture ``tests/stacks/Pulumi.<stack>.yaml``, with top-level
    project keys replaced by ``overrides``."""
    config = copy.deepcopy(_fixture_file_config(stack))  # read once; each caller edits its own copy
    for key, value in overrides.items():
        config[f"{PROJECT}:{key}"] = value
    return config


def fixture_project(destination: Path) -> Path:
    """A project folder at ``destination`` holding copies of the fixture stacks, whose program is the
    repository's ``__main__.py`` (to edit a stack file the way a pull request would)."""
    destination.mkdir(parents=True, exist_ok=True)
    for path in FIXTURES_DIR.glob("Pulumi.*.yaml"):
        (destination / path.name).write_text(path.read_text())
    (destination / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": PROJECT, "runtime": "python", "main": str(PROJECT_DIR)})
    )
    return destination


@pytest.fixture
def run_config(tmp_path: Path) -> Callable[..., OfflineRun]:
    """Run the real ``__main__.py`` with a stack file written from ``config`` (a dict)."""

    def run(config: dict[str, Any], stack: str = "test") -> OfflineRun:
        (tmp_path / "Pulumi.yaml").write_text(
            yaml.safe_dump({"name": PROJECT, "runtime": "python", "main": str(PROJECT_DIR)})
        )
        (tmp_path / f"Pulumi.{stack}.yaml").write_text(yaml.dump({"config": config}, Dumper=YAML_DUMPER))
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


def logged_warning(run_components: Callable[..., OfflineRun], build: Callable[[bool], None]) -> str:
    """The one warning a component logs when built with ``log_warnings`` true (``build(True)``);
    checks that it logs none with ``log_warnings`` false (its caller reports them)."""
    run = run_components(lambda: build(True))
    assert run.error is None, run.error
    [warning] = run.warnings
    assert run_components(lambda: build(False)).warnings == []
    return warning


def stack_set_resources(run: OfflineRun, *types: str) -> dict[str, dict[str, Any]]:
    """The resources of the run's StackSet templates (what they create in every member account), by
    ``<StackSet name>/<logical ID>``, optionally only of the CloudFormation ``types``."""
    found: dict[str, dict[str, Any]] = {}
    for stack_set in run.of_type("aws:cloudformation/stackSet:StackSet"):
        template = json.loads(stack_set.inputs["templateBody"])
        for logical_id, resource in template["Resources"].items():
            if not types or resource["Type"] in types:
                found[f"{stack_set.inputs['name']}/{logical_id}"] = resource
    return found


#: Top-level sections whose stack keeps recovery points: a vault of its own, or the StackSet's vaults.
KEEPS_RECOVERY_POINTS = ("plans", "vault", "archive_vault")


def stack_sections(run: OfflineRun) -> set[str]:
    """The project's top-level keys the run's stack file sets (``plans``, ``audit``, ...)."""
    prefix = f"{run.settings.project}:"
    return {key[len(prefix) :] for key in run.settings.config if key.startswith(prefix)}


def seed_config(**overrides: Any) -> dict[str, Any]:
    """The ``seed`` fixture's config (the article's setup), with top-level keys replaced by ``overrides``."""
    return fixture_config("seed", **overrides)
