"""`python -m offline <stack> --format markdown`: the report a pull request gets as a comment."""

from __future__ import annotations

import dataclasses
import datetime as dt
import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from conftest import FIXTURES_DIR, seed_config

from components import BackupPlan
from offline.__main__ import main
from offline.markdown import render_document, render_stack, three_two_one_section
from offline.mermaid import copies_diagram
from offline.report import tree
from offline.stack_files import stack_names
from offline.verdict import plan_verdicts

PROJECT_DIR = Path(__file__).resolve().parent.parent
#: The CLI runs on the fixture stacks, not on the user's.
FIXTURES = ["--project-dir", str(FIXTURES_DIR)]
PROJECT = "windows-server-backup"
NOW = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)  # a Thursday
NOW_TEXT = "2026-01-01T00:00:00Z"
SUNDAYS = "Sun 2026-01-04 18:00 UTC; Sun 2026-01-11 18:00 UTC; Sun 2026-01-18 18:00 UTC"


def block(text: str, first: str, count: int) -> list[str]:
    """``count`` lines of ``text`` starting at the line ``first``."""
    lines = text.splitlines()
    start = lines.index(first)
    return lines[start : start + count]


def test_dev_stack_plans_in_words_with_next_runs_retention_and_copies(fixture_run):
    text = render_stack(fixture_run("seed"), NOW)

    assert text.splitlines()[0] == "## Stack `seed` (us-east-1)"
    assert block(text, "#### Plan `windows-weekly-ec2-vss-us-east-1` (Windows VSS on)", 10) == [
        "#### Plan `windows-weekly-ec2-vss-us-east-1` (Windows VSS on)",
        "",
        "Backs up: tagged `alk:backup=windows-weekly-ec2-vss`.",
        "",
        "- Rule `windows-weekly-ec2-vss-us-east-1` into vault `backup-vault-us-east-1`",
        "  - Schedule: at 18:00, only on Sunday (`cron(0 18 ? * SUN *)`, UTC)",
        f"  - Next runs: {SUNDAYS}",
        "  - Starts within 1 hour, must finish within 1 day",
        "  - Retention: 30 days",
        "  - Copies: none",
    ]
    assert block(text, "#### Plan `weekly-ebs-us-east-1`", 5) == [
        "#### Plan `weekly-ebs-us-east-1`",
        "",
        "Backs up: tagged `alk:backup=weekly-ebs`.",
        "",
        "- Rule `weekly-ebs-us-east-1` into vault `backup-vault-us-east-1`",
    ]
    # Plans come by name, so the comment does not reshuffle from one push to the next.
    assert text.index("Plan `weekly-ebs-us-east-1`") < text.index("Plan `windows-weekly-ec2-vss-us-east-1`")
    assert (
        "- Vault `backup-vault-us-east-1`, encrypted with "
        "`arn:aws:kms:us-east-1:123456789012:key/98602996-3229-c60c-63ab-6f1897d3b116` (protected)"
    ) in text.splitlines()


def test_the_resource_tree_is_folded_and_holds_every_resource(fixture_run):
    run = fixture_run("seed")
    lines = render_stack(run, NOW).splitlines()

    custom = [r for r in run.resources if r.custom]
    start = lines.index("<details>")
    assert lines[start : start + 4] == [
        "<details>",
        f"<summary>Resource tree ({len(custom)} AWS resources)</summary>",
        "",
        "```text",
    ]
    end = lines.index("```", start + 4)
    assert lines[end : end + 3] == ["```", "", "</details>"]

    # The same tree as the text report, in a fixed order: compare without the branch drawing.
    def bare(tree_lines: list[str]) -> list[str]:
        return sorted(re.sub(r"^[│├└─ ]+", "", line) for line in tree_lines)

    assert bare(lines[start + 4 : end]) == bare(tree(run))
    assert lines[start + 4] == "pulumi:pulumi:Stack  windows-server-backup-seed"


def plan_run(run_components, schedule_timezone: str):
    def program() -> None:
        BackupPlan(
            "daily",
            {
                "name": "daily",
                "vault_name": "main",
                "rules": [
                    {
                        "name": "weekdays",
                        "schedule": "cron(0 8 ? * MON-FRI *)",
                        "schedule_timezone": schedule_timezone,
                        "delete_after_days": 120,
                        "cold_storage_after_days": 30,
                        "opt_in_to_archive": True,
                        "copy_actions": [
                            {
                                "destination_vault_arn": "arn:aws:backup:us-west-2:123456789012:backup-vault:copies",
                                "delete_after_days": 365,
                            }
                        ],
                    },
                    {
                        "name": "monthly",
                        "schedule": "cron(30 2 1 * ? *)",
                        "start_window_minutes": 120,
                        "completion_window_minutes": 90,
                    },
                ],
            },
        )

    return run_components(program)


