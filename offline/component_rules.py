"""The components' AWS rules, which the reports use to describe schedules and storage tiers, and
the backup policy reader of the organization stack's report.

``components.rules`` in this repository, ``windows_server_backup.rules`` when installed: see
``location.py``. Imported by the reports only (``compare.py`` must import no components).
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING

from .location import COMPONENTS_PACKAGE

if TYPE_CHECKING:
    from components import org_policy, rules, selected_types, storage_tiers
    from components.service_role import S3_BACKUP_POLICY
else:
    rules = importlib.import_module(f"{COMPONENTS_PACKAGE}.rules")
    org_policy = importlib.import_module(f"{COMPONENTS_PACKAGE}.org_policy")
    storage_tiers = importlib.import_module(f"{COMPONENTS_PACKAGE}.storage_tiers")
    selected_types = importlib.import_module(f"{COMPONENTS_PACKAGE}.selected_types")
    S3_BACKUP_POLICY = importlib.import_module(f"{COMPONENTS_PACKAGE}.service_role").S3_BACKUP_POLICY

__all__ = ["S3_BACKUP_POLICY", "org_policy", "rules", "selected_types", "storage_tiers"]
