"""Tests for the unbalanced experiment: stored results, a re-run, bad input."""

from __future__ import annotations

import json
import math
from pathlib import Path

import numpy as np
import pytest
import torch

from mtlnotes import data, subspace
from mtlnotes.experiments import REGISTRY
from mtlnotes.experiments import unbalanced as ub
from mtlnotes.kl import kl_inv_upper
from mtlnotes.mgf import log_kl_mgf, log_kl_mgf_binned, sup_kl_mgf_binned
from mtlnotes.unbalanced import BOUND_NAMES, ideal_kl_bound, multitask_bounds

RESULT = Path(__file__).resolve().parents[1] / "results" / ub.RESULT_FILE


@pytest.fixture(scope="module")
def stored() -> dict:
    # committed with the repository: a missing file is a failure, not a skip
    assert RESULT.is_file(), f"{RESULT.name} is missing; run {ub.COMMAND}"
    return json.loads(RESULT.read_text())


def test_registered():
    assert REGISTRY["unbalanced"] == "mtlnotes.experiments.unbalanced"


def test_stored_schema_and_design(stored):
    # the keys the book relies on (../shared/README.md)
    for key in ("sizes", "delta", "bits", "train_err", "fresh_err", "bounds"):
        assert key in stored
    assert set(stored["bounds"]) == set(BOUND_NAMES)
    sizes = np.asarray(stored["sizes"])
    n = sizes.size
    assert n >= 30 and sizes.max() / sizes.min() >= 50
    assert len(stored["train_err"]) == len(stored["fresh_err"]) == n
    assert stored["config"]["m_fresh"] >= 10_000
    # the sizes are the seeded log-uniform draw of the stored configuration
    cfg = stored["config"]
    expect = data.log_uniform_sizes(n, cfg["m_lo"], cfg["m_hi"], cfg["size_seed"])
    assert np.array_equal(sizes, expect)
    assert stored["command"] == ub.COMMAND


def _check_bounds(entry: dict, sizes, delta: float) -> None:
    again = multitask_bounds(entry["train_err"], entry["bits"], sizes, delta)
    for name in BOUND_NAMES:
        assert entry["bounds"][name] == pytest.approx(again[name], abs=1e-12)


def test_every_stored_bound_recomputed(stored):
    sizes, delta = stored["sizes"], stored["delta"]
    _check_bounds(stored, sizes, delta)
    assert stored["bounds"] == stored["models"]["task"]["bounds"]
    mgf = stored["mgf"]
    for res in (stored["models"], stored["ci"]["models"]):
        for w, entry in res.items():
            sz = sizes if res is stored["models"] else stored["ci"]["sizes"]
            _check_bounds(entry, sz, delta)
            m = mgf if res is stored["models"] else stored["ci"]["mgf"]
            ideal = ideal_kl_bound(
                entry["train_err"], entry["bits"], sz, delta, m["lam"], m["log_sup"]
            )
            assert entry["ideal_kl_bound"] == pytest.approx(ideal, abs=1e-12)
            assert entry["weighting"] == w
            assert entry["bits"] == entry["code_bits"] + ub.SELECTION_BITS
            err = np.asarray(entry["train_err"])
            assert entry["train_mt"] == pytest.approx(err.mean(), abs=1e-12)


def test_ideal_bound_formula(stored):
    entry, mgf = stored["models"]["task"], stored["mgf"]
    n, lam = len(stored["sizes"]), np.asarray(mgf["lam"])
    budget = (
        entry["bits"] * math.log(2)
        + np.asarray(mgf["log_sup"])
        + math.log(lam.size / stored["delta"])
    ) / (n * lam)
    expect = min(kl_inv_upper(entry["train_mt"], c) for c in budget)
    assert entry["ideal_kl_bound"] == pytest.approx(expect, abs=1e-12)
    # its only gain over the m_min bound is the constant: below it, barely
    assert entry["ideal_kl_bound"] <= entry["bounds"]["fast_rate_m_min"]


def test_stored_mgf_values_recomputed(stored):
    mgf, sizes = stored["mgf"], stored["sizes"]
    assert np.all(np.asarray(mgf["lam"]) <= min(sizes))
    # the maximiser at lambda = m_min, recomputed at the stored resolution
    j = int(np.argmax(mgf["lam"]))
    value = log_kl_mgf_binned(
        sizes, mgf["argmax_mu"][j], mgf["lam"][j], cells=mgf["cells"]
    )
    assert value == pytest.approx(mgf["log_sup"][j], abs=1e-9)
    # below the Maurer constant of the subsampled problem, as the lemma says
    assert max(mgf["log_sup"]) < mgf["log_maurer"]
    assert mgf["discretisation_error"] < 2e-2


