"""A third-party channel type, as an outside package would write it (tests/test_channel_plugin.py).

It is a ``push`` channel that cannot edit: each update's French text is appended to a JSON
Lines file, as an e-mail or webhook channel would send it. It subclasses nothing: the
registry checks the members the protocol needs when it loads it.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from publisher.channels.base import Delivery, PublishContext, Receipt
from publisher.errors import Diagnostic


class AcmePush:
    kind = "push"
    can_edit = False
    can_reply = False
    drift_check = "never"
    hosts_site = False

    def __init__(self, config: Any, project: Any) -> None:
        self.name = config.name
        self.project = project
        self.out = project.root / str(config.options.get("path", "acme.jsonl"))

    @classmethod
    def validate_options(cls, options: Mapping[str, Any]) -> list[tuple[str, str, str]]:
        return [
            (k, f"unknown option '{k}' for an acme channel", "known: path") for k in options if k != "path"
        ]

    def plan(self, ctx: PublishContext) -> list[Delivery]:
        found = []
        for iv in ctx.views.get(ctx.config.source_lang, []):
            for uv in iv.updates:
                payload = {"incident": iv.incident.id, "update": uv.update.stem, "text": uv.markdown}
                found.append(
                    Delivery(
                        self.name,
                        f"acme:{uv.update.id}",
                        Delivery.hash_payload(payload),
                        payload,
                        update_id=uv.update.id,
                        lang=uv.lang,
                        summary=f"message for {uv.update.id}",
                    )
                )
        return found

    def send(self, delivery: Delivery, previous: Receipt | None, idempotency_key: str) -> Receipt:
        site_live = (self.project.root / "public" / "index.html").is_file()
        record = {
            "key": delivery.key,
            "previous": previous.remote_id if previous else None,
            "site_live": site_live,
        }
        with self.out.open("a", encoding="utf-8") as f:
            f.write(json.dumps({**record, **delivery.payload}, ensure_ascii=False) + "\n")
        return Receipt(idempotency_key)

    def reconcile(self, delivery: Delivery, idempotency_key: str) -> Receipt | None:
        return None

    def drift(self, previous: Receipt) -> str | None:
        return None  # lines appended to a file: nobody edits them

    def check(self, ctx: PublishContext) -> list[Diagnostic]:
        return [Diagnostic("publisher.toml", 0, f"{self.name}: acme check ran", severity="warning")]
