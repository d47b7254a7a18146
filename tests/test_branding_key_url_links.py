"""Old-style (API 9.5) `{key, url}` custom links keep their key when read from a server.

The lab's Cloud Director stores `{key, url}` items when a client PUTs at API 31.0 (9.5), as the
9.1 bindings and the PowerShell module 1.0-1.3 did (reference vcd-branding-api.md §3.2).
"""

from __future__ import annotations

from pathlib import Path

import httpx

from tests.sessions_helpers import make_manager
from tests.vcd_helpers import login, start_lab, vcd_target
from vconsole.lab.vcd import SYSTEM_ADMIN
from vconsole.models.branding import KEY_URL_LINK, Branding, Capabilities
from vconsole.services.branding import BrandingService
from vconsole.services.branding_input import check_links

OLD_STYLE = {
    "portalName": "Old Cloud",
    "customLinks": [{"key": "Help Desk", "url": "https://desk.example.com/"}],
}


async def test_key_url_link_read_from_the_server_keeps_its_key(tmp_path: Path) -> None:
    lab = start_lab(tmp_path / "lab")
    headers = {**login(lab), "Accept": "application/json;version=31.0"}
    with httpx.Client(base_url=lab.url, verify=False) as http:
        http.put("/cloudapi/branding", headers=headers, json=OLD_STYLE).raise_for_status()
    manager = make_manager(
        tmp_path, [vcd_target(lab)], passwords={"vcd01": lab.users[SYSTEM_ADMIN]}
    )
    try:
        (link,) = (await BrandingService(manager).read(None)).branding.links
    finally:
        await manager.close()
        lab.stop()
    assert (link.kind, link.name, link.url) == (
        KEY_URL_LINK,
        "Help Desk",
        "https://desk.example.com/",
    )
    assert "Help Desk" in link.label()
    assert link.to_api() == OLD_STYLE["customLinks"][0]  # written back as read, not converted


def test_a_key_url_link_is_refused_on_write_with_what_to_do() -> None:
    branding = Branding.from_api(OLD_STYLE)
    errors, _ = check_links(branding.links, Capabilities.for_version("37.2"))
    assert len(errors) == 1 and "old-style (API 9.5)" in errors[0].message
