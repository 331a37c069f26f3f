"""What each requirements file installs: the program's needs only, libraries as ranges, and every
import of the README's first command (``pip install -r requirements.txt && python -m offline dev``)
covered by requirements.txt alone."""

from __future__ import annotations

import ast
import importlib.metadata
import sys
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: This repository's own packages (and the program, ``__main__.py``).
OWN = {"components", "offline", "stack_config", "doctor"}


def requirements(name: str) -> dict[str, Requirement]:
    """The requirements a file lists itself (not those of the files it includes), by canonical name."""
    found: dict[str, Requirement] = {}
    for line in (PROJECT_DIR / name).read_text().splitlines():
        line = line.split("#", 1)[0].strip()
        if line and not line.startswith("-"):
            requirement = Requirement(line)
            found[canonicalize_name(requirement.name)] = requirement
    return found


def includes(name: str) -> list[str]:
    return [line.split()[1] for line in (PROJECT_DIR / name).read_text().splitlines() if line.startswith("-r ")]


def pyproject_dependencies() -> dict[str, Requirement]:
    project = tomllib.loads((PROJECT_DIR / "pyproject.toml").read_text())["project"]
    return {canonicalize_name(Requirement(d).name): Requirement(d) for d in project["dependencies"]}


def imports(*paths: Path) -> set[str]:
    """Top-level names of the modules these files import (absolute imports only)."""
    names: set[str] = set()
    for path in paths:
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.Import):
                names |= {alias.name.split(".")[0] for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                names.add(node.module.split(".")[0])
    return names


def third_party_imports(*paths: Path) -> set[str]:
    """The modules these files import that are neither stdlib nor this repository's."""
    return {name for name in imports(*paths) if name not in sys.stdlib_module_names and name not in OWN}


def distributions(imports: set[str]) -> set[str]:
    """The installed distributions that provide these top-level modules, by canonical name."""
    providers = importlib.metadata.packages_distributions()
    missing = sorted(name for name in imports if name not in providers)
    assert not missing, f"imported but not installed: {missing}"
    return {canonicalize_name(dist) for name in imports for dist in providers[name]}


def installed_with(listed: set[str]) -> set[str]:
    """``listed`` and what pip installs along with them (their own requirements, one level down)."""
    found = set(listed)
    for name in listed:
        for line in importlib.metadata.requires(name) or []:
            requirement = Requirement(line)
            if requirement.marker is None or requirement.marker.evaluate({"extra": ""}):
                found.add(canonicalize_name(requirement.name))
    return found


def python_files(*folders: str) -> list[Path]:
    return [path for folder in folders for path in sorted((PROJECT_DIR / folder).glob("*.py"))]


def test_requirements_txt_holds_no_test_or_tool_packages():
    assert includes("requirements.txt") == []
    program = set(requirements("requirements.txt"))
    assert {"pytest", "boto3", "rich", "moto", "ruff", "hypothesis"}.isdisjoint(program)
    assert set(requirements("requirements-dev.txt")).isdisjoint(program)


def test_the_first_commands_imports_are_all_in_requirements_txt():
    """Everything ``python -m offline <stack>`` imports: the engine, the program, the config layer
    and the components (``offline.__main__`` imports its reports lazily, so every module counts)."""
    imported = third_party_imports(PROJECT_DIR / "__main__.py", *python_files("offline", "stack_config", "components"))
    assert imported == {
        "aws_cron_expression_validator",
        "botocore",  # AWS Backup's regions, from its endpoint data
        "cron_descriptor",
        "pulumi",
        "pulumi_aws",
        "pyawscron",
        "pydantic",
        "pydantic_core",  # pydantic's own, in the version pydantic pins
        "typing_extensions",
        "yaml",
    }
    assert distributions(imported) <= installed_with(set(requirements("requirements.txt")))


def test_the_installed_package_declares_what_it_imports():
    """The wheel holds ``components`` and ``offline``: their imports must come from its own dependencies."""
    packaged = python_files("offline", "components")
    assert distributions(third_party_imports(*packaged)) <= set(pyproject_dependencies())
    # The config layer and the doctor stay out of the package (only `components` under TYPE_CHECKING).
    assert imports(*packaged) & (OWN | {"pydantic"}) == {"components"}


def test_the_doctor_has_what_it_imports_from_its_own_file():
    assert includes("requirements-doctor.txt") == ["requirements.txt"]
    assert includes("requirements-dev.txt") == ["requirements-doctor.txt"]
    listed = set(requirements("requirements.txt")) | set(requirements("requirements-doctor.txt"))
    assert distributions(third_party_imports(*python_files("doctor"))) <= installed_with(listed)


@pytest.mark.parametrize("name", ["requirements.txt", "requirements-doctor.txt", "pyproject.toml"])
def test_libraries_take_ranges_not_exact_pins(name):
    listed = pyproject_dependencies() if name == "pyproject.toml" else requirements(name)
    for requirement in listed.values():
        operators = {spec.operator for spec in requirement.specifier}
        assert "==" not in operators and "===" not in operators, f"{name}: {requirement} is pinned"
        assert ">=" in operators, f"{name}: {requirement} has no lower bound"


def test_the_package_and_the_program_ask_for_the_same_versions():
    program = requirements("requirements.txt")
    for name, requirement in pyproject_dependencies().items():
        assert name in program, f"{name} is a dependency of the package but not in requirements.txt"
        assert program[name].specifier == requirement.specifier, name
