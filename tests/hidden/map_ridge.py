"""Hidden tests of the exercises in notebooks/map_ridge.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-map-1-hidden
grid_check = np.geomspace(1e-4, 1e2, 2001)
i_best = int(np.flatnonzero(grid_check == lam_best)[0])
for lam_n in grid_check[[i_best - 1, i_best + 1]]:
    assert ridge_bayes_risk(
        designs["rank 6 < d"], 2.0, 0.5, lam_best
    ) <= ridge_bayes_risk(designs["rank 6 < d"], 2.0, 0.5, lam_n)

# %% ex-map-2-hidden
Q_h = np.linalg.qr(np.random.default_rng(7).standard_normal((3, 3)))[0]
H_h = Q_h @ np.diag([-9.0, 0.0, 1.0]) @ Q_h.T  # indefinite, not diagonal
assert abs(tau_critical((H_h + H_h.T) / 2) - 1 / 3) < 1e-12
assert abs(tau_critical(np.array([[0.0, 2.0], [2.0, 0.0]])) - 1 / math.sqrt(2)) < 1e-12

# %% ex-map-3-hidden
X_b = designs["full rank"]
v_min = np.linalg.eigh(X_b.T @ X_b)[1][:, 0]
assert (
    abs(sup_ball_risk(X_b, 0.5, 0.1, 5.0) - ridge_risk(X_b, 5.0 * v_min, 0.5, 0.1))
    < 1e-10
)
