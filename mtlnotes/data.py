"""Multitask data: scikit-learn's digits and MNIST-1D, permuted per task.

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

**MNIST-1D** (Greydanus and Kobak, 2024; the ``mnist1d`` package) generates
one-dimensional digits of length 40 from ten templates by random padding,
shear, scaling, translation and noise.  :func:`make_mnist1d` calls
``mnist1d.data.make_dataset`` locally (never its download path) and restores
the global NumPy and ``random`` states that it reseeds.  :func:`make_tasks`
turns *any* arrays ``(x, y)`` into disjoint tasks of the slides' two families
(shuffled pixels, permuted labels), so a reader who has MNIST can pass its
784-pixel images instead (``x`` of shape ``(N, 784)``, ``n_swaps=200`` as in
the slides' group's code).

**Fashion-MNIST** (Xiao, Rasul and Vollgraf, 2017) is the drop-in replacement for
MNIST with the same format (28 x 28 grey images, ten classes, 60,000 training and
10,000 test images).  :func:`load_fashion_mnist` reads its four gzip idx files from
Debian's package ``dataset-fashion-mnist`` (or another folder); nothing is
downloaded.  :func:`fashion_mnist_tasks` cuts the 60,000 training images into
disjoint tasks and uses the test images as the fresh sample.
"""

from __future__ import annotations

import gzip
import math
import os
import random
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from numpy.typing import NDArray

from mtlnotes._validate import check_generator, check_int, check_sizes

__all__ = [
    "FASHION_MNIST_DIR",
    "FASHION_MNIST_ENV",
    "FASHION_MNIST_FILES",
    "MNIST1D_SETTINGS",
    "DigitTask",
    "MultitaskData",
    "UnbalancedTasks",
    "fashion_mnist_tasks",
    "load_fashion_mnist",
    "log_uniform_sizes",
    "make_digit_tasks",
    "make_mnist1d",
    "make_tasks",
    "make_unbalanced_tasks",
    "mnist1d_args",
    "mnist1d_tasks",
    "read_idx",
    "stack_tasks",
    "swap_permutation",
]

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


# Generator settings of MNIST-1D.  "default": the published arguments of
# ``mnist1d.data.get_dataset_args`` (built to be hard for small models).
# "mnist_like": calibrated (chapter subspace_networks, results/subspace_mnist1d.json
# key "calibration") so that logistic regression on 2,000 samples reaches
# 0.90 +- 0.03 test accuracy, like a linear model on MNIST.
MNIST1D_SETTINGS: dict[str, dict[str, float]] = {
    "default": {},
    "mnist_like": {"max_translation": 4, "corr_noise_scale": 0.1, "shear_scale": 0.3},
}
MNIST1D_LENGTH = 40


def mnist1d_args(setting: str = "default", **overrides: float) -> dict[str, object]:
    """Arguments of ``mnist1d.data.make_dataset`` for a named generator setting.

    Parameters
    ----------
    setting : {"default", "mnist_like"}
        ``"default"``: the package's published arguments; ``"mnist_like"``:
        smaller translation, correlated noise and shear (see
        :data:`MNIST1D_SETTINGS`).
    **overrides
        Further arguments (e.g. ``max_translation=6``); each must be a key of
        ``mnist1d.data.get_dataset_args``.

    Returns
    -------
    dict
        The full argument dictionary (``num_samples`` and ``seed`` are set by
        :func:`make_mnist1d`).

    Raises
    ------
    ValueError
        If ``setting`` is unknown or an override is not a generator argument.
    """
    from mnist1d.data import get_dataset_args

    if setting not in MNIST1D_SETTINGS:
        raise ValueError(
            f"setting must be one of {sorted(MNIST1D_SETTINGS)}, got {setting!r}"
        )
    args = dict(get_dataset_args(as_dict=True))
    args.pop("url", None)
    unknown = set(overrides) - set(args)
    if unknown:
        raise ValueError(
            f"overrides must be MNIST-1D generator arguments, got {sorted(unknown)}"
        )
    args.update(MNIST1D_SETTINGS[setting])
    args.update(overrides)
    return args


