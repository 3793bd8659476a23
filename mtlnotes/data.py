"""Multitask versions of scikit-learn's bundled hand-written digits.

``sklearn.datasets.load_digits`` ships 1797 greyscale 8 x 8 images (ten classes)
inside scikit-learn, so nothing is downloaded.  From it we build two classic
multitask benchmarks:

* **permuted pixels** -- task ``i`` sees every image through its own fixed
  random permutation of the 64 pixels (the labels are unchanged);
* **permuted labels** -- task ``i`` sees the images unchanged but its own fixed
  random permutation of the ten labels.

The tasks use *disjoint* sets of images, so the training samples of different
tasks are independent -- the hypothesis of the multitask bounds, whose proof
averages ``m * n`` independent losses.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from numpy.typing import NDArray

from mtlnotes._validate import check_int

__all__ = ["DigitTask", "make_digit_tasks", "stack_tasks"]

N_DIGITS = 1797
N_PIXELS = 64
N_CLASSES = 10


@dataclass(frozen=True)
class DigitTask:
    """One task: a train/test split and the permutation that defines the task.

    Attributes
    ----------
    x_train, x_test : ndarray of float32, shape (m, 64) and (m_test, 64)
        Pixel intensities scaled to ``[0, 1]``, already permuted for this task.
    y_train, y_test : ndarray of int64, shape (m,) and (m_test,)
        Labels in ``{0, ..., 9}``, already permuted for this task.
    permutation : ndarray of int64
        The pixel permutation (length 64) or label permutation (length 10).
    """

    x_train: NDArray[np.float32]
    y_train: NDArray[np.int64]
    x_test: NDArray[np.float32]
    y_test: NDArray[np.int64]
    permutation: NDArray[np.int64]


def make_digit_tasks(
    n_tasks: int,
    kind: str = "pixels",
    *,
    n_train: int = 250,
    n_test: int | None = None,
    seed: int = 0,
) -> list[DigitTask]:
    """Split the digits into ``n_tasks`` disjoint, permuted tasks.

    Parameters
    ----------
    n_tasks : int
        Number of tasks, ``>= 1``.
    kind : {"pixels", "labels"}
        ``"pixels"``: each task permutes the 64 pixels with its own fixed random
        permutation; ``"labels"``: each task permutes the ten labels.
    n_train : int
        Training examples per task (the ``m`` of the bounds), ``>= 1``.
    n_test : int or None
        Test examples per task.  ``None`` uses all remaining images, split
        equally (``floor((1797 - n_tasks * n_train) / n_tasks)``).
    seed : int
        Seed of the shuffle of the images and of the permutations.

    Returns
    -------
    list of DigitTask
        ``n_tasks`` tasks with pairwise disjoint images.

    Raises
    ------
    ValueError
        If ``kind`` is unknown, a size is not a positive integer, or
        ``n_tasks * (n_train + n_test)`` exceeds the 1797 available images.
    TypeError
        If an argument has the wrong type (e.g. a string or ``None``).

    Notes
    -----
    The images are shuffled once; task ``i`` takes the ``i``-th consecutive
    block of ``n_train + n_test`` of them, so the tasks share no image.  The
    first ``n_train`` of a block train, the rest test.  Pixels are divided by
    16 (their maximum value).
    """
    from sklearn.datasets import load_digits

    n_tasks = check_int(n_tasks, "n_tasks", minimum=1)
    n_train = check_int(n_train, "n_train", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    if kind not in ("pixels", "labels"):
        raise ValueError(f"kind must be 'pixels' or 'labels', got {kind!r}")
    if n_test is None:
        n_test = (N_DIGITS - n_tasks * n_train) // n_tasks
        if n_test < 1:
            raise ValueError(
                f"n_tasks * n_train must be < {N_DIGITS}, "
                f"got n_tasks * n_train = {n_tasks * n_train}"
            )
    n_test = check_int(n_test, "n_test", minimum=1)
    per_task = n_train + n_test
    if n_tasks * per_task > N_DIGITS:
        raise ValueError(
            f"n_tasks * (n_train + n_test) must be <= {N_DIGITS}, "
            f"got {n_tasks * per_task}"
        )
    digits = load_digits()
    x_all = (digits.data / 16.0).astype(np.float32)
    y_all = digits.target.astype(np.int64)
    rng = np.random.default_rng(seed)
    order = rng.permutation(N_DIGITS)
    tasks = []
    for i in range(n_tasks):
        idx = order[i * per_task : (i + 1) * per_task]
        x, y = x_all[idx], y_all[idx]
        if kind == "pixels":
            perm = rng.permutation(N_PIXELS)
            x = x[:, perm]
        else:
            perm = rng.permutation(N_CLASSES)
            y = perm[y]
        tasks.append(
            DigitTask(
                x_train=x[:n_train],
                y_train=y[:n_train],
                x_test=x[n_train:],
                y_test=y[n_train:],
                permutation=perm.astype(np.int64),
            )
        )
    return tasks


def stack_tasks(
    tasks: list[DigitTask],
) -> tuple[
    NDArray[np.float32], NDArray[np.int64], NDArray[np.float32], NDArray[np.int64]
]:
    """Stack equally sized tasks into arrays with a leading task axis.

    Parameters
    ----------
    tasks : list of DigitTask
        Non-empty list of tasks with equal train and equal test sizes.

    Returns
    -------
    x_train, y_train, x_test, y_test : ndarray
        Shapes ``(n, m, 64)``, ``(n, m)``, ``(n, m_test, 64)``, ``(n, m_test)``.

    Raises
    ------
    ValueError
        If ``tasks`` is empty or the tasks have different sizes.
    """
    if not isinstance(tasks, list | tuple) or not all(
        isinstance(t, DigitTask) for t in tasks
    ):
        raise TypeError("tasks must be a list of DigitTask")
    if len(tasks) == 0:
        raise ValueError("tasks must be a non-empty list")
    fields = ("x_train", "y_train", "x_test", "y_test")
    try:
        return tuple(np.stack([getattr(t, f) for t in tasks]) for f in fields)
    except ValueError as err:
        raise ValueError("tasks must all have the same train and test sizes") from err
