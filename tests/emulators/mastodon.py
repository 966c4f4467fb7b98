"""Mastodon API emulator (statuses), after channel-apis.md §2.

Bodies are accepted form-encoded or JSON. Rate limits are counted in fixed windows on the
emulator's clock and reported in X-RateLimit-* headers on every API answer, as rack-attack does.
Route names for inject(): statuses.create, statuses.update, statuses.delete, statuses.get,
statuses.history, accounts.verify_credentials, accounts.statuses, instance.
"""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlencode

from .base import Clock, Emulator, HttpFault, RecordedRequest, Response

ERRORS: dict[int, str] = {
    401: "The access token is invalid",
    403: "This action is outside the authorized scopes",  # [assume] text
    404: "Record not found",
    422: "Validation failed: Text character limit of 500 exceeded",
    429: "Too many requests",
    500: "We're sorry, but something went wrong on our end.",  # [assume] text
    503: "There was a temporary problem serving your request, please try again",
}
DISABLED = "Your login is currently disabled"
VISIBILITIES = ("public", "unlisted", "private", "direct")

_URL = re.compile(r"https?://[^\s<>\"]+")
_TRAILING = ".,;:!?)'\""
# Mastodon counts a remote mention @user@domain as @user (StatusLengthValidator).
_MENTION = re.compile(r"(^|[^/\w])@(([a-z0-9_]+)@[a-z0-9.\-]+[a-z0-9]+)", re.IGNORECASE)


def masto_error(status: int, error: str | None = None, headers: dict[str, str] | None = None) -> HttpFault:
    """A fault answering `{"error": ...}` with the §2 table's text for `status`. For 429 the
    emulator adds X-RateLimit-Remaining: 0 and the window's reset itself."""
    return HttpFault(status, {"error": error or ERRORS.get(status, "Error")}, dict(headers or {}))


def _urls(text: str) -> list[tuple[int, int]]:
    spans = []
    for m in _URL.finditer(text):
        end = m.end()
        while end > m.start() and text[end - 1] in _TRAILING:
            end -= 1
        spans.append((m.start(), end))
    return spans


def grapheme_len(text: str) -> int:
    """Approximate grapheme-cluster count without the `grapheme` package: combining marks,
    variation selectors, skin-tone modifiers and ZWJ-joined emoji do not start a cluster, and a
    pair of regional indicators (a flag) is one."""
    count, prev_zwj, pending_ri = 0, False, False
    for ch in text:
        cp = ord(ch)
        if ch == "\u200d":
            prev_zwj = True
            continue
        ri = 0x1F1E6 <= cp <= 0x1F1FF
        if (
            prev_zwj
            or unicodedata.combining(ch)
            or unicodedata.category(ch) in ("Mn", "Me")
            or 0xFE00 <= cp <= 0xFE0F
            or 0x1F3FB <= cp <= 0x1F3FF
            or (ri and pending_ri)
        ):
            prev_zwj = False
            pending_ri = False
            continue
        pending_ri = ri
        count += 1
    return count


def status_length(text: str, spoiler_text: str = "", url_length: int = 23) -> int:
    """Length the server checks: every URL counts `url_length`, @user@domain counts @user."""
    out, last = [], 0
    for start, end in _urls(text):
        out.append(text[last:start] + "x" * url_length)
        last = end
    out.append(text[last:])
    countable = _MENTION.sub(r"\1@\3", "".join(out))
    return grapheme_len(countable) + grapheme_len(spoiler_text)


def render_html(text: str) -> str:
    """Status text as Mastodon renders `content`: paragraphs, <br />, linkified URLs."""
    paras = []
    for para in re.split(r"\n\s*\n", text.strip()):
        parts, last = [], 0
        for start, end in _urls(para):
            url = para[start:end]
            scheme, _, rest = url.partition("://")
            shown, hidden = (rest[:30], rest[30:]) if len(rest) > 30 else (rest, "")
            parts.append(html.escape(para[last:start], quote=False))
            parts.append(
                f'<a href="{html.escape(url)}" target="_blank" rel="nofollow noopener" '
                f'translate="no"><span class="invisible">{scheme}://</span>'
                f'<span class="{"ellipsis" if hidden else ""}">{html.escape(shown)}</span>'
                f'<span class="invisible">{html.escape(hidden)}</span></a>'
            )
            last = end
        parts.append(html.escape(para[last:], quote=False))
        paras.append("<p>" + "".join(parts).replace("\n", "<br />") + "</p>")
    return "".join(paras)


