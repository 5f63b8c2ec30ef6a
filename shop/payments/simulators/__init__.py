"""Local simulators of the payment partners (P2): the partner's side of each protocol.

Each simulator's core is a plain class over its own tables (`Sim…` models) that
answers with the JSON objects of the wire protocol, or raises `SimulatorError`
carrying the HTTP status, error code and Japanese message the real service
would send. `shop.payments.simulator_views` serves the same cores over HTTP
under ``/_sim/`` (mounted only when ``KOBAI_PAYMENT_SIMULATORS``); the
"simulator" adapters call them in-process. So both adapters see exactly the
same protocol, and the "http" adapters are tested against the served simulator.
"""

from __future__ import annotations

import base64
import hashlib
import secrets

_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"


class SimulatorError(Exception):
    def __init__(self, status: int, code: str, message: str, *, field: str = ""):
        self.status = status
        self.code = code
        self.message = message
        self.field = field
        super().__init__(message)

    def as_json(self) -> dict:
        error = {"code": self.code, "message": self.message}
        if self.field:
            error["field"] = self.field
        return {"error": error}


def new_id(prefix: str, length: int = 20) -> str:
    """Random ids with few digits, so an id can never look like a card number."""
    return prefix + "".join(secrets.choice(_ALPHABET) for _ in range(length))


def request_fingerprint(*parts) -> str:
    """What an idempotent request asked for, to refuse the same key with other content (base64: few digits)."""
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode()).digest()
    return base64.urlsafe_b64encode(digest).decode().rstrip("=")


def simulate_latency() -> None:
    """A slow partner, for the benchmark (``KOBAI_SIM_PARTNER_DELAY_SECONDS``; 0 = answer at once)."""
    import time

    from django.conf import settings

    delay = float(getattr(settings, "KOBAI_SIM_PARTNER_DELAY_SECONDS", 0) or 0)
    if delay > 0:
        time.sleep(delay)