def make_mnist1d(
    n_samples: int, setting: str = "default", *, seed: int = 0, **overrides: float
) -> tuple[NDArray[np.float32], NDArray[np.int64]]:
    """Generate ``n_samples`` MNIST-1D examples locally, leaving global RNGs untouched.

    Parameters
    ----------
    n_samples : int
        Number of examples, a multiple of 10 (the generator makes the same
        number of each class), ``>= 10``.
    setting : {"default", "mnist_like"}
        Generator setting, see :func:`mnist1d_args`.
    seed : int
        Seed passed to the generator, ``>= 0``.
    **overrides
        Further generator arguments, see :func:`mnist1d_args`.

    Returns
    -------
    x : ndarray of float32, shape (n_samples, 40)
        Signals, standardised by the generator (pool mean 0, standard deviation 1).
    y : ndarray of int64, shape (n_samples,)
        Labels in ``{0, ..., 9}``, ``n_samples / 10`` of each, in random order.

    Raises
    ------
    ValueError
        If ``n_samples`` is not a positive multiple of 10, ``seed < 0`` or the
        setting/overrides are invalid.

    Notes
    -----
    ``mnist1d.data.make_dataset`` calls ``numpy.random.seed`` and
    ``random.seed``; both global states are saved before and restored after
    the call, so the caller's random streams do not change.  It never touches
    the network.  About 0.5 ms of CPU per example.
    """
    from mnist1d.data import make_dataset
    from mnist1d.utils import ObjectView

    n_samples = check_int(n_samples, "n_samples", minimum=10)
    if n_samples % 10:
        raise ValueError(f"n_samples must be a multiple of 10, got {n_samples}")
    seed = check_int(seed, "seed", minimum=0)
    args = mnist1d_args(setting, **overrides)
    args.update(num_samples=n_samples, train_split=1.0, seed=seed)
    np_state = np.random.get_state()  # noqa: NPY002 (isolating mnist1d)
    py_state = random.getstate()
    try:
        out = make_dataset(ObjectView(args))
    finally:
        np.random.set_state(np_state)  # noqa: NPY002
        random.setstate(py_state)
    return out["x"].astype(np.float32), out["y"].astype(np.int64)


def swap_permutation(
    n_positions: int, n_swaps: int | None, rng: np.random.Generator
) -> NDArray[np.int64]:
    """A partial shuffle: the composition of ``n_swaps`` random transpositions.

    Parameters
    ----------
    n_positions : int
        Length of the permuted axis, ``>= 2``.
    n_swaps : int or None
        Number of transpositions ``>= 0``; ``None`` gives a uniformly random
        full permutation.
    rng : numpy.random.Generator
        Source of randomness.

    Returns
    -------
    ndarray of int64, shape (n_positions,)
        ``perm`` such that ``x[..., perm]`` is the shuffled signal.

    Raises
    ------
    ValueError
        If ``n_positions < 2`` or ``n_swaps < 0``.

    Notes
    -----
    Swap ``t`` exchanges positions ``a_t != b_t`` drawn uniformly; with
    ``n_swaps = s`` at most ``2 s`` positions move.  The slides' group used 200
    swaps of MNIST's 784 pixels; 10 swaps of MNIST-1D's 40 positions move a
    similar fraction (at most half).
    """
    n_positions = check_int(n_positions, "n_positions", minimum=2)
    rng = check_generator(rng)
    if n_swaps is None:
        return rng.permutation(n_positions).astype(np.int64)
    n_swaps = check_int(n_swaps, "n_swaps", minimum=0)
    perm = np.arange(n_positions)
    first = rng.integers(0, n_positions, size=n_swaps)
    second = (first + rng.integers(1, n_positions, size=n_swaps)) % n_positions
    for a, b in zip(first, second, strict=True):  # n_swaps tiny; order matters
        perm[[a, b]] = perm[[b, a]]
    return perm.astype(np.int64)


@dataclass(frozen=True)
class MultitaskData:
    """``n`` tasks stacked along a leading axis, with a fresh sample per task.

    Attributes
    ----------
    x_train : ndarray of float32, shape (n, m, p)
    y_train : ndarray of int64, shape (n, m)
    x_fresh : ndarray of float32, shape (n, m_fresh, p)
        Independent of every training set; estimates each task's true risk.
    y_fresh : ndarray of int64, shape (n, m_fresh)
    permutations : ndarray of int64, shape (n, p) or (n, n_classes)
        Task ``i``'s pixel permutation (``"pixels"``) or label permutation
        (``"labels"``).
    family : str
        ``"pixels"`` or ``"labels"``.
    """

    x_train: NDArray[np.float32]
    y_train: NDArray[np.int64]
    x_fresh: NDArray[np.float32]
    y_fresh: NDArray[np.int64]
    permutations: NDArray[np.int64]
    family: str
    info: dict[str, object] = field(default_factory=dict)

    @property
    def n_tasks(self) -> int:
        """Number of tasks ``n``."""
        return int(self.x_train.shape[0])

    @property
    def m_train(self) -> int:
        """Training examples per task ``m``."""
        return int(self.x_train.shape[1])


