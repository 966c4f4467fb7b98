"""Property tests: any bytes as an update, incident, statement, catalog or config file either
load or give publisher's own error (a Diagnostic, ConfigError, CatalogError), never another
exception. docs/reliability.md reports the number of cases these run."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from publisher.config import load_config
from publisher.content import load_site
from publisher.errors import ConfigError, Diagnostic
from publisher.i18n import pofiles
from publisher.i18n.catalogs import read_catalog
from publisher.i18n.compile import validate
from publisher.statements import load_statements
from tests.publishing import copy_example_config

REPO = Path(__file__).resolve().parent.parent
INCIDENT = "content/incidents/2019-11-15-cyberattaque"
CASES = 100
PROFILE = settings(
    max_examples=CASES, deadline=None, suppress_health_check=[HealthCheck.too_slow], database=None
)

# Bytes that look like the real thing are far more likely to reach deep code than noise.
FRONT = st.sampled_from(
    [
        "status", "publish_at", "next_update", "approved_by", "channels", "correction", "retracts",
        "lang", "title", "impact", "services", "summary", "cadence",
    ]
)  # fmt: skip
VALUES = st.one_of(
    st.text(max_size=30),
    st.sampled_from(
        [
            "2019-11-15T19:00",
            "0001-01-01T00:00",
            "9999-12-31T23:59-05:00",
            "[a, [b]]",
            "{a: 1}",
            "|",
            "&a *a",
            "!!python/object:os.system",
            "~",
        ]
    ),
)


@st.composite
def markdown_files(draw: st.DrawFn) -> bytes:
    lines = [f"{draw(FRONT)}: {draw(VALUES)}" for _ in range(draw(st.integers(0, 6)))]
    body = draw(st.text(max_size=200))
    text = "---\n" + "\n".join(lines) + "\n---\n" + body
    if draw(st.booleans()):
        return text.encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=300))


@st.composite
def po_files(draw: st.DrawFn) -> bytes:
    entries = []
    for _ in range(draw(st.integers(0, 4))):
        msgid = draw(
            st.sampled_from(["Updates", "%(date)s at %(time)s", "Le CHU", draw(st.text(max_size=20))])
        )
        msgstr = draw(st.text(max_size=40))
        entries.append(f'msgid "{msgid}"\nmsgstr "{msgstr}"\n')
    header = draw(
        st.sampled_from(["utf-8", "klingon", "latin-1", "", 'utf-8\\n"\n"Plural-Forms: nplurals=x'])
    )
    text = f'msgid ""\nmsgstr ""\n"Content-Type: text/plain; charset={header}\\n"\n\n' + "\n".join(entries)
    if draw(st.booleans()):
        return text.encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=300))


@st.composite
def toml_files(draw: st.DrawFn) -> bytes:
    base = (REPO / "publisher.toml").read_text(encoding="utf-8")
    if draw(st.booleans()):
        lines = base.split("\n")
        i = draw(st.integers(0, len(lines) - 1))
        lines[i] = draw(st.text(max_size=40))
        return "\n".join(lines).encode("utf-8", "surrogatepass")
    return draw(st.binary(max_size=300))


_ROOT: Path | None = None


@contextmanager
def project(*restore: str) -> Iterator[Path]:
    """One copy of the example for the whole module (copying it per example was most of the
    cost); the files a test writes are put back after each example."""
    global _ROOT
    if _ROOT is None:
        _ROOT = Path(tempfile.mkdtemp(prefix="publisher-prop-"))
        copy_example_config(REPO / "publisher.toml", _ROOT / "publisher.toml")
        for name in ("content", "locales"):
            shutil.copytree(REPO / name, _ROOT / name)
    saved = {name: (_ROOT / name).read_bytes() for name in restore if (_ROOT / name).exists()}
    try:
        yield _ROOT
    finally:
        for name in restore:
            path = _ROOT / name
            if name in saved:
                path.write_bytes(saved[name])
            elif path.is_file():
                path.unlink()


def teardown_module() -> None:
    if _ROOT is not None:
        shutil.rmtree(_ROOT, ignore_errors=True)


def only_diagnostics(found: list[Diagnostic]) -> None:
    assert all(isinstance(d, Diagnostic) for d in found)
    assert not [d for d in found if d.internal], [str(d) for d in found if d.internal]


@PROFILE
@given(data=markdown_files())
def test_any_bytes_as_an_update_load_or_are_its_own_error(data: bytes) -> None:
    with project(f"{INCIDENT}/20191123T1000.md") as root:
        (root / INCIDENT / "20191123T1000.md").write_bytes(data)
        result = load_site(load_config(root))
        only_diagnostics(result.diagnostics)
        stems = {u.stem for i in result.site.incidents for u in i.updates}
        assert {"20191115T2130", "20191122T1700"} <= stems  # the valid ones still load


@PROFILE
@given(data=markdown_files())
def test_any_bytes_as_an_incident_load_or_are_its_own_error(data: bytes) -> None:
    with project("content/incidents/2019-11-20-panne/incident.md") as root:
        (root / "content/incidents/2019-11-20-panne").mkdir(exist_ok=True)
        (root / "content/incidents/2019-11-20-panne/incident.md").write_bytes(data)
        result = load_site(load_config(root))
        only_diagnostics(result.diagnostics)
        assert "2019-11-15-cyberattaque" in {i.id for i in result.site.incidents}


@PROFILE
@given(data=markdown_files())
def test_any_bytes_as_a_statement_load_or_are_its_own_error(data: bytes) -> None:
    with project("content/statements/hostile.md") as root:
        (root / "content/statements/hostile.md").write_bytes(data)
        out: list[Diagnostic] = []
        found = load_statements(load_config(root), out)
        only_diagnostics(out)
        assert "it-outage" in found


@PROFILE
@given(data=po_files())
def test_any_bytes_as_a_catalog_load_or_are_its_own_error(data: bytes) -> None:
    with project("locales/en/LC_MESSAGES/messages.po") as root:
        path = root / "locales/en/LC_MESSAGES/messages.po"
        path.write_bytes(data)
        catalog, found = validate(path, "en", "messages.po")
        only_diagnostics(found)
        assert catalog is not None or found
        read_catalog(path, "en")  # the build's reader: a catalog or None
        try:
            pofiles.read(path, "en", "messages.po")
        except pofiles.CatalogError as exc:
            assert isinstance(exc.diagnostic, Diagnostic)


@PROFILE
@given(data=toml_files())
def test_any_bytes_as_config_load_or_are_a_config_error(data: bytes) -> None:
    with project("publisher.toml") as root:
        (root / "publisher.toml").write_bytes(data)
        try:
            load_config(root)
        except ConfigError as exc:
            assert exc.diagnostics and all(isinstance(d, Diagnostic) for d in exc.diagnostics)
