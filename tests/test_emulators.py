"""The emulators in tests/emulators, over real HTTP, with `requests` and the real client
libraries (facebook-sdk 3.1.0, Mastodon.py 2.x), so channel tests can trust them."""

from __future__ import annotations

import io
import time
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

import facebook
import pytest
import requests
from mastodon import (
    Mastodon,
    MastodonAPIError,
    MastodonNetworkError,
    MastodonNotFoundError,
    MastodonRatelimitError,
    MastodonServiceUnavailableError,
    MastodonUnauthorizedError,
)

from tests.emulators import (
    Clock,
    Delay,
    Drop,
    FacebookEmulator,
    HttpFault,
    MastodonEmulator,
    fb_error,
    masto_error,
)
from tests.emulators.base import Emulator, Response
from tests.emulators.mastodon import status_length
from tests.emulators.wordpress import (
    CRITICAL_HTML,
    WordPressEmulator,
    html_fault,
    wp_error,
)

T0 = datetime(2026, 11, 20, 10, 0, tzinfo=UTC)
PAGE = "1647395831"
JSON_CT = "application/json; charset=UTF-8"


# -- fixtures ----------------------------------------------------------------------------------
@pytest.fixture
def clock() -> Clock:
    return Clock(T0)


@pytest.fixture
def fb(clock: Clock) -> Iterator[FacebookEmulator]:
    with FacebookEmulator(page_id=PAGE, clock=clock) as emu:
        yield emu
        assert emu.server_errors == []


@pytest.fixture
def masto(clock: Clock) -> Iterator[MastodonEmulator]:
    with MastodonEmulator(clock=clock) as emu:
        yield emu
        assert emu.server_errors == []


@pytest.fixture
def wp(clock: Clock) -> Iterator[WordPressEmulator]:
    with WordPressEmulator(clock=clock) as emu:
        yield emu
        assert emu.server_errors == []


class GraphLoopback(requests.Session):
    """The channel-apis.md §1.7 recipe: facebook-sdk talks to the emulator, not to Meta."""

    def __init__(self, base: str) -> None:
        super().__init__()
        self.base = base.rstrip("/") + "/"

    def request(self, method, url, *a, **kw):  # type: ignore[no-untyped-def,override]
        if url.startswith(facebook.FACEBOOK_GRAPH_URL):
            url = self.base + url[len(facebook.FACEBOOK_GRAPH_URL) :]
        return super().request(method, url, *a, **kw)


def graph(emu: FacebookEmulator, token: str = "PAGE_TOKEN", timeout: float = 5) -> facebook.GraphAPI:
    session = GraphLoopback(emu.base_url)
    api = facebook.GraphAPI(access_token=token, timeout=timeout, session=session)
    api.version = "v26.0"
    return api


def mastodon_client(emu: MastodonEmulator, token: str = "MASTODON_TOKEN", timeout: float = 5) -> Mastodon:
    return Mastodon(
        access_token=token, api_base_url=emu.base_url, ratelimit_method="throw", request_timeout=timeout
    )


# -- base --------------------------------------------------------------------------------------
class Echo(Emulator):
    def __init__(self) -> None:
        super().__init__()
        self.add_route("echo", "GET|POST|PUT", r"/echo", lambda req, m: Response(200, {"ok": 1}))


def test_base_records_query_headers_and_every_body_kind() -> None:
    with Echo() as emu:
        url = emu.base_url + "/echo"
        requests.post(url, params={"a": "1"}, data={"x": "é", "ids[]": ["1", "2"]}, timeout=5)
        requests.put(url, json={"k": [1, 2]}, headers={"X-Test": "yes"}, timeout=5)
        png = ("p.png", b"\x89PNG", "image/png")
        requests.post(url, data={"message": "hi"}, files={"source": png}, timeout=5)
        form, js, multi = emu.requests
        assert (form.method, form.path, form.query) == ("POST", "/echo", {"a": "1"})
        assert form.body == {"x": "é", "ids[]": ["1", "2"]}
        assert js.body == {"k": [1, 2]} and js.header("x-test") == "yes"
        assert multi.body == {"message": "hi"}
        assert multi.files["source"].data == b"\x89PNG"
        assert multi.files["source"].filename == "p.png"
        assert [r.route for r in emu.requests] == ["echo"] * 3


