"""Where a stack's copies go, as a Mermaid flowchart GitHub draws in a comment.

Read from the 3-2-1 verdicts (:mod:`offline.verdict`): each account is a box holding a box per
region, holding its vaults; each rule's own vault shows how long it keeps recovery points, and
an arrow goes from it to every vault a copy action copies into, labelled with how long the
copy is kept and its storage tier. Given the base side's verdicts too, the head's diagram marks
what the change does: a changed arrow says ``changed: 35 → 14 days``, a new one ``new: ...``,
and a copy that goes away stays drawn, dashed, as ``removed``.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Optional

from .verdict import Copy, Verdict

Place = tuple[str, str, str]  # account, region, vault
Facet = tuple[Optional[int], Optional[str]]  # days kept, tier
Facets = dict[str, Facet]  # by rule

#: Mermaid entity codes for the characters that would end or change a quoted label.
_ESCAPES = {"#": "#35;", '"': "#quot;", "<": "#lt;", ">": "#gt;", "&": "#amp;", "`": "#96;", "|": "#124;"}

CHANGED = "stroke:#d97706,stroke-width:3px,color:#d97706"
ADDED = "stroke:#15803d,stroke-width:3px,color:#15803d"
REMOVED = "stroke:#b91c1c,stroke-width:2px,stroke-dasharray:5 5,color:#b91c1c"
CHANGED_NODE = "stroke:#d97706,stroke-width:3px"
REMOVED_NODE = "stroke:#b91c1c,stroke-dasharray:5 5,color:#b91c1c"


def escape(text: str) -> str:
    """``text`` safe inside a quoted Mermaid label (entity codes; line breaks become spaces)."""
    text = " ".join(str(text).split())
    return "".join(_ESCAPES.get(char, char) for char in text)


def _kept(days: Optional[int]) -> str:
    if days is None:
        return "until deleted"
    return f"{days} day" + ("" if days == 1 else "s")


def _facet_text(facet: Facet) -> str:
    days, tier = facet
    return _kept(days) + (f", {tier}" if tier else "")


def _facets_text(facets: Facets) -> str:
    """How long and in which tier, escaped; per rule when the rules differ."""
    distinct = set(facets.values())
    if len(distinct) == 1:
        return escape(_facet_text(next(iter(distinct))))
    return "<br/>".join(f"{escape(rule)}: {escape(_facet_text(facet))}" for rule, facet in sorted(facets.items()))


def _facet_change(old: Facet, new: Facet) -> str:
    """``35 → 14 days``, ``warm → cold``, or both."""
    (old_days, old_tier), (new_days, new_tier) = old, new
    parts = []
    if old_days != new_days:
        both = None not in (old_days, new_days)
        parts.append(f"{old_days if both else _kept(old_days)} → {_kept(new_days)}")
    if old_tier != new_tier:
        parts.append(f"{old_tier} → {new_tier}")
    return ", ".join(parts)


def _change_text(old: Facets, new: Facets) -> str:
    """What changed between two sides' facets: one line when every rule changed alike, else per rule."""
    if set(old) == set(new) and len(set(old.values())) == 1 and len(set(new.values())) == 1:
        return "changed: " + escape(_facet_change(next(iter(old.values())), next(iter(new.values()))))
    lines = []
    for rule in sorted(set(old) | set(new)):
        before, after = old.get(rule), new.get(rule)
        if after is None and before is not None:
            lines.append(f"{escape(rule)}: removed (was {escape(_facet_text(before))})")
        elif before is None and after is not None:
            lines.append(f"{escape(rule)}: new, {escape(_facet_text(after))}")
        elif before is not None and after is not None and before != after:
            lines.append(f"{escape(rule)}: changed {escape(_facet_change(before, after))}")
        elif after is not None:
            lines.append(f"{escape(rule)}: {escape(_facet_text(after))}")
    return "<br/>".join(lines)


class _Model:
    """The places and the copy arrows that one side's verdicts describe."""

    def __init__(self, verdicts: Mapping[str, Verdict]) -> None:
        self.kept: dict[Place, Facets] = {}  # a rule's own vault: how long it keeps its points
        self.arrows: dict[tuple[Place, Place], Facets] = {}
        self.places: list[Place] = []
        self.home_accounts: list[str] = []
        seen_plans: set[str] = set()
        for verdict in verdicts.values():
            if verdict.plan in seen_plans:  # every selection of a plan has the plan's copies
                continue
            seen_plans.add(verdict.plan)
            primaries: dict[Optional[str], Copy] = {}
            for copy in verdict.copies:
                if copy.primary:
                    primaries[copy.rule] = copy
                    self._place(copy.place)
                    if copy.place[0] not in self.home_accounts:
                        self.home_accounts.append(copy.place[0])
                    self.kept.setdefault(copy.place, {})[self._rule(verdict, copy)] = (copy.retention_days, copy.tier)
            for copy in verdict.copies:
                source = primaries.get(copy.rule)
                if copy.primary or source is None:
                    continue
                self._place(copy.place)
                arrow = self.arrows.setdefault((source.place, copy.place), {})
                arrow[self._rule(verdict, copy)] = (copy.retention_days, copy.tier)

    @staticmethod
    def _rule(verdict: Verdict, copy: Copy) -> str:
        return copy.rule or verdict.plan

    def _place(self, place: Place) -> None:
        if place not in self.places:
            self.places.append(place)


