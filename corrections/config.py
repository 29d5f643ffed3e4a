"""Default settings. Later layers win: instance/config.py, CORRECTIONS_* env, test_config."""

# Signs sessions, CSRF tokens and email links; keys the client-IP hash.
# Must be set outside this file (instance/config.py or CORRECTIONS_SECRET_KEY). Outside debug
# and testing the app refuses to start with a key shorter than 32 bytes or one published in
# this repository. Make one with: python3 -c 'import secrets; print(secrets.token_hex(32))'
SECRET_KEY = None

# None means SQLite in the instance folder (instance/corrections.sqlite3, WAL).
# Production: "postgresql+psycopg://user:password@host/dbname".
SQLALCHEMY_DATABASE_URI = None
# Check a pooled connection before using it, so the app serves again by itself after the
# database restarts; keep reader text (statement parameters) out of error messages and logs.
SQLALCHEMY_ENGINE_OPTIONS = {"pool_pre_ping": True, "hide_parameters": True}
# Seconds to wait for a PostgreSQL connection before answering 503 "try again".
DATABASE_CONNECT_TIMEOUT = 5
# PostgreSQL connections each process keeps open (as many again may be opened at a peak).
# A gunicorn sync worker serves one request at a time, so 2 is plenty; the server must allow
# (gunicorn workers + mail workers) x 2 x DATABASE_POOL_SIZE connections, plus one per gunicorn
# worker (the intake's own write connection, kept outside the pool).
DATABASE_POOL_SIZE = 2
# Seconds a SQLite writer waits for another writer's lock before answering 503 "try again".
SQLITE_BUSY_TIMEOUT = 15

# Absolute base URL used in emails and by the widget to reach the API.
PUBLIC_URL = "http://127.0.0.1:5000"

# Request bodies larger than this are refused with 413 (64 KiB).
MAX_CONTENT_LENGTH = 64 * 1024

# Outgoing mail (Flask-Mail). The default matches the local sink of `make run`.
MAIL_SERVER = "127.0.0.1"
MAIL_PORT = 8025
MAIL_USE_TLS = False
MAIL_USE_SSL = False
MAIL_USERNAME = None
MAIL_PASSWORD = None
MAIL_DEFAULT_SENDER = "Corrections desk <corrections@localhost>"
# Seconds to wait for the SMTP server to connect or answer.
MAIL_TIMEOUT = 10

# Rate limits (Flask-Limiter). Use "redis://host:6379" when several processes serve the app:
# with "memory://" each process counts for itself, so the limit grows with every worker.
RATELIMIT_STORAGE_URI = "memory://"
# Said here, not left to Flask-Limiter: its one limiter object keeps the last app's setting, so
# an app that does not say would inherit another's "off".
RATELIMIT_ENABLED = True
# Seconds to wait for Redis; then, and while it stays unreachable, each process counts in its
# own memory (logged as a warning) rather than refusing readers and editors.
RATELIMIT_STORAGE_OPTIONS = {"socket_connect_timeout": 2, "socket_timeout": 2}
RATELIMIT_IN_MEMORY_FALLBACK_ENABLED = True
RATELIMIT_SWALLOW_ERRORS = True
RATELIMIT_HEADERS_ENABLED = True
# Suggestions one client may send; the form and the JSON intake share it. A client is an IPv4
# address or an IPv6 /64 network, for this and every other limit.
INTAKE_RATE_LIMIT = "10 per minute;100 per day"
# Suggestions one site may receive from all clients together (stored ones; 429 beyond).
INTAKE_SITE_RATE_LIMIT = "60 per minute;5000 per day"
# Emails to a site's editors about new requests (immediate mail), per site. Beyond it, new
# requests wait and come in one digest a limit's period after the first that waited.
NOTIFY_RATE_LIMIT = "20 per hour"
# Emails asking a reader to confirm their address: per address, and per client.
CONFIRM_EMAIL_RATE_LIMIT = "3 per day"
CONFIRM_EMAIL_CLIENT_RATE_LIMIT = "10 per day"

# Spam guards. A suggestion sent sooner than this after the HTML form was shown (seconds), or
# with the widget's elapsed_ms below this (milliseconds; clients that do not send elapsed_ms
# are not timed), is answered as usual but not stored, and counted, as is a filled honeypot.
FORM_MIN_SECONDS = 3
API_MIN_ELAPSED_MS = 1500
# Links (http://, https://, www.) a reader's comment may contain; more is refused (422).
COMMENT_MAX_LINKS = 3

# Number of reverse proxies in front of the app whose X-Forwarded-For is trusted: 1 behind
# nginx (then X-Forwarded-Proto is trusted too), 0 when readers connect to the app directly.
# 0 behind a proxy: every reader has the proxy's address (one shared rate limit); such requests
# are logged once and shown to admins. 1 without a proxy: a forged header escapes every limit.
PROXY_FIX_X_FOR = 0

