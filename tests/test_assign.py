"""Unit tests for mtlnotes.course.assign on small synthetic notebooks (nbformat)."""

from __future__ import annotations

import json
import runpy
import sys
import textwrap

import nbformat
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from mtlnotes.course import assign

SOLUTION_META = {
    "solution": True,
    "grade": False,
    "locked": False,
    "schema_version": 3,
}
CHECK_META = {
    "grade": True,
    "solution": False,
    "locked": True,
    "points": 1,
    "schema_version": 3,
}


def solution_cell(source: str, grade_id: str | None = "ex-t-1-solution"):
    cell = new_code_cell(source)
    if grade_id is not None:
        cell.metadata["nbgrader"] = {**SOLUTION_META, "grade_id": grade_id}
    return cell


def check_cell(source: str, grade_id: str = "ex-t-1-check"):
    cell = new_code_cell(source)
    cell.metadata["nbgrader"] = {**CHECK_META, "grade_id": grade_id}
    return cell


def exercise_cells(label: str, solution: str, check: str, name: str = "f"):
    """The four-plus-one cells of one exercise, in the shape of CONTRIBUTING.md."""
    return [
        new_markdown_cell(
            f"::::{{exercise}} Title\n:label: {label}\nDefine `{name}`.\n::::"
        ),
        new_markdown_cell(f"```{{solution-start}} {label}\n:class: dropdown\n```"),
        solution_cell(solution, grade_id=f"{label}-solution"),
        new_markdown_cell("```{solution-end}\n```"),
        check_cell(check, grade_id=f"{label}-check"),
    ]


def executed(cell, count: int = 1):
    """Give a code cell an output, an execution count and timing metadata."""
    cell.outputs = [new_output("stream", name="stdout", text="42\n")]
    cell.execution_count = count
    cell.metadata["execution"] = {"iopub.status.idle": "2026-01-01T00:00:00Z"}
    return cell


def make_chapter():
    """A chapter with a theorem, a figure cell, and two exercises."""
    nb = new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3"}
    nb.cells = [
        new_markdown_cell(
            "# T\n\n:::{prf:theorem} A\n:label: thm-t\nStatement.\n:::\n\n## Exercises"
        ),
        executed(new_code_cell("import math\nx0 = 2.0\nprint(42)")),
        *exercise_cells(
            "ex-t-1",
            "### BEGIN SOLUTION\ndef square(x):\n    return x * x\n### END SOLUTION",
            "assert square(3) == 9\n### BEGIN HIDDEN TESTS\n"
            "assert square(-2) == 4\n### END HIDDEN TESTS",
            name="square",
        ),
        *exercise_cells(
            "ex-t-2",
            "def cube(x):\n    ### BEGIN SOLUTION\n    y = x * x * x\n"
            "    return y\n    ### END SOLUTION",
            "assert cube(2) == 8",
            name="cube",
        ),
    ]
    for cell in nb.cells[2:]:
        if cell.cell_type == "code":
            executed(cell, 2)
    return nb


def sources(nb, cell_type: str = "code") -> list[str]:
    return [cell.source for cell in nb.cells if cell.cell_type == cell_type]


def run_cells(nb) -> tuple[dict, list[tuple[int, BaseException]]]:
    """Execute the code cells of ``nb`` in one namespace, collecting exceptions."""
    namespace: dict = {}
    errors = []
    for index, cell in enumerate(nb.cells):
        if cell.cell_type == "code":
            try:
                exec(compile(cell.source, f"<cell {index}>", "exec"), namespace)
            except Exception as err:  # the point is to record what a cell raises
                errors.append((index, err))
    return namespace, errors


def test_stub_line_is_valid_python_and_names_the_exercise():
    line = assign.stub_line("ex-t-1")
    assert line == (
        'raise NotImplementedError("Exercise ex-t-1: write your solution here")'
    )
    with pytest.raises(NotImplementedError, match='ex-a"b'):
        exec(assign.stub_line('ex-a"b'))


