"""Benchmark the program's own cost against the same resources written with raw pulumi-aws.

Run from the repository root, in the project's environment::

    python bench/run.py              # everything, about 1.5 minutes on 2 cores
    python bench/run.py --no-tests   # without the test-suite timing
    python bench/run.py --profile 10 # cProfile of the real program with 10 sets, then stop

Prints four tables: program evaluation (time, peak memory, ratio to raw, cost per set), lookups
(invokes) per stack, import cost, and the test suite's wall time; then which targets are met.
Nothing here asserts on time: the figures are for people to read (see bench/README.md).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from importlib import metadata
from pathlib import Path
from typing import Any

import workload  # bench's own module, beside this file

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
WORKER = BENCH / "worker.py"
KINDS = ("raw", "components")
#: Each target is "within this factor of the raw program" (time, memory, linear growth).
TARGET_RATIO = 1.25
MIB = 1024.0
#: The time the targets are judged on: CPU time of the evaluating process (all its threads).
#: On a shared machine it moves far less than wall time when other work competes for the cores.
TIME = "cpu_seconds"


def import_cases() -> list[tuple[str, str]]:
    """Import-cost cases: a label, then the statement timed in a fresh interpreter.

    pulumi-aws loads a service submodule (all of it) on its first use, during the evaluation;
    that is import cost too, so each program's row includes the submodules its evaluation of
    one set loads (asked of a worker, not guessed).
    """
    raw_modules = modules_used("raw")
    real_modules = ["components", "stack_config", *modules_used("components")]

    def services(modules: list[str]) -> str:
        return ", ".join(m.split(".")[1] for m in modules if m.startswith("pulumi_aws."))

    return [
        ("pulumi", "import pulumi"),
        ("pulumi_aws (top level; services load on first use)", "import pulumi_aws"),
        (f"raw program: pulumi_aws + {services(raw_modules)}", workload.import_statement(raw_modules)),
        ("components (alone)", "import components"),
        (f"real program: components, stack_config + {services(real_modules)}", workload.import_statement(real_modules)),
    ]


def modules_used(kind: str) -> list[str]:
    """The pulumi-aws submodules the ``kind`` program's evaluation of one set loads."""
    stdout, _ = run_python([str(WORKER), kind, "1", "--modules"])
    return json.loads(stdout.strip().splitlines()[-1])


@dataclass
class Case:
    """One program at one size, and its samples (one fresh worker process each)."""

    kind: str
    sets: int
    samples: list[dict[str, Any]] = field(default_factory=list)
    last_wall: float = 0.0

    def median(self, key: str) -> float:
        """Median of one numeric field over the samples."""
        return statistics.median(sample[key] for sample in self.samples)

    @property
    def first(self) -> dict[str, Any]:
        """The first sample (for what does not vary between runs: lookups, resources)."""
        return self.samples[0]


# ---------------------------------------------------------------- running things


def run_python(args: list[str], timeout: float = 300) -> tuple[str, float]:
    """Run the current interpreter with ``args`` in the repository root; stdout and wall time.

    Raises ``RuntimeError`` with the end of stderr when the process fails.
    """
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, *args], cwd=REPO, capture_output=True, text=True, timeout=timeout, check=False
    )
    wall = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(args)} failed ({done.returncode}):\n{done.stderr[-2000:]}")
    return done.stdout, wall


def measure_once(case: Case) -> None:
    """Evaluate ``case`` once in a fresh worker process and keep the sample."""
    stdout, case.last_wall = run_python([str(WORKER), case.kind, str(case.sets)])
    sample = json.loads(stdout.strip().splitlines()[-1])
    if sample["error"]:
        raise RuntimeError(f"{case.kind} with {case.sets} sets failed:\n{sample['error']}")
    case.samples.append(sample)
    print(
        f"  {case.kind:>10} {case.sets:>4} sets: {sample['seconds']:.3f}s wall, {sample[TIME]:.3f}s CPU",
        file=sys.stderr,
    )


def evaluate(sizes: list[int], repeat: int, budget: float) -> dict[tuple[str, int], Case]:
    """Sample every (program, size) up to ``repeat`` times, in rounds, within ``budget`` seconds.

    The first round always runs every case once. Later rounds run the cheapest cases first and
    skip a case whose last run would not fit in what is left of the budget, so slow cases may
    end with fewer samples (the table shows how many).
    """
    cases = {(kind, sets): Case(kind, sets) for sets in sizes for kind in KINDS}
    start = time.perf_counter()
    for round_number in range(repeat):
        for case in sorted(cases.values(), key=lambda c: (c.last_wall, c.sets, c.kind)):
            left = budget - (time.perf_counter() - start)
            if round_number > 0 and case.last_wall > left:
                continue
            measure_once(case)
    return cases


