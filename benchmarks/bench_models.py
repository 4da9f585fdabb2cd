"""Model-by-model timings against R, side by side, on simulated rounds of 5,000 tasks x 10 teams (16 items).

Run: ``.venv/bin/python benchmarks/bench_models.py [--tasks 5000] [--firth-tasks 5000] [--r-timeout 900]``.

Every model is timed in Python and, when ``Rscript`` is present, in R on the same data in the same run
(R timings stored in ``benchmarks/r_model_timings.json`` are printed instead when it is not):

=====================  =============================================  ==========================================
model                  Python                                          R
=====================  =============================================  ==========================================
clogit_winner          conditional_logit(winner ~ 16 items | task)     survival::clogit(method = "exact")
clogit_top3            conditional_logit(top3 ~ ...)                    survival::clogit(method = "exact")
rologit                rank_ordered_logit(rank ~ ..., efron)            survival::coxph(Surv(rank, 1) ~ ... + strata)
firth_clogit_winner    conditional_logit(..., firth=True)               coxphf (one interval per task)
firth_rologit          rank_ordered_logit(..., firth=True)              coxphf (one interval per task x rank)
mixed_logit            mixed_logit(success ~ 4 items | challenge, 25)  lme4::glmer(nAGQ = 25)
exact_cmh_16           exact_cmh for each of the 16 items (winner)      mantelhaen.test(exact = TRUE) x 16
fisher_ci              strategy_tests(test="fisher"), one item          fisher.test (one 2 x 2 table, all rows)
=====================  =============================================  ==========================================

The Firth models include profile penalised-likelihood intervals and penalised LR tests for every term in both
languages. coxphf's Fortran code is quadratic in the number of rows, so it is run at ``--firth-tasks`` with a
timeout; a timeout is printed as "R > T s". Ratios are Python / R (below 1: Python is faster).
"""

from __future__ import annotations

import argparse
import json
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from challengelab.stats import conditional_logit, exact_cmh, mixed_logit, rank_ordered_logit, strategy_tests

HERE = Path(__file__).resolve().parent
STORED = HERE / "r_model_timings.json"
ITEMS = [f"s{i + 1:02d}" for i in range(16)]

R_SCRIPT = r"""
args <- commandArgs(trailingOnly = TRUE)
if (length(args) >= 3 && nzchar(args[3])) .libPaths(c(args[3], .libPaths()))
suppressPackageStartupMessages({library(survival); library(lme4)})
d <- read.csv(args[1]); which <- args[2]
items <- grep("^s[0-9]", names(d), value = TRUE); rhs <- paste(items, collapse = " + ")
tm <- function(expr) { t0 <- proc.time()[["elapsed"]]; force(expr); proc.time()[["elapsed"]] - t0 }
secs <- switch(which,
  clogit_winner = tm(clogit(as.formula(paste("winner ~", rhs, "+ strata(task)")), data = d, method = "exact")),
  clogit_top3 = tm(clogit(as.formula(paste("top3 ~", rhs, "+ strata(task)")), data = d, method = "exact")),
  rologit = {d$event <- 1; tm(coxph(as.formula(paste("Surv(rank, event) ~", rhs, "+ strata(task)")), data = d))},
  firth_clogit_winner = {suppressPackageStartupMessages(library(coxphf))
    d$start <- d$task - 1; d$stop <- d$task; d$event <- d$winner
    tm(coxphf(as.formula(paste("Surv(start, stop, event) ~", rhs)), data = d))},
  firth_rologit = {suppressPackageStartupMessages(library(coxphf))
    d$start <- (d$task - 1) * 1000; d$stop <- d$start + d$rank; d$event <- 1
    tm(coxphf(as.formula(paste("Surv(start, stop, event) ~", rhs)), data = d))},
  mixed_logit = tm(glmer(success ~ s01 + s02 + s03 + s04 + (1 | challenge), data = d, family = binomial,
                         nAGQ = 25)),
  exact_cmh_16 = tm(for (v in items) {
    tab <- table(factor(d[[v]], levels = c(1, 0)), factor(d$winner, levels = c(1, 0)), d$task)
    mantelhaen.test(tab, exact = TRUE)}),
  fisher_ci = tm(fisher.test(table(factor(d$s01, levels = c(1, 0)), factor(d$winner, levels = c(1, 0))))))
cat(secs, "\n")
"""