def _ordered_places(head: _Model, base: Optional[_Model]) -> list[Place]:
    places = list(head.places) + [p for p in (base.places if base else []) if p not in head.places]
    homes = head.home_accounts + [a for a in (base.home_accounts if base else []) if a not in head.home_accounts]

    def order(place: Place) -> tuple[int, str, int, str, str]:
        account, region, vault = place
        home = homes.index(account) if account in homes else len(homes)
        home_regions = [p[1] for p in places if p[0] == account and (p in head.kept or (base and p in base.kept))]
        return (home, account, 0 if region in home_regions else 1, region, vault)

    return sorted(places, key=order)


def copies_diagram(verdicts: Mapping[str, Verdict], base: Optional[Mapping[str, Verdict]] = None) -> list[str]:
    """A fenced ``mermaid`` block of the copies, or ``[]`` when the verdicts name none.

    ``base``: the verdicts before the change, to mark what changes (see the module docstring).
    """
    head_model = _Model(verdicts)
    base_model = _Model(base) if base is not None else None
    places = _ordered_places(head_model, base_model)
    if not places:
        return []
    ids = {place: f"v{index}" for index, place in enumerate(places)}
    lines = ["```mermaid", "flowchart LR"]
    removed_nodes, changed_nodes = [], []
    accounts = list(dict.fromkeys(place[0] for place in places))
    for a_index, account in enumerate(accounts):
        lines.append(f'  subgraph a{a_index}["{escape("account " + account)}"]')
        regions = list(dict.fromkeys(place[1] for place in places if place[0] == account))
        for r_index, region in enumerate(regions):
            lines.append(f'    subgraph a{a_index}r{r_index}["{escape(region)}"]')
            for place in (p for p in places if p[0] == account and p[1] == region):
                text = escape(place[2])
                new_kept = head_model.kept.get(place)
                old_kept = base_model.kept.get(place) if base_model else None
                if base_model is not None and place not in head_model.places:
                    removed_nodes.append(ids[place])
                    text += "<br/>removed"
                elif old_kept is not None and new_kept != old_kept:
                    changed_nodes.append(ids[place])
                    text += "<br/>kept " + _change_text(old_kept, new_kept or {}).removeprefix("changed: ")
                elif new_kept or old_kept:
                    text += f"<br/>kept {_facets_text(new_kept or old_kept or {})}"
                lines.append(f'      {ids[place]}[("{text}")]')
            lines.append("    end")
        lines.append("  end")

    styles: dict[str, list[int]] = {CHANGED: [], ADDED: [], REMOVED: []}
    gone = [k for k in (base_model.arrows if base_model else {}) if k not in head_model.arrows]
    keys = list(head_model.arrows) + gone
    for index, key in enumerate(keys):
        source, target = ids[key[0]], ids[key[1]]
        new = head_model.arrows.get(key)
        old = base_model.arrows.get(key) if base_model else None
        if new is None and old is not None:
            lines.append(f'  {source} -.->|"removed (was {_facets_text(old)})"| {target}')
            styles[REMOVED].append(index)
        elif base_model is not None and old is None and new is not None:
            lines.append(f'  {source} -->|"new: {_facets_text(new)}"| {target}')
            styles[ADDED].append(index)
        elif old is not None and new is not None and old != new:
            lines.append(f'  {source} -->|"{_change_text(old, new)}"| {target}')
            styles[CHANGED].append(index)
        else:
            lines.append(f'  {source} -->|"{_facets_text(new or {})}"| {target}')
    for style, indexes in styles.items():
        if indexes:
            lines.append(f"  linkStyle {','.join(map(str, indexes))} {style}")
    if removed_nodes:
        lines += [f"  classDef removed {REMOVED_NODE}", f"  class {','.join(removed_nodes)} removed"]
    if changed_nodes:
        lines += [f"  classDef changed {CHANGED_NODE}", f"  class {','.join(changed_nodes)} changed"]
    lines.append("```")
    return lines


__all__ = ["copies_diagram", "escape"]
