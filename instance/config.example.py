# Copy to instance/config.py and adjust. Every setting can also be given as an
# environment variable with the prefix CORRECTIONS_ (e.g. CORRECTIONS_SECRET_KEY),
# which wins over this file. Defaults live in corrections/config.py.

# Required. Signs sessions, CSRF tokens and email links; keys the client-IP hash.
# At least 32 bytes, random, and yours alone: the app refuses to start with a shorter key or
# one published in this repository. `make run` writes instance/config.py with one; else make
# it with: python3 -c "import secrets; print(secrets.token_hex(32))" and paste it here.
SECRET_KEY = None

# Database. Default: SQLite at instance/corrections.sqlite3 (WAL mode).
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://corrections:secret@127.0.0.1/corrections"
# Engine options: pool_pre_ping makes the app serve again by itself after the database
# restarts; hide_parameters keeps reader text out of error messages. Keep both.
# SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
# Seconds to wait for a PostgreSQL connection before answering 503 "try again".
# DATABASE_CONNECT_TIMEOUT = 5
# PostgreSQL connections kept open per process (as many again at a peak). A gunicorn sync
# worker serves one request at a time: 2 is plenty. PostgreSQL's max_connections must exceed
# (gunicorn workers + mail workers) x 2 x DATABASE_POOL_SIZE.
# DATABASE_POOL_SIZE = 2
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

# Rate limits. Shared storage is needed when more than one process serves the app.
# A client is an IPv4 address or an IPv6 /64 network, for every limit.
# With "memory://" each process counts for itself (admins are warned when this is detected).
RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"
INTAKE_RATE_LIMIT = "10 per minute;100 per day"       # suggestions per client
INTAKE_SITE_RATE_LIMIT = "60 per minute;5000 per day"  # suggestions per site, all clients
# Emails to a site's editors about new requests (immediate mail), per site; beyond it, new
# requests come in one digest a limit's period later.
NOTIFY_RATE_LIMIT = "20 per hour"
# Emails asking readers to confirm their address: per address, and per client.
CONFIRM_EMAIL_RATE_LIMIT = "3 per day"
CONFIRM_EMAIL_CLIENT_RATE_LIMIT = "10 per day"
# How long the link confirming a reader's address works (seconds).
# READER_CONFIRM_MAX_AGE = 7 * 24 * 3600

# Spam guards. Sooner than this after the form was shown (seconds), or with the widget's
# elapsed_ms below this (milliseconds), a suggestion is answered as usual but not stored,
# and counted on /dashboard/spam. Links allowed in a reader's comment (more is refused).
FORM_MIN_SECONDS = 3
API_MIN_ELAPSED_MS = 1500
COMMENT_MAX_LINKS = 3
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

# Days after which `flask --app corrections privacy purge` removes readers' personal data
# from closed requests and the bodies of delivered emails.
RETENTION_DAYS = 365

# The mail worker's heartbeat: reported silent (on /healthz, the outbox page and the
# dashboard) when older than this many seconds; keep it a few times MAIL_POLL_SECONDS.
# MAIL_POLL_SECONDS = 5
# MAIL_WORKER_SILENT_SECONDS = 60

# Logs on standard error: "text", or "json" (one object per line) for log shippers.
LOG_FORMAT = "text"
# LOG_LEVEL = "INFO"
# How often each web process records itself for the admins' configuration warnings (seconds).
# PROCESS_STATUS_SECONDS = 60

# Failed sign-ins allowed per account (by its address, however it is spelt) and per client;
# password-reset requests likewise.
# LOGIN_RATE_LIMIT_ACCOUNT = "5 per 15 minutes"
# LOGIN_RATE_LIMIT_CLIENT = "20 per 15 minutes"
# PASSWORD_RESET_RATE_LIMIT = "5 per hour"

# Webhooks (docs/webhooks.md): seconds a receiver has to connect and answer, tries before a
# delivery is marked failed, retry delays (doubling from the base up to the cap, seconds).
# WEBHOOK_TIMEOUT = 10
# WEBHOOK_MAX_ATTEMPTS = 10
# WEBHOOK_RETRY_BASE_SECONDS = 30
# WEBHOOK_RETRY_MAX_SECONDS = 3600
# Endpoints on loopback, private, link-local or multicast addresses are refused unless True.
# WEBHOOK_ALLOW_PRIVATE = False
