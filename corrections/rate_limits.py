"""Limits counted in services (not per route): one hit of a key against a Flask-Limiter limit,
in the app's rate-limit storage (Redis when several processes serve the app)."""
import math
import time

from limits import parse_many

from .extensions import limiter


def over_limit(limit: str, scope: str, key: str) -> int | None:
    """Count one hit of `key` against `limit` (a Flask-Limiter string such as "5 per hour"),
    in the app's rate-limit storage (Redis when several processes serve the app).

    Returns None while within the limit, else the seconds until it allows again.
    """
    if not limiter.enabled or not limit:
        return None
    strategy = limiter.limiter
    for item in parse_many(limit):
        if not strategy.hit(item, scope, key):  # one atomic increment in Redis
            reset = strategy.get_window_stats(item, scope, key).reset_time
            return max(1, math.ceil(reset - time.time()))
    return None
