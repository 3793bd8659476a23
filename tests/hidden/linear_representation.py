"""Hidden tests of the exercises in notebooks/linear_representation.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-linrep-1-hidden
big = np.array([1e6, 1e7])
log_v = np.log([det_normalised_variance(k) for k in big])
assert abs((log_v[1] - log_v[0]) / np.log(10) - 1) < 0.01