def make_tasks(
    x: NDArray,
    y: NDArray,
    n_tasks: int,
    family: str = "pixels",
    *,
    m_train: int,
    m_fresh: int,
    n_swaps: int | None = 10,
    shared_fresh: bool = False,
    fresh_pool: tuple[NDArray, NDArray] | None = None,
    rng: np.random.Generator,
) -> MultitaskData:
    """Split a pool ``(x, y)`` into disjoint tasks of one family.

    Parameters
    ----------
    x : ndarray, shape (N, p)
        Inputs (e.g. MNIST-1D signals, or MNIST images flattened to 784).
    y : ndarray of int, shape (N,)
        Labels in ``{0, ..., C - 1}``.
    n_tasks : int
        Number of tasks ``n >= 1``.
    family : {"pixels", "labels"}
        ``"pixels"``: task ``i`` applies its own fixed permutation of the ``p``
        input positions (``n_swaps`` random swaps, or a full permutation if
        ``n_swaps is None``); ``"labels"``: its own fixed permutation of the
        ``C`` labels (``n_swaps`` is ignored).
    m_train : int
        Training examples per task, ``>= 1``.
    m_fresh : int
        Fresh examples per task for estimating the true risk, ``>= 1``.
    n_swaps : int or None
        See ``family``.
    shared_fresh : bool
        ``False``: every task gets its own ``m_fresh`` pool examples (needs
        ``N >= n (m_train + m_fresh)``).  ``True``: one block of ``m_fresh``
        pool examples, seen by every task through its own permutation (needs
        ``N >= n m_train + m_fresh``); each task's fresh sample is still
        i.i.d. from its distribution and independent of all training sets,
        but the fresh errors of different tasks are correlated.
    fresh_pool : tuple of ndarrays (x_fresh, y_fresh), optional
        A separate pool for the fresh samples (e.g. a data set's test split), of
        the same input width as ``x``: then every training block comes from
        ``(x, y)`` (needs ``N >= n m_train``) and the fresh samples from this pool
        (needs ``m_fresh`` or ``n m_fresh`` examples, by ``shared_fresh``).
    rng : numpy.random.Generator
        Source of the shuffle and of the permutations.

    Returns
    -------
    MultitaskData
        Tasks with pairwise disjoint training sets.

    Raises
    ------
    ValueError
        If shapes disagree, ``family`` is unknown, a size is out of range, or
        the pool is too small.

    Notes
    -----
    The pool is shuffled once; task ``i`` trains on the ``i``-th block of
    ``m_train`` shuffled examples and the fresh examples come from the blocks
    after all training blocks.  If the pool is an i.i.d. sample, the tasks are
    disjoint i.i.d. samples of their distributions.  (MNIST-1D's generator
    draws exactly ``N/10`` of each class and standardises by the pool's mean
    and standard deviation: sampling without replacement from a balanced pool,
    a negligible departure from i.i.d. when ``N`` is much larger than ``m``.)
    """
    x = np.asarray(x)
    y = np.asarray(y)
    if x.ndim != 2 or x.shape[0] == 0:
        raise ValueError(f"x must be a non-empty 2-D array (N, p), got {x.shape}")
    if y.shape != (x.shape[0],) or not np.issubdtype(y.dtype, np.integer):
        raise ValueError(f"y must be integer labels of shape ({x.shape[0]},)")
    if y.min() < 0:
        raise ValueError("y must be labels >= 0")
    n_tasks = check_int(n_tasks, "n_tasks", minimum=1)
    m_train = check_int(m_train, "m_train", minimum=1)
    m_fresh = check_int(m_fresh, "m_fresh", minimum=1)
    rng = check_generator(rng)
    if family not in ("pixels", "labels"):
        raise ValueError(f"family must be 'pixels' or 'labels', got {family!r}")
    if n_swaps is not None:
        n_swaps = check_int(n_swaps, "n_swaps", minimum=0)
    n_fresh_needed = m_fresh if shared_fresh else n_tasks * m_fresh
    if fresh_pool is None:
        x_pool, y_pool = x, y
        need = n_tasks * m_train + n_fresh_needed
    else:
        x_pool, y_pool = (np.asarray(a) for a in fresh_pool)
        if x_pool.ndim != 2 or x_pool.shape[1] != x.shape[1]:
            raise ValueError(
                f"fresh_pool inputs must have shape (N_fresh, {x.shape[1]}), "
                f"got {x_pool.shape}"
            )
        if y_pool.shape != (x_pool.shape[0],) or not np.issubdtype(
            y_pool.dtype, np.integer
        ):
            raise ValueError(
                f"fresh_pool labels must be integers of shape ({x_pool.shape[0]},)"
            )
        if x_pool.shape[0] < n_fresh_needed:
            raise ValueError(
                f"fresh_pool must hold at least {n_fresh_needed} examples for these "
                f"n_tasks, m_fresh, got {x_pool.shape[0]}"
            )
        if y_pool.size and (y_pool.min() < 0 or y_pool.max() > y.max()):
            raise ValueError("fresh_pool labels must lie in the range of y")
        need = n_tasks * m_train
    if need > x.shape[0]:
        raise ValueError(
            f"x must hold at least {need} examples for these n_tasks, m_train, "
            f"m_fresh, got {x.shape[0]}"
        )
    n_classes = int(y.max()) + 1
    order = rng.permutation(x.shape[0])
    train_idx = order[: n_tasks * m_train].reshape(n_tasks, m_train)
    rest = (
        order[n_tasks * m_train :]
        if fresh_pool is None
        else rng.permutation(x_pool.shape[0])
    )
    if shared_fresh:
        fresh_idx = np.broadcast_to(rest[:m_fresh], (n_tasks, m_fresh))
    else:
        fresh_idx = rest[: n_tasks * m_fresh].reshape(n_tasks, m_fresh)
    xs, ys = x[train_idx], y[train_idx].astype(np.int64)
    xf, yf = x_pool[fresh_idx], y_pool[fresh_idx].astype(np.int64)
    if family == "pixels":
        perms = np.stack([swap_permutation(x.shape[1], n_swaps, rng) for _ in xs])
        xs = np.take_along_axis(xs, np.broadcast_to(perms[:, None], xs.shape), axis=2)
        xf = np.take_along_axis(xf, np.broadcast_to(perms[:, None], xf.shape), axis=2)
    else:
        perms = np.stack([rng.permutation(n_classes) for _ in xs]).astype(np.int64)
        rows = np.arange(n_tasks)[:, None]
        ys, yf = perms[rows, ys], perms[rows, yf]
    return MultitaskData(
        x_train=np.ascontiguousarray(xs, dtype=np.float32),
        y_train=ys,
        x_fresh=np.ascontiguousarray(xf, dtype=np.float32),
        y_fresh=yf,
        permutations=perms.astype(np.int64),
        family=family,
        info={
            "n_swaps": n_swaps,
            "shared_fresh": shared_fresh,
            "fresh_pool": fresh_pool is not None,
        },
    )


