"""
gunicorn's settings for the app servers (docs/deployment.md): ``gunicorn magazine.wsgi``.

Read from the current folder by default; command-line options override it (the
benchmark sets its own bind, workers and logs). Every value comes from an
environment variable with a default for a 2-core server behind a proxy.
"""

import gc
import os

bind = os.environ.get("GUNICORN_BIND", f"0.0.0.0:{os.environ.get('PORT', '8000')}")
# Sync workers: every page is quick CPU work or a cache hit, and a slow client is the proxy's problem.
workers = int(os.environ.get("WEB_CONCURRENCY", (os.cpu_count() or 1) * 2 + 1))
worker_class = "sync"
# A request that takes this long is stuck: its worker is replaced.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
# Shorter than the load balancer's idle timeout, so that the balancer closes first.
keepalive = 5
# Only the proxy in front may say which scheme the client used (SECURE_PROXY_SSL_HEADER).
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The application is loaded once in the master and shared by the workers copy-on-write.
preload_app = True
# Access logs are the proxy's; errors go to stderr, with the rest of the logs.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None
errorlog = "-"
loglevel = os.environ.get("GUNICORN_LOG_LEVEL", "warning")


def pre_fork(server, worker):
    # What the master loaded (preload_app) lives as long as the workers: frozen, the garbage collector no
    # longer walks it in every full collection (a fortieth of a page's time in the benchmark), and the
    # memory pages it sits on stay shared with the master instead of being copied when the count is touched.
    gc.freeze()