def test_is_solution_cell():
    assert assign.is_solution_cell(solution_cell("x = 1"))
    assert not assign.is_solution_cell(check_cell("assert True"))
    assert not assign.is_solution_cell(new_code_cell("x = 1"))
    assert not assign.is_solution_cell(new_markdown_cell("text"))
    assert assign.is_solution_cell({"metadata": {"nbgrader": {"solution": True}}})


@pytest.mark.parametrize(
    ("call", "name"),
    [
        (lambda: assign.is_solution_cell("x = 1"), "cell"),
        (lambda: assign.is_solution_cell(None), "cell"),
        (lambda: assign.stub_line(None), "label"),
        (lambda: assign.stub_line(3), "label"),
        (lambda: assign.student_notebook("notebook.ipynb"), "nb"),
        (lambda: assign.student_notebook(None), "nb"),
    ],
)
def test_wrong_types_raise_type_error_naming_the_argument(call, name):
    with pytest.raises(TypeError, match=rf"^{name} must be"):
        call()


def test_student_version_of_a_chapter():
    nb = make_chapter()
    before = json.dumps(nb, sort_keys=True)
    student = assign.student_notebook(nb, name="t.ipynb")
    assert json.dumps(nb, sort_keys=True) == before  # input untouched
    # gates dropped: 2 + 2 * (5 - 2) cells
    assert len(student.cells) == 8
    assert all("solution-" not in s for s in sources(student, "markdown"))
    code = sources(student)
    assert code == [
        "import math\nx0 = 2.0\nprint(42)",
        assign.stub_line("ex-t-1"),
        "assert square(3) == 9",
        "def cube(x):\n    " + assign.stub_line("ex-t-2"),
        "assert cube(2) == 8",
    ]
    for cell in student.cells:
        if cell.cell_type == "code":
            assert cell.outputs == []
            assert cell.execution_count is None
        assert "execution" not in cell.metadata
    # nbgrader metadata kept for nbgrader generate_assignment
    grade_ids = [
        c.metadata["nbgrader"]["grade_id"]
        for c in student.cells
        if "nbgrader" in c.metadata
    ]
    assert grade_ids == [
        "ex-t-1-solution",
        "ex-t-1-check",
        "ex-t-2-solution",
        "ex-t-2-check",
    ]
    assert student.metadata == nb.metadata
    nbformat.validate(student)


def test_student_version_runs_until_the_first_exercise():
    student = assign.student_notebook(make_chapter())
    namespace, errors = run_cells(student)
    assert namespace["x0"] == 2.0
    kinds = [(index, type(err).__name__) for index, err in errors]
    # solution 1 raises, its check misses the name, check 2 calls the stub
    assert kinds == [
        (3, "NotImplementedError"),
        (4, "NameError"),
        (7, "NotImplementedError"),
    ]
    assert "ex-t-2" in str(errors[-1][1])


def test_instructor_version_passes_its_checks():
    _, errors = run_cells(make_chapter())
    assert errors == []


def test_stub_takes_the_indentation_of_the_code_it_replaces():
    source = "def f(x):\n### BEGIN SOLUTION\n    return x\n### END SOLUTION"
    nb = new_notebook(cells=[solution_cell(source)])
    out = assign.student_notebook(nb).cells[0].source
    assert out == "def f(x):\n    " + assign.stub_line("ex-t-1")


def test_empty_region_uses_the_marker_indentation():
    source = (
        "if True:\n    ### BEGIN SOLUTION\n    # comment only\n    ### END SOLUTION"
    )
    out = assign.student_notebook(new_notebook(cells=[solution_cell(source)]))
    assert out.cells[0].source == "if True:\n    " + assign.stub_line("ex-t-1")


