"""The components' AWS rules, which the reports use to describe schedules, and the backup policy
reader of the organization stack's report.

``components.rules`` in this repository, ``windows_server_backup.rules`` when installed: see
``location.py``. Imported by the reports only (``compare.py`` must import no components).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .location import COMPONENTS_PACKAGE

if TYPE_CHECKING:
    from components import org_policy, rules
else:
    rules = importlib.import_module(f"{COMPONENTS_PACKAGE}.rules")
    org_policy = importlib.import_module(f"{COMPONENTS_PACKAGE}.org_policy")

__all__ = ["org_policy", "rules"]
