"""Session fixtures for the full base model, trained once and cached between runs.

``PARLEY_TEST_MODEL_PATH`` (set by ``make test``) wins when it names a file. Otherwise the model
is trained once and cached in ``tests/.model-cache`` under a hash of the classifier's code and
shipped data, so an edit to either retrains it and an unchanged tree reuses it.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
SMALL_ROWS = 400  # rows per corpus of the models the training tests train: a few seconds each
CACHE_DIR = Path(__file__).resolve().parent / ".model-cache"
SOURCES = (ROOT / "moderation" / "classifier", ROOT / "moderation" / "data")


def source_hash() -> str:
    """Return a short hash of every classifier source and shipped data file."""
    digest = hashlib.sha256()
    for folder in SOURCES:
        for path in sorted(folder.rglob("*")):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(ROOT)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:16]


def build_base_model() -> Path:
    """Return the cached base model's path, training it first if the cache is stale."""
    from moderation.classifier import save, train

    CACHE_DIR.mkdir(exist_ok=True)
    path = CACHE_DIR / f"base-{source_hash()}.skops"
    # A lock file, so parallel test processes train once and the others wait for it.
    with open(CACHE_DIR / "train.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not path.is_file():
            save(train(seed=0), path)
            for stale in CACHE_DIR.glob("base-*.skops"):
                if stale != path:
                    stale.unlink()
    return path


@pytest.fixture(scope="session")
def base_model_path() -> Path:
    """Return the path of a full base-model artifact."""
    env = os.environ.get("PARLEY_TEST_MODEL_PATH")
    if env and Path(env).is_file():
        return Path(env)
    return build_base_model()


@pytest.fixture(scope="session")
def base_model(base_model_path):
    """Return the loaded full base model."""
    from moderation.classifier import load

    return load(base_model_path)
