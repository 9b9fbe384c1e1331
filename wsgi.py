"""The app for gunicorn and ``flask --app wsgi``."""
import gc

from forum import create_app

app = create_app()
# Start-up leaves ~190,000 long-lived objects (numpy, scikit-learn, Flask, SQLAlchemy): frozen, a
# full collection no longer walks them on some request's path, which made read tails of ~100 ms.
gc.freeze()
