"""Facebook Graph API emulator (Page posting), after channel-apis.md §1.

Versioned (`/v26.0/...`) and unversioned paths; `facebook-api-version` echoed on every answer;
token from `access_token` (query, form, JSON) or `Authorization: Bearer|OAuth`; error envelopes
and HTTP statuses as in §1.4. Route names for inject(): me, me.accounts, debug_token,
page.get, feed.create, photos.create, edge.list, post.get, post.edit, post.delete.
"""

from __future__ import annotations

import base64
import json
import random
import string
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from .base import Clock, Emulator, HttpFault, RecordedRequest, Response

MESSAGE_MAX = 63206  # [assume] the commonly cited limit; the Graph reference does not state it

# code -> (HTTP status, type, message, is_transient). Texts from §1.4 of the spec.
_CODES: dict[int, tuple[int, str, str, bool]] = {
    1: (500, "OAuthException", "An unknown error occurred", True),
    2: (500, "OAuthException", "An unexpected error has occurred. Please retry your request later.", True),
    4: (400, "OAuthException", "(#4) Application request limit reached", True),
    10: (403, "OAuthException", "(#10) Application does not have permission for this action", False),
    17: (400, "OAuthException", "(#17) User request limit reached", True),
    32: (400, "OAuthException", "(#32) Page request limit reached", True),
    100: (400, "OAuthException", "(#100) Invalid parameter", False),
    104: (400, "OAuthException", "An access token is required to request this resource.", False),
    190: (400, "OAuthException", "Invalid OAuth access token - Cannot parse access token", False),
    200: (
        403,
        "OAuthException",
        "(#200) If posting to a page, requires both pages_read_engagement and "
        "pages_manage_posts as an admin with sufficient administrative permission",
        False,
    ),
    368: (
        400,
        "OAuthException",
        "(#368) The action attempted has been deemed abusive or is otherwise disallowed",
        False,
    ),
    506: (400, "OAuthException", "(#506) Duplicate status message", False),
    613: (400, "OAuthException", "(#613) Calls to this api have exceeded the rate limit.", True),
    1609005: (400, "OAuthException", "Error Posting Link", False),
    2500: (400, "OAuthException", "Unknown path components: /me", False),
    80001: (
        400,
        "OAuthException",
        "(#80001) There have been too many calls to this Page account. Wait a bit and try "
        "again. For more info, please refer to "
        "https://developers.facebook.com/docs/graph-api/overview/rate-limiting.",
        True,
    ),
}
_SUBCODES: dict[int, str] = {
    463: "Error validating access token: Session has expired on Thursday, 19-Nov-26 04:00:00 "
    "PST. The current time is Friday, 20-Nov-26 10:23:54 PST.",
    467: "Error validating access token: The session is invalid because the user logged out.",
    460: "Error validating access token: The session has been invalidated because the user "
    "changed their password or Facebook has changed the session for security reasons",
    458: "Error validating access token: The user has not authorized application {app_id}.",
    # [assume] text; the spec only describes the case
    492: "Error validating access token: The session is invalid because the user does not have "
    "a suitable role on the Page.",
}
_UNSUPPORTED = (
    "Unsupported {verb} request. Object with ID '{obj}' does not exist, cannot be "
    "loaded due to missing permissions, or does not support this operation. Please "
    "read the Graph API documentation at https://developers.facebook.com/docs/graph-api"
)


def _trace_id() -> str:
    return "".join(random.choices(string.ascii_letters + string.digits, k=11))


def fb_error_body(
    code: int,
    subcode: int | None = None,
    message: str | None = None,
    type_: str | None = None,
    app_id: str = "1234567890",
) -> tuple[int, dict[str, Any]]:
    """(HTTP status, envelope) for a Graph error code, per the §1.4 table."""
    status, etype, text, transient = _CODES.get(code, (400, "OAuthException", f"(#{code})", False))
    if subcode in _SUBCODES and message is None:
        text = _SUBCODES[subcode].format(app_id=app_id)
    err: dict[str, Any] = {"message": message or text, "type": type_ or etype, "code": code}
    if subcode is not None:
        err["error_subcode"] = subcode
    err["is_transient"] = transient
    err["fbtrace_id"] = _trace_id()
    return status, {"error": err}


