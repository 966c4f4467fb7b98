"""Website target: a WordPress site, one post (or page) per incident and language, REST API.

Facts this follows (``research/channel-apis.md`` §4, ``wordpress-on-loopback.md``):

* Auth is an Application Password over HTTP Basic. The password is read from the environment
  variable named by ``password_env``; it never reaches the config, the ledger or a log.
* WordPress 6.1 serves a wrong password as *anonymous* (public GETs answer 200), so the
  credentials are checked first with ``GET /wp/v2/users/me`` (401 = bad credentials).
* Create ``POST /wp/v2/<posts|pages>`` → 201; edit in place ``POST /wp/v2/<type>/<id>`` → 200.
  The remote id is the key of every later edit; the slug is only for finding the object
  again after a crash (``GET ?slug=…&status=…&context=edit``), WordPress may append ``-2``.
* Each sent body ends with an HTML comment naming the delivery's idempotency key (comments
  survive kses for every role), so ``reconcile`` can tell whether an interrupted create or
  edit did arrive, without relying on timestamps (``modified`` has 1 s resolution).
* Errors: transport errors, 429 and 5xx are transient (``Retry-After`` honoured); 401/403 and
  400 need a person. Bodies may be HTML (hosts, WAFs): never assume JSON.

Config::

    [channels.cms]
    type = "wordpress"
    base_url = "https://www.chu-exemple.fr"     # the site; the API is <base_url>/wp-json
    user = "communication"
    password_env = "WP_APP_PASSWORD"            # the variable holding the application password
    post_type = "post"                          # or "page"
    status = "publish"                          # or "draft" / "pending" to review in WordPress
    slug_prefix = "incident-"                   # optional
"""

from __future__ import annotations

import hashlib
import html
import os
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

import requests

from publisher import __version__, urls
from publisher.channels.base import (
    Channel,
    ChannelKind,
    Delivery,
    DeliveryError,
    DriftCheck,
    PassStop,
    PublishContext,
    Receipt,
)
from publisher.cli_text import Text
from publisher.config import ChannelConfig, Config
from publisher.errors import Diagnostic
from publisher.options import Option, env_name, http_url, validate

POST_TYPES = {"post": "posts", "page": "pages"}
STATUSES = ("publish", "draft", "pending", "private")
OPTIONS = (
    Option(
        "base_url",
        str,
        "",
        "address of the WordPress site",
        required=True,
        check=http_url,
        example="https://www.example.org",
    ),
    Option("user", str, "", "the WordPress user who publishes", required=True, example="communication"),
    Option(
        "password_env",
        str,
        "",
        "environment variable holding that user's application password",
        required=True,
        check=env_name,
        example="WP_APP_PASSWORD",
    ),
    Option("post_type", str, "post", "what each language's page is in WordPress", choices=tuple(POST_TYPES)),
    Option("status", str, "publish", "the WordPress status given to it", choices=STATUSES),
    Option("slug_prefix", str, "", "prefix of the slugs, to keep them apart from other posts"),
    Option(
        "api_url", str, "", "REST API root; default: base_url + /wp-json", check=lambda v: v and http_url(v)
    ),
    Option("timeout", float, 20, "seconds to wait for WordPress to answer"),
)
FIND_STATUSES = "publish,future,draft,pending,private"


def marker(idempotency_key: str) -> str:
    return f"<!-- publisher:{idempotency_key} -->"


