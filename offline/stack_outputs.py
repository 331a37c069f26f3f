"""``python -m offline.stack_outputs <project_dir> <stack> [--allow-unknown-types]``: a stack's
outputs, offline, as JSON: ``{"outputs": {...}, "error": null}``, or the config error as text
with ``"outputs": null`` (exit status 1).

What a ``pulumi.StackReference`` to another stack of this project reads during an offline run.
It runs in its own process because a program run replaces the Pulumi runtime's global state.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

from .engine import ALLOW_UNKNOWN_TYPES, run_offline


def main(argv: list[str]) -> int:
    """Print the stack's outputs, or its error, as JSON; exit 1 when the stack does not run."""
    project_dir, stack = Path(argv[0]), argv[1]
    run = run_offline(project_dir, stack, allow_unknown_types=ALLOW_UNKNOWN_TYPES in argv[2:])
    if run.error is not None:
        print(json.dumps({"outputs": None, "error": str(run.error)}))
        return 1
    print(json.dumps({"outputs": run.outputs, "error": None}))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
