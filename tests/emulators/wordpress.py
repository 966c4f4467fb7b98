"""WordPress REST API emulator (posts and pages), after channel-apis.md §4.

For fault tests of the WordPress channel; the real WordPress is tested elsewhere. Routes live
under `/wp-json/` and `/?rest_route=` (only the latter when pretty_permalinks=False, as on a
site with plain permalinks). Auth is HTTP Basic with application passwords (spaces ignored).
Route names for inject(): users.me, pll.languages and, for T in posts and pages,
T.list, T.create, T.get, T.update, T.delete.
"""

from __future__ import annotations

import base64
import copy
import html
import re
import unicodedata
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

from .base import HTML_CT, Clock, Emulator, HttpFault, RecordedRequest, Response

STATUSES = ("publish", "future", "draft", "pending", "private")
_ENUM_MSG = "status is not one of publish, future, draft, pending, private."
ERRORS: dict[str, tuple[int, str]] = {
    "incorrect_password": (401, "The provided password is an invalid application password."),
    "invalid_username": (401, "Unknown username."),  # [assume] text
    "rest_not_logged_in": (401, "You are not currently logged in."),
    "application_passwords_disabled": (501, "Application passwords are not available."),
    "rest_cannot_create": (403, "Sorry, you are not allowed to create posts as this user."),
    "rest_cannot_publish": (403, "Sorry, you are not allowed to publish posts in this post type."),
    "rest_cannot_edit": (403, "Sorry, you are not allowed to edit this post."),
    "rest_cannot_delete": (403, "Sorry, you are not allowed to delete this post."),
    "rest_forbidden": (403, "Sorry, you are not allowed to do that."),
    "rest_forbidden_context": (403, "Sorry, you are not allowed to edit posts in this post type."),
    "rest_post_invalid_id": (404, "Invalid post ID."),
    "rest_invalid_param": (400, "Invalid parameter(s): status"),
    "rest_missing_callback_param": (400, "Missing parameter(s): id"),
    "rest_invalid_json": (400, "Invalid JSON body passed."),
    "rest_already_trashed": (410, "The post has already been deleted."),
    "rest_no_route": (404, "No route was found matching the URL and request method."),
    "rest_post_invalid_page_number": (
        400,
        "The page number requested is larger than the number of pages available.",
    ),
    "empty_content": (400, "Content, title, and excerpt are empty."),
    "internal_server_error": (
        500,
        "<p>There has been a critical error on this website.</p><p>"
        '<a href="https://wordpress.org/documentation/article/'
        'faq-troubleshooting/">Learn more about troubleshooting '
        "WordPress.</a></p>",
    ),
}
_CAPS = {
    "administrator": {"edit", "publish", "edit_others", "delete", "delete_others", "pages"},
    "editor": {"edit", "publish", "edit_others", "delete", "delete_others", "pages"},
    "author": {"edit", "publish", "delete"},
    "contributor": {"edit", "delete"},
    "subscriber": set(),
}
MAINTENANCE_HTML = (
    '<!DOCTYPE html><html><head><meta charset="utf-8"><title>Maintenance'
    "</title></head><body><h1>Briefly unavailable for scheduled maintenance. "
    "Check back in a minute.</h1></body></html>"
)
CRITICAL_HTML = (
    '<!DOCTYPE html><html lang="en-US"><head><meta charset="utf-8"><title>'
    'WordPress &rsaquo; Error</title></head><body id="error-page"><div class="'
    'wp-die-message"><p>There has been a critical error on this website.</p></div>'
    "</body></html>"
)


def wp_error_body(
    code: str, message: str | None = None, status: int | None = None, **data: Any
) -> tuple[int, dict[str, Any]]:
    st, text = ERRORS.get(code, (status or 400, code))
    st = status or st
    return st, {"code": code, "message": message or text, "data": {"status": st, **data}}


def wp_error(code: str, *, message: str | None = None, status: int | None = None) -> HttpFault:
    """A fault answering the REST error envelope for `code` (status from the §4 table)."""
    st, body = wp_error_body(code, message, status)
    return HttpFault(st, body)


def html_fault(
    status: int = 503, body: str = MAINTENANCE_HTML, headers: dict[str, str] | None = None
) -> HttpFault:
    """A non-JSON answer, as a host, WAF or maintenance mode gives (default: WordPress's own
    503 maintenance page with Retry-After: 600). Use status=500, body=CRITICAL_HTML for a fatal
    error that happened before the REST server could answer in JSON."""
    default = {"Retry-After": "600"} if status == 503 else {}
    return HttpFault(status, body, headers if headers is not None else default, HTML_CT)


