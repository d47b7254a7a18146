"""Config profiles: loading, line-numbered checks, saving targets back, secrets lookup."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole import paths
from vconsole.config import TargetConfig, check_config, load_config, pin_thumbprint, save_target
from vconsole.errors import ConfigError, SecretUnavailable, UnknownTarget
from vconsole.secrets import NO_KEYRING_NOTE, SecretStore, env_var_name

GOOD = """\
default_profile = "prod"

[profiles.prod]
read_only = true

[[profiles.prod.targets]]
name = "vc01"
kind = "vcenter"
address = "vc01.example.com"
user = "administrator@vsphere.local"

[[profiles.prod.targets]]
name = "esx01"
kind = "esxi"
address = "192.0.2.11"
host_key_policy = "strict"
timeout = 15

[[profiles.prod.targets]]
name = "case-4711"
kind = "replay"
file = "/tmp/esx01.json"
"""

BAD = """\
default_profile = "nope"

[profiles.prod]

[[profiles.prod.targets]]
name = "esx01"
kind = "esxi"
address = "192.0.2.11"
port = 70000

[[profiles.prod.targets]]
name = "vc01"
kind = "vcentre"
address = "vc01;reboot"
host_key_policy = "yolo"
password = "hunter2"
"""


def write(tmp_path, text):
    path = tmp_path / "config.toml"
    path.write_text(text)
    return path


def test_good_file_loads_into_frozen_dataclasses(tmp_path):
    config = load_config(write(tmp_path, GOOD))
    profile = config.profile()
    assert profile.name == "prod" and profile.read_only
    esx = profile.target("esx01")
    assert esx.effective_port == 22 and esx.host_key_policy == "strict" and esx.timeout == 15.0
    assert profile.target("vc01").effective_port == 443
    assert profile.names("replay") == ["case-4711"]
    with pytest.raises(UnknownTarget) as info:
        profile.target("esx99")
    assert "esx01" in str(info.value)
    with pytest.raises(AttributeError):
        esx.port = 2222  # type: ignore[misc]


def test_check_reports_every_problem_with_its_line(tmp_path):
    problems = check_config(write(tmp_path, BAD))
    by_field = {p.field: p for p in problems}
    assert by_field["profiles.prod.targets[0].port"].line == 9
    assert "1-65535" in by_field["profiles.prod.targets[0].port"].accepted
    assert by_field["profiles.prod.targets[1].kind"].line == 13
    assert "vcenter" in by_field["profiles.prod.targets[1].kind"].accepted
    assert by_field["profiles.prod.targets[1].address"].line == 14
    assert by_field["profiles.prod.targets[1].host_key_policy"].line == 15
    assert by_field["profiles.prod.targets[1].password"].line == 16
    assert by_field["default_profile"].line == 1
    assert len(problems) == 6
    with pytest.raises(ConfigError) as info:
        load_config(tmp_path / "config.toml")
    assert "config.toml:9" in str(info.value)
    assert "hunter2" not in "".join(
        p.message + p.accepted for p in problems if p.field.endswith("kind")
    )


def test_syntax_error_has_a_line(tmp_path):
    problems = check_config(write(tmp_path, 'default_profile = "a"\n[profiles.a\n'))
    assert len(problems) == 1 and problems[0].field == "syntax" and problems[0].line == 2


def test_missing_default_file_is_an_empty_config(tmp_path, monkeypatch):
    monkeypatch.setenv("VCONSOLE_CONFIG_DIR", str(tmp_path / "cfg"))
    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    assert paths.config_file() == tmp_path / "cfg" / "config.toml"
    assert paths.known_hosts_path().parent == tmp_path / "state"
    assert load_config().profiles == ()


def test_save_target_adds_replaces_and_never_writes_a_password(tmp_path):
    path = write(tmp_path, GOOD)
    save_target(
        path, "prod", TargetConfig(name="esx02", kind="esxi", address="192.0.2.12", user="root")
    )
    save_target(
        path,
        "prod",
        TargetConfig(name="esx01b", kind="esxi", address="192.0.2.99"),
        replaces="esx01",
    )
    profile = load_config(path).profile("prod")
    assert profile.names() == ["vc01", "esx01b", "case-4711", "esx02"]
    assert profile.target("esx02").user == "root"
    thumb = "aa" * 32
    pinned = pin_thumbprint(profile, "vc01", thumb)
    assert pinned.thumbprint == ":".join(["AA"] * 32)
    assert load_config(path).profile().target("vc01").thumbprint == pinned.thumbprint
    assert check_config(path) == []
    assert "password" not in path.read_text()


def test_secrets_env_override_prompt_and_memory_only_without_keyring():
    notes = []
    asked = []
    store = SecretStore(
        "prod",
        prompt=lambda text: asked.append(text) or "typed-pw",
        environ={env_var_name("esx-01"): "from-env"},
        notify=notes.append,
    )
    assert env_var_name("esx-01") == "VCONSOLE_PASSWORD_ESX_01"
    assert store.get_password("esx-01") == "from-env"
    assert store.get_password("vc01", "administrator") == "typed-pw"
    assert store.get_password("vc01") == "typed-pw"  # asked once, then kept in memory
    assert asked == ["Password for administrator@vc01: "]
    assert store.redact("login typed-pw failed") == "login *** failed"
    if notes:  # no keyring backend on this machine: one clear note
        assert notes == [NO_KEYRING_NOTE]
    with pytest.raises(SecretUnavailable) as info:
        SecretStore("prod", use_keyring=False, environ={}).get_password("esx9")
    assert "VCONSOLE_PASSWORD_ESX9" in str(info.value)


def test_secrets_use_a_real_keyring_backend(tmp_path):
    import keyring
    from keyring.backend import KeyringBackend

    class MemoryKeyring(KeyringBackend):
        priority = 1  # type: ignore[assignment]

        def __init__(self):
            super().__init__()
            self.items = {}

        def get_password(self, service, username):
            return self.items.get((service, username))

        def set_password(self, service, username, password):
            self.items[(service, username)] = password

        def delete_password(self, service, username):
            self.items.pop((service, username), None)

    previous = keyring.get_keyring()
    backend = MemoryKeyring()
    keyring.set_keyring(backend)
    try:
        store = SecretStore("prod", environ={})
        assert store.store("esx01", "s3cret") is True
        assert backend.items == {("vconsole", "prod/esx01"): "s3cret"}
        assert SecretStore("prod", environ={}).get_password("esx01") == "s3cret"
        store.delete("esx01")
        assert backend.items == {}
    finally:
        keyring.set_keyring(previous)


def test_lab_credentials_file(tmp_path):
    status = tmp_path / "lab.json"
    status.write_text(json.dumps({"services": [{"name": "esx01", "password": "lab-pw"}]}))
    store = SecretStore("lab", use_keyring=False, environ={})
    assert store.get_password("esx01", lab_credentials=str(status)) == "lab-pw"


@settings(max_examples=25, deadline=None)
@given(
    st.lists(st.text(alphabet="abcdefXYZ0189-_", min_size=1, max_size=12), min_size=1, max_size=6)
)
def test_lab_credentials_follow_each_new_lab(passwords):
    """Each lab start writes new throwaway passwords; a login after it uses the new one, even
    when the file was read moments before and the passwords are the same length."""
    from vconsole.lab.labfiles import write_status

    with tempfile.TemporaryDirectory() as tmp:
        status = Path(tmp) / "lab.json"
        store = SecretStore("lab", use_keyring=False, environ={})
        for password in passwords:
            write_status(
                Path(tmp),
                {
                    "services": [
                        {"name": "esx01", "password": password},
                        {"name": "esx02", "password": password + "2"},
                    ]
                },
            )
            assert store.get_password("esx01", lab_credentials=str(status)) == password
            assert store.get_password("esx02", lab_credentials=str(status)) == password + "2"


def test_profile_state_dir_keeps_that_profiles_state_apart(tmp_path, monkeypatch):
    from vconsole.commands.common import resolve_profile

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "admin"))
    cfg = tmp_path / "c.toml"
    cfg.write_text(
        f'[profiles.lab]\nstate_dir = "{tmp_path / "lab"}"\n'
        '[[profiles.lab.targets]]\nkind = "esxi"\nname = "e1"\naddress = "10.0.0.1"\n'
        "[profiles.prod]\n[[profiles.prod.targets]]\n"
        'kind = "esxi"\nname = "e2"\naddress = "10.0.0.2"\n'
    )
    try:
        resolve_profile(cfg, "lab")
        assert paths.known_hosts_path() == tmp_path / "lab" / "known_hosts"
        assert paths.audit_log_path().parent == tmp_path / "lab"
        resolve_profile(cfg, "prod")
        assert paths.state_dir() == tmp_path / "admin"
    finally:
        paths.use_profile_state_dir(None)
    cfg.write_text("[profiles.lab]\nstate_dir = 7\ntargets = []\n")
    (problem,) = check_config(cfg)
    assert problem.field == "profiles.lab.state_dir" and problem.line == 2
    assert "directory" in problem.accepted
