"""Bluesky channel, through the atproto SDK and the account's PDS (research/channel-apis.md §3).

One post per update and language, with ``langs`` set to that language (the SDK would say
``["en"]`` otherwise) and a link facet for every URL of the text (facets index UTF-8 *bytes*,
not characters: "é" is two). A post has at most 300 graphemes: the same fitting as the other
networks (``overflow = "lead"`` keeps the leading paragraphs and links the full statement;
``"error"`` refuses), checked by ``publisher check`` and again before anything is sent.

Bluesky posts cannot be edited (``can_edit = False``). When the text of a post changes (a
correction, a translation that became ready, a withdrawal), the new text is posted as a
**reply** to the original post: the correction note and the corrected text, or the
withdrawal notice and the link to the replacing statement. The receipt (and so the ledger)
links the reply to the original (``reply_to``); nothing is deleted.

Sessions: logging in is limited to 30 per 5 minutes and 300 per day, so a cron job that
logged in every minute would lock the account out. The session (access and refresh JWTs) is
kept in the state directory (``bluesky/<channel>.session.json``, mode 600) and reused; the SDK
refreshes it before the access token expires, and a session the server says is expired or
unknown is refreshed, then replaced by a new login with the app password.

Exactly once: the ledger row is written before the call (the job); a delivery left in flight
(a crash, a dropped connection after the PDS committed the post) is first looked up in the
account's author feed and adopted when a post with the same text is there. The same look-up
runs before every new post, so a lost ledger does not post twice.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar

from publisher import socialtext
from publisher.channels.base import Delivery, DeliveryError, PublishContext, Receipt
from publisher.channels.social import (
    COMMON_OPTIONS,
    OUTBOX_PREFIX,
    Composed,
    Planned,
    SocialChannel,
    normalized,
)
from publisher.errors import Diagnostic
from publisher.options import Option, env_name, http_url

MAX_GRAPHEMES = 300  # app.bsky.feed.post: text maxGraphemes
MAX_BYTES = 3000  # and maxLength, in UTF-8 bytes
DEFAULT_SERVICE = "https://bsky.social"
READ_BACK = 50  # recent posts compared when looking a post up again
POST = "app.bsky.feed.post"
T = TypeVar("T")
HANDLE = re.compile(r"did:[a-z]+:\S+|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def display(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The text as posted, and its link facets.

    Each URL is shown without its scheme, as Bluesky's own app shows links (eight graphemes
    saved per link out of 300), and made clickable by a link facet carrying the full URL, its
    range counted in UTF-8 bytes of the shown text.
    """
    shown: list[str] = []
    found: list[dict[str, Any]] = []
    last = 0
    size = 0  # bytes of the shown text so far
    for start, end in socialtext.urls(text):
        before = text[last:start]
        url = text[start:end]
        label = url.split("://", 1)[-1]
        size += len(before.encode())
        shown += [before, label]
        found.append(
            {
                "index": {"byteStart": size, "byteEnd": size + len(label.encode())},
                "features": [{"$type": "app.bsky.richtext.facet#link", "uri": url}],
            }
        )
        size += len(label.encode())
        last = end
    shown.append(text[last:])
    return "".join(shown), found


def web_url(handle: str, uri: str) -> str:
    """The post's page on bsky.app, from its at:// URI."""
    return f"https://bsky.app/profile/{handle}/post/{uri.rsplit('/', 1)[-1]}"