def test_a_rule_in_another_time_zone_shows_its_runs_there_and_in_utc(run_components):
    run = plan_run(run_components, "America/New_York")
    lines = render_stack(run, NOW).splitlines()

    assert block("\n".join(lines), "#### Plan `daily`", 17) == [
        "#### Plan `daily`",
        "",
        "Backs up: nothing yet (no selection).",
        "",
        "- Rule `weekdays` into vault `main`",
        "  - Schedule: at 08:00, Monday through Friday (`cron(0 8 ? * MON-FRI *)`, America/New_York)",
        "  - Next runs: Thu 2026-01-01 08:00 America/New_York (Thu 2026-01-01 13:00 UTC); "
        "Fri 2026-01-02 08:00 America/New_York (Fri 2026-01-02 13:00 UTC); "
        "Mon 2026-01-05 08:00 America/New_York (Mon 2026-01-05 13:00 UTC)",
        "  - Starts within 1 hour, must finish within 1 day",
        # No selection yet: which types go cold is not known.
        "  - Retention: 120 days, cold storage from day 30 for the resource types that support it "
        "(archive tier opted in)",
        "  - Copy to `arn:aws:backup:us-west-2:123456789012:backup-vault:copies`, kept 365 days, "
        "cold storage from day 30 for the resource types that support it (archive tier opted in)",
        "- Rule `monthly` into vault `main`",
        "  - Schedule: at 02:30, on day 1 of the month (`cron(30 2 1 * ? *)`, UTC)",
        "  - Next runs: Thu 2026-01-01 02:30 UTC; Sun 2026-02-01 02:30 UTC; Sun 2026-03-01 02:30 UTC",
        "  - Starts within 2 hours, must finish within 90 minutes",
        "  - Retention: until deleted by hand",
        "  - Copies: none",
        "",
    ]
    # In summer the same wall-clock time is an hour earlier in UTC.
    summer = render_stack(run, dt.datetime(2026, 7, 1, tzinfo=dt.UTC))
    assert "Wed 2026-07-01 08:00 America/New_York (Wed 2026-07-01 12:00 UTC)" in summer


VERDICTS = {
    "daily/all": {
        "copies": [
            {
                "rule": "daily",
                "role": "primary",
                "region": "us-east-1",
                "vault": "main",
                "tier": "warm",
                "retention_days": 35.0,
            },
            {
                "rule": "daily",
                "role": "copy",
                "region": "us-west-2",
                "vault": "copies",
                "tier": "cold",
                "retention_days": None,
            },
        ],
        "media": ["cold", "warm"],
        "meets_3_2_1": False,
        "reasons": ["2 copies (3 needed): add copies to another region and account"],
    },
    "weekly/all": {"copies": [], "meets_3_2_1": True, "reasons": []},
}


def test_the_three_two_one_verdict_per_selection_with_its_copies():
    assert three_two_one_section({"three_two_one": VERDICTS}) == [
        "### 3-2-1",
        "",
        "**`daily/all`: :x: does not meet 3-2-1**: 2 copies (3 needed): add copies to another region and account",
        "",
        "media: cold, warm",
        "",
        "| rule | role | region | vault | tier | retention_days |",
        "|---|---|---|---|---|---|",
        "| daily | primary | us-east-1 | main | warm | 35 |",
        "| daily | copy | us-west-2 | copies | cold | – |",
        "",
        "**`weekly/all`: :white_check_mark: meets 3-2-1**",
        "",
    ]


def test_the_verdict_is_read_through_the_adapter_as_a_mapping_or_as_json_text():
    as_mapping = three_two_one_section({"three_two_one": VERDICTS})
    assert three_two_one_section({"three_two_one": json.dumps(VERDICTS)}) == as_mapping
    assert three_two_one_section(json.dumps({"three_two_one": VERDICTS})) == as_mapping
    assert three_two_one_section({"region": "us-east-1"}) == []


def test_other_shapes_of_the_verdict_are_still_shown():
    as_list = three_two_one_section({"three_two_one": [{"selection": "s1", "pass": True, "reason": "three copies"}]})
    assert as_list == ["### 3-2-1", "", "**`s1`: :white_check_mark: meets 3-2-1**: three copies", ""]
    unknown = three_two_one_section({"three_two_one": "all good"})
    assert unknown == ["### 3-2-1", "", "```json", '"all good"', "```", ""]