def test_base_headers_clock_and_reset(clock: Clock) -> None:
    with Echo() as emu:
        emu.clock = clock
        r = requests.get(emu.base_url + "/echo", timeout=5)
        assert r.headers["Content-Type"] == JSON_CT
        assert parsedate_to_datetime(r.headers["Date"]) == T0
        clock.advance(hours=2)
        r = requests.get(emu.base_url + "/nowhere", timeout=5)
        assert r.status_code == 404 and r.headers["Content-Type"] == JSON_CT
        assert parsedate_to_datetime(r.headers["Date"]) == T0 + timedelta(hours=2)
        emu.inject("echo", HttpFault(500, {"e": 1}), times=3)
        emu.reset()
        assert emu.requests == [] and emu.pending_faults("echo") == 0
        with pytest.raises(KeyError):
            emu.inject("no-such-route", Drop())
        with pytest.raises(TypeError):
            emu.inject("echo", {"status": 500})  # type: ignore[arg-type]


def test_base_fault_queue_counts_and_wildcard() -> None:
    with Echo() as emu:
        url = emu.base_url + "/echo"
        emu.inject("echo", HttpFault(503, {"error": "busy"}), times=2)
        emu.inject("*", HttpFault(418, {"error": "teapot"}))
        codes = [requests.get(url, timeout=5).status_code for _ in range(4)]
        assert codes == [503, 503, 418, 200]
        assert len(emu.requests_for("echo")) == 4  # failed attempts are recorded too


def test_base_delay_and_drop() -> None:
    started = time.monotonic()
    with Echo() as emu:
        url = emu.base_url + "/echo"
        emu.inject("echo", Delay(2.0))
        started = time.monotonic()
        with pytest.raises(requests.Timeout):
            requests.get(url, timeout=0.3)
        assert time.monotonic() - started < 1.5
        emu.inject("echo", Drop())
        with pytest.raises(requests.ConnectionError):
            requests.get(url, timeout=5)
        assert requests.get(url, timeout=5).json() == {"ok": 1}
    # stop() returned promptly although the first Delay was still sleeping
    assert time.monotonic() - started < 1.5


# -- Facebook: raw HTTP ------------------------------------------------------------------------
def test_fb_versions_and_header_echo(fb: FacebookEmulator) -> None:
    tok = {"access_token": "PAGE_TOKEN"}
    r = requests.get(f"{fb.base_url}/v24.0/me", params=tok, timeout=5)
    assert r.json() == {"id": PAGE, "name": fb.page_name}
    assert r.headers["facebook-api-version"] == "v24.0"
    assert (
        requests.get(f"{fb.base_url}/me", params=tok, timeout=5).headers["facebook-api-version"] == "v26.0"
    )  # unversioned: the app default
    r = requests.get(f"{fb.base_url}/v2.8/me", params=tok, timeout=5)
    assert r.status_code == 200 and r.headers["facebook-api-version"] == "v21.0"
    r = requests.get(f"{fb.base_url}/v27.0/me", params=tok, timeout=5)
    assert r.status_code == 400
    assert r.json()["error"]["code"] == 2500
    assert r.json()["error"]["message"] == "Unknown path components: /me"


@pytest.mark.parametrize("where", ["query", "body", "json", "bearer", "oauth"])
def test_fb_token_locations(fb: FacebookEmulator, where: str) -> None:
    url, kw = f"{fb.base_url}/v26.0/{PAGE}/feed", {"data": {"message": f"via {where}"}}
    if where == "query":
        kw["params"] = {"access_token": "PAGE_TOKEN"}
    elif where == "body":
        kw["data"]["access_token"] = "PAGE_TOKEN"
    elif where == "json":
        kw = {"json": {"message": "via json", "access_token": "PAGE_TOKEN"}}
    else:
        kw["headers"] = {"Authorization": f"{where.capitalize()} PAGE_TOKEN"}
    r = requests.post(url, timeout=5, **kw)
    assert r.status_code == 200 and r.json()["id"].startswith(PAGE + "_")


def test_fb_token_errors(fb: FacebookEmulator) -> None:
    url = f"{fb.base_url}/v26.0/{PAGE}/feed"
    r = requests.post(url, data={"message": "x", "access_token": "garbage"}, timeout=5)
    assert r.status_code == 400 and r.json()["error"]["code"] == 190
    assert r.json()["error"]["type"] == "OAuthException"
    r = requests.post(url, data={"message": "x", "access_token": "USER_TOKEN"}, timeout=5)
    assert r.status_code == 403 and r.json()["error"]["code"] == 200
    fb.revoke_token("PAGE_TOKEN", 460)
    r = requests.post(url, data={"message": "x", "access_token": "PAGE_TOKEN"}, timeout=5)
    assert (r.json()["error"]["code"], r.json()["error"]["error_subcode"]) == (190, 460)
    assert fb.posts == []


