"""E-mail channel: each due update to each stakeholder list, in each recipient's language.

Config (docs/email.md)::

    [channels.press]
    type = "email"
    lists = ["lists/presse.csv"]          # address,language[,name] per line; or one address
    from = "communication@chu-exemple.fr"
    smtp_host = "smtp.chu-exemple.fr"
    smtp_port = 587                       # default: 587 starttls, 465 tls, 25 none
    security = "starttls"                 # starttls | tls | none
    user = "communication"                # optional: log in to the relay
    password_env = "SMTP_PASSWORD"        # the variable holding the relay password
    unsubscribe = "mailto:desabonnement@chu-exemple.fr"  # or https://…?u={address}, or both
    rate_per_minute = 60                  # at most this many messages a minute (0: no limit)

One delivery (one ledger row) per update and recipient, key ``mail:<update id>:<address>``.
A recipient's language picks the text as on the site: the translation when it is complete
(never a fuzzy one), else the original text with the "translation in progress" notice. A
mail cannot be edited, so a later change of the same delivery is a *follow-up*: a short
correction message when the text was corrected, a withdrawal message when a later update
withdraws it (``retracts:``), each threaded under the original (``In-Reply-To`` and
``References``); a change that is neither (a translation that became ready, a template) sends
nothing. A recipient added to a list later receives only the updates that the channel sees
for the first time in the same pass or after (the ledger's ``seen`` table); an update first
seen more than ``max_age_hours`` after it was due (the channel enabled on an old archive) is
not mailed at all.

Exactly once per recipient, over a protocol that cannot be asked afterwards: before the
``DATA`` command the channel writes the message's idempotency key to its hand-off journal
(``<state>/email-<channel>.db``, synchronous), and after the relay's 250 it marks it
accepted. After a crash, an accepted entry is recorded as delivered; an entry without the
relay's answer (the process died, or the connection dropped, after ``DATA``) is recorded as
"unknown outcome, not resent; check the relay's log" with its ``Message-ID``; no entry means
the message never reached ``DATA`` and is sent. A relay refusing one recipient (5xx at
``RCPT``) fails that delivery only ("needs a person", with the list's path:line); 4xx
(greylisting, 421) is retried later with backoff.
"""

from __future__ import annotations

import email.policy
import json
import os
import re
import smtplib
import sqlite3
import ssl
import time
from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import quote

from publisher import urls
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
from publisher.ledger import Ledger, open_readonly
from publisher.model import Update
from publisher.options import Option, at_least, env_name, resolve, validate
from publisher.recipients import Recipient, read_lists, valid_address

if TYPE_CHECKING:  # the every-minute path loads this module without rendering anything
    from publisher.localize import IncidentView, UpdateView

SECURITIES = {"starttls": 587, "tls": 465, "none": 25}


def _lists(value: list[str]) -> str | None:
    return None if value and all(value) else 'must name at least one list file, e.g. ["lists/presse.csv"]'


def _address(value: str) -> str | None:
    return None if valid_address(value) else f"'{value}' is not an e-mail address"


def _unsubscribe(value: Any) -> str | None:
    targets = [value] if isinstance(value, str) else value if isinstance(value, list) else None
    if not targets or not all(isinstance(t, str) for t in targets):
        return "must be a mailto: address or an https: URL, or a list of both"
    for target in targets:
        mailto = target.startswith("mailto:") and valid_address(target[7:].split("?")[0])
        if not (mailto or target.startswith("https://")):
            return f"target '{target}' is neither a mailto: address nor an https: URL (one-click unsubscribe)"
    return None