def import_seconds(statement: str) -> tuple[float, float]:
    """Wall and CPU seconds ``statement`` takes in a fresh interpreter (repository first on sys.path)."""
    code = (
        f"import sys, time; sys.path.insert(0, {str(REPO)!r}); "
        "start, cpu = time.perf_counter(), time.process_time(); "
        f"{statement}; print(time.perf_counter() - start, time.process_time() - cpu)"
    )
    stdout, _ = run_python(["-c", code])
    wall, cpu = stdout.split()
    return float(wall), float(cpu)


def import_costs(cases: list[tuple[str, str]], repeat: int) -> list[tuple[str, float, float]]:
    """Median wall and CPU import seconds of each case, the cases interleaved across repetitions."""
    times: dict[str, list[tuple[float, float]]] = defaultdict(list)
    for _ in range(repeat):
        for label, statement in cases:
            times[label].append(import_seconds(statement))
    return [
        (label, statistics.median(w for w, _ in times[label]), statistics.median(c for _, c in times[label]))
        for label, _ in cases
    ]


def package_of(module: str) -> str:
    """The top-level package of ``module``; for pulumi_aws, its service submodule (it is large)."""
    parts = module.split(".")
    return ".".join(parts[:2]) if parts[0] == "pulumi_aws" and len(parts) > 1 else parts[0]


def import_breakdown(statement: str, top: int = 10) -> list[tuple[str, float]]:
    """Self time (seconds) per package while running ``statement`` (one run), the largest first.

    From ``python -X importtime``; self time excludes nested imports, so the packages add up.
    """
    code = f"import sys; sys.path.insert(0, {str(REPO)!r}); {statement}"
    done = subprocess.run(
        [sys.executable, "-X", "importtime", "-c", code], cwd=REPO, capture_output=True, text=True, check=True
    )
    microseconds: Counter[str] = Counter()
    for line in done.stderr.splitlines():
        match = re.match(r"import time:\s+(\d+)\s+\|\s+\d+\s+\|\s+(\S+)", line)
        if match:
            microseconds[package_of(match.group(2))] += int(match.group(1))
    return [(package, us / 1e6) for package, us in microseconds.most_common(top)]


def test_suite() -> tuple[float, str, int]:
    """Wall time of ``python -m pytest -q`` in the repository, its summary line and exit code."""
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.perf_counter() - start
    lines = [line for line in done.stdout.splitlines() if line.strip()]
    return seconds, (lines[-1] if lines else "(no output)"), done.returncode


def machine() -> list[tuple[str, str]]:
    """The machine and versions the figures were taken on."""
    cpu = "unknown"
    cpuinfo = Path("/proc/cpuinfo")
    if cpuinfo.exists():
        models = re.findall(r"^model name\s*:\s*(.+)$", cpuinfo.read_text(), re.MULTILINE)
        cpu = models[0] if models else cpu
    return [
        ("CPU", cpu),
        ("cores", str(os.cpu_count())),
        ("load average (1 min)", f"{os.getloadavg()[0]:.2f}"),
        ("Python", platform.python_version()),
        ("pulumi", metadata.version("pulumi")),
        ("pulumi-aws", metadata.version("pulumi-aws")),
        ("pydantic", metadata.version("pydantic")),
    ]


# ---------------------------------------------------------------- printing


def table(title: str, headers: list[str], rows: list[list[Any]]) -> None:
    """Print rows under headers, columns aligned (numbers right, text left)."""
    cells = [[str(cell) for cell in row] for row in rows]
    widths = [max(len(str(h)), *(len(row[i]) for row in cells)) for i, h in enumerate(headers)]

    def line(row: list[str]) -> str:
        return "  ".join(
            cell.rjust(width) if re.fullmatch(r"[-+]?[\d.,x%]+|-", cell) else cell.ljust(width)
            for cell, width in zip(row, widths, strict=True)
        ).rstrip()

    print(f"\n{title}", flush=True)
    print(line(list(headers)))
    print(line(["-" * width for width in widths]))
    for row in cells:
        print(line(row))
    sys.stdout.flush()


def per_set_ms(cases: dict[tuple[str, int], Case], kind: str, sets: int, smallest: int) -> str:
    """Marginal CPU milliseconds per set from the smallest size to ``sets`` ("-" at the smallest)."""
    if sets == smallest:
        return "-"
    extra = cases[(kind, sets)].median(TIME) - cases[(kind, smallest)].median(TIME)
    return f"{extra / (sets - smallest) * 1000:.2f}"


