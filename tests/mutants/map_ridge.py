"""Plausible wrong solutions ("mutants") of the exercises in notebooks/map_ridge.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""

# %% ex-map-1: sigma/tau instead of sigma^2/tau^2, null directions counted once
lam_best = 0.5 / 2.0
null_risk = 2.0**2

# %% ex-map-1: tau^2 forgotten in the minimiser (sigma^2/tau), null risk per direction
grid_ex = np.geomspace(1e-4, 1e2, 2001)
lam_best = float(grid_ex[np.argmin(np.abs(np.log(grid_ex / (0.5**2 / 2.0))))])
null_risk = 4.0


# %% ex-map-2: the square root forgotten: 1/|lambda_min|
def tau_critical(H):
    lam_min = np.linalg.eigvalsh(H)[0]
    return math.inf if lam_min >= 0 else 1.0 / (-lam_min)


# %% ex-map-2: the largest eigenvalue instead of the smallest
def tau_critical(H):
    lam = np.linalg.eigvalsh(H)
    return math.inf if lam[0] >= 0 else 1.0 / math.sqrt(abs(lam[-1]))


# %% ex-map-3: the bias along the largest eigenvalue of X^T X
def sup_ball_risk(X, sigma, lam, B):
    s2_max = np.linalg.eigvalsh(X.T @ X)[-1]
    variance = ridge_risk(X, np.zeros(X.shape[1]), sigma, lam)
    return variance + lam**2 * B**2 / (s2_max + lam) ** 2


# %% ex-map-3: the variance term left out
def sup_ball_risk(X, sigma, lam, B):
    s2_min = np.linalg.eigvalsh(X.T @ X)[0] if X.shape[0] >= X.shape[1] else 0.0
    return lam**2 * B**2 / (max(s2_min, 0.0) + lam) ** 2


# %% ex-map-2: a strict inequality: a PSD singular H treated as indefinite
def tau_critical(H):
    lam_min = np.linalg.eigvalsh(H)[0]
    return math.inf if lam_min > 0 else 1.0 / math.sqrt(-lam_min)
