"""Checks across components of one stack: a rule's retention against the vault locks it writes
to, copy lifecycles, cold storage settings against what the plans select, the archive's account,
the region's opt-in, restore tests, the audit, and the keys copies depend on. Plain values in,
problems out; one module per concept.

Used by :class:`components.WindowsServerBackup` and by the config layer (which reports the
problems with their key paths before anything is registered). :func:`stack_problems` are errors;
:func:`stack_warnings` are settings that deploy but may not do what they say.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Optional

from .audit import audit_problems, deletion_control
from .common import (
    ARCHIVE,
    CROSS_REGION,
    DESTINATIONS,
    Finding,
    StackProblem,
    copy_lifecycle,
    copy_targets,
    with_defaults,
)
from .copies import (
    DEFAULT_VAULT,
    air_gapped_archive_findings,
    air_gapped_cold_findings,
    archive_key_check,
    destination_problems,
    key_findings,
    rule_problems,
)
from .region_settings import opted_out_findings
from .restore_testing import (
    restore_tested_air_gapped_vaults,
    restore_tested_plans,
    restore_testing_air_gapped_findings,
    restore_testing_problems,
    restore_testing_vault_findings,
    restore_validation_problems,
)
from .shape import (
    PLAN_SECTIONS,
    STANDALONE_SECTIONS,
    VAULT_SECTIONS,
    duplicate_selection_names,
    malware_scanning_problems,
    present_sections,
    selection_place_problems,
    shape_problems,
    vss_problems,
)
from .statements import foreign_account_statements
from .tiers import destination_region, selected_types, selects_s3, tag_selected_types, tier_findings


def _errors(findings: list[Finding]) -> list[StackProblem]:
    return [(path, value, violation) for error, path, value, violation in findings if error]


def stack_problems(args: Mapping[str, Any], source_account_id: Optional[str] = None) -> list[StackProblem]:
    """Every cross-component problem of :class:`components.WindowsServerBackupArgs`-shaped ``args``.

    ``source_account_id``: the stack's account when known before deploying (e.g. from
    ``aws:allowedAccountIds``), to check that the archive lives elsewhere.
    """
    args = with_defaults(args)
    found: list[StackProblem] = [(path, "...", violation) for path, violation in shape_problems(present_sections(args))]
    found += selection_place_problems(args)
    found += destination_problems(args, source_account_id)
    found += duplicate_selection_names(args["plans"])
    found += vss_problems(args)
    found += restore_testing_problems(args)
    found += restore_validation_problems(args)
    found += malware_scanning_problems(args)
    found += audit_problems(args)
    found += _errors(
        tier_findings(args, source_account_id)
        + opted_out_findings(args)
        + restore_testing_vault_findings(args, source_account_id)
    )
    found += foreign_account_statements(args["vault"], source_account_id)
    found += rule_problems(args, source_account_id)
    return found


def stack_warnings(args: Mapping[str, Any], source_account_id: Optional[str] = None) -> list[StackProblem]:
    """Settings that deploy but may not do what they say: cold storage AWS Backup would apply to
    only some of the types a plan may select (or to none, when the types are assumed from tags),
    archive opt-ins that do nothing, types a region opts out of, restore tests that may find nothing,
    and the keys EC2 and EBS copies depend on. ``source_account_id``: as for :func:`stack_problems`
    (it also decides which ``not_resources`` patterns can leave a type out)."""
    args = with_defaults(args)
    findings = tier_findings(args, source_account_id) + opted_out_findings(args) + air_gapped_cold_findings(args)
    findings += restore_testing_vault_findings(args, source_account_id) + restore_testing_air_gapped_findings(args)
    findings += key_findings(args, source_account_id) + air_gapped_archive_findings(args, source_account_id)
    return [(path, value, violation) for error, path, value, violation in findings if not error]


__all__ = [
    "ARCHIVE",
    "CROSS_REGION",
    "DEFAULT_VAULT",
    "DESTINATIONS",
    "PLAN_SECTIONS",
    "STANDALONE_SECTIONS",
    "VAULT_SECTIONS",
    "StackProblem",
    "archive_key_check",
    "copy_lifecycle",
    "copy_targets",
    "deletion_control",
    "destination_region",
    "present_sections",
    "restore_tested_air_gapped_vaults",
    "restore_tested_plans",
    "selected_types",
    "selects_s3",
    "shape_problems",
    "stack_problems",
    "stack_warnings",
    "tag_selected_types",
]
