"""The lab's Cloud Director against the reference: versions, logins, errors, branding routes."""

from __future__ import annotations

import re
import socket
import ssl
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from waiting import ManualClock

from tests.vcd_helpers import basic, client, login, scenario_with, start_lab
from vconsole.lab.vcd import VcdLab

NS = {"v": "http://www.vmware.com/vcloud/versions"}
J = "application/json;version=37.2"
DENIED = re.compile(
    r"^\[ \d+-\d{4}-\d\d-\d\d-\d\d-\d\d-\d\d-\d{3}--[0-9a-f-]{36} \] This operation is denied\.$"
)


@pytest.fixture(scope="module")
def lab(tmp_path_factory: pytest.TempPathFactory) -> Iterator[VcdLab]:
    server = start_lab(tmp_path_factory.mktemp("vcd"))
    yield server
    server.stop()


@pytest.fixture
def http(lab: VcdLab) -> Iterator[httpx.Client]:
    with client(lab) as c:
        yield c


@pytest.fixture
def admin(lab: VcdLab) -> dict[str, str]:
    return login(lab)


BODY = {
    "portalName": "Globex Portal",
    "portalColor": "#0C0C01",
    "selectedTheme": {"themeType": "BUILT_IN", "name": "Dark"},
    "customLinks": [
        {"name": "about", "menuItemType": "override", "url": "https://globex.example/about/"},
        {"name": "Support", "menuItemType": "section"},
        {"name": "Help Desk", "menuItemType": "link", "url": "https://globex.example/help/"},
        {"menuItemType": "separator"},
    ],
}


def test_versions_list_stops_at_the_scenario_version_and_marks_deprecated(
    http: httpx.Client,
) -> None:
    r = http.get("/api/versions")
    assert r.status_code == 200
    root = ET.fromstring(r.text)
    infos = root.findall("v:VersionInfo", NS)
    by_version = {i.findtext("v:Version", namespaces=NS): i for i in infos}
    assert "38.0" not in by_version and "37.2" in by_version
    assert by_version["9.0"].get("deprecated") == "true"
    assert by_version["32.0"].get("deprecated") == "false"
    assert by_version["32.0"].findtext("v:LoginUrl", namespaces=NS).endswith("/api/sessions")
    assert by_version["32.0"].find("v:ProviderLoginUrl", NS) is None
    assert (
        by_version["36.0"]
        .findtext("v:ProviderLoginUrl", namespaces=NS)
        .endswith("/cloudapi/1.0.0/sessions/provider")
    )
    # The PowerShell module's pick: highest non-deprecated under a string sort.
    live = sorted(
        (v for v, i in by_version.items() if i.get("deprecated") == "false"), reverse=True
    )
    assert live[0] == "37.2"


def test_legacy_login_returns_both_tokens_and_the_right_errors(
    lab: VcdLab, http: httpx.Client
) -> None:
    accept = {"Accept": "application/*+xml;version=32.0"}
    ok = http.post("/api/sessions", headers={**accept, "Authorization": basic(lab)})
    assert ok.status_code == 200
    assert re.fullmatch(r"[0-9a-f]{32}", ok.headers["x-vcloud-authorization"])
    assert len(ok.headers["X-VMWARE-VCLOUD-ACCESS-TOKEN"]) > 32
    assert "<Session" in ok.text and 'rel="remove"' in ok.text
    bad = http.post(
        "/api/sessions", headers={**accept, "Authorization": basic(lab, password="nope")}
    )
    assert bad.status_code == 401 and bad.content == b""
    assert http.post("/api/sessions", headers=accept).status_code == 403
    legacy = {"x-vcloud-authorization": ok.headers["x-vcloud-authorization"], "Accept": J}
    assert http.get("/cloudapi/branding/themes", headers=legacy).status_code == 200
    assert http.delete("/api/session", headers={**legacy, **accept}).status_code == 204
    assert http.get("/cloudapi/branding/themes", headers=legacy).status_code == 401


