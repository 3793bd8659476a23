"""Reliability: every public function of ``mtlnotes`` rejects bad input clearly.

The table ``SPECS`` gives, for each public function, a *valid* call (checked to run
and return finite numbers) and, for each argument, the kinds of bad value to try:
NaN, inf, a string, ``None``, a negative number, a probability above 1, a float
where an integer is needed, an array of the wrong shape, 1e308 where the size of a
value overflows float64 or int64, an empty list.  Each bad call must raise
``ValueError`` or ``TypeError`` whose message names the argument (never return NaN
silently, never hang: every test here runs under a ``SIGALRM`` timeout).
``CUSTOM`` adds cases the generic probes cannot express (mismatched shapes, bad
options, the command line).  ``test_every_public_function_has_a_case`` makes a new
public function without an entry here fail the suite.

Known failures are marked ``xfail(strict=True)`` in ``REPORTED``: when the module
is fixed the case passes, the strict xfail fails, and the mark must be removed.

``test_fuzz_every_argument`` replaces each argument of each valid call in turn by
NaN, ±inf, 0, -1, 1e308, a string, ``None`` and ``[]``: the call may return or raise
``ValueError``/``TypeError``, nothing else (no other exception, no RuntimeWarning).
``test_overflowing_scale_is_rejected`` and ``test_integer_arguments_reject_1e308``
pin the overflow cases the fuzz found.

``test_extremes_*`` check that the numerics stay finite at the edges the book uses:
``q ∈ {0, 1}``, ``μ → 0``, ``mn = 10⁶`` and ``κ = 10¹²``.
"""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import math
import pkgutil
import re
import signal
import typing
import warnings
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from scipy.special import gammaln, xlogy

import mtlnotes

TIMEOUT_S = 60  # per test; the slowest valid call takes ~1 s (torch import aside)


@pytest.fixture(autouse=True)
def _alarm():
    """Fail (instead of hanging) a test that runs longer than ``TIMEOUT_S``."""

    def handler(signum, frame):
        raise TimeoutError(f"test exceeded {TIMEOUT_S} s")

    previous = signal.signal(signal.SIGALRM, handler)
    signal.alarm(TIMEOUT_S)
    yield
    signal.alarm(0)
    signal.signal(signal.SIGALRM, previous)


# --------------------------------------------------------------------------- helpers
def _modules() -> list:
    """Every module of the package, subpackages included (``mtlnotes.experiments``,
    ``mtlnotes.course``); a module that fails to import fails the caller."""
    names = ["mtlnotes"]

    def fail(name: str) -> None:
        raise ImportError(f"cannot import {name}")

    names += [
        info.name
        for info in pkgutil.walk_packages(mtlnotes.__path__, "mtlnotes.", onerror=fail)
    ]
    return [importlib.import_module(name) for name in sorted(names)]


def public_functions() -> dict[str, Callable]:
    """``"module.name" -> object`` for every public callable of every module.

    Public means listed in ``__all__`` (or, without ``__all__``, a callable defined
    in the module whose name has no leading underscore).  A name another module
    defines (a re-export, e.g. ``bounds.dense_code_bits`` from ``coding``) is
    counted where it is defined.  Error types and plain record types
    (dataclasses and named tuples) hold data only and are left out.
    """
    found = {}
    for module in _modules():
        names = getattr(module, "__all__", None)
        if names is None:
            names = [
                n
                for n, obj in vars(module).items()
                if not n.startswith("_")
                and callable(obj)
                and getattr(obj, "__module__", None) == module.__name__
            ]
        for name in names:
            obj = getattr(module, name)
            if not callable(obj):  # a constant
                continue
            if getattr(obj, "__module__", module.__name__) != module.__name__:
                continue  # a re-export: counted in its own module
            if inspect.isclass(obj) and (
                dataclasses.is_dataclass(obj)
                or hasattr(obj, "_fields")
                or issubclass(obj, BaseException)  # an error type, not a function
            ):
                continue
            short = module.__name__.removeprefix("mtlnotes.")
            found[f"{short}.{name}"] = obj
    return found


def test_discovery_recurses_and_fails_on_import_errors(monkeypatch):
    found = public_functions()
    assert "experiments.core.run_jobs" in found and "bounds.occam_bound" in found
    assert "course.assign.student_notebook" in found
    assert "assign.student_notebook" not in found  # the old path re-exports it
    real = importlib.import_module

    def broken(name, *args):
        if name == "mtlnotes.experiments.subspace":
            raise ImportError("boom")
        return real(name, *args)

    monkeypatch.setattr(importlib, "import_module", broken)
    with pytest.raises(ImportError):
        public_functions()


def resolve(qualname: str) -> Callable:
    module, name = qualname.rsplit(".", 1)
    return getattr(importlib.import_module(f"mtlnotes.{module}"), name)


def corrupt(value: Any, kind: str) -> Any:
    """A bad version of the valid argument ``value``."""
    if kind == "str":
        return "abc"
    if kind == "none":
        return None
    if kind == "float":  # a non-integer where an integer is needed
        return 2.5
    if kind == "empty":
        return []
    if kind in ("nan", "inf", "neg", "prob", "zero", "huge"):
        bad = {
            "nan": np.nan,
            "inf": np.inf,
            "neg": -1.0,
            "prob": 1.5,
            "zero": 0.0,
            "huge": 1e308,
        }
        if np.ndim(value) == 0:
            if kind in ("neg", "zero") and isinstance(value, int | np.integer):
                return int(bad[kind])  # an integer argument gets an integer
            return bad[kind]
        arr = np.array(value, dtype=np.float64)
        arr.flat[0] = bad[kind]
        return arr
    if kind == "shape":  # one more column (or entry): non-square / mismatched
        arr = np.asarray(value, dtype=np.float64)
        pad = [(0, 0)] * (arr.ndim - 1) + [(0, 1)]
        return np.pad(arr, pad, constant_values=0.5)
    raise AssertionError(kind)


def all_finite(out: Any) -> bool:
    """Whether every number in ``out`` (arrays, tuples, lists, records) is finite."""
    if dataclasses.is_dataclass(out) and not isinstance(out, type):
        return all(all_finite(getattr(out, f.name)) for f in dataclasses.fields(out))
    if isinstance(out, tuple | list):
        return all(all_finite(o) for o in out)
    if isinstance(out, bool | str | type(None)):
        return True
    try:
        import torch

        if isinstance(out, torch.Tensor):
            return bool(torch.isfinite(out).all())
        if isinstance(out, torch.nn.Module):
            return all(bool(torch.isfinite(p).all()) for p in out.parameters())
    except ImportError:  # pragma: no cover
        pass
    if isinstance(out, np.ndarray | float | int | np.number):
        return bool(np.all(np.isfinite(out)))
    return True


# ---------------------------------------------------------------- valid inputs
def rng() -> np.random.Generator:
    return np.random.default_rng(0)


SPD = np.array([[2.0, 0.5, 0.0], [0.5, 1.0, 0.2], [0.0, 0.2, 1.5]])
X6x3 = np.random.default_rng(1).normal(size=(6, 3))
Y6 = np.random.default_rng(2).normal(size=6)
THETA3 = np.array([1.0, -0.5, 0.25])
MAT = ("nan", "inf", "str", "none", "shape")  # square matrices
ARR = ("nan", "inf", "str", "none")
PROB = ("nan", "inf", "str", "none", "neg", "prob")
POS = ("nan", "inf", "str", "none", "neg")  # add "zero" where 0 is excluded
NONNEG = ("nan", "inf", "str", "none", "neg")
INT = ("float", "str", "none", "neg")
RNG = ("str", "none")


def kernel_args() -> dict:
    x = np.random.default_rng(3).normal(size=(7, 2))
    k = np.exp(-((x[:, None, :] - x[None, :, :]) ** 2).sum(-1))
    return {"train": k[:5, :5], "cross": k[5:, :5], "test": k[5:, 5:], "y": x[:5, 0]}


def linrep_problem():
    from mtlnotes.linrep import make_problem

    return make_problem(4, 2, 2, 3, rng())


def linrep_truth() -> dict:
    """The true representation, heads and covariance of the small problem."""
    p = linrep_problem()
    return {
        "Phi": p.Phi_star,
        "F_star": p.F_star,
        "Phi_star": p.Phi_star,
        "Sigma_x": p.Sigma_x,
    }


def linrep_phi():
    """A representation near, but not equal to, the true one."""
    return linrep_problem().Phi_star + 0.1 * rng().normal(size=(2, 4))


def linrep_data():
    from mtlnotes.linrep import sample_tasks

    return sample_tasks(linrep_problem(), 8, rng())


def linrep_finetune() -> dict:
    problem = linrep_problem()
    x = np.random.default_rng(4).normal(size=(8, 4))
    y = x @ (problem.F_star[0] @ problem.Phi_star).T
    return {"Phi": problem.Phi_star, "X": x, "Y": y}


def shallow_args() -> dict:
    """A small teacher problem and a starting point for the shallow network."""
    from mtlnotes.shallow import make_teacher_data

    X, y, W, a = make_teacher_data(8, 3, 4, 0.1, rng())
    return {"W": W + 0.1, "a": a, "X": X, "y": y, "sigma": 0.5, "tau": 2.0}


def shallow_minimum() -> dict:
    """``shallow_args`` with ``W`` replaced by a local minimiser ``W_min``."""
    from mtlnotes.shallow import minimize_map

    args = shallow_args()
    W = args.pop("W")
    return {"W_min": minimize_map(W, **args, polish=2), **args}


SHALLOW_PROBES = {
    "a": (*ARR, "shape"),
    "X": (*ARR, "shape"),
    "y": (*ARR, "shape"),
    "sigma": (*POS, "zero"),
    "tau": ("nan", "str", "none", "neg", "zero"),  # tau = inf is plain ERM
}


def adaptive_problem():
    from mtlnotes.adaptive import make_environments

    return make_environments(3, 2, rng(), rank=3, floor=0.1, sigma=0.5)


def adaptive_result():
    from mtlnotes.adaptive import run_pipeline

    return run_pipeline(
        adaptive_problem(),
        T=3,
        n=6,
        n_finetune=4,
        n_runs=3,
        kappa_target=10.0,
        rng=rng(),
    )


