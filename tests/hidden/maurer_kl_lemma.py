"""Hidden tests of the exercises in notebooks/maurer_kl_lemma.ipynb.

Not part of the book: `python -m mtlnotes.assign --nbgrader` adds each block as a
locked autograder cell (grade_id = the block's name, one point) after the check cells
of its exercise.  The code runs in the chapter's namespace (see book/instructors.md).
"""

# %% ex-maurer-1-hidden
fails_check = [N for N in range(1, 101) if xi_first[N - 1] > np.sqrt(2 * N)]
assert n0 == fails_check[-1] + 1

# %% ex-maurer-2-hidden
# the same value from the law of 2(X_1 + ... + X_4): counts of (1 + x + x^2)^4
counts = np.convolve(
    np.convolve([1, 1, 1], [1, 1, 1]), np.convolve([1, 1, 1], [1, 1, 1])
)
q = np.arange(9) / 8
value = np.sum(counts * 16 * q ** (4 * q) * (1 - q) ** (4 * (1 - q))) / 81
assert abs(three_point - value) < 1e-12
assert abs(shortfall - (kl_mgf([4], 0.5, 4) - value)) < 1e-12
