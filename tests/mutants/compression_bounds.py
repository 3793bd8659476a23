"""Plausible wrong solutions ("mutants") of the exercises in notebooks/compression_bounds.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""


# %% ex-compression-1: the first power of two that is enough (no bisection)
def m_needed(bits, eps, delta):
    m = 1
    while bounds.fast_rate_bound(0.0, bits, m, delta) > eps:
        m *= 2
    return m


# %% ex-compression-1: the Occam bound instead of the fast-rate bound
def m_needed(bits, eps, delta):
    m = 1
    while bounds.occam_bound(0.0, bits, m, delta) > eps:
        m *= 2
    lo, hi = m // 2, m
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if bounds.occam_bound(0.0, bits, mid, delta) <= eps:
            hi = mid
        else:
            lo = mid
    return hi


# %% ex-compression-2: log2(D) without the ceiling
from scipy.special import gammaln, logsumexp


def kraft_sparse(D, with_count):
    s = np.arange(D + 1)
    lengths = (math.log2(D) + 32) * s
    if with_count:
        lengths = lengths + math.log2(D + 1)
    log_words = gammaln(D + 1) - gammaln(s + 1) - gammaln(D - s + 1) + 32 * s * LN2
    return float(np.exp(logsumexp(log_words - lengths * LN2)))


# %% ex-compression-2: the count is always included
from scipy.special import gammaln, logsumexp


def kraft_sparse(D, with_count):
    s = np.arange(D + 1)
    lengths = bounds.sparse_code_bits(D, s)
    log_words = gammaln(D + 1) - gammaln(s + 1) - gammaln(D - s + 1) + 32 * s * LN2
    return float(np.exp(logsumexp(log_words - lengths * LN2)))


# %% ex-compression-1: stop when the budget c <= eps (kl_inv_upper(0, c) <= c relaxed)
def m_needed(bits, eps, delta):
    m = 1
    while bounds.fast_rate_budget(bits, m, delta) > eps:
        m *= 2
    lo, hi = m // 2, m
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if bounds.fast_rate_budget(bits, mid, delta) <= eps:
            hi = mid
        else:
            lo = mid
    return hi


# %% ex-compression-2: a count field of ceil(log2 D) bits instead of ceil(log2(D + 1))
from scipy.special import gammaln, logsumexp


def kraft_sparse(D, with_count):
    s = np.arange(D + 1)
    lengths = (math.ceil(math.log2(D)) + 32) * s
    if with_count:
        lengths = lengths + math.ceil(math.log2(D))
    log_words = gammaln(D + 1) - gammaln(s + 1) - gammaln(D - s + 1) + 32 * s * LN2
    return float(np.exp(logsumexp(log_words - lengths * LN2)))
