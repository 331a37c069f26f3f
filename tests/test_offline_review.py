"""The review as a pull-request comment: verdict first, details folded, always short enough; the
copy diagrams it draws; and the one adapter that reads the 3-2-1 verdict."""

from __future__ import annotations

import json
from typing import Any

import pytest
from run_documents import compared, plan, resource, rule, selection, side, vault, verdict_outputs

from offline.compare import Side, diff_sides
from offline.mermaid import copies_diagram, escape
from offline.review import FOOTNOTE, TITLE, render_review
from offline.verdict import Copy, VerdictFormatError, plan_verdicts

#: GitHub refuses a comment longer than this.
GITHUB_COMMENT_LIMIT = 65_536
ALL_OF_THEM = "the job summary and `python -m offline compare` list them all"

THREE = (
    ("primary", "us-east-1", "111111111111", "warm", 35),
    ("copy", "us-west-2", "111111111111", "warm", 35),
    ("copy", "us-east-1", "222222222222", "cold", 365),
)


def test_the_verdict_comes_first_then_the_plain_changes_then_the_folded_details():
    before = [vault(), plan("weekly", rule(days=35)), selection(), plan("daily"), selection("daily", "daily")]
    after = [vault(tags={"team": "ops"}), plan("weekly", rule(days=14)), selection(), plan("daily")]
    lines = render_review([compared(before, after)]).splitlines()

    assert lines[:9] == [
        TITLE,
        "",
        "> [!CAUTION]",
        "> **DANGER: 1 change would lose backups** (a vault or its key deleted or replaced, a lock or deny policy "
        "removed, resources no longer backed up).",
        "",
        "> [!WARNING]",
        "> **1 change would weaken the protection of the backups.** Each says what is lost.",
        "",
        "### :rotating_light: DANGER (1)",
    ]
    assert lines[9:18] == [
        "",
        "- **`dev`** · the deleted selection `daily`: no selection of this stack selects resources tagged "
        "`backup=daily` any more, so they are no longer backed up (their existing recovery points stay until their "
        "retention ends).",
        "",
        "### :warning: WARNING (1)",
        "",
        "- **`dev`** · retention shortened: plan `weekly` keeps new recovery points 14 days instead of 35 days "
        "(`lifecycle.deleteAfter: 35 → 14`): a restore can reach back only 14 days (recovery points made before "
        "the change keep their retention).",
        "",
        "**Plain changes** (resources with no finding): `dev`: 1 changed, 0 added, 0 removed.",
        "",
    ]
    assert lines[18:22] == [FOOTNOTE, "", "## Stack `dev`", ""]
    assert lines[22:24] == ["<details>", "<summary>Changes in `dev`: 2 resources changed, 0 added, 1 removed</summary>"]
    assert '  - `tags`: added `{"team": "ops"}`' in lines
    assert lines[-1] == "</details>"


def test_an_unchanged_comparison_says_no_changes_and_nothing_else():
    assert render_review([compared([vault()], [vault()])]) == f"{TITLE}\n\nNo changes (`dev`).\n"


def many_changes(plans: int, resources: int) -> list[Any]:
    """A huge comparison: ``plans`` plans each losing retention and a copy, ``resources`` resources
    whose long inputs all change, and a deleted vault."""

    def bulky(index: int, value: str) -> dict[str, Any]:
        inputs = {f"setting{n}": f"{value}-{n}-" + "x" * 60 for n in range(8)}
        return resource("aws:iam/role:Role", f"role-{index}", inputs, protect=False)

    before = [vault()] + [plan(f"p{i}", rule(f"p{i}", days=35)) for i in range(plans)]
    after = [plan(f"p{i}", rule(f"p{i}", days=14)) for i in range(plans)]
    before += [bulky(i, "old") for i in range(resources)]
    after += [bulky(i, "new") for i in range(resources)]
    return [compared(before, after)]


def test_a_huge_diff_stays_under_the_comment_limit_and_keeps_every_danger_and_warning():
    diffs = many_changes(plans=40, resources=1500)
    whole = render_review(diffs)
    assert len(whole) > 10 * GITHUB_COMMENT_LIMIT

    short = render_review(diffs, max_chars=50_000)

    assert len(short) <= 50_000 < GITHUB_COMMENT_LIMIT
    findings = diffs[0].findings
    assert len(findings) == 41
    for finding in findings:
        assert finding.message in short  # details gave way first: the findings are whole
    assert "- `dev`: 1540 resources changed, 0 added, 1 removed" in short.splitlines()  # one line per stack


