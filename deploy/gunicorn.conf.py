"""gunicorn settings for the corrections desk (see docs/deploy.md).

    gunicorn --config /etc/corrections/gunicorn.conf.py "corrections:create_app()"

nginx in front (deploy/nginx-corrections.conf) terminates TLS and buffers slow clients, so
plain synchronous workers suffice. Set PROXY_FIX_X_FOR = 1 in the app's configuration.
"""
import os

# Where nginx's upstream points; only nginx on this host talks to gunicorn.
bind = os.environ.get("GUNICORN_BIND", "127.0.0.1:8000")
# Processes serving requests. With more than one, rate limits must live in Redis
# (RATELIMIT_STORAGE_URI = "redis://…"), or each process counts for itself.
workers = int(os.environ.get("WEB_CONCURRENCY", "2"))
worker_class = "sync"
# Longer than the slowest legitimate request (SQLITE_BUSY_TIMEOUT is 15 s by default).
timeout = 30
graceful_timeout = 30
# The app writes one line per request itself, without query strings (they can carry reader
# text) or client addresses; gunicorn's access log would add both, so it stays off.
accesslog = None
errorlog = "-"
loglevel = "info"
# gunicorn itself trusts X-Forwarded-Proto only from these addresses (nginx on this host).
forwarded_allow_ips = "127.0.0.1,::1"
