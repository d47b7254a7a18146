"""The connections screen's `P` on a vcd target with `auth = "token"` stores an API token."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Input, Label

from screens.trust_dialog import PasswordDialog
from tests.shell_helpers import console, isolate_dirs, screen_after
from vconsole.config import Profile, TargetConfig
from vconsole.errors import SecretUnavailable


@pytest.fixture(autouse=True)
def _dirs(monkeypatch, tmp_path):  # type: ignore[no-untyped-def]
    isolate_dirs(monkeypatch, tmp_path)


async def saved_and_closed(pilot, form) -> None:  # type: ignore[no-untyped-def]
    """Save the form (ctrl+s) and let the console close it, for up to five seconds."""
    await pilot.press("ctrl+s")
    for _ in range(50):
        if pilot.app.screen is not form:
            break
        await pilot.pause(0.1)


async def test_p_on_a_token_target_asks_for_and_stores_the_api_token(tmp_path: Path) -> None:
    secret = "AbCdEf0123456789-token"
    target = TargetConfig("vcd01", "vcd", address="127.0.0.1", org="acme", auth="token")
    app = console(tmp_path, Profile("lab", (target,), source=tmp_path / "config.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        dialog = await screen_after(pilot, "P", PasswordDialog)
        assert str(dialog.query_one(".dialog-title", Label).render()) == "API token for vcd01"
        assert dialog.query_one("#password", Input).password is True
        await pilot.press(*secret)
        await pilot.press("enter")
        for _ in range(50):
            if any("stored" in n.message for n in app._notifications):
                break
            await pilot.pause(0.1)
        messages = [n.message for n in app._notifications]
        assert any(m.startswith("API token for vcd01 stored") for m in messages)
        assert app.manager.secrets.get_token("vcd01") == secret
        app.manager.secrets.prompt = None  # no dialog: just ask whether a password is known
        with pytest.raises(SecretUnavailable):  # the token is kept apart from the password
            app.manager.secrets.get_password("vcd01")
        assert all(secret not in m for m in messages)
        assert secret not in app.export_screenshot()


async def test_target_form_sets_token_login_for_vcd_only_and_an_edit_keeps_it(
    tmp_path: Path,
) -> None:
    from textual.widgets import Select

    from screens.target_form import TargetForm
    from vconsole.config import load_config

    app = console(tmp_path, Profile("lab", (), source=tmp_path / "config.toml"))
    async with app.run_test(size=(80, 24)) as pilot:
        form = await screen_after(pilot, "a", TargetForm)
        form.query_one("#field-name", Input).value = "vcd01"
        form.query_one("#field-address", Input).value = "192.0.2.30"
        form.query_one("#field-auth", Select).value = "token"
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert app.screen is form  # kind is still esxi: refused, naming the field
        error = str(form.query_one("#error-auth", Label).render())
        assert error.startswith("auth: a esxi target cannot use an API token")
        form.query_one("#field-kind", Select).value = "vcd"
        form.query_one("#field-org", Input).value = "acme"
        await saved_and_closed(pilot, form)
        saved = load_config(tmp_path / "config.toml").profile("lab").target("vcd01")
        assert (saved.kind, saved.org, saved.auth) == ("vcd", "acme", "token")
        edit = await screen_after(pilot, "e", TargetForm)
        assert edit.query_one("#field-auth", Select).value == "token"
        edit.query_one("#field-address", Input).value = "192.0.2.31"
        await saved_and_closed(pilot, edit)
        again = load_config(tmp_path / "config.toml").profile("lab").target("vcd01")
        assert (again.address, again.auth) == ("192.0.2.31", "token")


async def test_branding_pane_on_a_token_target_and_a_revoked_token(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from tests.test_branding_screen import screen_text, settle
    from tests.vcd_helpers import start_lab, vcd_target
    from vconsole.lab.vcd import SYSTEM_ADMIN

    lab = start_lab(tmp_path / "lab")
    try:
        token = lab.api_tokens[SYSTEM_ADMIN]
        monkeypatch.setenv("VCONSOLE_TOKEN_VCD01", token)
        target = vcd_target(lab, auth="token")
        profile = Profile("lab", (target,), source=tmp_path / "config.toml")
        app = console(tmp_path, profile, start_pane="conn")
        async with app.run_test(size=(80, 24)) as pilot:
            await settle(pilot)
            text = screen_text(app)
            assert "ACME Cloud" in text and "vcd01 API 37.2" in text
            assert "POST /oauth/provider/token" in lab.requests
            lab.revoke_api_token(SYSTEM_ADMIN)
            lab.expire_tokens()
            await pilot.press("r")
            await settle(pilot)
            shown = screen_text(app) + "\n".join(n.message for n in app._notifications)
            assert "refused the API token" in shown and "User preferences > API tokens" in shown
            assert token not in shown and token not in app.export_screenshot()
    finally:
        lab.stop()
