"""The stacks the CI workflows preview and deploy, read from the stack files.

Run from the repository root::

    python -m tools.stack_matrix           # the deploy order, each stack's GitHub environment, and why
    python -m tools.stack_matrix --json    # the same as a GitHub Actions matrix, on one line

Nothing lists the stacks by hand: every ``Pulumi.<stack>.yaml`` beside ``Pulumi.yaml`` is one stack,
so a new region or environment is one new file. For each stack this works out:

- **its GitHub environment**: the part of its name before the first ``-`` (``prod-us-east-1`` and
  ``prod-eu-west-1`` deploy in ``prod``, ``dev`` in ``dev``, ``archive`` in ``archive``), unless the
  optional ``.github/stacks.yaml`` names another one for it (``stacks: {<stack>: {environment: <name>}}``);
- **its place in the deploy order**, from what its config holds: first the archive stacks
  (``archive_vault``: their vaults must exist, and let the source accounts in, before copies are sent
  to them), then the organization stacks (``organization``: their member accounts copy to the
  archive, and they may turn on the organization's cross-account backup that every archive copy
  needs), then all the others, by name: the stacks that copy to an archive (``archive``) and those
  outside the 3-2-1 chain (dev and test stacks); by name within each group.

The ``stacks`` job of ``.github/workflows/pull-request.yml`` and ``deploy.yml`` prints ``--json`` into
``$GITHUB_OUTPUT``; the preview and deploy jobs read it with ``fromJSON``. Exit status 1, with every
problem on stderr, when there is no stack file, a stack file or ``.github/stacks.yaml`` cannot be read,
or a stack name would break a CI job.
"""

from __future__ import annotations

import argparse
import enum
import json
import re
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from offline.stack_files import StackFileError, read_stack, stack_names

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: The optional overrides, relative to the project folder.
OVERRIDES_PATH = ".github/stacks.yaml"

# "Stack names may only contain alphanumeric characters, hyphens, underscores, or periods."
# (Pulumi docs, "Stacks"; the CLI also caps them at 100 characters.)
STACK_NAME = re.compile(r"[A-Za-z0-9_.-]+")
# The workflows name the AWS role session `preview-<stack>-<run id>` / `deploy-<stack>-<run id>`,
# and STS takes at most 64 characters ("AssumeRoleWithWebIdentity", RoleSessionName: 2-64,
# [\w+=,.@-]*). 40 leaves `preview-`, the dash and a run id of up to 15 digits.
MAX_STACK_NAME = 40
# "An environment name may not exceed 255 characters" (GitHub docs, "Managing environments for
# deployment").
MAX_ENVIRONMENT_NAME = 255


class DeployGroup(enum.Enum):
    """What a stack's config makes it, and so where it deploys in the order (see :attr:`rank`)."""

    ARCHIVE = "archive"
    """Holds an archive vault (``archive_vault``) that other stacks copy to."""
    ORGANIZATION = "organization"
    """Sends plans to AWS Organizations OUs (``organization``), from the management account."""
    SOURCE = "source"
    """Copies to an archive vault (``archive``)."""
    STANDALONE = "standalone"
    """Neither holds nor copies to an archive vault (dev and test stacks)."""

    @property
    def rank(self) -> int:
        """Lower deploys first: archive stacks, then organization stacks, then all the others."""
        return {DeployGroup.ARCHIVE: 0, DeployGroup.ORGANIZATION: 1}.get(self, 2)

    @property
    def reason(self) -> str:
        return {
            DeployGroup.ARCHIVE: "archive vault: before the stacks that copy to it",
            DeployGroup.ORGANIZATION: "organization: after the archive, before the per-account stacks",
            DeployGroup.SOURCE: "copies to an archive vault",
            DeployGroup.STANDALONE: "outside the 3-2-1 chain",
        }[self]


@dataclass(frozen=True)
class CiStack:
    """One stack as the CI workflows see it."""

    name: str
    environment: str
    group: DeployGroup

    def matrix_entry(self) -> dict[str, str]:
        return {"stack": self.name, "environment": self.environment}


