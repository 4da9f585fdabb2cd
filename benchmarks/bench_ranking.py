"""Benchmark of challengelab.ranking against challengeR's timings.

Run: ``python benchmarks/bench_ranking.py [--repeat 3] [--large-boot 100] [--scale-tasks 20]``.

Workloads (as in issue 6):

* small: 3 tasks x 5 algorithms x 50/50/120 cases; challengeR 1.0.5 on this machine needs about 22 s for the
  aggregate-then-rank bootstrap with 1000 replicates and about 5 s for the test-then-rank bootstrap with 100
  replicates (quoted in the issue; challengeR is not installable here, so those numbers are constants).
* large: 1 task x 50 algorithms x 200 cases.
* scale (issue 14), each in its own process so that its peak memory (max RSS) is its own:
  ``load_assessment`` of 800k rows (target <= 1.2 s idle; 3.6 s before) and the test-then-rank bootstrap of
  20 tasks x 40 algorithms x 1000 cases with 100 replicates (target <= 10 s and <= 700 MB peak; 39 s and
  ~1.1 GB before). challengeR is not installable here; with ``Rscript`` a base-R loop (``wilcox.test`` per
  ordered pair, as challengeR does) is timed on one task for 2 replicates and extrapolated to the workload.

Timings are end to end from a DataFrame (validation included) and, for the small workload, also from an
already validated Assessment. On a shared machine run it when the load is low: timings scale with contention.
Prints the best of ``--repeat`` wall-clock timings, the speed-up against challengeR and whether the targets
(100x and 20x) are met, and (with ``Rscript``) the time of a plain base-R bootstrap loop side by side. When ``Rscript`` is available, the full-data ranks are also checked against base R
(mean + rank, and pairwise ``wilcox.test``-based test-then-rank) — identical ranks are required.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from challengelab.ranking import bootstrap, load_assessment, rank  # noqa: E402

from _timing import best_of  # noqa: E402 - benchmarks/ is on sys.path when run as a script

CHALLENGER_SECONDS = {"aggregate_then_rank": 22.0, "test_then_rank": 5.0}
#: Issue 14: the release before it, measured on an idle machine (seconds, peak MB), and the targets.
SCALE_BEFORE = {"load": (3.6, None), "boot": (39.0, 1100.0)}
SCALE_TARGET = {"load": (1.2, None), "boot": (10.0, 700.0)}
TARGET_SPEEDUP = {"aggregate_then_rank": 100.0, "test_then_rank": 20.0}


def small_workload(seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = []
    for task, n_cases in (("T1", 50), ("T2", 50), ("T3", 120)):
        skill = rng.normal(0.8, 0.03, 5)
        difficulty = rng.normal(0, 0.05, n_cases)
        for a in range(5):
            values = np.clip(skill[a] + difficulty + rng.normal(0, 0.05, n_cases), 0, 1)
            rows.append(pd.DataFrame({"task": task, "case": np.arange(n_cases), "algorithm": f"A{a + 1}",
                                      "value": values.round(4)}))
    return pd.concat(rows, ignore_index=True)


def large_workload(seed: int = 2, n_algorithms: int = 50, n_cases: int = 200) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    skill = rng.normal(0.8, 0.03, n_algorithms)
    difficulty = rng.normal(0, 0.05, n_cases)
    values = np.clip(skill[None, :] + difficulty[:, None] + rng.normal(0, 0.05, (n_cases, n_algorithms)), 0, 1)
    return pd.DataFrame({"task": "L1", "case": np.repeat(np.arange(n_cases), n_algorithms),
                         "algorithm": np.tile([f"A{a + 1:02d}" for a in range(n_algorithms)], n_cases),
                         "value": values.ravel().round(4)})




def scale_workload(n_tasks: int = 20, n_algorithms: int = 40, n_cases: int = 1000, seed: int = 3) -> pd.DataFrame:
    """800k rows: ``n_tasks`` x ``n_cases`` x ``n_algorithms``, values rounded to 4 decimals (many ties)."""
    rng = np.random.default_rng(seed)
    skill = rng.normal(0.8, 0.02, (n_tasks, n_algorithms))
    values = skill[:, None, :] + rng.normal(0, 0.05, (n_tasks, n_cases, n_algorithms))
    return pd.DataFrame({
        "task": np.repeat([f"T{t:02d}" for t in range(n_tasks)], n_cases * n_algorithms),
        "case": np.tile(np.repeat(np.arange(n_cases), n_algorithms), n_tasks),
        "algorithm": np.tile([f"A{a:02d}" for a in range(n_algorithms)], n_tasks * n_cases),
        "value": values.ravel().round(4)})


SCALE_CHILD = r"""
import resource, sys, time
sys.path.insert(0, sys.argv[3])
sys.path.insert(0, sys.argv[4])
from bench_ranking import scale_workload
from challengelab.ranking import bootstrap, load_assessment
def cpu():
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime
data = scale_workload(n_tasks=int(sys.argv[2]))
start, start_cpu = time.perf_counter(), cpu()
assessment = load_assessment(data)
if sys.argv[1] == "boot":
    start, start_cpu = time.perf_counter(), cpu()
    bootstrap(assessment, method="test_then_rank", n_boot=100, seed=1, progress=False, n_jobs=int(sys.argv[5]))
