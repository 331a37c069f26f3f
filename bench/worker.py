"""Evaluate one program once under the mock engine, in this fresh process, and report the cost.

Usage (run.py starts it; it is also handy alone)::

    python bench/worker.py components 25        # JSON on stdout
    python bench/worker.py raw 25
    python bench/worker.py components 10 --profile   # cProfile table instead of JSON
    python bench/worker.py raw 1 --modules           # pulumi-aws submodules the evaluation loads

``components`` is the repository's real ``__main__.py``; ``raw`` is ``bench/raw_program.py``.
Both are run as ``__main__`` with runpy inside ``offline.run_program``, as ``offline.run_offline``
runs the program. Imports are done before the clock starts (their cost is measured on its own by
run.py), so the figure is the program's evaluation only.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import hashlib
import importlib
import json
import pstats
import resource
import runpy
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
# As the language host does (and run_offline): the program's folder first on sys.path.
sys.path.insert(0, str(REPO))

import workload  # noqa: E402  (bench's own module, beside this file)

from offline import OfflineRun, StackSettings, read_stack, run_program  # noqa: E402  (needs the path above)


def warm_imports() -> None:
    """Import everything either program touches, so neither pays import time inside the clock.

    That is ``components`` and ``stack_config`` (imported by the real ``__main__.py``), and the
    pulumi-aws submodules either program uses, which pulumi-aws would otherwise load lazily
    during the first evaluation. Both programs get the same warm-up.
    """
    modules = {"components", "stack_config", *workload.aws_submodules("components"), *workload.aws_submodules("raw")}
    for name in sorted(modules):
        # A lazy pulumi-aws module runs its code on the first attribute read; any name will do.
        getattr(importlib.import_module(name), "_loaded_", None)


def loaded_aws_modules() -> list[str]:
    """The pulumi-aws service submodules loaded so far (not the lazy placeholders)."""
    from pulumi._utils import _LazyModule  # the SDK's lazy module type

    return sorted(
        name
        for name, module in list(sys.modules.items())
        if name.startswith("pulumi_aws.") and name.count(".") == 1 and not isinstance(module, _LazyModule)
    )


def program(kind: str) -> Callable[[], Any]:
    """The program of ``kind``, as a function that runs its file as ``__main__``."""
    path = str(workload.PROGRAMS[kind])
    return lambda: runpy.run_path(path, run_name="__main__")


def stack_settings(sets: int) -> StackSettings:
    """What the engine would hand the program for a generated stack with ``sets`` sets."""
    return read_stack(workload.write_project(sets), workload.STACK)


def peak_rss_kib() -> int:
    """The process's peak resident set size so far, in KiB (Linux reports ru_maxrss in KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss


def inputs_digest(run: OfflineRun) -> str:
    """A digest of every AWS resource's type and inputs, independent of registration order."""
    rows = sorted(json.dumps([r.type, r.inputs], sort_keys=True) for r in run.resources if r.custom)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def measure(kind: str, sets: int) -> dict[str, Any]:
    """Evaluate the program once: wall and CPU time (all threads), peak-RSS growth, lookups, resources."""
    settings = stack_settings(sets)
    warm_imports()
    gc.collect()
    rss_before = peak_rss_kib()
    start, cpu_start = time.perf_counter(), time.process_time()
    run = run_program(program(kind), settings)
    seconds, cpu_seconds = time.perf_counter() - start, time.process_time() - cpu_start
    rss_after = peak_rss_kib()
    return {
        "kind": kind,
        "sets": sets,
        "seconds": seconds,
        "cpu_seconds": cpu_seconds,
        "rss_growth_kib": rss_after - rss_before,
        "rss_peak_kib": rss_after,
        "error": str(run.error) if run.error else None,
        "warnings": len(run.warnings),
        "invocations": [invocation.token for invocation in run.invocations],
        "aws_resources": dict(Counter(r.type for r in run.resources if r.custom)),
        "inputs_digest": inputs_digest(run),
    }


def modules_used(kind: str, sets: int) -> list[str]:
    """The pulumi-aws submodules an evaluation loads beyond ``import pulumi_aws``, without warm-up."""
    settings = stack_settings(sets)
    importlib.import_module("pulumi_aws")
    before = set(loaded_aws_modules())
    run_program(program(kind), settings)
    return [name for name in loaded_aws_modules() if name not in before]


def profile(kind: str, sets: int, top: int = 30) -> None:
    """Print the ``top`` functions by cumulative time of one evaluation."""
    settings = stack_settings(sets)
    warm_imports()
    profiler = cProfile.Profile()
    profiler.enable()
    run_program(program(kind), settings)
    profiler.disable()
    pstats.Stats(profiler, stream=sys.stdout).sort_stats("cumulative").print_stats(top)


def main() -> None:
    """Parse the command line and measure (or profile) one evaluation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=sorted(workload.PROGRAMS))
    parser.add_argument("sets", type=int)
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--profile", action="store_true", help="print a cProfile table instead of JSON")
    mode.add_argument("--modules", action="store_true", help="print the pulumi-aws submodules it loads (JSON)")
    args = parser.parse_args()
    if args.profile:
        profile(args.kind, args.sets)
    elif args.modules:
        print(json.dumps(modules_used(args.kind, args.sets)))
    else:
        print(json.dumps(measure(args.kind, args.sets)))


if __name__ == "__main__":
    main()
