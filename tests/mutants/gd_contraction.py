"""Plausible wrong solutions ("mutants") of the exercises in notebooks/gd_contraction.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""


# %% ex-gd-1: read off the diagonal of H instead of its eigenvalues
def rho_safe(H):
    h = np.diag(H)
    return float(1.0 - h.min() / h.max())


# %% ex-gd-1: the factor of the optimal step, (kappa - 1)/(kappa + 1)
def rho_safe(H):
    eig = np.linalg.eigvalsh(H)
    kappa = eig[-1] / eig[0]
    return float((kappa - 1) / (kappa + 1))


# %% ex-gd-2: Z V Lambda^{-1/2}: whitened, but not rotated back
def whiten(Z):
    eigval, eigvec = np.linalg.eigh(Z.T @ Z)
    return Z @ (eigvec / np.sqrt(eigval))


# %% ex-gd-2: Z (Z^T Z)^{-1}: the square root forgotten
def whiten(Z):
    return Z @ np.linalg.inv(Z.T @ Z)


# %% ex-gd-1: the Frobenius norm of I - H/lambda_max instead of the spectral norm
def rho_safe(H):
    lmax = np.linalg.eigvalsh(H)[-1]
    return float(np.linalg.norm(np.eye(len(H)) - H / lmax))


# %% ex-gd-2: whiten by the Cholesky factor, Z L^{-T}: identity Gram, not Z (Z^T Z)^{-1/2}
def whiten(Z):
    L = np.linalg.cholesky(Z.T @ Z)
    return np.linalg.solve(L, Z.T).T
