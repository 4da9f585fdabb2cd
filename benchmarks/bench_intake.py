"""Time `run_intake` (read, map, link, validate) on a SYNTHETIC round of 80 tasks, 2000 leaderboard entries.

Run: ``.venv/bin/python benchmarks/bench_intake.py``. The exports have 150, 600 and 2400 responses; team names
are built from a small vocabulary, so many are near-duplicates and linking has to score every candidate.
Target: 600 responses against 2000 entries in under 5 s (a survey round is linked in the time of a click).
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

import pandas as pd

from challengelab.intake import run_intake

from _timing import best_of  # noqa: E402 - benchmarks/ is on sys.path when run as a script

TARGET_SECONDS_600 = 5.0
WORDS = ["deep", "seg", "net", "lab", "vision", "ai", "med", "unet", "team", "alpha", "beta", "gamma", "cell"]


def _files(folder: Path, n_responses: int, seed: int = 1) -> tuple[Path, Path, Path]:
    rng = random.Random(seed)
    tasks = pd.DataFrame([(f"T{i}", f"C{i // 2}", f"Challenge {i // 2} on medical imaging", "MICCAI", 2021,
                           f"task {i % 2}", "segmentation", "CT") for i in range(80)],
                         columns=["task_id", "challenge_id", "challenge_name", "conference", "year", "task_name",
                                  "task_category", "modality"])
    entries = []
    for task in tasks.itertuples():
        teams: set[str] = set()
        while len(teams) < 25:
            teams.add(" ".join(rng.sample(WORDS, 2)) + str(rng.randint(0, 99)))
        entries += [(task.task_id, team, rank) for rank, team in enumerate(sorted(teams), start=1)]
    board = pd.DataFrame(entries, columns=["task_id", "team", "rank"])
    chosen = board.sample(n_responses, random_state=seed, replace=n_responses > len(board))
    names = dict(zip(tasks["task_id"], tasks["challenge_name"]))
    task_names = dict(zip(tasks["task_id"], tasks["task_name"]))
    export = pd.DataFrame({"Team": chosen["team"], "Challenge": chosen["task_id"].map(names),
                           "Task": chosen["task_id"].map(task_names), "augmentation": "yes", "lead_degree": "master"})
    paths = folder / "tasks.csv", folder / "leaderboards.csv", folder / "export_synthetic.csv"
    tasks.to_csv(paths[0], index=False)
    board.to_csv(paths[1], index=False)
    export.to_csv(paths[2], index=False)
    return paths


def main() -> int:
    seconds_600 = None
    with tempfile.TemporaryDirectory() as tmp:
        for n in (150, 600, 2400):
            tasks, board, export = _files(Path(tmp), n)
            counts = run_intake(export, tasks, board).counts()
            seconds = best_of(lambda: run_intake(export, tasks, board), 1 if n > 600 else 3)
            print(f"intake {n:>5} responses x 2000 entries: {seconds:6.2f} s  ({counts['linked']} linked, "
                  f"{counts['review']} for review)")
            seconds_600 = seconds if n == 600 else seconds_600
    print(f"600 responses: {seconds_600:.2f} s; target < {TARGET_SECONDS_600:g} s "
          f"({'met' if seconds_600 < TARGET_SECONDS_600 else 'MISSED'})")
    return 0 if seconds_600 < TARGET_SECONDS_600 else 1


if __name__ == "__main__":
    sys.exit(main())
