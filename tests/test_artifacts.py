"""Saving and loading model artifacts: round trip, and every way a file can be refused."""

import zipfile

import numpy as np
import pytest
import skops.io as sio
from sklearn.linear_model import LogisticRegression

from moderation.classifier import ArtifactError, load, save
from moderation.classifier.training import FORMAT_VERSION


@pytest.fixture(scope="module")
def saved(tmp_path_factory, base_model):
    model = base_model
    path = tmp_path_factory.mktemp("artifacts") / "model.skops"
    save(model, path)
    return model, path


def test_round_trip_keeps_scores_version_and_metadata(saved):
    model, path = saved
    loaded = load(path)
    assert loaded.version == model.version
    assert loaded.metadata == model.metadata
    assert loaded.thresholds == model.thresholds
    for text in ("you are an idiot", "Thanks for the reporting"):
        a, b = model.score(text, article="A title\nA body"), loaded.score(text, article="A title\nA body")
        assert a.abuse == pytest.approx(b.abuse) and a.off_topic == pytest.approx(b.off_topic)
        assert a.highlights == b.highlights


def test_missing_file(tmp_path):
    with pytest.raises(ArtifactError, match="no model file"):
        load(tmp_path / "absent.skops")


@pytest.mark.parametrize("content", [b"", b"not a zip at all", b"PK\x03\x04garbage"])
def test_corrupt_file(tmp_path, content):
    path = tmp_path / "bad.skops"
    path.write_bytes(content)
    with pytest.raises(ArtifactError, match="corrupt|could not be read"):
        load(path)


def test_truncated_file(saved, tmp_path):
    data = saved[1].read_bytes()
    path = tmp_path / "truncated.skops"
    path.write_bytes(data[: len(data) // 2])
    with pytest.raises(ArtifactError):
        load(path)


def test_untrusted_type_is_refused(tmp_path):
    path = tmp_path / "foreign.skops"
    model = LogisticRegression().fit(np.array([[0.0], [1.0]]), [0, 1])
    sio.dump({"format": FORMAT_VERSION, "estimator": model}, path)
    with pytest.raises(ArtifactError, match="untrusted types: .*LogisticRegression"):
        load(path)


def test_other_format_version_is_refused(saved, tmp_path):
    state = sio.load(saved[1], trusted=[])
    state["format"] = 999
    path = tmp_path / "future.skops"
    sio.dump(state, path, compression=zipfile.ZIP_DEFLATED)
    with pytest.raises(ArtifactError, match="format 999"):
        load(path)


def test_save_replaces_atomically(saved, tmp_path):
    path = tmp_path / "nested" / "model.skops"
    save(saved[0], path)
    save(saved[0], path)
    assert load(path).version == saved[0].version
    assert [p.name for p in path.parent.iterdir()] == ["model.skops"]
