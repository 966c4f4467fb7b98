"""What the social channels (Facebook Page, Mastodon) share: options, post text, outbox, secrets.

A social post is rendered from the Jinja plain-text templates in ``templates/social/`` (the
project's own ``templates/social/`` overrides them) with the update's Markdown flattened to
readable text by :mod:`publisher.socialtext`, and always ends with the link to the update's
page on the status site.

Which posts exist:

* one per update and language whose text is publishable in that language (a translation is
  never guessed; the source-language post never waits for it). A corrected update whose
  translation is not ready yet still gets its other-language posts edited, with the original
  text and the "translation in progress" notice (a combined post drops that language until
  the translation is ready), so no post keeps the outdated statement;
* a post whose update is withdrawn (``retracts:`` in a later, due update) is edited to say so,
  link the new statement and keep the original text below: never deleted, never silent.

When a post does not fit the network's limit, ``overflow = "lead"`` keeps the leading
paragraphs that fit and links the full statement; ``"error"`` refuses it. Either way the
limit is checked before anything is sent, and by ``publisher check``.

Without credentials (no ``token_env`` in the config, or the variable unset) a post is written
to the outbox directory as a paste-ready text file, so a comms officer can post it by hand.
"""

from __future__ import annotations

import os
import re
from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from publisher import drill, socialtext, urls
from publisher.channels.base import (
    Channel,
    ChannelKind,
    Delivery,
    DeliveryError,
    PassStop,
    PublishContext,
    Receipt,
)
from publisher.cli_text import Text
from publisher.config import ChannelConfig, Config
from publisher.errors import Diagnostic
from publisher.fsutil import write_atomic
from publisher.localize import IncidentView, UpdateView
from publisher.model import Update
from publisher.options import Option, env_name, resolve, validate

OUTBOX_PREFIX = "outbox:"
# Shared by both social channels.
COMMON_OPTIONS: tuple[Option, ...] = (
    Option(
        "token_env",
        str,
        "",
        "environment variable holding the access token; unset = outbox",
        check=env_name,
        example="FACEBOOK_PAGE_TOKEN",
    ),
    Option("outbox", str, "outbox", "directory (relative to the project) for posts to paste by hand"),
    Option("timeout", float, 20, "seconds to wait for the network's answer"),
)


@dataclass(frozen=True)
class Composed:
    """One post's text and what the length check found."""

    text: str
    length: int
    limit: int
    shortened: bool  # part of the body only, the full statement linked
    compact: bool = False  # the next-update line left out too
    kept: int = 0  # characters of the body kept (0: the whole body left to the website)

    @property
    def too_long(self) -> bool:
        return self.length > self.limit


@dataclass(frozen=True)
class Planned:
    delivery: Delivery
    update: Update
    composed: Composed
    views: tuple[IncidentView, UpdateView] | None = None  # what it was composed from