OPTIONS = (
    Option(
        "lists",
        list,
        [],
        "recipient lists in the project",
        required=True,
        check=_lists,
        example=["lists/presse.csv"],
    ),
    Option(
        "from",
        str,
        "",
        "the sender address",
        required=True,
        check=_address,
        example="communication@chu-exemple.fr",
    ),
    Option("from_name", str, "", "the sender's display name (default: [site] organisation)"),
    Option("smtp_host", str, "", "the relay's host name", required=True, example="smtp.chu-exemple.fr"),
    Option("smtp_port", int, 0, "the relay's port (default 587 starttls, 465 tls, 25 none)", example=587),
    Option(
        "security", str, "starttls", "how the connection to the relay is encrypted", choices=tuple(SECURITIES)
    ),
    Option("user", str, "", "user name to log in to the relay (optional)", example="communication"),
    Option(
        "password_env",
        str,
        "",
        "environment variable holding the relay password",
        check=env_name,
        example="SMTP_PASSWORD",
    ),
    Option(
        "unsubscribe",
        object,
        "",
        "mailto: address and/or https: URL ({address} is filled in)",
        required=True,
        check=_unsubscribe,
        example="mailto:desabonnement@chu-exemple.fr",
    ),
    Option(
        "rate_per_minute", int, 60, "at most this many messages a minute (0: no limit)", check=at_least(0)
    ),
    Option(
        "max_age_hours", float, 24, "updates first seen later than this after they were due are not mailed"
    ),
    Option("timeout", float, 30, "seconds to wait for the relay"),
    Option(
        "ca_file",
        str,
        "",
        "CA certificate (PEM, in the project) of a relay with a private CA",
        example="certs/ca.pem",
    ),
)
UNKNOWN_NOTE = "unknown outcome, not resent; check the relay's log for Message-ID {mid}"


@dataclass(frozen=True)
class Part:
    """One rendered message, as planned (the same for every recipient of one language)."""

    subject: str
    text: str
    html: str


def tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.strip().split("\n")]
    # "-- " (with its space) is the signature separator mail readers know: keep it.
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).replace("\n--\n", "\n-- \n").strip() + "\n"


def unsubscribe_targets(option: str | list[str], address: str) -> list[str]:
    values = [option] if isinstance(option, str) else list(option)
    return [v.replace("{address}", quote(address, safe="@")) for v in values if v]


