"""Parley's classifier: a plain library, text in, scores out.

Abuse and off-topic probabilities for a comment in its article and thread, highlighted spans for
moderators, training on the shipped corpora plus moderator decisions, versioned skops artifacts,
and honest evaluation. It imports only the standard library, numpy, scipy, scikit-learn and
skops: never Flask, never ``forum``.
"""

from .artifacts import ArtifactError, load, save
from .evaluation import evaluate, format_report
from .heldout import heldout_summary, is_no_worse
from .model import Example, Highlight, Model, Scores
from .offtopic import MAX_CONTEXT
from .training import train

__all__ = [
    "ArtifactError",
    "Example",
    "Highlight",
    "MAX_CONTEXT",
    "Model",
    "Scores",
    "evaluate",
    "format_report",
    "heldout_summary",
    "is_no_worse",
    "load",
    "save",
    "train",
]