def adaptive_args() -> dict:
    """A representation with orthonormal rows, a design and a task in d = 3."""
    phi = np.linalg.qr(rng().normal(size=(3, 2)))[0].T
    return {"Phi": phi, "X": X6x3, "theta": THETA3}


def coding_code():
    from mtlnotes.coding import range_encode

    return range_encode([0, 2, 1, 1, 3], 4)


def digit_tasks():
    from mtlnotes.data import make_digit_tasks

    return make_digit_tasks(2, n_train=10, n_test=10)


def notebook():
    import nbformat

    nb = nbformat.v4.new_notebook()
    nb.cells = [
        nbformat.v4.new_markdown_cell("# Title"),
        nbformat.v4.new_code_cell("1"),
    ]
    return nb


def exercise_notebook():
    """A chapter with one exercise ``ex-a-1`` and its check cell (nbgrader ids)."""
    import nbformat

    nb = notebook()
    check = nbformat.v4.new_code_cell("assert 1 + 1 == 2")
    check.metadata["nbgrader"] = {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "ex-a-1-check-1",
        "schema_version": 3,
    }
    nb.cells.append(check)
    return nb


# a stored file of hidden tests (the valid input of course.assign.read_hidden_tests)
HIDDEN_TESTS = Path(__file__).parent / "hidden" / "gd_contraction.py"


def draw_line(ax, value):
    """A cheap ``draw(ax, value)`` for the interactive figures."""
    ax.plot([0.0, 1.0], [0.0, value])


def frames_args() -> dict:
    """The smallest valid figure: two frames of 1 x 1 inch at 20 dpi."""
    return {"draw": draw_line, "values": [0.0, 1.0], "figsize": (1.0, 1.0), "dpi": 20}


FIGSIZE = (*POS, "zero", "huge", "empty")  # 1e308 inches: beyond 2**16 pixels


def ntk_model():
    from mtlnotes.ntk import make_mlp

    return make_mlp(3, 8, 1, seed=0)


X4x3 = np.random.default_rng(5).normal(size=(4, 3))


def subspace_setup() -> dict:
    import torch

    from mtlnotes.subspace import SubspaceNet, make_mlp

    net = SubspaceNet(make_mlp([4, 5, 3], seed=0), n_tasks=2, k=3, seed=0)
    gen = torch.Generator().manual_seed(0)
    x = torch.randn(2, 6, 4, generator=gen)
    y = torch.randint(0, 3, (2, 6), generator=gen)
    return {"net": net, "x": x, "y": y}


