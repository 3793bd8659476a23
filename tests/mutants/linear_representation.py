"""Plausible wrong solutions ("mutants") of the exercises in notebooks/linear_representation.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""

# %% ex-linrep-1: the slope without the determinant normalisation, 2
A_hat = np.linalg.inv((X0 @ erm.Phi.T).T @ (X0 @ erm.Phi.T))


def det_normalised_variance(kappa):
    q = kappa ** (0.5 - np.arange(r) / (r - 1))
    return sigma**2 * d_y * np.sum(np.diag(A_hat) / q**2)


slope_det = 2.0

# %% ex-linrep-1: q_j instead of q_j^2 in the variance
A_hat = np.linalg.inv((X0 @ erm.Phi.T).T @ (X0 @ erm.Phi.T))


def det_normalised_variance(kappa):
    q = kappa ** (0.5 - np.arange(r) / (r - 1))
    return sigma**2 * d_y * np.sum(np.diag(A_hat) / q)


slope_det = 1.0


# %% ex-linrep-2: the ratio inverted
def nu_tilde_ls(Phi):
    inf_er = linrep.inf_excess_risk(Phi, problem.F_star, Ps, Sx)
    risk = linrep.expected_ls_excess_risk(inf_er, d_y, sigma, r, N)
    return risk[0] / risk[1:].mean()


# %% ex-linrep-2: the infinite-sample excess risks (N ignored)
def nu_tilde_ls(Phi):
    inf_er = linrep.inf_excess_risk(Phi, problem.F_star, Ps, Sx)
    return inf_er[1:].mean() / inf_er[0]


# %% ex-linrep-1: the exponents in the wrong order, q_j = kappa^{(j-1)/(r-1) - 1/2}
A_hat = np.linalg.inv((X0 @ erm.Phi.T).T @ (X0 @ erm.Phi.T))


def det_normalised_variance(kappa):
    q = kappa ** (np.arange(r) / (r - 1) - 0.5)
    return sigma**2 * d_y * np.sum(np.diag(A_hat) / q**2)


slope_det = 1.0


# %% ex-linrep-2: the inverse-Wishart factor off by one, r/(N - r)
def nu_tilde_ls(Phi):
    inf_er = linrep.inf_excess_risk(Phi, problem.F_star, Ps, Sx)
    risk = inf_er + (d_y * sigma**2 + inf_er) * r / (N - r)
    return risk[1:].mean() / risk[0]


# %% ex-linrep-2: Phi ignored, the chapter's inf_er (computed for erm.Phi) reused
def nu_tilde_ls(Phi):
    risk = linrep.expected_ls_excess_risk(inf_er, d_y, sigma, r, N)
    return risk[1:].mean() / risk[0]
