"""Rankings from per-case results and their uncertainty (challengeR's capabilities, natively in Python).

Load and validate per-case results with :func:`load_assessment`, rank them with :func:`rank` (described by a
:class:`RankingSpec`), quantify the ranking's uncertainty with :func:`bootstrap`, compare rankings with
:func:`kendall_tau` / :func:`spearman_footrule`, test pairs with :func:`significance_map` and combine tasks
with :func:`consensus`; :func:`link` attaches
rankings and their bootstrap distributions to survey responses. Figures live in :mod:`challengelab.figures.ranking`.
"""

from challengelab.ranking.assessment import (
    Assessment,
    AssessmentValidationError,
    load_assessment,
)
from challengelab.ranking.bootstrap import BootstrapResult, SingleCaseTaskWarning, bootstrap
from challengelab.ranking.compare import kendall_tau, spearman_footrule, task_agreement
from challengelab.ranking.consensus import consensus
from challengelab.ranking.link import RankingLink, StrategyRobustness, link
from challengelab.ranking.methods import MissingValuesError, case_ranks, rank
from challengelab.ranking.significance import pairwise_tests, significance_map
from challengelab.ranking.spec import RankingSpec

__all__ = [
    "Assessment",
    "AssessmentValidationError",
    "BootstrapResult",
    "MissingValuesError",
    "RankingLink",
    "RankingSpec",
    "SingleCaseTaskWarning",
    "StrategyRobustness",
    "bootstrap",
    "case_ranks",
    "consensus",
    "kendall_tau",
    "link",
    "load_assessment",
    "pairwise_tests",
    "rank",
    "significance_map",
    "spearman_footrule",
    "task_agreement",
]
