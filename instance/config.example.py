# Copy to instance/config.py and adjust. Every setting can also be given as an
# environment variable with the prefix CORRECTIONS_ (e.g. CORRECTIONS_SECRET_KEY),
# which wins over this file. Defaults live in corrections/config.py.

# Required. Signs sessions, CSRF tokens and email action links; keys the
# client-IP hash. Generate with: python -c "import secrets; print(secrets.token_hex(32))"
SECRET_KEY = "change-me"

# Database. Default: SQLite at instance/corrections.sqlite3 (WAL mode).
# SQLALCHEMY_DATABASE_URI = "postgresql+psycopg://corrections:secret@127.0.0.1/corrections"

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
RATELIMIT_STORAGE_URI = "redis://127.0.0.1:6379"
INTAKE_RATE_LIMIT = "10 per minute;100 per day"

# How many reverse proxies in front of the app set X-Forwarded-For (0: none).
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
