"""Bluesky PDS emulator (the few XRPC endpoints publisher uses), after channel-apis.md §3.

Route names for inject(): session.create, session.refresh, record.create, record.get,
feed.author. Errors are XRPC bodies ``{"error": <Name>, "message": ...}`` with the §3 table's
statuses. JWTs are real three-part JWTs with an ``exp`` claim (the atproto SDK decodes them
to refresh 15 minutes early; the signature is not checked), timed on the real clock because
the SDK reads the real clock.

What it enforces, as the PDS does:

* createSession: the handle (or DID) and app password; 30 logins per 5 minutes and 300 per
  day per identifier, counted on the emulator's clock, answered 429 ``RateLimitExceeded``
  with ``RateLimit-Limit/-Remaining/-Reset/-Policy`` headers (reset in epoch seconds);
* every authenticated call: a Bearer access token it issued and that has not expired
  (``expire_sessions()`` ends them all server-side: 400 ``ExpiredToken``);
* refreshSession: a Bearer refresh token, used once (rotated);
* createRecord: ``app.bsky.feed.post`` records with ``text`` of at most 300 graphemes and
  3000 UTF-8 bytes, ``createdAt``, at most 3 ``langs``, facets whose byte ranges lie inside the
  text; a reply's parent and root must be posts it holds (a deleted original is refused);
  no client-chosen ``rkey`` for posts (the PDS refuses them);
* getAuthorFeed: the account's posts newest first, replies included unless
  ``filter=posts_no_replies``.
"""

from __future__ import annotations

import base64
import hashlib
import json
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from .base import Clock, Emulator, HttpFault, RecordedRequest, Response
from .mastodon import grapheme_len

POST = "app.bsky.feed.post"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"
LOGIN_WINDOW, LOGIN_PER_WINDOW, LOGIN_PER_DAY = 300, 30, 300
TEXT_GRAPHEMES, TEXT_BYTES = 300, 3000


def xrpc_error(
    status: int, error: str, message: str = "", headers: dict[str, str] | None = None
) -> HttpFault:
    """A fault answering an XRPC error body (for inject())."""
    body: dict[str, str] = {"error": error}
    if message:
        body["message"] = message
    return HttpFault(status, body, dict(headers or {}))


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt(claims: dict[str, Any]) -> str:
    header = _b64(json.dumps({"typ": "at+jwt", "alg": "ES256K"}).encode())
    return (
        f"{header}.{_b64(json.dumps(claims).encode())}.{_b64(hashlib.sha256(repr(claims).encode()).digest())}"
    )


def tid(micros: int, clock_id: int = 0) -> str:
    value = (micros << 10) | (clock_id & 0x3FF)
    out = ""
    for _ in range(13):
        out = TID_ALPHABET[value & 31] + out
        value >>= 5
    return out


def _error(status: int, error: str, message: str) -> Response:
    return Response(status, {"error": error, "message": message})


@dataclass
class Post:
    rkey: str
    cid: str
    record: dict[str, Any]
    indexed_at: datetime


