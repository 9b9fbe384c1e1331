"""The served process: its start-up heap is frozen, so that no full garbage collection on a
request's path walks it, and young collections are spaced for requests.

Checked in a child process, as gunicorn would import ``wsgi``: freezing the test process's heap
would change every later test's garbage collection.
"""
import json
import os
import subprocess
import sys

from forum import PROJECT_ROOT

PROBE = """
import gc, json
import wsgi
from forum.extensions import db
from moderation import scoring
with wsgi.app.app_context():
    model = scoring.active_model()
gc.collect()
print(json.dumps({
    "frozen": gc.get_freeze_count(), "unfrozen": len(gc.get_objects()), "model": model is not None,
    "threshold": gc.get_threshold()[0], "expected_threshold": wsgi.YOUNG_COLLECTION_THRESHOLD,
    "mappers_configured": all(m.configured for m in db.Model.registry.mappers),
}))
"""


def test_the_start_up_heap_and_the_model_are_out_of_the_collectors_way(tmp_path, base_model_path):
    env = {**os.environ, "DATABASE_URL": f"sqlite:///{tmp_path}/parley.sqlite3", "SECRET_KEY": "test-secret",
           "PUBLISHER_API_KEY": "test-publisher-key", "MODERATION_MODEL_PATH": str(base_model_path),
           "PARLEY_INSTANCE_PATH": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", PROBE], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found["model"] and found["mappers_configured"]
    # What a full collection still walks: the model's few hundred objects, not the start-up heap.
    assert found["frozen"] > 100_000 and found["unfrozen"] < found["frozen"] / 100
    assert found["threshold"] == found["expected_threshold"]
