"""The real WordPress from scripts/wordpress-up works as the publisher expects (WordPress 6.1).

Skipped when no WordPress is running, unless CI=true (then they fail). Start it with
``sudo scripts/wordpress-up`` or run with ``PUBLISHER_START_WORDPRESS=1``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import requests

if TYPE_CHECKING:
    from tests.wordpress_real import RealWordPress

# The fixtures real_wordpress and clean_wordpress (harmless if a conftest loads them too).
pytest_plugins = ["tests.wordpress_real"]

WRONG_PASSWORD = "wrongwrongwrongwrongwron"  # 24 alphanumerics, the shape of a real one


def error_code(r: requests.Response) -> str:
    assert r.headers["Content-Type"].startswith("application/json"), r.headers
    code: str = r.json()["code"]
    return code


def test_users_me_with_application_password(real_wordpress: RealWordPress) -> None:
    r = real_wordpress.get("/wp/v2/users/me", params={"context": "edit"})
    assert r.status_code == 200, r.text
    me = r.json()
    assert me["username"] == real_wordpress.user
    assert me["roles"] == ["editor"]
    assert me["capabilities"]["publish_pages"] is True
    assert me["capabilities"]["unfiltered_html"] is True


def test_rest_route_query_form_works_too(real_wordpress: RealWordPress) -> None:
    r = real_wordpress.session.get(
        real_wordpress.base_url + "/",
        params={"rest_route": "/wp/v2/users/me"},
        timeout=10,
    )
    assert r.status_code == 200, r.text
    assert r.json()["slug"] == real_wordpress.user


def test_bad_credentials_are_401(real_wordpress: RealWordPress) -> None:
    # WordPress 6.1 runs a request with bad credentials as anonymous, so users/me answers
    # rest_not_logged_in (newer WordPress answers incorrect_password / invalid_username).
    expected = {"rest_not_logged_in", "incorrect_password", "invalid_username"}
    for auth in [
        (real_wordpress.user, WRONG_PASSWORD),
        ("no-such-user", WRONG_PASSWORD),
        (real_wordpress.admin_user, real_wordpress.admin_password),  # login password
    ]:
        r = real_wordpress.get("/wp/v2/users/me", auth=auth)
        assert r.status_code == 401, (auth[0], r.text)
        assert error_code(r) in expected, r.text
        if real_wordpress.version.startswith("6.1."):
            assert error_code(r) == "rest_not_logged_in"

    bad = (real_wordpress.user, WRONG_PASSWORD)
    r = real_wordpress.post("/wp/v2/posts", auth=bad, json={"title": "x", "status": "publish"})
    assert r.status_code == 401, r.text
    assert error_code(r) in expected | {"rest_cannot_create"}
    # ...and a public read with bad credentials still succeeds (as anonymous) on 6.1.
    r = real_wordpress.get("/wp/v2/posts", auth=bad)
    assert r.status_code in (200, 401)


def test_create_page_and_post(clean_wordpress: RealWordPress) -> None:
    wp = clean_wordpress
    title = "Panne réseau – urgences"
    content = "<p>Les urgences restent ouvertes.</p>"
    for kind in ("pages", "posts"):
        body = {"title": title, "content": content, "status": "publish"}
        r = wp.post(f"/wp/v2/{kind}", json=body)
        assert r.status_code == 201, r.text
        created = r.json()
        assert r.headers["Location"] == f"{wp.api_url}/wp/v2/{kind}/{created['id']}"
        assert created["type"] == kind[:-1]
        assert created["status"] == "publish"
        assert created["slug"] == "panne-reseau-urgences"  # accents removed, dash collapsed
        assert created["link"] == f"{wp.base_url}/panne-reseau-urgences/"

        item = wp.get_item(created["id"], kind)
        assert item["title"]["raw"] == title
        assert item["content"]["raw"] == content  # editors have unfiltered_html
        assert [i["id"] for i in wp.list_items(kind)] == [created["id"]]

        page = requests.get(created["link"], timeout=10)
        assert page.status_code == 200
        assert "Les urgences restent ouvertes." in page.text


def test_update_in_place(clean_wordpress: RealWordPress) -> None:
    wp = clean_wordpress
    for kind in ("pages", "posts"):
        r = wp.post(f"/wp/v2/{kind}", json={"title": "v1", "slug": "etat", "status": "publish"})
        assert r.status_code == 201, r.text
        item_id = r.json()["id"]

        r = wp.post(f"/wp/v2/{kind}/{item_id}", json={"title": "v2", "content": "<p>2</p>"})
        assert r.status_code == 200, r.text
        assert r.json()["id"] == item_id
        r = wp.request("PUT", f"/wp/v2/{kind}/{item_id}", json={"content": "<p>3</p>"})
        assert r.status_code == 200, r.text

        item = wp.get_item(item_id, kind)
        assert (item["id"], item["slug"], item["status"]) == (item_id, "etat", "publish")
        assert (item["title"]["raw"], item["content"]["raw"]) == ("v2", "<p>3</p>")
        assert len(wp.list_items(kind)) == 1


def test_slug_dedup(clean_wordpress: RealWordPress) -> None:
    wp = clean_wordpress

    def create(kind: str, status: str = "publish") -> str:
        r = wp.post(f"/wp/v2/{kind}", json={"title": "t", "slug": "panne-reseau", "status": status})
        assert r.status_code == 201, r.text
        slug: str = r.json()["slug"]
        return slug

    assert create("posts") == "panne-reseau"
    assert create("posts") == "panne-reseau-2"  # not an error: a new slug
    assert create("posts", "draft") == "panne-reseau-3"  # REST dedups drafts too (6.1)
    # Pages and posts don't share the namespace...
    assert create("pages") == "panne-reseau"
    assert create("pages") == "panne-reseau-2"
    # ...but with /%postname%/ permalinks they share URLs, and the page wins.
    post = wp.find_by_slug("panne-reseau", "posts")[0]
    page = wp.find_by_slug("panne-reseau", "pages")[0]
    assert post["link"] == page["link"] == f"{wp.base_url}/panne-reseau/"
    r = requests.get(post["link"], timeout=10)
    assert r.status_code == 200 and f"page-id-{page['id']}" in r.text
    # ?slug= is an exact match; the item keeps its id as the key for updates.
    found = wp.find_by_slug("panne-reseau", "posts")
    assert [i["slug"] for i in found] == ["panne-reseau"]
    r = wp.post("/wp/v2/posts", json={"title": "t", "slug": "Panne Réseau!", "status": "publish"})
    assert r.json()["slug"] == "panne-reseau-4"  # sanitize_title, then dedup


def test_delete(clean_wordpress: RealWordPress) -> None:
    wp = clean_wordpress
    for kind in ("pages", "posts"):
        item_id = wp.post(f"/wp/v2/{kind}", json={"title": "x", "status": "publish"}).json()["id"]

        r = wp.delete(f"/wp/v2/{kind}/{item_id}")
        assert r.status_code == 200, r.text
        assert r.json()["status"] == "trash"
        r = wp.delete(f"/wp/v2/{kind}/{item_id}")
        assert (r.status_code, error_code(r)) == (410, "rest_already_trashed")

        r = wp.delete(f"/wp/v2/{kind}/{item_id}", params={"force": "true"})
        assert r.status_code == 200, r.text
        assert r.json()["deleted"] is True
        assert r.json()["previous"]["id"] == item_id
        r = wp.get(f"/wp/v2/{kind}/{item_id}")
        assert (r.status_code, error_code(r)) == (404, "rest_post_invalid_id")
        assert wp.list_items(kind) == []


def test_delete_all_removes_every_status(real_wordpress: RealWordPress) -> None:
    wp = real_wordpress
    for status in ("publish", "draft", "private", "pending"):
        assert wp.post("/wp/v2/posts", json={"title": status, "status": status}).status_code == 201
    page = wp.post("/wp/v2/pages", json={"title": "p", "status": "publish"}).json()
    wp.delete(f"/wp/v2/pages/{page['id']}")  # to the trash
    assert wp.delete_all() >= 5
    assert wp.list_posts() == [] and wp.list_pages() == []
