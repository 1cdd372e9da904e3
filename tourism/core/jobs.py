"""Background jobs: a plain function, run on an RQ worker over Redis or in a thread of this process.

`enqueue(function, *args)` takes a module-level function and plain (picklable) arguments:

- with `REDIS_URL` set, the job goes on the RQ queue `tourism` (`rq worker tourism`, started with
  the app's environment); the worker builds the app with `create_app()` and calls the function
  inside its app context, so `db.session`, `current_app` and gettext work as in a request;
- without Redis, it runs in a daemon thread of this process, inside an app context of this app
  (its own database session); good for a laptop or a single host, lost if the process stops;
- with `JOBS_INLINE` true (the default when TESTING), it runs at once in the caller, so tests
  see its effects inside their own transaction.

A job reports its progress by writing to the database (e.g. ImportJob.rows_done), never by
returning to the caller, so any process can show it.
"""

import importlib
import logging
import threading

from flask import current_app

log = logging.getLogger(__name__)
QUEUE = "tourism"


def _path(function) -> str:
    return f"{function.__module__}:{function.__qualname__}"


def _resolve(path: str):
    module, _, name = path.partition(":")
    return getattr(importlib.import_module(module), name)


def run_in_app(path: str, *args):
    """Build the app and call the function at `path` inside its app context (what RQ runs)."""
    from tourism import create_app

    app = create_app()
    with app.app_context():
        return _resolve(path)(*args)


def _run_in_thread(app, path: str, args: tuple) -> None:
    with app.app_context():
        try:
            _resolve(path)(*args)
        except Exception:  # a thread has nobody to raise to: log it, the job row says what is left
            log.exception("background job %s failed", path)


def enqueue(function, *args) -> str:
    """Run `function(*args)` in the background; return how it was run ("rq", "thread" or "inline")."""
    app = current_app._get_current_object()
    if app.config.get("JOBS_INLINE", app.testing):
        function(*args)
        return "inline"
    path = _path(function)
    redis_url = app.config.get("REDIS_URL")
    if redis_url:
        from redis import Redis
        from rq import Queue

        Queue(QUEUE, connection=Redis.from_url(redis_url)).enqueue(run_in_app, path, *args, job_timeout=3600)
        return "rq"
    threading.Thread(target=_run_in_thread, args=(app, path, args), daemon=True, name=f"job {path}").start()
    return "thread"
