"""The coursework round trip with real nbgrader, as book/instructors.md describes it.

In a temporary course directory, with every chapter in one assignment:

1. ``python -m mtlnotes.course.assign --nbgrader --hidden-tests tests/hidden notebooks
   source/mtlnotes`` writes the nbgrader source notebooks (the chapters with their
   hidden tests as locked autograder cells);
2. ``nbgrader generate_assignment mtlnotes`` writes the release;
3. three submissions are autograded with ``nbgrader autograde mtlnotes``: the
   release untouched ("blank"), the release with every solution and written answer
   of the instructor filled in ("instructor"), and the release with only the first
   exercise of each chapter solved ("partial");
4. the instructor's written answers get full marks through nbgrader's gradebook
   (the step an instructor does in ``nbgrader formgrader``), and
   ``nbgrader export`` writes the grades.

Required: blank scores 0 in every chapter, instructor the maximum in every chapter
(and in the export), partial strictly in between in every chapter; no line of any
solution region (solution code, written answers, hidden tests) appears in
nbgrader's release or in the student version of :mod:`mtlnotes.course.assign`.

Every chapter is executed three times (once per submission); the test prints the
scores per chapter (``pytest -s``).
"""

from __future__ import annotations

import csv
import functools
import os
import re
import subprocess
import sys
from pathlib import Path

import nbformat
import pytest

from mtlnotes.course.assign import student_notebook

nbgrader_api = pytest.importorskip("nbgrader.api")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = sorted((ROOT / "notebooks").glob("*.ipynb"))
ASSIGNMENT = "mtlnotes"
MARKER = re.compile(r"^\s*#+\s*(BEGIN|END) (SOLUTION|HIDDEN TESTS)\s*$")
CONFIG = """\
c = get_config()
c.CourseDirectory.course_id = "mtlnotes"
c.ExecutePreprocessor.timeout = 300
"""


def meta(cell) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {})


def run(*args: str, cwd: Path) -> str:
    """Run a command with the package and its chapters' imports on the path."""
    env = dict(os.environ)
    # the repository (mtlnotes); chapters import nothing else from the checkout
    paths = [str(ROOT), env.get("PYTHONPATH", "")]
    env["PYTHONPATH"] = os.pathsep.join(p for p in paths if p)
    # nbgrader runs the `alembic` script of its environment (not activated in make)
    env["PATH"] = os.pathsep.join([str(Path(sys.executable).parent), env["PATH"]])
    done = subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=3600
    )
    assert done.returncode == 0, f"{args} failed:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def nbgrader(*args: str, cwd: Path) -> str:
    return run(sys.executable, "-m", "nbgrader", *args, cwd=cwd)


def secret_lines(nb) -> set[str]:
    """Stripped lines of the solution regions of an nbgrader source notebook
    (solution code, written answers, hidden tests) that occur nowhere else."""
    secret: set[str] = set()
    public: set[str] = set()
    for cell in nb.cells:
        lines = cell.source.splitlines()
        has_markers = any(MARKER.match(line) for line in lines)
        if meta(cell).get("solution") and not has_markers:
            secret.update(line.strip() for line in lines)
            continue
        inside = False
        for line in lines:
            match = MARKER.match(line)
            if match:
                inside = match[1] == "BEGIN"
                continue
            (secret if inside else public).add(line.strip())
    return secret - public - {""}


def fill(release, source, labels: set[str] | None):
    """The release with the source's solution cells of the exercises ``labels``
    (all if None) copied in, as a student who solved them would submit it."""
    by_id = {meta(cell).get("grade_id"): cell for cell in source.cells}
    nb = nbformat.from_dict(release)
    for cell in nb.cells:
        grade_id = meta(cell).get("grade_id", "")
        label = grade_id.rpartition("-")[0]
        if meta(cell).get("solution") and (labels is None or label in labels):
            cell.source = by_id[grade_id].source
    return nb


def exercise_labels(nb) -> list[str]:
    labels = []
    for cell in nb.cells:
        grade_id = meta(cell).get("grade_id", "")
        if grade_id.endswith("-solution"):
            labels.append(grade_id.removesuffix("-solution"))
    return labels


