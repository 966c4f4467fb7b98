"""Mastodon channel, through Mastodon.py (research/channel-apis.md §2).

One post per update and language, tagged with its ``language``. Posts are composed for
``max_characters`` (default 500, Mastodon's default; URLs count 23), and that figure is
compared with the instance's own limit (``configuration.statuses`` of ``/api/v2/instance``,
read once a day and cached in the state directory) by ``publisher check`` and before each
post: planning never touches the network. A statement longer than the limit keeps its leading
paragraphs and links the full text (``overflow = "lead"``, the default) or is refused
(``overflow = "error"``).

Exactly once: every create carries an ``Idempotency-Key`` derived from the delivery, so a
retry after a timeout gets the original status back (Mastodon keeps keys for an hour); a
delivery left in flight by a crash is first looked up among the account's recent statuses.
Mastodon.py runs with ``ratelimit_method="throw"``: a 429 becomes a retry after the time the
``X-RateLimit-Reset`` header names, never a sleep inside the cron job.
"""

from __future__ import annotations

import json
import time
from collections.abc import Mapping
from dataclasses import replace
from html.parser import HTMLParser
from typing import Any, ClassVar

from publisher import socialtext
from publisher.channels.base import Delivery, DeliveryError, PublishContext, Receipt
from publisher.channels.social import (
    COMMON_OPTIONS,
    OUTBOX_PREFIX,
    Planned,
    SocialChannel,
    normalized,
)
from publisher.cli_text import Text
from publisher.errors import Diagnostic
from publisher.options import Option, http_url

DEFAULT_LIMIT = 500  # Mastodon's default, used until the instance has been asked
DEFAULT_URL_LENGTH = 23
CACHE_SECONDS = 86400
READ_BACK = 40  # recent statuses compared when looking a post up again
VISIBILITIES = ("public", "unlisted", "private")


