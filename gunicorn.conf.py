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