# qualname -> (factory of valid keyword arguments, {argument: bad kinds to try})
# The expected name in the message is the argument's name, except for the
# ``_validate`` helpers, which must name whatever ``name`` they are given.
V = {"name": "alpha"}
SPECS: dict[str, tuple[Callable[[], dict], dict[str, tuple[str, ...]]]] = {
    # _validate ----------------------------------------------------------------
    "_validate.as_float_array": (lambda: {"x": [0.5, 1.0], **V}, {"x": ARR}),
    "_validate.check_probability": (lambda: {"x": [0.5, 1.0], **V}, {"x": PROB}),
    "_validate.check_nonnegative": (lambda: {"x": [0.0, 1.0], **V}, {"x": NONNEG}),
    "_validate.check_positive": (
        lambda: {"x": [0.5, 1.0], **V},
        {"x": (*POS, "zero")},
    ),
    "_validate.check_int": (
        lambda: {"x": 3, "name": "alpha", "minimum": 0},
        {"x": INT},
    ),
    "_validate.check_generator": (
        lambda: {"rng": np.random.default_rng(0), **V},
        {"rng": ("str", "none", "float")},
    ),
    "_validate.check_shape": (
        lambda: {"x": np.zeros((2, 3)), "shape": (2, 3), **V},
        {"x": ("shape",)},
    ),
    "_validate.check_square_matrix": (lambda: {"a": SPD, **V}, {"a": MAT}),
    "_validate.check_symmetric": (lambda: {"a": SPD, **V}, {"a": MAT}),
    "_validate.check_spd": (lambda: {"a": SPD, **V}, {"a": (*MAT, "neg")}),
    "_validate.check_psd": (lambda: {"a": SPD, **V}, {"a": (*MAT, "neg")}),
    # optim --------------------------------------------------------------------
    "optim.condition_number": (lambda: {"H": SPD}, {"H": MAT}),
    "optim.optimal_step_size": (lambda: {"H": SPD}, {"H": MAT}),
    "optim.contraction_factor": (
        lambda: {"H": SPD, "eta": 0.5},
        {"H": MAT, "eta": (*POS, "zero")},
    ),
    "optim.gd_contraction": (lambda: {"H": SPD}, {"H": (*MAT, "neg")}),
    "optim.gd_quadratic": (
        lambda: {"H": SPD, "b": THETA3, "beta0": np.zeros(3), "eta": 0.5, "n_steps": 3},
        {
            "H": MAT,
            "b": (*ARR, "shape"),
            "beta0": (*ARR, "shape"),
            "eta": POS,
            "n_steps": INT,
        },
    ),
    "optim.iterations_to_tolerance": (
        lambda: {"kappa": [1.0, 10.0], "tol": 1e-3},
        {"kappa": (*ARR, "zero", "huge"), "tol": (*PROB, "zero")},
    ),
    # glue ---------------------------------------------------------------------
    "glue.round_significant": (
        lambda: {"value": 0.4435, "digits": 3},
        {
            "value": ("nan", "inf", "str", "none"),
            "digits": ("float", "str", "none", "neg"),
        },
    ),
    "glue.glue": (
        lambda: {"name": "k", "value": 0.4435, "digits": 3},
        {"name": ("none", "float"), "value": ("nan", "inf", "str", "none")},
    ),
    # kl -----------------------------------------------------------------------
    "kl.kl_bernoulli": (lambda: {"q": [0.1, 0.5], "p": 0.3}, {"q": PROB, "p": PROB}),
    **{
        f"kl.{name}": (
            lambda: {"q": [0.1, 0.5], "c": 0.2},
            {"q": PROB, "c": ("nan", "str", "none", "neg")},  # c = inf is allowed
        )
        for name in ("kl_inv_upper", "kl_inv_lower")
    },
    # bounds -------------------------------------------------------------------
    **{
        f"bounds.{name}": (
            lambda: {"emp_risk": 0.1, "bits": 100.0, "m": 1000, "delta": 0.05},
            {
                "emp_risk": PROB,
                "bits": NONNEG,
                "m": (*INT, "zero"),
                "delta": (*PROB, "zero"),
            },
        )
        for name in ("occam_bound", "fast_rate_bound", "pinsker_fast_rate_bound")
    },
    "experiments.core.environment": (lambda: {}, {}),
    "bounds.balanced_multitask_bounds": (
        lambda: {"train_err": [0.1, 0.2], "bits": 100.0, "m": 50, "delta": 0.05},
        {
            "train_err": PROB,
            "bits": NONNEG,
            "m": (*INT, "zero"),
            "delta": (*PROB, "zero"),
        },
    ),
    "_validate.check_count": (
        lambda: {"x": [1, 2], "name": "alpha", "minimum": 1},
        {"x": (*INT, "zero")},
    ),
    "unbalanced.ideal_kl_bound": (
        lambda: {
            "train_err": [0.1, 0.2],
            "bits": 100.0,
            "sizes": [50, 500],
            "delta": 0.05,
            "lam": [25.0, 50.0],
            "log_sup": [0.05, 0.1],
        },
        {
            "train_err": (*PROB, "shape"),
            "bits": NONNEG,
            "sizes": (*ARR, "neg", "float", "zero"),
            "delta": (*PROB, "zero"),
            "lam": ("nan", "str", "none", "neg"),
            "log_sup": ("nan", "str", "none", "neg"),
        },
    ),
    "mgf.sup_kl_mgf_binned": (
        lambda: {"sizes": [3, 8, 20], "lam_fractions": [0.5, 1.0], "n_mu": 4},
        {
            "sizes": (*ARR, "neg", "float", "zero"),
            "lam_fractions": (*PROB, "zero"),
            "n_mu": (*INT, "zero"),
            "cells": (*INT, "zero"),
        },
    ),
    "data.log_uniform_sizes": (
        lambda: {"n_tasks": 4, "m_lo": 5, "m_hi": 50, "seed": 0},
        {
            "n_tasks": (*INT, "zero"),
            "m_lo": (*INT, "zero"),
            "m_hi": (*INT, "zero"),
            "seed": INT,
        },
    ),
    "data.make_unbalanced_tasks": (
        lambda: {"sizes": [5, 12], "m_fresh": 8},
        {"sizes": (*ARR, "neg", "float", "zero"), "m_fresh": (*INT, "zero")},
    ),
    "subspace.task_weights": (
        lambda: {"sizes": [5, 12], "weighting": "sample"},
        {"sizes": (*ARR, "neg", "float", "zero"), "weighting": ("none", "float")},
    ),
    "bounds.fast_rate_budget": (
        lambda: {"bits": 100.0, "m": 1000, "delta": 0.05},
        {"bits": NONNEG, "m": (*INT, "zero"), "delta": (*PROB, "zero")},
    ),
    "coding.dense_code_bits": (
        lambda: {"dim": 100},
        {"dim": (*INT, "zero"), "bits_per_value": (*INT, "zero")},
    ),
    "coding.codebook_code_bits": (
        lambda: {"dim": 100, "codebook_size": 16},
        {
            "dim": (*INT, "zero"),
            "codebook_size": (*INT, "zero"),
            "bits_per_value": (*INT, "zero"),
        },
    ),
    "coding.sparse_code_bits": (
        lambda: {"dim": 100, "nnz": 10},
        {"dim": (*INT, "zero"), "nnz": INT, "bits_per_value": (*INT, "zero")},
    ),
    "coding.elias_gamma_bits": (lambda: {"n": [1, 5, 100]}, {"n": (*INT, "zero")}),
    # mgf ----------------------------------------------------------------------
    **{
        f"mgf.{name}": (
            lambda: {"sizes": [3, 4], "mu": 0.3, "lam": 3.0},
            {
                "sizes": (*ARR, "neg", "float"),
                "mu": (*PROB, "zero"),
                "lam": NONNEG,
            },
        )
        for name in ("kl_mgf", "log_kl_mgf", "log_blowup_lower_bound")
    },
    "mgf.logit_grid": (
        lambda: {"num": 11, "eps": 1e-6},
        {"num": (*INT, "nan"), "eps": (*PROB, "zero")},
    ),
    "mgf.sup_kl_mgf": (
        lambda: {"sizes": [3, 3], "lam": 3.0, "mu": [0.2, 0.5]},
        {"sizes": (*ARR, "neg"), "lam": NONNEG, "mu": (*PROB, "zero")},
    ),
    "mgf.log_kl_mgf_binned": (
        lambda: {"sizes": [3, 4], "mu": 0.3, "lam": 3.0, "cells": 64},
        {
            "sizes": (*ARR, "neg", "float"),
            "mu": (*PROB, "zero"),
            "lam": NONNEG,
            "cells": (*INT, "zero"),
        },
    ),
    # regression ---------------------------------------------------------------
    "regression.covariance_with_condition": (
        lambda: {"d": 3, "kappa": 10.0, "rng": rng()},
        {"d": (*INT, "zero"), "kappa": (*ARR, "neg"), "rng": RNG},
    ),
    "regression.gaussian_design": (
        lambda: {"Sigma": SPD, "n": 5, "n_rep": 2, "rng": rng()},
        {"Sigma": MAT, "n": INT, "n_rep": INT, "rng": RNG},
    ),
    "regression.ols_estimate": (
        lambda: {"X": X6x3, "y": Y6},
        {"X": ARR, "y": (*ARR, "shape")},
    ),
    "regression.ols_risk": (
        lambda: {"Sigma": SPD, "n": 10, "sigma": 1.0},
        {"Sigma": MAT, "n": INT, "sigma": NONNEG},
    ),
    "regression.ols_risk_mc": (
        lambda: {"Sigma": SPD, "n": 10, "sigma": 1.0, "n_rep": 4, "rng": rng()},
        {"Sigma": MAT, "n": INT, "sigma": NONNEG, "n_rep": INT, "rng": RNG},
    ),
    "regression.ridge_bayes_risk": (
        lambda: {"X": X6x3, "tau": 1.0, "sigma": 0.5, "lam": 0.25},
        {"X": ARR, "tau": NONNEG, "sigma": NONNEG, "lam": NONNEG},
    ),
    "regression.ridge_estimate": (
        lambda: {"X": X6x3, "y": Y6, "lam": 0.1},
        {"X": ARR, "y": (*ARR, "shape"), "lam": NONNEG},
    ),
    "regression.ridge_posterior_risk": (
        lambda: {"X": X6x3, "sigma": 0.5, "lam": [0.1, 1.0]},
        {"X": ARR, "sigma": NONNEG, "lam": NONNEG},
    ),
    "regression.ridge_risk": (
        lambda: {"X": X6x3, "theta": THETA3, "sigma": 0.5, "lam": 0.1},
        {"X": ARR, "theta": (*ARR, "shape"), "sigma": NONNEG, "lam": NONNEG},
    ),
    "regression.ridge_risk_mc": (
        lambda: {
            "X": X6x3,
            "theta": THETA3,
            "sigma": 0.5,
            "lam": 0.1,
            "n_rep": 4,
            "rng": rng(),
        },
        {
            "X": ARR,
            "theta": (*ARR, "shape"),
            "sigma": NONNEG,
            "lam": NONNEG,
            "n_rep": INT,
            "rng": RNG,
        },
    ),
    # kernels ------------------------------------------------------------------
    "kernels.gp_posterior": (
        lambda: (
            lambda k: {
                "K0_train": k["train"],
                "K0_cross": k["cross"],
                "K0_test": k["test"],
                "y": k["y"],
                "sigma": 0.1,
            }
        )(kernel_args()),
        {
            "K0_train": MAT,
            "K0_cross": (*ARR, "shape"),
            "K0_test": MAT,
            "y": (*ARR, "shape"),
            "sigma": NONNEG,
            "tau": POS,
        },
    ),
    "kernels.kernel_ridge_predict": (
        lambda: (
            lambda k: {
                "K_train": k["train"],
                "K_cross": k["cross"],
                "y": k["y"],
                "lam": 0.1,
            }
        )(kernel_args()),
        {
            "K_train": MAT,
            "K_cross": (*ARR, "shape"),
            "y": (*ARR, "shape"),
            "lam": NONNEG,
        },
    ),
    "kernels.ridge_gd_steps": (
        lambda: {"K": kernel_args()["train"], "lam": 0.1},
        {"K": MAT, "lam": NONNEG, "tol": (*PROB, "zero")},
    ),
    "kernels.ridge_condition_number": (
        lambda: {"K": kernel_args()["train"], "lam": [0.1, 1.0]},
        {"K": MAT, "lam": NONNEG},
    ),
    # linrep -------------------------------------------------------------------
    "linrep.apply_gauge": (
        lambda: {
            "F": linrep_problem().F_star,
            "Phi": linrep_problem().Phi_star,
            "Q": np.array([[2.0, 1.0], [0.0, 1.0]]),
        },
        {"F": ARR, "Phi": ARR, "Q": (*MAT, "zero")},
    ),
    **{
        f"linrep.{name}": (
            linrep_truth,
            {"Phi": (*ARR, "shape"), "F_star": ARR, "Phi_star": ARR, "Sigma_x": MAT},
        )
        for name in ("best_heads", "inf_excess_risk")
    },
    "linrep.excess_risk": (
        lambda: {"F": linrep_problem().F_star, **linrep_truth()},
        {
            "F": ARR,
            "Phi": (*ARR, "shape"),
            "F_star": ARR,
            "Phi_star": ARR,
            "Sigma_x": MAT,
        },
    ),
    "linrep.diagonal_conditioner": (
        lambda: {"kappa": 10.0, "r": 3},
        {"kappa": (*ARR, "neg"), "r": (*INT, "zero")},
    ),
    "linrep.effective_task_diversity": (
        lambda: {
            "Phi": linrep_problem().Phi_star,
            "problem": linrep_problem(),
            "N": 6,
            "n_runs": 3,
            "rng": rng(),
        },
        {
            "Phi": (*ARR, "shape"),
            "problem": ("str", "none"),
            "N": INT,
            "n_runs": INT,
            "rng": RNG,
        },
    ),
    "linrep.expected_ls_excess_risk": (
        lambda: {"inf_er": 0.1, "d_y": 2, "sigma": 0.5, "r": 2, "N": 10},
        {"inf_er": NONNEG, "d_y": INT, "sigma": NONNEG, "r": INT, "N": INT},
    ),
    "linrep.finetune_gd": (
        lambda: {**linrep_finetune(), "n_steps": 3},
        {
            "Phi": (*ARR, "shape"),
            "X": (*ARR, "shape"),
            "Y": ARR,
            "n_steps": INT,
            "eta": POS,
        },
    ),
    "linrep.fit_heads": (
        lambda: {"Phi": linrep_problem().Phi_star, "data": linrep_data()},
        {"Phi": (*ARR, "shape"), "data": ("str", "none")},
    ),
    "linrep.fit_heads_gd": (
        lambda: {"Phi": linrep_problem().Phi_star, "data": linrep_data(), "n_steps": 3},
        {"Phi": (*ARR, "shape"), "data": ("str", "none"), "n_steps": INT},
    ),
    "linrep.ratio_of_means": (
        lambda: {"a": [1.0, 2.0, 3.0], "b": [2.0, 2.5, 3.0]},
        {"a": (*ARR, "shape"), "b": (*ARR, "shape")},
    ),
    "linrep.gd_finetune_iterations": (
        lambda: {**linrep_finetune(), "tol": 1e-3},
        {
            "Phi": (*ARR, "shape"),
            "X": (*ARR, "shape"),
            "Y": ARR,
            "tol": (*PROB, "zero"),
        },
    ),
    "linrep.head_variance": (
        lambda: {
            "Phi": linrep_finetune()["Phi"],
            "X": linrep_finetune()["X"],
            "sigma": 0.5,
            "d_y": 2,
        },
        {"Phi": (*ARR, "shape"), "X": (*ARR, "shape"), "sigma": POS, "d_y": INT},
    ),
    "linrep.head_variance_mc": (
        lambda: (
            lambda f: {
                "Phi": f["Phi"],
                "X": f["X"],
                "mean_Y": f["Y"],
                "sigma": 0.5,
                "n_mc": 4,
                "rng": rng(),
            }
        )(linrep_finetune()),
        {
            "Phi": (*ARR, "shape"),
            "X": (*ARR, "shape"),
            "mean_Y": ARR,
            "sigma": POS,
            "n_mc": INT,
            "rng": RNG,
        },
    ),
    "linrep.make_problem": (
        lambda: {"d_x": 4, "d_y": 2, "r": 2, "T": 3, "rng": rng()},
        {
            "d_x": INT,
            "d_y": INT,
            "r": (*INT, "zero"),
            "T": INT,
            "rng": RNG,
            "sigma": POS,
            "cond_x": (*ARR, "neg"),
        },
    ),
    "linrep.pretrain_erm": (
        lambda: {"data": linrep_data(), "r": 2, "max_iter": 50},
        {"data": ("str", "none"), "r": (*INT, "zero"), "tol": POS, "max_iter": INT},
    ),
    "linrep.pretrain_gd": (
        lambda: {
            "data": linrep_data(),
            "r": 2,
            "rng": rng(),
            "eta": 0.01,
            "n_steps": 5,
        },
        {
            "data": ("str", "none"),
            "r": (*INT, "zero"),
            "rng": RNG,
            "eta": POS,
            "n_steps": INT,
            "init_scale": POS,
        },
    ),
    "linrep.sample_tasks": (
        lambda: {"problem": linrep_problem(), "N": 5, "rng": rng()},
        {"problem": ("str", "none"), "N": (*INT, "zero"), "rng": RNG, "F_star": ARR},
    ),
    "linrep.training_loss": (
        lambda: {
            "F": linrep_problem().F_star,
            "Phi": linrep_problem().Phi_star,
            "data": linrep_data(),
        },
        {"F": ARR, "Phi": (*ARR, "shape"), "data": ("str", "none")},
    ),
    "linrep.transfer_coefficient": (
        lambda: {"Phi": linrep_phi(), "problem": linrep_problem()},
        {"Phi": (*ARR, "shape"), "problem": ("str", "none")},
    ),
    "mgf.maurer_xi_bounds": (
        lambda: {"big_n": [1, 10, 1000]},
        {"big_n": (*INT, "zero", "huge")},
    ),
    # unbalanced ---------------------------------------------------------------
    "_validate.check_sizes": (
        lambda: {"sizes": [3, 4], **V},
        {"sizes": (*ARR, "neg", "float")},
    ),
    "unbalanced.harmonic_mean": (
        lambda: {"sizes": [3, 4]},
        {"sizes": (*ARR, "neg", "float", "zero")},
    ),
    **{
        f"{module}.{name}": (
            lambda: {
                "emp_risks": [0.1, 0.2, 0.05],
                "bits": 100.0,
                "sizes": [100, 50, 400],
                "delta": 0.05,
            },
            {
                "emp_risks": (*PROB, "shape"),
                "bits": NONNEG,
                "sizes": (*ARR, "neg", "float", "zero", "shape"),
                "delta": (*PROB, "zero"),
            },
        )
        for module in ("unbalanced",)
        for name in (
            "harmonic_mean_bound",
            "min_size_fast_rate_bound",
            "sample_centric_bound",
            "task_centric_bound",
        )
    },
    "unbalanced.sample_centric_standard_bound": (
        lambda: {
            "emp_risks": [0.1, 0.2, 0.05],
            "bits": 100.0,
            "sizes": [100, 50, 400],
            "delta": 0.05,
        },
        {
            "emp_risks": (*PROB, "shape"),
            "bits": NONNEG,
            "sizes": (*ARR, "neg", "float", "zero", "shape"),
            "delta": (*PROB, "zero"),
        },
    ),
    "unbalanced.multitask_bounds": (
        lambda: {
            "train_err": [0.1, 0.2, 0.05],
            "bits": 100.0,
            "sizes": [100, 50, 400],
            "delta": 0.05,
        },
        {
            "train_err": (*PROB, "shape"),
            "bits": NONNEG,
            "sizes": (*ARR, "neg", "float", "zero", "shape"),
            "delta": (*PROB, "zero"),
        },
    ),
    "unbalanced.kl_ball_max": (
        lambda: {
            "emp_risks": [0.1, 0.2, 0.05],
            "kl_weights": [0.3, 0.2, 0.5],
            "budget": 0.05,
        },
        {
            "emp_risks": (*PROB, "shape", "empty"),
            "kl_weights": (*POS, "zero", "shape"),
            "budget": NONNEG,
            "weights": (*POS, "shape"),
        },
    ),
    "unbalanced.task_centric_budget": (
        lambda: {"bits": 100.0, "sizes": [100, 50, 400], "delta": 0.05},
        {
            "bits": NONNEG,
            "sizes": (*ARR, "neg", "float", "zero"),
            "delta": (*PROB, "zero"),
        },
    ),
    # shallow ------------------------------------------------------------------
    **{
        f"shallow.{name}": (
            shallow_args,
            {"W": (*ARR, "shape"), **SHALLOW_PROBES},
        )
        for name in ("map_loss", "map_gradient", "map_hessian")
    },
    "shallow.gd_map": (
        lambda: {
            **{("W0" if k == "W" else k): v for k, v in shallow_args().items()},
            "eta": 0.01,
            "n_steps": 3,
        },
        {
            "W0": (*ARR, "shape"),
            **SHALLOW_PROBES,
            "eta": (*POS, "zero"),
            "n_steps": INT,
        },
    ),
    "shallow.minimize_map": (
        lambda: {("W0" if k == "W" else k): v for k, v in shallow_args().items()},
        {"W0": (*ARR, "shape"), **SHALLOW_PROBES, "gtol": (*POS, "zero")},
    ),
    "shallow.local_gd_iterations": (
        lambda: {**shallow_minimum(), "delta": np.full((4, 3), 1e-3)},
        {
            "W_min": (*ARR, "shape"),
            **SHALLOW_PROBES,
            "delta": (*ARR, "shape"),
            "tol": (*PROB, "zero"),
        },
    ),
    "shallow.make_teacher_data": (
        lambda: {"n": 8, "d": 3, "m": 4, "noise": 0.1, "rng": rng()},
        {
            "n": (*INT, "zero"),
            "d": (*INT, "zero"),
            "m": (*INT, "zero"),
            "noise": NONNEG,
            "rng": RNG,
        },
    ),
    "shallow.network_output": (
        lambda: {k: v for k, v in shallow_args().items() if k in ("W", "a", "X")},
        {"W": (*ARR, "shape"), "a": (*ARR, "shape"), "X": (*ARR, "shape")},
    ),
    "shallow.shifted_condition_number": (
        lambda: {"eigenvalues": [-1.0, 0.5, 3.0], "shift": [2.0, 10.0]},
        {"eigenvalues": ARR, "shift": ARR},
    ),
    # adaptive -----------------------------------------------------------------
    "adaptive.adaptive_strength": (
        lambda: {"X": X6x3, "kappa_target": 10.0},
        {"X": ARR, "kappa_target": (*ARR, "neg", "zero"), "lam_floor": NONNEG},
    ),
    "adaptive.finetune_risk": (
        lambda: {**adaptive_args(), "sigma": 0.5, "kappa_target": 10.0},
        {
            "Phi": (*ARR, "shape"),
            "X": (*ARR, "shape"),
            "theta": (*ARR, "shape"),
            "sigma": NONNEG,
            "kappa_target": ("nan", "str", "neg", "zero"),
            "lam_floor": NONNEG,
        },
    ),
    "adaptive.headline_metrics": (
        lambda: {"result": adaptive_result()},
        {"result": ("str", "none")},
    ),
    "adaptive.sweep_readings": (
        lambda: {
            "kappas": [10.0],
            "priors": {"ERM": (None, 0.0)},
            "d": 3,
            "r": 2,
            "rank": 3,
            "sigma": 0.5,
            "T": 2,
            "n": 6,
            "n_finetune": 4,
            "n_runs": 2,
            "seed": 0,
        },
        {
            "kappas": ("nan", "inf", "str", "neg"),
            "priors": ("str", "none"),
            "d": (*INT, "zero"),
            "sigma": (*POS, "zero"),
            "n_runs": (*INT, "zero"),
            "seed": INT,
        },
    ),
    "adaptive.fit_representation": (
        lambda: {"theta_hat": rng().normal(size=(5, 3)), "r": 2},
        {"theta_hat": ARR, "r": (*INT, "zero")},
    ),
    "adaptive.make_environments": (
        lambda: {"d": 4, "r": 2, "rng": rng(), "rank": 3, "floor": 0.1, "sigma": 0.5},
        {
            "d": (*INT, "zero"),
            "r": (*INT, "zero"),
            "rng": RNG,
            "rank": (*INT, "zero"),
            "floor": NONNEG,
            "sigma": (*POS, "zero"),
        },
    ),
    "adaptive.parameter_nu": (
        lambda: {
            "Phi": adaptive_args()["Phi"],
            "theta_train": rng().normal(size=(4, 3)),
            "theta_test": THETA3,
        },
        {"Phi": (*ARR, "shape"), "theta_train": ARR, "theta_test": (*ARR, "shape")},
    ),
    "adaptive.ridge_fit": (
        lambda: {"X": X6x3, "y": Y6, "lam": 0.1},
        {"X": ARR, "y": (*ARR, "shape"), "lam": NONNEG},
    ),
    "adaptive.ridge_risk_exact": (
        lambda: {"X": X6x3, "mean_y": Y6, "target": THETA3, "sigma": 0.5, "lam": 0.1},
        {
            "X": ARR,
            "mean_y": (*ARR, "shape"),
            "target": (*ARR, "shape"),
            "sigma": NONNEG,
            "lam": NONNEG,
        },
    ),
    "adaptive.run_pipeline": (
        lambda: {
            "problem": adaptive_problem(),
            "T": 3,
            "n": 6,
            "n_finetune": 4,
            "n_runs": 2,
            "kappa_target": 10.0,
            "rng": rng(),
        },
        {
            "problem": ("str", "none"),
            "T": (*INT, "zero"),
            "n": (*INT, "zero"),
            "n_finetune": (*INT, "zero"),
            "n_runs": (*INT, "zero"),
            "kappa_target": ("nan", "str", "neg"),
            "rng": RNG,
            "lam_floor": NONNEG,
        },
    ),
    "adaptive.sample_responses": (
        lambda: {"X": X6x3, "theta": THETA3, "sigma": 0.5, "rng": rng()},
        {"X": ARR, "theta": (*ARR, "shape"), "sigma": NONNEG, "rng": RNG},
    ),
    "adaptive.sample_tasks": (
        lambda: {"problem": adaptive_problem(), "shape": (2, 3), "n": 5, "rng": rng()},
        {"problem": ("str", "none"), "shape": ("str", "none"), "n": INT, "rng": RNG},
    ),
    # coding -------------------------------------------------------------------
    "coding.compress_subspace": (
        lambda: {
            "task": rng().normal(size=(3, 4)),
            "shared": rng().normal(size=(4, 2)),
        },
        {"task": ARR, "shared": ARR, "n_levels": (*INT, "zero")},
    ),
    "coding.elias_delta_length": (
        lambda: {"n": [1, 5, 100]},
        {"n": (*INT, "zero", "huge")},
    ),
    "coding.fit_codebook": (
        lambda: {"values": rng().normal(size=50), "n_levels": 4},
        {"values": ARR, "n_levels": (*INT, "zero"), "n_iter": (*INT, "zero")},
    ),
    "coding.quantize": (
        lambda: {"values": rng().normal(size=10), "codebook": [-1.0, 0.0, 1.0]},
        {"values": ARR, "codebook": ARR},
    ),
    "coding.range_encode": (
        lambda: {"symbols": [0, 2, 1, 1, 3], "n_levels": 4},
        {"symbols": (*INT, "shape"), "n_levels": (*INT, "zero")},
    ),
    "coding.range_decode": (
        lambda: {"code": coding_code()},
        {"code": ("str", "none")},
    ),
    "data.stack_tasks": (
        lambda: {"tasks": digit_tasks()},
        {"tasks": ("str", "none")},
    ),
    # data ---------------------------------------------------------------------
    "data.make_digit_tasks": (
        lambda: {"n_tasks": 2, "n_train": 10, "n_test": 10},
        {
            "n_tasks": (*INT, "zero"),
            "kind": ("none", "str"),
            "n_train": INT,
            "n_test": ("float", "str", "neg"),
            "seed": ("float", "str", "none"),
        },
    ),
    # ntk ----------------------------------------------------------------------
    "ntk.NTKMLP": (
        lambda: {
            "d_in": 3,
            "width": 8,
            "depth": 1,
            "generator": __import__("torch").Generator().manual_seed(0),
        },
        {
            "d_in": (*INT, "zero"),
            "width": (*INT, "zero"),
            "depth": (*INT, "zero"),
            "generator": ("str", "none"),
        },
    ),
    "ntk.make_mlp": (
        lambda: {"d_in": 3, "width": 8, "depth": 1, "seed": 0},
        {
            "d_in": (*INT, "zero"),
            "width": (*INT, "zero"),
            "depth": (*INT, "zero"),
            "seed": ("float", "str", "none"),
        },
    ),
    "ntk.empirical_ntk": (
        lambda: {"model": ntk_model(), "x1": X4x3},
        {"model": ("str", "none"), "x1": (*ARR, "shape"), "x2": (*ARR, "shape")},
    ),
    "ntk.mlp_forward": (
        lambda: {
            "weights": [p.detach() for p in ntk_model().parameters()],
            "x": __import__("torch").as_tensor(X4x3),
        },
        {"weights": ("str", "none"), "x": ("str", "none")},
    ),
    "ntk.relu_kernels": (
        lambda: {"x1": X4x3, "depth": 2},
        {"x1": ARR, "x2": (*ARR, "shape"), "depth": (*INT, "zero")},
    ),
    "ntk.relu_ntk": (
        lambda: {"x1": X4x3, "depth": 2},
        {"x1": ARR, "x2": (*ARR, "shape"), "depth": (*INT, "zero")},
    ),
    "ntk.relu_output_kurtosis": (
        lambda: {"width": [1, 10, 100]},
        {"width": (*ARR, "neg", "zero")},
    ),
    "ntk.sample_prior_outputs": (
        lambda: {"x": X4x3, "width": 8, "depth": 1, "n_samples": 3, "seed": 0},
        {
            "x": ARR,
            "width": (*INT, "zero"),
            "depth": (*INT, "zero"),
            "n_samples": (*INT, "zero"),
            "seed": ("float", "str", "none"),
        },
    ),
    "ntk.train_map": (
        lambda: {
            "model": ntk_model(),
            "x": X4x3,
            "y": X4x3[:, 0],
            "lam": 0.1,
            "steps": 3,
            "lr": 0.01,
        },
        {
            "model": ("str", "none"),
            "x": ARR,
            "y": (*ARR, "shape"),
            "lam": NONNEG,
            "steps": INT,
            "lr": (*POS, "zero"),
            "anchor": ("str", "none"),
            "start": ("str",),
        },
    ),
    # subspace -----------------------------------------------------------------
    "subspace.make_slides_convnet": (
        lambda: {"seed": 0},
        {"seed": ("float", "str", "none", "neg")},
    ),
    "subspace.make_mlp": (
        lambda: {"sizes": [4, 5, 3], "seed": 0},
        {"sizes": ("str", "none", "neg", "zero"), "seed": ("float", "str", "none")},
    ),
    "subspace.SubspaceNet": (
        lambda: {
            "model": __import__("mtlnotes.subspace").subspace.make_mlp([4, 5, 3]),
            "n_tasks": 2,
            "k": 3,
        },
        {
            "model": ("str", "none"),
            "n_tasks": (*INT, "zero"),
            "k": (*INT, "zero"),
            "l": (*INT, "zero"),
            "seed": ("float", "str", "none"),
        },
    ),
    "subspace.error_rates": (
        lambda: subspace_setup(),
        {"net": ("str", "none"), "x": ("str", "none"), "y": ("str", "none")},
    ),
    "subspace.compress_and_evaluate": (
        lambda: (
            lambda a: {
                "net": a["net"],
                "data": (a["x"], a["y"], a["x"], a["y"]),
                "n_levels": 4,
            }
        )(subspace_setup()),
        {"net": ("str", "none"), "data": ("str", "none"), "n_levels": (*INT, "zero")},
    ),
    "subspace.train_subspace": (
        lambda: {**subspace_setup(), "steps": 2},
        {
            "net": ("str", "none"),
            "x": ("str", "none"),
            "y": ("str", "none"),
            "steps": (*INT, "zero"),
            "lr": (*POS, "zero"),
        },
    ),
    # assign -------------------------------------------------------------------
    "course.assign.is_solution_cell": (
        lambda: {"cell": notebook().cells[1]},
        {"cell": ("str", "none")},
    ),
    "course.assign.stub_line": (lambda: {"label": "ex-a-1"}, {"label": ("none",)}),
    "course.assign.student_notebook": (
        lambda: {"nb": notebook()},
        {"nb": ("str", "none")},
    ),
    "course.assign.answer_stub": (
        lambda: {"label": "ex-a-1"},
        {"label": ("nan", "none", "empty")},
    ),
    "course.assign.read_hidden_tests": (
        lambda: {"path": HIDDEN_TESTS},
        {"path": ("str", "nan", "none", "empty")},  # "abc" is no existing file
    ),
    "course.assign.nbgrader_source": (
        lambda: {"nb": exercise_notebook(), "hidden": {"ex-a-1-hidden": "x = 1"}},
        {"nb": ("str", "none"), "hidden": ("str", "nan", "none", "empty")},
    ),
    # baselines (scalar, plain-Python checks) ----------------------------------
    "baselines.kl_scalar": (
        lambda: {"q": 0.3, "p": 0.5},
        {"q": (*PROB, "huge"), "p": (*PROB, "zero", "huge")},
    ),
    "baselines.kl_inv_upper_brentq": (
        lambda: {"q": 0.3, "c": 0.05},
        {"q": (*PROB, "huge"), "c": ("nan", "str", "none", "neg")},  # c = inf: 1
    ),
    "baselines.kl_inversion_workload": (
        lambda: {"n": 5},
        {"n": (*INT, "zero"), "seed": INT},
    ),
    # interactive ---------------------------------------------------------------
    "interactive.front_end_attached": (lambda: {}, {}),  # no kernel under pytest
    "interactive.render_frames": (
        frames_args,
        {
            "draw": ("nan", "str", "none"),
            "values": (*ARR, "empty", "shape"),  # [0, 1, 0.5] is not increasing
            "figsize": FIGSIZE,
            "dpi": (*INT, "zero"),
        },
    ),
    "interactive.slider_controller": (
        lambda: {"labels": ["0", "1"], "label": "s", "initial_index": 0},
        {
            "labels": ("str", "none", "empty"),
            "label": ("nan", "none", "empty"),
            "initial_index": INT,
        },
    ),
    "interactive.slider_figure": (
        lambda: {**frames_args(), "label": "s", "mode": "static"},
        {
            "draw": ("nan", "str", "none"),
            "values": (*ARR, "empty", "shape"),
            "label": ("nan", "none", "empty"),
            "initial": ("nan", "inf", "str", "huge", "empty"),
            "fmt": ("nan", "none", "empty"),
            "figsize": FIGSIZE,
            "dpi": (*INT, "zero"),
            "mode": ("str", "none"),
        },
    ),
}


