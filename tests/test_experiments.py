"""Tests for the experiments runner and the stored subspace results."""

import json
import math
from pathlib import Path

import numpy as np
import pytest

from mtlnotes import bounds
from mtlnotes.experiments import REGISTRY, SCALES, core
from mtlnotes.experiments import __main__ as cli
from mtlnotes.experiments import subspace as exp

STORED = Path(__file__).resolve().parents[1] / "results" / "subspace_mnist1d.json"


@pytest.fixture(scope="module")
def stored():
    return json.loads(STORED.read_text())


def test_registry_and_cli_arguments():
    assert REGISTRY["subspace"] == "mtlnotes.experiments.subspace"
    assert SCALES == ("full", "book")
    with pytest.raises(SystemExit):
        cli.main(["subspace", "--jobs", "0"])
    with pytest.raises(SystemExit):
        cli.main(["nonexistent"])
    with pytest.raises(ValueError, match="device"):
        exp.run("book", device="cuda")
    with pytest.raises(ValueError, match="scale"):
        exp.plan("huge")


def _square(job):
    return {"y": job["x"] ** 2}


def test_run_jobs_keeps_order_in_both_modes():
    jobs = [{"x": x, "cost": x % 3} for x in range(6)]
    expected = [{"y": x**2} for x in range(6)]
    assert core.run_jobs(_square, jobs, 1) == expected
    assert core.run_jobs(_square, jobs, 2) == expected
    with pytest.raises(ValueError, match="n_jobs"):
        core.run_jobs(_square, jobs, 0)


def test_to_jsonable_and_clock(tmp_path):
    import torch

    obj = {
        "a": np.arange(3),
        "b": np.float32(0.5),
        "c": torch.ones(2),
        1: (np.int64(2),),
    }
    path = core.write_json(tmp_path / "x" / "o.json", obj)
    assert json.loads(path.read_text()) == {
        "a": [0, 1, 2],
        "b": 0.5,
        "c": [1.0, 1.0],
        "1": [2],
    }
    t = core.Clock().read()
    assert t["wall_s"] >= 0 and t["cpu_s"] >= 0
    assert set(core.environment()) >= {"python", "numpy", "torch"}


def test_calibration_small():
    cal = exp.calibrate(translations=(3, 6), m_train=300, m_test=300, seeds=(0,))
    acc = cal["accuracy_by_max_translation"]
    assert acc["3"] > acc["6"]  # more translation is harder for a linear model
    assert cal["default_accuracy"] < acc["6"]


def test_stored_results_schema(stored):
    assert stored["command"] == "python -m mtlnotes.experiments subspace --scale full"
    assert stored["n_tasks"] == 30 and stored["m_train"] == 2000
    assert stored["delta"] == 0.05
    for family in ("pixels", "labels"):
        assert set(stored["necessary_dim"][family]) == {"STL", "MTL"}
    keys = {"setting", "family", "method", "dim_per_task", "K", "bits", "train_err"}
    keys |= {"fresh_err", "occam", "fast_rate"}
    for row in stored["rows"]:
        assert keys <= set(row)
        assert row["setting"] in ("default", "mnist_like")
        assert row["family"] in ("pixels", "labels")
        assert len(row["train_err"]) == len(row["fresh_err"]) == row["n_tasks"]
        if row["method"] == "STL":
            assert len(row["bits"]) == row["n_tasks"]
    cal = stored["calibration"]
    assert abs(cal["mnist_like_accuracy"] - 0.90) <= 0.03
    assert (
        cal["chosen_max_translation"]
        == exp.data.MNIST1D_SETTINGS["mnist_like"]["max_translation"]
    )


