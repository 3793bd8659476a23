"""Old location of :mod:`mtlnotes.course.assign`, kept so that
``python -m mtlnotes.assign`` and ``from mtlnotes.assign import ...`` still work.

Everything is defined in :mod:`mtlnotes.course.assign`; this module only
re-exports it.
"""

from mtlnotes.course.assign import *  # noqa: F403
from mtlnotes.course.assign import __all__, main  # noqa: F401

if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
