"""The Corrections-Signature header: `t=<unix time>,v1=<hex HMAC-SHA256 of "t.body">`.

`verify` is the recipe docs/webhooks.md gives receivers (a test runs the documented copy).
"""
import hashlib
import hmac
import secrets
import time

HEADER = "Corrections-Signature"


def new_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(body: bytes, secret: str, timestamp: int | None = None) -> str:
    """The header's value for `body` sent at `timestamp` (now by default)."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


def verify(header: str, body: bytes, secret: str, tolerance: int = 300) -> bool:
    """True if `header` signs exactly `body` with `secret`, made within `tolerance` seconds
    of now (the replay window). A header may carry several v1 values; any one may match."""
    try:
        parts = [item.split("=", 1) for item in header.split(",")]
        t = int(next(value for key, value in parts if key == "t"))
    except (ValueError, StopIteration):
        return False
    if abs(time.time() - t) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{t}.".encode() + body, hashlib.sha256).hexdigest()
    return any(key == "v1" and hmac.compare_digest(value, expected) for key, value in parts)
