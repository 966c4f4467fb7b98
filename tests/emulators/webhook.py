"""A partner's webhook receiver on 127.0.0.1, written the way docs/webhooks.md tells one to be:
it verifies the HMAC-SHA256 signature over the raw body (401 when it does not match) and drops
a delivery whose Idempotency-Key it already has (200, not stored twice). Faults come from the
shared emulator knobs: HttpFault (a 500), Delay (a timeout), Drop (a dropped connection)."""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from typing import Any

from .base import Emulator, RecordedRequest, Response


def verify(secret: str, body: bytes, header: str | None) -> bool:
    """The receiver side of the signature scheme (independent of publisher's own code)."""
    if not header or not header.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, header.removeprefix("sha256="))


class WebhookReceiver(Emulator):
    PATH = "/hooks/statut"

    def __init__(self, secret: str) -> None:
        self.secret = secret
        super().__init__()
        self.add_route("hook", "POST", re.escape(self.PATH), self._hook)

    def _reset_state(self) -> None:
        self.accepted: dict[str, dict[str, Any]] = {}  # Idempotency-Key -> document
        self.duplicates: list[str] = []
        self.refused: list[RecordedRequest] = []

    @property
    def url(self) -> str:
        return self.base_url + self.PATH

    def _hook(self, req: RecordedRequest, _m: re.Match[str]) -> Response:
        if not verify(self.secret, req.raw_body, req.header("X-Publisher-Signature")):
            self.refused.append(req)
            return Response(401, {"error": "bad signature"})
        key = req.header("Idempotency-Key") or ""
        if key in self.accepted:
            self.duplicates.append(key)
            return Response(200, {"ok": True, "duplicate": True})
        self.accepted[key] = json.loads(req.raw_body)
        return Response(202, {"ok": True})

    def documents(self) -> list[dict[str, Any]]:
        return list(self.accepted.values())