def test_fb_post_edit_read_delete(fb: FacebookEmulator, clock: Clock) -> None:
    base, tok = f"{fb.base_url}/v26.0", {"access_token": "PAGE_TOKEN"}
    post_id = requests.post(
        f"{base}/{PAGE}/feed", data={**tok, "message": "Panne", "link": "https://s.example/i/1"}, timeout=5
    ).json()["id"]
    clock.advance(minutes=5)
    r = requests.post(f"{base}/{post_id}", data={**tok, "message": "Panne résolue"}, timeout=5)
    assert r.json() == {"success": True}
    fields = "id,message,created_time,updated_time,is_published,permalink_url,link"
    got = requests.get(f"{base}/{post_id}", params={**tok, "fields": fields}, timeout=5).json()
    assert got == {
        "id": post_id,
        "message": "Panne résolue",
        "link": "https://s.example/i/1",
        "created_time": "2026-11-20T10:00:00+0000",
        "updated_time": "2026-11-20T10:05:00+0000",
        "is_published": True,
        "permalink_url": f"https://www.facebook.com/{post_id}",
    }
    stored = fb.get_post(post_id)
    assert stored is not None and stored.history == [(T0, "Panne")]
    assert requests.delete(f"{base}/{post_id}", params=tok, timeout=5).json() == {"success": True}
    r = requests.delete(f"{base}/{post_id}", params=tok, timeout=5)
    assert r.status_code == 400
    assert (r.json()["error"]["code"], r.json()["error"]["error_subcode"]) == (100, 33)
    assert r.json()["error"]["type"] == "GraphMethodException"
    assert fb.posts == [] and fb.all_posts[0].deleted


def test_fb_only_own_posts_editable(fb: FacebookEmulator) -> None:
    foreign = fb.add_post("made elsewhere", by_app=False)
    r = requests.post(
        f"{fb.base_url}/v26.0/{foreign.id}", data={"message": "x", "access_token": "PAGE_TOKEN"}, timeout=5
    )
    assert r.json()["error"]["code"] == 100 and foreign.message == "made elsewhere"


def test_fb_limits_duplicate_and_scheduling(fb: FacebookEmulator, clock: Clock) -> None:
    url, tok = f"{fb.base_url}/v26.0/{PAGE}/feed", {"access_token": "PAGE_TOKEN"}
    assert requests.post(url, data={**tok, "message": "x" * 63206}, timeout=5).ok
    r = requests.post(url, data={**tok, "message": "y" * 63207}, timeout=5)
    assert r.status_code == 400 and r.json()["error"]["code"] == 100
    r = requests.post(url, data={**tok, "message": "x" * 63206}, timeout=5)
    assert r.json()["error"]["code"] == 506
    when = int((T0 + timedelta(hours=1)).timestamp())
    r = requests.post(
        url,
        data={**tok, "message": "later", "published": "false", "scheduled_publish_time": str(when)},
        timeout=5,
    )
    later = r.json()["id"]
    listing = f"{fb.base_url}/v26.0/{PAGE}/published_posts"
    assert [p["id"] for p in requests.get(listing, params=tok, timeout=5).json()["data"]] == [fb.posts[0].id]
    clock.advance(hours=1)
    assert requests.get(listing, params=tok, timeout=5).json()["data"][0]["id"] == later
    r = requests.post(
        url,
        data={
            **tok,
            "message": "too soon",
            "published": "false",
            "scheduled_publish_time": str(int(clock.time()) + 60),
        },
        timeout=5,
    )
    assert r.json()["error"]["code"] == 100


def test_fb_listing_paging_and_edges(fb: FacebookEmulator, clock: Clock) -> None:
    tok = {"access_token": "PAGE_TOKEN"}
    for i in range(5):
        requests.post(f"{fb.base_url}/v26.0/{PAGE}/feed", data={**tok, "message": f"m{i}"}, timeout=5)
        clock.advance(60)
    fb.add_post("a visitor wrote this", by_page=False)
    r = requests.get(
        f"{fb.base_url}/v26.0/{PAGE}/published_posts",
        params={**tok, "fields": "id,message", "limit": 2},
        timeout=5,
    ).json()
    assert [p["message"] for p in r["data"]] == ["m4", "m3"]
    r2 = requests.get(r["paging"]["next"], timeout=5).json()
    assert [p["message"] for p in r2["data"]] == ["m2", "m1"]
    back = requests.get(r2["paging"]["previous"], timeout=5).json()
    assert [p["message"] for p in back["data"]] == ["m4", "m3"]
    feed = requests.get(f"{fb.base_url}/v26.0/{PAGE}/feed", params={**tok, "limit": 100}, timeout=5).json()
    assert feed["data"][0]["message"] == "a visitor wrote this" and len(feed["data"]) == 6
    r = requests.get(f"{fb.base_url}/v26.0/{PAGE}/posts", params={**tok, "fields": "bogus"}, timeout=5)
    assert r.json()["error"]["code"] == 100


