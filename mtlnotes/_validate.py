"""Input validation shared by the public functions of :mod:`mtlnotes`.

Every checker raises :class:`ValueError` (or :class:`TypeError` for a wrong
type) whose message names the offending argument and the allowed range, so a
reader who passes bad input learns at once what to change.
"""

from __future__ import annotations

import functools
import numbers
from collections.abc import Callable
from typing import Any, TypeVar

import numpy as np
from numpy.typing import ArrayLike, NDArray

F = TypeVar("F", bound=Callable[..., Any])
INT64_MAX = int(np.iinfo(np.int64).max)


def as_float_array(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``x`` as a float64 array, rejecting non-numeric, NaN and inf input."""
    try:
        arr = np.asarray(x, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(f"{name} must be numeric, got {type(x).__name__}") from err
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} must be finite (no NaN or inf)")
    return arr


def check_probability(
    x: ArrayLike, name: str, *, open_low: bool = False, open_high: bool = False
) -> NDArray[np.float64]:
    """Return ``x`` as a float array after checking it lies in [0, 1].

    ``open_low`` / ``open_high`` exclude the end points 0 / 1.
    """
    arr = as_float_array(x, name)
    low_ok = arr > 0 if open_low else arr >= 0
    high_ok = arr < 1 if open_high else arr <= 1
    if not np.all(low_ok & high_ok):
        lo = "(0" if open_low else "[0"
        hi = "1)" if open_high else "1]"
        raise ValueError(f"{name} must lie in {lo}, {hi}")
    return arr


def check_nonnegative(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``x`` as a float array after checking ``x >= 0`` elementwise."""
    arr = as_float_array(x, name)
    if np.any(arr < 0):
        raise ValueError(f"{name} must be >= 0")
    return arr


def check_positive(x: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``x`` as a float array after checking ``x > 0`` elementwise."""
    arr = as_float_array(x, name)
    if np.any(arr <= 0):
        raise ValueError(f"{name} must be > 0")
    return arr


def check_int(x: object, name: str, *, minimum: int | None = None) -> int:
    """Return ``x`` as a Python int, checking it is integral and ``>= minimum``."""
    if isinstance(x, bool | np.bool_):
        raise TypeError(f"{name} must be an integer, got {x!r}")
    if not isinstance(x, numbers.Integral):
        if isinstance(x, numbers.Real) and np.isfinite(x) and float(x).is_integer():
            x = int(x)
        else:
            raise TypeError(f"{name} must be an integer, got {x!r}")
    value = int(x)
    if minimum is not None and value < minimum:
        raise ValueError(f"{name} must be an integer >= {minimum}, got {value}")
    if value > INT64_MAX:
        raise ValueError(f"{name} must be an integer <= 2**63 - 1, got {value:.3g}")
    return value


def check_square_matrix(a: ArrayLike, name: str) -> NDArray[np.float64]:
    """Return ``a`` as a finite float 2-D square array."""
    arr = as_float_array(a, name)
    if arr.ndim != 2 or arr.shape[0] != arr.shape[1] or arr.shape[0] == 0:
        raise ValueError(
            f"{name} must be a non-empty square 2-D matrix, got shape {arr.shape}"
        )
    return arr


def check_symmetric(a: ArrayLike, name: str, *, rtol: float = 1e-10) -> NDArray:
    """Return ``a`` as a square float array after checking it is symmetric."""
    arr = check_square_matrix(a, name)
    scale = max(float(np.max(np.abs(arr))), 1.0)
    if not np.allclose(arr, arr.T, rtol=0.0, atol=rtol * scale):
        raise ValueError(f"{name} must be symmetric")
    return arr


def check_spd(a: ArrayLike, name: str) -> tuple[NDArray, NDArray]:
    """Check ``a`` is symmetric positive definite; return ``(a, eigenvalues)``.

    Eigenvalues are returned in ascending order.  A matrix whose smallest
    eigenvalue is not positive (to within round-off, ``n * eps * lambda_max``)
    is rejected.
    """
    arr = check_symmetric(a, name)
    eig = np.linalg.eigvalsh((arr + arr.T) / 2)
    tol = arr.shape[0] * np.finfo(float).eps * max(abs(eig[-1]), 1e-300)
    if eig[0] <= tol:
        raise ValueError(
            f"{name} must be positive definite (smallest eigenvalue {eig[0]:.3g})"
        )
    return arr, eig


def check_psd(a: ArrayLike, name: str) -> tuple[NDArray, NDArray]:
    """Check ``a`` is symmetric positive semidefinite; return ``(a, eigenvalues)``."""
    arr = check_symmetric(a, name)
    eig = np.linalg.eigvalsh((arr + arr.T) / 2)
    tol = arr.shape[0] * np.finfo(float).eps * max(abs(eig[-1]), 1e-300) * 10
    if eig[0] < -tol:
        raise ValueError(
            f"{name} must be positive semidefinite (smallest eigenvalue {eig[0]:.3g})"
        )
    return arr, np.clip(eig, 0.0, None)


def check_generator(rng: object, name: str = "rng") -> np.random.Generator:
    """Return ``rng`` after checking it is a ``numpy.random.Generator``.

    Random functions take a generator made by ``np.random.default_rng(seed)``
    so that every draw is reproducible and no global state is used.
    """
    if not isinstance(rng, np.random.Generator):
        raise TypeError(
            f"{name} must be a numpy.random.Generator "
            f"(use np.random.default_rng(seed)), got {type(rng).__name__}"
        )
    return rng


def check_shape(x: NDArray, shape: tuple[int | None, ...], name: str) -> NDArray:
    """Check ``x.shape`` matches ``shape``, where ``None`` matches any size."""
    x = np.asarray(x) if not hasattr(x, "ndim") else x
    ok = x.ndim == len(shape) and all(
        want is None or got == want for got, want in zip(x.shape, shape, strict=False)
    )
    if not ok:
        pretty = "(" + ", ".join("any" if s is None else str(s) for s in shape) + ")"
        raise ValueError(f"{name} must have shape {pretty}, got {x.shape}")
    return x


class FloatRangeError(ValueError, OverflowError):
    """Input so large that a result leaves the float64 range.

    A :class:`ValueError` (bad input, named in the message) that is also an
    :class:`OverflowError`, for callers that catch that.
    """


def guard_overflow(*names: str) -> Callable[[F], F]:
    """Decorator: a float64 overflow inside the function becomes a clear error.

    The function runs with NumPy overflow set to raise; a NumPy
    ``FloatingPointError`` or a Python ``OverflowError`` (e.g. ``sigma**2`` for
    ``sigma = 1e308``) is re-raised as :class:`FloatRangeError` naming the
    arguments ``names`` whose size can cause it and the range they must keep
    the result in.  Code that overflows on purpose keeps its own
    ``np.errstate`` (an inner ``errstate`` wins).
    """

    if not names or not all(isinstance(n, str) for n in names):
        raise ValueError(f"names must be one or more argument names, got {names!r}")

    def decorate(func: F) -> F:
        @functools.wraps(func)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            try:
                with np.errstate(over="raise"):
                    return func(*args, **kwargs)
            except FloatRangeError:
                raise
            except (FloatingPointError, OverflowError) as err:
                raise FloatRangeError(
                    f"{' or '.join(names)} too large for {func.__name__}: a result "
                    f"exceeds the float64 range (|x| <= {np.finfo(float).max:.3g}); "
                    f"{err}"
                ) from err

        return wrapper  # type: ignore[return-value]

    return decorate


def check_sizes(sizes: ArrayLike, name: str = "sizes") -> NDArray[np.int64]:
    """Return task sizes as a 1-D int64 array after checking them.

    Parameters
    ----------
    sizes : array_like
        Task sizes ``(m_1, ..., m_n)``: a non-empty 1-D sequence of integers ``>= 1``.
    name : str
        Argument name used in error messages.

    Returns
    -------
    ndarray of int64, shape (n,)

    Raises
    ------
    ValueError
        If ``sizes`` is empty, not 1-D, not integral, or has an entry outside
        ``[1, 2**53]``.
    """
    arr = np.asarray(sizes)
    if arr.ndim != 1 or arr.size == 0:
        raise ValueError(f"{name} must be a non-empty 1-D sequence of integers >= 1")
    try:
        flt = np.asarray(arr, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise ValueError(f"{name} must be integers >= 1") from err
    integral = np.all(np.isfinite(flt)) and np.all(flt == np.round(flt))
    if arr.dtype == bool or not integral or np.any(flt < 1):
        raise ValueError(f"{name} must be integers >= 1")
    if np.any(flt > 2.0**53):  # beyond, float64 no longer holds every integer
        raise ValueError(f"{name} must be integers in [1, 2**53]")
    return flt.astype(np.int64)


def check_count(x: ArrayLike, name: str, minimum: int) -> NDArray[np.int64]:
    """Return ``x`` as an int64 array after checking integer values ``>= minimum``."""
    arr = np.asarray(x)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"{name} must be an integer, got dtype {arr.dtype}")
    if np.issubdtype(arr.dtype, np.floating) and not (
        np.all(np.isfinite(arr)) and np.all(arr == np.floor(arr))
    ):
        raise ValueError(f"{name} must be an integer >= {minimum}")
    if np.any(arr < minimum) or np.any(arr > 2**53):
        raise ValueError(f"{name} must be an integer >= {minimum} (and <= 2**53)")
    return arr.astype(np.int64)