# Query parameters dropped from article URLs before grouping (prefix match with "*").
TRACKING_PARAMETERS = (
    "utm_*", "fbclid", "gclid", "dclid", "msclkid", "yclid", "mc_cid", "mc_eid",
    "igshid", "_ga", "_gl", "ref_src", "cmpid",
)

# Interface languages: each needs a catalogue in corrections/translations/<code>/ (README,
# "Languages"); the first rules that decide a page's language are in corrections/languages.py.
LANGUAGES = ("en", "uk")
BABEL_DEFAULT_LOCALE = "en"

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_SAMESITE = "Lax"

# Serve the demo article page at /demo/ (set by `make run`).
DEMO = False

# Delivery from the outbox (`flask --app corrections mail send|worker`).
# Messages one SMTP connection carries before the worker claims more.
MAIL_BATCH_SIZE = 100
# A claimed batch belongs to its worker this long; a crashed worker's messages are retried
# after it. A worker starts no message later than 2 x MAIL_TIMEOUT before its lease ends.
MAIL_LEASE_SECONDS = 600
# Tries before a message is marked failed and shown on /dashboard/outbox.
MAIL_MAX_ATTEMPTS = 12
# Retry delays double from the base up to the cap, with random jitter (seconds).
MAIL_RETRY_BASE_SECONDS = 60
MAIL_RETRY_MAX_SECONDS = 3600
# How often the worker looks for due messages and digests (seconds).
MAIL_POLL_SECONDS = 5
# The worker writes a heartbeat on every poll; /healthz, the outbox page and the dashboard
# report it as silent when the latest is older than this (seconds; a few poll intervals,
# and longer than one batch takes to send).
MAIL_WORKER_SILENT_SECONDS = 60

# How long one-click action links in editors' emails stay valid (seconds; 7 days).
ACTION_TOKEN_MAX_AGE = 7 * 24 * 3600
# How long the link that confirms a reader's address stays valid (seconds; 7 days).
READER_CONFIRM_MAX_AGE = 7 * 24 * 3600
# CA bundle (PEM) that signs the SMTP server's certificate, when it is not a public CA.
# With MAIL_USE_TLS or MAIL_USE_SSL the certificate and host name are always checked.
MAIL_TLS_CA_FILE = None

# Editors' sessions (seconds): signed out after this long without a request (idle), and this
# long after signing in whatever they do (absolute; also the cookie's lifetime).
SESSION_IDLE_TIMEOUT = 60 * 60
PERMANENT_SESSION_LIFETIME = 12 * 60 * 60
# The session cookie is also Secure whenever the request came over HTTPS (ProxyFix sees it).
SESSION_COOKIE_SECURE = False

# Sign-in attempts that fail, per account and per client; password-reset requests likewise.
LOGIN_RATE_LIMIT_ACCOUNT = "5 per 15 minutes"
LOGIN_RATE_LIMIT_CLIENT = "20 per 15 minutes"
PASSWORD_RESET_RATE_LIMIT = "5 per hour"
# How long emailed links stay valid (seconds): password reset, and the invitation to a new editor.
PASSWORD_RESET_MAX_AGE = 60 * 60
EDITOR_INVITE_MAX_AGE = 7 * 24 * 60 * 60

# Privacy: `flask --app corrections privacy purge` removes readers' names, emails, user agents
# and client hashes from submissions of closed requests, and the bodies of delivered emails,
# older than this many days (also the default of its --older-than).
RETENTION_DAYS = 365

# Logs: one line per request (request id, method, path without the query, status, duration;
# never reader text or client addresses) and the app's warnings, on standard error.
# "text" for people, "json" for log shippers (one JSON object per line).
LOG_FORMAT = "text"
LOG_LEVEL = "INFO"

# Each web process records itself (host, pid, rate-limit storage) at most this often (seconds),
# so admins are warned about two processes counting limits in "memory://" and about
# X-Forwarded-For arriving while PROXY_FIX_X_FOR is 0.
PROCESS_STATUS_SECONDS = 60

# Webhooks (docs/webhooks.md), sent by the mail worker. Seconds to wait for a receiver to
# connect and for each answer; tries before a delivery is marked failed; retry delays double
# from the base up to the cap, with jitter (seconds).
WEBHOOK_TIMEOUT = 10
WEBHOOK_MAX_ATTEMPTS = 10
WEBHOOK_RETRY_BASE_SECONDS = 30
WEBHOOK_RETRY_MAX_SECONDS = 3600
# Endpoints on loopback, private, link-local or multicast addresses are refused (when added and
# before every delivery) unless this is True: only for tests and receivers on the same network.
WEBHOOK_ALLOW_PRIVATE = False
