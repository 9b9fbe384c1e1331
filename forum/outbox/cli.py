"""``flask --app wsgi worker``: deliver what waits in the outbox."""
import signal

import click
from flask.cli import with_appcontext

from forum.outbox.worker import Worker


@click.command("worker")
@click.option("--burst", is_flag=True, help="Deliver everything that is due, then exit.")
@with_appcontext
def worker(burst):
    """Deliver what waits in the outbox (webhooks, mail), with retries, until SIGTERM or Ctrl-C.

    Run one or more beside the web workers: several workers, on several hosts, never deliver the
    same item at once. A stop signal lets the item in hand finish first.
    """
    loop = Worker()
    previous = {signum: signal.signal(signum, lambda *_: loop.stop()) for signum in (signal.SIGTERM, signal.SIGINT)}
    try:
        loop.run(burst=burst)
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