class WordPressChannel(Channel):
    kind: ClassVar[ChannelKind] = "website"
    can_edit: ClassVar[bool] = True  # PUT on the same post
    can_reply: ClassVar[bool] = False
    drift_check: ClassVar[DriftCheck] = "before_edit"  # one GET of the post before an edit

    def __init__(self, config: ChannelConfig, project: Config) -> None:
        o = config.options
        self.name = config.name
        self.line = config.line
        self.project = project
        self.base_url = str(o["base_url"]).rstrip("/")
        self.api_url = str(o.get("api_url") or self.base_url + "/wp-json").rstrip("/")
        self.user = str(o["user"])
        self.password_env = str(o["password_env"])
        self.collection = POST_TYPES[str(o.get("post_type", "post"))]
        self.status = str(o.get("status", "publish"))
        self.slug_prefix = str(o.get("slug_prefix", ""))
        self.timeout = float(o.get("timeout", 20))
        self._session: requests.Session | None = None
        self._checked = False
        # A failed credential check or an unreachable site fails every later call of this
        # pass at once, instead of waiting for a timeout once per delivery.
        self._down = PassStop()

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return validate(OPTIONS, options, Text("a {type} channel", type="wordpress"))

    # -- the protocol ----------------------------------------------------------------------

    def plan(self, ctx: PublishContext) -> list[Delivery]:
        # Imported here: Jinja only when a plan is made: a skipped pass renders nothing.
        from publisher.render import Renderer

        renderer = Renderer(ctx.config, ctx.corrections)
        deliveries = []
        for lang in ctx.config.languages:
            for iv in ctx.views.get(lang, []):
                incident = iv.incident

                def update_url(u: Any, lang: str = lang, iid: str = incident.id) -> str:
                    return urls.absolute(ctx.config.base_url, urls.update(lang, iid, u.stem))

                content = renderer.render(
                    "wordpress/incident.html", lang, iv=iv, update_url=update_url, page=""
                )
                # WordPress reads the title as HTML: escape it, as the site does.
                payload = {
                    "title": html.escape(iv.title, quote=False),
                    "content": content.strip() + "\n",
                    "status": self.status,
                    "slug": self.slug(incident.id, lang),
                }
                deliveries.append(
                    Delivery(
                        self.name,
                        f"{incident.id}/{lang}",
                        Delivery.hash_payload(payload),
                        payload,
                        lang=lang,
                        summary=f"{self.collection[:-1]} '{iv.title}' ({lang})",
                    )
                )
        return deliveries

    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        self.check_credentials()
        body = dict(delivery.payload)
        body["content"] = str(body["content"]) + marker(idempotency_key) + "\n"
        adopted = False
        if previous is None:
            # Before creating: is the post there already, made by publisher for this key (a
            # lost ledger, another machine)? Then it is edited, never made twice.
            found = self.find_ours(str(body["slug"]))
            if found is not None and marker(idempotency_key) in self.raw(found, "content"):
                return replace(self.receipt(found), adopted=True)
            if found is not None:
                previous, adopted = self.receipt(found), True
        if previous is not None:
            r = self.request("POST", f"/wp/v2/{self.collection}/{previous.remote_id}", json=body)
            if r.status_code in (404, 410):
                # Deleted in WordPress: only a person's --overwrite-remote gets here (the job
                # asks drift() before an edit), so publish it again as they asked.
                r = self.request("POST", f"/wp/v2/{self.collection}", json=body)
        else:
            r = self.request("POST", f"/wp/v2/{self.collection}", json=body)
        if r.status_code not in (200, 201):
            raise self.error(r, "publishing " + delivery.key)
        return replace(self.receipt(self.json(r)), adopted=adopted)

    def drift(self, previous: Receipt) -> str | None:
        self.check_credentials()
        r = self.request("GET", f"/wp/v2/{self.collection}/{previous.remote_id}", params={"context": "edit"})
        what = f"the {self.collection[:-1]} {previous.remote_id} ({previous.url or 'no link'})"
        if r.status_code in (404, 410):
            return f"{what} was deleted in WordPress"
        if r.status_code != 200:
            raise self.error(r, f"looking up {what}")
        item = self.json(r)
        if isinstance(item, dict) and item.get("status") == "trash":
            return f"{what} was moved to the trash in WordPress"
        sent = previous.extra.get("fingerprint")
        if sent and sent != self.fingerprint(item):
            return f"{what} was edited in WordPress by someone"
        return None

    def find_ours(self, slug: str) -> Any:
        """The post with this slug that carries a publisher marker, or None."""
        r = self.request(
            "GET",
            f"/wp/v2/{self.collection}",
            params={"slug": slug, "status": FIND_STATUSES, "context": "edit", "per_page": 20},
        )
        if r.status_code != 200:
            raise self.error(r, f"looking for an existing {self.collection[:-1]} '{slug}'")
        items = self.json(r)
        for item in items if isinstance(items, list) else []:
            if "<!-- publisher:" in self.raw(item, "content"):
                return item
        return None

    @staticmethod
    def raw(item: Any, name: str) -> str:
        value = item.get(name) if isinstance(item, dict) else None
        return str(value.get("raw") or "") if isinstance(value, dict) else ""

    def fingerprint(self, item: Any) -> str:
        """What a person may change in WordPress: title, content, status."""
        text = "\0".join((self.raw(item, "title"), self.raw(item, "content"), str(item.get("status"))))
        return hashlib.sha256(text.encode()).hexdigest()[:32]

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        self.check_credentials()
        wanted = marker(idempotency_key)
        slug = str(delivery.payload.get("slug", ""))
        for params in ({"slug": slug}, {"search": f"publisher:{idempotency_key}"}):
            r = self.request(
                "GET",
                f"/wp/v2/{self.collection}",
                params={**params, "status": FIND_STATUSES, "context": "edit", "per_page": 20},
            )
            if r.status_code != 200:
                raise self.error(r, "looking up " + delivery.key)
            items = self.json(r)
            for item in items if isinstance(items, list) else []:
                raw = (item.get("content") or {}).get("raw") or ""
                if wanted in raw:
                    return self.receipt(item)
        return None

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        if not os.environ.get(self.password_env):
            return [
                Diagnostic(
                    "publisher.toml",
                    self.line,
                    Text(
                        "[channels.{name}] the environment variable {password_env} is not set",
                        name=self.name,
                        password_env=self.password_env,
                    ),
                    Text(
                        "export {password_env}=<application password of '{user}'> in the environment of the "
                        "publishing job",
                        password_env=self.password_env,
                        user=self.user,
                    ),
                )
            ]
        return []

    # -- HTTP ------------------------------------------------------------------------------

    def slug(self, incident_id: str, lang: str) -> str:
        return f"{self.slug_prefix}{incident_id}-{lang}".lower()

    @property
    def session(self) -> requests.Session:
        if self._session is None:
            password = os.environ.get(self.password_env)
            if not password:
                raise DeliveryError(
                    f"the environment variable {self.password_env} is not set: export it with "
                    f"the application password of WordPress user '{self.user}' (WordPress: "
                    "Users → Profile → Application Passwords)",
                    transient=False,
                )
            s = requests.Session()
            s.auth = (self.user, password)
            s.headers.update({"User-Agent": f"publisher/{__version__}", "Accept": "application/json"})
            self._session = s
        return self._session

    def request(self, method: str, route: str, **kwargs: Any) -> requests.Response:
        url = self.api_url + route
        try:
            return self.session.request(method, url, timeout=self.timeout, **kwargs)
        except requests.Timeout as exc:
            raise DeliveryError(
                f"WordPress at {self.base_url} did not answer within {self.timeout:g} s", transient=True
            ) from exc
        except requests.RequestException as exc:
            reason = type(exc).__name__
            raise DeliveryError(
                f"WordPress at {self.base_url} is unreachable ({reason})", transient=True
            ) from exc

    def check_credentials(self) -> None:
        """Once per pass: a wrong password is served as anonymous, so ask who we are."""
        self._down.raise_if_stopped()
        if self._checked:
            return
        try:
            self._check_credentials()
        except DeliveryError as exc:
            self._down.stop(exc)
            raise

    def _check_credentials(self) -> None:
        r = self.request("GET", "/wp/v2/users/me", params={"context": "edit"})
        if r.status_code == 401:
            raise DeliveryError(
                f"WordPress at {self.base_url} did not accept the application password of user "
                f"'{self.user}' (401 {self.code(r)}): create a new one in WordPress (Users → "
                f"Profile → Application Passwords) and put it in {self.password_env}; over "
                "plain http WordPress also needs WP_ENVIRONMENT_TYPE=local",
                transient=False,
            )
        if r.status_code != 200:
            raise self.error(r, "checking the credentials")
        self._checked = True

    @staticmethod
    def json(r: requests.Response) -> Any:
        try:
            return r.json()
        except ValueError as exc:
            raise DeliveryError(
                f"WordPress answered {r.status_code} with a body that is not "
                "JSON (a proxy or maintenance page?)",
                transient=True,
            ) from exc

    @staticmethod
    def code(r: requests.Response) -> str:
        try:
            data = r.json()
        except ValueError:
            return "non-JSON answer"
        return str(data.get("code", "")) if isinstance(data, dict) else ""

    def error(self, r: requests.Response, doing: str) -> DeliveryError:
        code = self.code(r)
        where = f"WordPress at {self.base_url} answered {r.status_code} {code} while {doing}"
        if r.status_code == 429 or r.status_code >= 500:
            retry_after = r.headers.get("Retry-After", "")
            return DeliveryError(
                where + "; will retry",
                transient=True,
                retry_after=float(retry_after) if retry_after.isdigit() else None,
            )
        if r.status_code in (401, 403):
            return DeliveryError(
                where + f": user '{self.user}' may not do this; give it the "
                "Editor role (or Author for posts) in WordPress",
                transient=False,
            )
        try:
            message = str(r.json().get("message", ""))
        except (ValueError, AttributeError):
            message = ""
        return DeliveryError(where + (f": {message}" if message else ""), transient=False)

    def receipt(self, item: Any) -> Receipt:
        if not isinstance(item, dict) or "id" not in item:
            raise DeliveryError("WordPress answered without a post id", transient=True)
        extra = {"slug": item.get("slug"), "type": self.collection}
        if self.raw(item, "content"):  # the edit context: what WordPress holds now
            extra["fingerprint"] = self.fingerprint(item)
        return Receipt(str(item["id"]), item.get("link"), extra)
