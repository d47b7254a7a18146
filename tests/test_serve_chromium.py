"""`vconsole serve` end to end: a real headless Chromium opens the served page over loopback.

The page is xterm.js drawing on a canvas, so the DOM holds no console text. What the test checks
instead fails whenever the server or the console is broken: the page marks its body
`-first-byte` only when the console process sent output, the websocket frames the browser
received contain the profile's target name, and keys typed in the browser reach the console
(`:help` opens the key list, whose text then arrives over the same websocket).
"""

from __future__ import annotations

import asyncio
import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest
from tty_helpers import isolated_env, replay_config

CHROMIUM = Path("/usr/bin/chromium")
pytestmark = [
    pytest.mark.skipif(not CHROMIUM.exists(), reason="needs /usr/bin/chromium for a real browser"),
    pytest.mark.timeout(120),
]
CHROMIUM_FLAGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--window-size=1024,640",
    "--remote-debugging-port=0",
]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def wait_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise AssertionError(f"vconsole serve exited with {proc.returncode}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.2)
    raise AssertionError(f"nothing listening on 127.0.0.1:{port}")


def printed_url(log: Path, proc: subprocess.Popen[bytes], timeout: float = 30) -> str:
    """The URL `serve` printed (with its per-start secret): the only one that works."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        match = re.search(r"open (http://\S+)", log.read_text(errors="replace"))
        if match:
            return match.group(1)
        if proc.poll() is not None:
            break
        time.sleep(0.2)
    raise AssertionError(f"serve printed no URL: {log.read_text(errors='replace')!r}")


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        os.killpg(proc.pid, signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait(5)


@pytest.fixture
def served(tmp_path: Path) -> Any:
    config = replay_config(tmp_path, "webtest", "esx-served-01")
    env = {**isolated_env(tmp_path), "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    port = free_port()
    cmd = [sys.executable, "-m", "screens", "--config", str(config), "serve", "--port", str(port)]
    log = (tmp_path / "serve.log").open("wb")
    proc = subprocess.Popen(
        cmd, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True
    )
    try:
        wait_port(port, proc)
        yield printed_url(tmp_path / "serve.log", proc), proc
    finally:
        stop(proc)
        log.close()


class DevTools:
    """The few Chrome DevTools Protocol calls the test needs, over the page's websocket."""

    def __init__(self, ws: Any) -> None:
        self.ws = ws
        self.next_id = 0
        self.frames: list[bytes] = []
        self.sent: list[str] = []

    async def call(self, method: str, **params: Any) -> dict[str, Any]:
        self.next_id += 1
        my_id = self.next_id
        await self.ws.send_json({"id": my_id, "method": method, "params": params})
        async for message in self.ws:
            data = json.loads(message.data)
            if data.get("method") == "Network.webSocketFrameSent":
                self.sent.append(data["params"]["response"]["payloadData"])
            if data.get("method") == "Network.webSocketFrameReceived":
                frame = data["params"]["response"]
                payload = frame["payloadData"]
                self.frames.append(
                    base64.b64decode(payload) if frame["opcode"] == 2 else payload.encode()
                )
            if data.get("id") == my_id:
                return dict(data.get("result", {}))
        raise AssertionError("devtools connection closed")

    def received(self) -> bytes:
        return b"".join(self.frames)

    async def wait_received(self, needle: bytes, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            await self.call("Runtime.evaluate", expression="1")  # pumps pending events
            if needle in self.received():
                return
            await asyncio.sleep(0.2)
        raise AssertionError(f"{needle!r} never arrived over the console's websocket")

    async def body_class(self) -> str:
        result = await self.call(
            "Runtime.evaluate", expression="document.body.className", returnByValue=True
        )
        return str(result["result"].get("value", ""))

    async def type_text(self, text: str) -> None:
        await self.call(
            "Runtime.evaluate",
            expression="document.querySelector('.xterm-helper-textarea').focus()",
        )
        for char in text:
            await self.call("Input.dispatchKeyEvent", type="char", text=char)

    async def press_enter(self) -> None:
        for kind in ("rawKeyDown", "char", "keyUp"):
            extra = {"text": "\r"} if kind == "char" else {}
            await self.call(
                "Input.dispatchKeyEvent", type=kind, key="Enter", code="Enter",
                windowsVirtualKeyCode=13, **extra,
            )  # fmt: skip


async def open_in_chromium(url: str, profile_dir: Path, check: Any) -> None:
    import aiohttp

    browser = subprocess.Popen(
        [str(CHROMIUM), *CHROMIUM_FLAGS, f"--user-data-dir={profile_dir}", "about:blank"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        port_file = profile_dir / "DevToolsActivePort"
        for _ in range(200):
            if port_file.exists() and port_file.read_text().strip():
                break
            await asyncio.sleep(0.1)
        devtools_port = int(port_file.read_text().split()[0])
        async with aiohttp.ClientSession() as session:
            async with session.get(f"http://127.0.0.1:{devtools_port}/json/list") as response:
                pages = [t for t in await response.json() if t["type"] == "page"]
            async with session.ws_connect(pages[0]["webSocketDebuggerUrl"], max_msg_size=0) as ws:
                tools = DevTools(ws)
                await tools.call("Network.enable")
                await tools.call("Page.navigate", url=url)
                await check(tools)
    finally:
        stop(browser)


async def test_served_console_renders_and_takes_keys(served, tmp_path: Path) -> None:
    url, _ = served

    async def check(tools: DevTools) -> None:
        await tools.wait_received(b"esx-served-01")
        assert "-first-byte" in await tools.body_class()
        assert b"webtest" in tools.received()  # the profile name in the header line
        await tools.wait_received(b"sources read")  # triage status line: the pane is mounted
        await tools.type_text(":help")
        await tools.press_enter()
        await tools.wait_received(b"Read every source now.")  # a triage key's help row
        shot = await tools.call("Page.captureScreenshot", format="png")
        (tmp_path / "served.png").write_bytes(base64.b64decode(shot["data"]))

    await open_in_chromium(url, tmp_path / "chromium", check)


def test_serve_refuses_non_loopback_without_public(tmp_path: Path) -> None:
    env = {**os.environ, "VCONSOLE_CONFIG_DIR": str(tmp_path), "VCONSOLE_STATE_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-m", "screens", "serve", "--host", "0.0.0.0", "--port", "1"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "--host: 0.0.0.0 is not a loopback address" in result.stderr
    assert "--public" in result.stderr and "token" in result.stderr


def test_loopback_detection() -> None:
    from screens.serve_cmd import is_loopback

    assert is_loopback("127.0.0.1") and is_loopback("::1") and is_loopback("localhost")
    assert not is_loopback("0.0.0.0") and not is_loopback("192.0.2.1")
    assert not is_loopback("example.com")
