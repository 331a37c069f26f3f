"""Evaluate one program once under the mock engine, in this fresh process, and report the cost.

Usage (run.py starts it; it is also handy alone)::

    python bench/worker.py components <project_dir>                 # JSON on stdout
    python bench/worker.py tree+gc <project_dir>                    # a baseline with the program's GC settings
    python bench/worker.py raw <project_dir> --imports m1,m2,...     # import these first, timed apart
    python bench/worker.py components <project_dir> --profile        # cProfile table instead of JSON
    python bench/worker.py tree <project_dir> --list-imports         # what the evaluation imports (JSON)

``<project_dir>`` holds the ``Pulumi.yaml`` and ``Pulumi.bench.yaml`` of ``workload.write_project``.
The programs are ``workload.PROGRAMS``; each runs as ``__main__`` with runpy inside
``offline.run_program``, as ``offline.run_offline`` runs the real program. The process imports
only the harness (the mock engine, which imports neither the components nor pulumi-aws) and
what its own program needs, so its whole-process figures are its own.
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

KIB = 1024


def program(kind: str) -> Callable[[], Any]:
    """The program of ``kind``, as a function that runs its file as ``__main__``.

    A tuned baseline (``raw+gc``, ``tree+gc``) first makes the garbage collector settings the
    real program makes at its start, after its imports: everything alive is frozen, and young
    collections run every ``YOUNG_COLLECTION_EVERY`` new objects. So the comparison with the
    real program measures the program, not one line of process tuning any program could have.
    """
    path = str(workload.program_file(kind))
    if not kind.endswith(workload.TUNED):
        return lambda: runpy.run_path(path, run_name="__main__")
    threshold = workload.young_collection_every()

    def tuned() -> Any:
        gc.freeze()
        gc.set_threshold(threshold, *gc.get_threshold()[1:])
        return runpy.run_path(path, run_name="__main__")

    return tuned


def settings_of(project_dir: Path) -> StackSettings:
    """What the engine hands the program: the bench stack's config."""
    return read_stack(project_dir, workload.STACK)


def rusage() -> tuple[float, int]:
    """CPU seconds (user + system) of this process so far, and its peak resident set in KiB."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime, usage.ru_maxrss  # Linux reports ru_maxrss in KiB


def import_all(modules: list[str]) -> None:
    """Import ``modules`` in order, loading pulumi-aws's lazy submodules too.

    A module that cannot be imported on its own is left to the evaluation, which loads it anyway.
    """
    for name in modules:
        try:
            # A lazy pulumi-aws module runs its code on the first attribute read; any name will do.
            getattr(importlib.import_module(name), "_loaded_", None)
        except Exception:
            continue


class GcClock:
    """Counts the garbage collector's runs and CPU time while installed."""

    def __init__(self) -> None:
        self.collections = 0
        self.seconds = 0.0
        self._started = 0.0

    def __call__(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.process_time()
        else:
            self.collections += 1
            self.seconds += time.process_time() - self._started


def measure(kind: str, project_dir: Path, modules: list[str]) -> dict[str, Any]:
    """Import ``modules``, then evaluate the program once; CPU, memory, lookups and resources."""
    settings = settings_of(project_dir)
    harness_cpu, harness_rss = rusage()
    start = time.process_time()
    import_all(modules)
    imports_cpu = time.process_time() - start
    gc.collect()
    _, before_rss = rusage()
    clock = GcClock()
    gc.callbacks.append(clock)
    wall, start = time.perf_counter(), time.process_time()
    run = run_program(program(kind), settings)
    evaluation_cpu, wall = time.process_time() - start, time.perf_counter() - wall
    gc.callbacks.remove(clock)
    process_cpu, peak_rss = rusage()
    return {
        "kind": kind,
        "sets": plan_count(settings),
        "imports_cpu": imports_cpu,
        "evaluation_cpu": evaluation_cpu,
        "evaluation_wall": wall,
        "program_cpu": imports_cpu + evaluation_cpu,
        "process_cpu": process_cpu,
        "harness_cpu": harness_cpu,
        "gc_seconds": clock.seconds,
        "gc_collections": clock.collections,
        "evaluation_rss_kib": peak_rss - before_rss,
        "program_rss_kib": peak_rss - harness_rss,
        "process_rss_kib": peak_rss,
        "error": str(run.error) if run.error else None,
        "warnings": len(run.warnings),
        "lookups": [[invocation.provider, invocation.token] for invocation in run.invocations],
        "aws_resources": dict(Counter(r.type for r in run.resources if r.custom)),
        "components": sum(1 for r in run.resources if not r.custom),
        "inputs_digest": inputs_digest(run),
    }


def inputs_digest(run: OfflineRun) -> str:
    """A digest of every AWS resource's type, name and inputs, whatever the registration order."""
    rows = sorted(json.dumps([r.type, r.name, r.inputs], sort_keys=True) for r in run.resources if r.custom)
    return hashlib.sha256("\n".join(rows).encode()).hexdigest()[:16]


def plan_count(settings: StackSettings) -> int:
    """How many plans (sets) the stack config has; the engine hands structured values as JSON."""
    plans = settings.config[f"{workload.PROJECT}:plans"]
    return len(json.loads(plans) if isinstance(plans, str) else plans)


def imported_by(kind: str, project_dir: Path) -> list[str]:
    """Every module one evaluation loads beyond the harness, in the order it loads them.

    pulumi-aws's service submodules count once loaded for real (not while still lazy).
    """
    from pulumi._utils import _LazyModule  # the SDK's lazy module type

    def loaded() -> list[str]:
        return [name for name, module in list(sys.modules.items()) if not isinstance(module, _LazyModule)]

    settings = settings_of(project_dir)
    before = set(loaded())
    run_program(program(kind), settings)
    return [name for name in loaded() if name not in before and not name.startswith("__")]


def profile(kind: str, project_dir: Path, modules: list[str], top: int = 40) -> None:
    """Print the ``top`` functions by internal time of one evaluation, then by cumulative time."""
    settings = settings_of(project_dir)
    import_all(modules)
    profiler = cProfile.Profile()
    profiler.enable()
    run_program(program(kind), settings, own_thread=False)  # cProfile watches this thread only
    profiler.disable()
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("tottime").print_stats(top)
    stats.sort_stats("cumulative").print_stats(top)


def main() -> None:
    """Parse the command line and measure (or profile, or list the imports of) one evaluation."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("kind", choices=workload.KINDS)
    parser.add_argument("project_dir", type=Path)
    parser.add_argument("--imports", default="", help="modules to import before the evaluation, comma-separated")
    mode = parser.add_mutually_exclusive_group()
    mode.add_argument("--profile", action="store_true", help="print a cProfile table instead of JSON")
    mode.add_argument("--list-imports", action="store_true", help="print the modules the evaluation loads (JSON)")
    args = parser.parse_args()
    modules = [name for name in args.imports.split(",") if name]
    if args.profile:
        profile(args.kind, args.project_dir, modules)
    elif args.list_imports:
        print(json.dumps(imported_by(args.kind, args.project_dir)))
    else:
        print(json.dumps(measure(args.kind, args.project_dir, modules)))


if __name__ == "__main__":
    main()
