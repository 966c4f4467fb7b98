"""The channel protocol: what every delivery target implements.

A channel type is a class with the five members of :class:`Channel` and three class
attributes that declare what it is and what it can do (the job reads them; nothing probes
with ``getattr``):

``kind``
    ``"website"`` (the status site itself: a directory, WordPress, object storage),
    ``"social"`` (a post on a page or account people follow: Facebook, Mastodon, Bluesky) or
    ``"push"`` (a message sent to subscribers or systems: e-mail, webhooks, CAP alerts).
    Websites are delivered first in every pass, so the links in posts and messages work.
``can_edit``
    ``send(delivery, previous, ...)`` changes the remote object ``previous`` names in place.
    When False (Bluesky posts, a sent e-mail), a changed delivery is a *new* remote object;
    the job still passes ``previous`` (so it can be replied to or referenced) and reports
    the outcome as ``created``, not ``edited``.
``can_reply``
    the channel can attach a new object to an earlier one (a thread reply, an e-mail in the
    same conversation), which is how a channel that cannot edit carries a correction.

A channel type is registered through the ``publisher.channels`` entry-point group, exactly as
publisher's own are in its pyproject.toml (see :mod:`publisher.channels`).

The publishing job (:mod:`publisher.publish`) asks each enabled channel to *plan* its
deliveries for this pass, then, for each delivery whose content changed since it was last
delivered, records it in the ledger **before** calling :meth:`Channel.send` (outbox), and
completes the row after. A row left in flight by a crash is first offered to
:meth:`Channel.reconcile`, which looks the remote object up instead of posting again.

Identity and change:

* ``Delivery.key`` names one remote object for the life of the incident (a Facebook post, a
  WordPress page, a site deployment). Same key + new ``content_hash`` = an *edit* of the same
  object (a correction, a translation that became publishable, a retraction notice).
* ``Delivery.idempotency_key`` is derived from the key and content hash by the job and is
  what a channel sends as ``Idempotency-Key`` (Mastodon) or embeds to find its post again.

Errors: a channel raises :class:`publisher.errors.DeliveryError` (also importable from
here) with ``transient=True`` for what a later run may fix by itself (rate limits, 5xx,
timeouts) and ``transient=False`` with a message that says what a person must do ("renew
the Page token"). Both are retried by later runs with exponential backoff (recorded in the
ledger) until ``[publish] max_attempts``; any other exception raised by a channel is
recorded as a transient failure of that delivery (it never stops the other channels, nor
the website). The job fills in the error's ``channel`` and ``key``.

What the job guarantees a channel (publisher/publish.py):

* ``plan()`` is called at most once per pass, after the site was built into
  ``ctx.site_dir``; website channels (``kind = "website"``) are delivered before social
  ones, so links to the site work when a post goes out. ``plan()`` must be a function of
  ``ctx`` and the channel's options only (content, translations, templates, config, which
  updates are due), without network calls: when none of that changed since the channel's
  last fully delivered pass, the job skips ``plan()`` altogether (the every-minute path).
* Deliveries whose ``update_id`` names an update with a ``channels:`` list that does not
  include this channel's name are dropped by the job: channels need not filter.
* ``send()`` is called only after the ledger row is committed. ``previous`` is the receipt of
  the last *completed* delivery with the same key (so an edit targets that remote object),
  or None for a first delivery.
* ``reconcile()`` is called, before anything new is sent, for every row whose earlier
  attempt may have reached the remote (a crash in flight, a timeout). Return a Receipt only
  when the remote object already reflects *this* delivery (its idempotency key or content);
  return None otherwise, and the job calls ``send()`` again (with ``previous`` as above).
  Raise DeliveryError when the remote cannot be asked: nothing else is then sent on that
  channel in this pass.
* ``dry_run``: the job never calls ``send``/``reconcile`` then; ``plan`` must not write.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar, Protocol

from publisher.channels import CHANNEL_KINDS, DELIVERY_ORDER, ChannelKind, DriftCheck
from publisher.config import ChannelConfig, Config
from publisher.errors import DeliveryError, Diagnostic
from publisher.model import Site
from publisher.notes import Corrections

if TYPE_CHECKING:
    from publisher.localize import IncidentView  # markdown-it and Babel: not on the cron path


@dataclass(frozen=True)
class PublishContext:
    """Everything a channel may read to plan its deliveries for one pass."""

    config: Config
    site: Site  # the incidents this pass publishes (due and approved updates only)
    now: datetime  # aware UTC: the pass's "now" (what is due was decided against it)
    views: Mapping[str, list[IncidentView]]  # lang -> views of due, approved updates
    site_dir: Path  # the freshly built static site
    dry_run: bool = False
    # Correction and retraction notes of the build (give them to a Renderer that renders
    # web macros: Renderer(ctx.config, ctx.corrections)).
    corrections: Corrections = field(default_factory=Corrections)
    # What a channel finds wrong in its own input while planning (a bad line in an e-mail
    # list): the job prints each one as path:line after plan(), like a broken content file
    # (exit 2), and everything else is still delivered. check() reports them too.
    problems: list[Diagnostic] = field(default_factory=list)


@dataclass(frozen=True)
class Delivery:
    channel: str  # channel *instance* name from config
    key: str  # stable identity of the remote object
    content_hash: str  # hash of `payload`: what "changed" means
    payload: Mapping[str, Any]  # exactly what is sent (JSON-serialisable; golden-file it)
    update_id: str | None = None  # "<incident id>/<stem>" when the object is one update
    lang: str | None = None
    summary: str = ""  # one human line for logs and `status`

    @staticmethod
    def hash_payload(payload: Mapping[str, Any]) -> str:
        data = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
        return hashlib.sha256(data.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Receipt:
    remote_id: str
    url: str | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)
    # True when send() found the object already there (made by a run whose ledger was lost,
    # or on another machine) and took it over instead of creating a second one.
    adopted: bool = False


class PassStop:
    """A failure that concerns every later delivery of this pass (a refused token, a rate
    limit, a server that is down): remembered, so the rest fail at once with the same reason
    instead of calling the remote again; a later pass tries again."""

    def __init__(self, prefix: str = "") -> None:
        self.prefix = prefix  # put before the reason for the deliveries stopped by it
        self.reason: DeliveryError | None = None

    def stop(self, exc: DeliveryError) -> DeliveryError:
        self.reason = exc
        return exc

    def raise_if_stopped(self) -> None:
        if self.reason is not None:
            exc = self.reason
            raise DeliveryError(f"{self.prefix}{exc}", exc.transient, exc.retry_after)


class Channel(Protocol):
    """What the job calls. Subclass it explicitly (mypy then checks every signature), or
    implement the same members: the registry checks them when it loads the type."""

    kind: ClassVar[ChannelKind]
    can_edit: ClassVar[bool]
    can_reply: ClassVar[bool]
    drift_check: ClassVar[DriftCheck] = "never"
    # This channel serves the built static site (the pages every post and message links
    # to): by default every other channel waits for its deploy to succeed in the same pass.
    hosts_site: ClassVar[bool] = False

    def __init__(self, config: ChannelConfig, project: Config) -> None: ...

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        """(key, what is wrong, how to fix) for each bad option; imports no SDK."""
        ...

    def plan(self, ctx: PublishContext) -> list[Delivery]:
        """The deliveries this channel should have made by now, whether done or not."""
        ...

    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        """Create the remote object (previous is None) or edit it in place."""
        ...

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        """After a crash: the remote object if the interrupted send did reach it."""
        ...

    def drift(self, previous: Receipt) -> str | None:
        """What changed at the remote end since publisher wrote `previous` ("deleted in
        WordPress", "edited by hand"), or None when the object is as publisher left it.

        Called as ``drift_check`` declares. ``send()`` with ``previous is None`` should also
        look for the object it would create and adopt it (``Receipt(adopted=True)``), so a
        lost ledger never duplicates."""
        return None

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        """Problems to report before anything is sent (lengths, credentials named...).

        `publisher check` calls it for every enabled channel, whatever its kind, with a dry-run
        context whose views include scheduled updates (a post that will not fit tomorrow is
        reported today); no network call should be needed."""
        ...


__all__ = [
    "CHANNEL_KINDS",
    "Channel",
    "ChannelKind",
    "DELIVERY_ORDER",
    "Delivery",
    "DeliveryError",
    "PassStop",
    "PublishContext",
    "Receipt",
]
