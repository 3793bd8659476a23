"""Plausible wrong solutions ("mutants") of the exercises in notebooks/unbalanced_mtl.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""

# %% ex-unbalanced-1: the factor (1 - mu)^(M - m_min) of Pr(A) dropped
mu_e, lam_e, q_e = 1e-6, 2.0, 0.5
kl_e = q_e * math.log(q_e / mu_e) + (1 - q_e) * math.log((1 - q_e) / (1 - mu_e))
log_lower = math.log(mu_e) + 2 * lam_e * kl_e

# %% ex-unbalanced-1: the exponent lambda instead of n lambda
mu_e, lam_e, q_e = 1e-6, 2.0, 0.5
kl_e = q_e * math.log(q_e / mu_e) + (1 - q_e) * math.log((1 - q_e) / (1 - mu_e))
log_lower = math.log(mu_e) + 100 * math.log1p(-mu_e) + lam_e * kl_e

# %% ex-unbalanced-2: the log of a sum instead of a sum of logs
log_mgf_sum = float(
    math.log(
        sum(kl_mgf([m], r, m) for m, r in zip((2, 3, 5), (0.1, 0.5, 0.7), strict=True))
    )
)

# %% ex-unbalanced-2: one pooled task of size M = 10
log_mgf_sum = float(math.log(kl_mgf([10], 0.5, 10)))
