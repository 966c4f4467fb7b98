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

import dataclasses
import json
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from publisher import drill, socialtext
from publisher.channels.base import Delivery, DeliveryError, PublishContext, Receipt
from publisher.channels.social import (
    COMMON_OPTIONS,
    OUTBOX_PREFIX,
    Composed,
    Planned,
    SocialChannel,
    normalized,
    tidy,
)
from publisher.cli_text import Text
from publisher.errors import Diagnostic
from publisher.localize import IncidentView, UpdateView
from publisher.model import Update
from publisher.options import Option, env_name, http_url

MAX_GRAPHEMES = 300  # app.bsky.feed.post: text maxGraphemes
MAX_BYTES = 3000  # and maxLength, in UTF-8 bytes
DEFAULT_SERVICE = "https://bsky.social"
READ_BACK = 100  # recent posts (and replies) compared when looking a post up again: one page
SHORT_PATH = 15  # a link's path longer than this is shown cut to 13 characters and "…"
# Essentials a thread moves from its first post to the replies, in this order, while the first
# post does not fit: whom to call first (the longest), then what to do.
MOVABLE = ("contacts", "what_to_do")
POST = "app.bsky.feed.post"
T = TypeVar("T")
HANDLE = re.compile(r"did:[a-z]+:\S+|[A-Za-z0-9-]+(\.[A-Za-z0-9-]+)+")


def short_label(url: str) -> str:
    """A link as Bluesky's app shows it: the host, and a path of more than 15 characters cut
    to its first 13 and "…" (the app's own rule when a post is written); the link facet
    carries the whole URL, so the reader's tap goes to the page."""
    parts = urlsplit(url)
    path = "" if parts.path == "/" else parts.path
    path += (f"?{parts.query}" if parts.query else "") + (f"#{parts.fragment}" if parts.fragment else "")
    if len(path) > SHORT_PATH:
        return parts.netloc + path[:13] + socialtext.ELLIPSIS
    return parts.netloc + path


def display(text: str) -> tuple[str, list[dict[str, Any]]]:
    """The text as posted, and its link facets.

    Each URL is shown as Bluesky's own app shows links (:func:`short_label`: the status
    page's address takes 38 graphemes instead of 90, out of 300) and made clickable by a link
    facet carrying the full URL, its range counted in UTF-8 bytes of the shown text. Lengths
    are counted on the shown text, as the PDS counts them.
    """
    shown: list[str] = []
    found: list[dict[str, Any]] = []
    last = 0
    size = 0  # bytes of the shown text so far
    for start, end in socialtext.urls(text):
        before = text[last:start]
        url = text[start:end]
        label = short_label(url)
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


def link_uris(facets: Sequence[Any]) -> list[str]:
    """The URLs the link facets of a post point to (JSON as planned, or the SDK's models)."""
    out = []
    for facet in facets or []:
        features = facet.get("features", []) if isinstance(facet, dict) else getattr(facet, "features", [])
        for feature in features or []:
            uri = feature.get("uri") if isinstance(feature, dict) else getattr(feature, "uri", None)
            if uri:
                out.append(str(uri))
    return out


@dataclass(frozen=True)
class Thread:
    """One update in one language as Bluesky receives it: the first post and, when the
    essentials do not all fit in 300 graphemes, the replies under it that carry the rest."""

    first: Composed  # status, title, as much body as fits, the link (what to do if it fits)
    first_as_reply: Composed  # the first post's text posted under the original (a change)
    rest: tuple[Composed, ...]  # replies 2, 3...: what to do and whom to call, never cut
    moved: frozenset[str]  # which essentials the replies carry ("contacts", "what_to_do")

    @property
    def parts(self) -> int:
        return 1 + len(self.rest)


