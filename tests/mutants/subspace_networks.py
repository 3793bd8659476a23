"""Plausible wrong solutions ("mutants") of the exercises in notebooks/subspace_networks.ipynb.

tests/test_exercise_mutants.py runs each block, which opens with
`# %% <exercise label>: <the mistake>`, in place of the instructor solution and
requires a visible check cell of that exercise to fail.  The code runs in the
chapter's namespace.
"""


# %% ex-subspace-1: the number of tasks forgotten in the denominator
def multitask_occam(train_errors, bits, m, delta):
    errors = np.asarray(train_errors, dtype=float)
    return errors.mean() + np.sqrt((bits * np.log(2) + np.log(2 / delta)) / (2 * m))


# %% ex-subspace-1: the sum of the training errors instead of their mean
def multitask_occam(train_errors, bits, m, delta):
    errors = np.asarray(train_errors, dtype=float)
    n = errors.size
    return errors.sum() + np.sqrt((bits * np.log(2) + np.log(2 / delta)) / (2 * m * n))


# %% ex-subspace-2: the ceiling instead of the floor
def max_bits(emp_risk, m, n, delta, target):
    slack = target - emp_risk
    if slack < 0:
        return -1
    nats = 2 * m * n * slack**2 - np.log(2 / delta)
    return int(np.ceil(nats / np.log(2))) if nats >= 0 else -1


bits_digits = max_bits(0.1, M_TRAIN, N_TASKS, DELTA, 0.5)


# %% ex-subspace-2: no -1 when the confidence term alone is too large
def max_bits(emp_risk, m, n, delta, target):
    slack = target - emp_risk
    if slack < 0:
        return -1
    nats = 2 * m * n * slack**2 - np.log(2 / delta)
    return int(np.floor(nats / np.log(2)))


bits_digits = max_bits(0.1, M_TRAIN, N_TASKS, DELTA, 0.5)


# %% ex-subspace-2: nats instead of bits
def max_bits(emp_risk, m, n, delta, target):
    slack = target - emp_risk
    if slack < 0:
        return -1
    nats = 2 * m * n * slack**2 - np.log(2 / delta)
    return int(np.floor(nats)) if nats >= 0 else -1


bits_digits = max_bits(0.1, M_TRAIN, N_TASKS, DELTA, 0.5)