def test_fb_usage_headers(fb: FacebookEmulator) -> None:
    r = requests.get(f"{fb.base_url}/v26.0/me", params={"access_token": "PAGE_TOKEN"}, timeout=5)
    assert "x-business-use-case-usage" not in r.headers  # absent until "enough calls"
    fb.set_usage(
        app={"call_count": 28, "total_cputime": 25, "total_time": 25},
        buc=[
            {
                "type": "pages",
                "call_count": 97,
                "total_cputime": 23,
                "total_time": 23,
                "estimated_time_to_regain_access": 0,
            }
        ],
    )
    r = requests.get(f"{fb.base_url}/v26.0/me", params={"access_token": "PAGE_TOKEN"}, timeout=5)
    assert r.headers["x-app-usage"] == '{"call_count":28,"total_cputime":25,"total_time":25}'
    assert '"call_count":97' in r.headers["x-business-use-case-usage"]
    fb.inject("feed.create", fb.error(80001, regain_minutes=7))
    r = requests.post(
        f"{fb.base_url}/v26.0/{PAGE}/feed", data={"message": "x", "access_token": "PAGE_TOKEN"}, timeout=5
    )
    assert r.json()["error"]["code"] == 80001
    assert '"estimated_time_to_regain_access":7' in r.headers["x-business-use-case-usage"]


FB_FAULTS = [  # (code, subcode, expected HTTP status, is_transient)
    (1, None, 500, True),
    (2, None, 500, True),
    (4, None, 400, True),
    (17, None, 400, True),
    (32, None, 400, True),
    (613, None, 400, True),
    (80001, None, 400, True),
    (190, 463, 400, False),
    (190, 467, 400, False),
    (190, 460, 400, False),
    (190, 458, 400, False),
    (190, 492, 400, False),
    (200, None, 403, False),
    (10, None, 403, False),
    (100, None, 400, False),
    (368, 1390008, 400, False),
    (506, None, 400, False),
]


@pytest.mark.parametrize(("code", "subcode", "status", "transient"), FB_FAULTS)
def test_fb_injected_errors_raw(
    fb: FacebookEmulator, code: int, subcode: int | None, status: int, transient: bool
) -> None:
    fb.inject("feed.create", fb_error(code, subcode))
    r = requests.post(
        f"{fb.base_url}/v26.0/{PAGE}/feed", data={"message": "x", "access_token": "PAGE_TOKEN"}, timeout=5
    )
    err = r.json()["error"]
    assert r.status_code == status and r.headers["Content-Type"] == JSON_CT
    assert err["code"] == code and err.get("error_subcode") == subcode
    assert err["is_transient"] is transient and err["fbtrace_id"] and err["message"]
    assert r.headers["facebook-api-version"] == "v26.0"
    assert fb.posts == []  # the fault replaced the handler: nothing was created


# -- Facebook: facebook-sdk --------------------------------------------------------------------
def test_fb_sdk_round_trip(fb: FacebookEmulator) -> None:
    api = graph(fb)
    assert api.get_version() == "26.0"
    post_id = api.put_object(PAGE, "feed", message="Panne réseau", link="https://s.example/i/1")["id"]
    assert api.request(f"{api.version}/{post_id}", post_args={"message": "Résolu"}) == {"success": True}
    assert api.get_object(post_id, fields="message,permalink_url")["message"] == "Résolu"
    listing = api.get_connections(
        PAGE, "published_posts", fields="id,message,created_time,permalink_url", limit=10
    )
    assert [p["id"] for p in listing["data"]] == [post_id]
    assert api.delete_object(post_id) == {"success": True}
    assert fb.posts == []
    assert fb.requests_for("feed.create")[0].body["access_token"] == "PAGE_TOKEN"
    assert fb.requests_for("post.delete")[0].query["access_token"] == "PAGE_TOKEN"


def test_fb_sdk_paging_and_photo(fb: FacebookEmulator, clock: Clock) -> None:
    api = graph(fb)
    for i in range(3):
        api.put_object(PAGE, "feed", message=f"m{i}")
        clock.advance(1)
    got = list(api.get_all_connections(PAGE, "published_posts", fields="message", limit=1))
    assert [p["message"] for p in got] == ["m2", "m1", "m0"]
    photo = api.put_photo(io.BytesIO(b"\x89PNG"), album_path=f"{PAGE}/photos", message="carte")
    assert set(photo) == {"id", "post_id"} and fb.get_post(photo["post_id"]).message == "carte"


@pytest.mark.parametrize(
    ("code", "subcode"), [(190, 463), (2, None), (506, None), (80001, None), (200, None), (368, None)]
)
def test_fb_sdk_raises_graph_api_error(fb: FacebookEmulator, code: int, subcode: int | None) -> None:
    fb.inject("feed.create", fb_error(code, subcode))
    with pytest.raises(facebook.GraphAPIError) as info:
        graph(fb).put_object(PAGE, "feed", message="x")
    assert info.value.code == code
    assert info.value.result["error"].get("error_subcode") == subcode