def test_several_regions_in_one_cell_keep_the_code_between():
    source = textwrap.dedent(
        """\
        import math
        ### BEGIN SOLUTION
        a = 1
        ### END SOLUTION
        between = 2
        def g():
            ### BEGIN SOLUTION
            return a
            ### END SOLUTION
        """
    )
    out = assign.student_notebook(new_notebook(cells=[solution_cell(source)]))
    stub = assign.stub_line("ex-t-1")
    assert out.cells[0].source == (
        f"import math\n{stub}\nbetween = 2\ndef g():\n    {stub}\n"
    )


def test_cell_marked_only_by_metadata_is_replaced_whole():
    nb = new_notebook(cells=[solution_cell("secret = 42\nprint(secret)")])
    assert assign.student_notebook(nb).cells[0].source == assign.stub_line("ex-t-1")


def test_markers_without_metadata_are_still_replaced():
    cell = new_code_cell("### BEGIN SOLUTION\nsecret = 42\n### END SOLUTION")
    out = assign.student_notebook(new_notebook(cells=[cell]))
    assert out.cells[0].source == assign.stub_line("in cell 0")


def test_hidden_tests_removed_from_every_code_cell():
    source = (
        "assert True\n    ### BEGIN HIDDEN TESTS\nassert 1 + 1 == 2\n"
        "### END HIDDEN TESTS\nassert not False"
    )
    out = assign.student_notebook(new_notebook(cells=[check_cell(source)]))
    assert out.cells[0].source == "assert True\nassert not False"


def test_markdown_solution_region_gets_a_text_stub():
    cell = new_markdown_cell(
        "::::{exercise} E\n:label: ex-t-9\nExplain.\n::::\n\n"
        "### BEGIN SOLUTION\nBecause it is convex.\n### END SOLUTION"
    )
    out = assign.student_notebook(new_notebook(cells=[cell])).cells[0].source
    assert "convex" not in out
    assert out.endswith("*Exercise ex-t-9: write your answer here.*")


def test_solution_directives_dropped_but_the_rest_of_the_cell_kept():
    cell = new_markdown_cell(
        "Before.\n\n````{solution} ex-t-1\n:class: dropdown\n```python\nsecret()\n"
        "```\n````\n\nAfter.\n\n:::{solution} ex-t-2\nSecret prose.\n:::"
    )
    out = assign.student_notebook(new_notebook(cells=[cell])).cells[0].source
    assert out == "Before.\n\n\nAfter.\n"


def test_everything_inside_a_gate_but_the_stubbed_solution_is_dropped():
    nb = new_notebook(
        cells=[
            new_markdown_cell("```{solution-start} ex-t-1\n```"),
            new_markdown_cell("The answer uses secret prose."),
            solution_cell("### BEGIN SOLUTION\nsecret = 1\n### END SOLUTION"),
            new_code_cell("print(secret)  # shown to instructors only"),
            new_markdown_cell("```{solution-end}\n```"),
            new_markdown_cell("After the gate."),
        ]
    )
    out = assign.student_notebook(nb)
    assert [c.source for c in out.cells] == [
        assign.stub_line("ex-t-1"),
        "After the gate.",
    ]


def test_label_sources():
    """Gate argument first, then the last exercise label, then the grade_id."""
    theorem = new_markdown_cell(":::{prf:theorem} A\n:label: thm-a\nx\n:::")
    nb = new_notebook(cells=[theorem, solution_cell("x = 1", grade_id="ex-g-solution")])
    assert "ex-g" in assign.student_notebook(nb).cells[1].source
    exercise = new_markdown_cell("```{exercise-start}\n:label: ex-e\n```")
    nb = new_notebook(cells=[exercise, solution_cell("x = 1")])
    assert "Exercise ex-e:" in assign.student_notebook(nb).cells[1].source
    nb = new_notebook(
        cells=[
            exercise,
            new_markdown_cell("```{solution-start} ex-s\n```"),
            solution_cell("x = 1"),
            new_markdown_cell("```{solution-end}\n```"),
        ]
    )
    assert "Exercise ex-s:" in assign.student_notebook(nb).cells[1].source
    nb = new_notebook(cells=[solution_cell("x = 1", grade_id=None)])
    nb.cells[0].metadata["nbgrader"] = {"solution": True}
    assert "Exercise in cell 0:" in assign.student_notebook(nb).cells[0].source


