"""Hidden tests of the exercises in notebooks/gd_contraction.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-gd-1-hidden
H_test = features_with_condition(37.0, rng=np.random.default_rng(1))
H_test = H_test.T @ H_test
assert abs(rho_safe(H_test) - (1 - 1 / 37.0)) < 1e-9

# %% ex-gd-2-hidden
O = np.linalg.qr(np.random.default_rng(2).standard_normal((5, 5)))[0]
Z_mix = Zw @ np.triu(np.ones((5, 5)))
np.testing.assert_allclose(whiten(Z_mix @ O), whiten(Z_mix) @ O, atol=1e-9)
