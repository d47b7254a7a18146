"""`branding get` with a Cloud Director API token from the CLI, `config set-token`, and the
config checks for `auth`, against the lab's real HTTPS Cloud Director."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.lab_fixtures import write_config
from tests.vcd_helpers import start_lab, target_fields
from vconsole.cli import main
from vconsole.lab.vcd import SYSTEM_ADMIN, VcdLab

ACME_ADMIN = "orgadmin@acme"


@pytest.fixture
def lab(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[VcdLab]:
    server = start_lab(tmp_path / "lab")
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp_path / "cfg"))
    for name in ("VCONSOLE_TOKEN_VCD01", "VCONSOLE_PASSWORD_VCD01"):
        monkeypatch.delenv(name, raising=False)
    yield server
    server.stop()


@pytest.fixture
def memory_keyring() -> Iterator[dict]:
    """An in-memory keyring backend (this machine has no OS keyring service)."""
    import keyring
    from keyring.backend import KeyringBackend

    items: dict = {}

    class MemoryKeyring(KeyringBackend):
        # below the fail backend's 0, so keyring never picks this class by itself later on
        priority = -1  # type: ignore[assignment]

        def get_password(self, service, username):  # type: ignore[no-untyped-def]
            return items.get((service, username))

        def set_password(self, service, username, password):  # type: ignore[no-untyped-def]
            items[(service, username)] = password

        def delete_password(self, service, username):  # type: ignore[no-untyped-def]
            items.pop((service, username), None)

    previous = keyring.get_keyring()
    keyring.set_keyring(MemoryKeyring())
    yield items
    keyring.set_keyring(previous)


def token_config(tmp: Path, lab: VcdLab, principal: str = SYSTEM_ADMIN, **extra: object) -> Path:
    """Config with target vcd01 logging in by API token: no user, `auth = "token"`."""
    target = {k: v for k, v in target_fields(lab, principal).items() if k != "user"}
    return write_config(tmp, {"t": [{**target, "auth": "token", **extra}]}, default="t")


def test_branding_get_json_with_a_token_from_the_environment(
    tmp_path: Path, lab: VcdLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = lab.api_tokens[SYSTEM_ADMIN]
    monkeypatch.setenv("VCONSOLE_TOKEN_VCD01", token)
    config = token_config(tmp_path, lab)
    assert main(["--config", str(config), "branding", "get", "--tenant", "acme", "--json"]) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["portalName"] == "ACME Cloud"
    assert token not in out + err
    assert "POST /oauth/provider/token" in lab.requests
    assert main(["--config", str(config), "config", "show", "--json"]) == 0
    shown = capsys.readouterr().out
    assert json.loads(shown)["profiles"][0]["targets"][0]["auth"] == "token"
    assert token not in shown and token not in config.read_text()
    assert main(["--config", str(config), "config", "show"]) == 0
    listing = capsys.readouterr().out
    assert "vcd01" in listing and "api-token" in listing and token not in listing


def test_set_token_stores_it_in_the_keyring_and_branding_get_uses_it(
    tmp_path: Path,
    lab: VcdLab,
    memory_keyring: dict,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    token = lab.api_tokens[ACME_ADMIN]
    config = token_config(tmp_path, lab, ACME_ADMIN)
    before = config.read_text()
    monkeypatch.setattr("sys.stdin", io.StringIO(token + "\n"))
    assert main(["--config", str(config), "config", "set-token", "vcd01"]) == 0
    out, err = capsys.readouterr()
    assert "vconsole / t/vcd01/api-token" in out and token not in out + err
    assert memory_keyring == {("vconsole", "t/vcd01/api-token"): token}
    assert config.read_text() == before  # nothing of it went into the config file
    assert main(["--config", str(config), "branding", "get", "--tenant", "acme"]) == 0
    out, err = capsys.readouterr()
    assert "ACME Cloud" in out and token not in out + err
    assert "POST /oauth/tenant/acme/token" in lab.requests
    audit = Path(tmp_path / "state").rglob("*.jsonl")
    assert all(token not in p.read_text() for p in audit)


def test_set_token_refuses_other_kinds_and_empty_input(
    tmp_path: Path,
    lab: VcdLab,
    memory_keyring: dict,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    config = token_config(tmp_path, lab)
    data = config.read_text() + (
        '\n[[profiles.t.targets]]\nname = "esx01"\nkind = "esxi"\naddress = "127.0.0.1"\n'
    )
    config.write_text(data)
    monkeypatch.setattr("sys.stdin", io.StringIO("abc\n"))
    assert main(["--config", str(config), "config", "set-token", "esx01"]) == 1
    assert "'esx01' is a esxi target; this needs a vcd target" in capsys.readouterr().err
    monkeypatch.setattr("sys.stdin", io.StringIO("\n"))
    assert main(["--config", str(config), "config", "set-token", "vcd01"]) == 1
    assert "nothing stored" in capsys.readouterr().err
    assert memory_keyring == {}


def test_revoked_token_is_one_clear_line_and_exit_1(
    tmp_path: Path, lab: VcdLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    token = lab.api_tokens[SYSTEM_ADMIN]
    lab.revoke_api_token(SYSTEM_ADMIN)
    monkeypatch.setenv("VCONSOLE_TOKEN_VCD01", token)
    config = token_config(tmp_path, lab)
    assert main(["--config", str(config), "branding", "get"]) == 1
    out, err = capsys.readouterr()
    lines = err.strip().splitlines()
    assert out == "" and len(lines) == 1 and "Traceback" not in err
    assert lines[0].startswith("vconsole branding: API token refused: vcd01: ")
    assert "User preferences > API tokens" in lines[0] and token not in err


def test_token_for_the_wrong_org_names_the_org(
    tmp_path: Path, lab: VcdLab, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setenv("VCONSOLE_TOKEN_VCD01", lab.api_tokens[ACME_ADMIN])
    config = token_config(tmp_path, lab, "orgadmin@globex")
    assert main(["--config", str(config), "branding", "get", "--tenant", "globex"]) == 1
    err = capsys.readouterr().err
    assert "organization 'globex'" in err and "another organization" in err
    assert "Traceback" not in err and len(err.strip().splitlines()) == 1


def test_no_token_anywhere_says_how_to_store_one(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    config = token_config(tmp_path, lab)
    assert main(["--config", str(config), "branding", "get"]) == 1
    err = capsys.readouterr().err
    assert "vcd01: no API token available" in err
    assert "vconsole config set-token vcd01" in err and "VCONSOLE_TOKEN_VCD01" in err


def test_config_check_names_line_and_field_for_auth(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    config = token_config(tmp_path, lab, auth="tokn")
    data = config.read_text() + (
        '\n[[profiles.t.targets]]\nname = "esx01"\nkind = "esxi"\n'
        'address = "127.0.0.1"\nauth = "token"\n'
    )
    config.write_text(data)
    numbered = {n: line for n, line in enumerate(data.splitlines(), start=1)}
    assert main(["config", "check", "--config", str(config)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert len(out) == 2
    first, second = out
    where, field = first.split(": ")[0], first.split(": ")[1]
    assert field == "profiles.t.targets[0].auth" and "(accepted: password or token)" in first
    assert numbered[int(where.rsplit(":", 1)[1])].startswith("auth = ")
    assert "profiles.t.targets[1].auth: a esxi target cannot use an API token" in second


def test_lab_vcenter_profile_reads_branding_with_the_labs_api_token(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str]
) -> None:
    """The files `lab start` writes, for a lab whose Cloud Director is this one."""
    from vconsole.lab.labfiles import write_lab_files
    from vconsole.lab.runtime import vcd_service

    state = tmp_path / "labstate"
    state.mkdir()
    write_lab_files(
        state, [vcd_service(lab)], scenario_name="default", pid=os.getpid(), real_network=False
    )
    config = state / "lab.toml"
    token, password = lab.api_tokens[SYSTEM_ADMIN], lab.users[SYSTEM_ADMIN]
    assert main(["config", "check", "--config", str(config)]) == 0
    assert capsys.readouterr().out.strip().endswith(": OK")
    argv = ["--config", str(config), "--profile", "lab-vcenter", "branding", "get", "--json"]
    assert main(argv) == 0
    out, err = capsys.readouterr()
    assert json.loads(out)["portalName"] == "VMware Cloud Director"
    assert "POST /oauth/provider/token" in lab.requests
    assert not any(r.startswith("POST /cloudapi/1.0.0/sessions") for r in lab.requests)
    text = config.read_text()
    assert 'auth = "token"' in text and token not in text and password not in text
    assert token not in out + err


@pytest.mark.parametrize("org", ["..", ".", "acme/../System", "a b"])
def test_config_check_refuses_an_org_that_is_not_one_path_segment(
    tmp_path: Path, lab: VcdLab, capsys: pytest.CaptureFixture[str], org: str
) -> None:
    config = token_config(tmp_path, lab, "orgadmin@x")
    config.write_text(config.read_text().replace('org = "x"', f'org = "{org}"'))
    assert main(["config", "check", "--config", str(config)]) == 1
    out = capsys.readouterr().out
    assert "profiles.t.targets[0].org: invalid value" in out
    assert "(accepted: an organization name (System for the provider))" in out