@functools.cache
def round_trip(tmp: Path) -> dict:
    # the chapters as they are now: the student versions below derive from them
    chapters = {p.stem: nbformat.read(p, as_version=4) for p in CHAPTERS}
    course = tmp / "course"
    course.mkdir()
    (course / "nbgrader_config.py").write_text(CONFIG)
    source_dir = course / "source" / ASSIGNMENT
    run(
        sys.executable,
        "-m",
        "mtlnotes.course.assign",
        "--nbgrader",
        "--hidden-tests",
        str(ROOT / "tests" / "hidden"),
        str(ROOT / "notebooks"),
        str(source_dir),
        cwd=ROOT,
    )
    nbgrader("generate_assignment", ASSIGNMENT, cwd=course)
    release_dir = course / "release" / ASSIGNMENT
    sources = {
        p.stem: nbformat.read(source_dir / p.name, as_version=4) for p in CHAPTERS
    }
    releases = {
        stem: nbformat.read(release_dir / f"{stem}.ipynb", as_version=4)
        for stem in sources
    }
    submissions = {
        "blank": lambda stem: releases[stem],
        "instructor": lambda stem: fill(releases[stem], sources[stem], None),
        "partial": lambda stem: fill(
            releases[stem], sources[stem], set(exercise_labels(sources[stem])[:1])
        ),
    }
    for student, make in submissions.items():
        folder = course / "submitted" / student / ASSIGNMENT
        folder.mkdir(parents=True)
        for stem in sources:
            nbformat.write(make(stem), folder / f"{stem}.ipynb")
    nbgrader("autograde", ASSIGNMENT, cwd=course)
    db = f"sqlite:///{course / 'gradebook.db'}"
    scores: dict[str, dict[str, tuple[float, float]]] = {}
    with nbgrader_api.Gradebook(db, course_id="mtlnotes") as gb:
        # the instructor grades the written answers by hand (formgrader); here
        # the instructor's own answers get full marks
        for stem in sources:
            notebook = gb.find_submission_notebook(stem, ASSIGNMENT, "instructor")
            for grade in notebook.grades:
                if grade.needs_manual_grade:
                    grade.manual_score = grade.max_score
        gb.db.commit()
        for student in submissions:
            scores[student] = {}
            for stem in sources:
                notebook = gb.find_submission_notebook(stem, ASSIGNMENT, student)
                scores[student][stem] = (notebook.score, notebook.max_score)
    nbgrader("export", "--to", str(tmp / "grades.csv"), cwd=course)
    with open(tmp / "grades.csv", newline="") as handle:
        export = {row["student_id"]: row for row in csv.DictReader(handle)}
    return {
        "chapters": chapters,
        "sources": sources,
        "releases": releases,
        "scores": scores,
        "export": export,
    }


@pytest.fixture(scope="module")
def trip(tmp_path_factory) -> dict:
    return round_trip(tmp_path_factory.mktemp("nbgrader"))


def test_scores_per_chapter(trip):
    scores = trip["scores"]
    for stem in sorted(scores["blank"]):
        row = {s: scores[s][stem] for s in scores}
        print(
            f"{stem}: "
            + ", ".join(f"{s} {got:g}/{top:g}" for s, (got, top) in row.items())
        )
    for stem, (got, top) in scores["blank"].items():
        assert top > 0 and got == 0, f"{stem}: blank submission scored {got}/{top}"
    for stem, (got, top) in scores["instructor"].items():
        assert got == top, f"{stem}: instructor version scored {got}/{top}"
    for stem, (got, top) in scores["partial"].items():
        assert 0 < got < top, f"{stem}: partial submission scored {got}/{top}"


def test_export_has_the_totals(trip):
    export, scores = trip["export"], trip["scores"]
    assert set(export) == set(scores)
    for student, rows in scores.items():
        total = sum(got for got, _ in rows.values())
        top = sum(top for _, top in rows.values())
        assert float(export[student]["score"]) == pytest.approx(total)
        assert float(export[student]["max_score"]) == pytest.approx(top)
    assert float(export["blank"]["score"]) == 0
    assert float(export["instructor"]["score"]) == float(
        export["instructor"]["max_score"]
    )
    print({s: (row["score"], row["max_score"]) for s, row in export.items()})


def test_points_follow_the_asserts(trip):
    """Every exercise has check cells worth points; written answers are graded."""
    for stem, nb in trip["sources"].items():
        for label in exercise_labels(nb):
            checks = [
                c
                for c in nb.cells
                if re.fullmatch(
                    rf"{re.escape(label)}-check-\d+", meta(c).get("grade_id", "")
                )
            ]
            assert checks and all(meta(c)["points"] > 0 for c in checks), (
                f"{stem}, {label}: no check cell with points"
            )


@pytest.mark.parametrize("version", ["nbgrader release", "mtlnotes.course.assign"])
def test_no_solution_line_in_a_student_version(trip, version):
    for stem, source in trip["sources"].items():
        secret = secret_lines(source)
        assert secret, f"{stem}: no solution lines found"
        if version == "nbgrader release":
            student = trip["releases"][stem]
        else:
            student = student_notebook(trip["chapters"][stem], name=stem)
        leaked = {
            line.strip()
            for cell in student.cells
            for line in cell.source.splitlines()
            if line.strip() in secret
        }
        assert not leaked, f"{stem}: solution lines in the {version}: {leaked}"
