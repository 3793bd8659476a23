"""Hidden tests of the exercises in notebooks/unbalanced_mtl.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-unbalanced-1-hidden
assert (
    abs(
        log_lower
        - (
            math.log(1e-6)
            + 100 * math.log1p(-1e-6)
            + 4 * (0.5 * math.log(0.5e6) + 0.5 * math.log(0.5 / (1 - 1e-6)))
        )
    )
    < 1e-9
)

# %% ex-unbalanced-2-hidden
# each factor is xi(m_i): xi(2) = 5/2, xi(3) = 26/9, xi(5) = 2194/625
assert abs(log_mgf_sum - math.log(5 / 2 * 26 / 9 * 2194 / 625)) < 1e-12
