"""Restore tests against the rest of the stack: the instances they find, the vaults they may and do
reach, and what validation needs."""

from __future__ import annotations

import fnmatch
from collections.abc import Mapping
from typing import Any, Optional

from .. import rules
from ..restore_testing import VAULT_SELECTOR
from ..restore_testing import selection_tags as restore_test_selection_tags
from .common import CROSS_REGION, Finding, StackProblem, plain_arn, vss_tag_pairs, with_defaults


def restore_testing_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Restore tests find their instances by the VSS plans' one selection tag, unless told which."""
    restore_testing = args.get("restore_testing")
    if restore_testing is None or restore_testing.get("selection_tags"):
        return []
    pairs = vss_tag_pairs(args)
    if not pairs:
        return [
            (
                "restore_testing",
                "...",
                rules.Violation(
                    "restore tests restore the instances of the plans with windows_vss, found by their selection tag, "
                    "and no such plan selects by tag",
                    "set windows_vss: true on the Windows plan and select its instances by tag, or name the instances' "
                    "tag in restore_testing.selection_tags",
                ),
            )
        ]
    if len(pairs) > 1:
        return [
            (
                "restore_testing.selection_tags",
                None,
                rules.Violation(
                    f"the plans with windows_vss select by {len(pairs)} tags "
                    f"({', '.join(f'{k}={v}' for k, v in pairs)}), "
                    "and a restore test's tag conditions must all match one instance",
                    "name the tag to test in restore_testing.selection_tags, "
                    f"e.g. {{{pairs[0][0]!r}: {pairs[0][1]!r}}}",
                ),
            )
        ]
    # A selection may match tags a restore test cannot (wildcards, other characters).
    problem = restore_test_selection_tags(dict(pairs))
    if problem:
        return [
            (
                "restore_testing.selection_tags",
                None,
                rules.Violation(
                    f"the restore test would select by the Windows VSS plan's tag, but {problem.rule}",
                    f"name a tag the instances carry in restore_testing.selection_tags; {problem.fix}",
                ),
            )
        ]
    return []


def restore_validation_problems(args: Mapping[str, Any]) -> list[StackProblem]:
    """Validation keeps each restored instance's own profile: the restore role must be able to pass its role."""
    validation = (args.get("restore_testing") or {}).get("validation")
    if validation is None or args.get("vss_instances") is not None or validation.get("instance_role_arns"):
        return []
    return [
        (
            "restore_testing.validation.instance_role_arns",
            [],
            rules.Violation(
                "validation restores each instance with its own instance profile (so it answers SSM), and AWS Backup "
                "may pass the profile's role only when the restore role allows iam:PassRole on it; this stack creates "
                "no VSS instance role to name",
                "list the role of the Windows instances' instance profile, or set vss_instances",
            ),
        )
    ]


def restore_testing_vault_findings(args: Mapping[str, Any], source_account_id: Optional[str]) -> list[Finding]:
    """A restore test runs in its plan's account and region: it restores recovery points of vaults there.

    Restore jobs run where the recovery point is, so a vault of another region is an error. A vault of
    another account is a warning: AWS Backup refuses other accounts every access to a vault but copying
    into it (AWS Backup guide, "Vault access policies"), except a logically air-gapped vault shared
    through AWS RAM, whose backups "can be restored from an account with which the vault is shared, if
    needed for data loss recovery or restore testing" (AWS Backup guide, "Logically air-gapped vault").
    """
    tests = args.get("restore_testing")
    if not tests:
        return []
    copy_b = args.get(CROSS_REGION) or {}
    found: list[Finding] = []
    for key in ("include_vaults", "exclude_vaults"):
        for index, value in enumerate(tests.get(key) or []):
            at = f"restore_testing.{key}[{index}]"
            if not isinstance(value, str) or value == "*":
                continue
            if value == copy_b.get("vault_name"):
                violation = rules.Violation(
                    f"{value!r} is copy B's vault, in {copy_b['region']}, and a restore test only takes recovery "
                    f"points of its own region ({args['region']})",
                    f"test copy B from the stack of {copy_b['region']}, naming this vault's ARN in its "
                    "restore_testing.include_vaults",
                )
                found.append((True, at, value, violation))
                continue
            match = VAULT_SELECTOR.fullmatch(value)
            if match is None:
                continue
            region, account = match.group("region"), match.group("account")
            if region not in ("*", args["region"]):
                violation = rules.Violation(
                    f"a restore test only takes recovery points of its own region ({args['region']})",
                    "include vaults of this region; test other regions from their own stacks",
                )
                found.append((True, at, value, violation))
            elif account != "*" and source_account_id and account != source_account_id:
                violation = rules.Violation(
                    f"a restore test takes recovery points of another account ({account}) only from a logically "
                    f"air-gapped vault that account shares with this one ({source_account_id}) through AWS RAM (AWS "
                    "Backup guide, Logically air-gapped vault); any other vault of that account gives it nothing",
                    "keep it only if it is such a shared air-gapped vault; test other accounts' vaults from their own "
                    "stacks",
                )
                found.append((False, at, value, violation))
    return found