def test_cloudapi_logins_split_provider_and_tenant(lab: VcdLab, http: httpx.Client) -> None:
    h = {"Accept": J}
    sysadmin = basic(lab)
    tenant = basic(lab, "orgadmin@acme")
    provider = http.post(
        "/cloudapi/1.0.0/sessions/provider", headers={**h, "Authorization": sysadmin}
    )
    assert provider.status_code == 200
    assert provider.headers["X-VMWARE-VCLOUD-TOKEN-TYPE"] == "Bearer"
    assert "x-vcloud-authorization" not in provider.headers
    assert provider.json()["org"]["name"] == "System"
    assert (
        http.post("/cloudapi/1.0.0/sessions", headers={**h, "Authorization": sysadmin}).status_code
        == 401
    )
    assert (
        http.post(
            "/cloudapi/1.0.0/sessions/provider", headers={**h, "Authorization": tenant}
        ).status_code
        == 401
    )
    own = http.post("/cloudapi/1.0.0/sessions", headers={**h, "Authorization": tenant})
    assert own.status_code == 200 and own.json()["org"]["name"] == "acme"
    assert http.post("/cloudapi/1.0.0/sessions", headers=h).status_code == 403


def test_logout_current_ends_the_session(lab: VcdLab, http: httpx.Client) -> None:
    h = login(lab)
    assert http.get("/cloudapi/1.0.0/sessions/current", headers=h).status_code == 200
    assert http.delete("/cloudapi/1.0.0/sessions/current", headers=h).status_code == 204
    assert http.get("/cloudapi/branding/themes", headers=h).status_code == 401


def test_missing_or_bad_token_gives_the_observed_401_body(http: httpx.Client) -> None:
    r = http.put("/cloudapi/branding", headers={"Accept": J}, json=BODY)
    assert r.status_code == 401
    body = r.json()
    assert body["minorErrorCode"] == "NOT_AUTHENTICATED" and body["stackTrace"] is None
    assert DENIED.match(body["message"])
    r = http.get("/cloudapi/branding", headers={"Accept": J, "Authorization": "Bearer nope"})
    assert r.status_code == 401


def test_accept_without_a_known_version_gives_406(
    http: httpx.Client, admin: dict[str, str]
) -> None:
    r = http.get("/cloudapi/branding", headers={**admin, "Accept": "application/json;version=99.0"})
    assert r.status_code == 406
    msg = r.json()["message"]
    assert msg.startswith(
        "Status code: 406/NOT_ACCEPTABLE, The request has invalid accept header: "
        "Invalid API version requested. Supported API versions are: [38.0.0-alpha, 37.2, 37.1"
    )
    assert msg.endswith("([D] indicates deprecated versions)") and "31.0 [D]" in msg
    empty = http.get("/cloudapi/branding", headers={**admin, "Accept": "application/json"})
    assert empty.status_code == 406
    assert "invalid accept header: . Supported API versions are: [" in empty.json()["message"]
    legacy = http.post("/api/sessions", headers={"Accept": "application/*+xml;version=1.0"})
    assert legacy.status_code == 406 and 'minorErrorCode="NOT_ACCEPTABLE"' in legacy.text
    assert 'majorErrorCode="406"' in legacy.text


def test_put_replaces_the_whole_object(http: httpx.Client, admin: dict[str, str]) -> None:
    r = http.put("/cloudapi/branding/tenant/globex", headers=admin, json=BODY)
    assert r.status_code == 200 and r.json()["portalColor"] == "#0C0C01"
    assert r.json()["customLinks"][3] == {"name": None, "menuItemType": "separator", "url": None}
    r = http.put(
        "/cloudapi/branding/tenant/globex/",
        headers=admin,
        json={"portalName": "Only a name", "customLinks": []},
    )
    assert r.status_code == 200
    got = http.get("/cloudapi/branding/tenant/globex", headers=admin).json()
    assert got == {
        "portalName": "Only a name",
        "portalColor": None,
        "selectedTheme": None,
        "customLinks": [],
    }
    assert http.delete("/cloudapi/branding/tenant/globex", headers=admin).status_code == 204


