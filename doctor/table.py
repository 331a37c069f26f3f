"""Print a :class:`Report` for people: one ``rich`` table per instance, then a summary line."""

from __future__ import annotations

from rich.console import Console
from rich.table import Table
from rich.text import Text

from .checks import ON_INSTANCE_STEPS, Status
from .report import Report

_STYLES = {Status.PASS: "green", Status.WARN: "yellow", Status.FAIL: "bold red"}


def render(report: Report, console: Console) -> None:
    """Write the tables and the summary to ``console``."""
    for item in report.instances:
        facts = item.facts
        name = f" ({facts.name})" if facts.name else ""
        table = Table(
            title=Text(f"{facts.instance_id}{name}, {facts.instance_type}, {facts.state}", style="bold"),
            title_justify="left",
            show_lines=True,
        )
        table.add_column("Check", no_wrap=True)
        table.add_column("Result", no_wrap=True)
        table.add_column("Detail")
        table.add_column("Fix")
        for result in item.results:
            table.add_row(
                Text(result.title),
                Text(result.status.value.upper(), style=_STYLES[result.status]),
                # Text, not str: AWS names and commands may hold '[...]', which rich would read as markup.
                Text(result.detail),
                Text(result.fix or ""),
            )
        console.print(table)
    console.print(Text("Not checkable from AWS, check on the instance when VSS still fails:"))
    for step in ON_INSTANCE_STEPS:
        console.print(Text(f"  - {step}"))
    counts = report.counts()
    verdict = "ready for VSS backups" if report.exit_code == 0 else "NOT ready for VSS backups"
    console.print(
        Text(
            f"{len(report.instances)} instance(s) tagged {report.tag_key}={report.tag_value} in {report.region}: "
            f"{counts['pass']} passed, {counts['warn']} warned, {counts['fail']} failed: {verdict}"
        )
    )
