"""The ESXi lab as a whole: many hosts, faults at run time, slow hosts, the shell, real network."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from pathlib import Path

import paramiko
import pytest
from esxi_lab_helpers import LabShell

from vconsole.lab.esxi import EsxiLab
from vconsole.lab.scenario import Scenario, default_scenario, generate_scenario


def _with_host_changes(scenario: Scenario, name: str, **changes: object) -> Scenario:
    hosts = tuple(replace(h, **changes) if h.name == name else h for h in scenario.hosts)
    return replace(scenario, hosts=hosts)


def test_two_hundred_hosts_each_answer_as_themselves(tmp_path: Path) -> None:
    scenario = generate_scenario(hosts=200, vms=1000)
    with EsxiLab(scenario, tmp_path) as lab:
        assert len(lab.endpoints) == 200
        assert len({port for _, port in lab.endpoints.values()}) == 200
        shell = LabShell(lab)
        picks = ["esx0001", "esx0077", "esx0200"]
        try:
            with ThreadPoolExecutor(3) as pool:
                answers = list(pool.map(lambda h: shell.run(h, "hostname"), picks))
        finally:
            shell.close()
    assert [a.stdout for a in answers] == [f"{h}\n" for h in picks]


def test_scenario_down_host_refuses_and_comes_up(tmp_path: Path) -> None:
    scenario = _with_host_changes(default_scenario(), "esx-wlg-01", down=True)
    with EsxiLab(scenario, tmp_path) as lab:
        assert lab.is_down("esx-wlg-01")
        with pytest.raises(ConnectionRefusedError):
            socket.create_connection(lab.endpoints["esx-wlg-01"], timeout=2)
        lab.set_down("esx-wlg-01", False)
        shell = LabShell(lab)
        try:
            assert shell.run("esx-wlg-01", "hostname").stdout == "esx-wlg-01\n"
        finally:
            shell.close()


def test_set_down_drops_open_sessions(tmp_path: Path) -> None:
    with EsxiLab(default_scenario(), tmp_path) as lab:
        shell = LabShell(lab)
        try:
            assert shell.run("esx-hq-01", "hostname").exit == 0
            lab.set_down("esx-hq-01", True)
            with pytest.raises((paramiko.SSHException, EOFError, OSError)):
                shell.run("esx-hq-01", "hostname")
        finally:
            shell.close()


def test_slow_host_delays_every_answer(tmp_path: Path) -> None:
    scenario = _with_host_changes(default_scenario(), "esx-hq-02", slow_ms=400)
    with EsxiLab(scenario, tmp_path) as lab:
        shell = LabShell(lab)
        try:
            shell.run("esx-hq-01", "hostname")
            shell.run("esx-hq-02", "hostname")
            start = time.monotonic()
            shell.run("esx-hq-01", "esxcli network nic list")
            fast = time.monotonic() - start
            start = time.monotonic()
            shell.run("esx-hq-02", "esxcli network nic list")
            slow = time.monotonic() - start
        finally:
            shell.close()
    assert slow >= 0.4  # the delay is a floor, whatever the machine's load
    assert fast < slow


def test_wrong_password_is_refused(tmp_path: Path) -> None:
    with EsxiLab(default_scenario(), tmp_path) as lab:
        addr, port = lab.endpoints["esx-hq-01"]
        client = paramiko.SSHClient()
        client.get_host_keys().add(f"[{addr}]:{port}", lab.host_key.get_name(), lab.host_key)
        with pytest.raises(paramiko.AuthenticationException):
            client.connect(
                addr, port, username=lab.user, password="not-it", look_for_keys=False,
                allow_agent=False,
            )  # fmt: skip
        client.close()


def test_interactive_shell_answers_a_line(tmp_path: Path) -> None:
    with EsxiLab(default_scenario(), tmp_path) as lab:
        shell = LabShell(lab)
        try:
            chan = shell.client("esx-akl-01").invoke_shell()
            chan.settimeout(5)
            chan.send(b"esxcli network ip netstack list\r")
            seen = b""
            while b"State: 4660" not in seen or not seen.rstrip().endswith(b"~]"):
                seen += chan.recv(4096)
            chan.send(b"exit\r")
        finally:
            shell.close()
    text = seen.decode()
    assert text.startswith("[root@esx-akl-01:~] ")
    assert "defaultTcpipStack\r\n   Key: defaultTcpipStack\r\n" in text


def test_time_scale_shortens_waits(tmp_path: Path) -> None:
    with EsxiLab(default_scenario(), tmp_path, time_scale=0.05) as lab:
        shell = LabShell(lab)
        try:
            start = time.monotonic()
            ans = shell.run("esx-akl-01", "vmkping -I vmk0 -c 3 -W 5 10.9.9.9")
            took = time.monotonic() - start
        finally:
            shell.close()
    # 2 intervals + a 5 s wait = 7 lab seconds = 0.35 s real; unscaled it would take 7 s
    assert ans.exit == 1 and took < 7 / 2


netns_reason = ""
if os.geteuid() != 0:
    netns_reason = "network namespaces need root"


@pytest.mark.netns
@pytest.mark.skipif(bool(netns_reason), reason=netns_reason or "n/a")
def test_vmkping_through_real_network(tmp_path: Path) -> None:
    from vconsole.lab.netns import RealNetwork

    ok, why = RealNetwork.available()
    if not ok:
        pytest.skip(why)
    scenario = default_scenario()
    with RealNetwork(scenario, f"ex{os.getpid() % 100000}") as net:
        with EsxiLab(scenario, tmp_path, real_network=net) as lab:
            shell = LabShell(lab)
            try:
                jumbo = shell.run("esx-akl-01", "vmkping -I vmk1 -c 1 -d -s 8972 192.168.101.12")
                wan = shell.run("esx-akl-01", "vmkping -I vmk0 -c 1 -W 1 -d -s 1373 10.0.10.5")
                unknown = shell.run("esx-akl-01", "vmkping -I vmk9 -c 1 10.0.10.5")
            finally:
                shell.close()
    assert jumbo.exit == 0 and "8980 bytes from 192.168.101.12" in jumbo.stdout
    assert wan.exit != 0 and "100% packet loss" in wan.stdout
    assert "Unknown interface 'vmk9'" in unknown.stderr


@pytest.mark.skipif(shutil.which("ssh") is None, reason="OpenSSH client (ssh) is not installed")
def test_openssh_client_runs_a_command(tmp_path: Path) -> None:
    with EsxiLab(default_scenario(), tmp_path / "state") as lab:
        addr, port = lab.endpoints["esx-akl-01"]
        askpass = tmp_path / "askpass.sh"
        askpass.write_text(f"#!/bin/sh\necho '{lab.password}'\n")
        askpass.chmod(0o700)
        known = tmp_path / "known_hosts"
        key = lab.host_key
        known.write_text(f"[{addr}]:{port} {key.get_name()} {key.get_base64()}\n")
        env = dict(os.environ, SSH_ASKPASS=str(askpass), SSH_ASKPASS_REQUIRE="force", DISPLAY=":0")
        ssh = [
            "ssh", "-p", str(port), "-o", f"UserKnownHostsFile={known}",
            "-o", "StrictHostKeyChecking=yes", "-o", "PubkeyAuthentication=no",
            "-o", "ConnectTimeout=10", f"{lab.user}@{addr}",
        ]  # fmt: skip
        ok = subprocess.run(
            [*ssh, "esxcli network ip netstack list"], env=env, capture_output=True, text=True,
            timeout=30, stdin=subprocess.DEVNULL,
        )  # fmt: skip
        missing = subprocess.run(
            [*ssh, "nosuch"], env=env, capture_output=True, text=True, timeout=30,
            stdin=subprocess.DEVNULL,
        )  # fmt: skip
    assert ok.returncode == 0 and ok.stdout.startswith("defaultTcpipStack\n   Key: ")
    assert missing.returncode == 127 and missing.stderr.endswith("sh: nosuch: not found\n")
