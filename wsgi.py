"""The app for gunicorn and ``flask --app wsgi``, and the garbage collector tuned for serving it.

Done here, once per process: in each gunicorn worker, or in the master before it forks with
``--preload`` (the workers then share the frozen pages), in ``flask run`` and in ``flask worker``;
never in ``create_app``, which the tests call thousands of times in one process.
"""
import gc

from sqlalchemy.orm import configure_mappers

from forum import create_app

#: Allocations (net of frees) between two young collections: a request's objects are mostly freed
#: by reference counting before 10,000 accumulate, so a read no longer runs ~9 collections that
#: promote its live rows towards the full collection (Python's default is 700).
YOUNG_COLLECTION_THRESHOLD = 10_000

app = create_app()
# The ORM configures its mappers on first use; configured now, what that builds is frozen below.
configure_mappers()
# Start-up leaves ~240,000 long-lived objects (numpy, scikit-learn, Flask, SQLAlchemy): frozen, a
# full collection no longer walks them on some request's path, which made read tails of ~100 ms.
# The model, loaded on first use, adds a few hundred.
gc.freeze()
gc.set_threshold(YOUNG_COLLECTION_THRESHOLD, *gc.get_threshold()[1:])
