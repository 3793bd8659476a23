"""Student versions and nbgrader sources of the chapters.

Every chapter ends with exercises in one shape (see ``CONTRIBUTING.md``): an
``{exercise}`` cell; a ``{solution-start}`` ... ``{solution-end}`` gate around a
code cell whose solution sits between ``### BEGIN SOLUTION`` and
``### END SOLUTION`` and, for an exercise that asks a question, a markdown
*answer* cell (an nbgrader manually graded answer) holding the worked answer;
then one or more autograded check cells, one point each.  Hidden tests are not
in the chapters (the book and its downloadable notebooks would show them): they
live in ``tests/hidden/<chapter>.py`` and :func:`nbgrader_source` adds them, as
locked autograder cells, to the notebooks an instructor gives nbgrader.

Usage::

    python -m mtlnotes.course.assign notebooks student        # every chapter
    python -m mtlnotes.course.assign notebooks/ch.ipynb out.ipynb
    python -m mtlnotes.course.assign --nbgrader --hidden-tests tests/hidden \
        notebooks course/source/ps1                   # nbgrader source notebooks

In the student version

* each solution region is replaced by
  ``raise NotImplementedError("Exercise <label>: write your solution here")``,
  indented like the code it replaces (a solution inside a function body keeps
  the ``def`` line); a code cell marked as a solution only by its metadata is
  replaced as a whole, as nbgrader does;
* a markdown cell marked as a solution (an answer cell) is replaced by
  ``*Exercise <label>: write your answer here.*`` and kept, so the student has
  a place for the answer;
* hidden-test regions are removed from every code cell;
* the ``{solution-start}``/``{solution-end}`` cells and everything between
  them except the (stubbed) solution and answer cells are dropped, and so are
  ``{solution}`` directives, so the student book builds and shows no answer;
* outputs, execution counts and execution timestamps are cleared; the nbgrader
  metadata is kept.

The module needs only ``nbformat`` (and IPython to check the stubbed code),
not nbgrader.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path

import nbformat
from nbformat import NotebookNode

__all__ = [
    "answer_stub",
    "is_solution_cell",
    "main",
    "nbgrader_source",
    "read_hidden_tests",
    "stub_line",
    "student_notebook",
    "write_nbgrader_sources",
    "write_student_versions",
]

_KEYWORDS = ("BEGIN SOLUTION", "END SOLUTION", "BEGIN HIDDEN TESTS", "END HIDDEN TESTS")
_MARKER = re.compile(
    r"^(?P<indent>[ \t]*)#+[ \t]*(?P<what>" + "|".join(_KEYWORDS) + r")[ \t]*$"
)
_DIRECTIVE = re.compile(
    r"^[ \t]*(?P<fence>`{3,}|:{3,})[ \t]*\{(?P<name>[\w:-]+)\}(?P<arg>.*)$"
)
_EXERCISES = ("exercise", "exercise-start")
_LABEL = re.compile(r"^[ \t]*:label:[ \t]*(?P<label>\S+)")


def is_solution_cell(cell: NotebookNode) -> bool:
    """Whether nbgrader metadata marks ``cell`` as a solution cell.

    Parameters
    ----------
    cell : NotebookNode
        A notebook cell.

    Returns
    -------
    bool
        ``cell.metadata.nbgrader.solution`` if present, else ``False``.

    Raises
    ------
    TypeError
        If ``cell`` is not a ``NotebookNode`` (or another mapping).
    """
    if not isinstance(cell, Mapping):
        raise TypeError(
            f"cell must be a notebook cell (NotebookNode), got {type(cell).__name__}"
        )
    return bool(cell.get("metadata", {}).get("nbgrader", {}).get("solution", False))


def stub_line(label: str) -> str:
    """The Python statement that replaces a solution region.

    Parameters
    ----------
    label : str
        The exercise label, e.g. ``"ex-gd_contraction-1"``.

    Returns
    -------
    str
        ``raise NotImplementedError("Exercise <label>: write your solution here")``
        (no indentation, no newline).

    Raises
    ------
    TypeError
        If ``label`` is not a ``str``.

    Notes
    -----
    The message is written as a JSON string, which is also a valid Python string
    literal, so any label gives valid code.
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")
    message = json.dumps(f"Exercise {label}: write your solution here")
    return f"raise NotImplementedError({message})"