class _Text(HTMLParser):
    """Status HTML (``content``) back to the text that was posted."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []

    def handle_starttag(self, tag: str, attrs: Any) -> None:
        if tag == "br":
            self.parts.append("\n")
        elif tag == "p" and self.parts:
            self.parts.append("\n\n")

    def handle_data(self, data: str) -> None:
        self.parts.append(data)


def html_text(content: str) -> str:
    parser = _Text()
    parser.feed(content)
    parser.close()
    return "".join(parser.parts)


class MastodonChannel(SocialChannel):
    type_name: ClassVar[str] = "mastodon"
    OPTIONS: ClassVar[tuple[Option, ...]] = (
        Option(
            "instance",
            str,
            "",
            "address of the Mastodon server",
            check=lambda v: http_url(v) if v else None,
            example="https://social.numerique.gouv.fr",
        ),
        Option("visibility", str, "public", "who sees the posts", choices=VISIBILITIES),
        Option(
            "overflow",
            str,
            "lead",
            'too long a text: "lead" posts the first paragraphs and links the rest; "error" refuses',
            choices=("lead", "error"),
        ),
        Option("max_characters", int, DEFAULT_LIMIT, "longest post; at most the instance's limit"),
        *COMMON_OPTIONS,
    )

    url_length: ClassVar[int | None] = DEFAULT_URL_LENGTH
    ACCOUNT_OPTIONS: ClassVar[tuple[str, ...]] = ("token_env", "instance")

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        problems = super().validate_options(options)
        instance = options.get("instance", "")
        if options.get("token_env") and not instance:
            problems.append(
                (
                    "instance",
                    "instance is required to post with a token",
                    'add instance = "https://<your Mastodon server>"',
                )
            )
        return problems

    def __init__(self, config: Any, project: Any) -> None:
        super().__init__(config, project)
        self._api: Any = None
        self._limits: tuple[int, int] | None = None
        self._recent: list[Any] | None = None  # this account's recent statuses (find)

    # -- limits ------------------------------------------------------------------------------
    @property
    def instance(self) -> str:
        return str(self.options["instance"]).rstrip("/")

    def limit(self) -> int:
        # Planning uses the configured limit only: plan() must not touch the network, and a
        # post must not change (and be edited) because a cache appeared. The instance's own
        # limit is compared with it by `publisher check` and before each send.
        return int(self.options["max_characters"])

    def instance_limits(self) -> tuple[int, int] | None:
        """(max_characters, characters per URL) from /api/v2/instance, cached for a day in the
        state directory; None when the instance cannot be asked and nothing is cached."""
        if self._limits is not None:
            return self._limits
        if not self.instance:
            return None
        cache = self.project.state_dir / f"mastodon-{self.name}.json"
        cached: dict[str, Any] = {}
        try:
            cached = json.loads(cache.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            pass
        if cached.get("instance") != self.instance:
            cached = {}
        if time.time() - float(cached.get("fetched", 0)) >= CACHE_SECONDS:
            try:
                conf = self.api(anonymous=True).instance_v2().configuration.statuses
                cached = {
                    "instance": self.instance,
                    "fetched": time.time(),
                    "max_characters": int(conf.max_characters),
                    "characters_reserved_per_url": int(conf.characters_reserved_per_url),
                }
                cache.parent.mkdir(parents=True, exist_ok=True)
                cache.write_text(json.dumps(cached), encoding="utf-8")
            except Exception:
                pass  # unreachable now: the last known limits, if any
        if "max_characters" not in cached:
            return None
        self._limits = (
            int(cached["max_characters"]),
            int(cached.get("characters_reserved_per_url", DEFAULT_URL_LENGTH)),
        )
        return self._limits

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        found = super().check(ctx)
        limits = self.instance_limits() if self.instance else None
        if limits is not None and limits[0] < self.limit():
            found.append(
                Diagnostic(
                    self.project.path.name,
                    self.config.line,
                    Text(
                        "[channels.{name}] max_characters = {value}, but {instance} accepts only {limit} "
                        "characters per post",
                        name=self.name,
                        value=self.limit(),
                        instance=self.instance,
                        limit=limits[0],
                    ),
                    Text(
                        "set max_characters = {limit} in [channels.{name}]", limit=limits[0], name=self.name
                    ),
                )
            )
        return found

    def refuse_if_over_instance(self, delivery: Delivery, text: str) -> None:
        limits = self.instance_limits()
        if limits is None:
            return

        length = socialtext.length(text, limits[1])
        if length > limits[0]:
            raise self.error(
                f"the post for update {delivery.update_id} is {length} characters "
                f"as {self.instance} counts them, over its limit of {limits[0]}: set "
                f"max_characters = {limits[0]} in [channels.{self.name}] (the post "
                "is then shortened to fit); nothing was sent",
                False,
            )

    # -- planning ----------------------------------------------------------------------------
    def plan_posts(self, ctx: PublishContext) -> list[Planned]:
        retracted = self.retractions(ctx)
        out: list[Planned] = []
        for update, views in self.updates(ctx):
            by = retracted.get(update.id)
            for lang in self.languages(update, views, self.project):
                composed = self.compose(*views[lang], retracted_by=by)
                payload = {
                    "status": composed.text,
                    "language": lang,
                    "visibility": str(self.options["visibility"]),
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
                    f"Mastodon {what} for {update.id} ({lang}){cut}",
                )
                out.append(Planned(delivery, update, composed, views[lang]))
        return out

    # -- the API -----------------------------------------------------------------------------
    def api(self, anonymous: bool = False) -> Any:
        # Imported here: the SDK only when this channel calls the network (rare on cron).
        from mastodon import Mastodon

        if anonymous:  # the instance's limits: `check` must not hang on a server that is down
            return Mastodon(
                api_base_url=self.instance,
                ratelimit_method="throw",
                request_timeout=min(float(self.options["timeout"]), 5.0),
                version_check_mode="none",
                user_agent="publisher",
            )
        if self._api is None:
            self._api = Mastodon(
                access_token=self.token(),
                api_base_url=self.instance,
                ratelimit_method="throw",
                request_timeout=float(self.options["timeout"]),
                version_check_mode="none",
                user_agent="publisher",
            )
        return self._api

    def find(self, text: str) -> Receipt | None:
        """A recent status of this account whose text is `text`, or None."""
        # Imported here: the SDK only when this channel calls the network (rare on cron).
        from mastodon import MastodonAPIError, MastodonServerError

        api = self.api()
        try:
            # Read once per pass: every create asks (adopt before create), and what this pass
            # posts itself is never looked for again in the same pass.
            if self._recent is None:
                me = api.account_verify_credentials()
                self._recent = list(api.account_statuses(me["id"], limit=READ_BACK))
            statuses = self._recent
        except MastodonServerError as exc:
            raise self.classify(exc) from None
        except MastodonAPIError as exc:
            if len(exc.args) > 1 and exc.args[1] in (401, 403):
                return None  # a write-only token cannot read back: the Idempotency-Key decides
            raise self.classify(exc) from None
        except Exception as exc:
            raise self.classify(exc) from None
        wanted = normalized(text)
        for st in statuses:
            if normalized(html_text(str(st["content"]))) == wanted:
                return Receipt(str(st["id"]), st.get("url"))
        return None

    # -- protocol ----------------------------------------------------------------------------
    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        text = str(delivery.payload["status"])
        self.refuse_if_too_long(delivery, text)
        by_hand = previous is not None and previous.remote_id.startswith(OUTBOX_PREFIX)
        if by_hand or self.token() is None or not self.instance:
            return self.to_outbox(delivery, text, previous)
        self.refuse_if_over_instance(delivery, text)
        self.raise_if_blocked()
        if previous is None:
            # A post already there with this text (a lost ledger, another machine, a crash
            # older than the instance's one-hour Idempotency-Key memory) is ours: adopt it.
            found = self.find(text)
            if found is not None:
                return replace(found, adopted=True)
        api = self.api()
        try:
            if previous is None:
                st = api.status_post(
                    text,
                    visibility=delivery.payload.get("visibility"),
                    language=delivery.payload.get("language"),
                    idempotency_key=idempotency_key,
                )
            else:
                st = api.status_update(previous.remote_id, status=text)
        except Exception as exc:  # classified; the original is dropped from the chain
            # Imported here with the SDK itself (api()): the cron path never pays for it unused.
            from mastodon import MastodonRatelimitError, MastodonUnauthorizedError

            self._recent = None  # it may have arrived: the next look-up reads the account again
            error = self.classify(exc, editing=previous)
            status = exc.args[1] if len(exc.args) > 1 else None
            if isinstance(exc, MastodonRatelimitError | MastodonUnauthorizedError) or status == 403:
                self.block(error)  # the token or the rate window, not this post
            raise error from None
        return Receipt(str(st["id"]), st.get("url"))

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        if self.token() is None or not self.instance:
            return None  # outbox files are simply written again
        self.raise_if_blocked()
        return self.find(str(delivery.payload["status"]))

    # -- errors ------------------------------------------------------------------------------
    def classify(self, exc: Exception, editing: Receipt | None = None) -> DeliveryError:
        # Imported here: the SDK only when this channel calls the network (rare on cron).
        from mastodon import (
            MastodonAPIError,
            MastodonNetworkError,
            MastodonNotFoundError,
            MastodonRatelimitError,
            MastodonServerError,
            MastodonUnauthorizedError,
        )

        where = self.instance
        if isinstance(exc, MastodonRatelimitError):
            reset = getattr(self._api, "ratelimit_reset", None) if self._api else None
            wait = max(1.0, float(reset) - time.time()) if reset else None
            return self.error(
                f"{where} says too many requests (429); will retry" + (f" in {wait:.0f} s" if wait else ""),
                True,
                wait,
            )
        if isinstance(exc, MastodonNetworkError):
            return self.error(
                f"could not reach {where} (network error or timeout); will retry "
                "with the same Idempotency-Key, so no duplicate",
                True,
            )
        said = exc.args[3] if isinstance(exc, MastodonAPIError) and len(exc.args) > 3 else ""
        status = exc.args[1] if isinstance(exc, MastodonAPIError) and len(exc.args) > 1 else None
        said_text = f" ({said})" if said else ""
        if isinstance(exc, MastodonServerError) or status in (408, 429):
            return self.error(f"{where} answered {status}{said_text}; will retry", True)
        if isinstance(exc, MastodonUnauthorizedError):
            return self.error(
                f"{where} refused the access token (401{said_text}). Create a new "
                "access token with the write:statuses scope (Preferences → "
                f"Development) and put it in the environment variable "
                f"{self.token_env}",
                False,
            )
        if isinstance(exc, MastodonNotFoundError) and editing is not None:
            return self.error(
                f"the status {editing.remote_id} no longer exists on {where} "
                f"(404{said_text}): it was deleted there. Post the corrected text "
                "by hand, or delete this delivery from the ledger to post anew",
                False,
            )
        if status == 403:
            return self.error(
                f"{where} refused the action (403{said_text}): give the token the "
                "write:statuses scope, or ask the instance's admins whether the "
                "account is disabled",
                False,
            )
        if status == 422:
            return self.error(
                f"{where} refused the post (422{said_text}): fix the update's text (run `publisher check`)",
                False,
            )
        return self.error(f"{where} answered {status or type(exc).__name__}{said_text}: {exc}", False)