def _expected_name(qualname: str, arg: str) -> str:
    return "alpha" if qualname.startswith("_validate.") else arg


def _exp_config(kind: str, **over: Any) -> Any:
    """A configuration class of the experiments (imported when a case runs)."""
    from mtlnotes.experiments import config, subspace, unbalanced

    cls = {
        "TrainConfig": config.TrainConfig,
        "RunConfig": subspace.RunConfig,
        "UnbalancedConfig": unbalanced.UnbalancedConfig,
    }[kind]
    return cls(**over)


def _empty_pools() -> Any:
    from mtlnotes.experiments.core import Pools

    return Pools(len)


def _assign_dirs(tmp: Any) -> dict:
    return {"src": str(tmp / "missing"), "dest": str(tmp / "out")}


# (case id, qualname, kwargs factory of tmp_path, expected exception, name the
# message must contain); SystemExit stands for "returns exit status 2 and names it
# on stderr" (the command line)
def _gzip_bytes(path: Path, raw: bytes) -> Path:
    """Write ``raw`` gzip-compressed to ``path`` (a file that is not an idx file)."""
    import gzip

    with gzip.open(path, "wb") as handle:
        handle.write(raw)
    return path


CUSTOM: list[tuple[str, str, Callable[[Any], dict], type | tuple, str]] = [
    # experiments: one bad input each (they run training, so no fuzzing) ------
    (
        "experiments.cli-jobs",
        "experiments.__main__.main",
        lambda t: {"argv": ["subspace", "--jobs", "0"]},
        SystemExit,
        "jobs",
    ),
    (
        "experiments.config.build_model-unknown",
        "experiments.config.build_model",
        lambda t: {"cfg": _exp_config("TrainConfig", model="resnet")},
        ValueError,
        "model",
    ),
    (
        "experiments.config.make_pool-unknown",
        "experiments.config.make_pool",
        lambda t: {"dataset": "cifar", "setting": "x", "size": 10},
        ValueError,
        "dataset",
    ),
    (
        "experiments.core.load_stored-missing",
        "experiments.core.load_stored",
        lambda t: {"name": "nope.json", "command": "cmd"},
        FileNotFoundError,
        "nope.json",
    ),
    (
        "experiments.core.run_jobs-n_jobs",
        "experiments.core.run_jobs",
        lambda t: {"func": len, "jobs": [], "n_jobs": 0},
        ValueError,
        "n_jobs",
    ),
    (
        "experiments.core.to_jsonable-set",
        "experiments.core.to_jsonable",
        lambda t: {"obj": {"a": {1, 2}}},
        TypeError,
        "obj",
    ),
    (
        "experiments.core.write_json-list",
        "experiments.core.write_json",
        lambda t: {"path": t / "x.json", "payload": [1]},
        TypeError,
        "payload",
    ),
    (
        "experiments.core.Pools-make",
        "experiments.core.Pools",
        lambda t: {"make": None},
        TypeError,
        "make",
    ),
    (
        "experiments.subspace.calibrate-empty",
        "experiments.subspace.calibrate",
        lambda t: {"translations": ()},
        ValueError,
        "translations",
    ),
    (
        "data.read_idx-missing",
        "data.read_idx",
        lambda t: {"path": t / "missing.gz"},
        FileNotFoundError,
        "missing.gz",
    ),
    (
        "data.read_idx-not-idx",
        "data.read_idx",
        lambda t: {"path": _gzip_bytes(t / "bad.gz", b"\x01\x02\x03\x04")},
        ValueError,
        "path",
    ),
    (
        "data.load_fashion_mnist-missing",
        "data.load_fashion_mnist",
        lambda t: {"path": t},
        FileNotFoundError,
        "dataset-fashion-mnist",
    ),
    (
        "data.fashion_mnist_tasks-missing",
        "data.fashion_mnist_tasks",
        lambda t: {"n_tasks": 2, "path": t},
        FileNotFoundError,
        "dataset-fashion-mnist",
    ),
    (
        "data.fashion_mnist_tasks-seed",
        "data.fashion_mnist_tasks",
        lambda t: {"n_tasks": 2, "seed": -1, "path": t},
        ValueError,
        "seed",
    ),
    (
        "experiments.subspace.load_results-missing",
        "experiments.subspace.load_results",
        lambda t: {"path": t / "missing.json"},
        FileNotFoundError,
        "missing.json",
    ),
    (
        "experiments.subspace.make_pools-dataset",
        "experiments.subspace.make_pools",
        lambda t: {
            "configs": [_exp_config("RunConfig", dataset="cifar")],
            "progress": False,
        },
        ValueError,
        "dataset",
    ),
    (
        "experiments.subspace.necessary_dim-method",
        "experiments.subspace.necessary_dim",
        lambda t: {
            "results": [],
            "setting": "mnist_like",
            "family": "pixels",
            "method": "XTL",
        },
        ValueError,
        "method",
    ),
    (
        "experiments.subspace.plan-scale",
        "experiments.subspace.plan",
        lambda t: {"scale": "huge"},
        ValueError,
        "scale",
    ),
    (
        "experiments.subspace.rows_from_results-grid",
        "experiments.subspace.rows_from_results",
        lambda t: {"results": [], "grid_sizes": {"x": 0}},
        ValueError,
        "grid_sizes",
    ),
    (
        "experiments.subspace.run-scale",
        "experiments.subspace.run",
        lambda t: {"scale": "huge", "out_dir": t},
        ValueError,
        "scale",
    ),
    (
        "experiments.subspace.run_config-no-pool",
        "experiments.subspace.run_config",
        lambda t: {"cfg": _exp_config("RunConfig"), "pools": _empty_pools()},
        KeyError,
        "pools",
    ),
    (
        "experiments.subspace.select_rows-field",
        "experiments.subspace.select_rows",
        lambda t: {"rows": [{"a": 1}], "b": 2},
        ValueError,
        "want",
    ),
    (
        "experiments.subspace_permutation.best_configs-empty",
        "experiments.subspace_permutation.best_configs",
        lambda t: {"stored": {"rows": []}},
        ValueError,
        "stored",
    ),
    (
        "experiments.subspace_permutation.load_results-missing",
        "experiments.subspace_permutation.load_results",
        lambda t: {"path": t / "missing.json"},
        FileNotFoundError,
        "missing.json",
    ),
    (
        "experiments.subspace_permutation.main_result-scale",
        "experiments.subspace_permutation.main_result",
        lambda t: {"out_dir": t, "scale": "huge"},
        ValueError,
        "scale",
    ),
    (
        "experiments.subspace_permutation.plan-scale",
        "experiments.subspace_permutation.plan",
        lambda t: {"scale": "huge", "stored": {}},
        ValueError,
        "scale",
    ),
    (
        "experiments.subspace_permutation.rows_for-grid",
        "experiments.subspace_permutation.rows_for",
        lambda t: {"results": [{"config": {"method": "MTL"}}], "grid_sizes": {}},
        ValueError,
        "grid_sizes",
    ),
    (
        "experiments.subspace_permutation.run-stored",
        "experiments.subspace_permutation.run",
        lambda t: {"scale": "book", "out_dir": t, "stored": {}},
        ValueError,
        "stored",
    ),
    (
        "experiments.subspace_permutation.summary_table-empty",
        "experiments.subspace_permutation.summary_table",
        lambda t: {"rows": []},
        ValueError,
        "rows",
    ),
    (
        "experiments.unbalanced.config_for-scale",
        "experiments.unbalanced.config_for",
        lambda t: {"scale": "huge"},
        ValueError,
        "scale",
    ),
    (
        "experiments.unbalanced.format_tables-digits",
        "experiments.unbalanced.format_tables",
        lambda t: {"result": {"models": {}}, "digits": 0},
        ValueError,
        "digits",
    ),
    (
        "experiments.unbalanced.load_results-missing",
        "experiments.unbalanced.load_results",
        lambda t: {"path": t / "missing.json"},
        FileNotFoundError,
        "missing.json",
    ),
    (
        "experiments.unbalanced.make_tasks-n_tasks",
        "experiments.unbalanced.make_tasks",
        lambda t: {"cfg": _exp_config("UnbalancedConfig", n_tasks=1)},
        ValueError,
        "n_tasks",
    ),
    (
        "experiments.unbalanced.run-scale",
        "experiments.unbalanced.run",
        lambda t: {"scale": "huge", "out_dir": t},
        ValueError,
        "scale",
    ),
    (
        "experiments.unbalanced.run_config-n_tasks",
        "experiments.unbalanced.run_config",
        lambda t: {"cfg": _exp_config("UnbalancedConfig", n_tasks=1)},
        ValueError,
        "n_tasks",
    ),
    (
        "_validate.guard_overflow-no-names",
        "_validate.guard_overflow",
        lambda t: {},
        ValueError,
        "names",
    ),
    (
        "optim.gd_quadratic-H-not-psd",
        "optim.gd_quadratic",
        lambda t: {
            "H": -SPD,
            "b": THETA3,
            "beta0": np.zeros(3),
            "eta": 0.5,
            "n_steps": 3,
        },
        ValueError,
        "H",
    ),
    (
        "optim.gd_contraction-singular",
        "optim.gd_contraction",
        lambda t: {"H": np.diag([1.0, 0.0])},
        ValueError,
        "H",
    ),
    (
        "kl.kl_bernoulli-p-2d-mismatch",
        "kl.kl_bernoulli",
        lambda t: {"q": [0.1, 0.2, 0.3], "p": [0.1, 0.2]},
        ValueError,
        "q",
    ),
    (
        "mgf.kl_mgf-sizes-empty",
        "mgf.kl_mgf",
        lambda t: {"sizes": [], "mu": 0.3, "lam": 1.0},
        ValueError,
        "sizes",
    ),
    (
        "mgf.kl_mgf-sizes-2d",
        "mgf.kl_mgf",
        lambda t: {"sizes": [[3, 4]], "mu": 0.3, "lam": 1.0},
        ValueError,
        "sizes",
    ),
    (
        "regression.ols_risk-n-too-small",
        "regression.ols_risk",
        lambda t: {"Sigma": SPD, "n": 4, "sigma": 1.0},
        ValueError,
        "n",
    ),
    (
        "regression.ols_estimate-rank-deficient",
        "regression.ols_estimate",
        lambda t: {"X": np.ones((6, 3)), "y": Y6},
        ValueError,
        "X",
    ),
    (
        "data.make_digit_tasks-kind",
        "data.make_digit_tasks",
        lambda t: {"n_tasks": 2, "kind": "colours"},
        ValueError,
        "kind",
    ),
    (
        "data.make_digit_tasks-too-many",
        "data.make_digit_tasks",
        lambda t: {"n_tasks": 10, "n_train": 1000},
        ValueError,
        "n_train",
    ),
    (
        "ntk.train_map-anchor",
        "ntk.train_map",
        lambda t: {
            "model": ntk_model(),
            "x": X4x3,
            "y": X4x3[:, 0],
            "lam": 0.1,
            "steps": 3,
            "lr": 0.01,
            "anchor": "middle",
        },
        ValueError,
        "anchor",
    ),
    (
        "course.assign.write_student_versions-missing",
        "course.assign.write_student_versions",
        _assign_dirs,
        ValueError,
        "src",
    ),
    (
        "course.assign.main-missing",
        "course.assign.main",
        lambda t: {"argv": [str(t / "missing"), str(t / "out")]},
        SystemExit,
        "src",
    ),
    (
        "course.assign.read_hidden_tests-no-block",
        "course.assign.read_hidden_tests",
        lambda t: {"path": (t / "ch.py", (t / "ch.py").write_text("x = 1\n"))[0]},
        ValueError,
        "path",
    ),
    (
        "course.assign.nbgrader_source-unknown-exercise",
        "course.assign.nbgrader_source",
        lambda t: {"nb": exercise_notebook(), "hidden": {"ex-b-1-hidden": "x = 1"}},
        ValueError,
        "hidden",
    ),
    (
        "course.assign.nbgrader_source-code-not-str",
        "course.assign.nbgrader_source",
        lambda t: {"nb": exercise_notebook(), "hidden": {"ex-a-1-hidden": None}},
        TypeError,
        "hidden",
    ),
    (
        "course.assign.write_nbgrader_sources-missing-hidden-tests",
        "course.assign.write_nbgrader_sources",
        lambda t: {**_assign_dirs(t), "hidden_tests": str(t / "no-tests")},
        ValueError,
        "hidden_tests",
    ),
    (
        "course.assign.write_nbgrader_sources-missing",
        "course.assign.write_nbgrader_sources",
        lambda t: {**_assign_dirs(t), "hidden_tests": str(t)},
        ValueError,
        "src",
    ),
    (
        "course.assign.write_nbgrader_sources-src-none",
        "course.assign.write_nbgrader_sources",
        lambda t: {**_assign_dirs(t), "src": None, "hidden_tests": str(t)},
        TypeError,
        "src",
    ),
    (
        "course.assign.write_nbgrader_sources-hidden-tests-nan",
        "course.assign.write_nbgrader_sources",
        lambda t: {**_assign_dirs(t), "hidden_tests": math.nan},
        TypeError,
        "hidden_tests",
    ),
    (
        "interactive.slider_figure-fmt",
        "interactive.slider_figure",
        lambda t: {**frames_args(), "label": "s", "fmt": "{:d}", "mode": "static"},
        ValueError,
        "fmt",
    ),
    (
        "interactive.render_frames-pixels",
        "interactive.render_frames",
        lambda t: {**frames_args(), "figsize": (300.0, 1.0), "dpi": 300},
        ValueError,
        "figsize",
    ),
    # h12: MNIST-1D tasks, minibatch/QAT training, adaptive codes (issue 12)
    (
        "coding.kt_code_length-range",
        "coding.kt_code_length",
        lambda t: {"symbols": [0, 5], "n_levels": 4},
        ValueError,
        "symbols",
    ),
    (
        "coding.counts_code_length-float",
        "coding.counts_code_length",
        lambda t: {"symbols": [0.5], "n_levels": 4},
        ValueError,
        "symbols",
    ),
    (
        "coding.index_code_bits-levels",
        "coding.index_code_bits",
        lambda t: {"symbols": [0], "n_levels": 0},
        ValueError,
        "n_levels",
    ),
    (
        "coding.kt_probabilities-negative",
        "coding.kt_probabilities",
        lambda t: {"symbols": [0, -1], "n_levels": 3},
        ValueError,
        "symbols",
    ),
    (
        "coding.adaptive_encode-empty",
        "coding.adaptive_encode",
        lambda t: {"symbols": [], "n_levels": 4},
        ValueError,
        "symbols",
    ),
    (
        "coding.adaptive_decode-size",
        "coding.adaptive_decode",
        lambda t: {"words": np.zeros(1, np.uint32), "size": 0, "n_levels": 4},
        ValueError,
        "size",
    ),
    (
        "coding.subspace_code_length-precision",
        "coding.subspace_code_length",
        lambda t: {
            "task_symbols": [0],
            "shared_symbols": None,
            "n_levels": 2,
            "codebook_precision": 8,
        },
        ValueError,
        "codebook_precision",
    ),
    (
        "data.make_mnist1d-multiple",
        "data.make_mnist1d",
        lambda t: {"n_samples": 15},
        ValueError,
        "n_samples",
    ),
    (
        "data.make_tasks-family",
        "data.make_tasks",
        lambda t: {
            "x": np.zeros((20, 40)),
            "y": np.zeros(20, int),
            "n_tasks": 2,
            "family": "rows",
            "m_train": 5,
            "m_fresh": 5,
            "rng": np.random.default_rng(0),
        },
        ValueError,
        "family",
    ),
    (
        "data.mnist1d_args-setting",
        "data.mnist1d_args",
        lambda t: {"setting": "mnist"},
        ValueError,
        "setting",
    ),
    (
        "data.mnist1d_tasks-n_tasks",
        "data.mnist1d_tasks",
        lambda t: {"n_tasks": 0},
        ValueError,
        "n_tasks",
    ),
    (
        "data.swap_permutation-swaps",
        "data.swap_permutation",
        lambda t: {"n_positions": 40, "n_swaps": -1, "rng": np.random.default_rng(0)},
        ValueError,
        "n_swaps",
    ),
    (
        "subspace.make_cnn-channels",
        "subspace.make_cnn",
        lambda t: {"channels": 0},
        ValueError,
        "channels",
    ),
    (
        "subspace.qat_finetune-levels",
        "subspace.qat_finetune",
        lambda t: {**subspace_setup(), "n_levels": 0},
        ValueError,
        "n_levels",
    ),
    (
        "subspace.quantize_net-levels",
        "subspace.quantize_net",
        lambda t: {"net": subspace_setup()["net"], "n_levels": 10_000},
        ValueError,
        "n_levels",
    ),
    (
        "subspace.train_minibatch-batch",
        "subspace.train_minibatch",
        lambda t: {**subspace_setup(), "batch_size": 0},
        ValueError,
        "batch_size",
    ),
    (
        "subspace.transfer_net-fixed-basis",
        "subspace.transfer_net",
        lambda t: {
            "net": __import__("mtlnotes.subspace").subspace.SubspaceNet(
                __import__("mtlnotes.subspace").subspace.make_mlp([4, 5, 3]),
                2,
                3,
                learn_basis=False,
            )
        },
        ValueError,
        "net",
    ),
]

