"""The debug log: a 0600 file in the state dir, INFO or DEBUG (`--debug`), secrets masked,
nothing on the terminal, and real failure paths leave a line in it."""

from __future__ import annotations

import json
import logging
import os
import stat
import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vconsole import debug_log, paths
from vconsole.cli import main
from vconsole.redaction import MASK
from vconsole.secrets import SecretStore

log = logging.getLogger("vconsole.tests.debug_log")
TOKEN_CHARS = st.sampled_from("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789._-")


def _text(path: Path) -> str:
    with open(path, encoding="utf-8", newline="") as f:  # keep \r as written
        return f.read()


def _configured(state: Path, debug: bool = False) -> Path:
    paths.use_profile_state_dir(state)
    debug_log.configure(debug=debug)
    return state / debug_log.LOG_FILE


@pytest.fixture(autouse=True)
def _default_state_dir_after() -> object:
    yield None
    paths.use_profile_state_dir(None)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(secret=st.text(min_size=4, max_size=40).filter(lambda s: s.strip()))
def test_a_secret_given_to_the_console_never_reaches_the_log_file(secret: str) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        file = _configured(Path(tmp))
        store = SecretStore("p", use_keyring=False, environ={})
        store.remember("esx01", secret)  # as the password prompt's answer is kept
        log.error("login to esx01 with %s", secret)
        log.warning("request %r", {"Authorization": secret, "password": secret})
        log.info("body %s", json.dumps({"pw": secret}))
        try:
            raise ValueError(f"server said: bad credentials {secret!r}")
        except ValueError:
            log.exception("login failed")
        text = _text(file)
        del store
    assert MASK in text  # the records were written, masked
    assert secret not in text
    assert repr(secret)[1:-1] not in text and json.dumps(secret)[1:-1] not in text


@settings(max_examples=40, deadline=None)
@given(
    token=st.text(TOKEN_CHARS, min_size=8, max_size=60).map(lambda t: "Zq" + t),
    password=st.sampled_from(["pass", "word", "Bearer", "Cookie", "root", "JSESSIONID"]),
)
def test_secret_shaped_values_are_masked_even_when_nobody_said_so(
    token: str, password: str
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        file = _configured(Path(tmp))
        # a password that is also part of a key name must not hide the value after the key
        store = SecretStore("p", use_keyring=False, environ={})
        store.remember("esx01", password)
        log.debug("not written at INFO %s", token)
        log.info("Authorization: Bearer %s", token)
        log.info("headers %r", {"x-vcloud-authorization": token, "Accept": "application/json"})
        log.info('Cookie: a=1; vmware_soap_session="%s"', token)
        log.info("form grant_type=refresh_token&refresh_token=%s&x=1", token)
        log.info("GET https://root:%s@vc01.example.com/sdk", token)
        log.info('json {"password": "%s", "user": "root"}', token)
        log.info("Set-Cookie: JSESSIONID=%s; Path=/; Secure", token)
        log.info("vmware-api-session-id: %s", token)
        text = _text(file)
        del store
    assert token not in text and password not in text
    assert text.count("\n") == 8 and "not written" not in text  # the 8 INFO records, one line each
    assert "Accept" in text and "vc01.example.com/sdk" in text


def test_the_file_is_private_and_follows_the_profile_state_dir(tmp_path: Path) -> None:
    first = _configured(tmp_path / "a")
    log.info("first line")
    paths.use_profile_state_dir(tmp_path / "b")  # a profile with its own state_dir opened
    log.info("second line")
    second = tmp_path / "b" / debug_log.LOG_FILE
    assert "first line" in _text(first) and "second line" not in _text(first)
    assert "second line" in _text(second)
    for file in (first, second):
        assert stat.S_IMODE(file.stat().st_mode) == 0o600


def test_records_before_the_profile_opens_wait_for_its_state_dir(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "_state_dir_chosen", False)  # a fresh process
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "admin"))
    debug_log.configure()
    log.info("before the profile")
    assert not (tmp_path / "admin").exists()
    paths.use_profile_state_dir(tmp_path / "lab")  # a lab profile keeps its state in the lab
    log.info("after the profile")
    lines = _text(tmp_path / "lab" / debug_log.LOG_FILE).splitlines()
    assert [line.split("] ", 1)[1] for line in lines] == ["before the profile", "after the profile"]
    assert not (tmp_path / "admin").exists()


def test_a_command_without_a_profile_still_writes_at_its_end(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(paths, "_state_dir_chosen", False)
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "admin"))
    code = main(["--config", str(tmp_path / "absent.toml"), "config", "check"])
    assert code in (0, 1)
    assert "vconsole config check: start" in _text(tmp_path / "admin" / debug_log.LOG_FILE)


def test_a_server_newline_cannot_forge_a_record(tmp_path: Path) -> None:
    file = _configured(tmp_path)
    log.info("vCenter said %s", "fine\n2026-01-01 00:00:00,000 ERROR vconsole forged")
    lines = _text(file).split("\n")
    assert lines[1] == "    2026-01-01 00:00:00,000 ERROR vconsole forged"


def test_debug_flag_raises_the_level_and_a_real_failure_writes_a_line(tmp_path: Path) -> None:
    from vconsole.services.branding_images import dimensions

    truncated_icon = b"\x00\x00\x01\x00"
    for flag, state in ((["--debug"], tmp_path / "debug"), ([], tmp_path / "info")):
        os.environ["VCONSOLE_STATE_DIR"] = str(state)
        try:
            main([*flag, "--config", str(tmp_path / "absent.toml"), "config", "check"])
            assert dimensions("image/x-icon", truncated_icon) == (None, None)
        finally:
            del os.environ["VCONSOLE_STATE_DIR"]
    with_debug = _text(tmp_path / "debug" / debug_log.LOG_FILE)
    assert "INFO vconsole.cli [MainThread] vconsole config check: start" in with_debug
    assert (
        "DEBUG vconsole.services.branding_images [MainThread] image/x-icon header not readable"
        in with_debug
    )
    without = _text(tmp_path / "info" / debug_log.LOG_FILE)
    assert "vconsole config check: start" in without and "header not readable" not in without


def test_a_refused_certificate_is_logged(tmp_path: Path) -> None:
    from tests.vcd_helpers import start_lab
    from vconsole.sessions.trust import fetch_certificate

    file = _configured(tmp_path / "state")
    lab = start_lab(tmp_path / "vcd")
    try:
        der, verified = fetch_certificate("127.0.0.1", lab.port, timeout=10)
    finally:
        lab.stop()
    assert der and not verified
    assert (
        f"INFO vconsole.sessions.trust [MainThread] 127.0.0.1:{lab.port}: certificate not trusted"
        in (_text(file))
    )


def test_nothing_reaches_the_terminal(tmp_path: Path, capfd: pytest.CaptureFixture[str]) -> None:
    file = _configured(tmp_path)
    logging.getLogger("paramiko.transport").error("Socket exception: Connection reset by peer")
    logging.getLogger("vconsole.sessions.manager").warning("esx01: close failed")
    import warnings

    warnings.warn("a library deprecation", DeprecationWarning, stacklevel=1)
    out, err = capfd.readouterr()
    assert (out, err) == ("", "")
    text = _text(file)
    assert "Socket exception" in text and "close failed" in text


def test_an_unwritable_state_dir_stays_off_the_terminal(
    tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("")
    paths.use_profile_state_dir(blocker / "state")  # under a file: cannot be created
    handler = debug_log.configure()
    log.error("nowhere to go")
    assert capfd.readouterr() == ("", "")
    assert handler.failures == 1
