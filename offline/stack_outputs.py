"""``python -m offline.stack_outputs <project_dir> <stack>``: a stack's outputs, offline, as JSON.

What a ``pulumi.StackReference`` to another stack of this project reads during an offline run.
It runs in its own process because a program run replaces the Pulumi runtime's global state.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .engine import run_offline


def main(argv: list[str]) -> int:
    """Print the stack's outputs as JSON; exit 1 with the program's error when it fails."""
    project_dir, stack = Path(argv[0]), argv[1]
    run = run_offline(project_dir, stack)
    if run.error is not None:
        print(f"stack {stack} failed offline: {run.error}", file=sys.stderr)
        return 1
    print(json.dumps(run.outputs))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
