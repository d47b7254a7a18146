"""`[profiles.X.hosts]`: the host-access policy, its checks with lines, and what it selects."""

from __future__ import annotations

import fnmatch
import subprocess
import sys
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.config import check_config, load_config
from vconsole.hosts_config import DiscoveredHost, HostsPolicy
from vconsole.sessions.discovery import expand

GOOD = """\
default_profile = "prod"

[profiles.prod]
read_only = true

[profiles.prod.hosts]
via = "auto"
user = "root"
include = ["esx-*"]
exclude = ["esx-lab-*"]

[[profiles.prod.targets]]
kind = "vcenter"
name = "vc01"
address = "vc01.example.com"
user = "administrator@vsphere.local"

[[profiles.prod.targets]]
kind = "esxi"
name = "esx-akl-01"
address = "10.0.0.11"
user = "root"
"""


def write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(text, encoding="utf-8")
    return path


def test_a_vcenter_only_profile_loads_with_its_policy(tmp_path: Path) -> None:
    profile = load_config(write(tmp_path, GOOD)).profile()
    assert profile.hosts == HostsPolicy("auto", "root", ("esx-*",), ("esx-lab-*",))
    assert profile.target("esx-akl-01").via == "ssh"


def test_each_mistake_names_file_line_field_and_what_is_accepted(tmp_path: Path) -> None:
    bad = GOOD.replace('via = "auto"', 'via = "telnet"').replace(
        'include = ["esx-*"]', 'include = ["esx-*", "x;reboot"]\ncolour = "red"'
    )
    bad += 'via = "api"\n'  # on the hand-listed esxi target: fine
    bad += '\n[[profiles.prod.targets]]\nkind = "vcd"\nname = "v"\naddress = "v.example"\nvia = "api"\n'
    path = write(tmp_path, bad)
    problems = [str(p) for p in check_config(path)]
    lines = bad.splitlines()

    def line_of(text: str, start: int = 0) -> int:
        return next(i for i, ln in enumerate(lines, 1) if i > start and ln.startswith(text))

    assert (
        f'{path}:{line_of("via = ")}: profiles.prod.hosts.via: invalid value \'telnet\' (accepted: "api" or "ssh" or "auto")'
        in problems
    )
    assert any(
        p.startswith(
            f"{path}:{line_of('include')}: profiles.prod.hosts.include: invalid pattern 'x;reboot'"
        )
        for p in problems
    )
    assert any(
        p.startswith(f"{path}:{line_of('colour')}: profiles.prod.hosts.colour: unknown key")
        for p in problems
    )
    vcd_via = line_of('via = "api"', line_of('kind = "vcd"'))
    assert any(
        p.startswith(f"{path}:{vcd_via}: profiles.prod.targets[2].via: invalid value 'api'")
        for p in problems
    )
    assert len(problems) == 4


