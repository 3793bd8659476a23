"""Tests for the experiments runner and the stored subspace results."""

import json
import math
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from mtlnotes import bounds
from mtlnotes.experiments import REGISTRY, SCALES, core
from mtlnotes.experiments import __main__ as cli
from mtlnotes.experiments import subspace as exp
from mtlnotes.experiments import subspace_permutation as perm

perm_plan = perm.plan

STORED = Path(__file__).resolve().parents[1] / "results" / "subspace_mnist1d.json"


@pytest.fixture(scope="module")
def stored():
    return json.loads(STORED.read_text())


def test_registry_and_cli_arguments():
    assert REGISTRY["subspace"] == "mtlnotes.experiments.subspace"
    assert SCALES == ("full", "book", "ci")
    for argv in (
        ["subspace", "--jobs", "0"],
        ["subspace", "--threads", "0"],
        ["nonexistent"],
        ["subspace", "--device", "cuda"],  # no GPU option: the runs are CPU runs
    ):
        assert cli.main(argv) == 2  # argparse's status, with the message on stderr
    with pytest.raises(ValueError, match="scale"):
        exp.plan("huge")
    with pytest.raises(ValueError, match="scale"):
        exp.EXPERIMENT.path("results", "huge")


def _square(job):
    return {"y": job["x"] ** 2}


def _shifted(job, shared):
    return {"y": job["x"] + shared["shift"]}


def test_run_jobs_keeps_order_in_both_modes():
    jobs = [{"x": x, "cost": x % 3} for x in range(6)]
    expected = [{"y": x**2} for x in range(6)]
    assert core.run_jobs(_square, jobs, 1) == expected
    assert core.run_jobs(_square, jobs, 2) == expected
    with pytest.raises(ValueError, match="n_jobs"):
        core.run_jobs(_square, jobs, 0)
    # a shared object reaches every call, in this process and in forked workers;
    # on_result sees every finished job (the hook of a resumable run)
    seen = {}
    for n in (1, 2):
        out = core.run_jobs(
            _shifted,
            jobs,
            n,
            shared={"shift": 10},
            on_result=lambda i, r: seen.__setitem__(i, r),
        )
        assert out == [{"y": x + 10} for x in range(6)] and len(seen) == 6


def test_experiment_contract(tmp_path):
    e = core.Experiment("demo", "demo_data.json")
    assert e.command("book") == "python -m mtlnotes.experiments demo --scale book"
    assert e.path(tmp_path) == tmp_path / "demo_data.json"
    assert e.path(tmp_path, "ci") == tmp_path / "demo_data_ci.json"
    runs = [{"config": {"a": 1}, "D": 3, "time": {}, "final_loss": 0.5, "big": [1]}]
    path = e.write(tmp_path, "book", {"x": 1}, clock=core.Clock(), runs=runs)
    out = json.loads(path.read_text())
    assert list(out)[:3] == ["command", "scale", "x"]
    assert out["runs"] == [{"config": {"a": 1}, "D": 3, "time": {}, "final_loss": 0.5}]
    assert {"environment", "time"} <= set(out)
    pools = core.Pools(_pool)
    pools.ensure({"a": 5, "b": 3})
    assert pools["a"][0].shape == (5,) and "b" in pools and "c" not in pools
    pools.ensure({"a": 4})  # large enough: kept
    assert pools["a"][0].shape == (5,)


def _pool(key, size):
    return np.arange(size), np.zeros(size)


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


@pytest.mark.slow  # trains the CI configuration (about a minute of CPU)
def test_ci_configuration_reruns_end_to_end(stored, tmp_path):
    """Re-run the stored small configuration through run() and compare its row.

    Training is chaotic in floating point across CPUs and torch kernels, so the
    errors are compared within 0.05 per task and the code length within 3%.
    """
    argv = ["subspace", "--scale", "ci", "--jobs", "1", "--out", str(tmp_path)]
    assert cli.main(argv) == 0
    new = json.loads((tmp_path / "subspace_mnist1d_ci.json").read_text())["ci"]
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
        family="labels",
        method="MTL",
        k=4,
        l=8,
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
    pools = exp.make_pools([cfg], progress=False)
    res = exp.run_config(cfg, pools)
    kinds = [(v["qat"], v["precision"]) for v in res["variants"]]
    assert kinds == [(False, 16), (True, 16), (True, 32)]
    assert res["variants"][2]["bits"] - res["variants"][1]["bits"] == 4 * 16
    t = res["transfer"]
    assert t["bits"] >= 2 and len(t["train_err"]) == 1
    rows = exp.rows_from_results([res])
    assert [r["header_bits"] for r in rows] == [0, 0, 0]
    assert exp.necessary_dim([res], "mnist_like", "labels", "MTL") is None