def answer_stub(label: str) -> str:
    """The markdown that replaces a written answer in the student version.

    Parameters
    ----------
    label : str
        The exercise label, e.g. ``"ex-maurer-2"``.

    Returns
    -------
    str
        ``*Exercise <label>: write your answer here.*``

    Raises
    ------
    TypeError
        If ``label`` is not a ``str``.
    """
    if not isinstance(label, str):
        raise TypeError(f"label must be a str, got {type(label).__name__}")
    return f"*Exercise {label}: write your answer here.*"


def _as_path(x: object, name: str) -> Path:
    """``Path(x)`` for a str or path-like ``x``, else a TypeError naming ``name``."""
    if not isinstance(x, str | os.PathLike):
        raise TypeError(f"{name} must be a str or Path, got {type(x).__name__}")
    return Path(x)


class _Where:
    """Where a problem was found, for error messages."""

    def __init__(self, name: str, index: int, cell: NotebookNode) -> None:
        cell_id = cell.get("id")
        self.text = f"notebook {name}, cell {index}" + (
            f" (id {cell_id})" if cell_id else ""
        )


def _indent(line: str) -> str:
    return line[: len(line) - len(line.lstrip(" \t"))]


def _stub_indent(marker_indent: str, body: list[str]) -> str:
    """Indentation of the first code line in ``body``, else that of the marker."""
    for line in body:
        stripped = line.strip()
        if stripped and not stripped.startswith("#"):
            return _indent(line)
    return marker_indent


def _strip_regions(
    source: str, *, code: bool, label: str, where: _Where
) -> tuple[str, bool]:
    """Replace solution regions by stubs and drop hidden-test regions.

    Returns the new source and whether a solution region was found.
    """
    out: list[str] = []
    region: str | None = None  # "SOLUTION" or "HIDDEN TESTS" while inside one
    marker_indent = ""
    body: list[str] = []
    found = False
    for line in source.split("\n"):
        match = _MARKER.match(line)
        if match is None:
            if code and any(word in line for word in _KEYWORDS):
                raise ValueError(
                    f"{where.text}: line {line.strip()!r} mentions an nbgrader "
                    "marker but is not a marker line such as '### BEGIN SOLUTION'"
                )
            if region is None:
                out.append(line)
            else:
                body.append(line)
            continue
        begin, _, kind = match["what"].partition(" ")
        if begin == "BEGIN":
            if region is not None:
                raise ValueError(
                    f"{where.text}: unbalanced markers, '{match['what']}' inside "
                    f"an open {region} region"
                )
            region, marker_indent, body = kind, match["indent"], []
            continue
        if region != kind:
            raise ValueError(
                f"{where.text}: unbalanced markers, '{match['what']}' without a "
                f"matching 'BEGIN {kind}'"
            )
        if kind == "SOLUTION":
            found = True
            if code:
                out.append(_stub_indent(marker_indent, body) + stub_line(label))
            else:
                out.append(answer_stub(label))
        region = None
    if region is not None:
        raise ValueError(
            f"{where.text}: unbalanced markers, 'BEGIN {region}' without a "
            f"matching 'END {region}'"
        )
    return "\n".join(out), found


def _scan_markdown(source: str) -> tuple[str, list[tuple[str, str]]]:
    """The last exercise label in ``source`` and its solution gates, in order.

    Returns the label ("" if none) and a list of ``("solution-start", label)`` and
    ``("solution-end", "")`` pairs.
    """
    label, directive = "", ""
    gates: list[tuple[str, str]] = []
    for line in source.split("\n"):
        match = _DIRECTIVE.match(line)
        if match is not None:
            directive = match["name"]
            if directive in ("solution-start", "solution-end"):
                gates.append((directive, match["arg"].strip()))
        elif (match := _LABEL.match(line)) and directive in _EXERCISES:
            label = match["label"]
    return label, gates


