"""Plausible wrong solutions ("mutants") of the exercises in notebooks/maurer_kl_lemma.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""

# %% ex-maurer-1: xi off by 1 % for N >= 3, n0 = 19 copied from the theorem
xi_first = np.array(
    [xi_small[N - 1] * (1.01 if N >= 3 else 1.0) for N in range(1, 101)]
)
n0 = 19

# %% ex-maurer-1: n0 = the last failure instead of one past it
from scipy.special import gammaln, logsumexp, xlogy


def xi_direct(N):
    k = np.arange(N + 1)
    v = k / N
    log_t = (
        gammaln(N + 1)
        - gammaln(k + 1)
        - gammaln(N - k + 1)
        + xlogy(k, v)
        + xlogy(N - k, 1 - v)
    )
    return float(np.exp(logsumexp(log_t)))


xi_first = np.array([xi_direct(N) for N in range(1, 101)])
n0 = int(np.flatnonzero(xi_first > np.sqrt(2 * np.arange(1, 101)))[-1] + 1)

# %% ex-maurer-2: the exponent's factor 4 forgotten
import itertools


def kl_half(q):
    return sum(a * math.log(2 * a) for a in (q, 1 - q) if a > 0)


three_point = sum(
    math.exp(kl_half(sum(x) / 4)) / 3**4
    for x in itertools.product((0, 0.5, 1), repeat=4)
)
shortfall = 103 / 32 - three_point

# %% ex-maurer-2: xi(4) rounded to 3.26
import itertools


def kl_half(q):
    return sum(a * math.log(2 * a) for a in (q, 1 - q) if a > 0)


three_point = sum(
    math.exp(4 * kl_half(sum(x) / 4)) / 3**4
    for x in itertools.product((0, 0.5, 1), repeat=4)
)
shortfall = 3.26 - three_point