# --- The permutation ablation (subspace_permutation) -------------------------

STORED_PERM = STORED.with_name("subspace_permutation_mnist1d.json")


@pytest.fixture(scope="module")
def stored_perm():
    return json.loads(STORED_PERM.read_text())


def _recompute_bounds(row, delta):
    """Independent formulas, as in test_every_stored_bound_recomputes_...()."""
    err = np.asarray(row["train_err"])
    n, m = err.size, row["m_train"]
    if row["method"] == "MTL":
        b = row["bits"]
        occam = err.mean() + math.sqrt(
            (b * math.log(2) + math.log(2 / delta)) / (2 * m * n)
        )
        return occam, float(bounds.fast_rate_bound(err.mean(), b, m * n, delta))
    b = np.asarray(row["bits"], dtype=float)
    d = delta / n
    occam = np.mean(err + np.sqrt((b * math.log(2) + math.log(2 / d)) / (2 * m)))
    return float(occam), float(np.mean(bounds.fast_rate_bound(err, b, m, d)))


def test_permutation_registry_and_plan(stored):
    assert (
        REGISTRY["subspace_permutation"] == "mtlnotes.experiments.subspace_permutation"
    )
    best = perm.best_configs(stored)
    for method, b in best.items():
        row = stored["rows"][
            stored["best"]["mnist_like"]["pixels"][method]["fast_rate"]
        ]
        assert (b["k"], b["K"], b["grid_size"]) == (
            row["k"],
            row["K"],
            row["grid_size"],
        )
        assert row["grid"] == "main" and row["family"] == "pixels"
    runs = perm.plan("full", stored)
    assert [(c.method, c.n_swaps) for c in runs] == [
        ("STL", 10),
        ("STL", None),
        ("MTL", 10),
        ("MTL", None),
    ]
    assert all(
        (c.setting, c.family, c.n_tasks, c.m_train)
        == ("mnist_like", "pixels", 30, 2000)
        and c.m_fresh >= 10_000
        and c.levels == (best[c.method]["K"],)
        for c in runs
    )
    # the same training recipe as the main rows they are compared with
    main_mtl = next(
        c
        for c in exp.plan("full")
        if (c.grid, c.setting, c.family, c.method, c.k, c.l)
        == ("main", "mnist_like", "pixels", "MTL", best["MTL"]["k"], best["MTL"]["l"])
    )
    mtl = runs[2]
    for key in ("steps", "qat_steps", "lr", "qat_lr", "batch_size", "seed", "channels"):
        assert getattr(mtl, key) == getattr(main_mtl, key)
    assert all(c.n_tasks == 4 for c in perm.plan("book", stored))
    with pytest.raises(ValueError, match="scale"):
        perm.plan("huge", stored)
    with pytest.raises(ValueError, match="stored"):
        perm.best_configs({"rows": []})
    with pytest.raises(ValueError, match="rows"):
        perm.summary_table([])
    with pytest.raises(ValueError, match=r"grid_sizes\['x'\]"):
        exp.rows_from_results([], grid_sizes={"x": 0})


def test_stored_permutation_bounds_recompute(stored_perm, stored):
    delta = stored_perm["delta"]
    rows = stored_perm["rows"]
    assert [(r["method"], r["n_swaps"]) for r in rows] == [
        ("STL", 10),
        ("STL", None),
        ("MTL", 10),
        ("MTL", None),
    ]
    for row in rows:
        assert (row["n_tasks"], row["m_train"]) == (30, 2000)
        occam, fast = _recompute_bounds(row, delta)
        assert row["occam"] == pytest.approx(occam, abs=1e-12)
        assert row["fast_rate"] == pytest.approx(fast, abs=1e-10)
        # each code pays for the main grid its configuration was chosen from
        src = stored["rows"][stored_perm["source"]["best"][row["method"]]["index"]]
        assert row["grid_size"] == src["grid_size"] > 1
        assert row["header_bits"] == math.ceil(math.log2(row["grid_size"]) - 1e-12)
        assert (row["k"], row["l"], row["K"]) == (src["k"], src["l"], src["K"])
        if row["n_swaps"] == 10:  # the main experiment's family: a re-run of its row
            for key in ("bits", "train_err", "occam", "fast_rate"):
                assert row[key] == src[key]
            # the main MTL run also drew a transfer task, which moved its fresh
            # block by m examples: another fresh sample of the same tasks
            fresh = np.mean(row["fresh_err"]) - np.mean(src["fresh_err"])
            assert abs(fresh) < 3 * 0.5 / math.sqrt(row["n_tasks"] * row["m_fresh"])
    for line in perm.summary_table(rows):
        assert line["fresh_err"] <= min(line["occam"], line["fast_rate"])