def sanitize_title(text: str) -> str:
    """sanitize_title(): accents removed, lower case, non-alphanumerics to single dashes."""
    text = unicodedata.normalize("NFKD", html.unescape(text))
    text = "".join(c for c in text if not unicodedata.combining(c)).lower()
    return re.sub(r"[^a-z0-9_]+", "-", re.sub(r"<[^>]*>", "", text)).strip("-")


def autop(text: str) -> str:
    if not text:
        return ""
    if text.lstrip().startswith("<"):
        return text + "\n"
    paras = [p.strip().replace("\n", "<br />\n") for p in re.split(r"\n\s*\n", text.strip())]
    return "".join(f"<p>{p}</p>\n" for p in paras)


@dataclass
class WpUser:
    id: int
    username: str
    app_password: str
    role: str = "editor"
    name: str = ""


@dataclass
class WpItem:
    id: int
    type: str  # "post" or "page"
    title: str
    content: str
    excerpt: str
    status: str
    slug: str
    date_gmt: datetime
    modified_gmt: datetime
    author: int
    date_set: bool = False  # False: the date follows publication, like a floating draft date
    categories: list[int] = field(default_factory=lambda: [1])
    tags: list[int] = field(default_factory=list)
    parent: int = 0
    menu_order: int = 0
    meta: dict[str, Any] = field(default_factory=dict)
    lang: str | None = None
    translations: dict[str, int] = field(default_factory=dict)
    revisions: list[dict[str, Any]] = field(default_factory=list)  # earlier versions