print(time.perf_counter() - start, cpu() - start_cpu, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def run_scale(what: str, n_tasks: int, n_jobs: int = 1) -> tuple[float, float, float]:
    """Wall and CPU seconds and peak RSS (MB, whole process: data included) of one scale workload in a fresh
    process. On a loaded machine the CPU time is the better estimate of the idle wall time (one thread)."""
    here = Path(__file__).resolve().parent
    out = subprocess.run([sys.executable, "-c", SCALE_CHILD, what, str(n_tasks), str(here), str(here.parent),
                          str(n_jobs)],
                         check=True, capture_output=True, text=True)
    seconds, cpu_seconds, peak = map(float, out.stdout.split()[-3:])
    return seconds, cpu_seconds, peak


def time_base_r_scale(n_tasks: int) -> float | None:
    """Base-R test-then-rank bootstrap loop on one task for 2 replicates, extrapolated to 100 x ``n_tasks``."""
    one = scale_workload(n_tasks=1)
    seconds = time_base_r(one, "test_then_rank", 2)
    return None if seconds is None else seconds / 2 * 100 * n_tasks


def report_scale(n_tasks: int, no_r: bool, n_jobs: int = 1) -> None:
    print(f"scale workload: {n_tasks} tasks x 40 algorithms x 1000 cases ({n_tasks * 40_000} rows); "
          f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")
    for what, label in (("load", "load_assessment"), ("boot", "test_then_rank bootstrap, 100 replicates")):
        wall, seconds, peak = run_scale(what, n_tasks, n_jobs)
        before, target = SCALE_BEFORE[what], SCALE_TARGET[what]
        scale = n_tasks / 20
        ok = "meets" if seconds <= target[0] * scale else "MISSES"
        memory = "" if target[1] is None else (f"   peak {peak:6.0f} MB ({'meets' if peak <= target[1] else 'MISSES'}"
                                                f" <= {target[1]:.0f} MB; before ~{before[1]:.0f} MB)")
        print(f"  {label:<42} {seconds:7.2f} s CPU, {wall:7.2f} s wall ({ok} <= {target[0] * scale:.1f} s; before "
              f"{before[0] * scale:.1f} s, {before[0] * scale / seconds:4.1f}x faster){memory}")
    if not no_r:
        r_seconds = time_base_r_scale(n_tasks)
        if r_seconds is not None:
            print(f"  base-R wilcox.test loop (as challengeR), extrapolated from 1 task x 2 replicates: "
                  f"{r_seconds:8.0f} s")


R_CHECK = r"""
d <- read.csv(commandArgs(TRUE)[1])
out <- list()
for (t in unique(d$task)) {
  x <- d[d$task == t, ]
  w <- reshape(x[, c("case", "algorithm", "value")], idvar = "case", timevar = "algorithm", direction = "wide")
  m <- as.matrix(w[, -1]); colnames(m) <- sub("value.", "", colnames(m))
  k <- ncol(m)
  r1 <- rank(-colMeans(m), ties.method = "min")
  wins <- setNames(numeric(k), colnames(m))
  p <- matrix(NA, k, k)
  for (i in 1:k) for (j in 1:k) if (i != j)
    p[i, j] <- wilcox.test(m[, i], m[, j], paired = TRUE, exact = FALSE, correct = TRUE,
                           alternative = "greater")$p.value
  for (i in 1:k) wins[i] <- sum(p[i, -i] < 0.05)
  r2 <- rank(-wins, ties.method = "min")
  out[[t]] <- data.frame(task = t, algorithm = colnames(m), mean_rank = r1, test_rank = r2)
}
write.csv(do.call(rbind, out), commandArgs(TRUE)[2], row.names = FALSE)
"""


R_BOOTSTRAP = r"""
# A straightforward base-R bootstrap (loops over replicates, wilcox.test per ordered pair), for a side-by-side
# timing on this machine. challengeR itself is not installable here; its timings are the constants above.
args <- commandArgs(TRUE)
d <- read.csv(args[1]); method <- args[2]; B <- as.integer(args[3])
set.seed(1)
tasks <- lapply(split(d, d$task), function(x) {
  w <- reshape(x[, c("case", "algorithm", "value")], idvar = "case", timevar = "algorithm", direction = "wide")
  as.matrix(w[, -1])
})
t0 <- proc.time()[["elapsed"]]
for (m in tasks) {
  n <- nrow(m); k <- ncol(m)
  for (b in seq_len(B)) {
    s <- m[sample.int(n, n, replace = TRUE), , drop = FALSE]
    if (method == "aggregate_then_rank") {
      r <- rank(-colMeans(s), ties.method = "min")
    } else {
      wins <- numeric(k)
      for (i in 1:k) for (j in 1:k) if (i != j)
        wins[i] <- wins[i] + (suppressWarnings(wilcox.test(s[, i], s[, j], paired = TRUE, exact = FALSE,
                                                           correct = TRUE, alternative = "greater")$p.value) < 0.05)
      r <- rank(-wins, ties.method = "min")
    }
  }
}
cat(proc.time()[["elapsed"]] - t0, "\n")
"""


def time_base_r(data: pd.DataFrame, method: str, n_boot: int) -> float | None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        return None
    with tempfile.TemporaryDirectory() as tmp:
        src, script = Path(tmp, "d.csv"), Path(tmp, "boot.R")
        data.to_csv(src, index=False)
        script.write_text(R_BOOTSTRAP)
        out = subprocess.run([rscript, str(script), str(src), method, str(n_boot)], check=True,
                             capture_output=True, text=True)
    return float(out.stdout.split()[-1])


def check_against_r(data: pd.DataFrame, label: str) -> None:
    rscript = shutil.which("Rscript")
    if rscript is None:
        print(f"  [{label}] Rscript not found: full-data ranks not checked against R")
        return
    with tempfile.TemporaryDirectory() as tmp:
        src, out, script = Path(tmp, "d.csv"), Path(tmp, "r.csv"), Path(tmp, "check.R")
        data.to_csv(src, index=False)
        script.write_text(R_CHECK)
        subprocess.run([rscript, str(script), str(src), str(out)], check=True, capture_output=True)
        r = pd.read_csv(out)
    ours_mean = rank(data, method="aggregate_then_rank")
    ours_test = rank(data, method="test_then_rank")
    merged = r.merge(ours_mean[["task", "algorithm", "rank"]], on=["task", "algorithm"]).merge(
        ours_test[["task", "algorithm", "rank"]].rename(columns={"rank": "rank_test"}), on=["task", "algorithm"])
    same_mean = bool((merged["mean_rank"] == merged["rank"]).all())
    same_test = bool((merged["test_rank"] == merged["rank_test"]).all())
    print(f"  [{label}] full-data ranks identical to R: aggregate_then_rank {same_mean}, test_then_rank {same_test}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--large-boot", type=int, default=100, help="replicates for the 50 x 200 workload")
    parser.add_argument("--n-jobs", type=int, default=1)
    parser.add_argument("--no-r", action="store_true", help="skip the side-by-side base-R timing")
    parser.add_argument("--scale-tasks", type=int, default=20, help="tasks of the scale workload (0: skip it)")
    parser.add_argument("--only-scale", action="store_true", help="run the scale workload only")
    args = parser.parse_args()
    if args.scale_tasks:
        report_scale(args.scale_tasks, args.no_r, args.n_jobs)
    if args.only_scale:
        return

    small = small_workload()
    large = large_workload()
    # warm-up (imports, first-call overheads)
    bootstrap(small, method="aggregate_then_rank", n_boot=10, seed=0)
    bootstrap(small, method="test_then_rank", n_boot=10, seed=0)

    print("small workload: 3 tasks x 5 algorithms x 50/50/120 cases")
    for method, n_boot in (("aggregate_then_rank", 1000), ("test_then_rank", 100)):
        seconds = best_of(lambda: bootstrap(small, method=method, n_boot=n_boot, seed=1, n_jobs=args.n_jobs,
                                            progress=False), args.repeat)
        speedup = CHALLENGER_SECONDS[method] / seconds
        ok = "meets" if speedup >= TARGET_SPEEDUP[method] else "MISSES"
        print(f"  {method:<20} n_boot={n_boot:<5} {seconds * 1000:8.1f} ms   challengeR ~{CHALLENGER_SECONDS[method]:.0f} s"
              f"   speed-up {speedup:7.0f}x ({ok} the {TARGET_SPEEDUP[method]:.0f}x target)")
        validated = load_assessment(small)
        core = best_of(lambda: bootstrap(validated, method=method, n_boot=n_boot, seed=1, n_jobs=args.n_jobs,
                                         progress=False), args.repeat)
        print(f"  {'':<20} {'':<12} {core * 1000:8.1f} ms   from a validated Assessment (no input validation)")
        if not args.no_r:
            r_seconds = time_base_r(small, method, n_boot)
            if r_seconds is not None:
                print(f"  {'':<20} {'':<12} base-R loop on this machine {r_seconds:6.2f} s"
                      f"   (challengelab {r_seconds / seconds:5.0f}x faster)")
    check_against_r(small, "small")

    print("large workload: 50 algorithms x 200 cases")
    for method, n_boot in (("aggregate_then_rank", 1000), ("rank_then_aggregate", 1000),
                           ("test_then_rank", args.large_boot)):
        seconds = best_of(lambda: bootstrap(large, method=method, n_boot=n_boot, seed=1, n_jobs=args.n_jobs,
                                            progress=False), args.repeat - 1)
        print(f"  {method:<20} n_boot={n_boot:<5} {seconds * 1000:8.1f} ms")
    check_against_r(large, "large")


if __name__ == "__main__":
    main()
