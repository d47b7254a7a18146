"""The lab's Bitfusion client VM over real SSH: formats from the reference, churn, faults."""

from __future__ import annotations

import re
import socket
from collections.abc import Iterator

import paramiko
import pytest
from gpus_helpers import CLIENT, small_scenario
from waiting import ManualClock

from vconsole.lab.bitfusion_vm import BitfusionLab
from vconsole.lab.runtime import LabRuntime

CLAIM_FAILED = "Error: none of the servers responded correctly to client id claim requests."
LOG_LINE = re.compile(r"^\[(INFO|WARN)\] \d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ \S")


class Client:
    """One SSH connection to the client VM, trusting only the lab's host key."""

    def __init__(self, lab: BitfusionLab) -> None:
        addr, port = lab.endpoint
        self.ssh = paramiko.SSHClient()
        key = lab.host_key
        self.ssh.get_host_keys().add(f"[{addr}]:{port}", key.get_name(), key)
        self.ssh.set_missing_host_key_policy(paramiko.RejectPolicy())
        self.ssh.connect(
            addr, port, username=lab.user, password=lab.password,
            look_for_keys=False, allow_agent=False, timeout=10,
        )  # fmt: skip

    def run(self, line: str) -> tuple[str, str, int]:
        _, out, err = self.ssh.exec_command(line, timeout=30)
        stdout, stderr = out.read().decode(), err.read().decode()
        return stdout, stderr, out.channel.recv_exit_status()


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def lab(tmp_path, clock) -> Iterator[BitfusionLab]:  # type: ignore[no-untyped-def]
    with BitfusionLab(small_scenario(), tmp_path, clock=clock, wall=clock, seed=7) as running:
        yield running


@pytest.fixture
def client(lab) -> Iterator[Client]:  # type: ignore[no-untyped-def]
    c = Client(lab)
    yield c
    c.ssh.close()


def listing(stdout: str) -> dict[str, list[tuple[int, int, int]]]:
    servers: dict[str, list[tuple[int, int, int]]] = {}
    current = ""
    for line in stdout.splitlines():
        if m := re.match(r"^ - server \d+ \[([\d.]+):56001\]: running \d+ tasks$", line):
            current = m.group(1)
            servers[current] = []
        elif m := re.match(r"^   \|- GPU (\d+): free memory (\d+) MiB / (\d+) MiB$", line):
            servers[current].append((int(m.group(1)), int(m.group(2)), int(m.group(3))))
        else:
            raise AssertionError(f"unexpected list_gpus line {line!r}")
    return servers


def test_list_gpus_lists_every_server_after_the_claim_lines(client):
    stdout, stderr, code = client.run("bitfusion list_gpus")
    assert code == 0
    servers = listing(stdout)
    assert list(servers) == ["10.0.40.11", "10.0.40.12", "10.0.40.13"]
    assert [g[2] for g in servers["10.0.40.13"]] == [15109] * 8
    assert len(servers["10.0.40.11"]) == 4
    claims = stderr.splitlines()
    assert len(claims) == 3 and all(LOG_LINE.match(line) for line in claims)
    assert re.search(
        r"Query server 10\.0\.40\.12:56001 to claim host id: [0-9a-f-]{36}$", claims[1]
    )


def test_allocations_take_whole_gpus_or_floor_of_the_fraction(lab, client):
    stdout, _, _ = client.run("bitfusion list_gpus")
    used = {
        (addr, gpu): total - free
        for addr, gpus in listing(stdout).items()
        for gpu, free, total in gpus
    }
    # ml-train-01 takes 2 whole A100s, jupyter-07 half of one: floor(0.5 x 40536) = 20268
    assert sorted(v for v in used.values() if v) == [20268, 40536, 40536]


def test_smi_names_models_and_the_clients_holding_memory(client):
    stdout, _, code = client.run("bitfusion smi")
    assert code == 0
    assert "server 0 [10.0.40.11:56001] bf-srv01 version " in stdout
    assert re.search(r"\|\s+0\s+NVIDIA A100-PCIE-40GB\s+\|\s+40536MiB / 40536MiB \|", stdout)
    assert re.search(r"\|\s+\d\s+ml-train-01\s+40536MiB\s+\|", stdout)
    assert re.search(r"\|\s+\d\s+jupyter-07\s+20268MiB\s+\|", stdout)
    assert "NVIDIA T4" in stdout