def _iso(dt: datetime | None) -> str | None:
    return None if dt is None else dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"


def _bool(value: Any) -> bool:
    return str(value).lower() in ("1", "true", "on", "yes")


@dataclass
class MastodonAccount:
    id: str
    username: str
    display_name: str
    created_at: datetime
    default_language: str | None = None
    disabled: bool = False


@dataclass
class MastodonStatus:
    id: str
    account_id: str
    text: str
    spoiler_text: str
    visibility: str
    language: str | None
    sensitive: bool
    created_at: datetime
    in_reply_to_id: str | None = None
    edited_at: datetime | None = None
    deleted: bool = False
    idempotency_key: str | None = None
    history: list[dict[str, Any]] = field(default_factory=list)  # earlier versions, oldest first


class MastodonEmulator(Emulator):
    """One instance with one account ("ops", id "1", token `token`) to start with; more via
    add_account(). rate_limit / delete_limit are (requests, window seconds)."""

    def __init__(
        self,
        *,
        token: str = "MASTODON_TOKEN",
        username: str = "ops",
        domain: str = "emu.test",
        max_characters: int = 500,
        characters_reserved_per_url: int = 23,
        idempotency_ttl: float = 3600,
        rate_limit: tuple[int, int] = (300, 300),
        delete_limit: tuple[int, int] = (30, 1800),
        clock: Clock | None = None,
    ) -> None:
        self._first = (token, username)
        self.domain = domain
        self.max_characters = max_characters
        self.characters_reserved_per_url = characters_reserved_per_url
        self.idempotency_ttl = idempotency_ttl
        self.rate_limit, self.delete_limit = rate_limit, delete_limit
        super().__init__(clock=clock)
        sid = r"/api/v1/statuses/(?P<id>\d+)"
        self.add_route("statuses.create", "POST", r"/api/v1/statuses", self._create)
        self.add_route("statuses.update", "PUT", sid, self._update)
        self.add_route("statuses.delete", "DELETE", sid, self._delete)
        self.add_route("statuses.get", "GET", sid, self._get)
        self.add_route("statuses.history", "GET", sid + "/history", self._history)
        self.add_route(
            "accounts.verify_credentials", "GET", r"/api/v1/accounts/verify_credentials", self._verify
        )
        self.add_route(
            "accounts.statuses", "GET", r"/api/v1/accounts/(?P<id>\d+)/statuses", self._account_statuses
        )
        self.add_route("instance", "GET", r"/api/v2/instance", self._instance)

    def _reset_state(self) -> None:
        self.accounts: dict[str, MastodonAccount] = {}
        self.tokens: dict[str, tuple[str, frozenset[str]]] = {}
        self._statuses: dict[str, MastodonStatus] = {}
        self.scheduled: list[dict[str, Any]] = []
        self._idem: dict[tuple[str, str], tuple[str, float]] = {}
        self._hits: dict[tuple[str, str, int], int] = {}
        self._seq = 0
        self.add_account(self._first[1], self._first[0])

    # -- test helpers ----------------------------------------------------------------------
    def add_account(
        self,
        username: str,
        token: str,
        *,
        display_name: str | None = None,
        scopes: tuple[str, ...] = ("read", "write"),
        default_language: str | None = None,
    ) -> MastodonAccount:
        acc = MastodonAccount(
            str(len(self.accounts) + 1),
            username,
            display_name or username.capitalize(),
            self.clock.now() - timedelta(days=400),
            default_language,
        )
        self.accounts[acc.id] = acc
        self.tokens[token] = (acc.id, frozenset(scopes))
        return acc

    def add_token(
        self, token: str, account_id: str = "1", scopes: tuple[str, ...] = ("read", "write")
    ) -> None:
        self.tokens[token] = (account_id, frozenset(scopes))

    @property
    def statuses(self) -> list[MastodonStatus]:
        """Live statuses, oldest first."""
        with self._lock:
            return [s for s in self._statuses.values() if not s.deleted]

    @property
    def all_statuses(self) -> list[MastodonStatus]:
        with self._lock:
            return list(self._statuses.values())

    def get_status(self, status_id: str) -> MastodonStatus | None:
        return self._statuses.get(status_id)

    # -- hooks -----------------------------------------------------------------------------
    def route_path(self, req: RecordedRequest) -> str:
        return req.path.rstrip("/") or "/"  # Rails ignores a trailing slash; Mastodon.py sends one

    def not_found(self, req: RecordedRequest) -> Response:
        return self._error(404)

    def _bucket(self, req: RecordedRequest) -> tuple[str, str, tuple[int, int]]:
        token = self._token(req)
        if req.route == "statuses.delete" and token in self.tokens:
            return "delete", self.tokens[token][0], self.delete_limit
        return "api", token or "ip", self.rate_limit

    def _window(self, limit: tuple[int, int]) -> tuple[int, datetime]:
        now = self.clock.time()
        start = int(now // limit[1]) * limit[1]
        return start, datetime.fromtimestamp(start + limit[1], UTC)

    def precheck(self, req: RecordedRequest) -> Response | None:
        name, key, limit = self._bucket(req)
        start, _ = self._window(limit)
        hits = self._hits.get((name, key, start), 0) + 1
        self._hits[(name, key, start)] = hits
        req.extra["ratelimit_used"] = hits
        if hits > limit[0]:
            return self._error(429)
        return None

    def finalize(self, req: RecordedRequest, resp: Response) -> None:
        name, key, limit = self._bucket(req)
        start, reset = self._window(limit)
        used = req.extra.get("ratelimit_used", self._hits.get((name, key, start), 0))
        remaining = 0 if resp.status == 429 else max(0, limit[0] - used)
        resp.headers.setdefault("X-RateLimit-Limit", str(limit[0]))
        resp.headers["X-RateLimit-Remaining"] = str(remaining)
        resp.headers.setdefault("X-RateLimit-Reset", reset.strftime("%Y-%m-%dT%H:%M:%S.%fZ"))

    # -- helpers ---------------------------------------------------------------------------
    def _error(self, status: int, error: str | None = None) -> Response:
        return Response(status, {"error": error or ERRORS.get(status, "Error")})

    def _token(self, req: RecordedRequest) -> str | None:
        scheme, _, value = (req.header("Authorization") or "").partition(" ")
        if scheme.lower() == "bearer" and value.strip():
            return value.strip()
        token = req.query.get("access_token")
        return str(token) if token else None

    def _auth(self, req: RecordedRequest, scope: str | None) -> MastodonAccount | Response | None:
        """The caller's account; None if anonymous and scope is None (public endpoint)."""
        token = self._token(req)
        if token is None:
            return None if scope is None else self._error(401)
        if token not in self.tokens:
            return self._error(401)  # an invalid token is refused even on public endpoints
        account_id, scopes = self.tokens[token]
        if scope is not None and not scopes & {scope.split(":")[0], scope}:
            return self._error(403)
        account = self.accounts[account_id]
        if account.disabled:
            return self._error(403, DISABLED)
        return account

    def _next_id(self) -> str:
        # Snowflake-like ids (ms << 16 | sequence) so they sort by time like Mastodon's.
        self._seq += 1
        return str((int(self.clock.time() * 1000) << 16) | (self._seq & 0xFFFF))

    def _validate(self, text: str, spoiler: str, has_media: bool) -> Response | None:
        if not text.strip() and not has_media:
            return self._error(422, "Validation failed: Text can't be blank")
        if status_length(text, spoiler, self.characters_reserved_per_url) > self.max_characters:
            return self._error(
                422, f"Validation failed: Text character limit of {self.max_characters} exceeded"
            )
        return None

    def account_json(self, acc: MastodonAccount) -> dict[str, Any]:
        count = sum(1 for s in self._statuses.values() if s.account_id == acc.id and not s.deleted)
        url = f"https://{self.domain}/@{acc.username}"
        return {
            "id": acc.id,
            "username": acc.username,
            "acct": acc.username,
            "display_name": acc.display_name,
            "locked": False,
            "bot": True,
            "discoverable": True,
            "indexable": False,
            "group": False,
            "created_at": _iso(acc.created_at.replace(hour=0, minute=0, second=0, microsecond=0)),
            "note": "",
            "url": url,
            "uri": f"https://{self.domain}/users/{acc.username}",
            "avatar": f"https://{self.domain}/avatars/original/missing.png",
            "avatar_static": f"https://{self.domain}/avatars/original/missing.png",
            "header": f"https://{self.domain}/headers/original/missing.png",
            "header_static": f"https://{self.domain}/headers/original/missing.png",
            "followers_count": 0,
            "following_count": 0,
            "statuses_count": count,
            "last_status_at": None,
            "hide_collections": None,
            "noindex": False,
            "emojis": [],
            "roles": [],
            "fields": [],
        }

    def status_json(self, st: MastodonStatus) -> dict[str, Any]:
        acc = self.accounts[st.account_id]
        return {
            "id": st.id,
            "created_at": _iso(st.created_at),
            "edited_at": _iso(st.edited_at),
            "in_reply_to_id": st.in_reply_to_id,
            "in_reply_to_account_id": (
                self._statuses[st.in_reply_to_id].account_id if st.in_reply_to_id else None
            ),
            "sensitive": st.sensitive,
            "spoiler_text": st.spoiler_text,
            "visibility": st.visibility,
            "language": st.language,
            "uri": f"https://{self.domain}/users/{acc.username}/statuses/{st.id}",
            "url": f"https://{self.domain}/@{acc.username}/{st.id}",
            "replies_count": 0,
            "reblogs_count": 0,
            "favourites_count": 0,
            "quotes_count": 0,
            "favourited": False,
            "reblogged": False,
            "muted": False,
            "bookmarked": False,
            "pinned": False,
            "content": render_html(st.text),
            "filtered": [],
            "reblog": None,
            "application": {"name": "publisher", "website": None},
            "account": self.account_json(acc),
            "media_attachments": [],
            "mentions": [],
            "tags": [],
            "emojis": [],
            "card": None,
            "poll": None,
            "quote": None,
        }

    def _visible(self, st: MastodonStatus | None, viewer: MastodonAccount | None) -> bool:
        if st is None or st.deleted:
            return False
        return st.visibility in ("public", "unlisted") or (viewer is not None and viewer.id == st.account_id)

    def _snapshot(self, st: MastodonStatus, at: datetime) -> dict[str, Any]:
        return {
            "content": render_html(st.text),
            "spoiler_text": st.spoiler_text,
            "sensitive": st.sensitive,
            "created_at": _iso(at),
            "account": self.account_json(self.accounts[st.account_id]),
            "media_attachments": [],
            "emojis": [],
            "poll": None,
        }

    # -- handlers --------------------------------------------------------------------------
    def _create(self, req: RecordedRequest, m: Any) -> Response:
        acc = self._auth(req, "write:statuses")
        if not isinstance(acc, MastodonAccount):
            return acc or self._error(401)
        if req.json_error:
            return self._error(400, "Error while parsing request body")  # [assume] text
        now = self.clock.time()
        key = req.header("Idempotency-Key")
        if key:
            # Scoped per account, kept `idempotency_ttl` seconds; a repeat returns the original
            # even if the body differs. Mastodon looks the original up with find(), so a deleted
            # one gives 404.
            hit = self._idem.get((acc.id, key))
            if hit and now - hit[1] < self.idempotency_ttl:
                for sched in self.scheduled:
                    if sched["id"] == hit[0]:
                        return Response(200, sched)
                st = self._statuses.get(hit[0])
                return Response(200, self.status_json(st)) if st and not st.deleted else self._error(404)
        text = str(req.param("status") or "")
        spoiler = str(req.param("spoiler_text") or "")
        media = req.param("media_ids[]") or req.param("media_ids")
        if err := self._validate(text, spoiler, bool(media)):
            return err
        visibility = str(req.param("visibility") or "public")
        if visibility not in VISIBILITIES:
            return self._error(422, "Validation failed: Visibility is not included in the list")
        reply_to = req.param("in_reply_to_id")
        if reply_to is not None and str(reply_to) not in self._statuses:
            return self._error(404)
        language = req.param("language") or acc.default_language
        if req.param("scheduled_at"):
            return self._schedule(req, acc, key, now)
        st = MastodonStatus(
            self._next_id(),
            acc.id,
            text,
            spoiler,
            visibility,
            str(language) if language else None,
            _bool(req.param("sensitive", False)),
            self.clock.now(),
            str(reply_to) if reply_to is not None else None,
            idempotency_key=key,
        )
        self._statuses[st.id] = st
        if key:
            self._idem[(acc.id, key)] = (st.id, now)
        return Response(200, self.status_json(st))

    def _schedule(self, req: RecordedRequest, acc: MastodonAccount, key: str | None, now: float) -> Response:
        try:
            when = datetime.fromisoformat(str(req.param("scheduled_at")).replace("Z", "+00:00"))
        except ValueError:
            return self._error(422, "Validation failed: Scheduled at is invalid")  # [assume]
        if when.tzinfo is None:
            when = when.replace(tzinfo=UTC)
        if when.timestamp() < now + 300:
            return self._error(
                422, "Validation failed: Scheduled at The scheduled date must be in the future"
            )
        params = {
            k: req.param(k)
            for k in ("text", "visibility", "language", "spoiler_text", "sensitive", "in_reply_to_id")
        }
        params["text"] = req.param("status")
        sched = {
            "id": self._next_id(),
            "scheduled_at": _iso(when),
            "params": {
                **params,
                "idempotency": key,
                "with_rate_limit": False,
                "media_ids": None,
                "poll": None,
                "application_id": 1,
            },
            "media_attachments": [],
        }
        self.scheduled.append(sched)
        if key:
            self._idem[(acc.id, key)] = (sched["id"], now)
        return Response(200, sched)

    def _own(self, req: RecordedRequest, m: Any) -> MastodonStatus | Response:
        acc = self._auth(req, "write:statuses")
        if not isinstance(acc, MastodonAccount):
            return acc or self._error(401)
        st = self._statuses.get(m["id"])
        if st is None or st.deleted or st.account_id != acc.id:
            return self._error(404)
        return st

    def _update(self, req: RecordedRequest, m: Any) -> Response:
        st = self._own(req, m)
        if isinstance(st, Response):
            return st
        text = str(req.param("status", st.text) or "")
        spoiler = str(req.param("spoiler_text", st.spoiler_text) or "")
        if err := self._validate(text, spoiler, False):
            return err
        now = self.clock.now()
        if not st.history:  # the original is the first entry of /history
            st.history.append(self._snapshot(st, st.created_at))
        st.text, st.spoiler_text = text, spoiler
        if req.param("sensitive") is not None:
            st.sensitive = _bool(req.param("sensitive"))
        if req.param("language"):
            st.language = str(req.param("language"))
        st.edited_at = now
        st.history.append(self._snapshot(st, now))
        return Response(200, self.status_json(st))

    def _delete(self, req: RecordedRequest, m: Any) -> Response:
        st = self._own(req, m)
        if isinstance(st, Response):
            return st
        st.deleted = True
        # The answer carries the source text so a client can redraft.
        return Response(200, {**self.status_json(st), "text": st.text})

    def _get(self, req: RecordedRequest, m: Any) -> Response:
        viewer = self._auth(req, None)
        if isinstance(viewer, Response):
            return viewer
        st = self._statuses.get(m["id"])
        if st is None or not self._visible(st, viewer):
            return self._error(404)
        return Response(200, self.status_json(st))

    def _history(self, req: RecordedRequest, m: Any) -> Response:
        viewer = self._auth(req, None)
        if isinstance(viewer, Response):
            return viewer
        st = self._statuses.get(m["id"])
        if st is None or not self._visible(st, viewer):
            return self._error(404)
        return Response(200, st.history or [self._snapshot(st, st.created_at)])

    def _verify(self, req: RecordedRequest, m: Any) -> Response:
        acc = self._auth(req, "read:accounts")
        if not isinstance(acc, MastodonAccount):
            return acc or self._error(401)
        source = {
            "privacy": "public",
            "sensitive": False,
            "language": acc.default_language,
            "note": "",
            "fields": [],
            "follow_requests_count": 0,
            "hide_collections": False,
            "discoverable": True,
            "indexable": False,
        }
        return Response(200, {**self.account_json(acc), "source": source})

    def _account_statuses(self, req: RecordedRequest, m: Any) -> Response:
        viewer = self._auth(req, None)
        if isinstance(viewer, Response):
            return viewer
        if m["id"] not in self.accounts:
            return self._error(404)
        items = [s for s in self._statuses.values() if s.account_id == m["id"] and self._visible(s, viewer)]
        items.sort(key=lambda s: int(s.id), reverse=True)
        try:
            limit = max(1, min(int(req.param("limit", 20)), 40))
        except ValueError:
            limit = 20
        for name, keep in (
            ("max_id", lambda s, v: int(s.id) < v),
            ("since_id", lambda s, v: int(s.id) > v),
            ("min_id", lambda s, v: int(s.id) > v),
        ):
            if req.param(name):
                bound = int(req.param(name))
                items = [s for s in items if keep(s, bound)]
        # min_id pages forward: the `limit` statuses just above it, still newest first.
        page = items[-limit:] if req.param("min_id") else items[:limit]
        headers = {}
        if page:
            base = f"{self.base_url}/api/v1/accounts/{m['id']}/statuses?"
            older = urlencode({"limit": limit, "max_id": page[-1].id})
            newer = urlencode({"limit": limit, "min_id": page[0].id})
            headers["Link"] = f'<{base}{older}>; rel="next", <{base}{newer}>; rel="prev"'
        return Response(200, [self.status_json(s) for s in page], headers)

    def _instance(self, req: RecordedRequest, m: Any) -> Response:
        conf = {
            "urls": {"streaming": f"wss://{self.domain}", "status": None, "about": None},
            "vapid": {"public_key": ""},
            "accounts": {"max_featured_tags": 10, "max_pinned_statuses": 5},
            "statuses": {
                "max_characters": self.max_characters,
                "max_media_attachments": 4,
                "characters_reserved_per_url": self.characters_reserved_per_url,
            },
            "media_attachments": {
                "supported_mime_types": ["image/jpeg", "image/png"],
                "image_size_limit": 16777216,
                "image_matrix_limit": 33177600,
                "video_size_limit": 103809024,
                "video_frame_rate_limit": 120,
                "video_matrix_limit": 8294400,
            },
            "polls": {
                "max_options": 4,
                "max_characters_per_option": 50,
                "min_expiration": 300,
                "max_expiration": 2629746,
            },
            "translation": {"enabled": False},
        }
        return Response(
            200,
            {
                "domain": self.domain,
                "title": "Emulated Mastodon",
                "version": "4.5.0",
                "source_url": "https://github.com/mastodon/mastodon",
                "description": "Loopback emulator for tests",
                "usage": {"users": {"active_month": len(self.accounts)}},
                "thumbnail": {"url": f"https://{self.domain}/thumbnail.png"},
                "icon": [],
                "languages": ["fr", "en"],
                "configuration": conf,
                "registrations": {"enabled": False, "approval_required": False, "message": None, "url": None},
                "api_versions": {"mastodon": 6},
                "contact": {"email": f"admin@{self.domain}", "account": None},
                "rules": [],
            },
        )