class BlueskyEmulator(Emulator):
    def __init__(
        self,
        *,
        handle: str = "chu-exemple.bsky.social",
        password: str = "abcd-efgh-ijkl-mnop",
        did: str = "did:plc:chuexemple0000000000000",
        clock: Clock | None = None,
        access_seconds: int = 7200,
    ) -> None:
        self.handle = handle
        self.password = password
        self.did = did
        self.access_seconds = access_seconds
        super().__init__(clock=clock)
        self.add_route("session.create", "POST", r"/xrpc/com\.atproto\.server\.createSession", self._login)
        self.add_route(
            "session.refresh", "POST", r"/xrpc/com\.atproto\.server\.refreshSession", self._refresh
        )
        self.add_route("record.create", "POST", r"/xrpc/com\.atproto\.repo\.createRecord", self._create)
        self.add_route("record.get", "GET", r"/xrpc/com\.atproto\.repo\.getRecord", self._get)
        self.add_route("feed.author", "GET", r"/xrpc/app\.bsky\.feed\.getAuthorFeed", self._feed)

    def _reset_state(self) -> None:
        self.posts: dict[str, Post] = {}
        self.access: dict[str, float] = {}  # token -> real-time expiry
        self.refresh: set[str] = set()
        self.logins: list[float] = []  # emulator-clock times of successful and refused logins
        self._serial = 0
        self._last_micros = 0

    # -- helpers for tests -----------------------------------------------------------------
    def expire_sessions(self) -> None:
        """Every access token issued so far is expired on the server (refresh tokens stay)."""
        with self._lock:
            for token in self.access:
                self.access[token] = 0.0

    def delete(self, uri: str) -> None:
        with self._lock:
            self.posts.pop(uri.rsplit("/", 1)[-1], None)

    def uri(self, rkey: str) -> str:
        return f"at://{self.did}/{POST}/{rkey}"

    def texts(self) -> list[str]:
        with self._lock:
            return [p.record["text"] for p in self.posts.values()]

    # -- sessions --------------------------------------------------------------------------
    def _issue(self) -> dict[str, Any]:
        self._serial += 1
        now = time.time()
        access = jwt(
            {
                "scope": "com.atproto.appPass",
                "sub": self.did,
                "iat": int(now),
                "exp": int(now) + self.access_seconds,
                "jti": f"a{self._serial}",
            }
        )
        refresh = jwt(
            {
                "scope": "com.atproto.refresh",
                "sub": self.did,
                "iat": int(now),
                "exp": int(now) + 90 * 86400,
                "jti": f"r{self._serial}",
            }
        )
        self.access[access] = now + self.access_seconds
        self.refresh.add(refresh)
        return {
            "accessJwt": access,
            "refreshJwt": refresh,
            "handle": self.handle,
            "did": self.did,
            "active": True,
        }

    def _bearer(self, req: RecordedRequest) -> str:
        auth = req.header("Authorization") or ""
        return auth[7:].strip() if auth.lower().startswith("bearer ") else ""

    def _login(self, req: RecordedRequest, _m: Any) -> Response:
        now = self.clock.time()
        window = [t for t in self.logins if t > now - LOGIN_WINDOW]
        day = [t for t in self.logins if t > now - 86400]
        if len(window) >= LOGIN_PER_WINDOW or len(day) >= LOGIN_PER_DAY:
            oldest = (window if len(window) >= LOGIN_PER_WINDOW else day)[0]
            span = LOGIN_WINDOW if len(window) >= LOGIN_PER_WINDOW else 86400
            resp = _error(429, "RateLimitExceeded", "Rate Limit Exceeded")
            resp.headers.update(
                {
                    "RateLimit-Limit": str(LOGIN_PER_WINDOW),
                    "RateLimit-Remaining": "0",
                    "RateLimit-Reset": str(int(oldest + span)),
                    "RateLimit-Policy": f"{LOGIN_PER_WINDOW};w={LOGIN_WINDOW}",
                }
            )
            return resp
        self.logins.append(now)
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("identifier") not in (self.handle, self.did) or body.get("password") != self.password:
            return _error(401, "AuthenticationRequired", "Invalid identifier or password")
        resp = Response(200, self._issue())
        resp.headers.update(
            {
                "RateLimit-Limit": str(LOGIN_PER_WINDOW),
                "RateLimit-Remaining": str(LOGIN_PER_WINDOW - len(window) - 1),
                "RateLimit-Reset": str(int(now + LOGIN_WINDOW)),
                "RateLimit-Policy": f"{LOGIN_PER_WINDOW};w={LOGIN_WINDOW}",
            }
        )
        return resp

    def _refresh(self, req: RecordedRequest, _m: Any) -> Response:
        token = self._bearer(req)
        if not token:
            return _error(401, "AuthMissing", "Authentication Required")
        if token not in self.refresh:
            return _error(400, "ExpiredToken", "Token has been revoked")
        self.refresh.discard(token)
        return Response(200, self._issue())

    def _authorized(self, req: RecordedRequest) -> Response | None:
        token = self._bearer(req)
        if not token:
            return _error(401, "AuthMissing", "Authentication Required")
        if token not in self.access:
            return _error(400, "InvalidToken", "Token could not be verified")
        if self.access[token] <= time.time():
            return _error(400, "ExpiredToken", "Token has expired")
        return None

    # -- records ---------------------------------------------------------------------------
    def _next_rkey(self) -> str:
        micros = max(int(self.clock.time() * 1_000_000), self._last_micros + 1)
        self._last_micros = micros
        return tid(micros, 7)

    def _invalid(self, message: str) -> Response:
        return _error(400, "InvalidRequest", f"Invalid {POST} record: {message}")

    def _create(self, req: RecordedRequest, _m: Any) -> Response:
        if (denied := self._authorized(req)) is not None:
            return denied
        body = req.body if isinstance(req.body, dict) else {}
        if body.get("repo") not in (self.did, self.handle):
            return _error(400, "InvalidRequest", "Invalid repo")
        if body.get("collection") != POST:
            return _error(400, "InvalidRequest", "Only app.bsky.feed.post records are emulated")
        if body.get("rkey") is not None:
            return _error(400, "InvalidRequest", "Custom rkeys for post records are not currently supported.")
        record = body.get("record")
        if not isinstance(record, dict) or record.get("$type") != POST:
            return self._invalid("Record/$type must be app.bsky.feed.post")
        text = record.get("text")
        if not isinstance(text, str):
            return self._invalid('Record must have the property "text"')
        if not isinstance(record.get("createdAt"), str):
            return self._invalid('Record must have the property "createdAt"')
        if grapheme_len(text) > TEXT_GRAPHEMES:
            return self._invalid(f"Record/text must not be longer than {TEXT_GRAPHEMES} graphemes")
        data = text.encode()
        if len(data) > TEXT_BYTES:
            return self._invalid(f"Record/text must not be longer than {TEXT_BYTES} characters")
        langs = record.get("langs", [])
        if not isinstance(langs, list) or len(langs) > 3:
            return self._invalid("Record/langs must not have more than 3 elements")
        for i, facet in enumerate(record.get("facets") or []):
            index = facet.get("index", {}) if isinstance(facet, dict) else {}
            start, end = index.get("byteStart"), index.get("byteEnd")
            if not (isinstance(start, int) and isinstance(end, int) and 0 <= start < end <= len(data)):
                return self._invalid(f"Record/facets/{i}/index is out of the text's bytes")
        reply = record.get("reply")
        if reply is not None:
            for part in ("root", "parent"):
                ref = reply.get(part, {}) if isinstance(reply, dict) else {}
                post = self.posts.get(str(ref.get("uri", "")).rsplit("/", 1)[-1])
                if post is None or post.cid != ref.get("cid"):
                    return self._invalid(f"Record/reply/{part} does not name a post of this repo")
        rkey = self._next_rkey()
        cid = "bafyrei" + hashlib.sha256(json.dumps(record, sort_keys=True).encode()).hexdigest()[:52]
        self.posts[rkey] = Post(rkey, cid, record, self.clock.now())
        return Response(
            200,
            {
                "uri": self.uri(rkey),
                "cid": cid,
                "commit": {"cid": "bafyreicommit" + cid[12:40], "rev": rkey},
                "validationStatus": "valid",
            },
        )

    def _get(self, req: RecordedRequest, _m: Any) -> Response:
        repo, collection, rkey = (req.query.get(k) for k in ("repo", "collection", "rkey"))
        if not (repo and collection and rkey):
            return _error(
                400, "InvalidRequest", "Error: Params must have the properties repo, collection, rkey"
            )
        post = self.posts.get(str(rkey)) if repo in (self.did, self.handle) and collection == POST else None
        if post is None:
            return _error(400, "RecordNotFound", f"Could not locate record: at://{repo}/{collection}/{rkey}")
        return Response(200, {"uri": self.uri(post.rkey), "cid": post.cid, "value": post.record})

    def _feed(self, req: RecordedRequest, _m: Any) -> Response:
        if (denied := self._authorized(req)) is not None:
            return denied
        actor = req.query.get("actor")
        if actor not in (self.did, self.handle):
            return _error(400, "InvalidRequest", "Profile not found")
        limit = min(int(req.query.get("limit", 50)), 100)
        posts = sorted(self.posts.values(), key=lambda p: p.rkey, reverse=True)
        if req.query.get("filter") == "posts_no_replies":
            posts = [p for p in posts if "reply" not in p.record]
        cursor = req.query.get("cursor")
        if cursor:
            posts = [p for p in posts if p.rkey < cursor]
        page = posts[:limit]
        author = {"did": self.did, "handle": self.handle}
        feed = [
            {
                "post": {
                    "uri": self.uri(p.rkey),
                    "cid": p.cid,
                    "author": author,
                    "record": p.record,
                    "indexedAt": p.indexed_at.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z",
                    "replyCount": 0,
                    "repostCount": 0,
                    "likeCount": 0,
                    "quoteCount": 0,
                }
            }
            for p in page
        ]
        body: dict[str, Any] = {"feed": feed}
        if len(posts) > limit:
            body["cursor"] = page[-1].rkey
        return Response(200, body)
