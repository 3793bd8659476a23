"""Hidden tests of the exercises in notebooks/compression_bounds.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-compression-1-hidden
for b, e in [(0, 0.1), (50, 0.05), (10_000, 0.001)]:
    mm = m_needed(b, e, 0.01)
    assert bounds.fast_rate_bound(0.0, b, mm, 0.01) <= e
    assert mm == 1 or bounds.fast_rate_bound(0.0, b, mm - 1, 0.01) > e

# %% ex-compression-2-hidden
for D in [1, 2, 3, 100, 2048, 5000]:
    assert kraft_sparse(D, False) > 1
    assert kraft_sparse(D, True) <= 1 + 1e-12  # equal to 1 at D = 1
assert abs(kraft_sparse(2048, True) - (1 + 2.0**-11) ** 2048 / 2**12) < 1e-12
assert abs(kraft_sparse(5000, False) - (1 + 2.0**-13) ** 5000) < 1e-9
