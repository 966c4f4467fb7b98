"""publisher new incident|update: create content files, from a pre-approved statement if asked."""

from __future__ import annotations

import argparse
from typing import Any

from publisher.authoring import new_incident, new_update
from publisher.cli_text import say
from publisher.commands.common import edit_text, now_option, project, resolve_now, spoken_time
from publisher.errors import AuthoringError, display_path


def register(parser: argparse.ArgumentParser) -> None:
    sub = parser.add_subparsers(dest="what", metavar="WHAT", required=True)
    inc = sub.add_parser("incident", help="create content/incidents/<date>-<slug>/incident.md")
    inc.add_argument("title", nargs="?", help="the incident's title, in the source language")
    inc.add_argument(
        "--from",
        dest="statement",
        metavar="STATEMENT",
        help="take the title (and its translations) from this statement",
    )
    inc.add_argument(
        "--title",
        dest="translations",
        action="append",
        default=[],
        metavar="LANG=TEXT",
        help='the title in a target language, e.g. en="IT outage"',
    )
    inc.add_argument("--impact", default="major", help="none | minor | major | critical (default major)")
    inc.add_argument("--date", help="the day it started, YYYY-MM-DD (default: today)")
    inc.add_argument("--slug", help="the id's words (default: made from the title)")
    inc.add_argument("--summary", help="an optional summary paragraph")
    now_option(inc)
    upd = sub.add_parser("update", help="create <incident>/<YYYYMMDDTHHMM>.md, from a statement")
    upd.add_argument("incident", help="incident id, slug, or an unambiguous part of the id")
    upd.add_argument(
        "--from",
        dest="statement",
        metavar="STATEMENT",
        help="pre-approved statement from content/statements/ (e.g. it-outage)",
    )
    upd.add_argument(
        "--set",
        dest="sets",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="fill a placeholder; NAME@LANG=VALUE for one language only",
    )
    upd.add_argument(
        "--status", help="investigating | identified | monitoring | resolved (default: the statement's)"
    )
    upd.add_argument("--at", default="now", help="publication time, local YYYY-MM-DDTHH:MM (default: now)")
    upd.add_argument(
        "--next-update",
        help="promise of the next update: a time, +2h, or none (default: the statement's cadence)",
    )
    upd.add_argument(
        "--approved-by",
        help="projects without [people] only: who approved this text (default: the statement's approver)",
    )
    upd.add_argument(
        "--text",
        help="the update's text when not made from a statement (without it: written in $EDITOR, "
        "with the FACET parts as a guide)",
    )
    now_option(upd)
    for p in (inc, upd):
        p.add_argument(
            "--as",
            dest="as_person",
            metavar="NAME",
            help="who is writing (default: $PUBLISHER_USER, else the git user); checked against [people]",
        )


def run(args: argparse.Namespace) -> int:
    from publisher.people import PeopleError, acting

    config = project(args)
    now = resolve_now(config, args.now)
    try:
        author: str | None = acting(config.people, args.as_person, "author", cwd=config.root)
    except PeopleError:
        if config.people.declared:
            raise  # with [people], every draft has a known author
        author = args.as_person  # without [people] the author is optional, recorded as given
    if args.what == "incident":
        translations = {}
        for pair in args.translations:
            lang, sep, text = pair.partition("=")
            if not sep or not text.strip():
                raise AuthoringError(
                    f"--title '{pair}' is not LANG=TEXT; write e.g. --title en=\"IT outage\""
                )
            translations[lang.strip()] = text.strip()
        created = new_incident(
            config,
            args.title,
            now,
            statement=args.statement,
            translations=translations,
            impact=args.impact,
            date=args.date,
            slug=args.slug,
            summary=args.summary,
        )
    else:
        text = args.text
        if text is None and not args.statement:
            # No text and no statement: write it in $EDITOR, with the FACET parts as a guide.
            from publisher.authoring import facet_template, without_template

            written = edit_text(facet_template(config.source_lang))
            if written is not None:
                text = without_template(written, config.source_lang)
                if not text:
                    raise AuthoringError("the text is empty; nothing was written")
        created = new_update(
            config,
            args.incident,
            now,
            statement=args.statement,
            status=args.status,
            at=args.at,
            next_update=args.next_update,
            sets=args.sets,
            approved_by=args.approved_by,
            text=text,
            author=author,
        )
    _journal(config, created, author or "unknown", args.what)
    for path in created.paths:
        print(f"wrote {display_path(path, config.root)}")
    if args.what == "update":
        from publisher.authoring import parse_sets

        # Exactly what was filled in (as written to the file), so the author sees it.
        for lang, filled in parse_sets(args.sets, config.languages).items():
            for name, value in filled.items():
                print(f"set {name}{'@' + lang if lang else ''} = {value}")
    for note in created.notes:
        print(f"note: {note}")
    # Times read back in full, in the author's language, so "22h30" is seen as what it means.
    speak = spoken_time(config)
    if created.published_at is not None:
        print(say("published at: %(when)s") % {"when": speak(created.published_at)})
    if created.next_update is not None:
        print(say("next update promised: %(when)s") % {"when": speak(created.next_update)})
    if args.what == "incident":
        print(f"next: publisher new update {created.incident_id} --from <statement> --set name=value")
    else:
        print("next: publisher check, then publisher preview or publisher build")
    return 0


def _journal(config: Any, created: Any, actor: str, what: str) -> None:
    """Main courante: the draft (and a fast-path approval) with who wrote it."""
    from publisher import journal

    if what == "incident":
        journal.record(
            config, "draft", actor, incident_id=created.incident_id, detail=f"incident {created.incident_id}"
        )
        return
    from publisher.approval import snapshot, text_hash
    from publisher.authoring import _incident_lang
    from publisher.content import load_update

    path = created.paths[0]
    update = load_update(path, created.incident_id, config, _incident_lang(path.parent, config), [])
    if update is None:
        return
    h = text_hash(update)
    journal.record(
        config,
        "draft",
        actor,
        update_id=update.id,
        text_hash=h,
        detail=f"wrote {update.path}"
        + (f" from statement {update.approved_from}" if update.approved_from else ""),
        data={"text": snapshot(update)},
    )
    if created.fast_path:
        journal.record(
            config,
            "fast-path",
            str(update.approved_by),
            update_id=update.id,
            text_hash=h,
            detail=f"pre-approved statement {update.approved_from}: only placeholder values filled, "
            "no second approval needed",
            data={"text": snapshot(update), "author": actor},
        )