def test_when_even_the_findings_do_not_fit_they_get_short_then_counted():
    diffs = many_changes(plans=400, resources=0)
    short = render_review(diffs, max_chars=10_000)
    assert len(short) <= 10_000
    assert "`vault` would be DELETED: it is no longer declared." in short  # dangers come first
    assert "retention shortened: plan `p0`: 35 days → 14 days." in short  # in their one short line
    shown = short.count("retention shortened: plan `p")
    assert 0 < shown < 400
    assert (
        short.count(
            f"- … and {400 - shown} more warnings not shown here: the job summary and `python -m offline compare` list "
            "them all"
        )
        == 1
    )
    # The stacks' sections gave way before any finding did.
    assert short.endswith("_The stacks' details are left out to fit: `python -m offline compare` prints them._\n")


def many_dangers(vaults: int, plans: int) -> list[Any]:
    """``vaults`` vaults deleted and ``plans`` plans losing retention, in one stack."""
    before = [vault() | {"name": f"vault-{i}", "urn": vault()["urn"] + f"-{i}"} for i in range(vaults)]
    before += [plan(f"p{i}", rule(f"p{i}", days=35)) for i in range(plans)]
    after = [plan(f"p{i}", rule(f"p{i}", days=14)) for i in range(plans)]
    return [compared(before, after)]


@pytest.mark.parametrize("limit", [3000, 1500, 900])
def test_far_below_the_findings_size_warnings_go_before_dangers_and_each_are_counted(limit: int):
    diffs = many_dangers(vaults=60, plans=300)
    assert len(render_review(diffs)) > 20 * limit

    short = render_review(diffs, max_chars=limit)

    assert len(short) <= limit
    lines = short.splitlines()
    assert "### :rotating_light: DANGER (60)" in lines and "### :warning: WARNING (300)" in lines
    dangers = sum(1 for line in lines if "would be DELETED" in line)
    assert sum(1 for line in lines if "retention shortened" in line) == 0  # warnings went first
    assert 0 < dangers < 60
    assert lines.count(f"- … and {60 - dangers} more dangers not shown here: {ALL_OF_THEM}") == 1
    assert lines.count(f"- … and 300 more warnings not shown here: {ALL_OF_THEM}") == 1


def test_a_limit_below_even_the_counts_cuts_the_text_to_the_limit():
    diffs = many_dangers(vaults=60, plans=300)
    for limit in (400, 80, 10, 0):
        short = render_review(diffs, max_chars=limit)
        assert len(short) <= limit
    assert render_review(diffs, max_chars=400).endswith("_(cut to fit: the job summary has the whole review)_\n")