def print_evaluation(cases: dict[tuple[str, int], Case], sizes: list[int]) -> None:
    """Table 1: time, memory and cost per set of each program, and the ratios."""
    rows = []
    for sets in sizes:
        for kind in KINDS:
            case = cases[(kind, sets)]
            rows.append(
                [
                    sets,
                    kind,
                    len(case.samples),
                    f"{case.median('seconds'):.3f}",
                    f"{case.median(TIME):.3f}",
                    f"{case.median(TIME) / sets * 1000:.2f}",
                    per_set_ms(cases, kind, sets, sizes[0]),
                    f"{case.median('rss_growth_kib') / MIB:.1f}",
                    f"{case.median('rss_peak_kib') / MIB:.1f}",
                    sum(case.first["aws_resources"].values()),
                ]
            )
    table(
        "1. Program evaluation under the mock engine (medians over fresh processes; imports excluded)",
        [
            "sets",
            "program",
            "runs",
            "wall s",
            "CPU s",
            "CPU ms/set",
            "marginal CPU ms/set",
            "RSS growth MiB",
            "RSS peak MiB",
            "AWS resources",
        ],
        rows,
    )
    ratios = [
        [
            sets,
            f"{ratio(cases, sets, TIME):.2f}x",
            f"{ratio(cases, sets, 'seconds'):.2f}x",
            f"{ratio(cases, sets, 'rss_growth_kib'):.2f}x",
        ]
        for sets in sizes
    ]
    table("   components / raw", ["sets", "CPU time", "wall time", "RSS growth"], ratios)
    for note in resource_differences(cases, sizes):
        print(f"   note: {note}")


def ratio(cases: dict[tuple[str, int], Case], sets: int, key: str) -> float:
    """Median of the real program over the median of the raw one, for one field and size."""
    return cases[("components", sets)].median(key) / max(cases[("raw", sets)].median(key), 1e-9)


def resource_differences(cases: dict[tuple[str, int], Case], sizes: list[int]) -> list[str]:
    """What the two programs build differently, so a reader knows what the ratios compare."""
    sizes_by_note: dict[str, list[int]] = defaultdict(list)
    for sets in sizes:
        ours, raw = cases[("components", sets)].first, cases[("raw", sets)].first
        extra = Counter(ours["aws_resources"]) - Counter(raw["aws_resources"])
        missing = Counter(raw["aws_resources"]) - Counter(ours["aws_resources"])
        if extra or missing:
            changes = [f"+{n} {t}" for t, n in sorted(extra.items())]
            changes += [f"-{n} {t}" for t, n in sorted(missing.items())]
            sizes_by_note[f"the real program builds {', '.join(changes)} beyond the raw baseline"].append(sets)
        elif ours["inputs_digest"] != raw["inputs_digest"]:
            sizes_by_note["both build the same resource types and counts, but with different inputs"].append(sets)
        else:
            sizes_by_note["both build the same AWS resources with the same inputs"].append(sets)
    return [f"at {', '.join(map(str, at))} sets {note}" for note, at in sizes_by_note.items()]


def lookup_summary(tokens: list[str]) -> str:
    """``getKey x1, getPartition x2`` for a list of invoke tokens."""
    counts = Counter(token.rsplit(":", 1)[-1] for token in tokens)
    return ", ".join(f"{name} x{count}" for name, count in sorted(counts.items()))


def print_lookups(cases: dict[tuple[str, int], Case], sizes: list[int]) -> None:
    """Table 2: invokes per stack at each size."""
    rows = []
    for sets in sizes:
        for kind in KINDS:
            tokens = cases[(kind, sets)].first["invocations"]
            rows.append([sets, kind, len(tokens), lookup_summary(tokens)])
    table("2. Lookups (invokes) per stack, one region and account", ["sets", "program", "invokes", "which"], rows)


def print_imports(costs: list[tuple[str, float, float]], breakdown: list[tuple[str, float]], repeat: int) -> None:
    """Table 3: import cost, and where the real program's import time goes."""
    baseline = next(cpu for label, _, cpu in costs if label.startswith("raw program"))
    rows = [
        [label, f"{wall * 1000:.0f}", f"{cpu * 1000:.0f}", f"{(cpu - baseline) * 1000:+.0f}"]
        for label, wall, cpu in costs
    ]
    table(
        f"3. Import cost (fresh interpreter, median of {repeat})",
        ["imports", "wall ms", "CPU ms", "CPU ms vs raw program's"],
        rows,
    )
    table(
        "   real program's imports by package (self time, one -X importtime run)",
        ["package", "ms"],
        [[name, f"{seconds * 1000:.0f}"] for name, seconds in breakdown],
    )