def _drop_solution_directives(source: str) -> str:
    """Remove every ``{solution}`` directive block from markdown ``source``."""
    out: list[str] = []
    closing: re.Pattern[str] | None = None
    for line in source.split("\n"):
        if closing is not None:
            if closing.match(line):
                closing = None
            continue
        match = _DIRECTIVE.match(line)
        if match and match["name"] == "solution":
            fence = match["fence"]
            closing = re.compile(
                rf"^[ \t]*{re.escape(fence[0])}{{{len(fence)},}}[ \t]*$"
            )
            continue
        out.append(line)
    return "\n".join(out)


def _check_python(source: str, where: _Where) -> None:
    """Raise ValueError if the stubbed ``source`` is not valid (IPython) Python."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        compile(TransformerManager().transform_cell(source), "<cell>", "exec")
    except SyntaxError as err:
        raise ValueError(
            f"{where.text}: the student version is not valid Python ({err.msg}, "
            f"line {err.lineno}); put the solution markers around whole statements"
        ) from err


def _clear(cell: NotebookNode) -> NotebookNode:
    if cell.cell_type == "code":
        cell.outputs = []
        cell.execution_count = None
    cell.metadata.pop("execution", None)
    return cell


def student_notebook(nb: NotebookNode, name: str = "notebook") -> NotebookNode:
    """Return the student version of an instructor notebook.

    Parameters
    ----------
    nb : NotebookNode
        The instructor notebook (nbformat 4); it is not modified.
    name : str, default "notebook"
        The notebook's name, used in error messages.

    Returns
    -------
    NotebookNode
        A new notebook: solution regions replaced by :func:`stub_line` (indented
        like the code they replace), code cells marked as solutions only by
        metadata replaced as a whole, markdown solution (answer) cells replaced
        by :func:`answer_stub`, hidden-test regions removed, solution gates and
        ``{solution}`` directives dropped, outputs and execution counts cleared.
        Cell and notebook metadata (including nbgrader's) are kept.

    Raises
    ------
    TypeError
        If ``nb`` is not a ``NotebookNode`` (or another mapping).
    ValueError
        If ``nb`` has unbalanced or nested markers (``### BEGIN SOLUTION`` /
        ``### END SOLUTION``, ``### BEGIN HIDDEN TESTS`` / ``### END HIDDEN
        TESTS``, ``{solution-start}`` / ``{solution-end}``), a code line that
        mentions a marker without being one, or a stubbed cell that is not
        valid Python.  The message names the notebook and the cell.

    Notes
    -----
    The exercise label in the stub is the label of the enclosing
    ``{solution-start}`` gate, else of the last ``{exercise}`` above the cell,
    else the cell's nbgrader ``grade_id`` without its ``-solution`` suffix.
    A markdown cell holding a ``{solution-start}`` or ``{solution-end}``
    directive is dropped whole, text after the directive included.
    """
    if not isinstance(nb, Mapping):
        raise TypeError(
            f"nb must be a notebook (NotebookNode), got {type(nb).__name__}"
        )
    student = nbformat.from_dict(json.loads(json.dumps(nb)))
    cells: list[NotebookNode] = []
    label = ""
    gate: int | None = None  # index of the open {solution-start} cell
    for index, cell in enumerate(student.cells):
        where = _Where(name, index, cell)
        if cell.cell_type == "markdown":
            exercise, gates = _scan_markdown(cell.source)
            label = exercise or label
            for kind, argument in gates:
                if kind == "solution-start":
                    if gate is not None:
                        raise ValueError(
                            f"{where.text}: unbalanced markers, {{solution-start}} "
                            f"while the one in cell {gate} is still open"
                        )
                    gate, label = index, argument or label
                else:
                    if gate is None:
                        raise ValueError(
                            f"{where.text}: unbalanced markers, {{solution-end}} "
                            "without a {solution-start}"
                        )
                    gate = None
            if is_solution_cell(cell) and not gates:
                # an answer cell: keep a place for the student's answer
                cell.source, found = _strip_regions(
                    cell.source, code=False, label=label, where=where
                )
                if not found:
                    cell.source = answer_stub(label)
                cells.append(_clear(cell))
                continue
            if gates or gate is not None:
                continue  # the gate cells and the prose of the solution
            cell.source = _drop_solution_directives(cell.source)
            cell.source, _ = _strip_regions(
                cell.source, code=False, label=label, where=where
            )
        elif cell.cell_type == "code":
            cell_label = label or cell.metadata.get("nbgrader", {}).get(
                "grade_id", f"in cell {index}"
            ).removesuffix("-solution")
            original = cell.source
            cell.source, found = _strip_regions(
                cell.source, code=True, label=cell_label, where=where
            )
            if is_solution_cell(cell) and not found:
                cell.source = stub_line(cell_label)
            elif gate is not None and not found:
                continue  # code that belongs to the shown solution
            if cell.source != original:
                _check_python(cell.source, where)
        cells.append(_clear(cell))
    if gate is not None:
        raise ValueError(
            f"notebook {name}, cell {gate}: unbalanced markers, {{solution-start}} "
            "without a {solution-end}"
        )
    student.cells = cells
    return student


def write_student_versions(src: str | Path, dest: str | Path) -> list[Path]:
    """Write student versions of the notebooks in ``src`` to ``dest``.

    Parameters
    ----------
    src : str or Path
        A directory (every ``*.ipynb`` directly in it is converted) or one
        notebook file.
    dest : str or Path
        For a directory ``src``: the output directory (created if needed).  For a
        notebook ``src``: the output file, or an existing directory to write a
        file of the same name into.

    Returns
    -------
    list of Path
        The files written, in sorted order of their sources.

    Raises
    ------
    TypeError
        If ``src`` or ``dest`` is not a str or Path.
    ValueError
        If ``src`` does not exist, is not a notebook or a directory holding
        notebooks, if ``dest`` lies inside the directory ``src`` or would
        overwrite ``src``, or if a notebook has unbalanced markers (see
        :func:`student_notebook`).
    """
    src, dest = _as_path(src, "src"), _as_path(dest, "dest")
    sources, targets = _sources_and_targets(src, dest)
    students = [
        student_notebook(nbformat.read(path, as_version=4), name=str(path))
        for path in sources
    ]  # all converted before anything is written
    _write_all(targets, students)
    return targets


_HIDDEN_HEADER = re.compile(r"^# %%[ \t]+(?P<grade_id>ex-[\w-]+-hidden)[ \t]*$")
_HIDDEN_NOTE = (
    "# Hidden tests: nbgrader runs them when it grades (see book/instructors.md)."
)


def read_hidden_tests(path: str | Path) -> dict[str, str]:
    """The hidden tests stored in ``path``, by nbgrader ``grade_id``.

    Parameters
    ----------
    path : str or Path
        A file ``tests/hidden/<chapter>.py``: any preamble (a docstring), then
        blocks, each opened by a line ``# %% ex-<chapter>-<n>-hidden`` and holding
        the Python code of that exercise's hidden tests.

    Returns
    -------
    dict of str to str
        ``grade_id`` -> the code of its block, without leading and trailing
        blank lines.

    Raises
    ------
    TypeError
        If ``path`` is not a str or Path.
    ValueError
        If ``path`` does not exist, holds no block, a block is empty, a
        ``grade_id`` repeats, or a block holds an nbgrader marker line.
    """
    path = _as_path(path, "path")
    if not path.is_file():
        raise ValueError(f"path {str(path)!r} must be an existing file")
    tests: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in path.read_text().split("\n"):
        match = _HIDDEN_HEADER.match(line)
        if match is not None:
            grade_id = match["grade_id"]
            if grade_id in tests:
                raise ValueError(
                    f"path {str(path)!r}: grade_id {grade_id!r} appears twice"
                )
            current = tests[grade_id] = []
        elif current is not None:
            if _MARKER.match(line):
                raise ValueError(
                    f"path {str(path)!r}: the hidden tests must not hold marker lines "
                    f"({line.strip()!r}); they are added when the cell is made"
                )
            current.append(line)
    if not tests:
        raise ValueError(
            f"path {str(path)!r}: no block opened by '# %% ex-<chapter>-<n>-hidden'"
        )
    out = {key: "\n".join(lines).strip("\n") for key, lines in tests.items()}
    empty = [key for key, code in out.items() if not code.strip()]
    if empty:
        raise ValueError(f"path {str(path)!r}: the hidden tests {empty} are empty")
    return out


def _grade_id(cell: NotebookNode) -> str:
    return str(cell.get("metadata", {}).get("nbgrader", {}).get("grade_id", ""))


def nbgrader_source(
    nb: NotebookNode, hidden: Mapping[str, str], name: str = "notebook"
) -> NotebookNode:
    """Return the nbgrader source version of an instructor notebook.

    Parameters
    ----------
    nb : NotebookNode
        The instructor notebook (nbformat 4); it is not modified.
    hidden : mapping of str to str
        Hidden tests by ``grade_id`` ``ex-<chapter>-<n>-hidden`` (see
        :func:`read_hidden_tests`).
    name : str, default "notebook"
        The notebook's name, used in error messages.

    Returns
    -------
    NotebookNode
        A copy of ``nb`` in which, after the last check cell (``grade_id``
        ``<label>-check-<k>``) of each exercise ``<label>`` that has hidden
        tests, a locked autograder cell (``grade_id`` ``<label>-hidden``, one
        point) holds the tests between ``### BEGIN HIDDEN TESTS`` and
        ``### END HIDDEN TESTS``.  ``nbgrader generate_assignment`` empties
        that region in the release and ``nbgrader autograde`` restores it.

    Raises
    ------
    TypeError
        If ``nb`` is not a ``NotebookNode`` (or another mapping), or ``hidden``
        is not a mapping of str to str.
    ValueError
        If a key of ``hidden`` is not ``<label>-hidden`` for an exercise of
        ``nb`` with check cells, or ``nb`` already has a cell with that
        ``grade_id``.
    """
    if not isinstance(nb, Mapping):
        raise TypeError(
            f"nb must be a notebook (NotebookNode), got {type(nb).__name__}"
        )
    if not isinstance(hidden, Mapping) or not all(
        isinstance(key, str) and isinstance(code, str) for key, code in hidden.items()
    ):
        raise TypeError(
            "hidden must be a mapping of grade_id (str) to test code (str), "
            f"got {type(hidden).__name__}"
        )
    source = nbformat.from_dict(json.loads(json.dumps(nb)))
    last_check: dict[str, int] = {}
    present = {_grade_id(cell) for cell in source.cells}
    for index, cell in enumerate(source.cells):
        label, sep, number = _grade_id(cell).rpartition("-check-")
        if sep and number.isdigit():
            last_check[label] = index
    inserts: list[tuple[int, NotebookNode]] = []
    for grade_id, code in hidden.items():
        label = grade_id.removesuffix("-hidden")
        if label == grade_id or label not in last_check:
            raise ValueError(
                f"{name}: hidden tests {grade_id!r} must be named <label>-hidden "
                f"for an exercise with check cells; the exercises are "
                f"{sorted(last_check)}"
            )
        if grade_id in present:
            raise ValueError(
                f"{name}: hidden tests {grade_id!r}: a cell with that grade_id "
                "exists in nb"
            )
        cell = nbformat.v4.new_code_cell(
            f"{_HIDDEN_NOTE}\n### BEGIN HIDDEN TESTS\n{code}\n### END HIDDEN TESTS",
            metadata={
                "nbgrader": {
                    "grade": True,
                    "solution": False,
                    "locked": True,
                    "points": 1,
                    "grade_id": grade_id,
                    "schema_version": 3,
                },
                "tags": ["remove-cell"],
            },
        )
        cell.id = grade_id
        inserts.append((last_check[label], cell))
    for index, cell in sorted(inserts, key=lambda pair: -pair[0]):
        source.cells.insert(index + 1, cell)
    return source


def _sources_and_targets(src: Path, dest: Path) -> tuple[list[Path], list[Path]]:
    """The notebooks to convert and where to write them (see the writers)."""
    if not src.exists():
        raise ValueError(f"src {str(src)!r} does not exist")
    if src.is_dir():
        sources = sorted(src.glob("*.ipynb"))
        if not sources:
            raise ValueError(f"src {str(src)!r} holds no *.ipynb notebooks")
        if dest.resolve().is_relative_to(src.resolve()):
            raise ValueError(f"dest {str(dest)!r} must not lie inside src {str(src)!r}")
        if dest.exists() and not dest.is_dir():
            raise ValueError(f"dest {str(dest)!r} must be a directory when src is one")
        return sources, [dest / path.name for path in sources]
    if src.suffix != ".ipynb":
        raise ValueError(f"src {str(src)!r} must be a directory or a .ipynb file")
    target = dest / src.name if dest.is_dir() else dest
    if target.resolve() == src.resolve():
        raise ValueError(f"dest {str(dest)!r} would overwrite src {str(src)!r}")
    return [src], [target]


def _write_all(targets: list[Path], notebooks: list[NotebookNode]) -> None:
    for target, nb in zip(targets, notebooks, strict=True):
        target.parent.mkdir(parents=True, exist_ok=True)
        nbformat.write(nb, target)


def write_nbgrader_sources(
    src: str | Path, dest: str | Path, hidden_tests: str | Path
) -> list[Path]:
    """Write nbgrader source notebooks: the chapters with their hidden tests.

    Parameters
    ----------
    src : str or Path
        A directory of chapters (every ``*.ipynb`` directly in it) or one
        chapter.
    dest : str or Path
        The output directory (``<course>/source/<assignment>``) or, for one
        chapter, the output file or an existing directory.
    hidden_tests : str or Path
        The directory holding ``<chapter>.py`` files of hidden tests (see
        :func:`read_hidden_tests`); a chapter without one gets none.

    Returns
    -------
    list of Path
        The files written, in sorted order of their sources.

    Raises
    ------
    TypeError
        If ``src``, ``dest`` or ``hidden_tests`` is not a str or Path.
    ValueError
        As :func:`write_student_versions`, if ``hidden_tests`` is not a
        directory, or if a file of hidden tests does not fit its chapter (see
        :func:`nbgrader_source`).  Nothing is written then.
    """
    src, dest = _as_path(src, "src"), _as_path(dest, "dest")
    hidden_tests = _as_path(hidden_tests, "hidden_tests")
    if not hidden_tests.is_dir():
        raise ValueError(f"hidden_tests {str(hidden_tests)!r} must be a directory")
    sources, targets = _sources_and_targets(src, dest)
    notebooks = []
    for path in sources:
        tests_file = hidden_tests / f"{path.stem}.py"
        hidden = read_hidden_tests(tests_file) if tests_file.is_file() else {}
        nb = nbformat.read(path, as_version=4)
        notebooks.append(nbgrader_source(nb, hidden, name=str(path)))
    _write_all(targets, notebooks)
    return targets


def main(argv: Sequence[str] | None = None) -> int:
    """Command line: ``python -m mtlnotes.course.assign SRC DEST``.

    Parameters
    ----------
    argv : sequence of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status: 0 on success, 2 on bad input (the message goes to
        stderr).
    """
    parser = argparse.ArgumentParser(
        prog="python -m mtlnotes.course.assign",
        description="Write student versions of notebooks (solutions replaced by "
        "stubs raising NotImplementedError, written answers by a placeholder, "
        "hidden tests removed, outputs cleared) or, with --nbgrader, nbgrader "
        "source notebooks (the chapters with their hidden tests added).",
    )
    parser.add_argument("src", help="a directory of notebooks or one .ipynb file")
    parser.add_argument("dest", help="the output directory (or file for one notebook)")
    parser.add_argument(
        "--nbgrader",
        action="store_true",
        help="write nbgrader source notebooks instead of student versions",
    )
    parser.add_argument(
        "--hidden-tests",
        default="tests/hidden",
        help="with --nbgrader: the directory of <chapter>.py hidden tests "
        "(default: tests/hidden)",
    )
    args = parser.parse_args(argv)
    try:
        if args.nbgrader:
            written = write_nbgrader_sources(args.src, args.dest, args.hidden_tests)
        else:
            written = write_student_versions(args.src, args.dest)
    except ValueError as err:
        print(f"error: {err}", file=sys.stderr)
        return 2
    for path in written:
        print(path)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
