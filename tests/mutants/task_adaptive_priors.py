"""Plausible wrong solutions ("mutants") of the exercises in notebooks/task_adaptive_priors.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""


# %% ex-adaptive-1: the target returned whatever the design
def kappa_after(X, kappa_target):
    return kappa_target


# %% ex-adaptive-1: kappa(X) instead of kappa(X^T X)
def kappa_after(X, kappa_target):
    return min(np.linalg.cond(X), kappa_target)


# %% ex-adaptive-2: n - d + 1 instead of n - d - 1
eigs = np.linalg.eigvalsh(problem.Sigma)
erm_train_closed = sigma**2 * np.sum(1 / eigs) / (n - d + 1)

# %% ex-adaptive-2: sigma^2 forgotten
eigs = np.linalg.eigvalsh(problem.Sigma)
erm_train_closed = np.sum(1 / eigs) / (n - d - 1)

# %% ex-adaptive-2: sigma^2 Tr(Sigma^-1) / n (the population covariance in place of E[Sigma_hat^-1])
eigs = np.linalg.eigvalsh(problem.Sigma)
erm_train_closed = sigma**2 * np.sum(1 / eigs) / n
