"""Shared machinery of the CLV models: input checks, compression, maximum likelihood.

Both models are fitted by maximising a weighted log-likelihood over the *distinct*
customer summaries (customers with the same inputs contribute identical terms), in log
parameter space with an analytic gradient, by BFGS (SciPy).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence

import numpy as np
from scipy.optimize import OptimizeResult, minimize

from retention_core.errors import ModelError

# Log-parameters are kept in [-LOG_BOUND, LOG_BOUND] so that a wandering line search cannot
# overflow. The models rescale time and money so that their parameters are of order 1; an
# optimum beyond [1e-5, 1e5] means the likelihood keeps rising along a ridge (e.g. nobody
# seems to drop out, or every customer buys at the same rate): no usable estimate.
LOG_BOUND = 25.0
LOG_EXTREME = float(np.log(1e5))
GRADIENT_TOLERANCE = 1e-5
"""Largest gradient (of the mean negative log-likelihood per customer, in log-parameters)
of an accepted optimum when BFGS stops short of its own ``gtol``."""
RIDGE = 10.0
RIDGE_TOLERANCE = 1e-4
STALLED_SEARCH = 8
"""Past ``exp(RIDGE)`` (22,026) for every parameter that may run off, the model is at its
limit (BG/NBD: a and b together, Beta(a, b) a point mass: customers share one dropout
probability). The likelihood then rises by ever less along the ridge, and the gradient
there is differences of digammas of huge arguments, accurate to ~1e-5. BFGS is stopped
once the gradient is within ``GRADIENT_TOLERANCE`` (crawling on changes P(alive) by less
than 5e-5, tests/test_bgnbd.py), and a stop for precision loss is accepted within
``RIDGE_TOLERANCE``. Such a stop ends a line search that finds no better point in the
noise (10M benchmark: ~50 evaluations); past ``STALLED_SEARCH`` evaluations from an
accepted point within ``RIDGE_TOLERANCE`` the search is cut short with that point, which
is what BFGS returns when it gives up (a search that would still have taken a point moves
the predictions by less than 5e-5, tests/test_bgnbd.py)."""


def as_float_array(values: object, name: str) -> np.ndarray:
    """``values`` as a 1-d float array; a ModelError names the column if it is unusable."""
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError):
        raise ModelError(f"Column {name} must hold numbers") from None
    if array.ndim != 1:
        array = array.reshape(-1)
    if not np.all(np.isfinite(array)):
        raise ModelError(f"Column {name} has missing or infinite values; "
                         "remove those customers before fitting")
    return array


def dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of two 1-d arrays without BLAS.

    A BLAS ``ddot`` spins up threads that stall badly on a busy machine; einsum stays on
    one core and is as fast for the sizes here.
    """
    return float(np.einsum("i,i->", a, b))


