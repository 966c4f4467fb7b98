"""A project template or stylesheet that is a link leaving the project is never read (a
template linked to a system file would be published): the built-in one is used, and check
and publish say which file and what to do (exit 2)."""

from __future__ import annotations

import os
from pathlib import Path

SECRET = "root:x:0:0:secret-line-that-must-never-be-published"


def test_a_template_linked_outside_the_project_is_refused(example: Path, cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    outside = tmp_path / "system-file"
    outside.write_text(SECRET + "\n", encoding="utf-8")
    web = example / "templates" / "web"
    web.mkdir(parents=True, exist_ok=True)
    (web / "base.html").unlink(missing_ok=True)
    os.symlink(outside, web / "base.html")
    static = example / "templates" / "static"
    static.mkdir(parents=True, exist_ok=True)
    os.symlink(outside, static / "style.css")
    os.symlink(example / "templates", example / "templates" / "loop")  # a directory loop
    check = cli("-C", example, "check", "--now", "2019-11-23T12:00")
    assert check.code == 2
    assert (
        f"templates/web/base.html: error: is a symbolic link to {outside}, outside the project" in check.err
    )
    assert "the built-in one is used instead" in check.err and "templates/static/style.css" in check.err
    r = cli("-C", example, "publish", "--now", "2019-11-23T12:00")
    assert r.code == 2 and "templates/web/base.html" in r.out + r.err
    site = example / "public"
    published = [p.read_bytes() for p in site.rglob("*") if p.is_file()]
    assert published and not any(SECRET.encode() in data for data in published)
    page = (site / "fr" / "index.html").read_text("utf-8")
    assert "<html" in page  # the built-in layout
    css = (site / "style.css").read_text("utf-8") if (site / "style.css").exists() else ""
    assert SECRET not in css
