"""One secret per target: names that share a `VCONSOLE_PASSWORD_*` variable are refused.

`esx-01`, `esx_01` and `ESX-01` all read VCONSOLE_PASSWORD_ESX_01; with both in one profile the
console would log in to one host with the other's password. `config check` reports it, every
command refuses to run (nothing reaches either host), and the console's own editor refuses to
save such a target. `config check/show --profile nosuch` fails like the other commands.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import tomli_w
from hypothesis import given, settings
from hypothesis import strategies as st
from test_safety_fuzz import CountingListener, run

from vconsole.cli import main
from vconsole.config import TargetConfig, load_config, save_target
from vconsole.errors import ConfigError
from vconsole.secrets import env_var_name


@pytest.fixture
def listener() -> CountingListener:
    server = CountingListener()
    yield server  # type: ignore[misc]
    server.close()


def write(tmp: Path, names: list[str], port: int) -> Path:
    targets = [
        {"name": n, "kind": "esxi", "address": "127.0.0.1", "port": port, "user": "root"}
        for n in names
    ]
    path = tmp / "config.toml"
    path.write_text(
        tomli_w.dumps({"default_profile": "p", "profiles": {"p": {"targets": targets}}})
    )
    return path


@pytest.mark.parametrize("pair", [("esx-01", "esx_01"), ("esx-01", "ESX-01"), ("esx.01", "esx-01")])
def test_colliding_names_are_a_config_error_and_nothing_is_sent(
    tmp_path: Path,
    listener: CountingListener,
    pair: tuple[str, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv(env_var_name(pair[0]), "the-first-hosts-password")
    config = write(tmp_path, ["esx-02", *pair], listener.port)
    assert main(["--config", str(config), "config", "check"]) == 1
    assert f"{pair[1]!r} and {pair[0]!r} both read {env_var_name(pair[0])}" in (
        capsys.readouterr().out
    )
    for argv in (["lacp"], ["paths", "--no-vcenter"], ["capture", pair[1], str(tmp_path / "c")]):
        code, err = run(["--config", str(config), *argv])
        assert code in (1, 2) and "both read" in err and "Traceback" not in err
    assert listener.count == 0


def test_config_check_prints_the_problem_with_its_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write(tmp_path, ["esx-01", "ESX_01"], 22)
    assert main(["--config", str(config), "config", "check"]) == 1
    out = capsys.readouterr().out
    assert re.search(
        r"config\.toml:[\d?]+: profiles\.p\.targets\[1\]\.name: 'ESX_01' and 'esx-01'", out
    )


def test_the_editor_refuses_to_save_a_colliding_target(tmp_path: Path) -> None:
    config = write(tmp_path, ["esx-01"], 22)
    before = config.read_text()
    with pytest.raises(ConfigError, match="both read VCONSOLE_PASSWORD_ESX_01"):
        save_target(config, "p", TargetConfig("esx_01", "esxi", address="127.0.0.1", user="r"))
    assert config.read_text() == before
    save_target(config, "p", TargetConfig("esx-01", "esxi", address="127.0.0.2", user="r"))
    assert load_config(config).profile("p").target("esx-01").address == "127.0.0.2"


names = st.from_regex(r"[A-Za-z0-9][A-Za-z0-9_.\-]{0,8}", fullmatch=True)


@settings(max_examples=60, deadline=None)
@given(names, names)
def test_two_targets_load_only_when_their_password_variables_differ(
    tmp_path_factory: pytest.TempPathFactory, a: str, b: str
) -> None:
    if a == b:
        return
    config = write(tmp_path_factory.mktemp("pair"), [a, b], 22)
    try:
        profile = load_config(config).profile("p")
    except ConfigError as exc:
        assert env_var_name(a) == env_var_name(b) and "both read" in str(exc)
        return
    assert len({env_var_name(t.name) for t in profile.targets}) == 2


@pytest.mark.parametrize("sub", ["check", "show"])
def test_config_check_and_show_refuse_an_unknown_profile(tmp_path: Path, sub: str) -> None:
    config = write(tmp_path, ["esx-01"], 22)
    code, err = run(["--config", str(config), "--profile", "nosuch", "config", sub])
    assert code == 2 and "no profile 'nosuch'" in err