class WordPressEmulator(Emulator):
    """One site. users: {username: app_password} (role "editor", or add_user()).
    utc_offset_hours: the site timezone, so `date` (local) and `date_gmt` differ like on a real
    site. multilingual: None or "polylang" (lang/translations fields, ?lang=, /pll/v1/languages).
    strip_authorization: behave like a CGI setup that drops the Authorization header."""

    def __init__(
        self,
        *,
        users: dict[str, str] | None = None,
        site_url: str | None = None,
        pretty_permalinks: bool = True,
        utc_offset_hours: float = 1.0,
        multilingual: str | None = None,
        languages: tuple[str, ...] = ("fr", "en"),
        share_slugs: bool = False,
        strip_authorization: bool = False,
        clock: Clock | None = None,
    ) -> None:
        self._users_cfg = dict(users or {"publisher": "abcd EFGH 1234 ijkl MNOP 5678"})
        self._site_url = site_url
        self.pretty_permalinks, self.multilingual = pretty_permalinks, multilingual
        self.tz = timezone(timedelta(hours=utc_offset_hours))
        self.languages, self.share_slugs = languages, share_slugs
        self.strip_authorization = strip_authorization
        super().__init__(clock=clock)
        self.add_route("users.me", "GET", r"/wp/v2/users/me", self._me)
        self.add_route("pll.languages", "GET", r"/pll/v1/languages", self._languages)
        for coll in ("posts", "pages"):
            base = rf"/wp/v2/(?P<coll>{coll})"
            self.add_route(f"{coll}.list", "GET", base, self._list)
            self.add_route(f"{coll}.create", "POST", base, self._create)
            self.add_route(f"{coll}.get", "GET", base + r"/(?P<id>\d+)", self._get)
            self.add_route(f"{coll}.update", "POST|PUT|PATCH", base + r"/(?P<id>\d+)", self._update)
            self.add_route(f"{coll}.delete", "DELETE", base + r"/(?P<id>\d+)", self._delete)

    def _reset_state(self) -> None:
        self.users: dict[str, WpUser] = {}
        self._items: dict[int, WpItem] = {}
        self._next_id = 100  # shared by posts and pages, as in wp_posts
        for name, password in self._users_cfg.items():
            self.add_user(name, password)

    # -- test helpers ----------------------------------------------------------------------
    def add_user(self, username: str, app_password: str, role: str = "editor") -> WpUser:
        user = WpUser(len(self.users) + 3, username, app_password, role, username.capitalize())
        self.users[username] = user
        return user

    @property
    def site_url(self) -> str:
        return (self._site_url or self.base_url).rstrip("/")

    @property
    def items(self) -> list[WpItem]:
        """Every stored post and page, trashed ones included (status "trash"), by id."""
        with self._lock:
            return sorted(self._items.values(), key=lambda i: i.id)

    def posts(self, type_: str = "post") -> list[WpItem]:
        return [i for i in self.items if i.type == type_ and i.status != "trash"]

    def get_item(self, item_id: int) -> WpItem | None:
        return self._items.get(item_id)

    # -- hooks -----------------------------------------------------------------------------
    def route_path(self, req: RecordedRequest) -> str:
        if req.path in ("/", "/index.php") and "rest_route" in req.query:
            return "/" + str(req.query["rest_route"]).strip("/")
        if req.path.startswith("/wp-json") and self.pretty_permalinks:
            return "/" + req.path[len("/wp-json") :].strip("/")
        return "!" + req.path  # not a REST request: matches no route

    def not_found(self, req: RecordedRequest) -> Response:
        if self.route_path(req).startswith("!"):  # the theme's 404 page, not JSON
            return Response(
                404, "<!DOCTYPE html><html><body><h1>Page not found</h1></body></html>", content_type=HTML_CT
            )
        return self._err("rest_no_route")

    def precheck(self, req: RecordedRequest) -> Response | None:
        now = self.clock.now()
        for item in self._items.values():  # WP-Cron publishes due scheduled posts
            if item.status == "future" and item.date_gmt <= now:
                item.status = "publish"
        if req.json_error:
            return self._err("rest_invalid_json")
        # A bad Basic header fails every REST request, public ones included
        # (rest_application_password_check_errors).
        user = self._user(req)
        if isinstance(user, Response):
            return user
        req.extra["user"] = user
        return None

    def finalize(self, req: RecordedRequest, resp: Response) -> None:
        if resp.content_type.startswith("application/json"):
            resp.headers.setdefault("Link", f'<{self.site_url}/wp-json/>; rel="https://api.w.org/"')
            resp.headers.setdefault("Allow", "GET, POST, PUT, PATCH, DELETE")

    # -- helpers ---------------------------------------------------------------------------
    def _err(
        self, code: str, user: WpUser | None = None, *, message: str | None = None, **data: Any
    ) -> Response:
        status, body = wp_error_body(code, message, **data)
        if status == 403 and user is None:
            status = body["data"]["status"] = 401  # rest_authorization_required_code()
        return Response(status, body)

    def _user(self, req: RecordedRequest) -> WpUser | Response | None:
        auth = "" if self.strip_authorization else (req.header("Authorization") or "")
        scheme, _, value = auth.partition(" ")
        if scheme.lower() != "basic":
            return None
        try:
            name, _, password = base64.b64decode(value.strip()).decode("utf-8").partition(":")
        except ValueError:
            return None
        user = self.users.get(name)
        if user is None:
            return self._err("invalid_username")
        if re.sub(r"[^a-z\d]", "", password, flags=re.I) != user.app_password.replace(" ", ""):
            return self._err("incorrect_password")
        return user

    def _who(self, req: RecordedRequest) -> WpUser | None:
        user = req.extra.get("user")
        return user if isinstance(user, WpUser) else None

    def _can(self, user: WpUser | None, cap: str, item_type: str, item: WpItem | None = None) -> bool:
        if user is None:
            return False
        caps = _CAPS.get(user.role, set())
        if item_type == "page" and "pages" not in caps:
            return False
        if item is not None and item.author != user.id and cap in ("edit", "delete"):
            return f"{cap}_others" in caps
        if item is not None and item.status in ("publish", "future", "private"):
            return cap in caps and "publish" in caps  # published items need publish rights
        return cap in caps

    def _link(self, item: WpItem) -> str:
        if not self.pretty_permalinks or item.status in ("draft", "pending") or not item.slug:
            return f"{self.site_url}/?{'p' if item.type == 'post' else 'page_id'}={item.id}"
        path = [item.slug]
        parent = self._items.get(item.parent)
        while parent is not None:
            path.insert(0, parent.slug)
            parent = self._items.get(parent.parent)
        lang = f"/{item.lang}" if self.multilingual and item.lang else ""
        return f"{self.site_url}{lang}/{'/'.join(path)}/"

    def _unique_slug(self, item: WpItem, slug: str) -> str:
        def taken(candidate: str) -> bool:
            return any(
                o.slug == candidate
                and o.id != item.id
                and o.type == item.type
                and (item.type == "post" or o.parent == item.parent)
                and (not self.share_slugs or o.lang == item.lang)
                for o in self._items.values()
            )

        candidate, n = slug, 2
        while taken(candidate):
            candidate, n = f"{slug}-{n}", n + 1
        return candidate

    def _fix_slug(self, item: WpItem, requested: str | None) -> None:
        # Drafts and pending items keep what they were given (possibly nothing); anything
        # published gets a slug, made unique (wp_unique_post_slug()).
        slug = sanitize_title(requested) if requested is not None else item.slug
        if item.status in ("draft", "pending"):
            item.slug = slug
            return
        item.slug = self._unique_slug(item, slug or sanitize_title(item.title) or str(item.id))

    def to_json(self, item: WpItem, context: str = "view") -> dict[str, Any]:
        coll = item.type + "s"
        local = item.date_gmt.astimezone(self.tz)
        fmt = "%Y-%m-%dT%H:%M:%S"
        out: dict[str, Any] = {
            "id": item.id,
            "date": local.strftime(fmt),
            "date_gmt": item.date_gmt.strftime(fmt),
            "guid": {"rendered": f"{self.site_url}/?p={item.id}"},
            "modified": item.modified_gmt.astimezone(self.tz).strftime(fmt),
            "modified_gmt": item.modified_gmt.strftime(fmt),
            "slug": item.slug,
            "status": item.status,
            "type": item.type,
            "link": self._link(item),
            "title": {"rendered": item.title},
            "content": {"rendered": autop(item.content), "protected": False},
            "excerpt": {"rendered": autop(item.excerpt or item.content[:200]), "protected": False},
            "author": item.author,
            "featured_media": 0,
            "comment_status": "closed",
            "ping_status": "closed",
            "template": "",
            "meta": item.meta,
        }
        if item.type == "post":
            out.update(sticky=False, format="standard", categories=item.categories, tags=item.tags)
        else:
            out.update(parent=item.parent, menu_order=item.menu_order)
        if self.multilingual == "polylang":
            out.update(lang=item.lang, translations=item.translations)
        if context == "edit":
            for key, raw in (
                ("title", item.title),
                ("content", item.content),
                ("excerpt", item.excerpt),
                ("guid", out["guid"]["rendered"]),
            ):
                out[key]["raw"] = raw
            out["content"]["block_version"] = 0
            out["generated_slug"] = sanitize_title(item.title)
            out["permalink_template"] = f"{self.site_url}/%postname%/"
        out["_links"] = {
            "self": [{"href": f"{self.site_url}/wp-json/wp/v2/{coll}/{item.id}"}],
            "collection": [{"href": f"{self.site_url}/wp-json/wp/v2/{coll}"}],
        }
        return out

    def _respond(
        self, req: RecordedRequest, data: Any, status: int = 200, headers: dict[str, str] | None = None
    ) -> Response:
        fields = [f for f in str(req.param("_fields") or "").split(",") if f]
        if fields:

            def pick(obj: dict[str, Any]) -> dict[str, Any]:
                return {k: v for k, v in obj.items() if k in {f.split(".")[0] for f in fields}}

            data = [pick(d) for d in data] if isinstance(data, list) else pick(data)
        return Response(status, data, headers or {})

    def _apply(self, req: RecordedRequest, item: WpItem, user: WpUser) -> Response | None:
        """Copy the request's fields onto `item`; an error Response if one is invalid."""

        def text(name: str) -> str | None:
            value = req.param(name)
            if isinstance(value, dict):
                value = value.get("raw", value.get("rendered"))
            return None if value is None else str(value)

        status = req.param("status")
        if status is not None and status not in STATUSES:
            return self._err(
                "rest_invalid_param",
                user,
                params={"status": _ENUM_MSG},
                details={"status": {"code": "rest_not_in_enum", "message": _ENUM_MSG, "data": None}},
            )
        for name in ("title", "content", "excerpt"):
            if (value := text(name)) is not None:
                setattr(item, name, value)
        for name in ("date_gmt", "date"):
            if req.param(name):
                try:
                    when = datetime.fromisoformat(str(req.param(name)).replace("Z", "+00:00"))
                except ValueError:
                    return self._err(
                        "rest_invalid_param",
                        user,
                        message=f"Invalid parameter(s): {name}",
                        params={name: "Invalid date."},
                    )
                local = self.tz if name == "date" else UTC
                item.date_gmt = (when if when.tzinfo else when.replace(tzinfo=local)).astimezone(UTC)
                item.date_set = True
                break
        new_status = str(status or item.status)
        if new_status in ("publish", "future", "private") and not self._can(user, "publish", item.type):
            return self._err("rest_cannot_publish", user)
        # wp_insert_post(): a future date turns publish into future, a past one the reverse.
        ahead = (item.date_gmt - self.clock.now()).total_seconds()
        if new_status == "publish" and ahead >= 60:
            new_status = "future"
        elif new_status == "future" and ahead < 60:
            new_status = "publish"
        if new_status == "publish" and item.status != "publish" and not item.date_set:
            item.date_gmt = self.clock.now()
        item.status = new_status
        for name in ("categories", "tags"):
            if isinstance(req.param(name), list):
                setattr(item, name, [int(x) for x in req.param(name)])
        for name in ("parent", "menu_order", "author"):
            if req.param(name) is not None:
                setattr(item, name, int(req.param(name)))
        if isinstance(req.param("meta"), dict):
            item.meta.update(req.param("meta"))
        if self.multilingual == "polylang":
            self._apply_lang(req, item)
        self._fix_slug(item, text("slug"))
        return None

    def _apply_lang(self, req: RecordedRequest, item: WpItem) -> None:
        if req.param("lang") in self.languages:
            item.lang = str(req.param("lang"))
        item.lang = item.lang or self.languages[0]
        links = req.param("translations")
        if not isinstance(links, dict):  # form/query style: translations[en]=3374
            pairs = {**req.query, **(req.body if isinstance(req.body, dict) else {})}
            links = {k[13:-1]: v for k, v in pairs.items() if k.startswith("translations[")}
        if not links:
            return
        group = {item.lang: item.id}
        for lang, other_id in links.items():
            other = self._items.get(int(other_id))
            if other is not None and other.lang == lang:  # Polylang ignores a mismatched link
                group[lang] = other.id
        item.translations = dict(group)
        for member_id in group.values():
            if member_id != item.id:
                self._items[member_id].translations = dict(group)

    # -- handlers --------------------------------------------------------------------------
    def _me(self, req: RecordedRequest, m: Any) -> Response:
        user = self._who(req)
        if user is None:
            return self._err("rest_not_logged_in")
        have = _CAPS[user.role]
        caps = {
            "read": True,
            "edit_posts": "edit" in have,
            "publish_posts": "publish" in have,
            "edit_pages": "pages" in have,
            "publish_pages": "pages" in have,
        }
        caps = {k: True for k, v in caps.items() if v}
        return self._respond(
            req,
            {
                "id": user.id,
                "name": user.name,
                "slug": user.username,
                "link": f"{self.site_url}/author/{user.username}/",
                "roles": [user.role],
                "capabilities": caps,
                "extra_capabilities": {user.role: True},
            },
        )

    def _languages(self, req: RecordedRequest, m: Any) -> Response:
        if self.multilingual != "polylang":
            return self._err("rest_no_route")
        names = {"fr": ("Français", "fr_FR"), "en": ("English", "en_US")}
        return Response(
            200,
            [
                {
                    "term_id": i + 2,
                    "name": names.get(s, (s, s))[0],
                    "slug": s,
                    "locale": names.get(s, (s, s))[1],
                    "w3c": s,
                    "is_rtl": False,
                    "is_default": i == 0,
                    "home_url": f"{self.site_url}/{s}/",
                }
                for i, s in enumerate(self.languages)
            ],
        )

    def _create(self, req: RecordedRequest, m: Any) -> Response:
        user = self._who(req)
        item_type = m["coll"][:-1]
        if user is None or not self._can(user, "edit", item_type):
            return self._err("rest_cannot_create", user)
        if req.param("id") is not None:
            return self._err("rest_post_exists", user, status=400, message="Cannot create existing post.")
        self._next_id += 1
        now = self.clock.now()
        item = WpItem(self._next_id, item_type, "", "", "", "draft", "", now, now, user.id)
        if err := self._apply(req, item, user):
            self._next_id -= 1
            return err
        if not (item.title or item.content or item.excerpt):
            self._next_id -= 1
            return self._err("empty_content", user)
        self._items[item.id] = item
        location = f"{self.site_url}/wp-json/wp/v2/{m['coll']}/{item.id}"
        if not self.pretty_permalinks:
            location = f"{self.site_url}/?rest_route=/wp/v2/{m['coll']}/{item.id}"
        return self._respond(req, self.to_json(item, "edit"), 201, {"Location": location})

    def _find(self, m: Any) -> WpItem | None:
        item = self._items.get(int(m["id"]))
        return item if item is not None and item.type == m["coll"][:-1] else None

    def _get(self, req: RecordedRequest, m: Any) -> Response:
        user, item = self._who(req), self._find(m)
        if item is None:
            return self._err("rest_post_invalid_id")
        context = str(req.param("context") or "view")
        if (item.status != "publish" or context == "edit") and not self._can(user, "edit", item.type, item):
            return self._err("rest_forbidden_context" if context == "edit" else "rest_forbidden", user)
        return self._respond(req, self.to_json(item, context))

    def _update(self, req: RecordedRequest, m: Any) -> Response:
        user, item = self._who(req), self._find(m)
        if item is None:
            return self._err("rest_post_invalid_id")
        if user is None or not self._can(user, "edit", item.type, item):
            return self._err("rest_cannot_edit", user)
        # Work on a copy: WordPress validates everything before it saves anything.
        draft = copy.deepcopy(item)
        if err := self._apply(req, draft, user):
            return err
        draft.modified_gmt = self.clock.now()
        draft.revisions.append(self.to_json(item, "edit"))
        self._items[item.id] = draft
        return self._respond(req, self.to_json(draft, "edit"))

    def _delete(self, req: RecordedRequest, m: Any) -> Response:
        user, item = self._who(req), self._find(m)
        if item is None:
            return self._err("rest_post_invalid_id")
        if not self._can(user, "delete", item.type, item):
            return self._err("rest_cannot_delete", user)
        if str(req.param("force", "")).lower() in ("true", "1"):
            previous = self.to_json(item, "edit")
            del self._items[item.id]
            return self._respond(req, {"deleted": True, "previous": previous})
        if item.status == "trash":
            return self._err("rest_already_trashed", user)
        item.meta["_wp_trash_meta_status"] = item.status
        item.status, item.slug = "trash", f"{item.slug}__trashed" if item.slug else ""
        item.modified_gmt = self.clock.now()
        return self._respond(req, self.to_json(item, "edit"))

    def _list(self, req: RecordedRequest, m: Any) -> Response:
        user = self._who(req)
        item_type = m["coll"][:-1]
        context = str(req.param("context") or "view")
        if context == "edit" and not self._can(user, "edit", item_type):
            return self._err("rest_forbidden_context", user)
        wanted = _as_list(req.param("status") or "publish")
        bad = [s for s in wanted if s not in (*STATUSES, "trash", "any")]
        if bad:
            return self._err("rest_invalid_param", user, params={"status": _ENUM_MSG})
        if wanted != ["publish"] and not self._can(user, "edit", item_type):
            forbidden = {
                "code": "rest_forbidden_status",
                "message": "Status is forbidden.",
                "data": {"status": 401 if user is None else 403},
            }
            return self._err(
                "rest_invalid_param",
                user,
                params={"status": "Status is forbidden."},
                details={"status": forbidden},
            )
        items = [
            i
            for i in self._items.values()
            if i.type == item_type and (i.status in wanted or ("any" in wanted and i.status != "trash"))
        ]
        if req.param("slug"):
            slugs = set(_as_list(req.param("slug")))
            items = [i for i in items if i.slug in slugs]
        if self.multilingual and req.param("lang"):
            items = [i for i in items if i.lang == req.param("lang")]
        if user is not None and "edit_others" not in _CAPS[user.role]:  # others' drafts hidden
            items = [i for i in items if i.status == "publish" or i.author == user.id]
        orderby = "id" if req.param("orderby") == "id" else "date"
        items.sort(
            key=lambda i: (i.id if orderby == "id" else i.date_gmt, i.id),
            reverse=str(req.param("order") or "desc") == "desc",
        )
        try:
            per_page, page = int(req.param("per_page") or 10), int(req.param("page") or 1)
        except ValueError:
            per_page, page = 0, 1
        if not 1 <= per_page <= 100:
            return self._err(
                "rest_invalid_param",
                user,
                message="Invalid parameter(s): per_page",
                params={"per_page": "per_page must be between 1 (inclusive) and 100 (inclusive)"},
            )
        pages = -(-len(items) // per_page)
        if page > max(pages, 1):
            return self._err("rest_post_invalid_page_number", user)
        chunk = items[(page - 1) * per_page : page * per_page]
        return self._respond(
            req,
            [self.to_json(i, context) for i in chunk],
            200,
            {"X-WP-Total": str(len(items)), "X-WP-TotalPages": str(pages)},
        )


def _as_list(value: Any) -> list[str]:
    if isinstance(value, list):
        return [str(v) for v in value]
    return [s.strip() for s in str(value).split(",") if s.strip()]