def test_fb_sdk_timeout_after_commit_and_drop(fb: FacebookEmulator) -> None:
    fb.inject("feed.create", Delay(2.0, commit=True))
    with pytest.raises(requests.Timeout):
        graph(fb, timeout=0.3).put_object(PAGE, "feed", message="lost answer")
    assert [p.message for p in fb.posts] == ["lost answer"]  # done, though the client never knew
    fb.inject("feed.create", Drop())
    with pytest.raises(requests.ConnectionError):
        graph(fb).put_object(PAGE, "feed", message="never arrives")
    assert len(fb.posts) == 1


# -- Mastodon ----------------------------------------------------------------------------------
def test_masto_post_edit_read_delete(masto: MastodonEmulator, clock: Clock) -> None:
    api = mastodon_client(masto)
    st = api.status_post(
        "Panne réseau https://status.example.org/i/42",
        visibility="public",
        language="fr",
        spoiler_text="Incident",
    )
    assert st.language == "fr" and st.spoiler_text == "Incident" and st.edited_at is None
    assert 'href="https://status.example.org/i/42"' in st.content
    clock.advance(60)
    upd = api.status_update(st.id, "Résolu")
    assert upd.edited_at == T0 + timedelta(seconds=60) and upd.content == "<p>Résolu</p>"
    assert api.status(st.id).content == "<p>Résolu</p>"
    me = api.account_verify_credentials()
    assert me.acct == "ops" and [s.id for s in api.account_statuses(me.id)] == [st.id]
    assert [h.content for h in api.status_history(st.id)][0].startswith("<p>Panne")
    gone = api.status_delete(st.id)
    assert gone.text == "Résolu" and masto.statuses == []
    with pytest.raises(MastodonNotFoundError):
        api.status(st.id)
    stored = masto.all_statuses[0]
    assert stored.deleted and stored.history[0]["content"].startswith("<p>Panne")


def test_masto_form_and_json_bodies(masto: MastodonEmulator) -> None:
    url, auth = masto.base_url + "/api/v1/statuses", {"Authorization": "Bearer MASTODON_TOKEN"}
    a = requests.post(url, data={"status": "form", "sensitive": "1"}, headers=auth, timeout=5)
    b = requests.post(url, json={"status": "json", "language": "en"}, headers=auth, timeout=5)
    assert a.json()["sensitive"] is True and b.json()["language"] == "en"
    assert a.headers["Content-Type"] == JSON_CT and "Date" in a.headers


def test_masto_idempotency(masto: MastodonEmulator, clock: Clock) -> None:
    api = mastodon_client(masto)
    first = api.status_post("Panne", idempotency_key="inc-42-fr")
    again = api.status_post("other text", idempotency_key="inc-42-fr")
    assert again.id == first.id and again.content == "<p>Panne</p>" and len(masto.statuses) == 1
    masto.add_account("other", "OTHER_TOKEN")  # keys are scoped per account
    assert (
        mastodon_client(masto, "OTHER_TOKEN").status_post("Panne", idempotency_key="inc-42-fr").id != first.id
    )
    clock.advance(seconds=3601)  # past the TTL the key is forgotten
    assert api.status_post("Panne bis", idempotency_key="inc-42-fr").id != first.id
    api.status_delete(api.status_post("x", idempotency_key="k2"))
    with pytest.raises(MastodonNotFoundError):  # Mastodon find()s the original
        api.status_post("x", idempotency_key="k2")


def test_masto_retry_after_timeout_gives_one_status(masto: MastodonEmulator) -> None:
    masto.inject("statuses.create", Delay(2.0, commit=True))
    with pytest.raises(MastodonNetworkError):
        mastodon_client(masto, timeout=0.3).status_post("Panne", idempotency_key="k")
    st = mastodon_client(masto).status_post("Panne", idempotency_key="k")
    assert [s.id for s in masto.statuses] == [str(st.id)]
    masto.inject("statuses.create", Drop())
    with pytest.raises(MastodonNetworkError):
        mastodon_client(masto).status_post("dropped")
    assert len(masto.statuses) == 1


def test_masto_length_rules(masto: MastodonEmulator) -> None:
    api = mastodon_client(masto)
    long_url = "https://status.example.org/" + "a" * 200
    assert status_length(f"{'x' * 476} {long_url}") == 500
    api.status_post(f"{'x' * 476} {long_url}")
    api.status_post("é" * 500)
    with pytest.raises(MastodonAPIError) as info:
        api.status_post("x" * 490, spoiler_text="y" * 11)
    assert info.value.args[1] == 422
    assert info.value.args[3] == "Validation failed: Text character limit of 500 exceeded"
    with pytest.raises(MastodonAPIError, match="can't be blank"):
        api.status_post("   ")