def targets(cases: dict[tuple[str, int], Case], sizes: list[int]) -> list[tuple[str, str, bool]]:
    """Each target, the measured figure, and whether it is met."""
    largest, middle, smallest = sizes[-1], sizes[len(sizes) // 2], sizes[0]
    time_ratio = ratio(cases, largest, TIME)
    memory_ratio = ratio(cases, largest, "rss_growth_kib")
    marginal = {n: float(per_set_ms(cases, "components", n, smallest)) for n in (middle, largest)}
    growth = marginal[largest] / max(marginal[middle], 1e-9)
    lookups = {len(cases[("components", n)].first["invocations"]) for n in sizes}
    limit = f"<= {TARGET_RATIO}x"
    return [
        (f"CPU time at {largest} sets {limit} raw", f"{time_ratio:.2f}x", time_ratio <= TARGET_RATIO),
        (f"memory (RSS growth) at {largest} sets {limit} raw", f"{memory_ratio:.2f}x", memory_ratio <= TARGET_RATIO),
        (f"linear: marginal CPU ms/set at {largest} {limit} at {middle}", f"{growth:.2f}x", growth <= TARGET_RATIO),
        ("invokes constant in the number of sets", "/".join(map(str, sorted(lookups))), len(lookups) == 1),
    ]


# ---------------------------------------------------------------- main


def parse_args() -> argparse.Namespace:
    """The command line."""
    parser = argparse.ArgumentParser(description="Benchmark the program's own cost against raw pulumi-aws.")
    parser.add_argument("--no-tests", action="store_true", help="skip timing the test suite")
    parser.add_argument("--repeat", type=int, default=5, help="samples per case (default 5)")
    parser.add_argument(
        "--budget",
        type=float,
        default=100.0,
        help="seconds the whole run aims to stay within; slow evaluation cases get fewer "
        "samples to fit, but every case runs at least once (default 100)",
    )
    parser.add_argument("--sizes", default="1,25,100", help="plan+selection sets per stack (default 1,25,100)")
    parser.add_argument(
        "--profile", type=int, metavar="SETS", help="only print a cProfile table of the real program with SETS sets"
    )
    args = parser.parse_args()
    args.sizes = sorted({int(size) for size in args.sizes.split(",")})
    if len(args.sizes) < 3:
        parser.error("--sizes needs at least three sizes (growth is judged between the upper two)")
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def profile(sets: int) -> int:
    """Print where the real program's evaluation time goes with ``sets`` sets (cProfile)."""
    command = [sys.executable, str(WORKER), "components", str(sets), "--profile"]
    return subprocess.run(command, cwd=REPO, check=False).returncode


def main() -> int:
    """Measure every section, then print the tables; 0 even when a target is missed (it is a report).

    The test suite and the imports are measured first, so the evaluation samples can use exactly
    what is left of the budget.
    """
    args = parse_args()
    if args.profile:
        return profile(args.profile)
    sizes = args.sizes
    started = time.perf_counter()
    about_machine = machine()

    suite: tuple[float, str, int] | None = None
    if not args.no_tests:
        print("running the test suite ...", file=sys.stderr)
        suite = test_suite()
    print("measuring imports ...", file=sys.stderr)
    cases_to_import = import_cases()
    imports = import_costs(cases_to_import, args.repeat)
    breakdown = import_breakdown(cases_to_import[-1][1])
    print("measuring evaluation ...", file=sys.stderr)
    try:
        cases = evaluate(sizes, args.repeat, args.budget - (time.perf_counter() - started))
    except RuntimeError as failure:  # the program under test broke: say so without a traceback
        print(f"benchmark stopped: {failure}", file=sys.stderr)
        return 1

    table("Machine", ["what", "value"], [list(row) for row in about_machine])
    print_evaluation(cases, sizes)
    print_lookups(cases, sizes)
    print_imports(imports, breakdown, args.repeat)
    if suite is not None:
        seconds, summary, code = suite
        table(
            "4. Test suite (python -m pytest -q, once)",
            ["wall s", "result", "exit code"],
            [[f"{seconds:.1f}", summary, code]],
        )
    table(
        "Targets",
        ["target", "measured", "met"],
        [[name, figure, "yes" if met else "MISSED"] for name, figure, met in targets(cases, sizes)],
    )
    print(f"\nwhole benchmark: {time.perf_counter() - started:.0f}s, load average now {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
