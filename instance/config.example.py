# Copy to instance/config.py and adjust. Every setting can also be given as an
# environment variable with the prefix CORRECTIONS_ (e.g. CORRECTIONS_SECRET_KEY),
# which wins over this file. Defaults live in corrections/config.py.

# Required. Signs sessions, CSRF tokens and email action links; keys the
# client-IP hash. Generate with: python -c "import secrets; print(secrets.token_hex(32))"
SECRET_KEY = "change-me"

# Database. Default: SQLite at instance/corrections.sqlite3 (WAL mode).
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://corrections:secret@127.0.0.1/corrections"
# Engine options: pool_pre_ping makes the app serve again by itself after the database
# restarts; hide_parameters keeps reader text out of error messages. Keep both.
# SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
# Seconds to wait for a PostgreSQL connection before answering 503 "try again".
# DATABASE_CONNECT_TIMEOUT = 5
# Seconds a SQLite write waits for another writer's lock before answering 503 "try again".
# SQLITE_BUSY_TIMEOUT = 15

# Absolute base URL of this service, used in emails and by the widget.
PUBLIC_URL = "https://corrections.example.org"

# Request bodies larger than this many bytes are refused with 413.
# MAX_CONTENT_LENGTH = 64 * 1024

# Outgoing mail.
MAIL_SERVER = "smtp.example.org"
MAIL_PORT = 587
MAIL_USE_TLS = True
MAIL_USE_SSL = False
MAIL_USERNAME = "corrections"
MAIL_PASSWORD = "secret"
MAIL_DEFAULT_SENDER = "Corrections desk <corrections@example.org>"
MAIL_TIMEOUT = 10  # seconds for connect and each SMTP answer

# Rate limits. Shared storage is needed when more than one process serves the app: with
# "memory://" each process counts for itself (admins are warned when this is detected).
RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"
INTAKE_RATE_LIMIT = "10 per minute;100 per day"
# Redis client timeouts (seconds); while Redis is unreachable each process counts in its own
# memory and logs a warning, rather than refusing readers and editors.
# RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
# RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
# RATELIMIT_SWALLOW_ERRORS = True

# How many reverse proxies in front of the app set X-Forwarded-For (0: none; 1 behind nginx).
# 0 behind a proxy: every reader has the proxy's address and all share one limit (logged once,
# shown to admins). 1 without a proxy: a forged X-Forwarded-For escapes every limit.
PROXY_FIX_X_FOR = 1

# Query parameters dropped from article URLs ("*" matches a prefix).
# TRACKING_PARAMETERS = ("utm_*", "fbclid", "gclid", "mc_cid", "mc_eid")

# Interface languages and the default.
# LANGUAGES = ("en", "uk")
# BABEL_DEFAULT_LOCALE = "en"

# Cookies: set to True when served over HTTPS.
SESSION_COOKIE_SECURE = True

# Serve the demo article at /demo/ (only for trying the product out).
DEMO = False

# The mail worker's heartbeat: reported silent (on /healthz, the outbox page and the
# dashboard) when older than this many seconds; keep it a few times MAIL_POLL_SECONDS.
# MAIL_POLL_SECONDS = 5
# MAIL_WORKER_SILENT_SECONDS = 60

# Logs on standard error: "text", or "json" (one object per line) for log shippers.
LOG_FORMAT = "text"
# LOG_LEVEL = "INFO"
# How often each web process records itself for the admins' configuration warnings (seconds).
# PROCESS_STATUS_SECONDS = 60