def test_masto_instance_configuration(clock: Clock) -> None:
    with MastodonEmulator(max_characters=5000, clock=clock) as emu:
        conf = mastodon_client(emu).instance_v2().configuration.statuses
        assert (conf.max_characters, conf.characters_reserved_per_url) == (5000, 23)
        mastodon_client(emu).status_post("x" * 5000)


def test_masto_errors_raise_library_exceptions(masto: MastodonEmulator) -> None:
    api = mastodon_client(masto)
    with pytest.raises(MastodonUnauthorizedError):
        mastodon_client(masto, "wrong").status_post("x")
    masto.add_token("READ_ONLY", scopes=("read",))
    with pytest.raises(MastodonAPIError) as info:
        mastodon_client(masto, "READ_ONLY").status_post("x")
    assert info.value.args[1] == 403
    masto.accounts["1"].disabled = True
    with pytest.raises(MastodonAPIError, match="disabled"):
        api.status_post("x")
    masto.accounts["1"].disabled = False
    other = masto.add_account("other", "OTHER_TOKEN")
    theirs = mastodon_client(masto, "OTHER_TOKEN").status_post("not yours")
    with pytest.raises(MastodonNotFoundError):
        api.status_delete(theirs.id)
    assert other.id == "2"
    masto.inject("statuses.create", masto_error(503))
    with pytest.raises(MastodonServiceUnavailableError):
        api.status_post("x")
    masto.inject("statuses.create", masto_error(422))
    with pytest.raises(MastodonAPIError) as info:
        api.status_post("x")
    assert info.value.args[1] == 422


def test_masto_rate_limits(clock: Clock) -> None:
    with MastodonEmulator(rate_limit=(3, 300), clock=clock) as emu:
        api = mastodon_client(emu)
        api.status_post("one")
        assert api.ratelimit_limit == 3 and api.ratelimit_remaining == 2
        r = requests.get(
            emu.base_url + "/api/v1/accounts/verify_credentials",
            headers={"Authorization": "Bearer MASTODON_TOKEN"},
            timeout=5,
        )
        assert r.headers["X-RateLimit-Reset"] == "2026-11-20T10:05:00.000000Z"
        api.status_post("three")
        with pytest.raises(MastodonRatelimitError):
            api.status_post("four")
        r = requests.post(
            emu.base_url + "/api/v1/statuses",
            data={"status": "five"},
            headers={"Authorization": "Bearer MASTODON_TOKEN"},
            timeout=5,
        )
        assert r.status_code == 429 and r.json() == {"error": "Too many requests"}
        assert r.headers["X-RateLimit-Remaining"] == "0"
        clock.advance(300)  # a new window
        api.status_post("after the window")
        emu.inject("statuses.create", masto_error(429))
        with pytest.raises(MastodonRatelimitError):
            api.status_post("injected")
        assert len(emu.statuses) == 3


def test_masto_delete_limit_and_paging(clock: Clock) -> None:
    with MastodonEmulator(delete_limit=(2, 1800), clock=clock) as emu:
        api = mastodon_client(emu)
        ids = []
        for i in range(5):
            ids.append(api.status_post(f"s{i}").id)
            clock.advance(1)
        page = api.account_statuses("1", limit=2)
        assert [s.id for s in page] == ids[:2:-1][:2]
        assert [s.id for s in api.fetch_next(page)] == [ids[2], ids[1]]
        api.status_delete(ids[0])
        api.status_delete(ids[1])
        with pytest.raises(MastodonRatelimitError):
            api.status_delete(ids[2])


# -- WordPress ---------------------------------------------------------------------------------
AUTH = ("publisher", "abcd EFGH 1234 ijkl MNOP 5678")


def test_wp_auth(wp: WordPressEmulator) -> None:
    me = requests.get(
        wp.base_url + "/wp-json/wp/v2/users/me", auth=("publisher", "abcdEFGH1234ijklMNOP5678"), timeout=5
    )
    assert me.status_code == 200 and me.json()["roles"] == ["editor"]
    r = requests.get(wp.base_url + "/wp-json/wp/v2/users/me", auth=("publisher", "nope"), timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "incorrect_password")
    r = requests.get(wp.base_url + "/wp-json/wp/v2/posts", auth=("ghost", "x"), timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "invalid_username")
    r = requests.get(wp.base_url + "/wp-json/wp/v2/users/me", timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "rest_not_logged_in")
    r = requests.post(wp.base_url + "/wp-json/wp/v2/posts", json={"title": "x"}, timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "rest_cannot_create")


