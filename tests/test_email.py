"""The e-mail channel end to end: `publisher publish` against a real SMTP server (aiosmtpd) on
127.0.0.1, with faults, SIGKILLs and reruns; what arrives is parsed with the `email` package."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from email.message import EmailMessage
from pathlib import Path

import pytest

from tests.approvals import approve_file
from tests.emulators.smtp import Arrival, SmtpServer
from tests.golden import compare_text
from tests.publishing import AFTER_ALL, INCIDENT, REPO, rows, run_publisher, write_update
from tests.socialkit import edit_update

FR = "redaction@journal.example"
EN = "desk@agency.example"
PLAIN = "contact@clinique.example"
UPDATES = 6  # due in the example at AFTER_ALL
PASSWORD = "smtp-secret-Qx81z"
LIST = f"""address,language,name
{FR},fr,Rédaction
{EN},en,"Desk, Agency"
# partner clinics: one address per line, in the source language
{PLAIN}
"""


@pytest.fixture
def smtp() -> Iterator[SmtpServer]:
    with SmtpServer() as server:
        yield server


def configure(project: Path, port: int, **extra: str) -> None:
    (project / "lists").mkdir(exist_ok=True)
    (project / "lists" / "presse.csv").write_text(LIST, encoding="utf-8")
    options = {
        "lists": '["lists/presse.csv"]',
        "from": '"communication@chu-rouen.example"',
        "smtp_host": '"127.0.0.1"',
        "smtp_port": str(port),
        "security": '"none"',
        "unsubscribe": '["mailto:desabonnement@chu-rouen.example", '
        '"https://status.chu-rouen.example/desabonnement?u={address}"]',
        "rate_per_minute": "0",
        "max_age_hours": "1000000",
        "timeout": "5",
        **extra,
    }
    table = "\n".join(f"{k} = {v}" for k, v in options.items())
    config = project / "publisher.toml"
    config.write_text(
        config.read_text(encoding="utf-8")
        + f'\n[channels.website]\ntype = "directory"\n\n[channels.press]\ntype = "email"\n{table}\n',
        encoding="utf-8",
    )


@pytest.fixture
def project(example: Path, smtp: SmtpServer) -> Path:
    configure(example, smtp.port)
    return example


def text_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("plain",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def html_part(msg: EmailMessage) -> str:
    part = msg.get_body(preferencelist=("html",))
    assert part is not None
    return str(part.get_content()).replace("\r\n", "\n")


def counts(smtp: SmtpServer) -> dict[str, int]:
    return smtp.count()


def test_each_update_reaches_each_recipient_once_in_their_language(
    project: Path, cli, smtp: SmtpServer
) -> None:
    first = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert first.code == 0, first.out + first.err
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}
    assert first.out.count("created      press") == 3 * UPDATES

    en = smtp.to(EN)[0]
    assert en["To"] == '"Desk, Agency" <desk@agency.example>'
    assert en["From"] == "CHU de Rouen <communication@chu-rouen.example>"
    assert en["Subject"].startswith("Investigating · Cyber attack")
    assert en["Content-Language"] == "en"
    assert en["Auto-Submitted"] == "auto-generated" and en["Precedence"] == "bulk"
    assert en["List-Unsubscribe"] == (
        "<mailto:desabonnement@chu-rouen.example>, "
        "<https://status.chu-rouen.example/desabonnement?u=desk@agency.example>"
    )
    assert en["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert re.fullmatch(r"<[0-9a-f]{32}\.publisher@chu-rouen\.example>", en["Message-ID"])
    assert en["In-Reply-To"] is None
    url = f"https://status.chu-rouen.example/en/incidents/{INCIDENT}/20191115T2130.html"
    text, html = text_part(en), html_part(en)
    assert "at around 7 pm" in text and url in text
    # The project's [contacts] block, as the site shows it, in both parts.
    assert "What to do, whom to call\n• A&E stays open" in text
    assert "Life-threatening emergency: 15\nSwitchboard: 02 32 88 89 90\n" in text
    assert "E-mail (temporary address): crise.chu-rouen@example.org" in text
    assert "Lines open: 24 hours a day, 7 days a week" in text
    assert '<html lang="en">' in html and f'href="{url}"' in html
    assert '<li>Switchboard: <a href="tel:0232888990">02 32 88 89 90</a></li>' in html
    assert 'href="mailto:crise.chu-rouen@example.org"' in html and "Lines open:" in html
    assert "\n-- \n" in text  # the signature separator mail readers hide

    fr = smtp.to(FR)[0]
    assert fr["Subject"].startswith("Analyse en cours · Cyberattaque")
    assert fr["Content-Language"] == "fr"
    assert "vers 19 h" in text_part(fr) and "Standard : 02 32 88 89 90" in text_part(fr)
    assert "Que faire, qui appeler" in html_part(fr)
    assert "/fr/incidents/" in html_part(fr)
    # An address alone on its line is in the source language.
    assert smtp.to(PLAIN)[0]["Content-Language"] == "fr"
    # Every message has its own Message-ID, and the ledger has one row per message.
    ids = {a.message["Message-ID"] for a in smtp.arrivals}
    assert len(ids) == 3 * UPDATES
    assert len([r for r in rows(project) if r["channel"] == "press"]) == 3 * UPDATES

    again = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert again.code == 0 and "nothing new for" in again.out
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}


def test_untranslated_update_goes_out_in_french_with_the_notice(project: Path, cli, smtp: SmtpServer) -> None:
    write_update(project, "20191122T1800", "2019-11-22T18:00", "Un point **non traduit** pour l’instant.")
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert result.code == 0, result.out + result.err
    last = smtp.to(EN)[-1]
    assert last["Content-Language"] == "fr"  # the text is French
    assert "Translation in progress: the original text is shown." in text_part(last)
    assert '<div lang="fr">' in html_part(last) and '<html lang="en">' in html_part(last)


def test_correction_and_withdrawal_are_short_threaded_follow_ups(
    project: Path, cli, smtp: SmtpServer
) -> None:
    assert cli("-C", project, "publish", "--now", AFTER_ALL).code == 0
    original = smtp.to(EN)[0]
    edit_update(
        project,
        "20191115T2130",
        "vers 19 h",
        "vers 18 h 45",
        front="correction: Heure de l’attaque corrigée.",
    )
    fixed = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert fixed.code == 0, fixed.out + fixed.err
    assert counts(smtp) == {FR: UPDATES + 1, EN: UPDATES + 1, PLAIN: UPDATES + 1}
    corr = smtp.to(FR)[-1]
    assert corr["Subject"].startswith("Correction")
    assert corr["In-Reply-To"] == smtp.to(FR)[0]["Message-ID"]
    assert "Heure de l’attaque corrigée." in text_part(corr)
    en_corr = smtp.to(EN)[-1]
    assert en_corr["In-Reply-To"] == original["Message-ID"]
    assert en_corr["References"] == original["Message-ID"]
    assert "Read the corrected update:" in text_part(en_corr)
    assert "Switchboard: 02 32 88 89 90" in text_part(en_corr)  # follow-ups carry [contacts] too
    assert 'href="tel:0232888990"' in html_part(en_corr)

    write_update(
        project,
        "20191122T1800",
        "2019-11-22T18:00",
        "Le point du 15 novembre est retiré : il contenait une erreur.",
        status="resolved",
    )
    retract = project / "content" / "incidents" / INCIDENT / "20191122T1800.md"
    retract.write_text(
        retract.read_text(encoding="utf-8").replace("---\n", "---\nretracts: 20191115T2130\n", 1),
        encoding="utf-8",
    )
    approve_file(project, retract)  # what it retracts is part of the approved text
    withdrawn = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert withdrawn.code == 0, withdrawn.out + withdrawn.err
    # Each recipient: the new update, and the withdrawal of the first one.
    assert counts(smtp) == {FR: UPDATES + 3, EN: UPDATES + 3, PLAIN: UPDATES + 3}
    notices = [m for m in smtp.to(EN) if str(m["Subject"]).startswith("Withdrawn")]
    assert len(notices) == 1
    assert notices[0]["References"] == f"{original['Message-ID']} {en_corr['Message-ID']}"
    assert notices[0]["In-Reply-To"] == en_corr["Message-ID"]
    assert "/en/incidents/2019-11-15-cyberattaque/20191122T1800.html" in text_part(notices[0])
    assert "Life-threatening emergency: 15" in text_part(notices[0])


def test_a_recipient_added_later_gets_only_what_is_published_after(
    project: Path, cli, smtp: SmtpServer
) -> None:
    assert cli("-C", project, "publish", "--now", AFTER_ALL).code == 0
    newcomer = "ars@sante.example"
    with (project / "lists" / "presse.csv").open("a", encoding="utf-8") as f:
        f.write(f"{newcomer},fr\n")
    quiet = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert quiet.code == 0, quiet.out + quiet.err
    assert newcomer not in counts(smtp)
    write_update(project, "20191122T1800", "2019-11-22T18:00", "Un dernier point.", status="resolved")
    new = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert new.code == 0, new.out + new.err
    assert counts(smtp) == {FR: UPDATES + 1, EN: UPDATES + 1, PLAIN: UPDATES + 1, newcomer: 1}
    assert "Un dernier point." in text_part(smtp.to(newcomer)[0])


def test_a_refused_recipient_is_reported_by_address_and_the_others_get_it(
    project: Path, cli, smtp: SmtpServer
) -> None:
    smtp.faults.refuse.add(EN)
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert result.code == 1
    assert counts(smtp) == {FR: UPDATES, PLAIN: UPDATES}
    assert f"the relay refused {EN} (550 5.1.1" in result.out
    assert "check the address at lists/presse.csv:3" in result.out
    assert "[needs a person]" in result.out


def test_greylisting_and_421_are_retried_later_and_sent_once(project: Path, cli, smtp: SmtpServer) -> None:
    smtp.faults.greylist[EN] = 1
    smtp.faults.unavailable = 1
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert result.code == 1
    assert "(451 4.7.1 Greylisted" in result.out and "will retry" in result.out
    assert "421" in result.out
    retried = cli("-C", project, "publish", "--now", AFTER_ALL, "--retry")
    assert retried.code == 0, retried.out
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}


def test_a_connection_dropped_after_data_is_never_resent(project: Path, cli, smtp: SmtpServer) -> None:
    smtp.faults.drop_after_data = 1
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert result.code == 0, result.out + result.err
    assert "unknown      press" in result.out
    assert "unknown outcome, not resent; check the relay's log for Message-ID <" in result.out
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}  # the relay had it: once
    again = cli("-C", project, "publish", "--now", AFTER_ALL, "--retry")
    assert again.code == 0
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}


def test_a_refused_login_sends_nothing_and_names_the_variable_not_the_password(
    example: Path, cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    with SmtpServer(user="communication", password=PASSWORD) as server:
        configure(example, server.port, user='"communication"', password_env='"TEST_SMTP_PASSWORD"')
        monkeypatch.setenv("TEST_SMTP_PASSWORD", "wrong-password-77")
        refused = cli("-C", example, "publish", "--now", AFTER_ALL)
        assert refused.code == 1
        assert "refused the login for communication (535" in refused.out
        assert "TEST_SMTP_PASSWORD" in refused.out and "wrong-password-77" not in refused.out
        # One connection (smtplib tries PLAIN, then LOGIN), then the channel stops for this pass.
        assert server.count() == {} and len(server.logins) == 2
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        ok = cli("-C", example, "publish", "--now", AFTER_ALL, "--retry")
        assert ok.code == 0, ok.out
        assert server.count() == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}
        ledger = (example / ".publisher" / "ledger.db").read_bytes()
        assert PASSWORD.encode() not in ledger and PASSWORD not in ok.out


@pytest.mark.parametrize("point", ["before_send", "after_send"])
def test_sigkill_between_recipients_then_rerun_sends_each_message_once(
    project: Path, smtp: SmtpServer, point: str
) -> None:
    crashed = run_publisher(
        project, "publish", "--now", AFTER_ALL, env={"PUBLISHER_TEST_CRASH_AT": f"{point}:press"}
    )
    assert crashed.returncode == -9, crashed.stdout + crashed.stderr
    assert sum(counts(smtp).values()) == (1 if point == "after_send" else 0)
    recovered = run_publisher(project, "publish", "--now", AFTER_ALL)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    if point == "after_send":
        assert "reconciled   press" in recovered.stdout
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}


def test_sigkill_while_the_relay_holds_the_message_is_unknown_never_duplicated(
    project: Path, smtp: SmtpServer
) -> None:
    """The relay has the 5th message but the publisher dies before hearing its 250."""
    env = {k: v for k, v in os.environ.items() if k != "PUBLISHER_TEST_CRASH_AT"}
    env["PYTHONPATH"] = str(REPO)
    proc = subprocess.Popen(
        [sys.executable, "-m", "publisher", "-C", str(project), "publish", "--now", AFTER_ALL],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )

    def kill_on_fifth(arrival: Arrival) -> None:
        if len(smtp.arrivals) == 5:
            os.kill(proc.pid, signal.SIGKILL)
            time.sleep(0.2)

    smtp.faults.after_data = kill_on_fifth
    proc.communicate(timeout=120)
    assert proc.returncode == -9
    smtp.faults.after_data = None
    assert sum(counts(smtp).values()) == 5
    recovered = run_publisher(project, "publish", "--now", AFTER_ALL)
    assert recovered.returncode == 0, recovered.stdout + recovered.stderr
    assert recovered.stdout.count("unknown      press") == 1
    assert "unknown outcome, not resent; check the relay's log" in recovered.stdout
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}


def test_golden_messages_in_french_and_english(project: Path) -> None:
    from email import policy

    from publisher.channels.email import EmailChannel, build_message
    from publisher.config import load_config
    from publisher.content import load_site
    from publisher.site import localized

    config = load_config(project)
    site = load_site(config).site
    now = datetime(2019, 11, 23, tzinfo=UTC)
    from publisher.channels.base import PublishContext

    cfg = config.channel("press")
    assert cfg is not None
    ch = EmailChannel(cfg, config)
    ctx = PublishContext(config, site, now, localized(config, site, now), project / "public", dry_run=True)
    planned = {d.key: d for d in ch.plan(ctx)}
    for address, lang in ((FR, "fr"), (EN, "en")):
        d = planned[f"mail:{INCIDENT}/20191115T2130:{address}"]
        msg = build_message(
            d.payload,
            d.payload["message"],
            sender=ch.sender(),
            message_id=ch.message_id("0123456789abcdef0123456789abcdef"),
            date=datetime(2019, 11, 15, 20, 35, tzinfo=UTC),
            thread=[],
            list_id=ch.list_id(),
        )
        compare_text(
            msg.as_bytes(policy=policy.SMTP).decode().replace("\r\n", "\n"), f"email/message.{lang}.eml"
        )


def test_check_names_each_bad_list_line(project: Path, cli) -> None:
    (project / "lists" / "presse.csv").write_text(
        LIST + "pas une adresse\nars@sante.example,de\nx@y.example,fr,a,b\n", encoding="utf-8"
    )
    result = cli("-C", project, "check", "--now", AFTER_ALL)
    assert result.code == 2
    assert "lists/presse.csv:6: error: 'pas une adresse' is not an e-mail address" in result.err
    assert "lists/presse.csv:7: error: language 'de' for ars@sante.example" in result.err
    assert "lists/presse.csv:8: error: 4 fields" in result.err


def test_preview_shows_each_message_as_a_reader_of_each_language_gets_it(
    project: Path, smtp: SmtpServer
) -> None:
    from publisher.preview import DASHBOARD, Preview

    preview = Preview(project, datetime(2019, 11, 23, tzinfo=UTC))
    preview.refresh()
    assert preview.error is None, preview.error
    dashboard = (preview.output / DASHBOARD).read_text(encoding="utf-8")
    assert "Subject: Investigating · Cyber attack" in dashboard
    assert "Subject: Analyse en cours · Cyberattaque" in dashboard
    assert "Lire ce point de situation en ligne" in dashboard
    html_parts = sorted((preview.output / "_preview" / "press").glob("*.en.html"))
    assert len(html_parts) == UPDATES
    assert '<html lang="en">' in html_parts[0].read_text(encoding="utf-8")
    assert smtp.arrivals == [] and not (project / ".publisher" / "ledger.db").exists()  # nothing sent


def test_a_bad_list_line_is_left_out_and_the_others_still_get_the_update(
    project: Path, cli, smtp: SmtpServer
) -> None:
    (project / "lists" / "presse.csv").write_text(LIST + "pas une adresse\n", encoding="utf-8")
    result = cli("-C", project, "publish", "--now", AFTER_ALL)
    # Exit 2, as for a broken content file: the line is named, everyone else got the update.
    assert result.code == 2, result.out + result.err
    assert "lists/presse.csv:6: error: 'pas une adresse' is not an e-mail address" in result.out + result.err
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}


def test_a_recipient_removed_from_a_list_is_no_report_and_a_removed_update_is_one_line(
    project: Path, cli, smtp: SmtpServer
) -> None:
    assert cli("-C", project, "publish", "--now", AFTER_ALL).code == 0
    (project / "lists" / "presse.csv").write_text(
        LIST.replace(f'{EN},en,"Desk, Agency"\n', ""), encoding="utf-8"
    )
    left = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert left.code == 0, left.out + left.err
    assert "removed" not in left.out  # what was mailed to them stays mailed: nothing to do
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}
    (project / "content" / "incidents" / INCIDENT / "20191122T1700.md").unlink()
    gone = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert gone.code == 0, gone.out + gone.err
    lines = [line for line in gone.out.splitlines() if line.startswith("publish: removed      press")]
    assert len(lines) == 1 and "20191122T1700" in lines[0]  # one line for the update, not per recipient
    assert "cannot be recalled" in lines[0] and "retracts:" in lines[0]


def test_rate_per_minute_spaces_the_messages(project: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from publisher.channels import email as email_channel
    from publisher.config import load_config

    config = load_config(project)
    cfg = config.channel("press")
    assert cfg is not None
    ch = email_channel.EmailChannel(
        type(cfg)(cfg.name, cfg.type, cfg.enabled, {**cfg.options, "rate_per_minute": 120}, cfg.line), config
    )
    clock = [1000.0]
    slept: list[float] = []
    monkeypatch.setattr(email_channel.time, "monotonic", lambda: clock[0])

    def sleep(seconds: float) -> None:
        slept.append(seconds)
        clock[0] += seconds

    monkeypatch.setattr(email_channel.time, "sleep", sleep)
    for _ in range(4):
        ch.pace()
    assert slept == [0.5, 0.5, 0.5]  # 120 a minute: one every half second, the first at once


@pytest.mark.parametrize("security", ["starttls", "tls"])
def test_a_relay_with_the_organisations_own_ca_over_starttls_or_tls(
    example: Path, cli, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, security: str
) -> None:
    from tests.emulators.smtp import make_certificates

    ca, cert, key = make_certificates(tmp_path)
    with SmtpServer(
        user="communication", password=PASSWORD, tls=security, certs=(str(cert), str(key))
    ) as server:
        configure(
            example,
            server.port,
            security=f'"{security}"',
            user='"communication"',
            password_env='"TEST_SMTP_PASSWORD"',
        )
        monkeypatch.setenv("TEST_SMTP_PASSWORD", PASSWORD)
        untrusted = cli("-C", example, "publish", "--now", AFTER_ALL)
        assert untrusted.code == 1
        assert "is not trusted (" in untrusted.out and "set ca_file in [channels.press]" in untrusted.out
        assert server.count() == {}
        (example / "ca.pem").write_bytes(ca.read_bytes())
        config = example / "publisher.toml"
        config.write_text(config.read_text(encoding="utf-8") + 'ca_file = "ca.pem"\n', encoding="utf-8")
        trusted = cli("-C", example, "publish", "--now", AFTER_ALL, "--retry")
        assert trusted.code == 0, trusted.out
        assert server.count() == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}
        assert server.logins and all(ok for _user, ok in server.logins)


def test_a_lost_ledger_adopts_the_mails_in_the_journal_and_sends_only_a_missing_follow_up(
    project: Path, cli, smtp: SmtpServer
) -> None:
    assert cli("-C", project, "publish", "--now", AFTER_ALL).code == 0
    original = smtp.to(EN)[0]
    state = project / ".publisher"
    for name in ("ledger.db", "ledger.db-wal", "ledger.db-shm"):  # deleted, or an old backup
        (state / name).unlink(missing_ok=True)
    again = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert again.code == 0, again.out + again.err
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}  # nobody mailed twice
    assert again.out.count("adopted      press") == 3 * UPDATES and "created      press" not in again.out
    assert {r["state"] for r in rows(project) if r["channel"] == "press"} == {"delivered"}

    # A correction after that: the follow-up only, threaded under the adopted original.
    edit_update(project, "20191115T2130", "vers 19 h", "vers 18 h 45", front="correction: Heure corrigée.")
    fixed = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert fixed.code == 0, fixed.out + fixed.err
    assert counts(smtp) == {FR: UPDATES + 1, EN: UPDATES + 1, PLAIN: UPDATES + 1}
    assert smtp.to(EN)[-1]["In-Reply-To"] == original["Message-ID"]


def test_contacts_fall_back_to_the_site_phone_and_the_block_goes_with_them(project: Path) -> None:
    config = project / "publisher.toml"
    text = config.read_text(encoding="utf-8")
    start = text.index("[contacts]")
    config.write_text(text[:start] + text[text.index("\n[", start) + 1 :], encoding="utf-8")
    fr = planned_message(project, FR)
    # No [contacts]: the site's phone is the switchboard, as on the site's pages.
    assert "Standard : +33 2 32 88 89 90" in fr["text"] and "Urgence vitale" not in fr["text"]
    assert 'href="tel:+33232888990"' in fr["html"]
    assert "Que faire, qui appeler\n• Urgences ouvertes" in fr["text"]  # the incident's what_to_do


def planned_message(project: Path, address: str) -> dict[str, str]:
    """The first update's message part for one recipient, as planned (nothing sent)."""
    from publisher.channels.base import PublishContext
    from publisher.channels.email import EmailChannel
    from publisher.config import load_config
    from publisher.content import load_site
    from publisher.site import localized

    config = load_config(project)
    site = load_site(config).site
    now = datetime(2019, 11, 23, tzinfo=UTC)
    cfg = config.channel("press")
    assert cfg is not None
    ctx = PublishContext(config, site, now, localized(config, site, now), project / "public", dry_run=True)
    planned = {d.key: d for d in EmailChannel(cfg, config).plan(ctx)}
    return dict(planned[f"mail:{INCIDENT}/20191115T2130:{address}"].payload["message"])


def test_a_lost_state_dir_with_max_age_zero_for_one_run_mails_only_what_comes_after(
    project: Path, cli, smtp: SmtpServer
) -> None:
    import shutil

    assert cli("-C", project, "publish", "--now", AFTER_ALL).code == 0
    shutil.rmtree(project / ".publisher")  # ledger and journal: nobody can tell who got what
    config = project / "publisher.toml"
    usual = config.read_text(encoding="utf-8")
    config.write_text(usual.replace("max_age_hours = 1000000", "max_age_hours = 0"), encoding="utf-8")
    recovery = cli("-C", project, "publish", "--now", AFTER_ALL)  # as docs/email.md says
    assert recovery.code == 0, recovery.out + recovery.err
    assert counts(smtp) == {FR: UPDATES, EN: UPDATES, PLAIN: UPDATES}  # nobody mailed twice
    config.write_text(usual, encoding="utf-8")
    write_update(project, "20191122T1800", "2019-11-22T18:00", "Un nouveau point.", status="resolved")
    after = cli("-C", project, "publish", "--now", AFTER_ALL)
    assert after.code == 0, after.out + after.err
    assert counts(smtp) == {FR: UPDATES + 1, EN: UPDATES + 1, PLAIN: UPDATES + 1}
