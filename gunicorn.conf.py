"""gunicorn settings for `make serve`; each can be overridden from the environment."""

import multiprocessing
import os

bind = os.environ.get("HOST_PORT", "127.0.0.1:8000")
# Sync workers with a few threads: requests mostly wait on the database.
workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("GUNICORN_THREADS", "2"))
worker_class = "gthread"
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "60"))
graceful_timeout = 30
# The app logs one structured line per request itself (slaportal.request_log).
accesslog = None
errorlog = "-"
# Let WhiteNoise and the request log see the client's scheme behind a TLS-terminating proxy.
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")

# Python's cyclic garbage collector, tuned once the worker has loaded the app. A request
# allocates tens of thousands of objects (model instances, query trees, template nodes), so at
# the default threshold of 700 the collector ran dozens of times per request, each older
# generation's pass walking the app's long-lived objects again. Frozen, those are skipped; a
# higher first threshold collects each request's cycles in a few passes.
GC_THRESHOLD = int(os.environ.get("GUNICORN_GC_THRESHOLD", "20000"))


def post_worker_init(worker: object) -> None:
    import gc

    gc.collect()
    gc.freeze()
    gc.set_threshold(GC_THRESHOLD, 20, 10)
