"""Who a client is, for rate limits and the keyed client hash; and limits counted in services."""
from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress

from flask import current_app, has_request_context, request


def client_key(address: str | None = None) -> str:
    """The client as rate limits see it: an IPv4 address, or the /64 network of an IPv6 one.

    One IPv6 subscriber gets a whole /64, so keying on the full address would give a single
    client 2^64 fresh limits. `address` defaults to the request's remote address.
    """
    if address is None:
        address = (request.remote_addr if has_request_context() else "") or ""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return address[:100] or "unknown"
    if ip.version == 6:
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((int(ip), 64), strict=False))
    return str(ip)


def client_hash(address: str) -> str:
    """A keyed hash of the client's key (client_key): groups and blocks a client's reports
    without storing its address."""
    return hmac.new(_hash_key(current_app.config["SECRET_KEY"]), client_key(address).encode(),
                    hashlib.sha256).hexdigest()


@functools.lru_cache(maxsize=4)
def _hash_key(secret_key: str) -> bytes:
    """The client hash's key, derived from SECRET_KEY once, not per request."""
    return hmac.new(secret_key.encode(), b"client-ip", hashlib.sha256).digest()