# (qualname, arg, kind) or custom id -> what happens; these are xfail(strict=True)
REPORTED: dict[tuple[str, str, str] | str, str] = {}


def _generic_cases() -> list:
    params = []
    for qualname, (_, probes) in SPECS.items():
        for arg, kinds in probes.items():
            for kind in kinds:
                if kind == "none" and _default(qualname, arg) is None:
                    continue  # None is the documented default there
                key = (qualname, arg, kind)
                marks = []
                if key in REPORTED:
                    marks = [pytest.mark.xfail(strict=True, reason=REPORTED[key])]
                params.append(
                    pytest.param(
                        qualname, arg, kind, id=f"{qualname}-{arg}-{kind}", marks=marks
                    )
                )
    return params


def _default(qualname: str, arg: str) -> object:
    """The default of ``arg`` (``inspect.Parameter.empty`` if none or unknown)."""
    try:
        return inspect.signature(resolve(qualname)).parameters[arg].default
    except (ImportError, AttributeError, KeyError):
        return inspect.Parameter.empty


def _custom_cases() -> list:
    params = []
    for case_id, qualname, factory, exc, name in CUSTOM:
        marks = []
        if case_id in REPORTED:
            marks = [pytest.mark.xfail(strict=True, reason=REPORTED[case_id])]
        params.append(
            pytest.param(qualname, factory, exc, name, id=case_id, marks=marks)
        )
    return params


