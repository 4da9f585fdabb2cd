"""Write mice_sets.csv: 5 data sets completed by challengelab.stats.imputation.impute (chained equations, PMM) from sim.csv with answers
removed at random (x1, x3: 15 %). make_reference_issue10.R fits and pools them with mice::pool.

Run from the repository root: ``python tests/reference/stats/make_imputed_sets.py``.
"""

from pathlib import Path

import numpy as np
import pandas as pd

from challengelab.stats.imputation import impute

HERE = Path(__file__).parent
sim = pd.read_csv(HERE / "sim.csv")
rng = np.random.default_rng(10)
data = sim.copy()
for column in ("x1", "x3"):
    data[column] = data[column].astype(float).mask(rng.random(len(data)) < 0.15)
sets = impute(data, ["x1", "x2", "x3"], n_imputations=5, seed=3, auxiliary=["winner", "rank"])
out = pd.concat([s.assign(imp=i + 1) for i, s in enumerate(sets)], ignore_index=True)
out[["imp", "task", "rank", "winner", "top3", "x1", "x2", "x3"]].to_csv(HERE / "mice_sets.csv", index=False)
print(f"{len(sets)} imputed data sets, {int(data[['x1', 'x3']].isna().any(axis=1).sum())} incomplete rows")