def test_a_stack_that_could_not_be_run_takes_one_line_when_details_give_way():
    failure = "exit status 1\n" + "\n".join(f"  frame {n} " + "x" * 200 for n in range(40)) + "\nValueError: boom"
    broken = diff_sides("prod", side("base", vault()), Side("head", True, None, failure))
    diffs = [*many_dangers(vaults=3, plans=30), broken]
    whole = render_review(diffs)
    assert failure in whole

    short = render_review(diffs, max_chars=len(whole) // 2)

    assert len(short) <= len(whole) // 2
    line = next(line for line in short.splitlines() if line.startswith("- `prod`"))
    assert line == "- `prod`: not compared, the head side could not be run: exit status 1 … ValueError: boom"
    assert all(finding.message in short for finding in diffs[0].findings)  # every finding kept, whole


# --- the diagram -------------------------------------------------------------------------------------


def verdicts(*copies: tuple[str, str, str, str, Any]) -> dict[str, Any]:
    return plan_verdicts(verdict_outputs(*copies)) or {}


def test_the_diagram_marks_a_changed_a_removed_and_a_new_copy():
    # Vaults are numbered by account, then the home region first, then by region and name.
    before = verdicts(*THREE)
    after = verdicts(
        ("primary", "us-east-1", "111111111111", "warm", 35),
        ("copy", "us-west-2", "111111111111", "warm", 14),
        ("copy", "eu-west-1", "111111111111", "warm", 35),
    )
    lines = copies_diagram(after, base=before)
    edges = [line for line in lines if "-->" in line or "-.->" in line]
    assert edges == [
        '  v0 -->|"changed: 35 → 14 days"| v2',
        '  v0 -->|"new: 35 days, warm"| v1',
        '  v0 -.->|"removed (was 365 days, cold)"| v3',
    ]
    assert "  linkStyle 0 stroke:#d97706,stroke-width:3px,color:#d97706" in lines
    assert "  linkStyle 1 stroke:#15803d,stroke-width:3px,color:#15803d" in lines
    assert "  linkStyle 2 stroke:#b91c1c,stroke-width:2px,stroke-dasharray:5 5,color:#b91c1c" in lines
    assert '      v3[("copy-us-east-1-222222222222<br/>removed")]' in lines
    assert "  class v3 removed" in lines


def test_diagram_labels_are_escaped_for_mermaid():
    assert escape('a "b" <c> #1 & `d` | e\nf') == "a #quot;b#quot; #lt;c#gt; #35;1 #amp; #96;d#96; #124; e f"
    tricky = plan_verdicts(
        {
            "three_two_one": {
                "p/s": {
                    "copies": [
                        {
                            "rule": "r",
                            "role": "primary",
                            "vault": 'v"<x>',
                            "region": "r1",
                            "account": "1",
                            "tier": "warm",
                            "retention_days": 1,
                        }
                    ]
                }
            }
        }
    )
    lines = copies_diagram(tricky or {})
    assert '      v0[("v#quot;#lt;x#gt;<br/>kept 1 day, warm")]' in lines
    assert copies_diagram({}) == []


# --- the verdict adapter --------------------------------------------------------------------------------


def test_the_adapter_reads_a_mapping_json_text_or_a_list():
    outputs = verdict_outputs(*THREE)
    as_mapping = plan_verdicts(outputs)
    assert as_mapping is not None
    assert plan_verdicts(json.dumps(outputs)) == as_mapping
    assert plan_verdicts({"three_two_one": json.dumps(outputs["three_two_one"])}) == as_mapping
    verdict = as_mapping["weekly/weekly"]
    assert (verdict.plan, verdict.meets, verdict.copy_count, verdict.media, verdict.off_site) == (
        "weekly",
        True,
        3,
        ("cold", "warm"),
        True,
    )
    assert verdict.copies[2] == Copy(
        "weekly", "copy", "us-east-1", "222222222222", "copy-us-east-1-222222222222", "cold", 365
    )
    listed = plan_verdicts({"three_two_one": [{"plan": "weekly", "ok": False, "why": "one copy", "copies": []}]})
    assert listed is not None and (listed["weekly"].meets, listed["weekly"].reasons) == (False, ("one copy",))
    assert plan_verdicts({"region": "us-east-1"}) is None and plan_verdicts(None) is None


def test_the_adapter_says_when_it_cannot_read_a_verdict():
    for value in ("all good", [1, 2], {"p/s": {"copies": "three"}}):
        try:
            plan_verdicts({"three_two_one": value})
        except VerdictFormatError as error:
            assert error.value is not None
        else:
            raise AssertionError(f"{value!r} was read")


def test_the_adapter_reads_the_per_plan_verdict_with_its_types(fixture_run):
    verdicts = plan_verdicts(fixture_run("prod-east").outputs)
    assert verdicts is not None
    windows = verdicts["windows-weekly-ec2-vss-us-east-1"]
    assert (windows.plan, windows.meets, windows.resource_types, windows.media) == (
        "windows-weekly-ec2-vss-us-east-1",
        False,
        ("EC2",),
        ("warm",),
    )
    assert windows.by_type == {"EC2": (("warm",), False)}
    assert windows.assumed and windows.advice
    volumes = verdicts["weekly-ebs-us-east-1"]
    archived = volumes.copies[-1]
    assert (archived.rule, archived.tier, archived.cold_storage_after_days, archived.cold_for) == (
        "monthly-archive",
        "cold",
        30,
        ("EBS",),
    )
    assert archived.other == ()  # every key the program exports is read
    assert volumes.other == {}
    # An export from before the per-type keys: nothing is made up.
    old = plan_verdicts(verdict_outputs(*THREE))
    assert old is not None and old["weekly/weekly"].copies[0].cold_for is None