def build_message(
    payload: Mapping[str, Any],
    part: Mapping[str, str],
    *,
    sender: str,
    message_id: str,
    date: datetime,
    thread: list[str],
    list_id: str,
) -> EmailMessage:
    """The MIME message for one recipient: what the relay receives (golden-filed in tests)."""
    msg = EmailMessage()
    msg["From"] = sender
    msg["To"] = formataddr((str(payload.get("name") or ""), str(payload["to"])))
    msg["Subject"] = part["subject"]
    msg["Date"] = format_datetime(date)
    msg["Message-ID"] = message_id
    if thread:  # a follow-up: under the original message, then each earlier follow-up
        msg["In-Reply-To"] = thread[-1]
        msg["References"] = " ".join(thread)
    msg["List-Id"] = list_id
    targets = list(payload["unsubscribe"])
    msg["List-Unsubscribe"] = ", ".join(f"<{t}>" for t in targets)
    if any(t.startswith("https://") for t in targets):
        # RFC 8058 one-click: only valid with an HTTPS target, which receives this POST body.
        msg["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    msg["Auto-Submitted"] = "auto-generated"  # RFC 3834: no vacation replies, please
    msg["Precedence"] = "bulk"
    msg.set_content(part["text"], charset="utf-8", cte="quoted-printable")
    msg.add_alternative(part["html"], subtype="html", charset="utf-8", cte="quoted-printable")
    msg["Content-Language"] = str(payload["text_lang"])  # after set_content, which clears Content-*
    # A boundary derived from the Message-ID: the same message is the same bytes (golden files).
    msg.set_boundary("=_publisher_" + re.sub(r"[^A-Za-z0-9]", "", message_id)[:40])
    return msg


class Journal:
    """Which messages were handed to the relay (DATA sent), and which it accepted (250).

    Its own small SQLite file next to the ledger: the channel writes it between the ledger's
    outbox write and the ledger's completion, where the job gives it no other place."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._db: sqlite3.Connection | None = None

    @property
    def db(self) -> sqlite3.Connection:
        if self._db is None:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            db = sqlite3.connect(str(self.path), isolation_level=None, timeout=30)
            db.execute("PRAGMA journal_mode=WAL")
            db.execute("PRAGMA synchronous=FULL")  # on disk before DATA goes out
            db.execute(
                "CREATE TABLE IF NOT EXISTS handoff (key TEXT PRIMARY KEY, message_id TEXT NOT NULL, "
                "state TEXT NOT NULL, receipt TEXT NOT NULL, reply TEXT, at TEXT NOT NULL)"
            )
            # The delivery (update and recipient) each message was for: what a send finds
            # again when the ledger lost its row. Added to journals written before it.
            columns = {str(r[1]) for r in db.execute("PRAGMA table_info(handoff)")}
            if "delivery" not in columns:
                db.execute("ALTER TABLE handoff ADD COLUMN delivery TEXT")
            db.execute("CREATE INDEX IF NOT EXISTS handoff_delivery ON handoff (delivery)")
            self._db = db
        return self._db

    def handing(self, key: str, delivery: str, message_id: str, receipt: str) -> None:
        self.db.execute(
            "INSERT OR REPLACE INTO handoff (key, message_id, state, receipt, reply, at, delivery) "
            "VALUES (?,?,?,?,?,?,?)",
            (
                key,
                message_id,
                "data",
                receipt,
                None,
                time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
                delivery,
            ),
        )

    def accepted(self, key: str, reply: str) -> None:
        self.db.execute("UPDATE handoff SET state = 'accepted', reply = ? WHERE key = ?", (reply, key))

    def refused(self, key: str) -> None:
        self.db.execute("DELETE FROM handoff WHERE key = ?", (key,))

    def get(self, key: str) -> tuple[str, str, str] | None:
        if not self.path.exists():
            return None
        r = self.db.execute("SELECT state, message_id, receipt FROM handoff WHERE key = ?", (key,)).fetchone()
        return None if r is None else (str(r[0]), str(r[1]), str(r[2]))

    def last_for(self, delivery: str) -> tuple[str, str, str] | None:
        """The newest message handed to the relay for one delivery (any version of it)."""
        if not self.path.exists():
            return None
        r = self.db.execute(
            "SELECT state, message_id, receipt FROM handoff WHERE delivery = ? ORDER BY rowid DESC LIMIT 1",
            (delivery,),
        ).fetchone()
        return None if r is None else (str(r[0]), str(r[1]), str(r[2]))


def journal_receipt(entry: tuple[str, str, str]) -> Receipt:
    """The receipt a journal entry stands for: delivered when the relay said 250, else
    unknown (handed over, no answer), never to be sent again either way."""
    state, mid, receipt_json = entry
    data = json.loads(receipt_json)
    extra = dict(data["extra"])
    if state != "accepted":
        extra.update(outcome="unknown", note=UNKNOWN_NOTE.format(mid=mid))
    return Receipt(str(data["remote_id"]), None, extra)


class EmailChannel(Channel):
    kind: ClassVar[ChannelKind] = "push"
    can_edit: ClassVar[bool] = False  # a sent mail stays as it is: a change is a follow-up
    can_reply: ClassVar[bool] = True  # follow-ups thread under the original
    # A sent mail is in the recipients' mailboxes, out of anyone's reach: nothing to compare.
    drift_check: ClassVar[DriftCheck] = "never"
    type_name: ClassVar[str] = "email"

    def __init__(self, config: ChannelConfig, project: Config) -> None:
        self.config = config
        self.project = project
        self.name = config.name
        self.options: dict[str, Any] = resolve(OPTIONS, config.options)
        self.security = str(self.options["security"])
        self.port = int(self.options["smtp_port"]) or SECURITIES.get(self.security, 587)
        self.journal = Journal(project.dir("state") / f"email-{self.name}.db")
        self._renderer: Any = None
        self._smtp: smtplib.SMTP | None = None
        # A refused login, an untrusted certificate, a relay that is down: every later
        # message of this pass fails at once with the same reason instead of reconnecting.
        self._stop = PassStop("not sent in this pass: ")
        self._last_sent = 0.0

    # -- options -----------------------------------------------------------------------------
    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        problems = validate(OPTIONS, options, "an email channel")
        if options.get("password_env") and not options.get("user"):
            problems.append(("user", "password_env is set but user is not", 'add user = "<relay login>"'))
        return problems

    # -- recipients --------------------------------------------------------------------------
    def recipients(self) -> tuple[list[Recipient], list[Diagnostic]]:
        return read_lists(
            [str(p) for p in self.options["lists"]],
            self.project.root,
            self.project.languages,
            self.project.source_lang,
        )

    # -- text --------------------------------------------------------------------------------
    def renderer(self) -> Any:
        if self._renderer is None:
            from publisher.render import Renderer

            self._renderer = Renderer(self.project)
        return self._renderer

    def page_url(self, lang: str, update: Update) -> str:
        return urls.absolute(self.project.base_url, urls.update(lang, update.incident_id, update.stem))

    def _render(self, name: str, lang: str, subject_kind: str, iv: IncidentView, **context: Any) -> Part:
        from publisher import socialtext  # markdown-it: only when a message is rendered

        r = self.renderer()
        # The contacts block is the site's own ([contacts] in publisher.toml, the incident's
        # what_to_do), so a reader of the mail and of the page get the same numbers.
        context.update(
            organisation=self.project.organisation or self.project.site_title,
            what_to_do=[socialtext.to_text(item.markdown) for item in iv.what_to_do],
            what_to_do_html=iv.what_to_do,
        )
        subject = " ".join(r.render("email/subject.txt", lang, "text", what=subject_kind, **context).split())
        text = tidy(r.render(f"email/{name}.txt", lang, "text", **context))
        html = r.render(f"email/{name}.html", lang, "web", **context)
        return Part(subject, text, html)

    def compose(self, iv: IncidentView, view: UpdateView, unsubscribe: str) -> Part:
        from publisher import socialtext

        lang = view.lang
        url = self.page_url(lang, view.update)
        body = "\n\n".join(text for _kind, text in socialtext.blocks(view.markdown, url))
        return self._render(
            "message",
            lang,
            "message",
            iv,
            title=iv.title,
            update=view.update,
            body=body,
            body_html=view.html,
            text_lang=view.text_lang,
            fallback=view.is_fallback,
            url=url,
            unsubscribe=unsubscribe,
        )

    def compose_correction(self, iv: IncidentView, view: UpdateView, unsubscribe: str) -> Part:
        lang = view.lang
        return self._render(
            "correction",
            lang,
            "correction",
            iv,
            title=iv.title,
            update=view.update,
            url=self.page_url(lang, view.update),
            unsubscribe=unsubscribe,
        )

    def compose_withdrawal(self, iv: IncidentView, view: UpdateView, by: Update, unsubscribe: str) -> Part:
        lang = view.lang
        return self._render(
            "withdrawal",
            lang,
            "withdrawal",
            iv,
            title=iv.title,
            update=view.update,
            retracted_by=by,
            url=self.page_url(lang, view.update),
            new_url=self.page_url(lang, by),
            unsubscribe=unsubscribe,
        )

    # -- planning ----------------------------------------------------------------------------
    def updates(self, ctx: PublishContext) -> list[tuple[Update, dict[str, tuple[IncidentView, UpdateView]]]]:
        """Each due update meant for this channel (oldest first) with its view in every language."""
        by_id: dict[str, dict[str, tuple[IncidentView, UpdateView]]] = {}
        found: dict[str, Update] = {}
        for lang, incident_views in ctx.views.items():
            for iv in incident_views:
                for view in iv.updates:
                    u = view.update
                    if u.channels is not None and self.name not in u.channels:
                        continue
                    found[u.id] = u
                    by_id.setdefault(u.id, {})[lang] = (iv, view)
        order = sorted(found.values(), key=lambda u: (u.publish_at, u.id))
        return [(u, by_id[u.id]) for u in order]

    def _seen(
        self, ctx: PublishContext, updates: list[Update], recipients: list[Recipient]
    ) -> tuple[dict[str, int], dict[str, int]]:
        """(update id -> generation, address -> generation), recording what is new (not in a
        dry run: then what is new gets the generation it would get)."""
        ledger: Ledger | None
        if ctx.dry_run:
            ledger = open_readonly(self.project.ledger_path)
        else:
            ledger = Ledger(self.project.ledger_path)
        try:
            seen_u = ledger.seen(self.name, "update") if ledger else {}
            seen_r = ledger.seen(self.name, "recipient") if ledger else {}
            gen = ledger.next_generation(self.name) if ledger else 1
            max_age = timedelta(hours=float(self.options["max_age_hours"]))
            new_u = [u.id for u in updates if u.id not in seen_u]
            # An update already old when first seen (the channel just enabled on an archive)
            # is recorded with generation 0: nobody receives it.
            old = {u.id for u in updates if u.id in new_u and ctx.now - u.publish_at > max_age}
            new_r = [r.key for r in recipients if r.key not in seen_r]
            if ledger is not None and not ctx.dry_run:
                ledger.mark_seen(self.name, "update", [i for i in new_u if i in old], 0)
                ledger.mark_seen(self.name, "update", [i for i in new_u if i not in old], gen)
                ledger.mark_seen(self.name, "recipient", new_r, gen)
            seen_u.update({i: 0 if i in old else gen for i in new_u})
            seen_r.update({k: gen for k in new_r})
            return seen_u, seen_r
        finally:
            if ledger is not None:
                ledger.close()

    @staticmethod
    def retractions(ctx: PublishContext) -> dict[str, Update]:
        found: dict[str, Update] = {}
        for incident_views in list(ctx.views.values())[:1]:
            for iv in incident_views:
                for view in iv.updates:
                    if view.update.retracts:
                        found[f"{view.update.incident_id}/{view.update.retracts}"] = view.update
        return found

    def plan(self, ctx: PublishContext) -> list[Delivery]:
        recipients, problems = self.recipients()
        ctx.problems.extend(problems)  # each bad line is printed by the job and left out
        updates = self.updates(ctx)
        seen_u, seen_r = self._seen(ctx, [u for u, _v in updates], recipients)
        retracted = self.retractions(ctx)
        out: list[Delivery] = []
        parts: dict[tuple[str, str, str, str], tuple[dict[str, str], str]] = {}
        for update, views in updates:
            gen = seen_u.get(update.id, 0)
            if gen == 0:
                continue
            by = retracted.get(update.id)
            for r in recipients:
                if seen_r.get(r.key, gen + 1) > gen:
                    continue  # joined the list after this update went out
                out.append(self.delivery(update, views, r, by, parts))
        return out

    def delivery(
        self,
        update: Update,
        views: Mapping[str, tuple[IncidentView, UpdateView]],
        r: Recipient,
        by: Update | None,
        parts: dict[tuple[str, str, str, str], tuple[dict[str, str], str]],
    ) -> Delivery:
        """One recipient's message for one update. Parts are rendered once per language (and
        unsubscribe target) and shared by every recipient who reads them."""
        from publisher.corrections import body_hash

        lang = r.lang if r.lang in views else update.lang
        iv, view = views[lang]
        revision = body_hash(update)
        unsub = unsubscribe_targets(self.options["unsubscribe"], r.address)
        shown = next((t for t in unsub if t.startswith("mailto:")), unsub[0])

        digests: dict[str, str] = {}

        def part(kind: str) -> dict[str, str]:
            # The rendered part depends on the update, the language and the unsubscribe
            # target shown in its footer: one render (and one digest) for all who share them.
            cache_key = (update.id, kind, lang, shown)
            if cache_key not in parts:
                if kind == "message":
                    made = self.compose(iv, view, shown)
                elif kind == "correction":
                    made = self.compose_correction(iv, view, shown)
                else:
                    assert by is not None
                    made = self.compose_withdrawal(iv, view, by, shown)
                fields = {"subject": made.subject, "text": made.text, "html": made.html}
                parts[cache_key] = (fields, Delivery.hash_payload(fields))
            fields, digest = parts[cache_key]
            digests[kind] = digest
            return fields

        payload: dict[str, Any] = {
            "to": r.address,
            "name": r.name,
            "lang": lang,
            "text_lang": view.text_lang,
            "source": r.source,
            "revision": revision,
            "withdrawn_by": by.id if by else None,
            "unsubscribe": unsub,
            "message": part("message"),
        }
        if update.correction:
            payload["correction"] = part("correction")
        if by is not None:
            payload["withdrawal"] = part("withdrawal")
        # The hash of the payload with each part replaced by its digest: it changes exactly
        # when the payload does, without serialising the same HTML for every recipient.
        summary_of_payload = {**payload, **{k: digests[k] for k in digests}}
        what = "withdrawal" if by else "message"
        return Delivery(
            self.name,
            f"mail:{update.id}:{r.key}",
            Delivery.hash_payload(summary_of_payload),
            payload,
            update.id,
            lang,
            f"e-mail {what} for {update.id} to {r.address} ({lang})",
        )

    def preview(self, ctx: PublishContext) -> list[dict[str, Any]]:
        """One message per update and language, as a recipient reading that language gets it
        (`publisher preview`): the headers a mail reader shows, the text part, the HTML part."""
        planned = self.plan(ctx)
        readers: dict[tuple[str | None, str | None], int] = {}
        first: dict[tuple[str | None, str | None], Delivery] = {}
        for d in planned:
            k = (d.update_id, d.lang)
            readers[k] = readers.get(k, 0) + 1
            first.setdefault(k, d)
        out = []
        for k, d in first.items():
            p = d.payload
            which = "withdrawal" if "withdrawal" in p else "message"
            part = p[which]
            headers = [
                f"From: {self.sender()}",
                f"To: {formataddr((str(p.get('name') or ''), str(p['to'])))}",
                f"Subject: {part['subject']}",
                "List-Unsubscribe: " + ", ".join(f"<{t}>" for t in p["unsubscribe"]),
            ]
            correction = p.get("correction")
            out.append(
                {
                    "update_id": d.update_id,
                    "lang": d.lang,
                    "text": "\n".join(headers) + "\n\n" + part["text"],
                    "html": part["html"],
                    "summary": d.summary,
                    "readers": readers[k],
                    "correction_text": (
                        f"Subject: {correction['subject']}\n\n{correction['text']}" if correction else None
                    ),
                }
            )
        return out

    # -- the relay ---------------------------------------------------------------------------
    @property
    def password_env(self) -> str:
        return str(self.options["password_env"])

    def password(self) -> str | None:
        return os.environ.get(self.password_env) if self.password_env else None

    def error(self, message: str, transient: bool, retry_after: float | None = None) -> DeliveryError:
        secret = self.password()
        if secret and len(secret) >= 4:  # as the job's redaction: a 1-letter one would eat words
            message = message.replace(secret, "[redacted]")
        return DeliveryError(message, transient, retry_after)

    @property
    def where(self) -> str:
        return f"{self.options['smtp_host']}:{self.port}"

    def connect(self) -> smtplib.SMTP:
        if self._smtp is not None:
            try:
                if self._smtp.noop()[0] == 250:
                    return self._smtp
            except (smtplib.SMTPException, OSError):
                pass
            self._smtp = None
        host, timeout = str(self.options["smtp_host"]), float(self.options["timeout"])
        try:
            smtp: smtplib.SMTP
            if self.security == "tls":
                smtp = smtplib.SMTP_SSL(host, self.port, timeout=timeout, context=self.tls_context())
            else:
                smtp = smtplib.SMTP(host, self.port, timeout=timeout)
                if self.security == "starttls":
                    smtp.starttls(context=self.tls_context())
            smtp.ehlo_or_helo_if_needed()
            user = str(self.options["user"])
            if user:
                password = self.password()
                if not password:
                    raise self.block(
                        self.error(
                            f"the environment variable {self.password_env or '(password_env)'} is not set: "
                            f"export the relay password for {user} before `publisher publish`",
                            False,
                        )
                    )
                smtp.login(user, password)
        except smtplib.SMTPAuthenticationError as exc:
            raise self.block(
                self.error(
                    f"{self.where} refused the login for {self.options['user']} ({exc.smtp_code} "
                    f"{_said(exc.smtp_error)}): check the password in {self.password_env} and the user name",
                    False,
                )
            ) from None
        except ssl.SSLCertVerificationError as exc:
            raise self.block(
                self.error(
                    f"the certificate of {self.where} is not trusted ({exc.verify_message}): if the "
                    "relay uses the organisation's own CA, put its certificate (PEM) in the project "
                    f"and set ca_file in [channels.{self.name}]",
                    False,
                )
            ) from None
        except smtplib.SMTPConnectError as exc:
            raise self.block(
                self.error(
                    f"{self.where} refused the connection ({exc.smtp_code} "
                    f"{_said(exc.smtp_error)}); will retry",
                    True,
                )
            ) from None
        except smtplib.SMTPNotSupportedError as exc:
            raise self.block(
                self.error(
                    f"{self.where} does not offer {self.security.upper()} or AUTH ({exc}): "
                    f"fix security in [channels.{self.name}]",
                    False,
                )
            ) from None
        except (smtplib.SMTPException, OSError) as exc:
            raise self.block(
                self.error(
                    f"could not reach the relay {self.where} ({type(exc).__name__}: {exc}); will retry", True
                )
            ) from None
        self._smtp = smtp
        return smtp

    def tls_context(self) -> ssl.SSLContext:
        """Certificates checked, always: against the system's CAs, or the configured one."""
        ca = str(self.options["ca_file"])
        return ssl.create_default_context(cafile=str(self.project.root / ca) if ca else None)

    def block(self, exc: DeliveryError) -> DeliveryError:
        return self._stop.stop(exc)

    def pace(self) -> None:
        rate = int(self.options["rate_per_minute"])
        if rate <= 0:
            return
        wait = self._last_sent + 60.0 / rate - time.monotonic()
        if wait > 0:
            time.sleep(wait)
        self._last_sent = time.monotonic()

    def sender(self) -> str:
        name = str(self.options["from_name"]) or self.project.organisation
        return formataddr((name, str(self.options["from"])))

    def message_id(self, idempotency_key: str) -> str:
        domain = str(self.options["from"]).rpartition("@")[2]
        return f"<{idempotency_key}.publisher@{domain}>"

    def list_id(self) -> str:
        domain = str(self.options["from"]).rpartition("@")[2]
        return f"<{self.name}.{domain}>"

    # -- protocol ----------------------------------------------------------------------------
    def choose(self, delivery: Delivery, previous: Receipt | None) -> tuple[str, list[str]] | None:
        """(which part to send, the thread it goes under), or None when nothing is to be sent."""
        p = delivery.payload
        if previous is None:
            if p.get("withdrawn_by"):
                return None  # withdrawn before it reached this recipient: the new update will
            return "message", []
        extra = previous.extra
        thread = [str(m) for m in extra.get("thread", [])]
        if p.get("withdrawn_by") and not extra.get("withdrawn"):
            return "withdrawal", thread
        if not p.get("withdrawn_by") and p.get("revision") != extra.get("revision") and "correction" in p:
            return "correction", thread
        return None

    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        p = delivery.payload
        adopted = False
        if previous is None:
            # Adopt before create: a relay cannot be asked what it has, but the journal can.
            # An entry for this delivery with no ledger row behind it (a ledger restored from
            # an older backup, or deleted) is a message already handed over: taken over, and
            # only a follow-up it lacks (correction, withdrawal) is sent.
            entry = self.journal.last_for(delivery.key)
            if entry is not None:
                previous, adopted = journal_receipt(entry), True
                if self.choose(delivery, previous) is None:
                    return replace(previous, adopted=True)
        chosen = self.choose(delivery, previous)
        extra: dict[str, Any] = {
            "revision": p.get("revision"),
            "withdrawn": bool(p.get("withdrawn_by")),
            "thread": list(previous.extra.get("thread", [])) if previous else [],
        }
        if chosen is None:
            why = "withdrawn before it was mailed" if previous is None else "no new message needed"
            remote = previous.remote_id if previous else f"not-sent:{idempotency_key}"
            return Receipt(remote, None, {**extra, "note": why})
        which, thread = chosen
        self._stop.raise_if_stopped()
        mid = self.message_id(idempotency_key)
        msg = build_message(
            p,
            p[which],
            sender=self.sender(),
            message_id=mid,
            date=datetime.now().astimezone(),
            thread=thread,
            list_id=self.list_id(),
        )
        extra["thread"] = thread + [mid]
        extra["sent"] = which
        if adopted:
            extra["adopted_from"] = previous.remote_id if previous else None
        receipt_json = json.dumps({"remote_id": mid, "extra": extra})
        to = str(p["to"])
        self.pace()
        smtp = self.connect()
        try:
            code, said = smtp.mail(str(self.options["from"]))
            if code != 250:
                smtp.rset()
                raise self.error(
                    f"{self.where} refused the sender {self.options['from']} ({code} {_said(said)})",
                    code < 500,
                )
            code, said = smtp.rcpt(to)
            if code not in (250, 251):
                smtp.rset()
                if code >= 500:
                    raise self.error(
                        f"the relay refused {to} ({code} {_said(said)}): check the address at "
                        f"{p.get('source')} (remove it if it no longer exists)",
                        False,
                    )
                raise self.error(
                    f"the relay deferred {to} ({code} {_said(said)}, greylisting?); will retry", True
                )
        except DeliveryError:
            raise
        except (smtplib.SMTPException, OSError) as exc:
            self._smtp = None
            if isinstance(exc, smtplib.SMTPResponseException) and exc.smtp_code == 421:
                raise self.error(
                    f"{self.where} is not accepting mail now (421 {_said(exc.smtp_error)}); will retry", True
                ) from None
            raise self.error(
                f"the connection to {self.where} failed before the message was handed over "
                f"({type(exc).__name__}); will retry",
                True,
            ) from None
        # From here the relay may have the message: the journal says so before DATA goes out.
        self.journal.handing(idempotency_key, delivery.key, mid, receipt_json)
        try:
            # CRLF line ends: smtplib sends bytes as they are, and a relay reads lines by CRLF.
            code, said = smtp.data(msg.as_bytes(policy=email.policy.SMTP))
        except smtplib.SMTPDataError as exc:
            self.journal.refused(idempotency_key)  # the relay answered: it does not have it
            smtp.rset()
            raise self.error(
                f"the relay refused the message to {to} ({exc.smtp_code} {_said(exc.smtp_error)})"
                + ("; will retry" if exc.smtp_code < 500 else ""),
                exc.smtp_code < 500,
            ) from None
        except (TimeoutError, smtplib.SMTPException, OSError):
            self._smtp = None
            return Receipt(mid, None, {**extra, "outcome": "unknown", "note": UNKNOWN_NOTE.format(mid=mid)})
        if code != 250:
            self.journal.refused(idempotency_key)  # the relay answered: it does not have it
            raise self.error(
                f"the relay refused the message to {to} ({code} {_said(said)})"
                + ("; will retry" if code < 500 else ""),
                code < 500,
            )
        self.journal.accepted(idempotency_key, f"{code} {_said(said)}")
        return Receipt(mid, None, {**extra, "relay": f"{code} {_said(said)}"[:200]})

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        entry = self.journal.get(idempotency_key)
        if entry is None:
            return None  # never reached DATA: safe to send
        return journal_receipt(entry)

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        found = list(self.recipients()[1])
        shown = self.project.path.name
        if self.options["user"] and self.password_env and not self.password():
            found.append(
                Diagnostic(
                    shown,
                    self.config.line,
                    Text(
                        "[channels.{name}] the environment variable {password_env} is not set: no e-mail "
                        "can be sent",
                        name=self.name,
                        password_env=self.password_env,
                    ),
                    Text(
                        "export {password_env}=<relay password> in the environment of `publisher publish`",
                        password_env=self.password_env,
                    ),
                )
            )
        return found


def _said(text: bytes | str) -> str:
    if isinstance(text, bytes):
        text = text.decode("utf-8", "replace")
    return " ".join(text.split())[:160]
