"""Exact conditional test of a common odds ratio in stratified 2 x 2 tables (R ``mantelhaen.test(exact=TRUE)``)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import fft as sfft
from scipy import optimize, stats
from scipy.special import gammaln

from challengelab.stats._design import binary_vector, check_columns, complete_cases


@dataclass(frozen=True)
class StratifiedTables:
    """Per-stratum 2 x 2 counts of the informative strata: exposed cases ``a``, exposed ``n1``, unexposed
    ``n0``, cases ``k``; ``a_dropped`` is the number of exposed cases in the dropped strata."""

    a: np.ndarray
    n1: np.ndarray
    n0: np.ndarray
    k: np.ndarray
    n_dropped: int
    n_missing: int
    a_dropped: int = 0

    @property
    def tables(self) -> np.ndarray:
        """Shape (S, 2, 2): rows exposed / unexposed, columns case / non-case."""
        a, b = self.a, self.n1 - self.a
        c = self.k - self.a
        d = self.n0 - c
        return np.stack([np.stack([a, b], axis=-1), np.stack([c, d], axis=-1)], axis=1)


def stratified_tables(data: pd.DataFrame, exposure: str, outcome: str, strata: str) -> StratifiedTables:
    """Counts per stratum; strata without information (a zero margin) are dropped and counted."""
    check_columns(data, [exposure, outcome, strata])
    complete, n_missing = complete_cases(data, [exposure, outcome, strata])
    x = binary_vector(complete[exposure], exposure)
    y = binary_vector(complete[outcome], outcome)
    codes = pd.factorize(complete[strata])[0]
    return tables_from_arrays(x, y, codes, n_missing)


def tables_from_arrays(x: np.ndarray, y: np.ndarray, codes: np.ndarray, n_missing: int = 0) -> StratifiedTables:
    """:class:`StratifiedTables` from complete 0/1 arrays and integer stratum codes."""
    size = np.bincount(codes).astype(float)
    n1 = np.bincount(codes, weights=x, minlength=len(size))
    k = np.bincount(codes, weights=y, minlength=len(size))
    a = np.bincount(codes, weights=x * y, minlength=len(size))
    n0 = size - n1
    informative = (n1 > 0) & (n0 > 0) & (k > 0) & (k < size)
    return StratifiedTables(a[informative].astype(int), n1[informative].astype(int),
                            n0[informative].astype(int), k[informative].astype(int),
                            int((~informative).sum()), n_missing, int(a[~informative].sum()))


def exact_cmh(
    data: pd.DataFrame,
    exposure: str,
    outcome: str,
    strata: str,
    alternative: str = "two-sided",
    ci_level: float = 0.95,
) -> dict:
    """Exact conditional test of a common odds ratio of 1 across strata (stratified Fisher test).

    The statistic is the number of exposed cases summed over strata. Given all margins, each stratum's count
    is hypergeometric under the null and their sum has the convolution distribution. The two-sided p-value
    sums the probabilities of all values at most as likely as the observed one (relative tolerance 1e-7),
    the estimate is the conditional maximum-likelihood common odds ratio and the confidence interval inverts
    the two one-sided tests, exactly as R ``mantelhaen.test(x, exact = TRUE)``. Strata with a zero margin
    (no exposed or no unexposed rows, no cases or no non-cases) carry no information and are dropped.

    Parameters
    ----------
    data : pandas.DataFrame
    exposure, outcome : str
        Binary columns (bool or 0/1).
    strata : str
        Stratum column (e.g. the task).
    alternative : {"two-sided", "less", "greater"}
    ci_level : float

    Returns
    -------
    dict
        ``statistic, p_value, odds_ratio, ci_low, ci_high, n_strata, n_strata_dropped, n_missing, n_obs``.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.stats import exact_cmh
    >>> d = pd.DataFrame({"task": [1] * 4 + [2] * 4, "win": [1, 0, 0, 0] * 2,
    ...                   "aug": [1, 1, 0, 0, 1, 0, 1, 0]})
    >>> res = exact_cmh(d, "aug", "win", "task")
    >>> res["statistic"], round(res["p_value"], 4)
    (2, 0.5)
    """
    if alternative not in ("two-sided", "less", "greater"):
        raise ValueError(f"alternative must be 'two-sided', 'less' or 'greater', not {alternative!r}")
    t = stratified_tables(data, exposure, outcome, strata)
    # like R, the statistic counts the exposed cases of all strata (dropped strata add a constant)
    out = {"statistic": int(t.a.sum()) + t.a_dropped, "n_strata": len(t.a), "n_strata_dropped": t.n_dropped,
           "n_missing": t.n_missing, "n_obs": int((t.n1 + t.n0).sum())}
    if len(t.a) == 0:
        raise ValueError(
            f"no stratum of {strata!r} has both values of {exposure!r} and of {outcome!r}; the exact test needs "
            "at least one informative stratum"
        )
    out.update(exact_conditional_test(t, alternative, ci_level))
    return out


class _SumOfHypergeometrics:
    """Distribution of the sum over strata of (noncentral) hypergeometric counts, for a common odds ratio.

    Strata with identical margins share one distribution, raised to its multiplicity by repeated squaring;
    the rest are combined by pairwise convolution (normalised at each step, as R's ``d2x2xk``). The
    distribution is always computed *tilted* to the odds ratio at hand, so probabilities near the observed
    value never underflow even with thousands of strata.
    """

    def __init__(self, n1: np.ndarray, n0: np.ndarray, k: np.ndarray):
        margins, self.count = np.unique(np.column_stack([n1, n0, k]), axis=0, return_counts=True)
        m1, m0, kk = margins.T
        self.lo = np.maximum(0, kk - m0)
        hi = np.minimum(kk, m1)
        width = int((hi - self.lo).max()) + 1
        self.values = self.lo[:, None] + np.arange(width)[None, :]
        inside = self.values <= hi[:, None]
        logp = _log_hypergeom(self.values, m1[:, None], m0[:, None], kk[:, None])
        self.logp = np.where(inside, logp, -np.inf)
        self.width = hi - self.lo + 1
        self.start = int((self.lo * self.count).sum())
        self.stop = int((hi * self.count).sum())

    def stratum_pmfs(self, u: float) -> np.ndarray:
        d = self.logp + u * self.values
        d = np.exp(d - d.max(axis=1, keepdims=True))
        return d / d.sum(axis=1, keepdims=True)

    def mean(self, u: float) -> float:
        return float(((self.stratum_pmfs(u) * self.values).sum(axis=1) * self.count).sum())

    def pmf(self, u: float, exact: bool = True) -> np.ndarray:
        """Probabilities of start, start + 1, ..., stop.

        ``exact=False`` allows FFT convolution of long arrays: absolute errors of about 1e-16, harmless for
        tail sums near a significance level (the interval), but not for tiny point probabilities (p-values).
        """
        conv = np.convolve if exact else _fast_convolve
        power = _power if exact else _fft_power
        parts = []
        for p, c, w in zip(self.stratum_pmfs(u), self.count, self.width, strict=True):
            parts.append(power(p[:w], int(c)))
        while len(parts) > 1:  # convolutions of distributions stay normalised (no underflow, no overflow)
            merged = [conv(parts[i], parts[i + 1]) for i in range(0, len(parts) - 1, 2)]
            if len(parts) % 2:
                merged.append(parts[-1])
            parts = merged
        return _normalise(parts[0])


def _log_hypergeom(a: np.ndarray, n1: np.ndarray, n0: np.ndarray, k: np.ndarray) -> np.ndarray:
    """log P(A = a) for A hypergeometric: k draws from n1 exposed and n0 unexposed (-inf outside the support)."""
    def log_choose(n, r):
        return gammaln(n + 1) - gammaln(r + 1) - gammaln(n - r + 1)

    inside = (a >= 0) & (a <= n1) & (k - a >= 0) & (k - a <= n0)
    a_in, b_in = np.where(inside, a, 0), np.where(inside, k - a, 0)
    out = log_choose(n1, a_in) + log_choose(n0, b_in) - log_choose(n1 + n0, k)
    return np.where(inside, out, -np.inf)


def _normalise(p: np.ndarray) -> np.ndarray:
    return p / p.sum()


def _fast_convolve(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    if min(len(a), len(b)) < 300:
        return np.convolve(a, b)
    n = len(a) + len(b) - 1
    size = sfft.next_fast_len(n, real=True)
    out = np.fft.irfft(np.fft.rfft(a, size) * np.fft.rfft(b, size), size)[:n]
    return np.clip(out, 0.0, None)


def _power(p: np.ndarray, n: int) -> np.ndarray:
    """n-fold convolution of a distribution with itself (exact: repeated squaring, direct convolutions)."""
    if n == 1:
        return p
    result = np.ones(1)
    while n:
        if n & 1:
            result = np.convolve(result, p)
        n >>= 1
        if n:
            p = np.convolve(p, p)
    return result


def _fft_power(p: np.ndarray, n: int) -> np.ndarray:
    """n-fold convolution of a distribution with itself by one FFT (absolute error about n * 1e-16)."""
    if n == 1 or len(p) == 1:
        return p if n == 1 else np.ones(1)
    length = n * (len(p) - 1) + 1
    if length < 300:
        return _power(p, n)
    size = sfft.next_fast_len(length, real=True)
    out = np.fft.irfft(np.fft.rfft(p, size) ** n, size)[:length]
    return np.clip(out, 0.0, None)


def _p_value(dc: np.ndarray, index: int, alternative: str) -> float:
    """p-value from the null distribution ``dc`` of the statistic; ``index`` = observed - smallest value.

    Two-sided: the total probability of values at most as likely as the observed one (relative tolerance
    1e-7), as R.
    """
    if alternative == "less":
        return float(dc[: index + 1].sum())
    if alternative == "greater":
        return float(dc[index:].sum())
    return float(dc[dc <= dc[index] * (1 + 1e-7)].sum())


def exact_conditional_test(t: StratifiedTables, alternative: str = "two-sided", ci_level: float = 0.95) -> dict:
    """p-value, conditional MLE and exact CI from per-stratum counts (see :func:`exact_cmh`).

    Roots are found on the log odds-ratio scale to 1e-12 (R uses ``uniroot``'s default tolerance of about
    1e-4 on the odds-ratio scale, so R's estimate and interval can differ from these in the 4th digit).
    """
    dist = _SumOfHypergeometrics(t.n1, t.n0, t.k)
    lo, hi = dist.start, dist.stop
    s = int(t.a.sum())
    p = _p_value(dist.pmf(0.0, exact=False), s - lo, alternative)
    if p < 1e-6:  # FFT rounding (about 1e-16 per value) could matter: redo with exact convolutions
        p = _p_value(dist.pmf(0.0, exact=True), s - lo, alternative)

    if s == lo:
        estimate, u_hat = 0.0, -5.0
    elif s == hi:
        estimate, u_hat = np.inf, 5.0
    else:  # conditional MLE: the expected statistic equals the observed one (no convolution needed)
        estimate = _solve(lambda u: dist.mean(u) - s, 0.0)
        u_hat = float(np.log(estimate))

    alpha = (1 - ci_level) / 2 if alternative == "two-sided" else 1 - ci_level
    upper = np.inf if s == hi or alternative == "greater" else _bound(dist, s, False, u_hat, alpha)
    lower = 0.0 if s == lo or alternative == "less" else _bound(dist, s, True, u_hat, alpha)
    return {"p_value": min(1.0, p), "odds_ratio": estimate, "ci_low": lower, "ci_high": upper}


def asymptotic_cmh(t: StratifiedTables, ci_level: float = 0.95, correct: bool = True) -> dict:
    """Cochran-Mantel-Haenszel test, Mantel-Haenszel odds ratio and its interval, as R ``mantelhaen.test``.

    The continuity correction (``correct``) subtracts 0.5 from the absolute deviation of the exposed-case
    total from its expectation only when that deviation is at least 0.5 (R's rule), so an exactly null table
    gets p = 1. The interval is the Robins-Breslow-Greenland one. Strata with a zero margin contribute nothing
    to any of these sums.

    Examples
    --------
    >>> import numpy as np
    >>> from challengelab.stats.cmh import StratifiedTables, asymptotic_cmh
    >>> t = StratifiedTables(a=np.array([1, 1]), n1=np.array([2, 2]), n0=np.array([2, 2]), k=np.array([2, 2]),
    ...                      n_dropped=0, n_missing=0)
    >>> asymptotic_cmh(t)["p_value"]
    1.0
    """
    a, b, c, d = (v.astype(float) for v in (t.a, t.n1 - t.a, t.k - t.a, t.n0 - t.k + t.a))
    n = a + b + c + d
    n1, k = a + b, a + c
    delta = float((a - n1 * k / n).sum())
    yates = 0.5 if correct and abs(delta) >= 0.5 else 0.0
    variance = float((n1 * (n - n1) * k * (n - k) / (n ** 2 * (n - 1))).sum())
    statistic = (abs(delta) - yates) ** 2 / variance if variance > 0 else np.nan
    diag, offd = np.float64((a * d / n).sum()), np.float64((b * c / n).sum())
    with np.errstate(divide="ignore", invalid="ignore"):
        estimate = diag / offd
        sd = np.sqrt(((a + d) * a * d / n ** 2).sum() / (2 * diag ** 2)
                     + (((a + d) * b * c + (b + c) * a * d) / n ** 2).sum() / (2 * diag * offd)
                     + ((b + c) * b * c / n ** 2).sum() / (2 * offd ** 2))
        z = stats.norm.ppf(0.5 + ci_level / 2)
        low, high = estimate * np.exp(-z * sd), estimate * np.exp(z * sd)
    return {"statistic": float(statistic), "p_value": float(stats.chi2.sf(statistic, 1)),
            "odds_ratio": float(estimate), "ci_low": float(low), "ci_high": float(high)}


def mantel_haenszel(
    data: pd.DataFrame,
    exposure: str,
    outcome: str,
    strata: str,
    correct: bool = True,
    ci_level: float = 0.95,
) -> dict:
    """Asymptotic Cochran-Mantel-Haenszel test of stratified 2 x 2 tables, as R ``mantelhaen.test``.

    Parameters
    ----------
    data : pandas.DataFrame
    exposure, outcome : str
        Binary columns (bool or 0/1).
    strata : str
    correct : bool
        R's continuity correction (applied only when the deviation is at least 0.5).
    ci_level : float

    Returns
    -------
    dict
        ``statistic, p_value, odds_ratio, ci_low, ci_high, n_strata, n_strata_dropped, n_missing, n_obs``.

    Examples
    --------
    >>> import pandas as pd
    >>> from challengelab.stats.cmh import mantel_haenszel
    >>> d = pd.DataFrame({"task": [1] * 4 + [2] * 4, "win": [1, 1, 0, 0] * 2, "x": [1, 0, 1, 0] * 2})
    >>> mantel_haenszel(d, "x", "win", "task")["p_value"]
    1.0
    """
    t = stratified_tables(data, exposure, outcome, strata)
    if len(t.a) == 0:
        raise ValueError(f"no stratum of {strata!r} has both values of {exposure!r} and of {outcome!r}")
    out = asymptotic_cmh(t, ci_level, correct)
    out.update(n_strata=len(t.a), n_strata_dropped=t.n_dropped, n_missing=t.n_missing,
               n_obs=int((t.n1 + t.n0).sum()))
    return out


def _tail(dist: _SumOfHypergeometrics, s: int, u: float, upper: bool) -> tuple[float, float]:
    """P(S >= s) (upper) or P(S <= s) at log odds ratio u, and its derivative in u.

    d/du P(S in A) = E[S; A] - E[S] P(A) for the exponentially tilted distribution.
    """
    lo = dist.start
    d = dist.pmf(u, exact=False)
    values = lo + np.arange(len(d))
    part = d[s - lo:] if upper else d[: s - lo + 1]
    part_values = values[s - lo:] if upper else values[: s - lo + 1]
    prob = float(part.sum())
    return prob, float(part @ part_values - prob * (d @ values))


def _solve(f, guess: float) -> float:
    """exp(root) of a function increasing in the log odds ratio u, searched outward from a guess."""
    a, b = guess - 0.5, guess + 0.5
    while f(a) > 0 and a > -1e3:
        a -= 2 * (b - a)
    while f(b) < 0 and b < 1e3:
        b += 2 * (b - a)
    return float(np.exp(optimize.brentq(f, a, b, xtol=1e-12, rtol=1e-14)))

def _bound(dist: _SumOfHypergeometrics, s: int, upper: bool, guess: float, alpha: float) -> float:
    """exp(u) where the tail probability equals alpha: safeguarded Newton on log(tail), which is
    monotone in u (increasing for the upper tail, decreasing for the lower tail)."""
    sign = 1.0 if upper else -1.0
    inside, outside = None, None  # tail < alpha (u not yet far enough) / tail > alpha
    u = guess
    for _ in range(100):
        prob, slope = _tail(dist, s, u, upper)
        g = np.log(max(prob, 1e-300)) - np.log(alpha)
        if abs(g) < 1e-10:
            return float(np.exp(u))
        if g > 0:
            outside = u
        else:
            inside = u
        step = -g * prob / slope if slope != 0 and prob > 0 else np.nan
        candidate = u + step if np.isfinite(step) else np.nan
        if inside is not None and outside is not None:
            lo_u, hi_u = sorted((inside, outside))
            if not lo_u < candidate < hi_u:
                candidate = (inside + outside) / 2
            if hi_u - lo_u < 1e-12:
                return float(np.exp(candidate))
        elif not np.isfinite(candidate) or abs(candidate - u) > 5:
            candidate = u - sign * 5 if g > 0 else u + sign * 5
        u = candidate
    return float(np.exp(u))