def test_clients_come_and_go_with_the_churn_period(lab, client, clock):
    seen = set()
    for _ in range(12):
        stdout, _, _ = client.run("bitfusion smi")
        seen.add(tuple(sorted(set(re.findall(r"\|\s+\d+\s+(ml-train-01|jupyter-07)\s", stdout)))))
        clock.advance(60)
    assert len(seen) > 1, "the pool never changed over 12 churn periods"


def test_server_down_gives_the_reference_timeout_and_leaves_the_listing(lab, client):
    lab.set_server_down("bf-srv02", True)
    stdout, stderr, code = client.run("bitfusion list_gpus")
    assert code == 0
    assert "10.0.40.12" not in stdout
    assert (
        "Error contacting server 10.0.40.12:56001 to verify client id: Get "
        "https://10.0.40.12:56001/claim_id: dial tcp 10.0.40.12:56001: i/o timeout" in stderr
    )
    health, _, health_code = client.run("bitfusion health")
    assert health_code == 1 and "server 10.0.40.12:56001" in health and "FAILED" in health


def test_all_servers_down_ends_with_the_claim_error(lab, client):
    for name in ("bf-srv01", "bf-srv02", "bf-srv03"):
        lab.set_server_down(name, True)
    stdout, stderr, code = client.run("bitfusion list_gpus")
    assert code == 1 and stdout == ""
    assert stderr.splitlines()[-1] == CLAIM_FAILED


@pytest.mark.parametrize(
    ("token", "why"),
    [("missing", "no such file or directory"), ("read-only", "read-only file system")],
)
def test_token_faults_print_the_servers_conf_error(lab, client, token, why):
    lab.set_token(token)
    stdout, stderr, code = client.run("bitfusion smi")
    assert code == 1 and stdout == ""
    warn, error = stderr.splitlines()
    assert LOG_LINE.match(warn)
    assert warn.endswith(
        f"Failed to parse /root/.bitfusion/servers.conf: open /root/.bitfusion/servers.conf: {why}"
    )
    assert error == CLAIM_FAILED


def test_not_installed_is_command_not_found(lab, client):
    lab.set_installed(False)
    stdout, stderr, code = client.run("bitfusion list_gpus")
    assert (stdout, stderr, code) == ("", "bash: bitfusion: command not found\n", 127)


def test_version_help_and_refused_writes(client):
    assert re.fullmatch(
        r"bitfusion version \d+\.\d+\.\d+-\w+\n", client.run("bitfusion version")[0]
    )
    assert "list_gpus" in client.run("bitfusion help")[0]
    _, stderr, code = client.run("bitfusion run -n 1 -p 0.5 python train.py")
    assert code == 1 and "read-only" in stderr


def test_removed_server_is_not_mentioned_at_all(lab, client):
    lab.remove_server("bf-srv03")
    stdout, stderr, _ = client.run("bitfusion list_gpus")
    assert "10.0.40.13" not in stdout + stderr


def test_vm_down_refuses_connections_and_comes_back(lab):
    lab.set_down(True)
    with pytest.raises(OSError):
        socket.create_connection(lab.endpoint, timeout=5).close()
    lab.set_down(False)
    c = Client(lab)
    try:
        assert c.run("hostname")[0] == f"{CLIENT}\n"
    finally:
        c.ssh.close()


def test_wrong_password_is_refused(lab):
    addr, port = lab.endpoint
    ssh = paramiko.SSHClient()
    ssh.set_missing_host_key_policy(paramiko.AutoAddPolicy())  # the key is not what is tested
    with pytest.raises(paramiko.AuthenticationException):
        ssh.connect(addr, port, username=lab.user, password="wrong", look_for_keys=False,
                    allow_agent=False, timeout=10)  # fmt: skip
    ssh.close()


def test_lab_runtime_starts_the_client_vm(tmp_path):
    runtime = LabRuntime(small_scenario(), tmp_path, with_vcsim=False, with_vcd=False)
    services = runtime.start()
    try:
        bf = [s for s in services if s.kind == "bitfusion"]
        assert [s.name for s in bf] == [CLIENT]
        assert bf[0].host_key.startswith("SHA256:") and bf[0].port > 0
        Client(runtime.parts["bitfusion"]).ssh.close()
    finally:
        runtime.stop()
