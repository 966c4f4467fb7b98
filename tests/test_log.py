"""`publisher log` (main courante): the example crisis replayed through the CLI, then read back."""

from __future__ import annotations

import csv
import io
import json
import re
import sqlite3
from pathlib import Path

import pytest

from publisher import frontmatter
from tests.publishing import INCIDENT

REPO = Path(__file__).resolve().parent.parent
UPDATES = sorted((REPO / "content/incidents" / INCIDENT).glob("2019*.md"))


def replay(example: Path, cli) -> list[str]:  # type: ignore[no-untyped-def]
    """Write, approve and publish each update of the example in order, as the cell did."""
    folder = example / "content/incidents" / INCIDENT
    for path in folder.glob("2019*.md"):
        path.unlink()
    stems = []
    for source in UPDATES:
        doc = frontmatter.parse(source.read_text("utf-8"), source.name)
        assert not isinstance(doc, list)
        f = {k: v.value for k, v in doc.fields.items()}
        args = ["--text", doc.body.strip(), "--status", f["status"], "--at", f["publish_at"]]
        args += ["--next-update", str(f.get("next_update") or "none"), "--as", str(f["author"])]
        r = cli("-C", example, "new", "update", INCIDENT, *args)
        assert r.code == 0, r.err
        update = f"{INCIDENT}/{source.stem}"
        r = cli("-C", example, "approve", update, "--as", str(f["approved_by"]), "--yes")
        assert r.code == 0, r.err
        assert cli("-C", example, "publish", "--now", str(f["publish_at"])).code == 0
        stems.append(update)
    return stems


@pytest.fixture
def crisis(example: Path, cli) -> tuple[Path, list[str]]:  # type: ignore[no-untyped-def]
    return example, replay(example, cli)


def test_log_lists_the_whole_example_crisis_in_order_with_actors(crisis, cli) -> None:  # type: ignore[no-untyped-def]
    example, updates = crisis
    r = cli("-C", example, "log", "--format", "json")
    assert r.code == 0, r.err
    entries = json.loads(r.out)
    mine = [
        (e["event"], e["actor"], e["update"])
        for e in entries
        if e["event"] in ("draft", "approve", "publish")
    ]
    expected = []
    for u in updates:
        author = "Hélène Bernard (hbernard)" if u.endswith("T2130") else "Claire Martin (cmartin)"
        approver = "Julien Petit (jpetit)" if u.endswith("T2130") else "Hélène Bernard (hbernard)"
        expected += [("draft", author, u), ("approve", approver, u), ("publish", "publisher publish", u)]
    assert mine == expected
    # the website delivery of every pass is there too, after the publication it carried
    channel = [e for e in entries if e["event"] == "channel"]
    assert len(channel) == len(updates) and all(e["target"].startswith("website:") for e in channel)
    assert all(re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d [+-]\d{4}", e["local_time"]) for e in entries)
    text = cli("-C", example, "log").out.splitlines()
    assert len(text) == len(entries)
    assert "approve   Julien Petit (jpetit)" in text[1] and f"{INCIDENT}/20191115T2130" in text[1]


def test_log_exports_csv_and_a_printable_page_and_filters(crisis, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    example, updates = crisis
    rows = list(csv.DictReader(io.StringIO(cli("-C", example, "log", "--format", "csv").out)))
    assert rows[0]["event"] == "draft" and rows[0]["actor"] == "Hélène Bernard (hbernard)"
    assert {"local_time", "event", "actor", "target", "detail", "at"} <= set(rows[0])
    out = tmp_path / "main-courante.html"
    r = cli("-C", example, "log", "--format", "html", "-o", out, "--incident", "cyberattaque")
    assert r.code == 0 and f"wrote {out}" in r.out
    html = out.read_text("utf-8")
    assert "<h1>Main courante — CHU de Rouen</h1>" in html and "--ink:" in html  # the site's stylesheet
    site_wide = [r for r in rows if r["event"] == "channel"]  # the website pass is not one incident's
    assert html.count("<tr><td") == len(rows) - len(site_wide) and "<script" not in html
    # filters: another incident, or a window before the crisis, give nothing
    assert cli("-C", example, "log", "--incident", "nothing-here").code == 2
    empty = cli("-C", example, "log", "--until", "2019-11-01T00:00")
    assert empty.code == 0 and empty.out == "" and "the journal is empty" in empty.err
    later = json.loads(cli("-C", example, "log", "--format", "json", "--since", "2019-11-01T00:00").out)
    assert len(later) == len(rows)


def test_the_journal_is_append_only(crisis) -> None:  # type: ignore[no-untyped-def]
    example, _updates = crisis
    db = sqlite3.connect(example / ".publisher" / "ledger.db")
    try:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("UPDATE journal SET actor = 'someone else'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            db.execute("DELETE FROM journal")
    finally:
        db.close()
