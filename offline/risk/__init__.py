"""The review's judgement: which changes lose backups (DANGER) or weaken protection (WARNING).

Read from what both sides register and from the 3-2-1 verdict they export (through
:mod:`offline.verdict`), never from the stack files, so it judges any program built on the
components as well as this one. A change that is neither is a plain change; adding something
is never a warning.

DANGER (``compare`` exits 3): a vault or the KMS key that encrypts it is deleted or replaced (a
key that encrypts no vault, such as a notification topic's, is a plain change);
a vault lock is removed or its minimum retention lowered; the vault access policy stops denying
deletions; a selection is deleted while no other selection of the head selects its resources.

WARNING: a retention shortened (a rule's or a copy's); a copy action removed or redirected; a
plan's 3-2-1 verdict from met to not met, or a plan losing a copy, a kind of storage or its
off-site copy; a schedule that runs less often; Windows VSS or continuous backup turned off; a
selection narrowed; restore testing, audit or notifications removed (one warning per component
removed with them, e.g. the audit with its framework and report plans); a vault lock moved to
compliance mode; a vault or key no longer protected, or a vault that may now be force-destroyed;
a vault or key moved to a provider configured for another region (it may be replaced).

In the organization stack's StackSets (the member stacks of every account): a member vault that
leaves a region's member stacks (kept but no longer managed: WARNING; deleted, when unprotected:
DANGER), and a member role that moves to another region's member stacks (WARNING while the old
one is retained, DANGER when its stacks delete it).
"""

from __future__ import annotations

from collections.abc import Callable

from .findings import DANGER, WARNING, Finding, Sides
from .locks import denied, locks, policies
from .member_stacks import member_stacks
from .rules import plans
from .selections import Scope, selections
from .vaults import guarded, protection_options
from .verdicts import verdicts
from .watchers import watchers

#: Every judge, in the order their findings are listed.
JUDGES: tuple[Callable[[Sides], list[Finding]], ...] = (
    guarded,
    locks,
    policies,
    selections,
    plans,
    verdicts,
    protection_options,
    watchers,
    member_stacks,
)


def judge(sides: Sides) -> list[Finding]:
    """Every DANGER and WARNING of a change (each once): dangers first, then by the resource they
    are about, so that the same change reads the same on every run."""
    ranked: dict[Finding, tuple[bool, str, int, int]] = {}
    for rank, run in enumerate(JUDGES):
        for position, finding in enumerate(run(sides)):
            ranked.setdefault(finding, (finding.level != DANGER, finding.name, rank, position))
    return sorted(ranked, key=ranked.__getitem__)


__all__ = ["DANGER", "JUDGES", "WARNING", "Finding", "Scope", "Sides", "denied", "judge"]
