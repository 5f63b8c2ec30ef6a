"""HMAC-SHA256 signatures of the deferred-invoice partner's protocol (P2), both directions.

Requests to the partner carry

    X-Partner-Timestamp: <unix seconds>
    X-Partner-Signature: v1=<hex HMAC-SHA256(secret, timestamp "\\n" METHOD "\\n" path "\\n" body)>

Method and path are signed too, so a signed empty body (cancel, fix) can never be
replayed against another transaction or another operation. Webhooks from the
partner to us carry the same two headers over ``timestamp "." body`` (the body
holds the event id, which makes each event unique). Either side refuses a
timestamp more than `TOLERANCE` seconds away from its own clock, so a captured
request cannot be replayed later; within that window the idempotency key (API)
and the event id (webhooks) make a replay harmless.
"""

from __future__ import annotations

import hashlib
import hmac
import time

TIMESTAMP_HEADER = "X-Partner-Timestamp"
SIGNATURE_HEADER = "X-Partner-Signature"
IDEMPOTENCY_HEADER = "Idempotency-Key"
TOLERANCE = 300  # seconds
VERSION = "v1"


def _hmac(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def request_signature(*, secret: str, timestamp: str, method: str, path: str, body: bytes) -> str:
    message = b"\n".join([timestamp.encode(), method.upper().encode(), path.encode(), body])
    return f"{VERSION}={_hmac(secret, message)}"


def webhook_signature(*, secret: str, timestamp: str, body: bytes) -> str:
    return f"{VERSION}={_hmac(secret, timestamp.encode() + b'.' + body)}"


def now() -> str:
    return str(int(time.time()))


def fresh(timestamp: str | None, *, tolerance: int = TOLERANCE) -> bool:
    try:
        sent = int(timestamp or "")
    except ValueError:
        return False
    return abs(time.time() - sent) <= tolerance


def matches(expected: str, given: str | None) -> bool:
    return bool(given) and hmac.compare_digest(expected.encode(), given.encode())


def request_headers(*, secret: str, method: str, path: str, body: bytes) -> dict[str, str]:
    timestamp = now()
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: request_signature(secret=secret, timestamp=timestamp, method=method, path=path, body=body),
    }


def webhook_headers(*, secret: str, body: bytes) -> dict[str, str]:
    timestamp = now()
    return {
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: webhook_signature(secret=secret, timestamp=timestamp, body=body),
    }


def verify_request(*, secret: str, method: str, path: str, body: bytes, headers) -> bool:
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not fresh(timestamp):
        return False
    expected = request_signature(secret=secret, timestamp=timestamp, method=method, path=path, body=body)
    return matches(expected, headers.get(SIGNATURE_HEADER))


def verify_webhook(*, secret: str, body: bytes, headers) -> bool:
    timestamp = headers.get(TIMESTAMP_HEADER)
    if not fresh(timestamp):
        return False
    return matches(webhook_signature(secret=secret, timestamp=timestamp, body=body), headers.get(SIGNATURE_HEADER))
