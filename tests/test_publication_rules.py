"""`publish` holds what `check` calls a publication error, with the same message and exit 2,
while the other updates still go out (publisher/publication.py)."""

from __future__ import annotations

import re
from pathlib import Path

from tests.approvals import approve_file
from tests.publishing import INCIDENT

URGENT = "Les urgences vitales restent assurées au 15."


def page(project: Path) -> str:
    return (project / "public" / "fr" / "incidents" / INCIDENT / "index.html").read_text("utf-8")


def write(project: Path, stem: str, publish_at: str, body: str, extra: str = "") -> Path:
    path = project / "content" / "incidents" / INCIDENT / f"{stem}.md"
    path.write_text(
        f'---\nstatus: identified\npublish_at: "{publish_at}"\n{extra}author: cmartin\n---\n\n{body}\n',
        encoding="utf-8",
    )
    approve_file(project, path)
    return path


def test_a_broken_promise_is_held_and_the_valid_update_goes_out(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bad = write(
        example, "20191124T1000", "2019-11-24T10:00", "Point de situation du dimanche matin.",
        'next_update: "2019-11-24T09:00"\n',
    )  # fmt: skip
    write(example, "20191124T1100", "2019-11-24T11:00", URGENT)
    check = cli("-C", example, "check", "--now", "2019-11-24T12:00")
    r = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert r.code == 2
    message = "next_update is not after publish_at"
    assert message in check.err and message in r.out + r.err
    line = f"{bad.relative_to(example)}:4"  # the next_update line, as check names it
    assert line in check.err and line in r.out + r.err
    assert "held: not published until this is fixed" in r.out + r.err
    assert URGENT in page(example) and "dimanche matin" not in page(example)
    status = cli("-C", example, "status", "--now", "2019-11-24T12:00")
    assert status.code == 2 and message in status.out + status.err


def test_a_file_named_for_another_time_is_refused_by_check_and_held_by_publish(example: Path, cli) -> None:  # type: ignore[no-untyped-def]
    bad = write(example, "20191124T1000", "2019-11-24T10:45", "Point de situation décalé.")
    write(example, "20191124T1100", "2019-11-24T11:00", URGENT)
    check = cli("-C", example, "check", "--now", "2019-11-24T12:00")
    assert check.code == 2
    assert (
        f"{bad.relative_to(example)}:3: error: the file is named for 2019-11-24 10:00 but publish_at "
        "is 2019-11-24 10:45 (Europe/Paris)"
    ) in check.err
    assert "rename the file to 20191124T1045.md" in check.err
    r = cli("-C", example, "publish", "--now", "2019-11-24T12:00")
    assert r.code == 2 and "the file is named for 2019-11-24 10:00" in r.out + r.err
    assert URGENT in page(example) and "décalé" not in page(example)
    # renamed as told, it goes out
    renamed = bad.rename(bad.with_name("20191124T1045.md"))
    approve_file(example, renamed)  # its name is part of what is approved
    assert cli("-C", example, "check", "--now", "2019-11-24T12:00").code == 0
    assert cli("-C", example, "publish", "--now", "2019-11-24T12:01").code == 0
    assert "décalé" in page(example)


def test_a_published_text_edited_without_a_correction_note_keeps_the_published_text(  # type: ignore[no-untyped-def]
    example: Path, cli
) -> None:
    path = write(example, "20191124T1000", "2019-11-24T10:00", "Le standard est joignable au 02 32 88 89 90.")
    assert cli("-C", example, "publish", "--now", "2019-11-24T12:00").code == 0
    assert "02 32 88 89 90" in page(example)
    # An edit approved again, but with no correction note: readers would not know it changed.
    path.write_text(path.read_text("utf-8").replace("02 32 88 89 90", "02 32 88 80 00"), "utf-8")
    approve_file(example, path)
    r = cli("-C", example, "publish", "--now", "2019-11-24T12:05")
    out = r.out + r.err
    assert r.code == 2
    assert re.search(
        r"20191124T1000\.md:\d+: error: the text of this update changed after it was published", out
    )
    assert "held: the text published before stays online" in out
    assert "02 32 88 89 90" in page(example) and "02 32 88 80 00" not in page(example)
    # the same rule in check, the same words
    check = cli("-C", example, "check", "--now", "2019-11-24T12:05")
    assert check.code == 2 and "changed after it was published" in check.err
    # the fix the message names: a correction note (and the approval of that text)
    text = path.read_text("utf-8").replace(
        "author: cmartin\n", "author: cmartin\ncorrection: Numéro corrigé\n"
    )
    path.write_text(text, "utf-8")
    approve_file(example, path)
    assert cli("-C", example, "publish", "--now", "2019-11-24T12:06").code == 0
    assert "02 32 88 80 00" in page(example) and "Numéro corrigé" in page(example)