def test_permutation_tiny_run_end_to_end(stored, tmp_path, monkeypatch):
    """The whole run() (pools, jobs, rows, JSON) on a tiny version of the plan."""
    tiny = dict(n_tasks=2, m_train=60, m_fresh=50, steps=4, qat_steps=2)
    monkeypatch.setattr(
        perm,
        "plan",
        lambda scale, st: [replace(c, **tiny) for c in perm_plan(scale, st)],
    )
    monkeypatch.setattr(exp, "plan", lambda scale: [])
    path = perm.run("book", jobs=1, out_dir=tmp_path, stored=stored)
    # without `stored`: the main result in the same --out directory, fresh
    (tmp_path / "subspace_mnist1d_book.json").write_text(json.dumps(stored))
    assert perm.main_result(tmp_path, "book") == stored
    assert perm.main_result(tmp_path / "empty", "book")["rows"] == stored["rows"]
    assert path.name == "subspace_permutation_mnist1d_book.json"
    out = json.loads(path.read_text())
    assert out["command"].endswith("--scale book")
    rows = out["rows"]
    assert [r["n_swaps"] for r in rows] == [10, None, 10, None]
    for row in rows:
        assert row["grid"] == "permutation" and row["n_tasks"] == 2
        assert row["header_bits"] == 4  # grid of 10 in the stored main results
        occam, fast = _recompute_bounds(row, out["delta"])
        assert row["occam"] == pytest.approx(occam, abs=1e-12)
        assert row["fast_rate"] == pytest.approx(fast, abs=1e-10)
    lines = perm.summary_table(rows)
    assert {line["shuffle"] for line in lines} == {"10 swaps", "full permutation"}
    # paired comparison: the same examples, only the task transformations differ
    book = perm.plan("book", stored)[:2]
    pools = exp.make_pools(book, progress=False)
    swaps, full = (exp._tasks(c, pools) for c in book)
    assert np.array_equal(swaps.y_train, full.y_train)
    assert np.array_equal(swaps.y_fresh, full.y_fresh)
    assert np.array_equal(np.sort(swaps.x_train, -1), np.sort(full.x_train, -1))
    moved = lambda d: (d.permutations != np.arange(40)).sum(axis=1)  # noqa: E731
    assert moved(swaps).max() <= 20 < moved(full).min()


def test_permutation_load_results_finds_or_names_the_file(tmp_path):
    (tmp_path / "results").mkdir()
    (tmp_path / "results" / perm.RESULT_FILE).write_text('{"rows": [1]}')
    assert perm.load_results(tmp_path / "results" / perm.RESULT_FILE) == {"rows": [1]}
    with pytest.raises(
        FileNotFoundError, match=r"no_such_file\.json not found; run its e"
    ):
        exp.load_results(name="no_such_file.json")


def test_load_stored_search_order(tmp_path, monkeypatch):
    """A checkout's results/ first, then the prefix's share/ (pip install), then cwd."""
    name = "only_for_this_test.json"
    share = tmp_path / "prefix" / "share" / "mtlnotes" / "results"
    share.mkdir(parents=True)
    (share / name).write_text('{"where": "prefix"}')
    work = tmp_path / "work" / "sub"
    work.mkdir(parents=True)
    (tmp_path / "work" / "results").mkdir()
    (tmp_path / "work" / "results" / name).write_text('{"where": "cwd parent"}')
    monkeypatch.chdir(work)
    monkeypatch.setattr(core.sys, "prefix", str(tmp_path / "prefix"))
    assert core.load_stored(name, "cmd") == {"where": "prefix"}
    (share / name).unlink()
    assert core.load_stored(name, "cmd") == {"where": "cwd parent"}
    (tmp_path / "work" / "results" / name).unlink()
    with pytest.raises(FileNotFoundError, match="run cmd"):
        core.load_stored(name, "cmd")
    # the checkout's own file wins over everything
    stored = core.load_stored("subspace_mnist1d.json", "cmd")
    assert stored == json.loads(STORED.read_text())
