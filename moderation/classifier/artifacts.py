"""Save and load a model as one versioned skops file.

The file holds only numpy arrays, numbers, strings and dicts (the model's ``state``), with the
metadata as a JSON string inside it, so loading never runs code from the file: skops refuses any
type outside ``TRUSTED_TYPES``.
"""

from __future__ import annotations

import functools
import json
import zipfile
from pathlib import Path

import numpy as np
import skops.io as sio

from .encoder import Encoder, EncoderError
from .features import N_FEATURES
from .model import Model
from .training import FORMAT_VERSION

# Every type the file may name. skops's own default trust list includes every scikit-learn
# estimator; ours is narrower, since the model is stored as plain arrays.
TRUSTED_TYPES = sorted({
    "builtins.bool", "builtins.dict", "builtins.float", "builtins.int", "builtins.list",
    "builtins.str", "builtins.tuple", "numpy.ndarray",
})


class ArtifactError(Exception):
    """A model file is missing, corrupt, untrusted or from an incompatible version."""


def _plain(value):
    """Return ``value`` with numpy scalars turned into Python numbers (skops stores those safely)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, np.ndarray):
        return value
    if isinstance(value, np.generic):
        return value.item()
    return value


def save(model: Model, path) -> None:
    """Write ``model`` to ``path`` (one file; parent folders are created)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    state = {k: v for k, v in model.state.items() if k != "metadata"}
    state["metadata_json"] = json.dumps(model.metadata, default=float)
    tmp = path.with_name(path.name + ".tmp")
    sio.dump(_plain(state), tmp, compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    tmp.replace(path)  # a reader never sees a half-written file


def _types(node, found: set) -> set:
    """Collect the ``module.class`` of every object the skops schema describes."""
    if isinstance(node, dict):
        if "__class__" in node:
            found.add(f"{node.get('__module__')}.{node['__class__']}")
        for value in node.values():
            _types(value, found)
    elif isinstance(node, list):
        for value in node:
            _types(value, found)
    return found


def _check(state) -> None:
    if not isinstance(state, dict) or state.get("format") != FORMAT_VERSION:
        found = state.get("format") if isinstance(state, dict) else type(state).__name__
        raise ArtifactError(f"model format {found!r} is not the supported format {FORMAT_VERSION}; retrain")
    for key in ("idf", "abuse", "head", "categories", "spans", "off_topic", "linear", "thresholds", "encoder",
                "version", "metadata_json"):
        if key not in state:
            raise ArtifactError(f"model file lacks {key!r}; retrain")
    if len(state["idf"]) != N_FEATURES or len(state["abuse"]["coef"]) != N_FEATURES:
        raise ArtifactError("model file was built for another feature layout; retrain")


@functools.cache
def _encoder(directory: Path | None) -> tuple[Encoder | None, str | None]:
    """Return the encoder of ``directory`` (default: the shipped one), or None and why it failed.

    Loaded once per process: a worker reloads the model when its file changes, not the encoder.
    """
    try:
        return Encoder.load(directory), None
    except EncoderError as exc:
        return None, str(exc)


def load(path, encoder_directory: Path | None = None) -> Model:
    """Load a model saved by ``save``, with the sentence encoder it was trained with.

    An encoder that cannot be loaded, or is not the one the model was trained with, does not stop
    the model from loading: it then scores without it (``Model.encoder_error`` says why).

    :raise ArtifactError: the file is missing, unreadable, holds untrusted types, or was written
        by an incompatible version.
    """
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"no model file at {path}")
    try:
        with zipfile.ZipFile(path) as archive:
            schema = json.loads(archive.read("schema.json"))
        named = _types(schema, set()) | set(sio.get_untrusted_types(file=path))
    except Exception as exc:  # zipfile, json and skops raise many types for a damaged file
        raise ArtifactError(f"model file {path} is corrupt or not a skops file: {exc}") from exc
    refused = sorted(named - set(TRUSTED_TYPES))
    if refused:
        raise ArtifactError(f"model file {path} contains untrusted types: {', '.join(refused)}")
    try:
        state = sio.load(path, trusted=TRUSTED_TYPES)
    except Exception as exc:
        raise ArtifactError(f"model file {path} could not be read: {exc}") from exc
    _check(state)
    state["metadata"] = json.loads(state.pop("metadata_json"))
    return Model(state, *_encoder(Path(encoder_directory) if encoder_directory is not None else None))