def _selection_pairs(selection: Mapping[str, Any]) -> set[tuple[str, str]]:
    """The tag pairs a selection selects by (its tags, and the tags its conditions require)."""
    equals = (selection.get("conditions") or {}).get("string_equals") or {}
    return set((selection.get("tags") or {}).items()) | set(equals.items())


def restore_tested_plans(args: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    """The plans whose instances the restore test restores: those selecting by one of its tags
    (``restore_testing.selection_tags``, else the Windows VSS plans' tag)."""
    args = with_defaults(args)
    tests = args.get("restore_testing") or {}
    pairs = set((tests.get("selection_tags") or {}).items()) or set(vss_tag_pairs(args))
    return [plan for plan in args["plans"] if any(pairs & _selection_pairs(s) for s in plan["selections"])]


def restore_tested_air_gapped_vaults(args: Mapping[str, Any]) -> list[Any]:
    """ARNs of the logically air-gapped vaults the restore-tested plans' rules back up into, each once:
    their recovery points are there (the stack's vault keeps only temporary ones)."""
    found: list[Any] = []
    for plan in restore_tested_plans(args):
        for rule in plan["rules"]:
            arn = (rule.get("air_gapped_target") or {}).get("vault_arn")
            if arn is not None and not any(arn is known or arn == known for known in found):
                found.append(arn)
    return found


def _selects(selectors: Any, arn: str) -> bool:
    """Whether restore-test vault selectors (``*``, ARNs with ``*``, vault names) take vault ``arn``."""
    return any(
        selector == "*"
        or (selector.startswith("arn:") and fnmatch.fnmatchcase(arn, selector))
        or selector == rules.vault_arn_parts(arn)[2]
        for selector in selectors
        if isinstance(selector, str)
    )


def restore_testing_air_gapped_findings(args: Mapping[str, Any]) -> list[Finding]:
    """A restore test that would find nothing: every rule of the tested plans backs up into air-gapped
    vaults it leaves out, and restore testing "will ignore temporary recovery points with a
    DELETE_AFTER_COPY lifecycle" (AWS Backup guide, "Logically air-gapped vault"), the only ones those
    rules leave in the stack's vault. By default the test includes those vaults."""
    tests = args.get("restore_testing")
    plans = restore_tested_plans(args)
    tested_rules = [rule for plan in plans for rule in plan["rules"]]
    if not tests or not tested_rules or any(not rule.get("air_gapped_target") for rule in tested_rules):
        return []
    vaults = restore_tested_air_gapped_vaults(args)
    arns = [arn for arn in vaults if plain_arn(arn)]
    if len(arns) < len(vaults):
        return []  # an ARN known only at deploy time: nothing to judge
    include, exclude = tests.get("include_vaults"), tests.get("exclude_vaults") or []
    included = [arn for arn in arns if _selects(include if include is not None else arns, arn)]
    if any(not _selects(exclude, arn) for arn in included):
        return []
    key = "exclude_vaults" if included else "include_vaults"
    names = sorted({plan["name"] for plan in plans})
    violation = rules.Violation(
        f"every rule of plans {names} backs up into logically air-gapped vaults ({', '.join(arns)}) that the restore "
        "test leaves out, and the stack's vault keeps only their temporary recovery points, which restore testing "
        "ignores (AWS Backup guide, Logically air-gapped vault): the restore test would test nothing",
        "include the air-gapped vault in restore_testing.include_vaults (left out, include_vaults takes it), and "
        "do not exclude it",
    )
    return [(False, f"restore_testing.{key}", tests.get(key), violation)]
