"""Webhook channel: each due update POSTed as signed JSON to a partner's system (requests).

Config (docs/webhooks.md)::

    [channels.ars]
    type = "webhook"
    url = "https://partenaire.example/hooks/statut"
    secret_env = "WEBHOOK_SECRET"         # the variable holding the shared secret
    timeout = 10                          # seconds per attempt
    retries = 3                           # extra attempts in the same pass on 5xx/timeouts

One delivery per update (key ``hook:<update id>``); the body is the update as an entry of
``incidents/<id>.json`` (every language, schema ``docs/schemas/webhook.schema.json``) with
its incident as it stood with that update. When the update changes (a correction, a translation that became
publishable, a withdrawal) the new state is POSTed again under the same update id, with a
new ``Idempotency-Key``: a receiver upserts by ``update.id``.

Signature: ``X-Publisher-Signature: sha256=<hex>``, HMAC-SHA256 of the exact body bytes with
the shared secret (the GitHub scheme, so existing verifiers work). ``Idempotency-Key`` is
the ledger row's key: a retry after a timeout, or after a crash, sends the same body with the
same key, and the receiver drops what it already has. Errors: 5xx, 408, 429, timeouts and
dropped connections are retried (backoff, ``Retry-After`` honoured up to 30 s), then left to
the next run; any other 4xx needs a person (the URL, the secret, the receiver's validation).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import os
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from publisher import __version__
from publisher.channels.base import (
    Channel,
    ChannelKind,
    Delivery,
    DeliveryError,
    DriftCheck,
    PublishContext,
    Receipt,
)
from publisher.cli_text import Text
from publisher.config import ChannelConfig, Config
from publisher.errors import Diagnostic
from publisher.model import CLOSED_STATUSES
from publisher.options import Option, at_least, env_name, http_url, resolve, validate
from publisher.timeutil import iso_utc

FORMAT_VERSION = 1
SIGNATURE_HEADER = "X-Publisher-Signature"
EVENT_HEADER = "X-Publisher-Event"
MAX_WAIT = 30.0  # seconds: the longest Retry-After honoured inside one pass
OPTIONS = (
    Option(
        "url",
        str,
        "",
        "the receiver's address",
        required=True,
        check=http_url,
        example="https://partenaire.example/hooks/statut",
    ),
    Option(
        "secret_env",
        str,
        "",
        "environment variable holding the shared signing secret",
        required=True,
        check=env_name,
        example="WEBHOOK_SECRET",
    ),
    Option("timeout", float, 10, "seconds to wait for each attempt"),
    Option(
        "retries",
        int,
        3,
        "extra attempts in the same pass on 5xx, timeouts, dropped connections",
        check=at_least(0),
    ),
    Option("backoff", float, 1.0, "seconds before the first extra attempt (doubled each time)"),
)


def sign(secret: str, body: bytes) -> str:
    """The signature header's value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def body_bytes(payload: Mapping[str, Any]) -> bytes:
    """The exact bytes POSTed (and signed): compact JSON, UTF-8, keys in a fixed order."""
    return json.dumps(payload, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()


class WebhookChannel(Channel):
    kind: ClassVar[ChannelKind] = "push"
    can_edit: ClassVar[bool] = False  # each change is a new POST of the update's state
    can_reply: ClassVar[bool] = False
    # What a receiver did with a document is its own business: it cannot be asked. A lost
    # ledger re-POSTs with the same Idempotency-Key (derived from the delivery, not the
    # ledger), which the receiver drops: that is how a webhook "adopts".
    drift_check: ClassVar[DriftCheck] = "never"
    type_name: ClassVar[str] = "webhook"

    def __init__(self, config: ChannelConfig, project: Config) -> None:
        self.config = config
        self.project = project
        self.name = config.name
        self.options: dict[str, Any] = resolve(OPTIONS, config.options)
        self.url = str(self.options["url"])
        self.secret_env = str(self.options["secret_env"])
        self._session: Any = None

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return validate(OPTIONS, options, "a webhook channel")

    # -- planning ----------------------------------------------------------------------------
    def plan(self, ctx: PublishContext) -> list[Delivery]:
        from publisher.jsondocs import Documents
        from publisher.render import Renderer

        views = {lang: list(ctx.views[lang]) for lang in ctx.views}
        # Notes (corrected_at, retracted_by) are the build's, given to every channel in the
        # context (computed lazily from the archive when the build was skipped), so the
        # document is the same either way.
        docs = Documents(self.project, views, Renderer(self.project, ctx.corrections))
        out: list[Delivery] = []
        for incident in ctx.site.incidents:
            if incident.id not in docs.by_id:
                continue
            base = docs.incident(incident.id, full=False)
            base.pop("latest_update", None)
            for u in sorted(incident.updates, key=lambda u: (u.publish_at, u.id)):
                if u.channels is not None and self.name not in u.channels:
                    continue
                entry = docs.update(incident.id, u)
                # The incident as it stood with this update: a later update must not change
                # (and so re-send) the documents of the earlier ones.
                closed = u.status in CLOSED_STATUSES
                # Ended as it stood then too: a later closing update must not move the end of
                # the earlier ones (a date set in the incident's front matter is a fixed fact).
                ended = incident.ended or (u.publish_at if closed else None)
                at_the_time = {
                    **base,
                    "status": u.status,
                    "active": not closed,
                    "updated_at": entry["published_at"],
                    "ended_at": iso_utc(ended) if ended else None,
                }
                event = (
                    "update.withdrawn"
                    if entry["retracted_by"]
                    else "update.corrected"
                    if entry["corrected_at"] or u.correction
                    else "update.published"
                )
                payload = {
                    "format_version": FORMAT_VERSION,
                    "event": event,
                    "site": {"url": self.project.base_url, "languages": list(self.project.languages)},
                    "incident": at_the_time,
                    "update": entry,
                }
                out.append(
                    Delivery(
                        self.name,
                        f"hook:{u.id}",
                        Delivery.hash_payload(payload),
                        payload,
                        u.id,
                        None,
                        f"webhook {event} for {u.id}",
                    )
                )
        return out

    # -- sending -----------------------------------------------------------------------------
    def secret(self) -> str | None:
        return os.environ.get(self.secret_env) or None

    def error(self, message: str, transient: bool, retry_after: float | None = None) -> DeliveryError:
        secret = self.secret()
        if secret and len(secret) >= 4:  # as the job's redaction: a 1-letter one would eat words
            message = message.replace(secret, "[redacted]")
        return DeliveryError(message, transient, retry_after)

    def session(self) -> Any:
        if self._session is None:
            import requests

            self._session = requests.Session()
        return self._session

    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        import requests

        secret = self.secret()
        if secret is None:
            raise self.error(
                f"the environment variable {self.secret_env} is not set: export the shared secret "
                "agreed with the receiver before `publisher publish`",
                False,
            )
        body = body_bytes(delivery.payload)
        headers = {
            "Content-Type": "application/json; charset=utf-8",
            "User-Agent": f"publisher/{__version__}",
            "Idempotency-Key": idempotency_key,
            SIGNATURE_HEADER: sign(secret, body),
            EVENT_HEADER: str(delivery.payload.get("event", "")),
        }
        attempts = 1 + max(int(self.options["retries"]), 0)
        wait = float(self.options["backoff"])
        last: DeliveryError | None = None
        for attempt in range(attempts):
            if attempt:
                time.sleep(min(wait * 2 ** (attempt - 1), MAX_WAIT))
            try:
                resp = self.session().post(
                    self.url, data=body, headers=headers, timeout=float(self.options["timeout"])
                )
            except requests.Timeout:
                last = self.error(
                    f"{self.url} did not answer within {self.options['timeout']} s; will retry", True
                )
                continue
            except requests.RequestException as exc:
                last = self.error(
                    f"could not reach {self.url} ({type(exc).__name__}); "
                    "will retry with the same Idempotency-Key",
                    True,
                )
                continue
            said = " ".join(resp.text.split())[:160]
            if 200 <= resp.status_code < 300:
                return Receipt(idempotency_key, None, {"status": resp.status_code})
            if resp.status_code >= 500 or resp.status_code in (408, 429):
                retry_after = _retry_after(resp.headers.get("Retry-After"))
                last = self.error(
                    f"{self.url} answered {resp.status_code} ({said}); will retry", True, retry_after
                )
                if retry_after is not None and retry_after > MAX_WAIT:
                    break  # not worth holding the job: the next run tries again
                if retry_after is not None:
                    wait = max(wait, retry_after)
                continue
            bad_secret = (
                "the receiver refused the signature: check that "
                f"{self.secret_env} holds the secret it expects"
            )
            hint = {
                401: bad_secret,
                403: bad_secret,
                404: "check url in [channels." + self.name + "]",
                410: "the receiver is gone: remove or disable [channels." + self.name + "]",
            }.get(resp.status_code, "ask the receiver's administrators what it refuses")
            raise self.error(f"{self.url} refused the update ({resp.status_code}: {said}): {hint}", False)
        assert last is not None
        raise last

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        # A receiver cannot be asked what it has: send again with the same Idempotency-Key,
        # which the receiver uses to drop a copy it already has (docs/webhooks.md).
        return None

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        if self.secret() is None:
            return [
                Diagnostic(
                    self.project.path.name,
                    self.config.line,
                    Text(
                        "[channels.{name}] the environment variable {secret_env} is not set: no webhook can "
                        "be signed or sent",
                        name=self.name,
                        secret_env=self.secret_env,
                    ),
                    Text(
                        "export {secret_env}=<shared secret> in the environment of `publisher publish`",
                        secret_env=self.secret_env,
                    ),
                )
            ]
        return []


def _retry_after(value: str | None) -> float | None:
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        return None