@pytest.mark.slow  # trains the CI configuration twice (about a minute of CPU)
def test_small_configuration_rerun_matches_stored(stored):
    """End to end: data, both trainings, QAT, code, bounds, MGF (CI config)."""
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    again = ub.run_config(ub.CI_CONFIG)
    ref = stored["ci"]
    assert np.array_equal(again["sizes"], ref["sizes"])
    # the MGF does not involve training: equal to round-off
    assert np.allclose(again["mgf"]["log_sup"], ref["mgf"]["log_sup"], atol=1e-9)
    for w in ub.WEIGHTINGS:
        new, old = again["models"][w], ref["models"][w]
        # training is chaotic across CPU kernels: tolerances, not equality
        assert abs(new["train_mt"] - old["train_mt"]) < 0.08
        assert abs(new["fresh_mt"] - old["fresh_mt"]) < 0.08
        assert abs(new["bits"] - old["bits"]) <= 0.1 * old["bits"]
        for name in BOUND_NAMES:
            assert abs(new["bounds"][name] - old["bounds"][name]) < 0.1


def _ci_tasks():
    tasks = ub.make_tasks(ub.CI_CONFIG)
    x, y = torch.from_numpy(tasks.x_train), torch.from_numpy(tasks.y_train)
    return tasks, x, y


def test_task_errors_against_a_loop():
    cfg = ub.CI_CONFIG
    tasks, x, y = _ci_tasks()
    assert tasks.x_train.shape[:2] == (cfg.n_tasks, tasks.sizes.max())
    # padding is empty, every task has its size
    for i, m in enumerate(tasks.sizes):
        assert np.all(tasks.x_train[i, m:] == 0)
        assert not np.all(tasks.x_train[i, m - 1] == 0)
    net = subspace.SubspaceNet(
        subspace.make_cnn(8, seed=0), cfg.n_tasks, 4, 8, learn_basis=True
    )
    kw = {"alpha": net.alpha.detach(), "v": net.v.detach()}
    err = subspace.error_rates(net, x, y, sizes=tasks.sizes, batch_size=64, **kw)
    with torch.no_grad():
        for i, m in enumerate(tasks.sizes):
            out = net(x[:, :m], **kw)[i].argmax(dim=-1)
            assert err[i] == pytest.approx(
                float((out != y[i, :m]).double().mean()), abs=1e-12
            )
    with pytest.raises(ValueError, match="sizes"):
        subspace.error_rates(net, x, y, sizes=tasks.sizes[:-1], **kw)


def test_weighted_training_objectives_differ():
    cfg = ub.CI_CONFIG
    tasks, x, y = _ci_tasks()
    losses = {}
    for w in ub.WEIGHTINGS:
        net = subspace.SubspaceNet(
            subspace.make_cnn(8, seed=0), cfg.n_tasks, 4, 8, learn_basis=True
        )
        losses[w] = subspace.train_minibatch(
            net,
            x,
            y,
            steps=3,
            batch_size=16,
            lr=0.01,
            seed=0,
            sizes=tasks.sizes,
            weights=subspace.task_weights(tasks.sizes, w),
        )
    # same draws and start, different weights: equal first loss only if the
    # per-task losses were all equal
    assert losses["task"][0] != losses["sample"][0]
    assert all(np.isfinite(v) for v in losses["task"] + losses["sample"])


def test_log_uniform_sizes():
    sizes = data.log_uniform_sizes(30, 50, 5000, 13)
    assert sizes.min() == 50 and sizes.max() == 5000 and sizes.size == 30
    assert np.array_equal(sizes, data.log_uniform_sizes(30, 50, 5000, 13))


def test_mgf_sup_small_sizes_against_exact():
    out = sup_kl_mgf_binned([3, 8, 20], [0.5, 1.0], n_mu=6, cells=120)
    # cells = 120 and 240 hold every atom j/(n m_i): the binned values are exact
    exact = log_kl_mgf([3, 8, 20], np.asarray(out["mu_grid"])[None, :], [[1.5], [3.0]])
    assert np.allclose(out["log_mgf"], exact, atol=1e-10)
    assert out["discretisation_error"] < 1e-10
    assert np.allclose(out["log_sup"], exact.max(axis=1), atol=1e-10)


