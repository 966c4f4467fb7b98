"""A real WordPress on 127.0.0.1 for tests, started by ``scripts/wordpress-up``.

Use the fixtures from a conftest (or a test module)::

    from tests.wordpress_real import clean_wordpress, real_wordpress  # noqa: F401

``real_wordpress`` (session scope) yields a :class:`RealWordPress`. It reads the env file that
``scripts/wordpress-up`` writes (``$WP_STATE_DIR/wordpress.env``, default
``/tmp/publisher-wp/wordpress.env``; ``WP_ENV_FILE`` overrides the path). When the site is not
answering and ``CI=true`` or ``PUBLISHER_START_WORDPRESS=1``, it runs ``scripts/wordpress-up``
itself (as root, or through ``sudo -n``). If WordPress is still unavailable, the tests that use
it are skipped, except under ``CI=true`` where they fail.

``clean_wordpress`` (function scope) deletes every post and page first, then yields the same
object. With ``PUBLISHER_STOP_WORDPRESS=1``, a site that the fixture started is stopped again
at the end of the session.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests

from tests.needs import in_ci, unavailable

REPO = Path(__file__).resolve().parents[1]
WORDPRESS_UP = REPO / "scripts" / "wordpress-up"
WORDPRESS_DOWN = REPO / "scripts" / "wordpress-down"
DEFAULT_STATE_DIR = "/tmp/publisher-wp"
TIMEOUT = 15  # seconds per request
# Every post status, trash included ("any" leaves out trash and auto-draft).
ALL_STATUSES = "publish,future,draft,pending,private,trash"


def env_file_path() -> Path:
    if os.environ.get("WP_ENV_FILE"):
        return Path(os.environ["WP_ENV_FILE"])
    return Path(os.environ.get("WP_STATE_DIR") or DEFAULT_STATE_DIR) / "wordpress.env"


def read_env_file(path: Path) -> dict[str, str]:
    """Parse the ``KEY=value`` lines written by wordpress-up (no quoting, no expansion)."""
    values: dict[str, str] = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            key, _, value = line.partition("=")
            values[key.strip()] = value.strip()
    return values


@dataclass
class RealWordPress:
    """Connection details plus a few REST helpers for assertions.

    All ``path`` arguments are relative to the REST root, e.g. ``/wp/v2/posts``.
    ``kind`` is a REST collection: ``"posts"`` or ``"pages"``.
    """

    base_url: str
    user: str
    app_password: str
    admin_user: str = ""
    admin_password: str = ""  # login password for wp-login.php; not accepted by REST
    version: str = ""
    session: requests.Session = field(default_factory=requests.Session, repr=False)

    def __post_init__(self) -> None:
        self.base_url = self.base_url.rstrip("/")
        self.session.auth = (self.user, self.app_password)

    @property
    def api_url(self) -> str:
        return self.base_url + "/wp-json"

    @classmethod
    def from_env(cls, env: dict[str, str]) -> RealWordPress:
        return cls(
            base_url=env["WP_BASE_URL"],
            user=env["WP_USER"],
            app_password=env["WP_APP_PASSWORD"],
            admin_user=env.get("WP_ADMIN_USER", ""),
            admin_password=env.get("WP_ADMIN_PASSWORD", ""),
            version=env.get("WP_VERSION", ""),
        )

    # -- raw requests ------------------------------------------------------------------------
    def request(self, method: str, path: str, *, auth: Any = "default", **kwargs: Any) -> requests.Response:
        """Request ``api_url + path`` with the app password (``auth=None``: anonymous)."""
        kwargs.setdefault("timeout", TIMEOUT)
        if auth == "default":
            return self.session.request(method, self.api_url + path, **kwargs)
        return requests.request(method, self.api_url + path, auth=auth, **kwargs)

    def get(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("POST", path, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> requests.Response:
        return self.request("DELETE", path, **kwargs)

    # -- health ------------------------------------------------------------------------------
    def problem(self) -> str | None:
        """None when the REST API answers and the app password works, else what is wrong."""
        try:
            r = requests.get(self.api_url + "/", timeout=TIMEOUT)
            if r.status_code != 200:
                return f"GET {self.api_url}/ -> HTTP {r.status_code}"
            r = self.get("/wp/v2/users/me")
            if r.status_code != 200:
                return f"GET /wp/v2/users/me as {self.user} -> HTTP {r.status_code} {r.text[:200]}"
        except requests.RequestException as exc:
            return f"{self.api_url} unreachable: {exc}"
        return None

    # -- posts and pages ---------------------------------------------------------------------
    def list_items(self, kind: str = "posts", **params: Any) -> list[dict[str, Any]]:
        """Every item of ``kind`` (all pages of results), with ``context=edit`` so that
        ``title.raw``/``content.raw`` are present. Default: all statuses, trash included."""
        params = {"context": "edit", "status": ALL_STATUSES, "per_page": 100, **params}
        items: list[dict[str, Any]] = []
        page = 1
        while True:
            r = self.get(f"/wp/v2/{kind}", params={**params, "page": page})
            r.raise_for_status()
            items.extend(r.json())
            if page >= int(r.headers.get("X-WP-TotalPages") or 1):
                return items
            page += 1

    def get_item(self, item_id: int, kind: str = "posts") -> dict[str, Any]:
        r = self.get(f"/wp/v2/{kind}/{item_id}", params={"context": "edit"})
        r.raise_for_status()
        data: dict[str, Any] = r.json()
        return data

    def find_by_slug(self, slug: str, kind: str = "posts") -> list[dict[str, Any]]:
        return self.list_items(kind, slug=slug)

    def list_posts(self, **params: Any) -> list[dict[str, Any]]:
        return self.list_items("posts", **params)

    def list_pages(self, **params: Any) -> list[dict[str, Any]]:
        return self.list_items("pages", **params)

    def get_post(self, item_id: int) -> dict[str, Any]:
        return self.get_item(item_id, "posts")

    def get_page(self, item_id: int) -> dict[str, Any]:
        return self.get_item(item_id, "pages")

    def delete_all(self, kinds: tuple[str, ...] = ("posts", "pages")) -> int:
        """Permanently delete every item of ``kinds`` (any status, trash included)."""
        count = 0
        for kind in kinds:
            for item in self.list_items(kind, context="view", _fields="id"):
                r = self.delete(f"/wp/v2/{kind}/{item['id']}", params={"force": "true"})
                if r.status_code not in (200, 404, 410):
                    r.raise_for_status()
                count += 1
        return count


# -- fixtures --------------------------------------------------------------------------------
def _unavailable(reason: str) -> None:
    unavailable(
        "real WordPress unavailable: " + reason,
        "start it with: sudo scripts/wordpress-up, or set PUBLISHER_START_WORDPRESS=1",
    )


def _connect() -> tuple[RealWordPress | None, str]:
    path = env_file_path()
    if not path.is_file():
        return None, f"no env file {path}"
    try:
        site = RealWordPress.from_env(read_env_file(path))
    except (OSError, KeyError) as exc:
        return None, f"unreadable env file {path}: {exc!r}"
    problem = site.problem()
    return (None, problem) if problem else (site, "")


def _run_script(script: Path, *args: str) -> subprocess.CompletedProcess[str]:
    cmd = [str(script), *args]
    if os.geteuid() != 0 and shutil.which("sudo"):
        keep = "WP_PORT,WP_STATE_DIR,WP_USER,WP_NO_APT,CI"
        cmd = ["sudo", "-n", f"--preserve-env={keep}", *cmd]
    return subprocess.run(
        cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=900, check=False
    )


@pytest.fixture(scope="session")
def real_wordpress() -> Iterator[RealWordPress]:
    """A running WordPress with an editor user's application password (see module doc)."""
    site, reason = _connect()
    started = False
    if site is None and (in_ci() or os.environ.get("PUBLISHER_START_WORDPRESS") == "1"):
        result = _run_script(WORDPRESS_UP)
        if result.returncode != 0:
            tail = "\n".join((result.stdout + result.stderr).splitlines()[-15:])
            _unavailable(f"scripts/wordpress-up exited {result.returncode}:\n{tail}")
        started = True
        site, reason = _connect()
    if site is None:
        _unavailable(reason)
    assert site is not None
    yield site
    if started and os.environ.get("PUBLISHER_STOP_WORDPRESS") == "1":
        _run_script(WORDPRESS_DOWN)


@pytest.fixture
def clean_wordpress(real_wordpress: RealWordPress) -> RealWordPress:
    """``real_wordpress`` with no posts and no pages (deleted before the test, so a failed
    test's data stays there to look at)."""
    real_wordpress.delete_all()
    return real_wordpress
