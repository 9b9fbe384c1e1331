"""The sentence encoder, through the classifier's public API only (no app, no database)."""

import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from moderation.classifier import DIMENSIONS, Encoder, EncoderError, dequantise, quantise

ROOT = Path(__file__).resolve().parents[1]
SHIPPED = ROOT / "moderation" / "data" / "encoder"
TEXTS = [
    "The council voted to raise bus fares by ten percent next spring.",
    "Bus tickets will cost ten percent more from next spring, the council decided.",
    "My sourdough starter finally doubled overnight.",
    "You are an idiot and everyone here knows it.",
]
ODD_TEXTS = [
    "",
    "   \n\t ",
    "🙂🔥👍🏽",
    "nul\x00byte",
    "Слово за слово, и всё решилось.",
    "今日はいい天気ですね",
    "مرحبا بالعالم",
    "word " * 5000,
]


@pytest.fixture(scope="module")
def encoder():
    return Encoder.load()


def cosine(a, b):
    return float(a @ b / (np.linalg.norm(a) * np.linalg.norm(b)))


def test_vectors_are_unit_length_float32(encoder):
    vectors = encoder.encode(TEXTS)
    assert vectors.shape == (len(TEXTS), DIMENSIONS) == (4, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, atol=1e-5)


def test_no_texts_give_an_empty_matrix(encoder):
    vectors = encoder.encode([])
    assert vectors.shape == (0, DIMENSIONS) and vectors.dtype == np.float32


def test_encoding_is_deterministic(encoder):
    np.testing.assert_array_equal(encoder.encode(TEXTS), encoder.encode(TEXTS))


def test_a_paraphrase_is_closer_than_an_unrelated_sentence(encoder):
    fares, paraphrase, sourdough, _ = encoder.encode(TEXTS)
    assert cosine(fares, paraphrase) > 0.7
    assert cosine(fares, paraphrase) > cosine(fares, sourdough) + 0.4


def test_a_text_gets_the_same_vector_alone_and_in_a_batch(encoder):
    batched = encoder.encode(TEXTS + ODD_TEXTS)
    alone = np.vstack([encoder.encode([text]) for text in TEXTS + ODD_TEXTS])
    np.testing.assert_allclose(batched, alone, atol=1e-5)


def test_batch_order_does_not_matter(encoder):
    forward = encoder.encode(TEXTS)
    backward = encoder.encode(TEXTS[::-1])[::-1]
    np.testing.assert_allclose(forward, backward, atol=1e-5)


def test_a_long_text_is_truncated_to_its_first_word_pieces(encoder):
    # 17 sentences of 8 word pieces: past the 128 the encoder reads, well short of 256.
    opening = "The council voted to raise bus fares. " * 17
    long, longer = encoder.encode([opening, opening + "Unrelated recipes for sourdough bread follow. " * 200])
    np.testing.assert_allclose(long, longer, atol=1e-5)


@pytest.mark.parametrize("text", ODD_TEXTS, ids=["empty", "whitespace", "emoji", "nul", "cyrillic", "japanese",
                                                 "arabic", "very-long"])
def test_odd_texts_encode(encoder, text):
    (vector,) = encoder.encode([text])
    assert vector.shape == (DIMENSIONS,) and np.isfinite(vector).all()
    assert abs(np.linalg.norm(vector) - 1.0) < 1e-5


def test_the_stored_form_is_384_bytes_and_keeps_the_direction(encoder):
    vectors = encoder.encode(TEXTS + ODD_TEXTS)
    stored = quantise(vectors)
    assert stored.dtype == np.int8 and stored.shape == vectors.shape and stored[0].nbytes == 384
    restored = dequantise(stored)
    assert restored.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(restored, axis=1), 1.0, atol=1e-5)
    # Rounding 384 components to steps of 1/127 costs a cosine of about 0.001, whatever the text.
    assert ((vectors * restored).sum(axis=1) >= 0.998).all()


def test_quantise_clips_to_the_symmetric_range():
    stored = quantise(np.array([[1.0, -1.0, 0.5, -0.004, 2.0]], dtype=np.float32))
    assert stored.tolist() == [[127, -127, 64, -1, 127]]


def test_a_missing_directory_raises(tmp_path):
    with pytest.raises(EncoderError, match="missing"):
        Encoder.load(tmp_path / "nowhere")


def test_a_truncated_model_raises(tmp_path):
    broken = tmp_path / "encoder"
    shutil.copytree(SHIPPED, broken)
    model = broken / "model-int8.onnx"
    model.write_bytes(model.read_bytes()[: model.stat().st_size // 2])
    with pytest.raises(EncoderError, match="onnxruntime"):
        Encoder.load(broken)


def test_a_corrupt_tokenizer_raises(tmp_path):
    broken = tmp_path / "encoder"
    shutil.copytree(SHIPPED, broken)
    (broken / "tokenizer.json").write_text("{not json")
    with pytest.raises(EncoderError, match="tokenizer"):
        Encoder.load(broken)


def test_importing_the_classifier_does_not_import_torch():
    code = "import moderation.classifier, sys; print('torch' in sys.modules, 'huggingface_hub' in sys.modules)"
    result = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert result.stdout.split() == ["False", "False"]
