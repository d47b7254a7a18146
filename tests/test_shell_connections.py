"""The connections screen against a real manager: test, add/edit with validation, trust, password.

TLS trust runs against a real TLS server on loopback with a self-signed certificate made here.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from shell_helpers import console, isolate_dirs, replay_profile, screen_after
from textual.widgets import Button, Input, Label

from screens.connections import ConnectionsScreen
from screens.target_form import TargetForm
from screens.trust_dialog import KeyChangedDialog, PasswordDialog, TrustDialog
from vconsole.config import Profile, TargetConfig, load_config
from widgets.console_header import ConsoleHeader

SIZE = (80, 24)


@pytest.fixture(autouse=True)
def _dirs(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)


def detail(app) -> str:  # type: ignore[no-untyped-def]
    return str(app.screen.query_one("#conn-detail").render())


async def wait_for(pilot, predicate, tries: int = 50) -> None:  # type: ignore[no-untyped-def]
    for _ in range(tries):
        if predicate():
            return
        await pilot.pause(0.1)
    raise AssertionError("condition not reached")


async def test_test_target_reports_and_marks_ok(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: "exit 0" in detail(app))
        assert "Product: VMware ESXi; Version: 8.0.2" in detail(app)
        await pilot.pause()
        assert app.screen.table.get_row("esx01")[4].plain == "ok"
        assert "esx01 ok" in str(app.screen.query_one(ConsoleHeader).render())


async def test_failed_test_becomes_error_notification_with_title(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path, with_missing=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("down", "t")
        await wait_for(pilot, lambda: "missing.json" in detail(app))
        await pilot.pause()
        errors = [n for n in app._notifications if n.severity == "error"]
        assert errors and errors[-1].title == "Target unreachable"
        assert "missing.json" in errors[-1].message
        assert errors[-1].markup is False


async def test_add_target_validation_names_the_field_then_saves(tmp_path) -> None:
    profile = replay_profile(tmp_path)
    app = console(tmp_path, profile)
    async with app.run_test(size=SIZE) as pilot:
        form = await screen_after(pilot, "a", TargetForm)
        form.query_one("#field-name", Input).value = "esx01"
        form.query_one("#field-port", Input).value = "abc"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form
        errors = {
            str(lbl.id): str(lbl.render()) for lbl in form.query(".field-error").results(Label)
        }
        assert errors["error-name"].startswith("name: duplicate target name 'esx01'")
        assert errors["error-address"].startswith("address: required")
        assert "accepted: an IP address or host name" in errors["error-address"]
        assert errors["error-port"].startswith("port: 'abc' is not a number")
        form.query_one("#field-name", Input).value = "esx02"
        form.query_one("#field-address", Input).value = "192.0.2.12"
        form.query_one("#field-port", Input).value = ""
        form.query_one("#field-user", Input).value = "root"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "esx02" in app.screen.table.all_keys)
        saved = load_config(tmp_path / "config.toml").profile("lab")
        assert saved.target("esx02") == TargetConfig("esx02", "esxi", "192.0.2.12", user="root")
        assert app.screen.table.get_row("esx02")[1:4] == ["esxi", "192.0.2.12", "root"]


async def test_edit_target_keeps_name_and_rewrites_it(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        form = await screen_after(pilot, "e", TargetForm)
        assert form.query_one("#field-name", Input).value == "esx01"
        form.query_one("#field-name", Input).value = "esx01-capture"
        await pilot.press("ctrl+s")
        await wait_for(pilot, lambda: "esx01-capture" in app.screen.table.all_keys)
        assert app.screen.table.all_keys == ["esx01-capture"]
        saved = load_config(tmp_path / "config.toml").profile("lab")
        assert saved.names() == ["esx01-capture"]


async def test_password_is_masked_stored_and_never_shown(tmp_path) -> None:
    secret = "Sup3r-s3cret!pw"
    app = console(tmp_path, replay_profile(tmp_path))
    async with app.run_test(size=SIZE) as pilot:
        dialog = await screen_after(pilot, "P", PasswordDialog)
        field = dialog.query_one("#password", Input)
        assert field.password is True
        await pilot.press(*secret)
        assert secret not in app.export_screenshot()
        await pilot.press("enter")
        await wait_for(pilot, lambda: any("stored" in n.message for n in app._notifications))
        assert app.manager.secrets.get_password("esx01") == secret
        assert all(secret not in n.message for n in app._notifications)
        assert secret not in app.export_screenshot()


async def test_trust_dialog_answers_the_managers_question(tmp_path) -> None:
    from vconsole.sessions.results import TrustPrompt

    fingerprint = "SHA256:47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU"
    prompt = TrustPrompt("esx09", "ssh-host-key", "[127.0.0.1]:2222", fingerprint, "ssh-ed25519")
    app = console(tmp_path)
    async with app.run_test(size=SIZE) as pilot:
        answers: list[bool] = []

        async def ask() -> None:
            answers.append(await app.confirm_trust(prompt))

        app.run_worker(ask())
        await wait_for(pilot, lambda: isinstance(app.screen, TrustDialog))
        await pilot.pause()
        shown = str(app.screen.query_one(".fingerprint").render())
        assert shown == f"ssh-ed25519 {fingerprint}"
        await pilot.click("#accept")
        await wait_for(pilot, lambda: answers == [True])
        app.run_worker(ask())
        await wait_for(pilot, lambda: isinstance(app.screen, TrustDialog))
        await pilot.press("escape")
        await wait_for(pilot, lambda: answers == [True, False])


@pytest.fixture
def tls_server(tmp_path: Path) -> Iterator[tuple[int, str]]:
    """A loopback TLS server with a fresh self-signed certificate; yields (port, SHA-256 colon hex)."""
    from vconsole.lab.vcd.certs import ensure_certificate, server_context
    from vconsole.lab.vcd.certs import thumbprint as thumbprint_of

    cert, key = ensure_certificate(tmp_path)  # tmp_path is new: a certificate never seen before
    thumbprint = thumbprint_of(cert)
    context = server_context(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(0.2)
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                raw, _ = listener.accept()
            except OSError:
                continue
            try:
                with context.wrap_socket(raw, server_side=True) as tls:
                    tls.recv(1024)  # answer nothing: the console only needs the certificate
            except OSError:
                pass

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield listener.getsockname()[1], thumbprint
    stop.set()
    thread.join(2)
    listener.close()


def vcd_profile(tmp_path: Path, port: int, thumbprint: str | None = None) -> Profile:
    target = TargetConfig("vcd01", "vcd", "127.0.0.1", port=port, user="admin", org="System",
                          thumbprint=thumbprint, timeout=3.0)  # fmt: skip
    return Profile("lab", (target,), source=tmp_path / "config.toml")


async def test_unknown_certificate_is_shown_and_accept_pins_it(tmp_path, tls_server) -> None:
    port, thumbprint = tls_server
    app = console(tmp_path, vcd_profile(tmp_path, port))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, TrustDialog))
        dialog = app.screen
        assert isinstance(dialog, TrustDialog)
        assert dialog.fingerprint == thumbprint
        assert f"SHA-256 {thumbprint}" in str(dialog.query_one(".fingerprint").render())
        await pilot.click("#accept")
        await wait_for(pilot, lambda: (tmp_path / "config.toml").exists())
        pinned = load_config(tmp_path / "config.toml").profile("lab").target("vcd01")
        assert pinned.thumbprint == thumbprint


async def test_changed_certificate_is_refused_without_accept_button(tmp_path, tls_server) -> None:
    port, thumbprint = tls_server
    wrong = ":".join(["AB"] * 32)
    app = console(tmp_path, vcd_profile(tmp_path, port, thumbprint=wrong))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("t")
        await wait_for(pilot, lambda: isinstance(app.screen, KeyChangedDialog))
        dialog = app.screen
        buttons = [str(b.id) for b in dialog.query(Button)]
        assert buttons == ["close"]
        text = str(dialog.query_one(".dialog-title").render())
        assert text.startswith("REFUSED")
        message = " ".join(str(lbl.render()) for lbl in dialog.query(Label))
        assert thumbprint in message and wrong in message
        await pilot.press("escape")
        await pilot.pause()
        assert isinstance(app.screen, ConnectionsScreen)
        assert "REFUSED" in detail(app) or "CHANGED" in detail(app)
        assert not (tmp_path / "config.toml").exists()


async def test_test_all_reports_every_target_and_names_the_failure(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path, with_missing=True))
    async with app.run_test(size=SIZE) as pilot:
        await pilot.press("T")
        await wait_for(pilot, lambda: "of 2 connected" in detail(app))
        assert detail(app).startswith("1 of 2 connected - ghost:")
        assert app.screen.table.get_row("esx01")[4].plain == "ok"


async def test_console_opened_by_demo_tests_every_target_at_once(tmp_path) -> None:
    app = console(tmp_path, replay_profile(tmp_path), test_all_on_start=True)
    async with app.run_test(size=SIZE) as pilot:
        await wait_for(pilot, lambda: "all 1 targets connected" in detail(app))
        assert app.screen.table.get_row("esx01")[4].plain == "ok"
