"""publisher against Hugo and Pelican on the same seeded corpus, interleaved, in one run.

    python -m benchmarks.compare [--incidents 1000] [--updates 10] [--runs 3] [--peers hugo,pelican]

Installs what is missing (Debian's ``hugo`` with apt-get, ``pelican`` and ``markdown`` with
pip), writes the corpus of :mod:`benchmarks.realistic` for publisher and its twin for each
peer (:mod:`benchmarks.peers`), then runs cold builds in turn, A B C A B C…, the order
rotated each round so no tool always runs first, each into an empty output (and, for
publisher, an empty state directory: no cache of any kind). Each run is a whole process:
wall time from a monotonic clock, CPU (user + system) and peak resident memory from the
kernel's accounting of that child (``os.wait4``; the peak is the largest single process,
as ``/usr/bin/time`` reports it, so a worker pool's processes are not summed).

Then the cron path on the built publisher project: a first ``publisher publish`` (the
build's render cache is warm; the ledger and the release are new), then one new update
(French, not yet translated, as a statement first goes out) followed by ``publisher
publish``, and ``publisher publish`` with nothing new; --runs of each, alternating.

Prints medians and the ratio of each tool's median wall time to Hugo's. The machine's
load moves every figure: quote the ratios of one run, never seconds from different runs.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from benchmarks import peers, realistic

REPO = Path(__file__).resolve().parent.parent


@dataclass(frozen=True)
class Run:
    wall: float
    cpu: float
    rss_mib: float


def measure(argv: list[str], cwd: Path, env: dict[str, str] | None = None) -> Run:
    """One whole process: wall, user+system CPU and peak RSS of its largest process."""
    start = time.perf_counter()
    proc = subprocess.Popen(
        argv, cwd=cwd, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
    )
    # wait4 gives this child's own accounting (its reaped children included), unlike
    # RUSAGE_CHILDREN which accumulates over every child this script has had.
    _pid, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - start
    stderr = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if proc.stderr:
        proc.stderr.close()
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        raise SystemExit(f"{' '.join(argv)} exited {code} in {cwd}:\n{stderr[-3000:]}")
    return Run(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024)


def ensure_hugo() -> str:
    found = shutil.which("hugo")
    if found:
        return found
    print("installing Debian's hugo (apt-get install hugo)…", file=sys.stderr)
    subprocess.run(["apt-get", "install", "-y", "-q", "hugo"], check=True, stdout=subprocess.DEVNULL)
    return shutil.which("hugo") or "hugo"


def ensure_pelican() -> list[str]:
    try:
        import markdown  # noqa: F401
        import pelican  # noqa: F401
    except ImportError:
        print("installing pelican and markdown (pip install pelican markdown)…", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "pip", "install", "-q", "pelican", "markdown"], check=True)
    return [sys.executable, "-m", "pelican"]


class Tool:
    name = ""
    pages = 0

    def clean(self) -> None: ...

    def argv(self) -> list[str]:
        raise NotImplementedError

    cwd = Path()

    def count(self, out: Path) -> int:
        return sum(1 for _ in out.rglob("*.html"))


class Hugo(Tool):
    name = "Hugo"

    def __init__(self, root: Path, binary: str) -> None:
        self.cwd = root
        self.out = root / "out"
        self.binary = binary

    def clean(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)
        shutil.rmtree(self.cwd / "resources", ignore_errors=True)

    def argv(self) -> list[str]:
        return [self.binary, "--quiet", "--destination", str(self.out)]


class Pelican(Tool):
    name = "Pelican"

    def __init__(self, root: Path, command: list[str]) -> None:
        self.cwd = root
        self.out = root / "out"
        self.command = command

    def clean(self) -> None:
        shutil.rmtree(self.out, ignore_errors=True)
        shutil.rmtree(self.cwd / "cache", ignore_errors=True)

    def argv(self) -> list[str]:
        return [*self.command, "-q", "-s", "pelicanconf.py", "-o", str(self.out), "content"]


class Publisher(Tool):
    name = "publisher"

    def __init__(self, root: Path) -> None:
        self.cwd = root
        self.out = root / "public"

    def clean(self) -> None:
        for name in ("public", ".public.staging", "public.releases", ".publisher"):
            path = self.cwd / name
            if path.is_dir():
                shutil.rmtree(path)
            elif path.exists():
                path.unlink()

    def argv(self) -> list[str]:
        return [sys.executable, "-m", "publisher", "-C", str(self.cwd), "build"]


def env() -> dict[str, str]:
    e = {**os.environ, "PYTHONPATH": str(REPO)}
    e.pop("PUBLISHER_TEST_CRASH_AT", None)
    return e


def add_update(project: Path, n: int) -> None:
    """A new French update on the newest incident, due now, not yet translated."""
    incident = sorted((project / "content/incidents").iterdir())[-1]
    last = max(p.stem for p in incident.glob("2*.md"))
    t = datetime.strptime(last, "%Y%m%dT%H%M").replace(hour=23, minute=n % 60)
    t = t.replace(day=min(28, t.day + 1 + n // 60))
    fr, _en = realistic.body(realistic.random.Random(n))
    (incident / f"{t:%Y%m%dT%H%M}.md").write_text(
        f'---\nstatus: monitoring\npublish_at: "{t:%Y-%m-%dT%H:%M}"\n---\n{fr}'
    )


def row(name: str, runs: list[Run], pages: int, hugo: float | None) -> str:
    wall = statistics.median(r.wall for r in runs)
    cpu = statistics.median(r.cpu for r in runs)
    rss = statistics.median(r.rss_mib for r in runs)
    ratio = f"{wall / hugo:.2f}" if hugo else "—"
    return f"| {name} | {wall:.2f} s | {cpu:.2f} s | {rss:,.0f} MiB | {pages / wall:,.0f} | {ratio} |"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--incidents", type=int, default=1000)
    ap.add_argument("--updates", type=int, default=10)
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--seed", type=int, default=16)
    ap.add_argument("--peers", default="hugo,pelican", help="comma-separated: hugo, pelican, or none")
    ap.add_argument("--keep", type=Path, help="work in this directory and keep it (default: a temporary one)")
    args = ap.parse_args()
    wanted = {p for p in args.peers.split(",") if p and p != "none"}
    work = args.keep or Path(tempfile.mkdtemp(prefix="publisher-compare-"))
    try:
        tools: list[Tool] = []
        if "hugo" in wanted:
            tools.append(
                Hugo(peers.export_hugo(work / "hugo", args.incidents, args.updates, args.seed), ensure_hugo())
            )
        if "pelican" in wanted:
            tools.append(
                Pelican(
                    peers.export_pelican(work / "pelican", args.incidents, args.updates, args.seed),
                    ensure_pelican(),
                )
            )
        project = realistic.generate(work / "publisher", args.incidents, args.updates, args.seed)
        mine = Publisher(project)
        tools.append(mine)
        results: dict[str, list[Run]] = {t.name: [] for t in tools}
        for r in range(args.runs):
            order = tools[r % len(tools) :] + tools[: r % len(tools)]
            for tool in order:
                tool.clean()
                results[tool.name].append(measure(tool.argv(), tool.cwd, env()))
                tool.pages = tool.count(tool.out)
                print(f"  round {r + 1}: {tool.name} {results[tool.name][-1].wall:.2f} s", file=sys.stderr)
        hugo = statistics.median(r.wall for r in results["Hugo"]) if "Hugo" in results else None
        total = args.incidents * args.updates
        print(
            f"\nCold build, {args.incidents} incidents × {args.updates} updates ({total} updates, fr + en),"
        )
        print(f"median of {args.runs} interleaved runs; pages/s counts each tool's own HTML pages.\n")
        print("| tool | median wall | CPU | peak RSS | pages/s | wall vs Hugo |")
        print("|---|---:|---:|---:|---:|---:|")
        for tool in tools:
            print(row(tool.name, results[tool.name], tool.pages, hugo))

        # The cron path: a first publish on the project as the last cold build left it (its
        # render cache is warm, the release is new), then alternate a new update and a run
        # with nothing new.
        publish = [sys.executable, "-m", "publisher", "-C", str(project), "publish", "--quiet"]
        first = measure(publish, project, env())
        new: list[Run] = []
        noop: list[Run] = []
        for n in range(args.runs):
            add_update(project, n)
            new.append(measure(publish, project, env()))
            noop.append(measure(publish, project, env()))
        print(f"\nCron path (`publisher publish`), median of {args.runs}; first publish after the build:")
        print(f"{first.wall:.2f} s, {first.cpu:.2f} s CPU, {first.rss_mib:,.0f} MiB.\n")
        print("| case | median wall | CPU | peak RSS | wall vs Hugo's full build |")
        print("|---|---:|---:|---:|---:|")
        for name, runs in (("one new update", new), ("nothing new (no-op)", noop)):
            wall = statistics.median(r.wall for r in runs)
            ratio = f"{wall / hugo:.3f}" if hugo else "—"
            print(
                f"| {name} | {wall:.2f} s | {statistics.median(r.cpu for r in runs):.2f} s | "
                f"{statistics.median(r.rss_mib for r in runs):,.0f} MiB | {ratio} |"
            )
    finally:
        if args.keep is None:
            shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
