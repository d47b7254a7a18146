"""Saving a target (add, edit, pinning a thumbprint) keeps the admin's file as written."""

from __future__ import annotations

from pathlib import Path

import tomlkit
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.config import TargetConfig, load_config, save_target

THUMB = ":".join(["AB"] * 32)

ADMIN_FILE = """\
# estate of the Auckland team: ask ops before changing
default_profile = "prod"   # the one we use at night

[profiles.prod]
read_only = true           # production, never writes

# primary vCenter
[[profiles.prod.targets]]
kind = "vcenter"
name = "vc01"
address = "vc01.example.com"   # behind the F5
user = "administrator@vsphere.local"

[[profiles.prod.targets]]
kind = "esxi"
name = "esx01"
address = "esx01.example.com"
"""


def test_pinning_keeps_comments_order_and_other_targets(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(ADMIN_FILE)
    save_target(
        path,
        "prod",
        TargetConfig(
            name="vc01",
            kind="vcenter",
            address="vc01.example.com",
            user="administrator@vsphere.local",
            thumbprint=THUMB,
        ),
    )
    text = path.read_text()
    for comment in (
        "# estate of the Auckland team",
        "# the one we use at night",
        "# production, never writes",
        "# primary vCenter",
        "# behind the F5",
    ):
        assert comment in text
    assert text.index('name = "vc01"') < text.index('name = "esx01"')
    prod = load_config(path).profile("prod")
    assert prod.read_only
    assert prod.target("vc01").thumbprint == THUMB
    assert prod.target("esx01").address == "esx01.example.com"


def test_an_edit_that_clears_a_field_removes_it_and_a_rename_replaces(tmp_path: Path) -> None:
    path = tmp_path / "config.toml"
    path.write_text(ADMIN_FILE)
    save_target(path, "prod", TargetConfig(name="esx01b", kind="esxi", address="10.0.0.5"),
                replaces="esx01")  # fmt: skip
    targets = tomlkit.loads(path.read_text()).unwrap()["profiles"]["prod"]["targets"]
    assert [t["name"] for t in targets] == ["vc01", "esx01b"]
    assert targets[1] == {"kind": "esxi", "name": "esx01b", "address": "10.0.0.5"}


names = st.from_regex(r"[a-z][a-z0-9]{0,6}", fullmatch=True)


@settings(max_examples=25, deadline=None)
@given(st.lists(st.tuples(names, names), min_size=1, max_size=5, unique_by=lambda t: t[0]))
def test_saved_targets_read_back_exactly(tmp_path_factory, pairs: list[tuple[str, str]]) -> None:
    path = tmp_path_factory.mktemp("cfg") / "config.toml"
    path.write_text(ADMIN_FILE)
    for name, host in pairs:
        save_target(path, "lab", TargetConfig(name=name, kind="esxi", address=f"{host}.example"))
    config = load_config(path)
    lab = config.profile("lab")
    assert [t.name for t in lab.targets] == [n for n, _ in pairs]
    assert [t.address for t in lab.targets] == [f"{h}.example" for _, h in pairs]
    assert config.profile("prod").target("vc01").address == "vc01.example.com"
