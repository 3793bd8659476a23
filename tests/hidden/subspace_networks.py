"""Hidden tests of the exercises in notebooks/subspace_networks.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-subspace-1-hidden
assert multitask_occam([0.2] * 8, 1000, 400, 0.05) < multitask_occam(
    [0.2] * 4, 1000, 400, 0.05
)

# %% ex-subspace-2-hidden
b2 = max_bits(0.0, 1000, 10, 0.01, 0.2)
assert (
    bounds.occam_bound(0.0, b2, 10000, 0.01)
    <= 0.2
    < bounds.occam_bound(0.0, b2 + 1, 10000, 0.01)
)
