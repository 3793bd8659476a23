"""Plausible wrong solutions ("mutants") of the exercises in notebooks/ntk_ridge.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""


# %% ex-ntk-1: c forgotten: (lambda_max - lambda_min)/(c - 1)
def lam_for_kappa(K, c):
    eig = np.linalg.eigvalsh(K)
    return max(0.0, (eig[-1] - eig[0]) / (c - 1.0))


# %% ex-ntk-1: no clamp at 0
def lam_for_kappa(K, c):
    eig = np.linalg.eigvalsh(K)
    return (eig[-1] - c * eig[0]) / (c - 1.0)


# %% ex-ntk-2: the penalty centred at theta_0 (the -lambda theta_0 term dropped)
from torch.func import functional_call, jacrev, vmap

params = {k: v.detach() for k, v in net_ex.named_parameters()}


def jacobian(x):
    jac = vmap(
        jacrev(lambda p, z: functional_call(net_ex, p, (z[None],))[0]),
        in_dims=(None, 0),
    )
    J = jac(params, torch.from_numpy(x))
    return torch.cat([J[k].reshape(len(x), -1) for k in params], dim=1).numpy()


J, Jt = jacobian(X), jacobian(Xt)
delta = np.linalg.solve(J.T @ J + lam * np.eye(J.shape[1]), J.T @ y)
pred_zero = Jt @ delta

# %% ex-ntk-2: the sign of the theta_0 term flipped
from torch.func import functional_call, jacrev, vmap

params = {k: v.detach() for k, v in net_ex.named_parameters()}


def jacobian(x):
    jac = vmap(
        jacrev(lambda p, z: functional_call(net_ex, p, (z[None],))[0]),
        in_dims=(None, 0),
    )
    J = jac(params, torch.from_numpy(x))
    return torch.cat([J[k].reshape(len(x), -1) for k in params], dim=1).numpy()


J, Jt = jacobian(X), jacobian(Xt)
theta0 = np.concatenate([v.numpy().ravel() for v in params.values()])
delta = np.linalg.solve(J.T @ J + lam * np.eye(J.shape[1]), J.T @ y + lam * theta0)
pred_zero = Jt @ delta

# %% ex-ntk-2: Euler's theorem with degree 1 (f_0 in place of (L+1) f_0)
K_ex, Kx_ex = ntk.empirical_ntk(net_ex, X), ntk.empirical_ntk(net_ex, Xt, X)
with torch.no_grad():
    f0_X, f0_t = net_ex(torch.from_numpy(X)).numpy(), net_ex(Tt).numpy()
pred_zero = kernels.kernel_ridge_predict(K_ex, Kx_ex, y + f0_X, lam) - f0_t


# %% ex-ntk-1: absolute value instead of the clamp at 0
def lam_for_kappa(K, c):
    eig = np.linalg.eigvalsh(K)
    return abs(eig[-1] - c * eig[0]) / (c - 1.0)