def _call_or_skip(qualname: str, kwargs: dict) -> Any:
    try:
        func = resolve(qualname)
    except (ImportError, AttributeError):
        pytest.skip(f"mtlnotes.{qualname} not available")
    return func(**kwargs)


def _factory(qualname: str) -> dict:
    try:
        return SPECS[qualname][0]()
    except ImportError:
        pytest.skip(f"dependency of mtlnotes.{qualname} not available")


# ------------------------------------------------------------------------ tests
@pytest.mark.parametrize("qualname", list(SPECS))
def test_valid_call_is_finite(qualname):
    """The valid call each bad case starts from runs and returns finite numbers
    (otherwise a bad case could pass for the wrong reason)."""
    out = _call_or_skip(qualname, _factory(qualname))
    assert all_finite(out), f"{qualname} returned non-finite output on valid input"


@pytest.mark.parametrize(
    "qualname", [q for q, (factory, probes) in SPECS.items() if not probes]
)
def test_function_without_arguments_returns_its_type(qualname):
    """A function called with no arguments (nothing to probe) runs and returns an
    instance of its annotated return type."""
    func = resolve(qualname)
    assert not inspect.signature(func).parameters, f"{qualname} takes arguments"
    returns = typing.get_type_hints(func)["return"]
    assert isinstance(func(), returns), f"{qualname} did not return a {returns}"


