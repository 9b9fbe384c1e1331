"""The outbox: side effects that must outlive the request (webhooks, mail), written in the same
transaction as the change they report and delivered at least once by ``flask --app wsgi worker``.

A feature enqueues items of its own ``kind`` (``enqueue``) and registers the handler that delivers
them (``register_handler``); the worker (``forum.outbox.worker``) claims due items, calls their
handler outside any transaction, and retries with growing delays until a day has passed. A
feature whose work needs a clock rather than an event registers a periodic task
(``register_periodic``), which every worker runs at its interval and once per ``--burst`` run.
"""