def mnist1d_tasks(
    n_tasks: int,
    family: str = "pixels",
    *,
    m_train: int = 2000,
    m_fresh: int = 10000,
    setting: str = "default",
    n_swaps: int | None = 10,
    shared_fresh: bool = False,
    seed: int = 0,
) -> MultitaskData:
    """Disjoint i.i.d. MNIST-1D tasks of the slides' families (shuffled pixels/labels).

    Parameters
    ----------
    n_tasks, family, m_train, m_fresh, n_swaps, shared_fresh
        As in :func:`make_tasks`.
    setting : {"default", "mnist_like"}
        Generator setting, see :func:`mnist1d_args`.
    seed : int
        Seed of the generator and of the split/permutations, ``>= 0``.

    Returns
    -------
    MultitaskData
        ``info`` also records the setting, the pool size and the seed.

    Raises
    ------
    ValueError
        As :func:`make_tasks` and :func:`make_mnist1d`.

    Notes
    -----
    Generates a pool of ``N = n m + m_fresh`` (``shared_fresh``) or
    ``n (m + m_fresh)`` examples, rounded up to a multiple of 10, with
    :func:`make_mnist1d` and splits it with :func:`make_tasks`, using
    ``numpy.random.default_rng(seed)``.
    """
    n_tasks = check_int(n_tasks, "n_tasks", minimum=1)
    m_train = check_int(m_train, "m_train", minimum=1)
    m_fresh = check_int(m_fresh, "m_fresh", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    need = n_tasks * m_train + (m_fresh if shared_fresh else n_tasks * m_fresh)
    pool = -(-need // 10) * 10
    x, y = make_mnist1d(pool, setting, seed=seed)
    out = make_tasks(
        x,
        y,
        n_tasks,
        family,
        m_train=m_train,
        m_fresh=m_fresh,
        n_swaps=n_swaps,
        shared_fresh=shared_fresh,
        rng=np.random.default_rng(seed),
    )
    out.info.update(setting=setting, pool=pool, seed=seed)
    return out


def log_uniform_sizes(n_tasks: int, m_lo: int, m_hi: int, seed: int) -> NDArray:
    """Task sizes ``round(exp(U))``, ``U`` uniform on ``[ln m_lo, ln m_hi]``.

    Parameters
    ----------
    n_tasks : int
        Number of tasks, ``>= 2``.
    m_lo, m_hi : int
        Smallest and largest size, ``1 <= m_lo < m_hi``; both are attained (the
        first two tasks get them), so the sizes spread over exactly ``m_hi/m_lo``.
    seed : int
        Seed of ``numpy.random.default_rng``, ``>= 0``.

    Returns
    -------
    ndarray of int64, shape (n_tasks,)

    Raises
    ------
    ValueError
        If an argument is out of range.
    """
    n_tasks = check_int(n_tasks, "n_tasks", minimum=2)
    m_lo = check_int(m_lo, "m_lo", minimum=1)
    m_hi = check_int(m_hi, "m_hi", minimum=m_lo + 1)
    seed = check_int(seed, "seed", minimum=0)
    rng = np.random.default_rng(seed)
    sizes = np.round(np.exp(rng.uniform(math.log(m_lo), math.log(m_hi), n_tasks)))
    sizes[:2] = m_lo, m_hi
    return sizes.astype(np.int64)


@dataclass(frozen=True)
class UnbalancedTasks:
    """Tasks of unequal sizes, padded to a common length.

    Attributes
    ----------
    sizes : ndarray of int64, shape (n,)
        Training examples of each task.
    x_train : ndarray of float32, shape (n, L, p)
        Task ``i``'s ``sizes[i]`` examples first (``L = max sizes``); the rest
        is padding (zeros, never used).
    y_train : ndarray of int64, shape (n, L)
    x_fresh : ndarray of float32, shape (n, m_fresh, p)
        Equal size for every task.
    y_fresh : ndarray of int64, shape (n, m_fresh)
    """

    sizes: NDArray[np.int64]
    x_train: NDArray[np.float32]
    y_train: NDArray[np.int64]
    x_fresh: NDArray[np.float32]
    y_fresh: NDArray[np.int64]


def make_unbalanced_tasks(
    sizes: NDArray,
    m_fresh: int,
    *,
    setting: str = "mnist_like",
    n_swaps: int | None = 10,
    seed: int = 0,
) -> UnbalancedTasks:
    """Disjoint MNIST-1D tasks of the given sizes ("pixels" family).

    Parameters
    ----------
    sizes : array_like of int, shape (n,)
        Training examples per task, each ``>= 1`` (e.g. :func:`log_uniform_sizes`).
    m_fresh : int
        Fresh examples per task, ``>= 1``.
    setting : {"default", "mnist_like"}
        Generator setting, see :func:`mnist1d_args`.
    n_swaps : int or None
        Swaps of each task's permutation of the 40 positions
        (:func:`swap_permutation`).
    seed : int
        Seed of the generator (``seed``) and of the split and permutations
        (``1000 + seed``), ``>= 0``.

    Returns
    -------
    UnbalancedTasks

    Raises
    ------
    ValueError
        If an argument is out of range.

    Notes
    -----
    A pool of ``Σ m_i + m_fresh`` examples (rounded up to a multiple of 10) is
    generated with :func:`make_mnist1d`, shuffled once, cut into the training
    sets and one fresh block; task ``i`` sees every example through its own
    partial shuffle of the 40 positions.
    """
    sizes = check_sizes(sizes)
    m_fresh = check_int(m_fresh, "m_fresh", minimum=1)
    seed = check_int(seed, "seed", minimum=0)
    if n_swaps is not None:
        n_swaps = check_int(n_swaps, "n_swaps", minimum=0)
    n_tasks = sizes.size
    total = int(sizes.sum())
    pool = -(-(total + m_fresh) // 10) * 10
    x, y = make_mnist1d(pool, setting, seed=seed)
    rng = np.random.default_rng(1000 + seed)
    order = rng.permutation(pool)
    starts = np.concatenate([[0], np.cumsum(sizes)])
    fresh_idx = order[total : total + m_fresh]
    length, p = int(sizes.max()), x.shape[1]
    x_tr = np.zeros((n_tasks, length, p), dtype=np.float32)
    y_tr = np.zeros((n_tasks, length), dtype=np.int64)
    x_fr = np.empty((n_tasks, m_fresh, p), dtype=np.float32)
    for i in range(n_tasks):  # one permutation per task (n small)
        perm = swap_permutation(p, n_swaps, rng)
        idx = order[starts[i] : starts[i + 1]]
        x_tr[i, : sizes[i]] = x[idx][:, perm]
        y_tr[i, : sizes[i]] = y[idx]
        x_fr[i] = x[fresh_idx][:, perm]
    y_fr = np.broadcast_to(y[fresh_idx], (n_tasks, m_fresh)).copy()
    return UnbalancedTasks(sizes, x_tr, y_tr, x_fr, y_fr)


#: Where Debian's ``dataset-fashion-mnist`` package puts the files.
FASHION_MNIST_DIR = "/usr/share/datasets/fashion-mnist"
#: Environment variable that overrides :data:`FASHION_MNIST_DIR`.
FASHION_MNIST_ENV = "MTLNOTES_FASHION_MNIST"
#: The four gzip idx files of Fashion-MNIST, as published.
FASHION_MNIST_FILES = (
    "train-images-idx3-ubyte.gz",
    "train-labels-idx1-ubyte.gz",
    "t10k-images-idx3-ubyte.gz",
    "t10k-labels-idx1-ubyte.gz",
)


def read_idx(path: str | os.PathLike[str]) -> NDArray[np.uint8]:
    """Read one gzip-compressed idx file of unsigned bytes (MNIST's format).

    Parameters
    ----------
    path : str or path-like
        A ``.gz`` file holding an idx1 (labels) or idx3 (images) array of
        ``uint8``.

    Returns
    -------
    ndarray of uint8
        Shape ``(N,)`` for labels, ``(N, rows, cols)`` for images.

    Raises
    ------
    ValueError
        If the magic number is not that of a ``uint8`` idx file of 1 to 3
        dimensions, or the payload does not match the header's sizes.

    Notes
    -----
    The header is the magic number ``0x0000 08 D`` (type ``0x08`` = unsigned
    byte, ``D`` dimensions), then ``D`` big-endian 32-bit sizes; the data
    follow in C order.  Images have a 16-byte header (``D = 3``), labels an
    8-byte one (``D = 1``).
    """
    with gzip.open(path, "rb") as handle:
        raw = handle.read()
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] != 0x08:
        raise ValueError(f"path must be a uint8 idx file, got header {raw[:4]!r}")
    ndim = raw[3]
    if not 1 <= ndim <= 3 or len(raw) < 4 + 4 * ndim:
        raise ValueError(f"path must be an idx file of 1 to 3 dimensions, got {ndim}")
    shape = tuple(int(v) for v in np.frombuffer(raw, ">u4", count=ndim, offset=4))
    data = np.frombuffer(raw, np.uint8, offset=4 + 4 * ndim)
    if data.size != int(np.prod(shape)):
        raise ValueError(
            f"path holds {data.size} bytes of data, its header says {shape}"
        )
    return data.reshape(shape).copy()


def load_fashion_mnist(
    path: str | os.PathLike[str] | None = None,
) -> tuple[
    NDArray[np.float32], NDArray[np.int64], NDArray[np.float32], NDArray[np.int64]
]:
    """Fashion-MNIST's training and test sets, read from the four idx files.

    Parameters
    ----------
    path : str or path-like, optional
        Folder holding the four files of :data:`FASHION_MNIST_FILES`.  Default:
        the environment variable ``MTLNOTES_FASHION_MNIST`` if set, else
        ``/usr/share/datasets/fashion-mnist`` (Debian: ``apt-get install
        dataset-fashion-mnist``).  Elsewhere, download the same four files from
        the data set's own site (github.com/zalandoresearch/fashion-mnist) into a
        folder and pass it.

    Returns
    -------
    x_train : ndarray of float32, shape (60000, 784)
    y_train : ndarray of int64, shape (60000,)
    x_test : ndarray of float32, shape (10000, 784)
    y_test : ndarray of int64, shape (10000,)
        Images flattened row by row and scaled to ``[-1, 1]``
        (``x = pixel / 127.5 - 1``); labels in ``{0, ..., 9}``.  (Sizes as
        published; files with other counts are read as they are.)

    Raises
    ------
    FileNotFoundError
        If the folder or one of the four files is missing (the message names the
        Debian package and the files).
    ValueError
        If a file is not a uint8 idx file, or images and labels disagree.
    """
    folder = Path(
        path
        if path is not None
        else os.environ.get(FASHION_MNIST_ENV) or FASHION_MNIST_DIR
    )
    missing = [name for name in FASHION_MNIST_FILES if not (folder / name).is_file()]
    if missing:
        raise FileNotFoundError(
            f"Fashion-MNIST not found in {folder}: missing {', '.join(missing)}. "
            "Install the Debian package dataset-fashion-mnist "
            f"(files in {FASHION_MNIST_DIR}), or put the four files "
            f"{', '.join(FASHION_MNIST_FILES)} in a folder and pass it as path "
            f"(or set {FASHION_MNIST_ENV})."
        )
    arrays = [read_idx(folder / name) for name in FASHION_MNIST_FILES]
    out = []
    for images, labels, split in ((*arrays[:2], "train"), (*arrays[2:], "test")):
        if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
            raise ValueError(
                f"path: the {split} images {images.shape} and labels "
                f"{labels.shape} do not match"
            )
        x = images.reshape(images.shape[0], -1).astype(np.float32) / 127.5 - 1.0
        out += [x, labels.astype(np.int64)]
    return out[0], out[1], out[2], out[3]


def fashion_mnist_tasks(
    n_tasks: int,
    family: str = "pixels",
    *,
    m_train: int = 2000,
    m_fresh: int = 10000,
    n_swaps: int | None = 200,
    seed: int = 0,
    path: str | os.PathLike[str] | None = None,
) -> MultitaskData:
    """Disjoint Fashion-MNIST tasks of the slides' families, fresh from the test set.

    Parameters
    ----------
    n_tasks, family, m_train, n_swaps
        As in :func:`make_tasks`; ``n_tasks * m_train <= 60000`` (the slides'
        30 tasks of 2,000 use every training image).  ``n_swaps = 200`` random
        swaps of the 784 pixel positions, as in the slides' group's code;
        ``None`` is a full permutation.
    m_fresh : int
        Size of the fresh block, ``<= 10000``: one block of test images, shared
        by every task through its own transform.
    seed : int
        Seed of the split and the permutations, ``>= 0``.
    path : str or path-like, optional
        As in :func:`load_fashion_mnist`.

    Returns
    -------
    MultitaskData
        Inputs of shape ``(n, m, 784)`` in ``[-1, 1]``; ``info`` records the
        data set, ``n_swaps`` and the seed.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`load_fashion_mnist` and :func:`make_tasks`.

    Notes
    -----
    Each task's fresh sample is i.i.d. from its distribution and independent of
    every training set, but all tasks see the *same* test images: their fresh
    errors are correlated, so the standard error of the mean fresh error over
    tasks is about that of one block of ``m_fresh`` examples, not of
    ``n m_fresh`` independent ones.
    """
    seed = check_int(seed, "seed", minimum=0)
    x_train, y_train, x_test, y_test = load_fashion_mnist(path)
    out = make_tasks(
        x_train,
        y_train,
        n_tasks,
        family,
        m_train=m_train,
        m_fresh=m_fresh,
        n_swaps=n_swaps,
        shared_fresh=True,
        fresh_pool=(x_test, y_test),
        rng=np.random.default_rng(seed),
    )
    out.info.update(dataset="fashion_mnist", seed=seed)
    return out
