"""Facebook Page channel, through facebook-sdk and the Graph API (research/channel-apis.md §1).

Modes: ``combined`` (default) makes one post per update, its own language first; when a
translation becomes publishable the same post is edited to add it. ``per-language`` makes
one post per update and language.

facebook-sdk 3.1.0 (the last release) refuses any version newer than 3.1 in its constructor,
so the pinned version (``api_version``, default v26.0) is set on the client afterwards, and
every call goes through ``request()`` with that version in the path (channel-apis.md §1.7).
The token travels in the ``Authorization`` header, never in a URL or a form body, so a
connection error (whose text names the URL) cannot leak it.

Errors are classified by the Graph error ``code``, never by the HTTP status (which Meta sets
inconsistently): rate limits and ``is_transient`` are retried later; token, permission and
parameter errors fail with what a person must do.

Crash recovery: before creating a post, and when reconciling a delivery left in flight, the
Page's recent ``published_posts`` are read back and a post with the same text is adopted
instead of posting again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from dataclasses import replace
from typing import Any, ClassVar

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
from publisher.localize import IncidentView, UpdateView
from publisher.options import Option, http_url

MESSAGE_MAX = 63206  # the limit everyone cites; the Graph reference does not state one
DEFAULT_VERSION = "v26.0"
DEFAULT_BASE = "https://graph.facebook.com/"
MODES = ("combined", "per-language")
READ_BACK = 100  # recent posts compared when looking a post up again
TRANSIENT_CODES = {1, 2, 4, 17, 32, 341, 613, 80001}
# Codes about the token, the app or the Page rather than one post: stop the pass's calls.
CHANNEL_WIDE = {4, 10, 17, 32, 190, 200, 341, 613, 2500, 80001}
TOKEN_SUBCODES = {
    463: "the token has expired",
    467: "the token's user logged out",
    460: "the token's user changed their password",
    458: "the app was removed from the token's account",
    492: "the token's user no longer has a role on the Page",
}


class GraphError(DeliveryError):
    """A DeliveryError that remembers the Graph error code it came from."""

    def __init__(self, base: DeliveryError, code: int | None) -> None:
        super().__init__(str(base), base.transient, base.retry_after)
        self.code = code


class FacebookChannel(SocialChannel):
    type_name: ClassVar[str] = "facebook"
    OPTIONS: ClassVar[tuple[Option, ...]] = (
        Option(
            "page_id",
            str,
            "",
            "numeric id of the Facebook Page (Page settings → About → Page ID)",
            check=lambda v: (
                None if not v or v.isdigit() else "is not a numeric Page id: use the id, not the name"
            ),
            example="123456789",
        ),
        Option(
            "mode",
            str,
            "combined",
            "combined (one post per update, every language) or per-language",
            choices=MODES,
        ),
        Option(
            "api_version",
            str,
            DEFAULT_VERSION,
            "Graph API version the calls are pinned to",
            check=lambda v: None if re.fullmatch(r"v\d+\.\d+", v) else "is not a Graph API version",
        ),
        Option(
            "base_url", str, DEFAULT_BASE, "Graph API address (tests point it at an emulator)", check=http_url
        ),
        Option("max_characters", int, MESSAGE_MAX, "longest post accepted"),
        *COMMON_OPTIONS,
    )
    url_length: ClassVar[int | None] = None  # Facebook counts a URL as written
    ACCOUNT_OPTIONS: ClassVar[tuple[str, ...]] = ("token_env", "page_id", "base_url")

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        problems = super().validate_options(options)
        page = options.get("page_id", "")
        if options.get("token_env") and not page:
            problems.append(
                (
                    "page_id",
                    "page_id is required to post with a token",
                    'add page_id = "<numeric Page id>" (Page settings → About → Page ID)',
                )
            )
        return problems

    def __init__(self, config: Any, project: Any) -> None:
        super().__init__(config, project)
        self._graph: Any = None
        self._headers: Mapping[str, str] = {}

    def limit(self) -> int:
        return int(self.options["max_characters"])

    @property
    def version(self) -> str:
        return str(self.options["api_version"])

    # -- planning ----------------------------------------------------------------------------
    def plan_posts(self, ctx: PublishContext) -> list[Planned]:
        retracted = self.retractions(ctx)
        out: list[Planned] = []
        for update, views in self.updates(ctx):
            langs = self.languages(update, views, self.project)
            by = retracted.get(update.id)
            what = "withdrawn notice" if by else "post"
            if self.options["mode"] == "combined":
                # The update's own text is in this very post: a translation that is not ready
                # (after a correction) is left out rather than repeated with a notice.
                langs = [lang for lang in langs if views[lang][1].translated]
                parts = [self.compose(*views[lang], retracted_by=by) for lang in langs]
                text = tidy(
                    self.renderer().render(
                        "social/combined.txt", update.lang, "social", sections=[p.text for p in parts]
                    )
                )
                composed = Composed(text, self.measure(text), self.limit(), any(p.shortened for p in parts))
                out.append(
                    self._planned(
                        f"post:{update.id}",
                        update,
                        None,
                        composed,
                        f"Facebook {what} for {update.id} ({'+'.join(langs)})",
                    )
                )
                continue
            for lang in langs:
                composed = self.compose(*views[lang], retracted_by=by)
                out.append(
                    self._planned(
                        f"post:{update.id}:{lang}",
                        update,
                        lang,
                        composed,
                        f"Facebook {what} for {update.id} ({lang})",
                        views[lang],
                    )
                )
        return out

    def _planned(
        self,
        key: str,
        update: Any,
        lang: str | None,
        composed: Composed,
        summary: str,
        views: tuple[IncidentView, UpdateView] | None = None,
    ) -> Planned:
        payload = {"message": composed.text}
        delivery = Delivery(self.name, key, Delivery.hash_payload(payload), payload, update.id, lang, summary)
        return Planned(delivery, update, composed, views)

    # -- the Graph API -----------------------------------------------------------------------
    def graph(self) -> Any:
        """A facebook-sdk client pinned to the configured version and address."""
        if self._graph is None:
            # Imported here: the SDKs only when this channel calls the network (rare on cron).
            import facebook
            import requests

            token = self.token()
            base = str(self.options["base_url"]).rstrip("/") + "/"
            channel = self

            class Session(requests.Session):
                def request(  # type: ignore[override]
                    self, method: str, url: str, *args: Any, **kwargs: Any
                ) -> Any:
                    # facebook-sdk builds URLs on its module constant; send them to base_url.
                    if url.startswith(facebook.FACEBOOK_GRAPH_URL):
                        url = base + url[len(facebook.FACEBOOK_GRAPH_URL) :]
                    return super().request(method, url, *args, **kwargs)

            def keep_headers(response: Any, *args: Any, **kwargs: Any) -> None:
                channel._headers = response.headers  # rate-limit usage, served version

            session = Session()
            session.headers["Authorization"] = f"OAuth {token}"
            session.hooks["response"].append(keep_headers)
            graph = facebook.GraphAPI(
                access_token=None, timeout=float(self.options["timeout"]), session=session
            )
            graph.version = self.version  # never version=: the SDK rejects anything above 3.1
            self._graph = graph
        return self._graph

    def _call(
        self, path: str, args: dict[str, Any] | None = None, post_args: dict[str, Any] | None = None
    ) -> Any:
        try:
            return self.graph().request(f"{self.version}/{path}", args=args, post_args=post_args)
        except Exception as exc:  # classified below; the original (with its URL) is dropped
            code = _code(exc)
            error = GraphError(self.classify(exc), code)
            if code in CHANNEL_WIDE or (code is not None and 200 <= code <= 299):
                self.block(error)
            raise error from None

    def find(self, text: str) -> Receipt | None:
        """A post of the Page's recent ones whose text is `text` (after a crash or a retry)."""
        page = self._call(
            f"{self.options['page_id']}/published_posts",
            args={"fields": "id,message,created_time,permalink_url", "limit": READ_BACK},
        )
        wanted = normalized(text)
        for post in page.get("data", []) if isinstance(page, dict) else []:
            if normalized(str(post.get("message", ""))) == wanted:
                return self.receipt(str(post["id"]), post.get("permalink_url"))
        return None

    def receipt(self, post_id: str, permalink: str | None = None) -> Receipt:
        served = self._headers.get("facebook-api-version") if self._headers else None
        extra = {"api_version": served} if served else {}
        return Receipt(post_id, permalink or f"https://www.facebook.com/{post_id}", extra)

    # -- protocol ----------------------------------------------------------------------------
    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        text = str(delivery.payload["message"])
        self.refuse_if_too_long(delivery, text)
        by_hand = previous is not None and previous.remote_id.startswith(OUTBOX_PREFIX)
        if by_hand or self.token() is None:
            # A post first made by hand stays managed by hand: its edit goes to the outbox too.
            return self.to_outbox(delivery, text, previous)
        self.raise_if_blocked()
        if previous is None:
            # A post already on the Page with this text (a crash or timeout, a lost ledger,
            # another machine) is ours: adopt it.
            found = self.find(text)
            if found is not None:
                return replace(found, adopted=True)
            try:
                result = self._call(f"{self.options['page_id']}/feed", post_args={"message": text})
            except GraphError as exc:
                if exc.code == 506 and (found := self.find(text)) is not None:
                    return found  # the identical post is already there: it is ours
                raise
            return self.receipt(str(result["id"]))
        self._call(previous.remote_id, post_args={"message": text})
        return self.receipt(previous.remote_id, previous.url)

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        if self.token() is None:
            return None  # outbox files are simply written again
        self.raise_if_blocked()
        return self.find(str(delivery.payload["message"]))

    # -- errors ------------------------------------------------------------------------------
    def classify(self, exc: Exception) -> DeliveryError:
        """A DeliveryError from what the Graph API (or the network) said, by error code."""
        # Imported here: the SDKs only when this channel calls the network (rare on cron).
        import facebook
        import requests

        if isinstance(exc, requests.Timeout):
            return self.error(
                "Facebook did not answer in time; will retry (a post that did "
                "reach the Page is found again before posting)",
                True,
            )
        if isinstance(exc, requests.RequestException):
            return self.error(
                f"could not reach Facebook at {self.options['base_url']} ({type(exc).__name__}); will retry",
                True,
            )
        if not isinstance(exc, facebook.GraphAPIError):
            return self.error(f"unexpected answer from Facebook: {exc}", True)
        err = exc.result.get("error", {}) if isinstance(exc.result, dict) else {}
        if not isinstance(err, dict) or "code" not in err:
            return self.error(f"unexpected answer from Facebook: {exc}", True)
        code = int(err.get("code", 0))
        sub = err.get("error_subcode")
        said = f"Facebook said: {err.get('message', '')} (code {code}"
        said += f", subcode {sub}" if sub else ""
        said += f", fbtrace_id {err['fbtrace_id']})" if err.get("fbtrace_id") else ")"
        env = self.token_env
        if code in TRANSIENT_CODES or (err.get("is_transient") and code != 190):
            return self.error(
                f"{said}; rate-limited or temporarily unavailable, will retry", True, self.retry_after(code)
            )
        if code == 190:
            why = TOKEN_SUBCODES.get(int(sub), "the token is not valid") if sub else "the token is not valid"
            return self.error(
                f"{said}: {why}. Renew the Page token (Meta Business Suite or "
                f"/me/accounts with a long-lived user token) and put it in the "
                f"environment variable {env}",
                False,
            )
        if code in (10, 200) or 200 <= code <= 299:
            return self.error(
                f"{said}: the token may not post on Page {self.options['page_id']}. "
                "Use a Page access token (not a user token) with the "
                "pages_manage_posts and pages_read_engagement permissions, from a "
                "user who can create content on the Page",
                False,
            )
        if code == 506:
            return self.error(
                f"{said}: Facebook refused an identical consecutive post and no "
                "such post is on the Page. Change the update's text, or post it "
                "by hand",
                False,
            )
        if code == 100 and sub == 33:
            return self.error(
                f"{said}: the post is no longer on the Page, or was not made by "
                "this app (only this app's posts can be edited). If it was deleted "
                "on Facebook, post the current text by hand (`publisher preview` "
                "shows it)",
                False,
            )
        if code == 100:
            return self.error(
                f"{said}: Facebook refused a parameter. Check page_id in "
                f"[channels.{self.name}], and that the post still exists and was "
                "made by this app (edits of other posts are refused)",
                False,
            )
        if code == 2500:
            return self.error(
                f"{said}: set api_version in [channels.{self.name}] to a Graph "
                f"API version Facebook serves (now {self.version})",
                False,
            )
        if code == 368:
            return self.error(
                f"{said}: Facebook blocked the post as abusive. Check the Page's "
                "status in Meta Business Suite and post by hand meanwhile",
                False,
            )
        return self.error(f"{said}; see the Graph API error reference", False)

    def retry_after(self, code: int) -> float | None:
        """Seconds to wait, from the usage header Meta sends with a throttle, if any."""
        raw = self._headers.get("x-business-use-case-usage") if self._headers else None
        if not raw:
            return None
        try:
            usage = json.loads(raw)
            minutes = max(
                int(entry.get("estimated_time_to_regain_access", 0))
                for entries in usage.values()
                for entry in entries
            )
        except (ValueError, TypeError, AttributeError):
            return None
        return float(minutes * 60) if minutes > 0 else None


def _code(exc: Exception) -> int | None:
    result = getattr(exc, "result", None)
    err = result.get("error") if isinstance(result, dict) else None
    code = err.get("code") if isinstance(err, dict) else None
    return int(code) if isinstance(code, int | str) and str(code).isdigit() else None
