"""Hidden tests of the exercises in notebooks/ntk_ridge.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-ntk-1-hidden
lam10 = lam_for_kappa(theta_XX, 10.0)
assert kernels.ridge_condition_number(theta_XX, 0.99 * lam10) > 10.0
R = np.linalg.qr(np.random.default_rng(4).standard_normal((3, 3)))[0]
assert abs(lam_for_kappa(R @ np.diag([5.0, 1.0, 0.0]) @ R.T, 6.0) - 1.0) < 1e-12
