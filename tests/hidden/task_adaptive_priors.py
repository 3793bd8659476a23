"""Hidden tests of the exercises in notebooks/task_adaptive_priors.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-adaptive-1-hidden
Xd = np.vstack([np.diag([1.0, 0.1]), np.zeros((3, 2))])  # kappa(X^T X) = 100
assert np.isclose(kappa_after(Xd, 10.0), 10.0, rtol=1e-9)
assert np.isclose(kappa_after(Xd, 1000.0), 100.0, rtol=1e-9)
