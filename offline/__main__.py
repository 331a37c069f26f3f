"""``python -m offline <stack>``: what ``pulumi up`` would create, without AWS or the Pulumi CLI.

Runs this project's real ``__main__.py`` for the stack against Pulumi's mock engine, with the
config read from ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` as the engine would, then prints
the resource tree and each plan in plain words. Exit status: 0 when the program ran, 1 when
the config is wrong (the same errors `pulumi up` would stop with), 2 for a missing stack file.

Options: ``--format text`` (the default), ``markdown`` (for a pull-request comment) or ``json``
(the registrations, outputs and error, as ``python -m offline compare`` reads them); ``--all``
for every ``Pulumi.<stack>.yaml``; ``--now`` to count the next runs from a fixed time;
``--max-chars`` to keep markdown short enough for a comment (less of the resource trees).
``python -m offline compare --base <dir> --head <dir> [stack ...]`` reviews a change between two
checkouts: every changed value, and every change that loses backups (DANGER, exit status 3) or
weakens their protection (WARNING); see ``offline/compare.py``.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import sys
import textwrap
import traceback
from pathlib import Path
from typing import Optional

from .compare import EXIT_STATUSES  # compare imports no ``components``: each side imports its own
from .engine import OfflineRun, run_offline
from .stack_files import StackFileError, stack_names

PROJECT_DIR = Path(__file__).resolve().parent.parent
FORMATS = ("text", "markdown", "json")


def _utc_time(text: str) -> dt.datetime:
    """``2026-01-04T00:00:00Z`` (or any ISO 8601 time; without an offset it is read as UTC)."""
    moment = dt.datetime.fromisoformat(text.replace("Z", "+00:00"))
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


#: ``--help`` lists the ``compare`` command too (it has its own arguments: ``compare --help``).
COMMANDS = "\n".join(
    [
        "commands:",
        "  compare --base DIR --head DIR [--max-chars N] [stack ...]",
        textwrap.fill(
            "review what a change does to the backups, as Markdown for a pull request: every changed "
            "value, each DANGER (backups lost) and WARNING (protection weakened); " + EXIT_STATUSES,
            width=90,
            initial_indent="      ",
            subsequent_indent="      ",
        ),
    ]
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m offline",
        description=__doc__.splitlines()[0],
        epilog=COMMANDS,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("stack", nargs="?", default=None, help="stack name, as in Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument("--all", action="store_true", help="every stack that has a Pulumi.<stack>.yaml")
    parser.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    parser.add_argument(
        "--now", type=_utc_time, default=None, help="count next runs from this ISO 8601 time (default: now)"
    )
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="folder holding Pulumi.yaml")
    parser.add_argument(
        "--max-chars",
        type=int,
        default=None,
        help="markdown: when longer, leave the trees' inputs out, then the trees (default: no limit)",
    )
    return parser


def main(argv: Optional[list[str]] = None) -> int:
    """Command-line entry point; returns the exit status."""
    args = list(sys.argv[1:] if argv is None else argv)
    if args[:1] == ["compare"]:
        from .compare import main as compare_main

        return compare_main(args[1:])

    parser = _parser()
    options = parser.parse_args(args)
    if options.all and options.stack:
        parser.error("give a stack or --all, not both")
    project_dir: Path = options.project_dir
    stacks = stack_names(project_dir) if options.all else [options.stack or "dev"]
    if not stacks:
        print(f"error: no Pulumi.<stack>.yaml in {project_dir}", file=sys.stderr)
        return 2

    runs: list[OfflineRun] = []
    crashes: dict[str, str] = {}
    for stack in stacks:
        try:
            runs.append(run_offline(project_dir, stack))
        except StackFileError as error:
            known = ", ".join(stack_names(project_dir)) or "none"
            print(f"error: {error} (stacks here: {known})", file=sys.stderr)
            return 2
        except Exception:
            if options.format != "markdown":
                raise
            crashes[stack] = traceback.format_exc()
            print(crashes[stack], file=sys.stderr)

    for run in runs:
        prefix = f"{run.settings.stack}: " if options.all else ""
        for message in run.warnings:
            print(f"warning: {prefix}{message}", file=sys.stderr)
        if run.error is not None:
            print(f"error: {prefix}{run.error}", file=sys.stderr)
    failed = bool(crashes) or any(run.error is not None for run in runs)

    if options.format == "json":
        from .document import run_document

        documents = [run_document(run) for run in runs]
        print(json.dumps(documents if options.all else documents[0], indent=2, sort_keys=True))
    elif options.format == "markdown":
        # Imported here, not at the top: they import ``components``, which the JSON path must not.
        from .markdown import TREE_DETAILS, render_document, render_failure, render_stack

        now = options.now or dt.datetime.now(dt.UTC)
        for detail in TREE_DETAILS:  # the whole trees if they fit, else less of them
            by_stack = {run.settings.stack: render_stack(run, now, detail) for run in runs}
            by_stack.update({stack: render_failure(stack, message) for stack, message in crashes.items()})
            document = render_document([by_stack[stack] for stack in stacks], now)
            if options.max_chars is None or len(document) <= options.max_chars:
                break
        print(document, end="")
    else:
        from .report import render

        texts = [render(run, options.now) for run in runs if run.error is None]
        if texts:
            print("\n\n".join(texts))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