def test_tenant_without_own_branding_reads_system_and_delete_reverts(
    http: httpx.Client, admin: dict[str, str]
) -> None:
    system = http.get("/cloudapi/branding", headers=admin).json()
    assert http.get("/cloudapi/branding/tenant/globex", headers=admin).json() == system
    assert (
        http.get("/cloudapi/branding/tenant/acme", headers=admin).json()["portalName"]
        == "ACME Cloud"
    )
    http.put("/cloudapi/branding/tenant/globex", headers=admin, json=BODY).raise_for_status()
    assert (
        http.get("/cloudapi/branding/tenant/globex", headers=admin).json()["portalName"]
        == "Globex Portal"
    )
    assert http.delete("/cloudapi/branding/tenant/globex", headers=admin).status_code == 204
    assert http.get("/cloudapi/branding/tenant/globex", headers=admin).json() == system
    assert http.delete("/cloudapi/branding/tenant/globex", headers=admin).status_code == 204


@pytest.mark.parametrize(
    ("body", "fragment"),
    [
        ({"portalName": "x", "customLinks": [{"menuItemType": "section", "name": "a"}, {"menuItemType": "menu"}]},
         "customLinks[1].menuItemType"),
        ({"customLinks": []}, "portalName is required"),
        ({"portalName": "x"}, "customLinks is required"),
        ({"portalName": "x", "customLinks": [], "selectedTheme": {"themeType": "CUSTOM", "name": "Nope"}},
         "'Nope' does not exist"),
        ({"portalName": "x", "customLinks": [{"menuItemType": "link", "name": "a", "url": "not a url"}]},
         "customLinks[0].url"),
    ],
)  # fmt: skip
def test_invalid_branding_is_400_bad_request(
    http: httpx.Client, admin: dict[str, str], body: dict, fragment: str
) -> None:
    r = http.put("/cloudapi/branding/tenant/globex", headers=admin, json=body)
    assert r.status_code == 400
    err = r.json()
    assert err["minorErrorCode"] == "BAD_REQUEST" and fragment in err["message"]


def test_invalid_json_is_400(http: httpx.Client, admin: dict[str, str]) -> None:
    r = http.put(
        "/cloudapi/branding",
        headers={**admin, "Content-Type": "application/json"},
        content=b"{nope",
    )
    assert r.status_code == 400 and r.json()["minorErrorCode"] == "BAD_REQUEST"


def test_org_admin_may_read_own_but_not_write_and_unknown_org_is_403(
    lab: VcdLab, http: httpx.Client, admin: dict[str, str]
) -> None:
    tenant = login(lab, "orgadmin@acme")
    assert http.get("/cloudapi/branding/tenant/acme", headers=tenant).status_code == 200
    r = http.put("/cloudapi/branding/tenant/acme", headers=tenant, json=BODY)
    assert r.status_code == 403 and r.json()["minorErrorCode"] == "ACCESS_TO_RESOURCE_IS_FORBIDDEN"
    assert http.get("/cloudapi/branding/tenant/globex", headers=tenant).status_code == 403
    assert http.get("/cloudapi/branding/tenant/initech", headers=admin).status_code == 403


def test_anonymous_reads_get_system_branding_unless_tenant_branding_is_public(
    lab: VcdLab, http: httpx.Client
) -> None:
    anon = {"Accept": J}
    system = http.get("/cloudapi/branding", headers=anon)
    assert system.status_code == 200
    assert http.get("/cloudapi/branding/tenant/acme", headers=anon).json() == system.json()
    lab.set_require_auth_for_branding(False)
    try:
        assert (
            http.get("/cloudapi/branding/tenant/acme", headers=anon).json()["portalName"]
            == "ACME Cloud"
        )
    finally:
        lab.set_require_auth_for_branding(True)


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