def simulate(n_tasks: int, n_teams: int = 10, seed: int = 1) -> pd.DataFrame:
    """A synthetic round: 16 binary items with effects from -0.4 to 0.6 on the rank, a challenge effect."""
    rng = np.random.default_rng(seed)
    n = n_tasks * n_teams
    task = np.repeat(np.arange(n_tasks), n_teams)
    x = (rng.random((n, len(ITEMS))) < rng.uniform(0.2, 0.7, len(ITEMS))).astype(int)
    score = x @ np.linspace(-0.4, 0.6, len(ITEMS)) + rng.logistic(size=n)
    rank = pd.Series(-score).groupby(task).rank(method="first").astype(int).to_numpy()
    u = rng.normal(0, 0.8, n_tasks // 10 + 1)
    eta = -0.5 + x[:, :4] @ np.array([0.5, -0.3, 0.2, 0.4]) + u[task // 10]
    data = pd.DataFrame(x, columns=ITEMS)
    data.insert(0, "task", task)
    data.insert(1, "challenge", task // 10)
    data["rank"] = rank
    data["winner"] = (rank == 1).astype(int)
    data["top3"] = (rank <= 3).astype(int)
    data["success"] = (rng.random(n) < 1 / (1 + np.exp(-eta))).astype(int)
    return data


def python_models(data: pd.DataFrame, firth_data: pd.DataFrame) -> dict:
    tests = data.rename(columns={"task": "task_id"}).assign(winner=lambda d: d["winner"].astype(bool))
    return {
        "clogit_winner": lambda: conditional_logit(data, "winner", ITEMS, "task"),
        "clogit_top3": lambda: conditional_logit(data, "top3", ITEMS, "task"),
        "rologit": lambda: rank_ordered_logit(data, "rank", ITEMS, "task"),
        "firth_clogit_winner": lambda: conditional_logit(firth_data, "winner", ITEMS, "task", firth=True),
        "firth_rologit": lambda: rank_ordered_logit(firth_data, "rank", ITEMS, "task", firth=True),
        "mixed_logit": lambda: mixed_logit(data, "success", ITEMS[:4], "challenge", n_agq=25),
        "exact_cmh_16": lambda: [exact_cmh(data, item, "winner", "task") for item in ITEMS],
        "fisher_ci": lambda: strategy_tests(tests, items=["s01"], test="fisher", min_count=0),
    }


def r_seconds(csv: Path, which: str, script: Path, timeout: float, rlib: str) -> float | str | None:
    try:
        done = subprocess.run(["Rscript", str(script), str(csv), which, rlib], capture_output=True, text=True,
                              timeout=timeout)
    except subprocess.TimeoutExpired:
        return f"> {timeout:.0f}"
    if done.returncode != 0:
        print(f"  R failed on {which}: {done.stderr.strip()[-300:]}")
        return None
    return float(done.stdout.split()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--firth-tasks", type=int, default=5000)
    parser.add_argument("--r-timeout", type=float, default=900.0)
    parser.add_argument("--rlib", default="/tmp/rlib", help="extra R library holding coxphf")
    parser.add_argument("--only", default="", help="comma-separated model names")
    parser.add_argument("--no-r", action="store_true")
    args = parser.parse_args()
    data, firth_data = simulate(args.tasks), simulate(args.firth_tasks, seed=2)
    models = python_models(data, firth_data)
    chosen = [m for m in models if not args.only or m in args.only.split(",")]
    warm = python_models(simulate(40, seed=3), simulate(40, seed=4))
    for name in chosen:  # imports and first-call costs stay out of the timings (R loads its packages untimed)
        warm[name]()
    have_r = not args.no_r and shutil.which("Rscript") is not None
    stored = json.loads(STORED.read_text()) if STORED.exists() else {}
    print(f"SYNTHETIC data: {args.tasks} tasks x 10 teams ({args.firth_tasks} for the Firth models), 16 items; "
          f"R {'measured now' if have_r else 'from ' + STORED.name}")
    if not have_r and (args.tasks, args.firth_tasks) != (5000, 5000):
        print("note: the stored R timings are for 5,000 tasks (Firth: 5,000); ratios at other sizes mislead")
    measured = {}
    with tempfile.TemporaryDirectory() as tmp:
        csv, firth_csv, script = Path(tmp) / "d.csv", Path(tmp) / "f.csv", Path(tmp) / "bench.R"
        data.to_csv(csv, index=False)
        firth_data.to_csv(firth_csv, index=False)
        script.write_text(R_SCRIPT)
        for name in chosen:
            start = time.perf_counter()
            models[name]()
            py = time.perf_counter() - start
            if have_r:
                source = firth_csv if name.startswith("firth") else csv
                r = r_seconds(source, name, script, args.r_timeout, args.rlib)
                measured[name] = r
            else:
                r = stored.get(name)
            print(_line(name, py, r), flush=True)
    if have_r and not args.only and args.tasks == 5000:
        STORED.write_text(json.dumps({k: v for k, v in measured.items() if v is not None}, indent=1) + "\n")
    return 0


def _line(name: str, py: float, r) -> str:
    if r is None:
        return f"{name:>20}: python {py:8.2f} s   R n/a"
    if isinstance(r, str):
        return f"{name:>20}: python {py:8.2f} s   R {r} s (timeout)   python/R < {py / float(r[2:]):.3f}"
    return f"{name:>20}: python {py:8.2f} s   R {r:8.2f} s   python/R = {py / r:.2f}"


if __name__ == "__main__":
    sys.exit(main())