def test_wp_create_update_delete_both_route_styles(wp: WordPressEmulator) -> None:
    pretty, plain = wp.base_url + "/wp-json/wp/v2/posts", wp.base_url + "/?rest_route=/wp/v2/posts"
    r = requests.post(
        pretty, json={"title": "Panne réseau", "content": "Texte", "status": "publish"}, auth=AUTH, timeout=5
    )
    assert r.status_code == 201 and r.headers["Location"] == f"{pretty}/{r.json()['id']}"
    first = r.json()
    assert (first["slug"], first["link"]) == ("panne-reseau", f"{wp.base_url}/panne-reseau/")
    assert (first["date_gmt"], first["date"]) == ("2026-11-20T10:00:00", "2026-11-20T11:00:00")
    second = requests.post(
        plain, data={"title": "Panne réseau", "status": "publish"}, auth=AUTH, timeout=5
    ).json()
    assert second["slug"] == "panne-reseau-2"
    drafts = [
        requests.post(pretty, json={"title": "d", "slug": "same"}, auth=AUTH, timeout=5).json()
        for _ in range(2)
    ]
    assert [d["slug"] for d in drafts] == ["same", "same"]  # drafts are not deduplicated
    for method in ("POST", "PUT", "PATCH"):
        r = requests.request(
            method, f"{pretty}/{first['id']}", json={"content": method}, auth=AUTH, timeout=5
        )
        assert r.status_code == 200 and r.json()["content"]["raw"] == method
    assert len(wp.get_item(first["id"]).revisions) == 3
    r = requests.delete(f"{plain}/{first['id']}", auth=AUTH, timeout=5)
    assert r.json()["status"] == "trash"
    r = requests.delete(f"{pretty}/{first['id']}", auth=AUTH, timeout=5)
    assert (r.status_code, r.json()["code"]) == (410, "rest_already_trashed")
    r = requests.delete(f"{pretty}/{first['id']}", params={"force": "true"}, auth=AUTH, timeout=5)
    assert r.json()["deleted"] is True and r.json()["previous"]["id"] == first["id"]
    r = requests.post(f"{pretty}/{first['id']}", json={"title": "x"}, auth=AUTH, timeout=5)
    assert (r.status_code, r.json()["code"]) == (404, "rest_post_invalid_id")


def test_wp_list_filters_and_headers(wp: WordPressEmulator) -> None:
    url = wp.base_url + "/wp-json/wp/v2/posts"
    for title, status in (("Panne", "publish"), ("Panne", "draft"), ("Autre", "publish")):
        requests.post(url, json={"title": title, "status": status, "slug": "panne"}, auth=AUTH, timeout=5)
    r = requests.get(
        url,
        params={"slug": "panne", "status": "any", "context": "edit", "_fields": "id,slug,status,link"},
        auth=AUTH,
        timeout=5,
    )
    assert r.headers["X-WP-Total"] == "2" and r.headers["X-WP-TotalPages"] == "1"
    assert all(set(p) == {"id", "slug", "status", "link"} for p in r.json())
    public = requests.get(url, timeout=5).json()
    assert sorted(p["slug"] for p in public) == ["panne", "panne-2"]
    assert "raw" not in public[0]["title"]
    r = requests.get(url, params={"status": "any"}, timeout=5)
    assert r.status_code == 400 and r.json()["data"]["params"]["status"] == "Status is forbidden."
    r = requests.get(url, params={"context": "edit"}, timeout=5)
    assert (r.status_code, r.json()["code"]) == (401, "rest_forbidden_context")
    r = requests.get(url, params={"page": 9}, timeout=5)
    assert r.json()["code"] == "rest_post_invalid_page_number"