def test_a_stack_that_exports_the_verdict_gets_the_section_and_the_diagram(fixture_run):
    run = fixture_run("seed")
    with_verdict = dataclasses.replace(run, outputs={**run.outputs, "three_two_one": VERDICTS})
    without = dataclasses.replace(run, outputs={k: v for k, v in run.outputs.items() if k != "three_two_one"})

    lines = render_stack(with_verdict, NOW).splitlines()
    start = lines.index("### 3-2-1")
    assert lines[start : start + 13] == three_two_one_section({"three_two_one": VERDICTS})
    assert lines[start + 13 : start + 15] == ["### Where the copies go", ""]
    diagram_end = lines.index("```", start + 16)
    verdicts = plan_verdicts({"three_two_one": VERDICTS})
    assert verdicts is not None
    assert lines[start + 15 : diagram_end + 1] == copies_diagram(verdicts)
    assert lines[diagram_end + 2] == "<details>"  # then the tree
    assert "### 3-2-1" not in render_stack(without, NOW)
    assert "```mermaid" not in render_stack(without, NOW)


def test_a_prod_stack_draws_its_three_copies(fixture_run):
    lines = render_stack(fixture_run("prod-east"), NOW).splitlines()
    start = lines.index("```mermaid")
    assert lines[start : lines.index("```", start) + 1] == [
        "```mermaid",
        "flowchart LR",
        '  subgraph a0["account 111111111111"]',
        '    subgraph a0r0["us-east-1"]',
        '      v0[("backup-vault-us-east-1<br/>kept monthly-archive: 120 days, cold<br/>weekly: 35 days, warm<br/>'
        'windows-weekly-ec2-vss-us-east-1: 35 days, warm")]',
        "    end",
        '    subgraph a0r1["us-west-2"]',
        '      v1[("backup-copies-from-us-east-1")]',
        "    end",
        "  end",
        '  subgraph a1["account 222222222222"]',
        '    subgraph a1r0["us-east-1"]',
        '      v2[("windows-server-archive")]',
        "    end",
        "  end",
        '  v0 -->|"monthly-archive: 120 days, cold<br/>weekly: 35 days, warm<br/>'
        'windows-weekly-ec2-vss-us-east-1: 35 days, warm"| v1',
        # The Windows VSS plan's archive copies are warm: AWS Backup keeps AMIs out of cold storage.
        '  v0 -->|"monthly-archive: 365 days, cold<br/>weekly: 365 days, warm<br/>'
        'windows-weekly-ec2-vss-us-east-1: 365 days, warm"| v2',
        "```",
    ]


def test_a_wrong_config_shows_the_errors_instead_of_the_plans(run_config):
    config = seed_config()
    config[f"{PROJECT}:vault"]["name"] = "a"
    run = run_config(config)

    lines = render_stack(run, NOW).splitlines()
    assert lines[:4] == [
        "## Stack `test` (us-east-1)",
        "",
        "**The stack's config is wrong; `pulumi up` would stop here:**",
        "",
    ]
    assert lines[4:] == ["```text", *str(run.error).splitlines(), "```"]
    assert lines[5].startswith("Pulumi.test.yaml: 1 problem under 'windows-server-backup:'")


def test_cli_markdown_for_one_stack(capsys):
    assert main([*FIXTURES, "seed", "--format", "markdown", "--now", NOW_TEXT]) == 0
    out = capsys.readouterr().out

    assert out.splitlines()[:5] == [
        "# Offline report",
        "",
        "What `pulumi up` would create, per stack, from this branch's code and stack files. "
        "Next runs are counted from 2026-01-01 00:00 UTC.",
        "",
        "## Stack `seed` (us-east-1)",
    ]
    assert f"  - Next runs: {SUNDAYS}" in out.splitlines()
    assert out.endswith("</details>\n")


def test_cli_markdown_for_every_stack(capsys):
    assert main([*FIXTURES, "--all", "--format", "markdown", "--now", NOW_TEXT]) == 0
    out = capsys.readouterr().out

    headings = [line for line in out.splitlines() if line.startswith("## Stack ")]
    assert headings == [
        "## Stack `archive` (us-east-1)",
        "## Stack `org` (us-east-1)",
        "## Stack `prod-east` (us-east-1)",
        "## Stack `prod-west` (us-west-2)",
        "## Stack `seed` (us-east-1)",
    ]
    assert len(headings) == len(stack_names(FIXTURES_DIR))
    assert out.count("<summary>Resource tree") == 5


def test_cli_keeps_text_as_the_default_and_its_exit_statuses(capsys, tmp_path):
    assert main([*FIXTURES, "seed", "--now", NOW_TEXT]) == 0
    out = capsys.readouterr().out
    assert out.startswith("Stack seed of project windows-server-backup: region us-east-1, offline")
    assert "  runs at 18:00, only on Sunday (UTC), cron(0 18 ? * SUN *); next: Sun 2026-01-04 18:00" in out

    assert main(["nope", "--format", "markdown"]) == 2
    assert "Pulumi.nope.yaml does not exist" in capsys.readouterr().err

    (tmp_path / "Pulumi.yaml").write_text(
        yaml.safe_dump({"name": PROJECT, "runtime": "python", "main": str(PROJECT_DIR)})
    )
    config: dict[str, Any] = {"config": seed_config()}
    config["config"][f"{PROJECT}:vault"]["name"] = "a"
    (tmp_path / "Pulumi.broken.yaml").write_text(yaml.safe_dump(config))
    assert main(["--all", "--format", "markdown", "--project-dir", str(tmp_path), "--now", NOW_TEXT]) == 1
    out = capsys.readouterr().out
    assert "**The stack's config is wrong; `pulumi up` would stop here:**" in out

    with pytest.raises(SystemExit) as stopped:
        main([*FIXTURES, "seed", "--all"])
    assert stopped.value.code == 2