def test_every_stored_bound_recomputes_from_its_inputs(stored):
    """Independent formulas: Occam = R + sqrt((b ln2 + ln(2/d)) / 2N); kl via bounds."""
    delta = stored["delta"]
    for row in stored["rows"]:
        err = np.asarray(row["train_err"])
        n, m = err.size, row["m_train"]
        if row["method"] == "MTL":
            b = row["bits"]
            occam = err.mean() + math.sqrt(
                (b * math.log(2) + math.log(2 / delta)) / (2 * m * n)
            )
            fast = bounds.fast_rate_bound(err.mean(), b, m * n, delta)
        else:
            b = np.asarray(row["bits"], dtype=float)
            d = delta / n
            occam = np.mean(
                err + np.sqrt((b * math.log(2) + math.log(2 / d)) / (2 * m))
            )
            fast = np.mean(bounds.fast_rate_bound(err, b, m, d))
        assert row["occam"] == pytest.approx(occam, abs=1e-12)
        assert row["fast_rate"] == pytest.approx(float(fast), abs=1e-10)
        # the code pays for the grid searched
        assert row["header_bits"] == math.ceil(math.log2(row["grid_size"]) - 1e-12)
    for t in stored["transfer"]:
        args = (t["train_err"][0], t["bits"], t["m_train"], delta)
        assert t["occam"] == pytest.approx(float(bounds.occam_bound(*args)), abs=1e-12)


def test_stored_best_rows_are_minimal(stored):
    rows = stored["rows"]
    for setting, fams in stored["best"].items():
        for family, methods in fams.items():
            for method, best in methods.items():
                cand = [
                    r
                    for r in rows
                    if (r["setting"], r["family"], r["method"], r["grid"])
                    == (setting, family, method, "main")
                    and r["qat"]
                    and r["codebook_bits"] == 16
                ]
                for key in ("occam", "fast_rate"):
                    assert rows[best[key]][key] == min(r[key] for r in cand)


def test_ci_configuration_reruns_end_to_end(stored, tmp_path, monkeypatch):
    """Re-run the stored small configuration through run() and compare its row.

    Training is chaotic in floating point across CPUs and torch kernels, so the
    errors are compared within 0.05 per task and the code length within 3%.
    """
    monkeypatch.setattr(exp, "plan", lambda scale: [exp.CI_CONFIG])
    argv = ["subspace", "--scale", "book", "--jobs", "1", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    new = json.loads((tmp_path / "subspace_mnist1d_book.json").read_text())["ci"]
    old = stored["ci"]
    for key in ("setting", "family", "method", "k", "l", "K", "n_tasks", "m_train"):
        assert new[key] == old[key]
    assert np.allclose(new["train_err"], old["train_err"], atol=0.05)
    assert np.allclose(new["fresh_err"], old["fresh_err"], atol=0.05)
    assert new["bits"] == pytest.approx(old["bits"], rel=0.03)
    assert new["occam"] == pytest.approx(old["occam"], abs=0.05)


def test_full_plan_grids():
    runs = exp.plan("full")
    main = [c for c in runs if c.grid == "main"]
    assert len(main) == 2 * (5 + 5) + 2 * (2 + 2)
    assert {c.grid for c in runs} == {"main", "n_sweep", "levels", "models"} | {
        "projector",
        "ci",
    }
    assert all(c.n_tasks == 30 and c.m_train == 2000 for c in main)
    assert all(c.m_fresh >= 10_000 for c in main)
    mtl = next(c for c in main if c.method == "MTL" and (c.k, c.l) == (16, 128))
    assert mtl.dim_per_task == 16 + 16 * 128 / 30


def test_run_config_with_every_variant(tmp_path):
    """Post-hoc and QAT variants, a 32-bit codebook and transfer on a tiny config."""
    cfg = exp.RunConfig(
        "mnist_like",
        "labels",
        "MTL",
        4,
        8,
        n_tasks=2,
        m_train=40,
        m_fresh=30,
        steps=3,
        qat_steps=2,
        levels=(4,),
        posthoc=True,
        precisions=(16, 32),
        transfer=True,
        grid="test",
    )
    exp.prepare_pools([cfg], progress=False)
    res = exp.run_config(cfg)
    kinds = [(v["qat"], v["precision"]) for v in res["variants"]]
    assert kinds == [(False, 16), (True, 16), (True, 32)]
    assert res["variants"][2]["bits"] - res["variants"][1]["bits"] == 4 * 16
    t = res["transfer"]
    assert t["bits"] >= 2 and len(t["train_err"]) == 1
    rows = exp.rows_from_results([res])
    assert [r["header_bits"] for r in rows] == [0, 0, 0]
    assert exp.necessary_dim([res], "mnist_like", "labels", "MTL") is None
