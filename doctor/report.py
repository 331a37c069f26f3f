"""The outcome of one doctor run: the checks per instance, the exit status, and the JSON form."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from .checks import ON_INSTANCE_STEPS, CheckResult, Status, run_checks
from .facts import InstanceFacts

#: Exit statuses of ``python -m doctor``.
EXIT_OK, EXIT_FAILED, EXIT_ERROR = 0, 1, 2


@dataclass(frozen=True)
class InstanceReport:
    """One instance and the results of its checks."""

    facts: InstanceFacts
    results: tuple[CheckResult, ...]

    @property
    def status(self) -> Status:
        """The worst result: fail over warn over pass."""
        found = {result.status for result in self.results}
        return next((status for status in (Status.FAIL, Status.WARN) if status in found), Status.PASS)


@dataclass(frozen=True)
class Report:
    """Everything one run found, for the table and for ``--json``."""

    region: str
    tag_key: str
    tag_value: str
    archive_copies: bool
    instances: tuple[InstanceReport, ...]

    @property
    def exit_code(self) -> int:
        """0 when nothing failed (warnings allowed), 1 when a check failed or no instance carries the tag."""
        if not self.instances or any(item.status is Status.FAIL for item in self.instances):
            return EXIT_FAILED
        return EXIT_OK

    def counts(self) -> dict[str, int]:
        """How many checks passed, warned and failed over all instances."""
        tally = Counter(result.status for item in self.instances for result in item.results)
        return {status.value: tally[status] for status in Status}

    def to_json(self) -> dict[str, Any]:
        """The same data as the table, as plain JSON values."""
        return {
            "region": self.region,
            "tag": {"key": self.tag_key, "value": self.tag_value},
            "archive_copies": self.archive_copies,
            "ok": self.exit_code == EXIT_OK,
            "summary": self.counts(),
            "instances": [
                {
                    "instance_id": item.facts.instance_id,
                    "name": item.facts.name,
                    "instance_type": item.facts.instance_type,
                    "state": item.facts.state,
                    "status": item.status.value,
                    "checks": [
                        {
                            "check": result.check,
                            "title": result.title,
                            "status": result.status.value,
                            "detail": result.detail,
                            "fix": result.fix,
                        }
                        for result in item.results
                    ],
                }
                for item in self.instances
            ],
            "not_checked": list(ON_INSTANCE_STEPS),
        }


def build_report(
    facts: list[InstanceFacts], region: str, tag_key: str, tag_value: str, archive_copies: bool = False
) -> Report:
    """Run the checks on every instance (the EBS key check only with ``archive_copies``, default False)."""
    instances = tuple(InstanceReport(item, tuple(run_checks(item, archive_copies))) for item in facts)
    return Report(region, tag_key, tag_value, archive_copies, instances)
