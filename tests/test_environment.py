"""The Binder environment (environment.yml) installs what pyproject.toml declares."""

import tomllib
from pathlib import Path

import yaml
from packaging.requirements import Requirement

ROOT = Path(__file__).resolve().parents[1]


def pyproject_requirements() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    extras = project["optional-dependencies"]
    return set(project["dependencies"]) | set(extras["book"]) | set(extras["test"])


def environment_requirements() -> set[str]:
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    pip_lists = [d["pip"] for d in env["dependencies"] if isinstance(d, dict)]
    assert len(pip_lists) == 1, "environment.yml must have exactly one pip section"
    return {r for r in pip_lists[0] if not r.startswith("-")}


def test_environment_matches_pyproject():
    assert environment_requirements() == pyproject_requirements()


def test_environment_pins_python_311():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    assert "python=3.11" in env["dependencies"]


def test_binder_installs_the_package():
    post_build = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post_build
    assert (ROOT / "postBuild").stat().st_mode & 0o111, "postBuild must be executable"


def test_torch_range_admits_the_offline_build():
    (torch_req,) = [
        Requirement(r) for r in pyproject_requirements() if r.startswith("torch")
    ]
    assert "2.13.0" in torch_req.specifier  # the CPU build on the build machines
    assert "2.14.1" not in torch_req.specifier  # would pull a multi-GB CUDA build
