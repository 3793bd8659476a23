"""Full-scale experiments whose stored results the chapters read.

Run one with ``python -m mtlnotes.experiments NAME --scale full`` (all of them:
``make experiments``).  Each experiment is a module of this package with a
function ``run(scale, jobs, device, out_dir) -> pathlib.Path`` that writes its
JSON file under ``out_dir`` (default ``results/``) and returns the path.

To add an experiment, write ``mtlnotes/experiments/<name>.py`` with that
``run`` and add one line to :data:`REGISTRY`.
"""

from __future__ import annotations

__all__ = ["REGISTRY", "SCALES"]

#: experiment name -> module (imported lazily by ``__main__``)
REGISTRY: dict[str, str] = {
    "subspace": "mtlnotes.experiments.subspace",
    "subspace_permutation": "mtlnotes.experiments.subspace_permutation",
    "unbalanced": "mtlnotes.experiments.unbalanced",
}

#: ``full``: the stored results; ``book``: a reduced run of the same pipeline.
SCALES = ("full", "book")
