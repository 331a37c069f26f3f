"""The program's config layer: the stack file's settings, validated, turned into component args.

Kept apart from ``components`` so the components stay usable from code without it.
"""

from .args import archive_vault_args, component_args, organization_args
from .errors import Problem
from .load import ConfigError, load_stack_config
from .models import StackConfig
from .warnings import stack_warnings

__all__ = [
    "ConfigError",
    "Problem",
    "StackConfig",
    "archive_vault_args",
    "component_args",
    "load_stack_config",
    "organization_args",
    "stack_warnings",
]
