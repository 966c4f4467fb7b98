"""`publisher preview`: see everything before anything goes out, on 127.0.0.1 only.

A small HTTP server serves a private build (``<state>/preview/``) of the site in every
language, the print notices and the banner, plus a dashboard at ``/_preview/`` with each
social post exactly as its channel would send it (the channel's own ``plan()``, dry run: no
network, no ledger) and ``publisher check``'s findings. Before answering any request, and
every second in the background, it compares the modification times of the project's files
with the last build and rebuilds when one changed, so a reload always shows the file just
saved. Drafts are shown (preview is where a text is read before approval) and marked.

Nothing here writes outside the state directory: no ledger row, no archive entry, no post.
"""

from __future__ import annotations

import html
import json
import threading
import time
import traceback
from datetime import datetime
from functools import partial
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from publisher.channels import make_channel
from publisher.channels.base import PublishContext
from publisher.checks import run_checks
from publisher.config import CONFIG_NAME, Config, load_config
from publisher.content import load_site
from publisher.corrections import prepare as prepare_notes
from publisher.errors import Diagnostic, DiagnosticsError
from publisher.fsutil import Stamp, stat_tree
from publisher.pages import localized, visible
from publisher.printing import pdf_available, pdf_path
from publisher.release import Page, publish_tree
from publisher.render import Renderer
from publisher.site import pages
from publisher.timeutil import utc_now

DASHBOARD = "_preview/index.html"


def stamps(root: Path, config: Config | None) -> tuple[Stamp, ...]:
    """(path, mtime, size) of every file the build reads: the cheap 'did anything change'."""
    found = []
    roots = [root / CONFIG_NAME] + [
        config.dir(k) if config else root / k for k in ("content", "locales", "templates")
    ]
    for top in roots:
        if top.is_file():
            st = top.stat()
            found.append((str(top), st.st_mtime_ns, st.st_size))
        else:
            found.extend(stat_tree(top, ignore=lambda name: name.startswith(".")))
    return tuple(found)


class Preview:
    """Rebuilds the private preview site when the project's files change."""

    def __init__(self, root: Path, now: datetime | None = None) -> None:
        self.root = root.resolve()
        self.fixed_now = now
        self.lock = threading.Lock()
        self.last: tuple[tuple[str, int, int], ...] | None = None
        self.builds = 0
        self.error: str | None = None
        self.config: Config | None = None

    @property
    def output(self) -> Path:
        state = self.config.state_dir if self.config else self.root / ".publisher"
        return state / "preview"

    def refresh(self) -> bool:
        """Rebuild if any watched file changed since the last build; True if it rebuilt."""
        with self.lock:
            current = stamps(self.root, self.config)
            if current == self.last:
                return False
            self.last = current
            self._rebuild()
            self.last = stamps(self.root, self.config)  # config may have moved the paths
            return True

    def _rebuild(self) -> None:
        self.builds += 1
        now = self.fixed_now or utc_now()
        try:
            self.config = load_config(self.root)
        except DiagnosticsError as exc:
            self._error_page(exc.diagnostics, None)
            return
        try:
            self._build(self.config, now)
            self.error = None
        except Exception:  # a template error must not kill the server: show it instead
            self.error = traceback.format_exc()
            self._error_page([], self.error)

    def _build(self, config: Config, now: datetime) -> None:
        result = load_site(config)
        findings = run_checks(config, result, now)
        views = localized(config, result.site, now)
        # A preview publishes nothing: notes from the archive, nothing written to it.
        corrections = prepare_notes(config, visible(result.site, now), now, archive=False)
        renderer = Renderer(config, corrections)
        posts = social_posts(config, result.site, now, views, self.output)
        from publisher.approval import Approvals
        from publisher.journal import copy_lookup

        approvals = Approvals(config, copy_lookup(config))
        # Every draft waiting for someone's approval, due or not: who may approve, and why.
        held = [
            (u, v) for i in result.site.incidents for u in i.updates if not (v := approvals.verdict(u)).ok
        ]
        dashboard = renderer.render(
            "preview/dashboard.html",
            config.source_lang,
            page=DASHBOARD,
            views=views,
            findings=findings,
            posts=posts,
            held=held,
            now=now,
            builds=self.builds,
            error=None,
            pdf_paths=_pdfs(views, config),
        )
        files = list(pages(config, views, renderer))
        files.append(Page(DASHBOARD, dashboard.encode()))
        for ch in posts:  # each e-mail's HTML part, as its own page next to the dashboard
            files.extend(Page(p["html_path"], p["html"].encode()) for p in ch["posts"] if p.get("html_path"))
        publish_tree(files, self.output)

    def _error_page(self, diagnostics: list[Diagnostic], trace: str | None) -> None:
        items = "".join(f"<li><pre>{html.escape(str(d))}</pre></li>" for d in diagnostics)
        body = (
            f'<!DOCTYPE html><html lang="en"><meta charset="utf-8"><title>Preview: error'
            f"</title><h1>The project cannot be built</h1><ul>{items}</ul>"
            + (f"<pre>{html.escape(trace)}</pre>" if trace else "")
            + "<p>Fix the file and reload this page.</p></html>"
        )
        page = body.encode()
        publish_tree([Page(DASHBOARD, page), Page("index.html", page)], self.output)