def test_logo_and_icon_types_fallback_and_delete(http: httpx.Client, admin: dict[str, str]) -> None:
    img = {**admin, "Content-Type": "image/gif"}
    r = http.put("/cloudapi/branding/logo", headers=img, content=b"GIF89a")
    assert r.status_code == 415
    assert (
        http.put(
            "/cloudapi/branding/icon",
            headers={**admin, "Content-Type": "image/svg+xml"},
            content=b"<svg/>",
        ).status_code
        == 415
    )
    assert (
        http.put(
            "/cloudapi/branding/logo", headers={**admin, "Content-Type": "image/png"}, content=PNG
        ).status_code
        == 204
    )
    png = {"Authorization": admin["Authorization"], "Accept": "image/png;version=37.2"}
    assert http.get("/cloudapi/branding/tenant/globex/logo", headers=png).content == PNG
    assert (
        http.get(
            "/cloudapi/branding/logo", headers={**png, "Accept": "image/jpeg;version=37.2"}
        ).status_code
        == 406
    )
    svg = {**admin, "Content-Type": "image/svg+xml"}
    assert (
        http.put(
            "/cloudapi/branding/tenant/globex/logo", headers=svg, content=b"<svg/>"
        ).status_code
        == 204
    )
    got = http.get(
        "/cloudapi/branding/tenant/globex/logo", headers={**png, "Accept": "image/*;version=37.2"}
    )
    assert got.headers["Content-Type"].startswith("image/svg+xml") and got.content == b"<svg/>"
    assert http.delete("/cloudapi/branding/tenant/globex/logo", headers=admin).status_code == 204
    assert http.get("/cloudapi/branding/tenant/globex/logo", headers=png).content == PNG
    assert http.delete("/cloudapi/branding/logo", headers=admin).status_code == 204
    default = http.get("/cloudapi/branding/logo", headers=png)
    assert (
        default.status_code == 200
        and default.content.startswith(b"\x89PNG")
        and default.content != PNG
    )


def test_themes_create_upload_css_and_delete(http: httpx.Client, admin: dict[str, str]) -> None:
    r = http.post(
        "/cloudapi/branding/themes/", headers=admin, json={"themeType": "CUSTOM", "name": "MyCloud"}
    )
    assert r.status_code == 201 and r.json() == {"themeType": "CUSTOM", "name": "MyCloud"}
    names = [t["name"] for t in http.get("/cloudapi/branding/themes", headers=admin).json()]
    assert names == ["Default", "Dark", "MyCloud"]
    css_get = {**admin, "Accept": "text/css;version=37.2"}
    missing = http.get("/cloudapi/branding/themes/MyCloud/css", headers=css_get)
    assert missing.status_code == 404 and "No CSS Found For theme" in missing.json()["message"]
    r = http.post(
        "/cloudapi/branding/themes/MyCloud/contents",
        headers=admin,
        json={"fileName": "my.css", "size": 14},
    )
    assert r.status_code == 204
    link = re.search(r"<(.*)>", r.headers["Link"]).group(1)
    assert 'rel="upload:default"' in r.headers["Link"] and link.endswith("/my.css")
    assert http.put(link, headers=admin, content=b"body{color:red}").status_code == 200
    assert (
        http.get("/cloudapi/branding/themes/MyCloud/css", headers=css_get).text == "body{color:red}"
    )
    assert http.delete("/cloudapi/branding/themes/MyCloud", headers=admin).status_code == 204
    assert http.delete("/cloudapi/branding/themes/MyCloud", headers=admin).status_code == 404
    assert http.delete("/cloudapi/branding/themes/Dark", headers=admin).status_code == 400


def test_injected_fault_fails_one_write_and_changes_nothing(
    lab: VcdLab, http: httpx.Client, admin: dict[str, str]
) -> None:
    before = http.get("/cloudapi/branding", headers=admin).json()
    lab.inject_fault(503)
    assert http.get("/cloudapi/branding", headers=admin).status_code == 200
    failed = http.put("/cloudapi/branding", headers=admin, json=BODY)
    assert failed.status_code == 503
    assert http.get("/cloudapi/branding", headers=admin).json() == before
    ok = http.put("/cloudapi/branding", headers=admin, json=before)
    assert ok.status_code == 200


def test_expire_tokens_knob_ends_every_session(lab: VcdLab, http: httpx.Client) -> None:
    h = login(lab)
    assert http.get("/cloudapi/branding/themes", headers=h).status_code == 200
    assert lab.expire_tokens() >= 1
    assert http.get("/cloudapi/branding/themes", headers=h).status_code == 401


def test_idle_tokens_expire_after_the_scenario_ttl(tmp_path: Path) -> None:
    clock = ManualClock()
    lab = start_lab(tmp_path, ttl=1, clock=clock)
    try:
        h = login(lab)
        with client(lab) as http:
            assert http.get("/cloudapi/branding/themes", headers=h).status_code == 200
            clock.advance(0.9)  # idle time under the TTL: the call succeeds and extends it
            assert http.get("/cloudapi/branding/themes", headers=h).status_code == 200
            clock.advance(1.3)
            r = http.get("/cloudapi/branding/themes", headers=h)
            assert r.status_code == 401 and r.json()["minorErrorCode"] == "NOT_AUTHENTICATED"
    finally:
        lab.stop()


