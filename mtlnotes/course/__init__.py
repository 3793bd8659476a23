"""Course tooling, kept apart from the numerics of :mod:`mtlnotes`.

:mod:`mtlnotes.course.assign` writes the student versions of the chapters and
the nbgrader source notebooks (``python -m mtlnotes.course.assign``; see the
book's page for instructors).
"""