def test_the_document_heading_counts_from_now_in_utc():
    berlin = dt.datetime(2026, 1, 1, 1, 30, tzinfo=dt.timezone(dt.timedelta(hours=1)))
    assert render_document(["## Stack `x`\n"], berlin).splitlines()[2].endswith("counted from 2026-01-01 00:30 UTC.")


def test_a_length_limit_leaves_the_trees_inputs_out_then_the_trees(capsys, fixture_run):
    assert main([*FIXTURES, "--all", "--format", "markdown", "--now", NOW_TEXT]) == 0
    whole = capsys.readouterr().out

    assert (
        main([*FIXTURES, "--all", "--format", "markdown", "--now", NOW_TEXT, "--max-chars", str(len(whole) - 1)]) == 0
    )
    shorter = capsys.readouterr().out
    assert len(shorter) < len(whole)
    assert shorter.count("AWS resources; inputs left out to fit)</summary>") == 5
    # Only the resources are left in the tree: one line per registration, the stack included.
    run = fixture_run("seed")
    lines = render_stack(run, NOW, "names").splitlines()
    start = lines.index("```text") + 1
    assert len(lines[start : lines.index("```", start)]) == len(run.registrations)
    # The plans are never left out.
    assert shorter.count("#### Plan ") == whole.count("#### Plan ") > 0

    assert main([*FIXTURES, "seed", "--format", "markdown", "--now", NOW_TEXT, "--max-chars", "100"]) == 0
    shortest = capsys.readouterr().out
    custom = len([r for r in run.resources if r.custom])
    assert f"_Resource tree ({custom} AWS resources) left out to fit: `python -m offline seed` prints it._" in shortest
    assert "<details>" not in shortest


def test_the_verdict_shows_the_types_it_judged_the_copies_cold_for_them_and_the_advice(fixture_run):
    run = fixture_run("prod-east")
    lines = three_two_one_section(run.outputs)
    vss = lines.index(
        "**`windows-weekly-ec2-vss-us-east-1`: :x: does not meet 3-2-1**: 2 media? no: EC2 instance backups (AMIs) "
        "stay warm: AWS Backup cannot move them to cold storage (AWS Backup guide, Feature availability by "
        "resource; AWS Backup pricing)"
    )
    assert lines[vss + 2 : vss + 7] == [
        "copies of a recovery point: 3 · media: warm · off-site: yes · resource types: EC2",
        "",
        "Resource types assumed:",
        "",
        "- selection 'windows-weekly-ec2-vss-us-east-1' of this Windows VSS plan selects by tag: taken to be the "
        "Windows instances' tag (EC2 instances), as the VSS setup and the restore tests use it",
    ]
    assert "Advice:" in lines[vss:]
    volumes = lines.index("**`weekly-ebs-us-east-1`: :white_check_mark: meets 3-2-1**")
    assert (
        lines[volumes + 2] == "copies of a recovery point: 3 · media: cold, warm · off-site: yes · resource types: EBS"
    )
    assert lines[volumes + 4 : volumes + 8] == [
        "Media:",
        "",
        "- EBS volume backups (snapshots): warm from rule 'weekly'; cold from rule 'monthly-archive', kept in 3 "
        "places, 2 off-site",
        "",
    ]
    assert lines[volumes + 8] == (
        "| rule | role | region | account | vault | tier | retention_days | cold_storage_after_days | cold_for |"
    )
    assert lines[volumes + 13] == (
        "| monthly-archive | primary | us-east-1 | 111111111111 | backup-vault-us-east-1 | cold | 120 | 30 | EBS |"
    )


def test_a_tag_selection_shows_each_type_on_its_own(run_config):
    config = seed_config()
    rule = config[f"{PROJECT}:plans"][1]["rules"][0]
    rule.update(delete_after_days=120, cold_storage_after_days=30, opt_in_to_archive=True)
    run = run_config(config)
    text = render_stack(run, NOW)
    assert (
        "  - Retention: 120 days, EBS volume backups (snapshots) in cold storage from day 30 (EBS archive tier); "
        "EC2 instance backups (AMIs) stay warm"
    ) in text.splitlines()
    assert "Per type: EC2: warm (does not meet) · EBS: cold (does not meet)" in text.splitlines()