def compress(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Distinct rows of the given columns, their counts and the inverse index.

    Returns ``(unique_columns, counts, inverse)`` with ``column[i] ==
    unique_columns[j][inverse[i]]``, the distinct rows in lexicographic order. Fitting on
    the distinct rows with ``counts`` as weights gives the same likelihood as fitting on
    every customer. Columns of non-negative integers (whole days, purchase counts) are
    combined directly, without sorting each column first.
    """
    if columns and all(_small_naturals(c) for c in columns):
        return _compress_naturals(columns)
    values, codes, sizes = [], [], []
    for column in columns:
        distinct, code = np.unique(column, return_inverse=True)
        values.append(distinct)
        codes.append(code.reshape(-1).astype(np.int64))
        sizes.append(len(distinct))
    if float(np.prod(np.asarray(sizes, dtype=float))) < 2.0**62:
        key = codes[0]
        for code, size in zip(codes[1:], sizes[1:], strict=True):
            key = key * size + code  # mixed-radix number: one integer per distinct row
        distinct_keys, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
        unique_codes = []
        for size in reversed(sizes):
            unique_codes.append(distinct_keys % size)
            distinct_keys = distinct_keys // size
        unique_codes.reverse()
    else:  # astronomically many combinations: sort the rows instead
        stacked = np.column_stack(codes)
        distinct_rows, inverse, counts = np.unique(stacked, axis=0, return_inverse=True,
                                                   return_counts=True)
        unique_codes = [distinct_rows[:, j] for j in range(len(codes))]
    uniques = [v[c] for v, c in zip(values, unique_codes, strict=True)]
    return uniques, counts.astype(float), inverse.reshape(-1)


def _small_naturals(column: np.ndarray) -> bool:
    return (isinstance(column, np.ndarray) and column.ndim == 1
            and np.issubdtype(column.dtype, np.integer)
            and (column.size == 0 or 0 <= int(column.min()) and int(column.max()) < 2**31))


def _compress_naturals(columns: Sequence[np.ndarray]) -> tuple[list[np.ndarray], np.ndarray,
                                                                   np.ndarray]:
    """:func:`compress` of non-negative integer columns: the values themselves are the
    digits of the mixed-radix key (one sort of the keys instead of one per column)."""
    sizes = [int(c.max()) + 1 if c.size else 1 for c in columns]
    if float(np.prod(np.asarray(sizes, dtype=float))) >= 2.0**62:
        stacked = np.column_stack(columns)
        rows, inverse, counts = np.unique(stacked, axis=0, return_inverse=True,
                                          return_counts=True)
        return ([rows[:, j] for j in range(len(columns))], counts.astype(float),
                inverse.reshape(-1))
    key = columns[0].astype(np.int64)
    for column, size in zip(columns[1:], sizes[1:], strict=True):
        key = key * size + column
    distinct, inverse, counts = np.unique(key, return_inverse=True, return_counts=True)
    uniques = []
    for column, size in zip(reversed(columns), reversed(sizes), strict=True):
        uniques.append((distinct % size).astype(column.dtype))
        distinct = distinct // size
    uniques.reverse()
    return uniques, counts.astype(float), inverse.reshape(-1)


class _Settled(Exception):
    """A line search on the ridge that has not found a better point in ``STALLED_SEARCH``
    evaluations, from a point whose gradient is already within ``RIDGE_TOLERANCE``."""


def maximise(neg_loglik: Callable[[np.ndarray], tuple[float, np.ndarray]],
             starts: Sequence[Sequence[float]], *, model: str, advice: str,
             extreme: str = "", may_run_off: Sequence[int] = ()) -> np.ndarray:
    """Minimise ``neg_loglik(log_params) -> (value, gradient)`` from several starts.

    BFGS with the analytic gradient (L-BFGS-B's small LAPACK calls stall on a busy machine
    when OpenBLAS spins up threads; BFGS stays in NumPy). Steps beyond ``LOG_BOUND`` are
    refused by returning an infinite value, which the line search backs off from. The first
    start that converges to a finite optimum inside [1e-5, 1e5] is kept; the next starts
    run only when one failed. Raises :class:`ModelError` with ``advice`` when no start
    converges; ``extreme`` explains an optimum at an extreme value. Parameters whose index
    is in ``may_run_off`` may end anywhere inside ``LOG_BOUND``: a model whose limit there
    is meaningful (BG/NBD without dropout) checks that itself. Once all of them are past
    ``RIDGE``, the fit stops as soon as the gradient is within ``GRADIENT_TOLERANCE``
    (see ``RIDGE``).
    """
    checked = np.array([i not in may_run_off for i in range(len(starts[0]))])
    run_off = np.array(sorted(may_run_off), dtype=int)
    last: dict[bytes, np.ndarray] = {}  # the gradient at the last point evaluated
    # the last point BFGS accepted (x, value, gradient) and evaluations since
    accepted: dict = {"point": None, "since": 0}

    def guarded(theta: np.ndarray) -> tuple[float, np.ndarray]:
        if np.any(np.abs(theta) > LOG_BOUND):
            return np.inf, np.zeros_like(theta)
        accepted["since"] += 1
        point = accepted["point"]
        if (accepted["since"] > STALLED_SEARCH and point is not None and on_ridge(point[0])
                and np.max(np.abs(point[2])) <= RIDGE_TOLERANCE):
            raise _Settled
        value, grad = neg_loglik(theta)
        if not np.isfinite(value) or not np.all(np.isfinite(grad)):
            return np.inf, np.zeros_like(theta)
        last.clear()
        last[theta.tobytes()] = grad
        return value, grad

    def on_ridge(theta: np.ndarray) -> bool:
        return run_off.size > 0 and bool(np.all(theta[run_off] > RIDGE))

    def stop_on_ridge(intermediate_result) -> None:
        # BFGS evaluates the gradient at each accepted point, so it is the last one seen
        grad = last.get(intermediate_result.x.tobytes())
        if grad is None:
            return
        accepted.update(point=(intermediate_result.x.copy(), intermediate_result.fun, grad),
                        since=0)
        if on_ridge(intermediate_result.x) and np.max(np.abs(grad)) <= GRADIENT_TOLERANCE:
            raise StopIteration

    best = None
    reasons = []
    for start in starts:
        accepted.update(point=None, since=0)
        with np.errstate(all="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            try:
                res = minimize(guarded, np.asarray(start, dtype=float), jac=True,
                               method="BFGS", options={"maxiter": 1000, "gtol": 1e-8},
                               callback=stop_on_ridge if run_off.size else None)
            except _Settled:  # what BFGS returns when that line search fails, sooner
                x, value, grad = accepted["point"]
                res = OptimizeResult(x=x, fun=value, jac=grad, success=False)
        gradient = np.max(np.abs(res.jac)) if np.all(np.isfinite(res.jac)) else np.inf
        if not np.isfinite(res.fun) or not np.all(np.isfinite(res.x)):
            reasons.append("the likelihood became undefined")
            continue
        if np.any(np.abs(res.x[checked]) >= LOG_EXTREME):
            reasons.append("a parameter ran off to an extreme value" + (f": {extreme}"
                                                                        if extreme else ""))
            continue
        tolerance = RIDGE_TOLERANCE if on_ridge(res.x) else GRADIENT_TOLERANCE
        if not res.success and gradient > tolerance:
            reasons.append("the optimiser stopped without settling")
            continue
        if best is None or res.fun < best.fun:
            best = res
        break
    if best is None:
        why = "; ".join(dict.fromkeys(reasons)) or "no start converged"
        raise ModelError(f"The {model} fit did not converge ({why}). {advice}")
    return best.x
