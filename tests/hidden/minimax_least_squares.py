"""Hidden tests of the exercises in notebooks/minimax_least_squares.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-minimax-1-hidden
assert n_param == 226 and n_pred == 10

# %% ex-minimax-2-hidden
for n_t, d_t in [(7, 5), (30, 3), (12, 10)]:
    assert (
        abs(d_t * mean_inv_chi2(n_t - d_t + 1) - ols_risk(np.eye(d_t), n_t, 1.0))
        < 1e-12
    )
assert mean_inv_chi2(3) == 1.0
