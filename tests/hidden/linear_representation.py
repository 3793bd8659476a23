"""Hidden tests of the exercises in notebooks/linear_representation.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-linrep-1-hidden
big = np.array([1e6, 1e7])
log_v = np.log([det_normalised_variance(k) for k in big])
assert abs((log_v[1] - log_v[0]) / np.log(10) - 1) < 0.01

# %% ex-linrep-2-hidden
# a representation unrelated to erm.Phi: the closed form of prop-linrep-ls-risk
Phi_rot = np.linalg.qr(np.random.default_rng(5).standard_normal((d_x, r)))[0].T
inf_rot = linrep.inf_excess_risk(Phi_rot, problem.F_star, Ps, Sx)
risk_rot = inf_rot + (d_y * sigma**2 + inf_rot) * r / (N - r - 1)
assert np.isclose(nu_tilde_ls(Phi_rot), risk_rot[1:].mean() / risk_rot[0], rtol=1e-10)
