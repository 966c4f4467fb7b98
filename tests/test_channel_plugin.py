"""A third-party channel type registers through the entry-point group alone, like the built-ins.

The plugin (tests/plugins/acme_push.py) is installed as a temporary distribution: a folder on
the subprocess's sys.path holding the module and an ``*.dist-info`` with its
``entry_points.txt``, which is all pip leaves behind for a real package.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from publisher.channels import channel_type, declared
from tests.approvals import with_correction
from tests.publishing import AFTER_ALL, REPO, rows, run_publisher, set_config

PLUGIN = Path(__file__).resolve().parent / "plugins" / "acme_push.py"
ENTRY_POINTS = """\
[publisher.channels]
acme = acme_push:AcmePush
broken = acme_missing_module:Nope
"""


def install(tmp_path: Path) -> dict[str, str]:
    """A distribution `acme-channels` in its own folder; the env that puts it on sys.path."""
    site = tmp_path / "site-packages"
    dist = site / "acme_channels-1.0.dist-info"
    dist.mkdir(parents=True)
    shutil.copy(PLUGIN, site / "acme_push.py")
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: acme-channels\nVersion: 1.0\n")
    (dist / "entry_points.txt").write_text(ENTRY_POINTS)
    return {"PYTHONPATH": f"{REPO}:{site}"}


def test_builtins_are_declared_entry_points_of_the_installed_package():
    eps = declared()
    for name in ("directory", "wordpress", "facebook", "mastodon"):
        assert eps[name].dist is not None and eps[name].dist.name == "publisher", name
        assert channel_type(name).kind in ("website", "social")


def test_third_party_channel_is_checked_and_delivered_after_the_site(example, tmp_path):
    env = install(tmp_path)
    set_config(example, '[channels.website]\ntype = "directory"\n\n[channels.alerts]\ntype = "acme"\n')

    check = run_publisher(example, "check", "--now", AFTER_ALL, env=env)
    assert check.returncode == 0, check.stdout + check.stderr
    assert "alerts: acme check ran" in check.stdout + check.stderr

    first = run_publisher(example, "publish", "--now", AFTER_ALL, env=env)
    assert first.returncode == 0, first.stdout + first.stderr
    sent = [json.loads(line) for line in (example / "acme.jsonl").read_text("utf-8").splitlines()]
    assert sent and all(m["site_live"] for m in sent)  # a push channel goes after the website
    assert len({m["key"] for m in sent}) == len(sent)
    delivered = [r for r in rows(example) if r["channel"] == "alerts"]
    assert len(delivered) == len(sent) and {r["state"] for r in delivered} == {"delivered"}

    again = run_publisher(example, "publish", "--now", AFTER_ALL, env=env)
    assert again.returncode == 0, again.stdout + again.stderr
    assert len((example / "acme.jsonl").read_text("utf-8").splitlines()) == len(sent)  # exactly once


def test_plugin_that_fails_to_import_is_reported_with_its_exception(example, tmp_path):
    env = install(tmp_path)
    set_config(example, '[channels.bad]\ntype = "broken"\n')
    check = run_publisher(example, "check", env=env)
    assert check.returncode == 2
    out = check.stdout + check.stderr
    assert "[channels.bad] channel type 'broken' ('acme_missing_module:Nope' from acme-channels)" in out
    assert "cannot be loaded: ModuleNotFoundError: No module named 'acme_missing_module'" in out
    assert "unknown channel type" not in out and "Traceback" not in out


def test_unknown_type_lists_the_declared_ones_including_plugins(example, tmp_path):
    env = install(tmp_path)
    set_config(example, '[channels.x]\ntype = "acmee"\n')
    check = run_publisher(example, "check", env=env)
    assert check.returncode == 2
    out = check.stdout + check.stderr
    assert "unknown channel type 'acmee' for [channels.x]" in out
    assert "did you mean 'acme'?" in out and "directory" in out


def test_a_channel_that_cannot_edit_gets_a_new_object_for_a_changed_update(example, tmp_path):
    env = install(tmp_path)
    set_config(example, '[channels.alerts]\ntype = "acme"\n')
    assert run_publisher(example, "publish", "--now", AFTER_ALL, env=env).returncode == 0
    first = [json.loads(line) for line in (example / "acme.jsonl").read_text("utf-8").splitlines()]
    target = first[0]
    path = example / "content" / "incidents" / target["incident"] / f"{target['update']}.md"
    edited = path.read_text("utf-8") + "\nPrécision ajoutée.\n"
    path.write_text(with_correction(edited, "Précision ajoutée"), encoding="utf-8")
    update = f"{target['incident']}/{target['update']}"  # an edit needs a new approval
    approved = run_publisher(example, "approve", update, "--as", "jpetit", "--yes", env=env)
    assert approved.returncode == 0, approved.stderr

    second = run_publisher(example, "publish", "--now", AFTER_ALL, env=env)
    assert second.returncode == 0, second.stdout + second.stderr
    sent = [json.loads(line) for line in (example / "acme.jsonl").read_text("utf-8").splitlines()]
    [new] = sent[len(first) :]
    assert new["key"] == target["key"] and new["previous"]  # the earlier message, to refer to
    lines = [line for line in second.stdout.splitlines() if "alerts" in line]
    assert any("created" in line for line in lines) and not any("edited" in line for line in lines)