def fb_error(
    code: int,
    subcode: int | None = None,
    *,
    message: str | None = None,
    status: int | None = None,
    headers: dict[str, str] | None = None,
) -> HttpFault:
    """A fault answering with the Graph error `code`/`subcode` (HTTP status from §1.4 unless
    given). FacebookEmulator.error() also adds the matching usage header."""
    st, body = fb_error_body(code, subcode, message)
    return HttpFault(status or st, body, dict(headers or {}))


@dataclass
class FbPost:
    id: str
    message: str | None
    link: str | None
    created_time: datetime
    updated_time: datetime
    published: bool = True
    scheduled_publish_time: int | None = None
    by_app: bool = True  # only posts made by this app can be edited
    by_page: bool = True  # False: a visitor post, in /feed only
    deleted: bool = False
    photo_id: str | None = None
    history: list[tuple[datetime, str | None]] = field(default_factory=list)  # earlier messages

    def is_published(self, now: datetime) -> bool:
        if self.published:
            return True
        when = self.scheduled_publish_time
        return when is not None and now.timestamp() >= when


def _fb_time(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S+0000")


def _vnum(version: str) -> tuple[int, int]:
    major, _, minor = version.lstrip("v").partition(".")
    return int(major), int(minor or 0)


class FacebookEmulator(Emulator):
    """Graph API for one Page.

    page_tokens: valid Page access tokens. user_tokens: valid user tokens (can read /me and
    /me/accounts, get #200 when posting). usage: when set, dicts sent as x-app-usage /
    x-business-use-case-usage / x-page-usage headers (see set_usage()).
    """

    POST_FIELDS = (
        "id",
        "message",
        "link",
        "created_time",
        "updated_time",
        "is_published",
        "permalink_url",
        "scheduled_publish_time",
        "from",
        "status_type",
    )

    def __init__(
        self,
        *,
        page_id: str = "1647395831",
        page_name: str = "Hôpital Emulé",
        page_tokens: tuple[str, ...] = ("PAGE_TOKEN",),
        user_tokens: tuple[str, ...] = ("USER_TOKEN",),
        app_id: str = "1234567890",
        latest_version: str = "v26.0",
        oldest_version: str = "v21.0",
        default_version: str = "v26.0",
        reject_duplicates: bool = True,
        clock: Clock | None = None,
    ) -> None:
        self.page_id, self.page_name, self.app_id = page_id, page_name, app_id
        self.page_tokens, self.user_tokens = tuple(page_tokens), tuple(user_tokens)
        self.latest_version, self.oldest_version = latest_version, oldest_version
        self.default_version = default_version
        self.reject_duplicates = reject_duplicates
        super().__init__(clock=clock)
        node = r"/(?P<node>[A-Za-z0-9_.]+)"
        self.add_route("me", "GET", r"/me", self._me)
        self.add_route("me.accounts", "GET", r"/me/accounts", self._me_accounts)
        self.add_route("debug_token", "GET", r"/debug_token", self._debug_token)
        self.add_route("feed.create", "POST", node + r"/feed", self._create_feed)
        self.add_route("photos.create", "POST", node + r"/photos", self._create_photo)
        self.add_route("edge.list", "GET", node + r"/(?P<edge>feed|posts|published_posts)", self._list)
        self.add_route("page.get", "GET", r"/(?P<node>\d+)", self._get_node)
        self.add_route("post.get", "GET", r"/(?P<node>\d+_\d+)", self._get_node)
        self.add_route("post.edit", "POST", node, self._edit)
        self.add_route("post.delete", "DELETE", node, self._delete)

    def _reset_state(self) -> None:
        self._posts: dict[str, FbPost] = {}
        self._seq = 130068550371568
        self.revoked: dict[str, int] = {}  # token -> 190 subcode it now fails with
        self.usage: dict[str, Any] = {}

    # -- test helpers ----------------------------------------------------------------------
    @property
    def posts(self) -> list[FbPost]:
        """Live posts (not deleted), oldest first."""
        with self._lock:
            return [p for p in self._posts.values() if not p.deleted]

    @property
    def all_posts(self) -> list[FbPost]:
        with self._lock:
            return list(self._posts.values())

    def get_post(self, post_id: str) -> FbPost | None:
        return self._posts.get(post_id)

    def add_post(
        self, message: str, *, by_app: bool = False, by_page: bool = True, link: str | None = None
    ) -> FbPost:
        """Seed a post the emulator did not receive (another app's or a visitor's)."""
        with self._lock:
            return self._store(message, link, published=True, by_app=by_app, by_page=by_page)

    def error(
        self,
        code: int,
        subcode: int | None = None,
        *,
        message: str | None = None,
        status: int | None = None,
        regain_minutes: int = 5,
    ) -> HttpFault:
        """Like fb_error(), plus the saturated usage header Meta sends with a throttle:
        x-business-use-case-usage for 80001 (estimated_time_to_regain_access in minutes),
        x-app-usage for 4."""
        headers: dict[str, str] = {}
        if code == 80001:
            headers["x-business-use-case-usage"] = _json(
                {
                    self.page_id: [
                        {
                            "type": "pages",
                            "call_count": 100,
                            "total_cputime": 12,
                            "total_time": 14,
                            "estimated_time_to_regain_access": regain_minutes,
                        }
                    ]
                }
            )
        elif code == 4:
            headers["x-app-usage"] = _json({"call_count": 100, "total_cputime": 10, "total_time": 12})
        return fb_error(code, subcode, message=message, status=status, headers=headers)

    def revoke_token(self, token: str, subcode: int = 463) -> None:
        """From now on `token` fails with code 190 and this subcode (463 expired, 467 logged
        out, 460 password changed, 458 app removed, 492 no Page role)."""
        self.revoked[token] = subcode

    def set_usage(
        self, *, app: dict | None = None, buc: dict | None = None, page: dict | None = None
    ) -> None:
        """Rate-limit headers to send on every answer; None leaves a header out (Meta sends
        them only 'once enough calls have been made'). `buc` is the list for this Page."""
        self.usage = {
            k: v
            for k, v in (
                ("x-app-usage", app),
                ("x-page-usage", page),
                ("x-business-use-case-usage", {self.page_id: buc} if buc is not None else None),
            )
            if v is not None
        }

    # -- hooks -----------------------------------------------------------------------------
    def _split_version(self, path: str) -> tuple[str | None, str]:
        head, _, rest = path.lstrip("/").partition("/")
        if len(head) > 1 and head[0] == "v" and head[1:].replace(".", "").isdigit():
            return head, "/" + rest.rstrip("/")
        return None, path.rstrip("/") or "/"

    def route_path(self, req: RecordedRequest) -> str:
        return self._split_version(req.path)[1]

    def _served_version(self, req: RecordedRequest) -> str:
        version, _ = self._split_version(req.path)
        if version is None:
            return self.default_version
        if _vnum(version) < _vnum(self.oldest_version):
            return self.oldest_version  # expired versions are served by the oldest usable one
        return version if _vnum(version) <= _vnum(self.latest_version) else self.latest_version

    def precheck(self, req: RecordedRequest) -> Response | None:
        version, rest = self._split_version(req.path)
        if version is not None and _vnum(version) > _vnum(self.latest_version):
            return self._err(2500, message=f"Unknown path components: {rest}")
        return None

    def not_found(self, req: RecordedRequest) -> Response:
        return self._err(2500, message=f"Unknown path components: {self.route_path(req)}")

    def finalize(self, req: RecordedRequest, resp: Response) -> None:
        resp.headers.setdefault("facebook-api-version", self._served_version(req))
        resp.headers.setdefault("x-fb-trace-id", _trace_id())
        for key, value in self.usage.items():
            resp.headers.setdefault(key, _json(value))

    # -- helpers ---------------------------------------------------------------------------
    def _err(
        self, code: int, subcode: int | None = None, *, message: str | None = None, type_: str | None = None
    ) -> Response:
        status, body = fb_error_body(code, subcode, message, type_, self.app_id)
        return Response(status, body)

    def _unsupported(self, verb: str, obj: str) -> Response:
        return self._err(
            100, 33, message=_UNSUPPORTED.format(verb=verb, obj=obj), type_="GraphMethodException"
        )

    def _token(self, req: RecordedRequest) -> str | None:
        token = req.param("access_token")
        if token:
            return str(token)
        auth = req.header("Authorization") or ""
        scheme, _, value = auth.partition(" ")
        if scheme.lower() in ("bearer", "oauth") and value.strip():
            return value.strip()
        return None

    def _auth(self, req: RecordedRequest, *, page: bool) -> tuple[str | None, Response | None]:
        """(kind, error): kind is "page" or "user"; page=True demands a Page token."""
        token = self._token(req)
        if token is None:
            return None, self._err(104)
        if token in self.revoked:
            return None, self._err(190, self.revoked[token])
        kind = "page" if token in self.page_tokens else None
        if kind is None and token in self.user_tokens:
            kind = "user"
        if kind is None:
            return None, self._err(190)
        if page and kind != "page":
            return None, self._err(200)
        return kind, None

    def _store(
        self,
        message: str | None,
        link: str | None,
        *,
        published: bool,
        scheduled: int | None = None,
        by_app: bool = True,
        by_page: bool = True,
    ) -> FbPost:
        self._seq += 1
        now = self.clock.now()
        post = FbPost(
            f"{self.page_id}_{self._seq}", message, link, now, now, published, scheduled, by_app, by_page
        )
        self._posts[post.id] = post
        return post

    def _check_message(self, message: str | None) -> Response | None:
        if message is not None and len(message) > MESSAGE_MAX:
            return self._err(
                100, message=f"(#100) The message may not exceed {MESSAGE_MAX} characters"
            )  # [assume] text
        return None

    def _is_duplicate(self, message: str | None) -> bool:
        if not self.reject_duplicates or not message:
            return False
        own = [p for p in self._posts.values() if p.by_page and not p.deleted]
        return bool(own) and own[-1].message == message

    def _parse_schedule(self, raw: Any) -> int | None:
        text = str(raw).strip()
        if text.isdigit():
            return int(text)
        try:
            return int(datetime.fromisoformat(text.replace("Z", "+00:00")).timestamp())
        except ValueError:
            return None

    # -- handlers --------------------------------------------------------------------------
    def _create(
        self, req: RecordedRequest, page_id: str, message: str | None, link: str | None
    ) -> FbPost | Response:
        _, err = self._auth(req, page=True)
        if err:
            return err
        if page_id not in (self.page_id, "me"):
            return self._unsupported("post", page_id)
        if not message and not link and not req.files and not req.param("url"):
            return self._err(100, message="(#100) Missing message or attachment")
        if err := self._check_message(message):
            return err
        published = str(req.param("published", "true")).lower() not in ("false", "0")
        scheduled = None
        if req.param("scheduled_publish_time") is not None:
            scheduled = self._parse_schedule(req.param("scheduled_publish_time"))
            delta = (scheduled or 0) - self.clock.time()
            if published or scheduled is None or not 600 <= delta <= 30 * 86400:
                return self._err(
                    100, message="(#100) The specified scheduled publish time is invalid."
                )  # [assume] text
        if self._is_duplicate(message):
            return self._err(506)
        return self._store(message, link, published=published, scheduled=scheduled)

    def _create_feed(self, req: RecordedRequest, m: Any) -> Response:
        post = self._create(req, m["node"], _opt(req.param("message")), _opt(req.param("link")))
        return post if isinstance(post, Response) else Response(200, {"id": post.id})

    def _create_photo(self, req: RecordedRequest, m: Any) -> Response:
        text = _opt(req.param("message")) or _opt(req.param("caption"))
        if not req.files and not req.param("url"):
            return self._err(100, message="(#100) No photo was uploaded")  # [assume] text
        post = self._create(req, m["node"], text, None)
        if isinstance(post, Response):
            return post
        self._seq += 1
        post.photo_id = str(self._seq)
        return Response(200, {"id": post.photo_id, "post_id": post.id})

    def _me(self, req: RecordedRequest, m: Any) -> Response:
        kind, err = self._auth(req, page=False)
        if err:
            return err
        if kind == "page":
            return Response(200, {"id": self.page_id, "name": self.page_name})
        return Response(200, {"id": "10000000001", "name": "Emulated User"})

    def _me_accounts(self, req: RecordedRequest, m: Any) -> Response:
        kind, err = self._auth(req, page=False)
        if err:
            return err
        if kind != "user":
            return self._err(
                100, message="(#100) Tried accessing nonexisting field (accounts) on node type (Page)"
            )
        page = {
            "id": self.page_id,
            "name": self.page_name,
            "access_token": self.page_tokens[0],
            "category": "Hospital",
            "tasks": ["ADVERTISE", "ANALYZE", "CREATE_CONTENT", "MODERATE", "MANAGE"],
        }
        return Response(200, {"data": [page], "paging": {"cursors": {"before": "QVFIUj", "after": "QVFIUj"}}})

    def _debug_token(self, req: RecordedRequest, m: Any) -> Response:
        token = str(req.param("input_token") or "")
        now = int(self.clock.time())
        if token in self.page_tokens and token not in self.revoked:
            data: dict[str, Any] = {
                "app_id": self.app_id,
                "type": "PAGE",
                "application": "publisher",
                "data_access_expires_at": now + 90 * 86400,
                "expires_at": 0,
                "is_valid": True,
                "issued_at": now - 86400,
                "profile_id": self.page_id,
                "scopes": ["pages_manage_posts", "pages_read_engagement", "pages_show_list"],
                "granular_scopes": [{"scope": "pages_manage_posts", "target_ids": [self.page_id]}],
                "user_id": "10000000001",
            }
        else:
            sub = self.revoked.get(token, 190)
            msg = _SUBCODES.get(sub, "Invalid OAuth access token.").format(app_id=self.app_id)
            data = {
                "app_id": self.app_id,
                "is_valid": False,
                "scopes": [],
                "error": {"code": 190, "message": msg, "subcode": sub},
            }
        return Response(200, {"data": data})  # HTTP 200 even for a bad input token [obs]

    def _fields(self, post: FbPost, wanted: list[str]) -> dict[str, Any] | Response:
        now = self.clock.now()
        values: dict[str, Any] = {
            "id": post.id,
            "message": post.message,
            "link": post.link,
            "created_time": _fb_time(post.created_time),
            "updated_time": _fb_time(post.updated_time),
            "is_published": post.is_published(now),
            "permalink_url": f"https://www.facebook.com/{post.id}",
            "scheduled_publish_time": post.scheduled_publish_time,
            "from": {"name": self.page_name, "id": self.page_id},
            "status_type": "added_photos" if post.photo_id else "mobile_status_update",
        }
        out: dict[str, Any] = {}
        for name in wanted:
            if name not in values:
                return self._err(
                    100, message=f"(#100) Tried accessing nonexisting field ({name}) on node type (PagePost)"
                )
            if values[name] is not None:  # Graph leaves absent fields out, never null
                out[name] = values[name]
        out.setdefault("id", post.id)
        return out

    def _get_node(self, req: RecordedRequest, m: Any) -> Response:
        _, err = self._auth(req, page=False)
        if err:
            return err
        node = m["node"]
        if node == self.page_id:
            return Response(200, {"id": self.page_id, "name": self.page_name})
        post = self._posts.get(node)
        if post is None or post.deleted:
            return self._unsupported("get", node)
        wanted = _field_list(req.param("fields")) or ["created_time", "message", "id"]
        out = self._fields(post, wanted)
        return out if isinstance(out, Response) else Response(200, out)

    def _list(self, req: RecordedRequest, m: Any) -> Response:
        _, err = self._auth(req, page=False)
        if err:
            return err
        node, edge = m["node"], m["edge"]
        if node not in (self.page_id, "me"):
            return self._unsupported("get", node)
        now = self.clock.now()
        items = [
            p
            for p in self._posts.values()
            if not p.deleted and p.is_published(now) and (p.by_page or edge == "feed")
        ]
        items.sort(key=lambda p: (p.created_time, p.id), reverse=True)  # newest first
        try:
            limit = max(1, min(int(req.param("limit", 25)), 100))
        except ValueError:
            return self._err(100, message="(#100) Param limit must be a number")
        start = 0
        if req.param("after"):
            start = _index_after(items, str(req.param("after")))
        elif req.param("before"):
            start = max(0, _index_after(items, str(req.param("before"))) - 1 - limit)
        page = items[start : start + limit]
        wanted = _field_list(req.param("fields")) or ["created_time", "message", "id"]
        data = []
        for post in page:
            out = self._fields(post, wanted)
            if isinstance(out, Response):
                return out
            data.append(out)
        body: dict[str, Any] = {"data": data}
        if page:
            cursors = {"before": _cursor(page[0].id), "after": _cursor(page[-1].id)}
            body["paging"] = {"cursors": cursors}
            base = f"{self.base_url}/{self._served_version(req)}/{node}/{edge}?"
            keep = {k: v for k, v in req.query.items() if k not in ("after", "before")}
            keep.setdefault("access_token", self._token(req))  # facebook-sdk deletes it
            keep["limit"] = str(limit)
            if start + limit < len(items):
                body["paging"]["next"] = base + urlencode({**keep, "after": cursors["after"]})
            if start > 0:
                body["paging"]["previous"] = base + urlencode({**keep, "before": cursors["before"]})
        return Response(200, body)

    def _edit(self, req: RecordedRequest, m: Any) -> Response:
        _, err = self._auth(req, page=True)
        if err:
            return err
        post = self._posts.get(m["node"])
        # [assume] a foreign post answers like a missing one; the spec only says it is refused
        if post is None or post.deleted or not post.by_app:
            return self._unsupported("post", m["node"])
        message = _opt(req.param("message"))
        if err := self._check_message(message):
            return err
        if message is not None and message != post.message:
            post.history.append((post.updated_time, post.message))
            post.message = message
        post.updated_time = self.clock.now()
        return Response(200, {"success": True})

    def _delete(self, req: RecordedRequest, m: Any) -> Response:
        _, err = self._auth(req, page=True)
        if err:
            return err
        post = self._posts.get(m["node"])
        if post is None or post.deleted or not post.by_page:
            return self._unsupported("delete", m["node"])
        post.deleted = True
        return Response(200, {"success": True})


def _opt(value: Any) -> str | None:
    return None if value is None else str(value)


def _field_list(raw: Any) -> list[str]:
    return [f.strip() for f in str(raw or "").split(",") if f.strip()]


def _cursor(post_id: str) -> str:
    return base64.urlsafe_b64encode(post_id.encode()).decode().rstrip("=")


def _index_after(items: list[FbPost], cursor: str) -> int:
    try:
        post_id = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
    except ValueError:
        return len(items)
    for i, post in enumerate(items):
        if post.id == post_id:
            return i + 1
    return len(items)


def _json(value: Any) -> str:
    return json.dumps(value, separators=(",", ":"))
