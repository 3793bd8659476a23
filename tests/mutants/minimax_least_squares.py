"""Plausible wrong solutions ("mutants") of the exercises in notebooks/minimax_least_squares.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""

# %% ex-minimax-1: a strict inequality: one sample too many in both
n_param = int(np.floor(3 + 1 + 111 / 0.5)) + 1
n_pred = int(np.floor(3 + 1 + 3 / 0.5)) + 1

# %% ex-minimax-1: the offset d + 1 forgotten in the prediction norm
Sigma_ex = np.diag([1.0, 0.1, 0.01])
n_param = int(np.ceil(3 + 1 + np.trace(np.linalg.inv(Sigma_ex)) / 0.5))
n_pred = int(np.ceil(3 / 0.5))


# %% ex-minimax-2: 1/k, the mean of chi^2 inverted
def mean_inv_chi2(k):
    return 1.0 / k


# %% ex-minimax-2: 1/(k - 2) without the divergence at k <= 2
def mean_inv_chi2(k):
    return 1.0 / (k - 2) if k != 2 else np.inf


# %% ex-minimax-3: beta* = t e_1 instead of t e_3
X_ex = gaussian_design(np.diag([1.0, 1.0, 0.0]), 30, 1, np.random.default_rng(0))[0]
risks = np.array(
    [ridge_risk(X_ex, t * np.eye(3)[0], 1.0, 1.0) for t in (1.0, 10.0, 100.0)]
)

# %% ex-minimax-3: a different design (seed 1)
X_ex = gaussian_design(np.diag([1.0, 1.0, 0.0]), 30, 1, np.random.default_rng(1))[0]
risks = np.array(
    [ridge_risk(X_ex, t * np.eye(3)[2], 1.0, 1.0) for t in (1.0, 10.0, 100.0)]
)


# %% ex-minimax-2: the boundary off by one: finite only from k = 4
def mean_inv_chi2(k):
    return 1.0 / (k - 2) if k > 3 else np.inf
