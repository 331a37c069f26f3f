"""Read the stack's config the way Pulumi hands it to the program, and validate it whole."""

from __future__ import annotations

import json
import re
from typing import Any

import pulumi
from pydantic import ValidationError

from components import rules
from components.org_checks import organization_problems
from components.stack_checks import stack_problems

from .args import component_args, organization_args
from .errors import MISSING, Problem, problems_from
from .models import StackConfig


class ConfigError(pulumi.RunError):
    """The stack config breaks one or more rules; raised before any resource is registered."""

    def __init__(self, namespace: str, stack: str, problems: list[Problem]) -> None:
        self.problems = problems
        count = f"{len(problems)} problem" + ("s" if len(problems) != 1 else "")
        listed = "\n".join(f"  - {problem}" for problem in problems)
        super().__init__(f"Pulumi.{stack}.yaml: {count} under '{namespace}:' (nothing was deployed):\n{listed}")


def _parse(raw: str) -> Any:
    """Pulumi passes structured values as JSON text; anything else stays the plain string."""
    try:
        return json.loads(raw)
    except ValueError:
        return raw


def raw_settings(namespace: str) -> dict[str, Any]:
    """Every key set under ``namespace:``, parsed, so that unknown (misspelt) keys are reported too.

    ``pulumi.Config`` only answers for keys it is asked about; the engine's whole config map
    (``PULUMI_CONFIG``, or what the language host or mocks set) is read here instead.
    """
    prefix = f"{namespace}:"
    everything = {**pulumi.runtime.config.get_config_env(), **pulumi.runtime.config.CONFIG.get()}
    return {
        key[len(prefix) :]: _parse(str(value)) for key, value in sorted(everything.items()) if key.startswith(prefix)
    }


def load_stack_config() -> tuple[StackConfig, str]:
    """The validated stack config and the stack's region (``aws:region``).

    Raises :class:`ConfigError` listing every problem when anything is wrong.
    """
    project = pulumi.get_project()
    stack = pulumi.get_stack()
    problems: list[Problem] = []

    region = pulumi.Config("aws").get("region")
    if not region:
        problems.append(
            Problem(
                "aws:region",
                MISSING,
                "the stack's AWS region is not set",
                f"run `pulumi config set aws:region us-east-1 --stack {stack}`",
            )
        )
    elif violation := rules.aws_region(region):
        # Real regions only (botocore's endpoint data), so a typo fails here and not at deploy.
        problems.append(Problem("aws:region", region, violation.rule, violation.fix))

    parsed: StackConfig | None = None
    try:
        parsed = StackConfig.model_validate(raw_settings(project))
    except ValidationError as error:
        problems += problems_from(error, StackConfig)
    if parsed is not None and region and not problems:
        problems += cross_component_problems(parsed, region, allowed_account(stack))
    if problems or parsed is None:
        raise ConfigError(project, stack, problems)
    return parsed, str(region)


def cross_component_problems(config: StackConfig, region: str, account: str | None) -> list[Problem]:
    """Checks across components (locks against retentions, the archive's key and account; for the
    organization stack, the policies against the StackSet), the same ones the components run,
    reported here before anything is registered. ``account``: the stack's pinned account."""
    if config.organization is not None:
        archive = config.archive.vault_arn if config.archive is not None else None
        management = account if config.organization.stack_set.call_as == "SELF" else None
        found = organization_problems(organization_args(config, region), management, archive)
        return [Problem(organization_key_path(path), value, v.rule, v.fix) for path, value, v in found]
    if config.archive_vault is None:
        found = stack_problems(component_args(config, region), account)
        problems = [Problem(path, value, v.rule, v.fix) for path, value, v in found]
        # One-program mode deploys the archive from this stack: it stays in this partition too.
        here = config.archive.deploy_here if config.archive else None
        if here and (violation := rules.copy_partition(region, here.region)):
            problems.append(Problem("archive.deploy_here.region", here.region, violation.rule, violation.fix))
        return problems
    return []


#: The organization component's top-level arguments that live under ``organization:`` in the stack file.
_ORGANIZATION_KEYS = {
    "regions",
    "targets",
    "role_region",
    "cross_region",
    "vss_instances",
    "stack_set",
    "policy_name_prefix",
    "delegated_administrator_account_id",
    "backup_global_settings",
}
#: Component argument names that the stack file spells differently.
_RENAMED = {
    ".schedule_timezone": ".timezone",
    "vault.create_kms_key": "vault.kms_key",
    "role.allow_s3": "role.s3_policies",
}


def organization_key_path(path: str) -> str:
    """A path of :func:`components.org_checks.organization_problems` as the stack file's key path."""
    for argument, key in _RENAMED.items():
        path = path.replace(argument, key)
    first = re.split(r"[.\[]", path, maxsplit=1)[0]
    return f"organization.{path}" if first in _ORGANIZATION_KEYS else path


def allowed_account(stack: str) -> str | None:
    """The stack's account when ``aws:allowedAccountIds`` pins exactly one, else ``None``."""
    allowed = pulumi.Config("aws").get_object("allowedAccountIds")
    if isinstance(allowed, list) and len(allowed) == 1:
        return str(allowed[0])
    return None
