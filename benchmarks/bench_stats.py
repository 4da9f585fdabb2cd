"""Time the full statistics analysis on the bundled survey and on 10x and 100x replications; compare with R.

Run: ``.venv/bin/python benchmarks/bench_stats.py [--no-r]``.

The full analysis is :func:`challengelab.stats.run_analysis` with the default configuration: the winner
profile of every item, the exact task-stratified test of the 16 strategy items for winning and for a top-3
rank (Holm-adjusted), and three models of the 16 strategy items (rank-ordered logit of the full ranking;
winning and top-3 with the automatic choice: the Firth-penalised conditional logit, because every winner used
augmentation, with profile-likelihood intervals, and the exact conditional logit). A replication copies every task k times under new task,
challenge and team ids, so the number of strata grows k-fold. Targets: bundled data under 2 s, 100x under 30 s.

When ``Rscript`` (with survival, brglm2) is available, the same responses are analysed in R as far as R has the
procedures: per-item counts, ``mantelhaen.test(exact = TRUE)`` for both outcomes, ``coxph`` with strata,
``clogit(method = "exact")`` for top-3 and ``brglm2`` pooled Firth point estimates for winning (coxphf, the
stratified Firth model with profile intervals, takes minutes even at the bundled size, so R does much less
work in that step; see bench_models.py for model-by-model comparisons). The ratio Python / R is printed.
"""

from __future__ import annotations

import argparse
import dataclasses
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pandas as pd

import challengelab
from challengelab.stats import AnalysisConfig, run_analysis

from _timing import best_of  # noqa: E402 - benchmarks/ is on sys.path when run as a script

TARGETS = {"1x": 2.0, "100x": 30.0}

R_SCRIPT = r"""
suppressPackageStartupMessages({library(survival); library(brglm2)})
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
items <- strsplit(args[2], ",")[[1]]
t0 <- proc.time()[["elapsed"]]
d$top3 <- as.integer(d$rank <= 3)
for (v in items) {  # profile: counts and shares, winners vs others
  invisible(tapply(d[[v]], d$winner, function(x) c(sum(x, na.rm = TRUE), sum(!is.na(x)))))
}
for (outcome in c("winner", "top3")) for (v in items) {
  s <- d[!is.na(d[[v]]), ]
  tab <- table(factor(s[[v]], levels = c(1, 0)), factor(s[[outcome]], levels = c(1, 0)), s$task_id)
  keep <- apply(tab, 3, function(t) all(rowSums(t) > 0) && all(colSums(t) > 0))
  if (sum(keep) >= 1) invisible(mantelhaen.test(tab[, , keep, drop = FALSE], exact = TRUE))
}
f <- as.formula(paste("~", paste(items, collapse = " + ")))
cc <- d[complete.cases(d[, c(items, "rank")]), ]
cc$event <- 1
invisible(coxph(update(f, Surv(rank, event) ~ . + strata(task_id)), data = cc, ties = "efron"))
invisible(glm(update(f, winner ~ .), family = binomial, data = cc, method = "brglmFit", type = "AS_mean"))
invisible(clogit(update(f, top3 ~ . + strata(task_id)), data = cc, method = "exact"))
cat(proc.time()[["elapsed"]] - t0, "\n")
"""


def replicate(survey, k: int):
    """The survey with every task copied k times (new task, challenge and team ids)."""
    if k == 1:
        return survey
    copies = []
    for i in range(k):
        r = survey.responses.copy()
        for column in ("task_id", "team_id", "challenge_id"):
            r[column] = r[column].astype("string") + f"-r{i}"
        copies.append(r)
    return dataclasses.replace(survey, responses=pd.concat(copies, ignore_index=True))




def r_seconds(responses: pd.DataFrame, items: list[str], tmp: Path) -> float | None:
    path = tmp / "responses.csv"
    frame = responses[["task_id", "rank", "winner", *items]].copy()
    for column in ["winner", *items]:
        frame[column] = frame[column].astype("Int64")
    frame.to_csv(path, index=False)
    script = tmp / "bench.R"
    script.write_text(R_SCRIPT)
    done = subprocess.run(["Rscript", str(script), str(path), ",".join(items)], capture_output=True, text=True,
                          timeout=3600)
    if done.returncode != 0:
        print(f"  R failed: {done.stderr.strip()[:300]}")
        return None
    return float(done.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--no-r", action="store_true", help="skip the R comparison")
    parser.add_argument("--sizes", default="1,10,100", help="replication factors (default 1,10,100)")
    args = parser.parse_args()
    survey = challengelab.example_survey()
    config = AnalysisConfig()
    run_analysis(survey, config)  # warm-up: imports, caches
    have_r = not args.no_r and shutil.which("Rscript") is not None
    items = survey.strategy_items
    print(f"full analysis: profile + {2 * len(items)} exact stratified tests + {len(config.models)} models "
          f"({len(items)} predictors)")
    missed = []
    with tempfile.TemporaryDirectory() as tmp:
        for k in (int(x) for x in args.sizes.split(",")):
            label = f"{k}x"
            data = replicate(survey, k)
            repeat = 3 if k == 1 else 1
            holder = {}
            seconds = best_of(lambda data=data, holder=holder: holder.__setitem__("r", run_analysis(data, config)),
                              repeat)
            steps = ", ".join(f"{name} {t:.2f}" for name, t in holder["r"].timings.items())
            line = (f"{label:>5}: {len(data.responses):>6} responses, {data.responses['task_id'].nunique():>5} tasks"
                    f"  python {seconds:7.2f} s")
            target = TARGETS.get(label)
            if target is not None:
                line += f"  (target {target:.0f} s: {'met' if seconds <= target else 'MISSED'})"
                if seconds > target:
                    missed.append(label)
            if have_r:
                r = r_seconds(data.responses, items, Path(tmp))
                if r is not None:
                    line += f"  R {r:7.2f} s  python/R = {seconds / r:.2f}"
            print(line)
            print(f"       steps (s): {steps}")
    if not have_r and not args.no_r:
        print("Rscript not found: R comparison skipped")
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