@pytest.mark.parametrize(
    ("cells", "match"),
    [
        (["### BEGIN SOLUTION\nx = 1"], r"cell 0.*BEGIN SOLUTION' without"),
        (["x = 1\n### END SOLUTION"], r"cell 0.*'END SOLUTION' without"),
        (
            ["### BEGIN SOLUTION\n### BEGIN SOLUTION\n### END SOLUTION"],
            "inside an open SOLUTION region",
        ),
        (
            ["### BEGIN HIDDEN TESTS\nassert True\n### END SOLUTION"],
            "'END SOLUTION' without",
        ),
        (["x = 1", "### END HIDDEN TESTS"], r"cell 1.*'END HIDDEN TESTS' without"),
        (["print('BEGIN SOLUTION')"], "not a marker line"),
        (
            ["x = (\n### BEGIN SOLUTION\n1\n### END SOLUTION\n)"],
            "not valid Python",
        ),
    ],
)
def test_bad_code_markers_name_notebook_and_cell(cells, match):
    nb = new_notebook(cells=[new_code_cell(source) for source in cells])
    with pytest.raises(ValueError, match=match) as info:
        assign.student_notebook(nb, name="bad.ipynb")
    assert "notebook bad.ipynb, cell" in str(info.value)


@pytest.mark.parametrize(
    ("cells", "match"),
    [
        (["```{solution-start} a\n```", "x"], r"cell 0.*without a \{solution-end"),
        (["```{solution-end}\n```"], r"cell 0.*without a \{solution-start"),
        (
            ["```{solution-start} a\n```", "```{solution-start} b\n```"],
            r"cell 1.*cell 0 is still open",
        ),
        (["### BEGIN SOLUTION\nprose"], r"cell 0.*without a matching"),
    ],
)
def test_bad_gates_name_notebook_and_cell(cells, match):
    nb = new_notebook(cells=[new_markdown_cell(source) for source in cells])
    with pytest.raises(ValueError, match=match) as info:
        assign.student_notebook(nb, name="bad.ipynb")
    assert "notebook bad.ipynb" in str(info.value)


def test_ipython_magics_allowed_in_stubbed_cells():
    cell = solution_cell("%time x = 1\n### BEGIN SOLUTION\ny = 2\n### END SOLUTION")
    out = assign.student_notebook(new_notebook(cells=[cell]))
    assert out.cells[0].source.startswith("%time x = 1\n")


identifiers = st.from_regex(r"[a-z][a-z0-9_]{3,10}", fullmatch=True)


@settings(max_examples=40, deadline=None)
@given(
    bodies=st.lists(
        st.lists(st.tuples(identifiers, st.integers(0, 10**6)), min_size=1, max_size=4),
        min_size=1,
        max_size=4,
    ),
    depth=st.integers(0, 3),
)
def test_property_no_solution_line_survives_and_one_stub_per_region(bodies, depth):
    """Random solutions at random depths: none survives, the code still compiles."""
    cells = []
    for n, body in enumerate(bodies, start=1):
        head = "".join("    " * k + f"if x{k}:\n" for k in range(depth))
        pad = "    " * depth
        lines = "".join(f"{pad}{name}_v = {value}\n" for name, value in body)
        source = (
            f"{head}{pad}### BEGIN SOLUTION\n{lines}{pad}### END SOLUTION\n"
            f"print('kept {n}')"
        )
        cells += exercise_cells(f"ex-p-{n}", source, f"assert ok_{n}")
    student = assign.student_notebook(new_notebook(cells=cells))
    text = "\n".join(cell.source for cell in student.cells)
    for body in bodies:
        for name, value in body:
            assert f"{name}_v = {value}" not in text
    for n in range(1, len(bodies) + 1):
        assert text.count(assign.stub_line(f"ex-p-{n}")) == 1
        assert f"print('kept {n}')" in text
    for cell in student.cells:
        if cell.cell_type == "code":
            compile(cell.source, "<cell>", "exec")


