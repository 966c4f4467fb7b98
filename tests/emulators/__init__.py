"""Loopback HTTP emulators of the channel APIs (Facebook Graph, Mastodon, Bluesky, WordPress REST).

Spec: /work/shared/research/channel-apis.md. Each emulator binds 127.0.0.1 on an ephemeral port;
see base.Emulator for the shared knobs (inject(), requests, reset(), clock).
"""

from __future__ import annotations

from .base import Clock, Delay, Drop, Emulator, HttpFault, RecordedRequest, Response
from .bluesky import BlueskyEmulator, xrpc_error
from .facebook import FacebookEmulator, fb_error
from .mastodon import MastodonEmulator, masto_error
from .wordpress import WordPressEmulator, html_fault, wp_error

__all__ = [
    "BlueskyEmulator",
    "xrpc_error",
    "Clock",
    "Delay",
    "Drop",
    "Emulator",
    "FacebookEmulator",
    "HttpFault",
    "MastodonEmulator",
    "RecordedRequest",
    "Response",
    "WordPressEmulator",
    "fb_error",
    "html_fault",
    "masto_error",
    "wp_error",
]
