"""Numerics for *mtlnotes*, an executable book on multitask-learning theory.

Each submodule holds the numerics of one idea; the book's chapters import them
and tell the story.  Nothing here keeps global state: every random quantity is
drawn from a ``numpy.random.Generator`` (or a seeded ``torch.Generator``) that
the caller passes in.
"""

__version__ = "0.1.0"