def bad_call(qualname: str, arg: str, kind: str) -> tuple[dict, str]:
    """Keyword arguments with ``arg`` made bad, and the regex the message must match."""
    kwargs = _factory(qualname)
    if arg in kwargs:
        kwargs[arg] = corrupt(kwargs[arg], kind)
    else:  # an optional argument: corrupt a plausible valid value
        kwargs[arg] = corrupt(1.0 if kind != "shape" else np.ones(6), kind)
    names = [_expected_name(qualname, arg)]
    if kind == "shape":  # a mismatch may be reported under either argument's name
        try:
            names += list(inspect.signature(resolve(qualname)).parameters)
        except (ImportError, AttributeError):
            pass
    return kwargs, r"\b(" + "|".join(re.escape(n) for n in names) + r")\b"


@pytest.mark.parametrize(("qualname", "arg", "kind"), _generic_cases())
def test_bad_input_is_rejected(qualname, arg, kind):
    kwargs, pattern = bad_call(qualname, arg, kind)
    with pytest.raises((ValueError, TypeError), match=pattern):
        out = _call_or_skip(qualname, kwargs)
        pytest.fail(f"no error; returned {out!r:.200}")


@pytest.mark.parametrize(("qualname", "factory", "exc", "name"), _custom_cases())
def test_bad_input_custom(qualname, factory, exc, name, tmp_path, capsys):
    kwargs = factory(tmp_path)
    if exc is SystemExit:  # the command line reports on stderr and exits 2
        status = _call_or_skip(qualname, kwargs)
        assert status == 2
        assert re.search(rf"\b{name}\b", capsys.readouterr().err)
        return
    with pytest.raises(exc, match=rf"\b{re.escape(name)}\b"):
        out = _call_or_skip(qualname, kwargs)
        pytest.fail(f"no error; returned {out!r:.200}")


def test_timeout_guard_interrupts_a_hang():
    """The per-test alarm really stops a hanging call (here: one second)."""
    signal.alarm(1)
    with pytest.raises(TimeoutError, match="exceeded"):
        while True:  # a Python-level hang
            pass


def test_every_public_function_has_a_case():
    covered = set(SPECS) | {c[1] for c in CUSTOM}
    missing = sorted(set(public_functions()) - covered)
    assert not missing, f"public functions without a reliability case: {missing}"


def test_no_stale_cases():
    """Every function named in the table still exists (where its module imports)."""
    stale = []
    for qualname in set(SPECS) | {c[1] for c in CUSTOM}:
        module, name = qualname.rsplit(".", 1)
        try:
            mod = importlib.import_module(f"mtlnotes.{module}")
        except ImportError:
            continue
        if not hasattr(mod, name):
            stale.append(qualname)
    assert not stale, f"reliability cases for functions that no longer exist: {stale}"


def test_reported_failures_are_real_cases():
    generic = {
        (q, a, k) for q, (_, p) in SPECS.items() for a, ks in p.items() for k in ks
    }
    custom = {c[0] for c in CUSTOM}
    assert set(REPORTED) <= generic | custom


# ---------------------------------------------------------------- extremes
# ------------------------------------------------------------------------ fuzz
FUZZ_VALUES = {
    "nan": np.nan,
    "inf": np.inf,
    "-inf": -np.inf,
    "zero": 0,
    "neg": -1,
    "1e308": 1e308,
    "str": "abc",
    "none": None,
    "empty": [],
}
# 1e9 is left out here: as a *size* (samples, steps, depth) it is a valid request that
# only runs out of memory or time, which is not a wrong answer.


