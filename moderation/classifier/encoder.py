"""The sentence encoder: all-MiniLM-L6-v2 as int8 ONNX, run by onnxruntime and tokenizers (no torch).

``Encoder.load()`` reads the files that ``build_encoder`` ships in ``moderation/data/encoder``
(``SOURCE.md`` there says what they are). ``encode(texts)`` returns one unit-length float32 vector
of ``DIMENSIONS`` per text: mean-pooled word-piece states, the first ``MAX_WORD_PIECES`` word pieces
of each text. The int8 weights keep the vectors within a cosine of about 0.99 of the original model
(the figures are in ``SOURCE.md``).

Each text runs through the model on its own. The int8 model quantises its activations per run, over
the whole input, so in a padded batch a text's vector would depend on the texts beside it: cosine
0.989 on average and 0.961 at worst against the text alone (400 Civil Comments held-out texts in
batches of 32, sorted by length). Batching gained nothing on one thread either (24 comments/s in
batches of 32, 26 one at a time, load average about 4), so one text per run it is: a text always
gets the same vector.

``quantise`` gives the stored form of a vector, 384 int8 bytes, and ``dequantise`` reads it back.
On the same 400 texts the round trip keeps a cosine of 0.99902 on average, 0.99888 at worst: the
rounding step alone sets it (384 components rounded to 1/127 predict 0.99901), whatever the text.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
import onnxruntime
from tokenizers import Tokenizer

DIMENSIONS = 384
# The model was trained on 128 word pieces. A run costs in proportion to the pieces it reads
# (0.25 ms each on one core of the development machine), so a longer limit only made the longest
# comments, whose first 128 pieces already say what they are, two to three times slower.
MAX_WORD_PIECES = 128
DEFAULT_DIRECTORY = Path(__file__).resolve().parents[1] / "data" / "encoder"
MODEL_FILE = "model-int8.onnx"
TOKENIZER_FILE = "tokenizer.json"
INPUT_NAMES = ("input_ids", "attention_mask", "token_type_ids")
OUTPUT_NAME = "embedding"
# Unit vectors have components in [-1, 1]; 127 keeps -1 representable and the code symmetric.
QUANTISATION_SCALE = 127


class EncoderError(Exception):
    """The encoder's files are missing or unreadable, or onnxruntime failed on them."""


class Encoder:
    """Texts in, unit-length float32 vectors of ``DIMENSIONS`` out; one CPU thread per encoder."""

    dimensions = DIMENSIONS

    def __init__(self, session: onnxruntime.InferenceSession, tokenizer: Tokenizer, version: str):
        self._session = session
        self._tokenizer = tokenizer
        #: The first 16 hex digits of the SHA-256 of the model and tokenizer files and the word-piece
        #: limit: models and stored vectors name the encoder that made them, and are not mixed with
        #: another's.
        self.version = version

    @classmethod
    def load(cls, directory: str | Path | None = None) -> Encoder:
        """Load the encoder from ``directory`` (default: the shipped ``moderation/data/encoder``).

        :raise EncoderError: a file is missing or corrupt, or onnxruntime cannot run the model.
        """
        directory = Path(directory) if directory is not None else DEFAULT_DIRECTORY
        model_path, tokenizer_path = directory / MODEL_FILE, directory / TOKENIZER_FILE
        for path in (model_path, tokenizer_path):
            if not path.is_file():
                raise EncoderError(f"the encoder file {path} is missing")
        # Both libraries raise their own exception types (tokenizers a bare Exception); the caller
        # needs one error that says which file is at fault.
        try:
            tokenizer = Tokenizer.from_file(str(tokenizer_path))
        except Exception as exc:
            raise EncoderError(f"cannot read the tokenizer {tokenizer_path}: {exc}") from exc
        # A text runs alone: unpadded, truncated to MAX_WORD_PIECES.
        tokenizer.enable_truncation(MAX_WORD_PIECES)
        tokenizer.no_padding()
        try:
            session = onnxruntime.InferenceSession(
                str(model_path), _session_options(), providers=["CPUExecutionProvider"]
            )
        except Exception as exc:
            raise EncoderError(f"onnxruntime cannot load {model_path}: {exc}") from exc
        inputs = {i.name for i in session.get_inputs()}
        outputs = [o.name for o in session.get_outputs()]
        if inputs != set(INPUT_NAMES) or outputs != [OUTPUT_NAME]:
            raise EncoderError(f"{model_path} takes {sorted(inputs)} and gives {outputs}, not a sentence encoder")
        limit = f"max_word_pieces={MAX_WORD_PIECES}".encode()
        digest = hashlib.sha256(model_path.read_bytes() + tokenizer_path.read_bytes() + limit).hexdigest()[:16]
        return cls(session, tokenizer, digest)

    def encode(self, texts: list[str]) -> np.ndarray:
        """Return the unit-length vectors of ``texts``, float32 of shape ``(len(texts), DIMENSIONS)``.

        :raise EncoderError: onnxruntime failed or returned a vector of the wrong size.
        """
        vectors = np.empty((len(texts), DIMENSIONS), dtype=np.float32)
        for row, text in enumerate(texts):
            vectors[row] = self._run(self._tokenizer.encode(text))
        return vectors

    def _run(self, encoding) -> np.ndarray:
        feeds = {
            "input_ids": np.array([encoding.ids], dtype=np.int64),
            "attention_mask": np.array([encoding.attention_mask], dtype=np.int64),
            "token_type_ids": np.array([encoding.type_ids], dtype=np.int64),
        }
        try:
            (embedding,) = self._session.run([OUTPUT_NAME], feeds)
        except Exception as exc:
            raise EncoderError(f"onnxruntime failed to encode a text: {exc}") from exc
        if embedding.shape != (1, DIMENSIONS):
            raise EncoderError(f"the model returned a vector of shape {embedding.shape}, not (1, {DIMENSIONS})")
        return embedding[0]


def _session_options() -> onnxruntime.SessionOptions:
    options = onnxruntime.SessionOptions()
    # One core per worker: the web workers and the background job share the machine's cores.
    options.intra_op_num_threads = 1
    options.inter_op_num_threads = 1
    options.graph_optimization_level = onnxruntime.GraphOptimizationLevel.ORT_ENABLE_ALL
    return options


def quantise(vectors: np.ndarray) -> np.ndarray:
    """Return the stored form of unit-length ``vectors``: int8, each component times 127, rounded."""
    scaled = np.rint(np.asarray(vectors, dtype=np.float32) * QUANTISATION_SCALE)
    return np.clip(scaled, -QUANTISATION_SCALE, QUANTISATION_SCALE).astype(np.int8)


def dequantise(stored: np.ndarray) -> np.ndarray:
    """Return unit-length float32 vectors from their stored int8 form (an all-zero row stays zero)."""
    vectors = np.asarray(stored, dtype=np.float32)
    norms = np.linalg.norm(vectors, axis=-1, keepdims=True)
    return vectors / np.where(norms > 0, norms, 1)
