"""Shared names for the components: the package's type-token prefix and child options."""

from __future__ import annotations

from typing import Any, TypeVar

import pulumi
from typing_extensions import TypeIs

_T = TypeVar("_T")

#: Prefix of every component's type token (``<package>:<module>:<Type>``). Changing it would
#: re-create every component, so it is fixed for the life of the package.
TYPE_PREFIX = "windows-server-backup:index"


def child_opts(parent: pulumi.Resource, **options: Any) -> pulumi.ResourceOptions:
    """Options for a child: parented to the component so provider and protection flow down.

    Only ``parent`` and the named options are set; the caller's own options (aliases, imports)
    are never copied onto children.
    """
    return pulumi.ResourceOptions(parent=parent, **options)


def plain(value: pulumi.Input[_T]) -> TypeIs[_T]:
    """True for a value known now (not a ``pulumi.Output``), which the components can check.

    Raw awaitables are not told apart: the components are never given one."""
    return not isinstance(value, pulumi.Output)