def write(nb, path):
    nbformat.write(nb, path)
    return path


def test_write_student_versions_directory(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    write(make_chapter(), src / "b.ipynb")
    write(new_notebook(cells=[new_code_cell("x = 1")]), src / "a.ipynb")
    (src / "notes.txt").write_text("not a notebook")
    written = assign.write_student_versions(src, tmp_path / "out" / "student")
    assert written == [
        tmp_path / "out/student/a.ipynb",
        tmp_path / "out/student/b.ipynb",
    ]
    student = nbformat.read(written[1], as_version=4)
    assert sources(student)[1] == assign.stub_line("ex-t-1")
    assert not (tmp_path / "out/student/notes.txt").exists()


def test_write_student_versions_single_file(tmp_path):
    src = write(make_chapter(), tmp_path / "ch.ipynb")
    out = tmp_path / "deep" / "ch_student.ipynb"
    assert assign.write_student_versions(str(src), str(out)) == [out]
    assert "BEGIN SOLUTION" not in out.read_text()
    (tmp_path / "dir").mkdir()
    assert assign.write_student_versions(src, tmp_path / "dir") == [
        tmp_path / "dir" / "ch.ipynb"
    ]


def test_write_student_versions_bad_arguments(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    with pytest.raises(ValueError, match=r"src .* holds no"):
        assign.write_student_versions(src, tmp_path / "out")
    write(make_chapter(), src / "ch.ipynb")
    with pytest.raises(ValueError, match=r"src .* does not exist"):
        assign.write_student_versions(tmp_path / "missing", tmp_path / "out")
    with pytest.raises(ValueError, match=r"dest .* inside src"):
        assign.write_student_versions(src, src / "student")
    with pytest.raises(ValueError, match=r"dest .* inside src"):
        assign.write_student_versions(src, src)
    (tmp_path / "file").write_text("")
    with pytest.raises(ValueError, match=r"dest .* must be a directory"):
        assign.write_student_versions(src, tmp_path / "file")
    with pytest.raises(ValueError, match=r"src .* directory or a .ipynb"):
        assign.write_student_versions(tmp_path / "file", tmp_path / "out")
    with pytest.raises(ValueError, match=r"dest .* overwrite src"):
        assign.write_student_versions(src / "ch.ipynb", src)


def test_nothing_written_when_one_notebook_is_bad(tmp_path):
    src = tmp_path / "notebooks"
    src.mkdir()
    write(make_chapter(), src / "a.ipynb")
    write(new_notebook(cells=[new_code_cell("### END SOLUTION")]), src / "b.ipynb")
    with pytest.raises(ValueError, match=r"b\.ipynb, cell 0"):
        assign.write_student_versions(src, tmp_path / "out")
    assert not (tmp_path / "out").exists()


def test_main(tmp_path, capsys):
    src = write(make_chapter(), tmp_path / "ch.ipynb")
    assert assign.main([str(src), str(tmp_path / "s.ipynb")]) == 0
    assert capsys.readouterr().out.strip() == str(tmp_path / "s.ipynb")
    assert assign.main([str(tmp_path / "nope"), str(tmp_path / "o")]) == 2
    assert "error: src" in capsys.readouterr().err


def test_module_entry_point(tmp_path, monkeypatch, capsys):
    src = write(make_chapter(), tmp_path / "ch.ipynb")
    monkeypatch.setattr(sys, "argv", ["assign", str(src), str(tmp_path / "o.ipynb")])
    monkeypatch.delitem(sys.modules, "mtlnotes.course.assign")
    with pytest.raises(SystemExit) as info:
        runpy.run_module("mtlnotes.course.assign", run_name="__main__")
    assert info.value.code == 0
    assert (tmp_path / "o.ipynb").exists()


def test_old_module_path_still_works(tmp_path, monkeypatch):
    """``mtlnotes.assign`` re-exports the course module (one definition)."""
    import mtlnotes.assign as old

    assert old.student_notebook is assign.student_notebook
    assert old.__all__ == assign.__all__
    src = write(make_chapter(), tmp_path / "ch.ipynb")
    monkeypatch.setattr(sys, "argv", ["assign", str(src), str(tmp_path / "p.ipynb")])
    monkeypatch.delitem(sys.modules, "mtlnotes.assign")
    with pytest.raises(SystemExit) as info:
        runpy.run_module("mtlnotes.assign", run_name="__main__")
    assert info.value.code == 0 and (tmp_path / "p.ipynb").exists()


ANSWER_META = {
    "solution": True,
    "grade": True,
    "locked": False,
    "points": 1,
    "schema_version": 3,
}


def answer_cell(text: str, grade_id: str = "ex-t-1-answer"):
    cell = new_markdown_cell(text)
    cell.metadata["nbgrader"] = {**ANSWER_META, "grade_id": grade_id}
    return cell


def test_answer_stub():
    assert assign.answer_stub("ex-t-3") == "*Exercise ex-t-3: write your answer here.*"
    with pytest.raises(TypeError, match="label"):
        assign.answer_stub(3)


def test_answer_cell_inside_the_gate_becomes_a_place_for_the_answer():
    nb = new_notebook(
        cells=[
            new_markdown_cell("::::{exercise} E\n:label: ex-t-1\nWhy?\n::::"),
            new_markdown_cell("```{solution-start} ex-t-1\n:class: dropdown\n```"),
            solution_cell("### BEGIN SOLUTION\nsecret = 1\n### END SOLUTION"),
            answer_cell("Because the secret prose says so."),
            new_markdown_cell("```{solution-end}\n```"),
            check_cell("assert secret == 1", grade_id="ex-t-1-check-1"),
        ]
    )
    out = assign.student_notebook(nb)
    assert [c.source for c in out.cells][1:] == [
        assign.stub_line("ex-t-1"),
        assign.answer_stub("ex-t-1"),
        "assert secret == 1",
    ]
    assert out.cells[2].metadata["nbgrader"]["grade_id"] == "ex-t-1-answer"
    assert "secret prose" not in json.dumps(out)


def test_answer_cell_with_markers_keeps_the_text_around_them():
    cell = answer_cell("**Answer.**\n### BEGIN SOLUTION\nSecret.\n### END SOLUTION")
    nb = new_notebook(
        cells=[new_markdown_cell("::::{exercise} E\n:label: ex-t-4\nQ?\n::::"), cell]
    )
    out = assign.student_notebook(nb).cells[1].source
    assert out == "**Answer.**\n" + assign.answer_stub("ex-t-4")


HIDDEN_FILE = '''"""Hidden tests of a chapter."""

# %% ex-t-1-hidden
assert square(-2) == 4

# %% ex-t-2-hidden
assert cube(-1) == -1
'''


def split_chapter():
    """make_chapter with numbered check cells and no hidden tests inside them."""
    nb = make_chapter()
    for cell in nb.cells:
        grade_id = cell.metadata.get("nbgrader", {}).get("grade_id", "")
        if grade_id.endswith("-check"):
            cell.metadata["nbgrader"]["grade_id"] = grade_id + "-1"
            cell.source = cell.source.split("\n### BEGIN")[0]
    return nb


def test_read_hidden_tests(tmp_path):
    path = tmp_path / "ch.py"
    path.write_text(HIDDEN_FILE)
    assert assign.read_hidden_tests(path) == {
        "ex-t-1-hidden": "assert square(-2) == 4",
        "ex-t-2-hidden": "assert cube(-1) == -1",
    }


@pytest.mark.parametrize(
    ("text", "match"),
    [
        ('"""Only a docstring."""\n', "no block"),
        ("# %% ex-t-1-hidden\nx = 1\n# %% ex-t-1-hidden\ny = 2\n", "appears twice"),
        ("# %% ex-t-1-hidden\n\n# %% ex-t-2-hidden\nx = 1\n", "empty"),
        ("# %% ex-t-1-hidden\n### BEGIN HIDDEN TESTS\nx = 1\n", "marker"),
    ],
)
def test_read_hidden_tests_rejects_bad_files(tmp_path, text, match):
    path = tmp_path / "ch.py"
    path.write_text(text)
    with pytest.raises(ValueError, match=match):
        assign.read_hidden_tests(path)
    with pytest.raises(ValueError, match="path"):
        assign.read_hidden_tests(tmp_path / "missing.py")


def test_nbgrader_source_adds_locked_hidden_test_cells():
    nb = split_chapter()
    hidden = {"ex-t-1-hidden": "assert square(-2) == 4"}
    out = assign.nbgrader_source(nb, hidden)
    ids = [c.metadata.get("nbgrader", {}).get("grade_id") for c in out.cells]
    at = ids.index("ex-t-1-hidden")
    assert ids[at - 1] == "ex-t-1-check-1"
    cell = out.cells[at]
    assert cell.metadata["nbgrader"] == {
        "grade": True,
        "solution": False,
        "locked": True,
        "points": 1,
        "grade_id": "ex-t-1-hidden",
        "schema_version": 3,
    }
    assert "### BEGIN HIDDEN TESTS\nassert square(-2) == 4\n### END HIDDEN TESTS" in (
        cell.source
    )
    assert len(out.cells) == len(nb.cells) + 1  # the input is not modified
    nbformat.validate(out)
    # the instructor solution passes the hidden test; the student version drops it
    _, errors = run_cells(out)
    assert not errors
    student = assign.student_notebook(out)
    assert "square(-2)" not in json.dumps(student)


@pytest.mark.parametrize(
    ("hidden", "match"),
    [
        ({"ex-t-9-hidden": "x = 1"}, "exercise with check cells"),
        ({"ex-t-1-check-1": "x = 1"}, "<label>-hidden"),
    ],
)
def test_nbgrader_source_rejects_unknown_exercises(hidden, match):
    with pytest.raises(ValueError, match=match):
        assign.nbgrader_source(split_chapter(), hidden, name="ch.ipynb")
    with pytest.raises(TypeError, match="nb must be"):
        assign.nbgrader_source([], {})


def test_nbgrader_source_rejects_a_duplicate_grade_id():
    once = assign.nbgrader_source(split_chapter(), {"ex-t-1-hidden": "x = 1"})
    with pytest.raises(ValueError, match="exists"):
        assign.nbgrader_source(once, {"ex-t-1-hidden": "x = 1"})


def test_write_nbgrader_sources(tmp_path, capsys):
    src = tmp_path / "notebooks"
    src.mkdir()
    write(split_chapter(), src / "ch.ipynb")
    write(split_chapter(), src / "other.ipynb")
    hidden = tmp_path / "hidden"
    hidden.mkdir()
    (hidden / "ch.py").write_text(HIDDEN_FILE)
    written = assign.write_nbgrader_sources(src, tmp_path / "source" / "a1", hidden)
    assert [p.name for p in written] == ["ch.ipynb", "other.ipynb"]
    assert "cube(-1)" in written[0].read_text()
    assert "HIDDEN" not in written[1].read_text()
    with pytest.raises(ValueError, match="hidden_tests"):
        assign.write_nbgrader_sources(src, tmp_path / "x", tmp_path / "missing")
    out = tmp_path / "cli"
    argv = ["--nbgrader", "--hidden-tests", str(hidden), str(src), str(out)]
    assert assign.main(argv) == 0
    assert "cube(-1)" in (out / "ch.ipynb").read_text()
    assert capsys.readouterr().out.split() == [
        str(out / "ch.ipynb"),
        str(out / "other.ipynb"),
    ]
