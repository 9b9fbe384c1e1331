"""Parley's classifier: a plain library, text in, scores out.

Abuse and off-topic probabilities for a comment in its article and thread, highlighted spans for
moderators, training on the shipped corpora plus moderator decisions, versioned skops artifacts,
and honest evaluation; and ``Encoder``, a sentence encoder (all-MiniLM-L6-v2, int8 ONNX) for
comment vectors. It imports only the standard library, numpy, scipy, scikit-learn, skops,
onnxruntime and tokenizers: never Flask, never ``forum``, never torch (only the maintainer scripts
``build_encoder`` and ``finetune_cv`` need it, in their own venv).
"""

from .artifacts import ArtifactError, load, save
from .encoder import DIMENSIONS, Encoder, EncoderError, dequantise, quantise
from .evaluation import evaluate, format_report
from .heldout import heldout_summary, is_no_worse
from .model import ContextVectors, Example, Highlight, Model, Scores
from .offtopic import MAX_CONTEXT
from .training import train

__all__ = [
    "ArtifactError",
    "ContextVectors",
    "DIMENSIONS",
    "Encoder",
    "EncoderError",
    "Example",
    "Highlight",
    "MAX_CONTEXT",
    "Model",
    "Scores",
    "dequantise",
    "evaluate",
    "format_report",
    "heldout_summary",
    "is_no_worse",
    "load",
    "quantise",
    "save",
    "train",
]