@dataclass(frozen=True)
class Part:
    planned: Planned
    as_reply: Composed  # its text when it replaces an earlier version (a reply)
    number: int  # 1 for the first post of the thread
    thread: Thread


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
        # (update id, lang) -> (uri, cid) of the first post of its thread, made or found
        self._firsts: dict[tuple[str | None, str | None], tuple[str, str]] = {}

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
        return [p.planned for p in self._plan(ctx)]

    def thread(self, iv: IncidentView, view: UpdateView, retracted_by: Update | None = None) -> Thread:
        """The post, and the replies that carry the essentials it cannot hold.

        One post when everything fits (the shared fitting, :func:`socialtext.fit`, as on
        every network). Otherwise whom to call, then what to do, move to replies under the
        first post: of those splits, the one whose first post carries the most of the
        statement (what to do stays in the first post only when it costs none of the
        statement's words). Nothing essential is left out and no line is cut: the replies
        hold whole lines, packed in reading order."""
        has = {"contacts": bool(self.project.contacts(view.lang)), "what_to_do": bool(iv.what_to_do)}
        steps = [frozenset[str]()]
        for essential in MOVABLE:
            if has[essential]:
                steps.append(steps[-1] | {essential})
        tried: list[tuple[Composed, Composed, frozenset[str]]] = []
        for leave_out in steps:
            first = self.compose(iv, view, retracted_by, leave_out=leave_out)
            as_reply = self.compose(iv, view, retracted_by, reply=True, leave_out=leave_out)
            tried.append((first, as_reply, leave_out))
            if not leave_out and not first.too_long and not as_reply.too_long:
                break  # one post holds it all
        fitting = [t for t in tried if not t[0].too_long and not t[1].too_long]
        # max() keeps the first of equals: the fewest essentials moved
        first, as_reply, leave_out = max(fitting, key=lambda t: t[0].kept) if fitting else tried[-1]
        return Thread(first, as_reply, self.replies(iv, view, leave_out), leave_out)

    def replies(self, iv: IncidentView, view: UpdateView, moved: frozenset[str]) -> tuple[Composed, ...]:
        """The essentials the first post leaves out, whole lines packed into replies."""
        items: list[tuple[str, str]] = []
        if "what_to_do" in moved:
            items += [("what_to_do", line) for line in self.what_to_do(iv)]
        if "contacts" in moved:
            items.append(("contacts", ""))
        packed: list[list[tuple[str, str]]] = []
        for item in items:
            if packed and not self._reply(view, [*packed[-1], item]).too_long:
                packed[-1].append(item)
            else:
                packed.append([item])  # alone over the limit: `check` names that line
        return tuple(self._reply(view, group) for group in packed)

    def _reply(self, view: UpdateView, items: Sequence[tuple[str, str]]) -> Composed:
        lang = view.lang
        contacts = self.project.contacts(lang) if any(k == "contacts" for k, _ in items) else []
        text = tidy(
            self.renderer().render(
                "social/thread.txt",
                lang,
                "social",
                what_to_do=[line for k, line in items if k == "what_to_do"],
                contacts=contacts,
            )
        )
        text = (drill.POST_PREFIX if self.project.drill else "") + text
        return Composed(text, self.measure(text), self.limit(), False)

    def _plan(self, ctx: PublishContext) -> list[Part]:
        """Each part of each thread, first posts first in each update and language."""
        retracted = self.retractions(ctx)
        out: list[Part] = []
        for update, views in self.updates(ctx):
            by = retracted.get(update.id)
            for lang in self.languages(update, views, self.project):
                thread = self.thread(*views[lang], retracted_by=by)
                composed = thread.first
                shown, links = display(composed.text)
                reply_shown, reply_links = display(thread.first_as_reply.text)
                payload: dict[str, Any] = {
                    "text": shown,
                    "langs": [lang],
                    "facets": links,
                    "reply": {"text": reply_shown, "facets": reply_links},
                }
                what = "withdrawn notice" if by else "post"
                cut = " (shortened)" if composed.shortened else ""
                of = f", 1/{thread.parts} of a thread" if thread.parts > 1 else ""
                key = f"post:{update.id}:{lang}"
                delivery = Delivery(
                    self.name,
                    key,
                    Delivery.hash_payload(payload),
                    payload,
                    update.id,
                    lang,
                    f"Bluesky {what} for {update.id} ({lang}){cut}{of}",
                )
                out.append(
                    Part(Planned(delivery, update, composed, views[lang]), thread.first_as_reply, 1, thread)
                )
                for number, part in enumerate(thread.rest, start=2):
                    shown, links = display(part.text)
                    payload = {
                        "text": shown,
                        "langs": [lang],
                        "facets": links,
                        "reply": {"text": shown, "facets": links},
                        # the first post is found by its link: the update's page
                        "thread": {"part": number, "first": self.page_url(lang, update)},
                    }
                    delivery = Delivery(
                        self.name,
                        f"{key}:{number}",
                        Delivery.hash_payload(payload),
                        payload,
                        update.id,
                        lang,
                        f"Bluesky reply {number}/{thread.parts} for {update.id} ({lang}): "
                        "what to do, whom to call",
                    )
                    out.append(Part(Planned(delivery, update, part, views[lang]), part, number, thread))
        return out

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        found = super().check(ctx)
        for p in self._plan(ctx):
            planned = p.planned
            update, lang = planned.update, planned.delivery.lang
            if p.as_reply.too_long and not planned.composed.too_long:
                again = Planned(planned.delivery, planned.update, p.as_reply, planned.views)
                found.append(self.too_long_diagnostic(again, planned.views))
            if p.number == 1 and p.thread.parts > 1:
                parts = tuple(m for m in MOVABLE if m in p.thread.moved)
                moved = (
                    Text("whom to call ([contacts]) and what to do")
                    if len(parts) > 1
                    else Text("whom to call ([contacts])")
                    if parts == ("contacts",)
                    else Text("what to do")
                )
                found.append(
                    Diagnostic(
                        update.path,
                        update.body_line,
                        Text(
                            "{name}: update {update} ({lang}) will be a thread of {parts} posts: {moved} "
                            "in the replies under the first (one post is at most {limit} characters)",
                            name=self.name,
                            update=update.id,
                            lang=lang,
                            parts=p.thread.parts,
                            moved=moved,
                            limit=self.limit(),
                        ),
                        severity="note",
                    )
                )
            for shown in (
                str(planned.delivery.payload["text"]),
                str(planned.delivery.payload["reply"]["text"]),
            ):
                size = len(shown.encode())
                if size > MAX_BYTES:
                    found.append(
                        Diagnostic(
                            update.path,
                            update.body_line,
                            Text(
                                "{name}: the post for update {update} ({lang}) is {size} bytes, over "
                                "Bluesky's limit of {limit}",
                                name=self.name,
                                update=update.id,
                                lang=lang,
                                size=size,
                                limit=MAX_BYTES,
                            ),
                            Text("shorten the text (emoji and accented letters take several bytes each)"),
                        )
                    )
                    break
        return found

    def too_long_diagnostic(
        self, p: Planned, views: tuple[IncidentView, UpdateView] | None = None
    ) -> Diagnostic:
        found = super().too_long_diagnostic(p, views)
        number = part_of(p.delivery)
        if number == 1:
            return found
        # A reply of a thread holds whole lines: one line alone is longer than a post.
        return dataclasses.replace(
            found,
            message=found.message.replace(
                "the post for update", f"reply {number} of the thread for update", 1
            ),
            hint=found.hint.replace(
                "every post keeps it, and the body has already been left to the website",
                "a thread never cuts a line, and this one alone is longer than a post",
            ),
        )

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
    def _feed(self) -> list[Any]:
        did = self.did()
        feed = self._call(
            lambda: self.client().get_author_feed(actor=did, limit=READ_BACK, filter="posts_with_replies")
        )
        return [item.post for item in feed.feed]

    def find(
        self, text: str, lang: str | None, links: Sequence[str] | None = None, under: str | None = None
    ) -> Receipt | None:
        """A recent post (or reply) of this account whose text is `text`, or None.

        `links`: the URLs its link facets must point to (a shortened link shows the same text
        for two updates' pages); `under`: the first post of the thread it must reply to (the
        replies that carry whom to call read the same under every update)."""
        wanted = normalized(text)
        for post in self._feed():
            record = post.record
            if normalized(str(getattr(record, "text", ""))) != wanted:
                continue
            if lang and (getattr(record, "langs", None) or [lang]) != [lang]:
                continue
            if links is not None and link_uris(getattr(record, "facets", None) or []) != list(links):
                continue
            reply = getattr(record, "reply", None)
            if under is not None and (reply is None or str(reply.root.uri) != under):
                continue
            return self.receipt(post.uri, post.cid, reply.root if reply is not None else None)
        return None

    def first_post(self, delivery: Delivery) -> tuple[str, str]:
        """(uri, cid) of the first post of the thread a reply part belongs to: made or found in
        this pass, else the account's top-level post linking the update's page in its language."""
        known = self._firsts.get((delivery.update_id, delivery.lang))
        if known is not None:
            return known
        page = str(delivery.payload["thread"]["first"])
        for post in self._feed():
            record = post.record
            if getattr(record, "reply", None) is not None:
                continue
            if delivery.lang and (getattr(record, "langs", None) or []) != [delivery.lang]:
                continue
            if page in link_uris(getattr(record, "facets", None) or []):
                self._firsts[(delivery.update_id, delivery.lang)] = (str(post.uri), str(post.cid))
                return str(post.uri), str(post.cid)
        raise self.error(
            f"the first post of the thread for update {delivery.update_id} ({delivery.lang}) is not "
            "on Bluesky (yet): this reply, which carries what to do and whom to call, waits for "
            "it; will retry",
            True,
        )

    def _remember(self, delivery: Delivery, receipt: Receipt) -> None:
        """A first post made or found: its thread's replies go under it in this pass (the
        author feed may show it only seconds later)."""
        if part_of(delivery) != 1:
            return
        if receipt.extra.get("reply_to"):  # a change, posted under the original
            first = (str(receipt.extra["reply_to"]), str(receipt.extra.get("root_cid", "")))
        else:
            first = (receipt.remote_id, str(receipt.extra.get("cid", "")))
        self._firsts[(delivery.update_id, delivery.lang)] = first

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

        part = part_of(delivery)
        # A changed post is posted as a reply under the first one (no title, no next update).
        shown = delivery.payload["reply"] if previous is not None else delivery.payload
        text = str(shown["text"])
        self.refuse_if_too_long(delivery, text)
        self.refuse_if_too_many_bytes(delivery, text)
        by_hand = previous is not None and previous.remote_id.startswith(OUTBOX_PREFIX)
        if by_hand or self.token() is None or not self.handle:
            return self.to_outbox(delivery, text, previous, part)
        self.raise_if_blocked()
        lang = delivery.lang
        links = link_uris(shown.get("facets", []))
        root: Any = None
        if part > 1:  # a reply of a thread: under its first post, found before anything else
            uri, cid = self.original(previous) if previous is not None else self.first_post(delivery)
            root = models.ComAtprotoRepoStrongRef.Main(uri=uri, cid=cid)
        # posted before a crash, or by a run whose ledger was lost
        found = self.find(text, lang, links, under=root.uri if root is not None else None)
        if found is not None:
            self._remember(delivery, found)
            return replace(found, adopted=True)
        if previous is not None and root is None:
            uri, cid = self.original(previous)
            root = models.ComAtprotoRepoStrongRef.Main(uri=uri, cid=cid)
        reply_to = models.AppBskyFeedPost.ReplyRef(root=root, parent=root) if root is not None else None
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
        receipt = self.receipt(created.uri, created.cid, root)
        self._remember(delivery, receipt)
        return receipt

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        if self.token() is None or not self.handle:
            return None  # outbox files are simply written again
        self.raise_if_blocked()
        under = None
        if part_of(delivery) > 1:
            try:
                under = self.first_post(delivery)[0]
            except DeliveryError:
                return None  # no first post, so no reply under it either: it will be sent
        # Either text may be the one in flight: the post, or its reply under the first post.
        for shown in (delivery.payload, delivery.payload["reply"]):
            links = link_uris(shown.get("facets", []))
            found = self.find(str(shown["text"]), delivery.lang, links, under)
            if found is not None:
                self._remember(delivery, found)
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


def part_of(delivery: Delivery) -> int:
    """1 for a thread's first post (and a post that needs no thread), 2, 3... for its replies."""
    thread = delivery.payload.get("thread")
    return int(thread["part"]) if isinstance(thread, Mapping) else 1


def _xrpc(exc: Exception) -> tuple[str, str]:
    """(error name, message) of an XRPC error answer, or ("", "")."""
    response = getattr(exc, "response", None)
    content = getattr(response, "content", None)
    name = getattr(content, "error", None)
    message = getattr(content, "message", None)
    if isinstance(content, dict):
        name, message = content.get("error"), content.get("message")
    return (str(name) if name else "", str(message) if message else "")