def _pdfs(views: dict[str, Any], config: Config) -> set[str]:
    if not pdf_available():
        return set()
    return {pdf_path(iv.incident.id) for iv in views.get(config.source_lang, []) if iv.incident.is_active}


def social_posts(
    config: Config, site: Any, now: datetime, views: dict[str, Any], site_dir: Path
) -> list[dict[str, Any]]:
    """Each configured non-website channel's planned deliveries, by its own plan() (dry run)."""

    ctx = PublishContext(config=config, site=site, now=now, views=views, site_dir=site_dir, dry_run=True)
    found: list[dict[str, Any]] = []
    for cfg in config.channels:
        entry: dict[str, Any] = {
            "channel": cfg.name,
            "type": cfg.type,
            "enabled": cfg.enabled,
            "posts": [],
            "error": None,
        }
        try:
            channel = make_channel(cfg, config)
            if channel.kind == "website":
                continue
            planned = channel.plan_posts(ctx) if hasattr(channel, "plan_posts") else None
            if hasattr(channel, "preview"):  # e-mail: one message per update and language
                for i, msg in enumerate(channel.preview(ctx)):
                    post = {**msg, "length": None, "limit": None}
                    post["html_path"] = f"_preview/{cfg.name}/{i:04d}.{msg['lang']}.html"
                    entry["posts"].append(post)
            elif planned is not None:
                for p in planned:
                    entry["posts"].append(
                        _post(p.delivery, p.composed.text, p.composed.length, p.composed.limit)
                    )
            else:
                for d in channel.plan(ctx):
                    entry["posts"].append(_post(d, _text(d.payload), None, None))
        except Exception as exc:  # show the channel's problem, keep previewing the rest
            entry["error"] = f"{type(exc).__name__}: {exc}"
        found.append(entry)
    return found


def _text(payload: Any) -> str:
    for key in ("message", "status", "text", "content"):
        if isinstance(payload.get(key), str):
            return str(payload[key])

    return json.dumps(dict(payload), ensure_ascii=False, indent=2, default=str)


def _post(delivery: Any, text: str, length: int | None, limit: int | None) -> dict[str, Any]:
    return {
        "update_id": delivery.update_id,
        "lang": delivery.lang,
        "text": text,
        "length": length,
        "limit": limit,
        "summary": delivery.summary,
    }


class _Handler(SimpleHTTPRequestHandler):
    preview: Preview

    def do_GET(self) -> None:
        self.preview.refresh()
        super().do_GET()

    def do_HEAD(self) -> None:
        self.preview.refresh()
        super().do_HEAD()

    def end_headers(self) -> None:
        self.send_header("Cache-Control", "no-store")  # a reload must show the latest build
        super().end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass  # the terminal is for what the comms officer needs, not access logs


def serve(
    root: Path, port: int = 8000, now: datetime | None = None, poll: float = 1.0
) -> tuple[ThreadingHTTPServer, Preview]:
    """Start the server on 127.0.0.1 (port 0: any free port) with a polling thread."""
    preview = Preview(root, now)
    preview.refresh()
    handler = type("Handler", (_Handler,), {"preview": preview})
    server = ThreadingHTTPServer(("127.0.0.1", port), partial(handler, directory=str(preview.output)))
    server.daemon_threads = True

    def poller() -> None:
        while not getattr(server, "_stopped", False):
            time.sleep(poll)
            try:
                preview.refresh()
            except Exception:  # never let a bad save kill the watcher
                traceback.print_exc()

    threading.Thread(target=poller, daemon=True).start()
    return server, preview


def stop(server: ThreadingHTTPServer) -> None:
    server._stopped = True  # type: ignore[attr-defined]
    server.shutdown()
    server.server_close()