def tidy(text: str) -> str:
    """Templates are written for readability; the post gets at most one blank line in a row."""
    lines = [line.rstrip() for line in text.strip().split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def normalized(text: str) -> str:
    """Text compared when a post is looked up again: networks may trim or re-flow spaces."""
    return " ".join(text.split())


class SocialChannel(Channel, ABC):
    """Base of the Facebook and Mastodon channels (see the module docstring)."""

    kind: ClassVar[ChannelKind] = "social"
    can_edit: ClassVar[bool] = True  # Facebook and Mastodon edit a post in place; Bluesky cannot
    can_reply: ClassVar[bool] = True
    type_name: ClassVar[str] = "social"
    OPTIONS: ClassVar[tuple[Option, ...]] = COMMON_OPTIONS
    url_length: ClassVar[int | None] = None  # how a URL counts towards the limit

    def __init__(self, config: ChannelConfig, project: Config) -> None:
        self.config = config
        self.project = project
        self.name = config.name
        self.options: dict[str, Any] = resolve(self.OPTIONS, config.options)
        self._renderer: Any = None
        self._stop = PassStop("not sent in this pass: ")

    # A token refused or a rate limit hit concerns every post of this pass (see PassStop).
    def block(self, exc: DeliveryError) -> DeliveryError:
        return self._stop.stop(exc)

    def raise_if_blocked(self) -> None:
        self._stop.raise_if_stopped()

    # Options naming the account and its credentials: a drill removes them (so the posts go
    # to the outbox) unless [drill.channels.<name>] names a drill account.
    ACCOUNT_OPTIONS: ClassVar[tuple[str, ...]] = ("token_env",)

    @classmethod
    def without_account(cls, options: Mapping[str, Any], outbox: str) -> dict[str, Any]:
        kept = {k: v for k, v in options.items() if k not in cls.ACCOUNT_OPTIONS}
        return {**kept, "outbox": outbox}

    # -- options -----------------------------------------------------------------------------
    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return validate(cls.OPTIONS, options, Text("a {type} channel", type=cls.type_name))

    # -- secrets -----------------------------------------------------------------------------
    @property
    def token_env(self) -> str:
        return str(self.options["token_env"])

    def token(self) -> str | None:
        """The access token, or None: the posts then go to the outbox."""
        if not self.token_env:
            return None
        value = os.environ.get(self.token_env, "").strip()
        return value or None

    def scrub(self, text: str) -> str:
        """Remove the token from any text that may reach a log, an error or the ledger."""
        token = self.token()
        if token:
            text = text.replace(token, "[token]")
        return text

    def error(self, message: str, transient: bool, retry_after: float | None = None) -> DeliveryError:
        return DeliveryError(self.scrub(message), transient, retry_after)

    def why_outbox(self) -> str:
        if not self.token_env:
            return f"no token_env in [channels.{self.name}]"
        return f"the environment variable {self.token_env} is not set"

    # -- text --------------------------------------------------------------------------------
    def renderer(self) -> Any:
        if self._renderer is None:
            # Imported here: Jinja only when a post is rendered: a skipped pass renders nothing.
            from publisher.render import Renderer

            self._renderer = Renderer(self.project)
        return self._renderer

    @abstractmethod
    def limit(self) -> int:
        """The most characters one post may have on this network."""

    def measure(self, text: str) -> int:
        return socialtext.length(text, self.url_length)

    def page_url(self, lang: str, update: Update) -> str:
        return urls.absolute(self.project.base_url, urls.update(lang, update.incident_id, update.stem))

    def _post_text(
        self,
        iv: IncidentView,
        view: UpdateView,
        blocks: Sequence[str],
        shortened: bool,
        compact: bool = False,
        retracted_by: Update | None = None,
        reply: bool = False,
        leave_out: frozenset[str] = frozenset(),
    ) -> str:
        """`leave_out` names the essentials ("what_to_do", "contacts") a thread carries in
        its replies instead (Bluesky): never left out of a post that has no reply."""
        lang = view.lang
        # A rehearsal says so first, in every post (inside what fitting measures).
        prefix = drill.POST_PREFIX if self.project.drill else ""
        return prefix + tidy(
            self.renderer().render(
                "social/post.txt",
                lang,
                "social",
                title=iv.title,
                update=view.update,
                correction=view.correction,
                body="\n\n".join(blocks),
                shortened=shortened,
                fallback=view.is_fallback,
                compact=compact or reply,
                reply=reply,
                url=self.page_url(lang, view.update),
                what_to_do=[] if "what_to_do" in leave_out else self.what_to_do(iv),
                contacts=[] if "contacts" in leave_out else self.project.contacts(lang),
                retracted_at=retracted_by.publish_at if retracted_by else None,
                new_url=self.page_url(lang, retracted_by) if retracted_by else "",
            )
        )

    @staticmethod
    def what_to_do(iv: IncidentView) -> list[str]:
        """The incident's "what to do" lines as plain text (a tel: link keeps its number)."""
        return [socialtext.to_text(item.markdown) for item in iv.what_to_do]

    def known_numbers(self, iv: IncidentView, lang: str) -> list[str]:
        """Phone numbers every post of this incident carries in its fixed lines."""
        numbers = [c.value for c in self.project.contacts(lang) if c.kind != "email"]
        for item in iv.what_to_do:
            for unit in socialtext.units(item.markdown):
                numbers.extend(unit.tel)
        return numbers

    def compose(
        self,
        iv: IncidentView,
        view: UpdateView,
        retracted_by: Update | None = None,
        reply: bool = False,
        leave_out: frozenset[str] = frozenset(),
    ) -> Composed:
        """The post for one update in one language, fitted to the limit when allowed. A `reply`
        goes under the original post (a network that cannot edit): no title, no next update.
        `leave_out`: essentials the replies of a thread carry instead (see _post_text).

        What every post keeps is rendered around the body; the body is fitted by
        :func:`publisher.socialtext.fit`, the one fitting rule of every network.
        """
        lang = view.lang
        body = socialtext.units(view.markdown, self.page_url(lang, view.update))

        def render(blocks: Sequence[str], shortened: bool, compact: bool) -> str:
            return self._post_text(iv, view, blocks, shortened, compact, retracted_by, reply, leave_out)

        limit = self.limit()
        if str(self.options.get("overflow", "error")) != "lead":
            text = render(
                [t for _k, t in socialtext.blocks(view.markdown, self.page_url(lang, view.update))],
                False,
                False,
            )
            return Composed(text, self.measure(text), limit, False, kept=self.measure(view.markdown))
        fitted = socialtext.fit(render, body, limit, self.measure, self.known_numbers(iv, lang))
        return Composed(fitted.text, fitted.length, limit, fitted.shortened, fitted.compact, fitted.kept)

    def essential_lines(self, iv: IncidentView, view: UpdateView) -> list[tuple[str, str, int, str]]:
        """(text, path, line, what) of each line every post of this update must keep: what
        `check` names when even those do not fit."""
        u, inc = view.update, iv.incident
        found = [(f"{iv.title}", inc.path, inc.title_line, "the title")]
        if u.correction:
            found.append((u.correction, u.path, u.body_line, "the correction: note"))
        for item, line in zip(self.what_to_do(iv), inc.what_to_do, strict=False):
            found.append((item, inc.path, line.line, "a what_to_do: line"))
        contacts = self.project.contacts(view.lang)
        if contacts:
            text = tidy(self.renderer().render("social/contacts.txt", view.lang, "social", contacts=contacts))
            from publisher.config import line_of

            toml = self.project.path.read_text(encoding="utf-8") if self.project.path.exists() else ""
            found.append((text, self.project.path.name, line_of(toml, "contacts"), "the [contacts] line"))
        known = self.known_numbers(iv, view.lang)
        for unit in socialtext.units(view.markdown, self.page_url(view.lang, u)):
            if socialtext.pinned(unit, known):
                found.append((unit.text, u.path, u.body_line, "a line with a phone number (tel: link)"))
        return found

    # -- which posts -------------------------------------------------------------------------
    def updates(
        self, ctx: PublishContext
    ) -> Iterator[tuple[Update, dict[str, tuple[IncidentView, UpdateView]]]]:
        """Each due update meant for this channel, with its view in every language."""
        by_lang: dict[str, dict[str, tuple[IncidentView, UpdateView]]] = {}
        order: list[Update] = []
        for lang, incident_views in ctx.views.items():
            for iv in incident_views:
                for view in reversed(iv.updates):  # oldest first: posts go out in order
                    u = view.update
                    if u.channels is not None and self.name not in u.channels:
                        continue
                    if u.id not in by_lang:
                        by_lang[u.id] = {}
                        order.append(u)
                    by_lang[u.id][lang] = (iv, view)
        order.sort(key=lambda u: (u.publish_at, u.id))
        for u in order:
            yield u, by_lang[u.id]

    @staticmethod
    def retractions(ctx: PublishContext) -> dict[str, Update]:
        """update id -> the due update that withdraws it."""
        found: dict[str, Update] = {}
        for incident_views in list(ctx.views.values())[:1]:
            for iv in incident_views:
                for view in iv.updates:
                    u = view.update
                    if u.retracts:
                        found[f"{u.incident_id}/{u.retracts}"] = u
        return found

    @staticmethod
    def languages(
        update: Update, views: Mapping[str, tuple[IncidentView, UpdateView]], config: Config
    ) -> list[str]:
        """The update's own language first, then each language whose post is publishable:
        translated, or (after a correction) shown with the original text and a notice."""
        order = [update.lang] + [lang for lang in config.languages if lang != update.lang]
        out = []
        for lang in order:
            if lang not in views:
                continue
            view = views[lang][1]
            if lang == update.lang or view.translated or update.correction:
                out.append(lang)
        return out

    @abstractmethod
    def plan_posts(self, ctx: PublishContext) -> list[Planned]:
        """The posts this channel should have made by now (mode-specific)."""

    def plan(self, ctx: PublishContext) -> list[Delivery]:
        cache = socialtext.use_cache(self.project.cache_path("socialtext.pickle"))
        planned = [p.delivery for p in self.plan_posts(ctx)]
        if not ctx.dry_run:  # a dry run writes nothing
            cache.save()
        return planned

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        found: list[Diagnostic] = []
        if self.token_env and self.token() is None:
            found.append(
                Diagnostic(
                    str(self.project.path.name),
                    self.config.line,
                    Text(
                        "[channels.{name}] the environment variable {token_env} is not set: posts will be "
                        "written to {outbox}/ for posting by hand",
                        name=self.name,
                        token_env=self.token_env,
                        outbox=self.options["outbox"],
                    ),
                    Text(
                        "export {token_env}=<token> in the environment of `publisher publish`",
                        token_env=self.token_env,
                    ),
                    "warning",
                )
            )
        for p in self.plan_posts(ctx):
            c = p.composed
            if c.too_long:
                found.append(self.too_long_diagnostic(p, p.views))
        return found

    def too_long_diagnostic(
        self, p: Planned, views: tuple[IncidentView, UpdateView] | None = None
    ) -> Diagnostic:
        c = p.composed
        lang = f" ({p.delivery.lang})" if p.delivery.lang else ""
        over = c.length - c.limit
        hint = f"cut at least {over} characters from update {p.update.id}"
        if str(self.options.get("overflow", "error")) == "lead":
            # Fitting already left out all the body it may: what is left must all stay (status,
            # title, notices, what to do, whom to call, phone lines, link). Name the longest.
            lines = self.essential_lines(*views) if views else []
            # the lines this post carries (a thread's replies each carry some of them)
            lines = [e for e in lines if normalized(e[0]) in normalized(c.text)] or lines
            if lines:
                text, path, line, what = max(lines, key=lambda e: self.measure(e[0]))
                hint = (
                    f"shorten {what} ({path}:{line}, {self.measure(text)} characters) by at least "
                    f"{over}: every post keeps it, and the body has already been left to the website"
                )
        elif any(o.name == "overflow" for o in self.OPTIONS):
            hint += ', or set overflow = "lead" to post what fits and link the rest'
        return Diagnostic(
            p.update.path,
            p.update.body_line,
            Text(
                "{name}: the post for update {id}{lang} is {length} characters, over the limit of {limit}",
                name=self.name,
                id=p.update.id,
                lang=lang,
                length=c.length,
                limit=c.limit,
            ),
            hint,
        )

    def refuse_if_too_long(self, delivery: Delivery, text: str) -> None:
        length, limit = self.measure(text), self.limit()
        if length > limit:
            raise self.error(
                f"the post for update {delivery.update_id} is {length} characters, "
                f"over the limit of {limit}: cut at least {length - limit} "
                "characters (run `publisher check`); nothing was sent",
                False,
            )

    # -- outbox ------------------------------------------------------------------------------
    def to_outbox(self, delivery: Delivery, text: str, previous: Receipt | None, part: int = 1) -> Receipt:
        """Write a paste-ready post (or its edited text) for a person to publish by hand;
        `part` 2, 3... of a thread are replies to part 1 (`<stem>.txt`)."""
        folder = (self.project.root / str(self.options["outbox"]) / self.name).resolve()
        folder.mkdir(parents=True, exist_ok=True)
        stem = (delivery.update_id or delivery.key).replace("/", "_")
        if delivery.lang:
            stem += f".{delivery.lang}"
        first = f"{stem}.txt"
        if part > 1:
            stem += f".part{part}"
        if previous is not None:
            stem += f".edit-{delivery.content_hash[:8]}"
        path = folder / f"{stem}.txt"
        write_atomic(path, (text + "\n").encode())
        shown = os.path.relpath(path, self.project.root)
        if part > 1:
            action = f"post this file as a reply to the first post of its thread ({first})"
        elif previous is None:
            action = "post this file by hand"
        elif self.can_edit:
            action = "replace the text of the post made for it with this file"
        else:  # Bluesky: a changed post is a reply to the original one
            action = "post this file as a reply to the post made for it"
        # The url is the file: the job's log line then says where the post waits.
        return Receipt(
            f"{OUTBOX_PREFIX}{shown}", shown, {"outbox": shown, "why": self.why_outbox(), "todo": action}
        )


__all__ = [
    "SocialChannel",
    "Composed",
    "Planned",
    "tidy",
    "normalized",
    "OUTBOX_PREFIX",
    "COMMON_OPTIONS",
]