def test_version_32_has_no_cloudapi_login_and_31_has_no_tenant_branding(tmp_path: Path) -> None:
    lab32 = start_lab(tmp_path / "a", version="32.0")
    lab31 = start_lab(tmp_path / "b", version="31.0")
    try:
        with client(lab32) as http:
            j = {"Accept": "application/json;version=32.0", "Authorization": basic(lab32)}
            assert http.post("/cloudapi/1.0.0/sessions/provider", headers=j).status_code == 404
            ok = http.post(
                "/api/sessions", headers={**j, "Accept": "application/*+xml;version=32.0"}
            )
            token = {
                "x-vcloud-authorization": ok.headers["x-vcloud-authorization"],
                "Accept": j["Accept"],
            }
            assert http.get("/cloudapi/branding/tenant/acme", headers=token).status_code == 200
            assert (
                http.get(
                    "/cloudapi/branding/tenant/acme",
                    headers={**token, "Accept": "application/json;version=33.0"},
                ).status_code
                == 406
            )
        with client(lab31) as http:
            ok = http.post(
                "/api/sessions",
                headers={"Accept": "application/*+xml;version=31.0", "Authorization": basic(lab31)},
            )
            token = {
                "x-vcloud-authorization": ok.headers["x-vcloud-authorization"],
                "Accept": "application/json;version=31.0",
            }
            assert http.get("/cloudapi/branding/tenant/acme", headers=token).status_code == 404
            assert http.get("/cloudapi/branding/icon", headers=token).status_code == 404
            assert http.get("/cloudapi/branding", headers=token).status_code == 200
    finally:
        lab32.stop()
        lab31.stop()


def test_older_accept_version_on_a_newer_route_is_405(
    http: httpx.Client, admin: dict[str, str]
) -> None:
    r = http.get(
        "/cloudapi/branding/tenant/acme",
        headers={**admin, "Accept": "application/json;version=31.0"},
    )
    assert r.status_code == 405


def test_thumbprint_matches_the_served_certificate_and_state_survives_restart(
    tmp_path: Path,
) -> None:
    lab = start_lab(tmp_path)
    try:
        ctx = ssl.create_default_context()
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
        with socket.create_connection(("127.0.0.1", lab.port)) as raw, ctx.wrap_socket(raw) as tls:
            der = tls.getpeercert(binary_form=True)
        import hashlib

        assert lab.thumbprint == ":".join(f"{b:02X}" for b in hashlib.sha256(der).digest())
        with client(lab) as http:
            http.put("/cloudapi/branding", headers=login(lab), json=BODY).raise_for_status()
        first = lab.thumbprint
    finally:
        lab.stop()
    again = start_lab(tmp_path)
    try:
        assert again.thumbprint == first
        with client(again) as http:
            got = http.get("/cloudapi/branding", headers={"Accept": J}).json()
        assert got["portalName"] == "Globex Portal"
    finally:
        again.stop()


def test_plain_http_mode_for_tests_that_do_not_need_tls(tmp_path: Path) -> None:
    lab = VcdLab(scenario_with(), tmp_path, tls=False).start()
    try:
        assert lab.url.startswith("http://") and lab.thumbprint is None
        assert httpx.get(lab.url + "/api/versions").status_code == 200
    finally:
        lab.stop()


def test_org_list_shows_every_org_to_the_provider_and_only_its_own_to_a_tenant(
    lab: VcdLab, http: httpx.Client, admin: dict[str, str]
) -> None:
    xml = {"Accept": "application/*+xml;version=37.2"}
    provider = http.get("/api/org", headers={**admin, **xml})
    names = [
        o.get("name")
        for o in ET.fromstring(provider.text).iter("{http://www.vmware.com/vcloud/v1.5}Org")
    ]
    assert names == ["System", "acme", "globex"]
    tenant = http.get("/api/org", headers={**login(lab, "orgadmin@acme"), **xml})
    assert [
        o.get("name")
        for o in ET.fromstring(tenant.text).iter("{http://www.vmware.com/vcloud/v1.5}Org")
    ] == ["acme"]