def test_config_check_exits_1_and_prints_every_problem(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD.replace('user = "root"\ninclude', 'user = ""\ninclude'))
    run = subprocess.run(
        [sys.executable, "-m", "vconsole", "config", "check", "--config", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert run.returncode == 1
    assert "profiles.prod.hosts.user: invalid value ''" in run.stdout + run.stderr
    assert "Traceback" not in run.stderr


def _host(name: str, vc: str = "vc01") -> DiscoveredHost:
    return DiscoveredHost(
        name=name, vcenter=vc, moid=f"host-{abs(hash(name)) % 1000}", address=f"{name}.example"
    )


def test_discovered_hosts_become_targets_and_hand_listed_ones_win(tmp_path: Path) -> None:
    profile = load_config(write(tmp_path, GOOD)).profile()
    found = [_host("esx-akl-01"), _host("esx-akl-02"), _host("esx-lab-01"), _host("other-01")]
    expanded = expand(profile, found)
    esxi = {t.name: t for t in expanded.targets if t.kind == "esxi"}
    assert set(esxi) == {"esx-akl-01", "esx-akl-02"}
    assert esxi["esx-akl-01"].address == "10.0.0.11" and esxi["esx-akl-01"].via == "ssh"
    assert esxi["esx-akl-02"].via == "api" and esxi["esx-akl-02"].vcenter == "vc01"
    assert expanded.discovered_host("esx-lab-01") is not None  # known, just not wanted


names = st.from_regex(r"[a-z]{1,4}-[a-z0-9]{1,4}", fullmatch=True)
patterns = st.from_regex(r"[a-z*?]{1,5}(-[a-z0-9*]{0,3})?", fullmatch=True)


@settings(max_examples=80, deadline=None)
@given(
    st.lists(names, max_size=8, unique=True),
    st.lists(patterns, max_size=2),
    st.lists(patterns, max_size=2),
)
def test_include_then_exclude_select_exactly_the_matching_hosts(
    hosts: list[str], include: list[str], exclude: list[str]
) -> None:
    policy = HostsPolicy(include=tuple(include), exclude=tuple(exclude))
    chosen = [h for h in hosts if policy.wanted(h)]
    for h in hosts:
        inc = not include or any(fnmatch.fnmatchcase(h, p) for p in include)
        exc = any(fnmatch.fnmatchcase(h, p) for p in exclude)
        assert (h in chosen) == (inc and not exc)


def test_update_stream_changes_move_only_known_hosts_of_that_vcenter() -> None:
    from vconsole.config import Profile
    from vconsole.sessions.host_watch import GONE, apply_changes
    from vconsole.vim.parser import ObjectChange
    from vconsole.vim.soap import MoRef

    a = DiscoveredHost("esx-a", "vc01", "host-1")
    b = DiscoveredHost("esx-b", "vc02", "host-1")
    profile = Profile("p", discovered=(a, b))
    down = ObjectChange(
        MoRef("HostSystem", "host-1"), "modify", {"runtime.connectionState": "notResponding"}
    )
    moved = apply_changes(
        profile, "vc01", [down, ObjectChange(MoRef("HostSystem", "host-9"), "enter", {})]
    )
    assert moved.discovered_host("esx-a").connection_state == "notResponding"  # type: ignore[union-attr]
    assert moved.discovered_host("esx-b") == b
    assert not moved.discovered_host("esx-a").reachable  # type: ignore[union-attr]
    gone = apply_changes(moved, "vc01", [ObjectChange(MoRef("HostSystem", "host-1"), "leave", {})])
    assert gone.discovered_host("esx-a").connection_state == GONE  # type: ignore[union-attr]
    assert apply_changes(profile, "vc01", []) is profile


def test_without_hosts_table_only_listed_api_hosts_are_looked_up() -> None:
    from vconsole.config import Profile, TargetConfig
    from vconsole.sessions.discovery import needs_discovery

    listed = TargetConfig("esx-a", "esxi", "10.0.0.1", via="api")
    profile = Profile("p", (TargetConfig("vc01", "vcenter", "vc.example"), listed))
    assert needs_discovery(profile)
    assert not needs_discovery(Profile("q", (TargetConfig("esx-b", "esxi", "10.0.0.2"),)))
    expanded = expand(profile, [_host("esx-a"), _host("esx-z")])
    assert [t.name for t in expanded.targets] == ["vc01", "esx-a"]
    assert expanded.target("esx-a").vcenter == "vc01"


def test_hosts_without_a_vcenter_target_is_a_problem_with_its_line(tmp_path: Path) -> None:
    text = '[profiles.p.hosts]\nvia = "api"\n\n[[profiles.p.targets]]\nkind = "esxi"\nname = "e"\naddress = "10.0.0.1"\n'
    path = write(tmp_path, text)
    assert [str(p) for p in check_config(path)] == [
        f"{path}:1: profiles.p.hosts: hosts come from vCenter, but the profile has no vcenter "
        'target (accepted: a [[profiles.NAME.targets]] with kind = "vcenter")'
    ]


def test_a_host_entering_vcenter_later_becomes_a_target_if_wanted() -> None:
    from vconsole.config import Profile, TargetConfig
    from vconsole.sessions.host_watch import apply_changes
    from vconsole.vim.parser import ObjectChange
    from vconsole.vim.soap import MoRef

    vc = TargetConfig("vc01", "vcenter", "vc.example", user="admin@vsphere.local")
    profile = Profile("p", (vc,), hosts=HostsPolicy(exclude=("lab-*",)))

    def enter(moid: str, name: str) -> ObjectChange:
        return ObjectChange(MoRef("HostSystem", moid), "enter", {"name": name})

    grown = apply_changes(profile, "vc01", [enter("host-7", "esx-new"), enter("host-8", "lab-1")])
    assert [(t.name, t.via, t.vcenter, t.user) for t in grown.targets[1:]] == [
        ("esx-new", "api", "vc01", "admin@vsphere.local")
    ]
    assert grown.discovered_host("lab-1") is not None  # known, not wanted
