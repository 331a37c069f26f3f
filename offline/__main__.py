"""``python -m offline <stack>``: what ``pulumi up`` would create, without AWS or the Pulumi CLI.

Runs this project's real ``__main__.py`` for the stack against Pulumi's mock engine, with the
config read from ``Pulumi.yaml`` and ``Pulumi.<stack>.yaml`` as the engine would, then prints
the resource tree and each plan in plain words. Exit status: 0 when the program ran, 1 when
the config is wrong (the same errors `pulumi up` would stop with), 2 for a missing stack file.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .engine import run_offline
from .report import render
from .stack_files import StackFileError, stack_names

PROJECT_DIR = Path(__file__).resolve().parent.parent


def main(argv: list[str] | None = None) -> int:
    """Command-line entry point; returns the exit status."""
    parser = argparse.ArgumentParser(prog="python -m offline", description=__doc__.splitlines()[0])
    parser.add_argument("stack", nargs="?", default="dev", help="stack name, as in Pulumi.<stack>.yaml (default: dev)")
    parser.add_argument("--project-dir", type=Path, default=PROJECT_DIR, help="folder holding Pulumi.yaml")
    options = parser.parse_args(argv)

    try:
        run = run_offline(options.project_dir, options.stack)
    except StackFileError as error:
        known = ", ".join(stack_names(options.project_dir)) or "none"
        print(f"error: {error} (stacks here: {known})", file=sys.stderr)
        return 2
    for message in run.warnings:
        print(f"warning: {message}", file=sys.stderr)
    if run.error is not None:
        print(f"error: {run.error}", file=sys.stderr)
        return 1
    print(render(run))
    return 0


if __name__ == "__main__":
    sys.exit(main())
