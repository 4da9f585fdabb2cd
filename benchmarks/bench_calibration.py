"""Calibration of the default analysis: type I error for a confounded null strategy, power for a true effect.

Run: ``.venv/bin/python benchmarks/bench_calibration.py [--replicates 400] [--tasks 40] [--seed 1]``.

Each simulated round (SYNTHETIC) has ``--tasks`` competitions of very different sizes (3 to 60 teams). Three
strategies:

- ``big``: no effect on the ranking, but used by 80 % of the teams in large competitions (>= 20 teams) and 20 %
  in small ones: a strategy that is merely more common where winning is harder;
- ``good``: a true effect (log odds 0.8 on the latent score, so on winning and on the rank);
- ``aug``: used by every winner (and by 60 % of the others): it separates winning, so the default winner
  model is the Firth-penalised conditional logit.

For every replicate the default analysis is run through :func:`challengelab.stats.rank_regression` with
``model="auto"`` (winner -> conditional logit, Firth-penalised because of ``aug``; rank -> rank-ordered logit),
and, for contrast, the pooled Firth logistic regression (``model="firth_logit"``). Reported: the share of
replicates with p < alpha for ``big`` (type I error; must stay within Monte Carlo error of alpha, i.e. within
2 SE = 2 sqrt(alpha (1 - alpha) / R)) and for ``good`` (power).
"""

from __future__ import annotations

import argparse
import sys
import time

import numpy as np
import pandas as pd

from challengelab.stats import rank_regression

SIZES = (3, 4, 5, 8, 12, 20, 35, 60)
ITEMS = ["big", "good", "aug"]


def simulate_round(n_tasks: int, rng: np.random.Generator) -> pd.DataFrame:
    frames = []
    for t in range(n_tasks):
        n = int(rng.choice(SIZES))
        big = rng.random(n) < (0.8 if n >= 20 else 0.2)
        good = rng.random(n) < 0.5
        score = 0.8 * good + rng.logistic(size=n)
        rank = pd.Series(-score).rank(method="first").astype(int).to_numpy()
        aug = (rank == 1) | (rng.random(n) < 0.6)
        frames.append(pd.DataFrame({"task_id": f"T{t}", "challenge_id": f"C{t}", "rank": rank,
                                    "winner": rank == 1, "big": big, "good": good, "aug": aug}))
    return pd.concat(frames, ignore_index=True)


ANALYSES = {
    "winner, auto (stratified)": dict(outcome="winner", model="auto"),
    "rank, auto (stratified)": dict(outcome="rank", model="auto"),
    "winner, pooled firth_logit": dict(outcome="winner", model="firth_logit"),
}


def run(replicates: int, n_tasks: int, seed: int, alpha: float) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(seed)
    p_values = {name: np.full((replicates, 2), np.nan) for name in ANALYSES}
    chosen: dict[str, set] = {name: set() for name in ANALYSES}
    for r in range(replicates):
        data = simulate_round(n_tasks, rng)
        for name, kw in ANALYSES.items():
            fit = rank_regression(data, ITEMS, **kw)
            p_values[name][r] = fit.table.loc[["big", "good"], "p_value"].to_numpy(dtype=float)
            chosen[name].add(f"{fit.model}{' (Firth)' if fit.firth else ''}")
    for name in ANALYSES:
        print(f"  {name}: fitted as {', '.join(sorted(chosen[name]))}")
    return p_values


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--replicates", type=int, default=400)
    parser.add_argument("--tasks", type=int, default=40)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--alpha", type=float, default=0.05)
    args = parser.parse_args()
    print(f"SYNTHETIC rounds: {args.replicates} replicates of {args.tasks} competitions of {min(SIZES)}-"
          f"{max(SIZES)} teams; alpha = {args.alpha}")
    start = time.perf_counter()
    p_values = run(args.replicates, args.tasks, args.seed, args.alpha)
    band = 2 * np.sqrt(args.alpha * (1 - args.alpha) / args.replicates)
    failed = False
    for name, p in p_values.items():
        size = float(np.mean(p[:, 0] < args.alpha))
        power = float(np.mean(p[:, 1] < args.alpha))
        ok = abs(size - args.alpha) <= band
        stratified = "stratified" in name
        failed |= stratified and not ok
        print(f"{name:>28}: type I error (big) {size:.3f}  [{args.alpha - band:.3f}, {args.alpha + band:.3f}] "
              f"{'within MC error' if ok else 'OUTSIDE MC error'};  power (good) {power:.3f}")
    print(f"({time.perf_counter() - start:.0f} s)")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
