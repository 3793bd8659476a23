"""Full-scale experiments whose stored results the chapters read.

Run one with ``python -m mtlnotes.experiments NAME --scale full`` (all of them:
``make experiments``).  An experiment only plans, runs, stores and summarises:
the bounds, the training loop and the data builders are in the library
(:mod:`mtlnotes.bounds`, :mod:`mtlnotes.unbalanced`, :mod:`mtlnotes.mgf`,
:mod:`mtlnotes.subspace`, :mod:`mtlnotes.data`).  Each is a module of this
package with

* ``EXPERIMENT`` -- its :class:`~mtlnotes.experiments.core.Experiment` (name,
  result file, command, output path, payload);
* ``run(scale, *, jobs, threads, out_dir) -> pathlib.Path``, which writes
  ``EXPERIMENT.path(out_dir, scale)`` and returns it;

its configurations extend :class:`~mtlnotes.experiments.config.TrainConfig`.
To add one: CONTRIBUTING.md, "How to add an experiment".
"""

from __future__ import annotations

from mtlnotes.experiments.core import SCALES

__all__ = ["REGISTRY", "SCALES"]

#: experiment name -> module (imported lazily by ``__main__``), in the order
#: ``all`` runs them (an ablation after the experiment it reads)
REGISTRY: dict[str, str] = {
    "subspace": "mtlnotes.experiments.subspace",
    "subspace_permutation": "mtlnotes.experiments.subspace_permutation",
    "unbalanced": "mtlnotes.experiments.unbalanced",
}
