"""`vconsole serve` answers only the URL it printed, from its own origin and Host name.

A real headless Chromium that has opened the console (so it holds the cookie) then visits a page
from another origin; that page's WebSockets to the console are refused, with or without the
secret. Requests naming another Host (DNS rebinding) or without the secret get 403.
"""

from __future__ import annotations

import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, urlsplit

import aiohttp
import httpx
import pytest
from sessions_helpers import QuietHandler
from test_serve_chromium import CHROMIUM, DevTools, free_port, open_in_chromium, served

from screens.serve_guard import Guard, allowed_hosts

pytestmark = [pytest.mark.timeout(120)]
served = served  # the console served on loopback from a replay capture, and its printed URL

EVIL_PAGE = """<!doctype html><html><body><script>
function attempt(url) {
  return new Promise(done => {
    const ws = new WebSocket(url);
    ws.onopen = () => { done("open"); ws.close(); };
    ws.onerror = () => done("refused");
  });
}
(async () => {
  const plain = await attempt("ws://127.0.0.1:PORT/ws");
  const withSecret = await attempt("ws://127.0.0.1:PORT/ws?token=SECRET");
  document.title = "done " + plain + " " + withSecret;
})();
</script></body></html>"""


def parts(url: str) -> tuple[int, str]:
    split = urlsplit(url)
    return int(split.port or 0), parse_qs(split.query)["token"][0]


@pytest.fixture
def evil_site() -> Iterator[tuple[str, list[str]]]:
    """Another origin on loopback serving a page (its text set by the test)."""
    page: list[str] = [""]

    class Handler(QuietHandler):
        def do_GET(self) -> None:  # noqa: N802 - the stdlib's name
            self.answer(page[0].encode(), "text/html")

    port = free_port()
    server = http.server.ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{port}/", page
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium for a real browser")
async def test_a_page_from_another_origin_cannot_drive_the_console(
    served: Any, evil_site: tuple[str, list[str]], tmp_path: Path
) -> None:
    url, _ = served
    port, secret = parts(url)
    evil_url, page = evil_site
    page[0] = EVIL_PAGE.replace("PORT", str(port)).replace("SECRET", secret)

    async def check(tools: DevTools) -> None:
        await tools.wait_received(b"esx-served-01")  # the printed URL works in this browser
        await tools.call("Page.navigate", url=evil_url)
        title = ""
        for _ in range(100):
            result = await tools.call(
                "Runtime.evaluate", expression="document.title", returnByValue=True
            )
            title = str(result["result"].get("value", ""))
            if title.startswith("done"):
                break
            await tools.call(
                "Runtime.evaluate",
                expression="new Promise(r => setTimeout(r, 100))",
                awaitPromise=True,
            )
        assert title == "done refused refused"

    await open_in_chromium(url, tmp_path / "chromium", check)


async def test_only_the_printed_url_and_its_host_are_answered(served: Any) -> None:
    url, _ = served
    port, secret = parts(url)
    base = f"http://127.0.0.1:{port}"
    with httpx.Client(timeout=10) as http:
        assert http.get(base + "/").status_code == 403
        assert http.get(base + "/?token=" + "x" * len(secret)).status_code == 403
        assert http.get(base + "/static/js/textual.js").status_code == 403
        rebound = http.get(url, headers={"Host": f"evil.example:{port}"})
        assert rebound.status_code == 403 and "Host" in rebound.text
        ok = http.get(url)
        assert ok.status_code == 200 and f"vconsole_serve_{port}" in ok.headers["set-cookie"]
        assert (
            "HttpOnly" in ok.headers["set-cookie"] and "SameSite=Strict" in ok.headers["set-cookie"]
        )
        cookie = {"Cookie": f"vconsole_serve_{port}={secret}"}
        assert http.get(base + "/static/js/textual.js", headers=cookie).status_code == 200
    async with aiohttp.ClientSession() as session:
        with pytest.raises(aiohttp.WSServerHandshakeError) as refused:
            await session.ws_connect(
                f"{base}/ws?token={secret}", headers={"Origin": "http://evil.example"}
            )
        assert refused.value.status == 403
        with pytest.raises(aiohttp.WSServerHandshakeError):
            await session.ws_connect(f"{base}/ws", headers={"Origin": base})


def test_two_starts_never_share_a_secret_and_hosts_are_exact() -> None:
    first, second = Guard(8765), Guard(8765)
    assert first.secret != second.secret and len(first.secret) >= 40
    assert first.url("127.0.0.1").startswith("http://127.0.0.1:8765/?token=")
    assert first.host_ok("127.0.0.1:8765") and first.host_ok("localhost:8765")
    assert first.host_ok("[::1]:8765")
    for host in ("127.0.0.1:8766", "evil.example:8765", "127.0.0.1", "127.0.0.1.evil:8765"):
        assert not first.host_ok(host)
    assert allowed_hosts("0.0.0.0", [], wildcard=True) is None
    assert "jump.example" in (allowed_hosts("0.0.0.0", ["jump.example"], wildcard=True) or ())