class BlueskyChannel(SocialChannel):
    type_name: ClassVar[str] = "bluesky"
    can_edit: ClassVar[bool] = False  # a changed post is a reply to the original
    can_reply: ClassVar[bool] = True
    OPTIONS: ClassVar[tuple[Option, ...]] = (
        Option(
            "handle",
            str,
            "",
            "the account's handle, without @",
            check=lambda v: (
                None if not v or HANDLE.fullmatch(v) else "is not a Bluesky handle (write it without @)"
            ),
            example="chu-exemple.bsky.social",
        ),
        Option("service", str, DEFAULT_SERVICE, "address of the account's PDS", check=http_url),
        Option(
            "password_env",
            str,
            "",
            "environment variable holding an app password; unset = outbox",
            check=env_name,
            example="BLUESKY_APP_PASSWORD",
        ),
        Option(
            "overflow",
            str,
            "lead",
            'too long a text: "lead" posts the first paragraphs and links the rest; "error" refuses',
            choices=("lead", "error"),
        ),
        Option(
            "max_graphemes",
            int,
            MAX_GRAPHEMES,
            "longest post, at most 300",
            check=lambda v: (
                None if 1 <= v <= MAX_GRAPHEMES else f"is {v}, but Bluesky accepts at most 300 per post"
            ),
        ),
        *(o for o in COMMON_OPTIONS if o.name != "token_env"),
    )
    url_length: ClassVar[int | None] = None  # Bluesky counts a URL as written
    ACCOUNT_OPTIONS: ClassVar[tuple[str, ...]] = ("password_env", "handle", "service")

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        problems = super().validate_options(options)
        if options.get("password_env") and not options.get("handle"):
            problems.append(
                (
                    "handle",
                    "handle is required to post with a password",
                    'add handle = "<account>.bsky.social" (or your own domain handle)',
                )
            )
        return problems

    def __init__(self, config: Any, project: Any) -> None:
        super().__init__(config, project)
        self._client: Any = None
        self._did: str | None = None

    @property
    def token_env(self) -> str:
        return str(self.options["password_env"])

    @property
    def service(self) -> str:
        return str(self.options["service"]).rstrip("/")

    @property
    def handle(self) -> str:
        return str(self.options["handle"]).lstrip("@")

    def limit(self) -> int:
        return min(int(self.options["max_graphemes"]), MAX_GRAPHEMES)

    def measure(self, text: str) -> int:
        return socialtext.graphemes(display(text)[0])

    def why_outbox(self) -> str:
        if not self.token_env:
            return f"no password_env in [channels.{self.name}]"
        return f"the environment variable {self.token_env} is not set"

    # -- planning ----------------------------------------------------------------------------
    def plan_posts(self, ctx: PublishContext) -> list[Planned]:
        return [p for p, _reply in self._plan(ctx)]

    def _plan(self, ctx: PublishContext) -> list[tuple[Planned, Composed]]:
        """Each post, and the text it takes as a reply under the first post of the same key
        (sent when the text changed after the first post: Bluesky cannot edit)."""
        retracted = self.retractions(ctx)
        out: list[tuple[Planned, Composed]] = []
        for update, views in self.updates(ctx):
            by = retracted.get(update.id)
            for lang in self.languages(update, views, self.project):
                composed = self.compose(*views[lang], retracted_by=by)
                as_reply = self.compose(*views[lang], retracted_by=by, reply=True)
                shown, links = display(composed.text)
                reply_shown, reply_links = display(as_reply.text)
                payload = {
                    "text": shown,
                    "langs": [lang],
                    "facets": links,
                    "reply": {"text": reply_shown, "facets": reply_links},
                }
                what = "withdrawn notice" if by else "post"
                cut = " (shortened)" if composed.shortened else ""
                delivery = Delivery(
                    self.name,
                    f"post:{update.id}:{lang}",
                    Delivery.hash_payload(payload),
                    payload,
                    update.id,
                    lang,
                    f"Bluesky {what} for {update.id} ({lang}){cut}",
                )
                out.append((Planned(delivery, update, composed), as_reply))
        return out

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        found = super().check(ctx)
        for p, as_reply in self._plan(ctx):
            if as_reply.too_long and not p.composed.too_long:
                found.append(self.too_long_diagnostic(Planned(p.delivery, p.update, as_reply)))
            for shown in (str(p.delivery.payload["text"]), str(p.delivery.payload["reply"]["text"])):
                size = len(shown.encode())
                if size > MAX_BYTES:
                    found.append(
                        Diagnostic(
                            p.update.path,
                            p.update.body_line,
                            f"{self.name}: the post for update {p.update.id} ({p.delivery.lang}) is "
                            f"{size} bytes, over Bluesky's limit of {MAX_BYTES}",
                            "shorten the text (emoji and accented letters take several bytes each)",
                        )
                    )
                    break
        return found

    # -- session -----------------------------------------------------------------------------
    def session_path(self) -> Path:
        return self.project.dir("state") / "bluesky" / f"{self.name}.session.json"

    def _cached_session(self) -> str | None:
        try:
            data = json.loads(self.session_path().read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if (
            not isinstance(data, dict)
            or data.get("service") != self.service
            or data.get("handle") != self.handle
        ):
            return None  # another account or PDS: its session would send posts there
        session = data.get("session")
        return session if isinstance(session, str) and session else None

    def _save_session(self, _event: Any, session: Any) -> None:
        self._did = str(session.did)
        path = self.session_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        data = json.dumps({"service": self.service, "handle": self.handle, "session": session.encode()})
        # The JWTs are credentials: readable by this user only, written in one step.
        tmp = path.with_name(path.name + ".tmp")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(data)
        os.replace(tmp, path)

    def _forget_session(self) -> None:
        try:
            self.session_path().unlink()
        except OSError:
            pass

    def client(self) -> Any:
        """A logged-in client: the cached session when there is one, else a password login."""
        if self._client is None:
            from atproto import Client
            from atproto_client.request import Request

            client = Client(base_url=self.service, request=Request(timeout=float(self.options["timeout"])))
            client.on_session_change(self._save_session)
            cached = self._cached_session()
            try:
                if cached:
                    client.login(session_string=cached, fetch_bsky_profile=False)
                else:
                    client.login(self.handle, self.token(), fetch_bsky_profile=False)
            except Exception as exc:
                raise self._fail(exc) from None
            self._client = client
        return self._client

    def _renew(self) -> None:
        """The server ended the session: refresh it, or log in again when that is refused."""
        from atproto_client.exceptions import BadRequestError, UnauthorizedError

        client = self.client()
        try:
            client._refresh_and_set_session()  # the SDK's own refresh (it does this before expiry)
            return
        except (BadRequestError, UnauthorizedError):
            self._forget_session()
        client.login(self.handle, self.token(), fetch_bsky_profile=False)

    def _call(self, fn: Callable[[], T]) -> T:
        """One API call; an expired or revoked session is renewed once, then the call is retried."""
        from atproto_client.exceptions import BadRequestError

        try:
            try:
                return fn()
            except BadRequestError as exc:
                if _xrpc(exc)[0] not in ("ExpiredToken", "InvalidToken"):
                    raise
                self._renew()
                return fn()
        except (DeliveryError, LookupError):
            raise
        except Exception as exc:
            raise self._fail(exc) from None

    def did(self) -> str:
        self.client()
        if self._did is None:
            self._did = str(self._client._session.did)
        return self._did

    # -- lookups -----------------------------------------------------------------------------
    def find(self, text: str, lang: str | None) -> Receipt | None:
        """A recent post (or reply) of this account whose text is `text`, or None."""
        did = self.did()
        feed = self._call(
            lambda: self.client().get_author_feed(actor=did, limit=READ_BACK, filter="posts_with_replies")
        )
        wanted = normalized(text)
        for item in feed.feed:
            post = item.post
            record = post.record
            if normalized(str(getattr(record, "text", ""))) != wanted:
                continue
            if lang and (getattr(record, "langs", None) or [lang]) != [lang]:
                continue
            reply = getattr(record, "reply", None)
            return self.receipt(post.uri, post.cid, reply.root if reply is not None else None)
        return None

    def receipt(self, uri: str, cid: str, root: Any = None) -> Receipt:
        extra: dict[str, Any] = {"cid": cid}
        if root is not None:  # a reply: the ledger links it to the original post
            extra.update({"reply_to": str(root.uri), "root_cid": str(root.cid)})
        return Receipt(str(uri), web_url(self.handle, str(uri)), extra)

    def original(self, previous: Receipt) -> tuple[str, str]:
        """(uri, cid) of the post a change replies to: the first post of this delivery."""
        uri = str(previous.extra.get("reply_to") or previous.remote_id)
        cid = previous.extra.get("root_cid") if previous.extra.get("reply_to") else previous.extra.get("cid")
        rkey = uri.rsplit("/", 1)[-1]
        did = self.did()
        try:
            record = self._call(lambda: self._get_post(rkey, did))
        except LookupError:
            raise self.error(
                f"the original post {web_url(self.handle, uri)} is no longer on Bluesky (it was "
                "deleted there), so the corrected text cannot be posted as a reply to it. "
                "Post it by hand (`publisher preview` shows it), or delete this delivery "
                "from the ledger to post it anew",
                False,
            ) from None
        return uri, str(cid or record.cid)

    def _get_post(self, rkey: str, did: str) -> Any:
        from atproto_client.exceptions import BadRequestError

        try:
            return self.client().get_post(rkey, profile_identify=did)
        except BadRequestError as exc:
            if _xrpc(exc)[0] == "RecordNotFound":
                raise LookupError(rkey) from None
            raise

    # -- protocol ----------------------------------------------------------------------------
    def refuse_if_too_many_bytes(self, delivery: Delivery, text: str) -> None:
        size = len(text.encode())
        if size > MAX_BYTES:
            raise self.error(
                f"the post for update {delivery.update_id} is {size} bytes, over Bluesky's "
                f"limit of {MAX_BYTES}: shorten it (run `publisher check`); nothing was sent",
                False,
            )

    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        from atproto import models

        # A changed post is posted as a reply under the first one (no title, no next update).
        shown = delivery.payload["reply"] if previous is not None else delivery.payload
        text = str(shown["text"])
        self.refuse_if_too_long(delivery, text)
        self.refuse_if_too_many_bytes(delivery, text)
        by_hand = previous is not None and previous.remote_id.startswith(OUTBOX_PREFIX)
        if by_hand or self.token() is None or not self.handle:
            return self.to_outbox(delivery, text, previous)
        self.raise_if_blocked()
        lang = delivery.lang
        found = self.find(text, lang)  # posted before a crash, or by a run whose ledger was lost
        if found is not None:
            return replace(found, adopted=True)
        reply_to = None
        root: Any = None
        if previous is not None:
            uri, cid = self.original(previous)
            root = models.ComAtprotoRepoStrongRef.Main(uri=uri, cid=cid)
            reply_to = models.AppBskyFeedPost.ReplyRef(root=root, parent=root)
        facet_models = [
            models.AppBskyRichtextFacet.Main(
                index=models.AppBskyRichtextFacet.ByteSlice(
                    byte_start=f["index"]["byteStart"], byte_end=f["index"]["byteEnd"]
                ),
                features=[models.AppBskyRichtextFacet.Link(uri=f["features"][0]["uri"])],
            )
            for f in shown.get("facets", [])
        ]
        langs = list(delivery.payload.get("langs") or [])
        did = self.did()
        created = self._call(
            lambda: self.client().send_post(
                text, profile_identify=did, reply_to=reply_to, langs=langs, facets=facet_models or None
            )
        )
        return self.receipt(created.uri, created.cid, root)

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        if self.token() is None or not self.handle:
            return None  # outbox files are simply written again
        self.raise_if_blocked()
        # Either text may be the one in flight: the post, or its reply under the first post.
        for shown in (delivery.payload["text"], delivery.payload["reply"]["text"]):
            found = self.find(str(shown), delivery.lang)
            if found is not None:
                return found
        return None

    # -- errors ------------------------------------------------------------------------------
    def _fail(self, exc: Exception) -> DeliveryError:
        error = self.classify(exc)
        name = _xrpc(exc)[0]
        if type(exc).__name__ in ("RateLimitExceededError", "UnauthorizedError") or name in (
            "AccountTakedown",
            "AuthFactorTokenRequired",
        ):
            self.block(error)  # the account or the rate window, not this post
        return error

    def classify(self, exc: Exception) -> DeliveryError:
        from atproto_client.exceptions import (
            BadRequestError,
            InvokeTimeoutError,
            NetworkError,
            RateLimitExceededError,
            RequestErrorBase,
            UnauthorizedError,
        )

        where = self.service
        name, message = _xrpc(exc)
        said = f" ({name}: {message})" if message else f" ({name})" if name else ""
        if isinstance(exc, RateLimitExceededError):
            wait = exc.retry_after
            if wait is None and exc.reset_at is not None:
                wait = max(1.0, (exc.reset_at - datetime.now(UTC)).total_seconds())
            return self.error(
                f"{where} says too many requests (429{said}); will retry"
                + (f" in {wait:.0f} s" if wait else "")
                + ". Logins are limited to 30 per 5 minutes: the session is kept in the state "
                "directory so that publishing does not log in every time",
                True,
                wait,
            )
        if isinstance(exc, InvokeTimeoutError):
            return self.error(
                f"{where} did not answer in time; will retry (a post that did reach Bluesky is "
                "found in the author feed before posting again)",
                True,
            )
        if isinstance(exc, NetworkError) and exc.response is None:
            return self.error(
                f"could not reach {where} (connection lost); will retry (a post that did reach "
                "Bluesky is found in the author feed before posting again)",
                True,
            )
        status = exc.response.status_code if isinstance(exc, RequestErrorBase) and exc.response else None
        if isinstance(exc, UnauthorizedError) or name == "AuthenticationRequired":
            if name == "AuthFactorTokenRequired":
                return self.error(
                    f"{where} asks for an e-mail code{said}: that is the account password. Create "
                    "an app password (Settings → Privacy and security → App passwords) and put it "
                    f"in the environment variable {self.token_env}",
                    False,
                )
            return self.error(
                f"{where} refused the handle {self.handle} or its app password ({status}{said}). "
                "Check handle in [channels."
                f"{self.name}], create an app password (Settings → Privacy and security → App "
                f"passwords) and put it in the environment variable {self.token_env}",
                False,
            )
        if name == "AccountTakedown":
            return self.error(
                f"{where} says the account {self.handle} is suspended{said}: contact Bluesky "
                "moderation, and post by hand elsewhere meanwhile",
                False,
            )
        if isinstance(exc, BadRequestError):
            if name == "RecordNotFound":
                return self.error(f"{where} has no such record{said}", False)
            return self.error(
                f"{where} refused the post (400{said}): fix the update's text (run `publisher check`)",
                False,
            )
        if status is not None and (status >= 500 or status in (408, 409, 413)):
            return self.error(f"{where} answered {status}{said}; will retry", True)
        if isinstance(exc, RequestErrorBase):
            return self.error(f"{where} answered {status}{said}", status is None)
        return self.error(f"unexpected answer from {where}: {type(exc).__name__}: {exc}", True)


def _xrpc(exc: Exception) -> tuple[str, str]:
    """(error name, message) of an XRPC error answer, or ("", "")."""
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    name = getattr(content, "error", None)
    message = getattr(content, "message", None)
    if isinstance(content, dict):
        name, message = content.get("error"), content.get("message")
    return (str(name) if name else "", str(message) if message else "")