def _fuzz_cases() -> list:
    """(function, argument) for every probed or required argument."""
    params = []
    for qualname, (_, probes) in SPECS.items():
        try:
            signature = inspect.signature(resolve(qualname)).parameters
        except (ImportError, AttributeError):
            continue
        for arg, param in signature.items():
            if arg in probes or param.default is inspect.Parameter.empty:
                params.append(pytest.param(qualname, arg, id=f"{qualname}-{arg}"))
    return params


@pytest.mark.parametrize(("qualname", "arg"), _fuzz_cases())
def test_fuzz_every_argument(qualname, arg):
    """The argument of the valid call replaced by NaN, +-inf, 0, -1, 1e308, a string,
    None or []: the call returns, or raises ValueError/TypeError. Any other exception
    and any RuntimeWarning (overflow, invalid cast) fails, with the value named."""
    bad = []
    for kind, value in FUZZ_VALUES.items():
        kwargs = {**_factory(qualname), arg: value}
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("error", RuntimeWarning)
                resolve(qualname)(**kwargs)
        except (ValueError, TypeError):
            pass
        except Exception as err:  # any other failure is the finding
            bad.append(f"{kind}: {type(err).__name__}: {err}"[:200])
    assert not bad, f"{qualname}({arg}=...): " + "; ".join(bad)


# Scale arguments whose size alone overflows float64 (sigma**2 at 1e308, a step size
# that sends GD to inf): 1e308 must raise a ValueError naming them.
OVERFLOWING = [
    ("optim.contraction_factor", "eta"),
    ("optim.gd_quadratic", "eta"),
    ("mgf.kl_mgf", "lam"),
    ("mgf.log_kl_mgf", "lam"),
    ("mgf.log_blowup_lower_bound", "lam"),
    ("mgf.sup_kl_mgf", "lam"),
    ("regression.ols_risk", "sigma"),
    ("regression.ols_risk_mc", "sigma"),
    ("regression.ridge_bayes_risk", "tau"),
    ("regression.ridge_bayes_risk", "sigma"),
    ("regression.ridge_bayes_risk", "lam"),
    ("regression.ridge_posterior_risk", "sigma"),
    ("regression.ridge_risk", "sigma"),
    ("regression.ridge_risk", "lam"),
    ("regression.ridge_risk_mc", "sigma"),
    ("kernels.gp_posterior", "sigma"),
    ("kernels.gp_posterior", "tau"),
    ("linrep.expected_ls_excess_risk", "inf_er"),
    ("linrep.expected_ls_excess_risk", "sigma"),
    ("linrep.finetune_gd", "eta"),
    ("linrep.head_variance", "sigma"),
    ("linrep.head_variance_mc", "sigma"),
    ("linrep.pretrain_gd", "eta"),
    ("linrep.pretrain_gd", "init_scale"),
    ("shallow.map_loss", "sigma"),
    ("shallow.map_gradient", "tau"),
    ("shallow.map_hessian", "sigma"),
    ("shallow.gd_map", "eta"),
    ("shallow.minimize_map", "tau"),
    ("shallow.local_gd_iterations", "sigma"),
    ("adaptive.finetune_risk", "sigma"),
    ("adaptive.ridge_risk_exact", "sigma"),
    ("adaptive.run_pipeline", "lam_floor"),
]


@pytest.mark.parametrize(("qualname", "arg"), OVERFLOWING)
def test_overflowing_scale_is_rejected(qualname, arg):
    kwargs, pattern = bad_call(qualname, arg, "huge")
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.raises(ValueError, match=pattern):
            out = _call_or_skip(qualname, kwargs)
            pytest.fail(f"no error; returned {out!r:.200}")


def test_integer_arguments_reject_1e308():
    """Every argument probed as an integer rejects 1e308 with a ValueError naming it
    (beyond int64 no array can be that long, and casts would overflow)."""
    missed = []
    for qualname, (_, probes) in SPECS.items():
        for arg, kinds in probes.items():
            if "float" not in kinds:  # "float" marks an integer argument
                continue
            kwargs, pattern = bad_call(qualname, arg, "huge")
            try:
                _call_or_skip(qualname, kwargs)
                missed.append(f"{qualname}({arg}): returned")
            except (ValueError, TypeError) as err:
                if not re.search(pattern, str(err)):
                    missed.append(f"{qualname}({arg}): {err}")
            except Exception as err:  # any other exception is a finding
                missed.append(f"{qualname}({arg}): {type(err).__name__}: {err}")
    assert not missed, missed


def test_extremes_kl_at_q_0_and_1():
    from mtlnotes.kl import kl_bernoulli, kl_inv_lower, kl_inv_upper

    q = np.array([0.0, 1.0])[:, None]
    p = np.array([1e-12, 0.5, 1 - 1e-12])[None, :]
    kl = kl_bernoulli(q, p)
    assert np.all(np.isfinite(kl)) and np.all(kl >= 0)
    # kl(0‖p) = -ln(1-p), kl(1‖p) = -ln p
    np.testing.assert_allclose(kl[0], -np.log1p(-p[0]), rtol=1e-12)
    np.testing.assert_allclose(kl[1], -np.log(p[0]), rtol=1e-12)
    assert kl_bernoulli(0.0, 0.0) == 0.0 and kl_bernoulli(1.0, 1.0) == 0.0
    c = np.array([0.0, 1e-12, 1.0, 50.0])
    for q0 in (0.0, 1.0):
        up, lo = kl_inv_upper(q0, c), kl_inv_lower(q0, c)
        assert np.all(np.isfinite(up)) and np.all(np.isfinite(lo))
        assert np.all((q0 <= up) & (up <= 1)) and np.all((0 <= lo) & (lo <= q0))
    # closed forms at q = 0: kl(0‖p) = -ln(1-p) = c  <=>  p = 1 - exp(-c)
    np.testing.assert_allclose(
        kl_inv_upper(0.0, c), -np.expm1(-c), rtol=1e-9, atol=1e-10
    )
    np.testing.assert_allclose(kl_inv_lower(1.0, c), np.exp(-c), rtol=1e-9, atol=1e-10)


def test_extremes_mu_to_zero():
    from mtlnotes.kl import kl_bernoulli, kl_inv_upper
    from mtlnotes.mgf import kl_mgf

    mu = 1e-12
    assert math.isfinite(kl_bernoulli(mu, 0.5))
    np.testing.assert_allclose(kl_bernoulli(mu, 0.5), math.log(2) + mu * 0, rtol=1e-9)
    up = kl_inv_upper(mu, 1e-12)
    assert math.isfinite(up) and mu <= up < 1e-9
    # balanced, λ = m: E exp(N kl(μ̂‖μ)) is free of μ (the powers of μ cancel) and
    # equals Σ_k C(N, k) (k/N)^k (1 - k/N)^(N-k), N = mn; here N = 100
    value = kl_mgf([10] * 10, mu, 10.0)
    k = np.arange(101)
    exact = np.exp(
        gammaln(101)
        - gammaln(k + 1)
        - gammaln(101 - k)
        + xlogy(k, k / 100)
        + xlogy(100 - k, 1 - k / 100)
    ).sum()
    assert math.isfinite(value)
    assert value == pytest.approx(exact, rel=1e-9)


def test_extremes_mgf_at_mn_one_million():
    from mtlnotes.mgf import kl_mgf

    n, m = 10, 100_000
    value = kl_mgf([m] * n, 0.3, float(m))
    # Maurer: 1 <= E exp(mn kl) <= 2 sqrt(mn); the exact value is ~ sqrt(pi mn / 2)
    assert math.isfinite(value)
    assert 1.0 <= value <= 2 * math.sqrt(m * n)
    assert value == pytest.approx(math.sqrt(math.pi * m * n / 2), rel=0.02)


def test_extremes_bounds_at_m_one_million():
    bounds = pytest.importorskip("mtlnotes.bounds")
    m, bits, delta = 10**6, 1e5, 1e-12
    occam = bounds.occam_bound(0.0, bits, m, delta)
    fast = bounds.fast_rate_bound(0.0, bits, m, delta)
    assert math.isfinite(occam) and math.isfinite(fast)
    # closed forms at zero empirical risk: kl(0‖p) = -ln(1 - p) = c
    c = (bits * math.log(2) + math.log(2 * math.sqrt(m) / delta)) / m
    assert fast == pytest.approx(-math.expm1(-c), rel=1e-9)
    assert occam == pytest.approx(
        math.sqrt((bits * math.log(2) + math.log(2 / delta)) / (2 * m)), rel=1e-12
    )
    # the smallest and largest sample sizes stay finite too
    assert math.isfinite(bounds.fast_rate_bound(1.0, 0.0, 1, 0.5))


def test_extremes_condition_number_1e12():
    from mtlnotes.optim import condition_number, gd_contraction, iterations_to_tolerance

    kappa = 1e12
    H = np.diag([kappa, 1.0])
    assert condition_number(H) == pytest.approx(kappa, rel=1e-9)
    rho = gd_contraction(H)
    assert math.isfinite(rho) and rho < 1.0
    assert rho == pytest.approx((kappa - 1) / (kappa + 1), rel=1e-15)
    k = iterations_to_tolerance(kappa, 1e-6)
    # k ~ (kappa / 2) ln(1 / tol) for large kappa
    assert np.isfinite(k) and int(k) == pytest.approx(
        kappa / 2 * math.log(1e6), rel=1e-6
    )
    ks = iterations_to_tolerance([1.0, 1e6, 1e12], 1e-6)
    assert ks.dtype.kind == "i" and ks[0] == 0 and np.all(np.diff(ks) > 0)


def test_extremes_conditioners_at_kappa_1e12():
    from mtlnotes.optim import condition_number

    linrep = pytest.importorskip("mtlnotes.linrep")
    regression = pytest.importorskip("mtlnotes.regression")
    D = linrep.diagonal_conditioner(1e12, 3)
    S = regression.covariance_with_condition(3, 1e12, rng())
    assert np.all(np.isfinite(D)) and np.all(np.isfinite(S))
    assert condition_number(S) == pytest.approx(1e12, rel=1e-3)