def test_wp_pages_roles_and_validation(wp: WordPressEmulator, clock: Clock) -> None:
    pages = wp.base_url + "/wp-json/wp/v2/pages"
    parent = requests.post(
        pages, json={"title": "Incidents", "status": "publish"}, auth=AUTH, timeout=5
    ).json()
    child = requests.post(
        pages, json={"title": "Panne", "status": "publish", "parent": parent["id"]}, auth=AUTH, timeout=5
    ).json()
    assert child["link"] == f"{wp.base_url}/incidents/panne/" and child["parent"] == parent["id"]
    wp.add_user("contrib", "pass word", role="contributor")
    r = requests.post(
        wp.base_url + "/wp-json/wp/v2/posts",
        auth=("contrib", "password"),
        json={"title": "x", "status": "publish"},
        timeout=5,
    )
    assert (r.status_code, r.json()["code"]) == (403, "rest_cannot_publish")
    me = requests.get(wp.base_url + "/wp-json/wp/v2/users/me", auth=("contrib", "password"), timeout=5).json()
    assert me["capabilities"] == {"read": True, "edit_posts": True}
    r = requests.post(
        wp.base_url + "/wp-json/wp/v2/posts", auth=AUTH, json={"title": "x", "status": "live"}, timeout=5
    )
    assert r.json()["data"]["params"]["status"].startswith("status is not one of")
    r = requests.post(wp.base_url + "/wp-json/wp/v2/posts", auth=AUTH, json={}, timeout=5)
    assert r.json()["code"] == "empty_content"
    r = requests.post(
        wp.base_url + "/wp-json/wp/v2/posts",
        auth=AUTH,
        data=b"{bad",
        headers={"Content-Type": "application/json"},
        timeout=5,
    )
    assert r.json()["code"] == "rest_invalid_json"
    assert requests.get(wp.base_url + "/wp-json/wp/v2/nope", timeout=5).json()["code"] == "rest_no_route"
    future = requests.post(
        wp.base_url + "/wp-json/wp/v2/posts",
        auth=AUTH,
        timeout=5,
        json={"title": "plus tard", "status": "publish", "date_gmt": "2026-11-20T12:00:00"},
    ).json()
    assert future["status"] == "future"
    clock.advance(hours=3)
    r = requests.get(f"{wp.base_url}/wp-json/wp/v2/posts/{future['id']}", timeout=5)
    assert r.json()["status"] == "publish"


def test_wp_faults_and_non_json_bodies(wp: WordPressEmulator) -> None:
    url = wp.base_url + "/wp-json/wp/v2/posts"
    wp.inject("posts.create", wp_error("internal_server_error"))
    r = requests.post(url, json={"title": "x"}, auth=AUTH, timeout=5)
    assert r.status_code == 500 and r.json()["message"].startswith("<p>There has been a critical")
    wp.inject("posts.create", html_fault(503))
    r = requests.post(url, json={"title": "x"}, auth=AUTH, timeout=5)
    assert r.status_code == 503 and r.headers["Content-Type"].startswith("text/html")
    assert r.headers["Retry-After"] == "600"
    with pytest.raises(ValueError):
        r.json()
    wp.inject("posts.create", html_fault(500, CRITICAL_HTML))
    assert "critical error" in requests.post(url, json={"title": "x"}, auth=AUTH, timeout=5).text
    wp.inject("posts.create", Drop(commit=True))
    with pytest.raises(requests.ConnectionError):
        requests.post(url, json={"title": "committed", "status": "publish"}, auth=AUTH, timeout=5)
    assert [i.title for i in wp.posts()] == ["committed"]


def test_wp_plain_permalinks_and_stripped_auth(clock: Clock) -> None:
    with WordPressEmulator(pretty_permalinks=False, clock=clock) as emu:
        r = requests.get(emu.base_url + "/wp-json/wp/v2/posts", timeout=5)
        assert r.status_code == 404 and r.headers["Content-Type"].startswith("text/html")
        r = requests.post(
            emu.base_url + "/?rest_route=/wp/v2/posts",
            auth=AUTH,
            json={"title": "Panne", "status": "publish"},
            timeout=5,
        )
        assert r.headers["Location"].endswith(f"/?rest_route=/wp/v2/posts/{r.json()['id']}")
        assert r.json()["link"] == f"{emu.base_url}/?p={r.json()['id']}"
    with WordPressEmulator(strip_authorization=True, clock=clock) as emu:
        r = requests.post(emu.base_url + "/wp-json/wp/v2/posts", auth=AUTH, json={"title": "x"}, timeout=5)
        assert (r.status_code, r.json()["code"]) == (401, "rest_cannot_create")


def test_wp_polylang(clock: Clock) -> None:
    with WordPressEmulator(multilingual="polylang", clock=clock) as emu:
        url = emu.base_url + "/wp-json/wp/v2/posts"
        fr = requests.post(
            url,
            params={"lang": "fr"},
            auth=AUTH,
            timeout=5,
            json={"title": "Panne réseau", "status": "publish"},
        ).json()
        en = requests.post(
            url,
            params={"lang": "en", "translations[fr]": fr["id"]},
            auth=AUTH,
            json={"title": "Network outage", "status": "publish"},
            timeout=5,
        ).json()
        assert en["translations"] == {"en": en["id"], "fr": fr["id"]}
        assert emu.get_item(fr["id"]).translations == en["translations"]
        assert fr["link"] == f"{emu.base_url}/fr/panne-reseau/"
        only_en = requests.get(url, params={"lang": "en"}, timeout=5).json()
        assert [p["id"] for p in only_en] == [en["id"]]
        langs = requests.get(emu.base_url + "/wp-json/pll/v1/languages", timeout=5).json()
        assert [lang["locale"] for lang in langs] == ["fr_FR", "en_US"]