class StackMatrixError(Exception):
    """The stacks cannot be listed for CI; ``problems`` says every reason."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


class StackOverride(BaseModel):
    """What ``.github/stacks.yaml`` may change for one stack."""

    model_config = ConfigDict(extra="forbid")

    environment: str = Field(
        min_length=1,
        max_length=MAX_ENVIRONMENT_NAME,
        description="The GitHub environment the stack deploys in, instead of its name's first part.",
    )


class CiOverrides(BaseModel):
    """``.github/stacks.yaml``: optional, and only for what the conventions get wrong."""

    model_config = ConfigDict(extra="forbid")

    stacks: dict[str, StackOverride] = Field(default_factory=dict, description="Per stack: what differs.")


def environment_by_convention(stack: str) -> str:
    """The GitHub environment of a stack without an override: its name up to the first ``-``."""
    return stack.split("-", 1)[0]


def _overrides(project_dir: Path, stacks: list[str]) -> tuple[dict[str, str], list[str]]:
    """The environment of each overridden stack, and every problem with ``.github/stacks.yaml``."""
    path = project_dir / OVERRIDES_PATH
    if not path.is_file():
        return {}, []
    try:
        content: Any = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return {}, [f"{OVERRIDES_PATH} is not valid YAML: {error}"]
    try:
        overrides = CiOverrides.model_validate(content or {})
    except ValidationError as error:
        return {}, [
            f"{OVERRIDES_PATH}: {'.'.join(str(part) for part in problem['loc']) or '(top level)'}: "
            f"{problem['msg']} (got {problem['input']!r})"
            for problem in error.errors()
        ]
    problems = [
        f"{OVERRIDES_PATH}: stacks.{stack}: there is no Pulumi.{stack}.yaml; "
        f"remove the entry or correct the name (stacks: {', '.join(stacks)})"
        for stack in overrides.stacks
        if stack not in stacks
    ]
    return {stack: override.environment for stack, override in overrides.stacks.items()}, problems


def _name_problems(stack: str) -> list[str]:
    if not STACK_NAME.fullmatch(stack):
        return [
            f"Pulumi.{stack}.yaml: a stack name takes only letters, digits, '-', '_' and '.' (Pulumi's rule); "
            "rename the file"
        ]
    if len(stack) > MAX_STACK_NAME:
        return [
            f"Pulumi.{stack}.yaml: the stack name has {len(stack)} characters; CI names its AWS role session "
            f"preview-<stack>-<run id>, which STS limits to 64 characters, so keep stack names to "
            f"{MAX_STACK_NAME}; rename the file"
        ]
    return []


def _group(project_dir: Path, stack: str) -> DeployGroup:
    settings = read_stack(project_dir, stack)

    def holds(key: str) -> bool:
        return settings.config.get(f"{settings.project}:{key}", "null") != "null"

    if holds("archive_vault"):
        return DeployGroup.ARCHIVE
    if holds("organization"):
        return DeployGroup.ORGANIZATION
    if holds("archive"):
        return DeployGroup.SOURCE
    return DeployGroup.STANDALONE


def ci_stacks(project_dir: Path = PROJECT_DIR) -> list[CiStack]:
    """Every stack of the project folder, in deploy order, with its GitHub environment.

    Raises :class:`StackMatrixError` naming every problem at once.
    """
    names = stack_names(project_dir)
    if not names:
        raise StackMatrixError(
            [f"no Pulumi.<stack>.yaml in {project_dir}: the workflows preview and deploy one job per stack file"]
        )
    environments, problems = _overrides(project_dir, names)
    found: list[CiStack] = []
    for name in names:
        problems += _name_problems(name)
        try:
            group = _group(project_dir, name)
        except StackFileError as error:
            problems.append(str(error))
            continue
        found.append(CiStack(name, environments.get(name) or environment_by_convention(name), group))
    if problems:
        raise StackMatrixError(list(dict.fromkeys(problems)))  # one Pulumi.yaml problem, not one per stack
    return sorted(found, key=lambda stack: (stack.group.rank, stack.name))


def matrix(stacks: list[CiStack]) -> dict[str, list[dict[str, str]]]:
    """The GitHub Actions matrix: one job per stack, in deploy order."""
    return {"include": [stack.matrix_entry() for stack in stacks]}


def render(stacks: list[CiStack]) -> str:
    """The deploy order in plain text: position, stack, environment, and why it comes there."""
    width = max(len(stack.name) for stack in stacks)
    env_width = max(len(stack.environment) for stack in stacks)
    lines = ["Deploy order (one stack at a time; a failure stops the rest):"]
    for position, stack in enumerate(stacks, start=1):
        lines.append(
            f"{position:>3}. {stack.name:<{width}}  environment {stack.environment:<{env_width}}  {stack.group.reason}"
        )
    return "\n".join(lines)


def main(argv: Optional[list[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m tools.stack_matrix", description=__doc__.splitlines()[0])
    parser.add_argument("--json", action="store_true", help="print the GitHub Actions matrix, on one line")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="folder holding Pulumi.yaml")
    options = parser.parse_args(argv)
    try:
        stacks = ci_stacks(options.project_dir)
    except StackMatrixError as error:
        for problem in error.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1
    print(json.dumps(matrix(stacks), separators=(",", ":")) if options.json else render(stacks))
    return 0


if __name__ == "__main__":
    sys.exit(main())