@pytest.mark.parametrize(
    ("func", "kwargs", "name"),
    [
        (
            data.log_uniform_sizes,
            {"n_tasks": 1, "m_lo": 5, "m_hi": 9, "seed": 0},
            "n_tasks",
        ),
        (
            data.log_uniform_sizes,
            {"n_tasks": 3, "m_lo": 0, "m_hi": 9, "seed": 0},
            "m_lo",
        ),
        (
            data.log_uniform_sizes,
            {"n_tasks": 3, "m_lo": 9, "m_hi": 9, "seed": 0},
            "m_hi",
        ),
        (ub.config_for, {"scale": "huge"}, "scale"),
        (sup_kl_mgf_binned, {"sizes": [3, 0], "lam_fractions": [1.0]}, "sizes"),
        (sup_kl_mgf_binned, {"sizes": [3, 4], "lam_fractions": [1.5]}, "lam_fractions"),
        (sup_kl_mgf_binned, {"sizes": [3, 4], "lam_fractions": [0.0]}, "lam_fractions"),
    ],
)
def test_bad_input(func, kwargs, name):
    with pytest.raises(ValueError, match=name):
        func(**kwargs)


@pytest.mark.parametrize(
    ("kwargs", "name"),
    [
        ({"sizes": [50, 0]}, "sizes"),  # an empty task
        ({"delta": 1.0}, "delta"),
        ({"delta": 0.0}, "delta"),
        ({"lam": [60.0], "log_sup": [0.1]}, "lam"),  # above m_min: blow-up
        ({"lam": [0.0], "log_sup": [0.1]}, "lam"),
        ({"train_err": [0.1]}, "train_err"),
        ({"bits": -3.0}, "bits"),
    ],
)
def test_ideal_bound_bad_input(kwargs, name):
    args = {
        "train_err": [0.1, 0.2],
        "bits": 100.0,
        "sizes": [50, 500],
        "delta": 0.05,
        "lam": [25.0, 50.0],
        "log_sup": [0.05, 0.1],
    } | kwargs
    with pytest.raises(ValueError, match=name):
        ideal_kl_bound(**args)


def test_weighted_training_bad_input():
    tasks, x, y = _ci_tasks()
    net = subspace.SubspaceNet(
        subspace.make_cnn(8, seed=0), ub.CI_CONFIG.n_tasks, 4, 8, learn_basis=True
    )
    with pytest.raises(ValueError, match="weighting"):
        subspace.task_weights(tasks.sizes, "both")
    fit = {"steps": 1, "batch_size": 4, "lr": 0.01, "seed": 0}
    with pytest.raises(ValueError, match="weights"):
        subspace.train_minibatch(net, x, y, weights=[1.0, 2.0], **fit)
    with pytest.raises(ValueError, match="weights"):
        subspace.train_minibatch(net, x, y, weights=np.zeros(x.shape[0]), **fit)
    with pytest.raises(ValueError, match="sizes"):
        subspace.qat_finetune(net, x, y, n_levels=4, sizes=tasks.sizes * 1000, **fit)
    with pytest.raises(ValueError, match="steps"):
        subspace.train_minibatch(net, x, y, sizes=tasks.sizes, **(fit | {"steps": 0}))


def test_format_tables(stored):
    text = ub.format_tables(stored)
    assert text.count("slides CIFAR10") == 2
    task = stored["models"]["task"]["bounds"]["task_centric_fast"]
    assert f"{task:.3f}" in text and "0.27" in text and "0.26" in text
    with pytest.raises(ValueError, match="digits"):
        ub.format_tables(stored, digits=0)


def test_ci_scale_writes_its_own_file(tmp_path, monkeypatch):
    """``--scale ci`` runs the CI configuration alone and writes ``_ci.json``."""
    calls = []

    def fake(cfg):
        calls.append(cfg)
        return {"sizes": [1], "time": {"wall_s": 0.0, "cpu_s": 0.0}, "config": {}}

    monkeypatch.setattr(ub, "run_config", fake)
    path = ub.run("ci", jobs=1, out_dir=tmp_path)
    assert path == tmp_path / "unbalanced_mnist1d_ci.json"
    assert calls == [ub.CI_CONFIG]
    out = json.loads(path.read_text())
    assert out["command"] == "python -m mtlnotes.experiments unbalanced --scale ci"
    assert out["slides_split_cifar10"]["task_centric_fast"] == 0.27


def test_load_results_path(stored, tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"sizes": [1, 2]}))
    assert ub.load_results(path) == {"sizes": [1, 2]}
    assert ub.load_results()["sizes"] == stored["sizes"]
