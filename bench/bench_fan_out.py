"""Fan-out over many SSH targets versus the sequential loop, and connection reuse.

Setup: a lightweight SSH server (paramiko, in its own process, one port, a thread per
connection) that answers every exec request with `ok` after 100 ms. N targets (default 200)
are configured as separate hosts that all point at it; each target gets its own TCP connection
and SSH Transport, exactly as N real ESXi hosts would. (`--sshd` uses Debian's OpenSSH sshd
with `ForceCommand sleep 0.1; echo ok` instead; on this machine sshd spends ~300 ms of CPU
setting up each session, so it measures sshd more than the fan-out.)

Run: .venv/bin/python bench/bench_fan_out.py [--targets 200] [--limit 64] [--rounds 3] [--sshd]
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import resource
import socket
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from sessions_helpers import (  # noqa: E402
    accept_all,
    free_port,
    keygen,
    make_manager,
    running_sshd,
    ssh_target,
    wait_for_port,
)

from vconsole.sessions import Command  # noqa: E402

SSHD_EXTRA = "MaxStartups 1000:30:1000\nMaxSessions 20\nForceCommand sleep 0.1; echo ok\n"
COMMAND = Command.of("echo", "ok")


def serve(port: int, host_key_path: str, delay: float) -> None:
    """The lightweight server: accepts any client key, answers each exec with `ok` after `delay`."""
    import logging

    import paramiko

    logging.getLogger("paramiko").setLevel(logging.CRITICAL)  # the readiness probe hangs up early
    host_key = paramiko.Ed25519Key.from_private_key_file(host_key_path)

    class Server(paramiko.ServerInterface):
        def get_allowed_auths(self, username: str) -> str:
            return "publickey"

        def check_auth_publickey(self, username: str, key: paramiko.PKey) -> int:
            return paramiko.AUTH_SUCCESSFUL

        def check_channel_request(self, kind: str, chanid: int) -> int:
            return (
                paramiko.OPEN_SUCCEEDED
                if kind == "session"
                else paramiko.OPEN_FAILED_ADMINISTRATIVELY_PROHIBITED
            )

        def check_channel_exec_request(self, channel: paramiko.Channel, command: bytes) -> bool:
            def answer() -> None:
                threading.Event().wait(delay)
                channel.sendall(b"ok\n")
                channel.send_exit_status(0)
                channel.close()

            threading.Thread(target=answer, daemon=True).start()
            return True

    listener = socket.socket()
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", port))
    listener.listen(1024)
    while True:
        conn, _ = listener.accept()
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport = paramiko.Transport(conn)
        transport.add_server_key(host_key)
        transport.start_server(event=threading.Event(), server=Server())  # returns at once


class _Target:
    def __init__(self, port: int, client_key: Path) -> None:
        self.host, self.port, self.client_key = "127.0.0.1", port, client_key


@contextlib.contextmanager
def light_server(directory: Path, delay: float = 0.1):  # type: ignore[no-untyped-def]
    directory.mkdir(parents=True)
    host_key = keygen(directory / "host_ed25519")
    client_key = keygen(directory / "client_ed25519")
    port = free_port()
    process = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port), str(host_key), str(delay)]
    )
    try:
        wait_for_port(port, banner=b"SSH-2.0")
        yield _Target(port, client_key)
    finally:
        process.terminate()
        process.wait()


def established(port: int) -> int:
    """TCP connections the sshd holds right now (server side of loopback)."""
    out = subprocess.run(
        ["ss", "-Htn", "state", "established", f"( sport = :{port} )"],
        capture_output=True,
        text=True,
    )
    return len([line for line in out.stdout.splitlines() if line.strip()])


async def run_bench(targets: int, limit: int, rounds: int, use_sshd: bool) -> None:
    with contextlib.ExitStack() as stack:
        tmp = stack.enter_context(tempfile.TemporaryDirectory())
        server: object
        if use_sshd:
            server = stack.enter_context(running_sshd(Path(tmp) / "sshd", extra_config=SSHD_EXTRA))
        else:
            server = stack.enter_context(light_server(Path(tmp) / "light"))
        names = [f"esx{i:03d}" for i in range(targets)]

        def manager(state: str):  # type: ignore[no-untyped-def]
            directory = Path(tmp) / state
            directory.mkdir()
            configs = [ssh_target(server, name=n, timeout=30.0) for n in names]
            return make_manager(directory, configs, confirm=accept_all, max_workers=max(64, limit))

        async def op_for(mgr):  # type: ignore[no-untyped-def]
            async def op(name: str) -> str:
                return (await mgr.run(name, COMMAND)).stdout

            return op

        # 1. Sequential loop, cold (connect + run, host after host).
        seq = manager("seq")
        op = await op_for(seq)
        started = time.perf_counter()
        for name in names:
            await op(name)
        seq_cold = time.perf_counter() - started
        # 2. Sequential loop, warm (connections already open).
        started = time.perf_counter()
        for name in names:
            await op(name)
        seq_warm = time.perf_counter() - started
        await seq.close()

        # 3. fan_out, cold, then repeated warm rounds on the same manager.
        fan = manager("fan")
        op = await op_for(fan)
        started = time.perf_counter()
        results = await fan.fan_out(op, names, limit=limit)
        fan_cold = time.perf_counter() - started
        failures = [r for r in results if not r.ok]
        warm_times, warm_cpu, warm_switches = [], [], []
        for _ in range(rounds):
            started, cpu = time.perf_counter(), time.process_time()
            switches = resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw
            results = await fan.fan_out(op, names, limit=limit)
            warm_times.append(time.perf_counter() - started)
            warm_cpu.append(time.process_time() - cpu)
            warm_switches.append(resource.getrusage(resource.RUSAGE_SELF).ru_nvcsw - switches)
            failures += [r for r in results if not r.ok]
        server_side = established(server.port)
        client_side = fan.ssh_connects
        await fan.close()

    kind = "OpenSSH sshd" if use_sshd else "lightweight paramiko server"
    print(f"fan-out benchmark: {targets} SSH targets ({kind}), 100 ms per command, limit={limit}")
    print(f"{'':34}{'sequential':>12}{'fan_out':>12}{'speed-up':>10}")
    print(
        f"{'cold (connect + run)':34}{seq_cold:>11.2f}s{fan_cold:>11.2f}s{seq_cold / fan_cold:>9.1f}x"
    )
    best = min(warm_times)
    print(
        f"{'warm (connections reused)':34}{seq_warm:>11.2f}s{best:>11.2f}s{seq_warm / best:>9.1f}x"
    )
    print(
        f"ideal warm fan_out: ceil({targets}/{limit}) x 0.1 s = {-(-targets // limit) * 0.1:.2f}s"
    )
    print(f"warm rounds: {', '.join(f'{t:.2f}s' for t in warm_times)}")
    # the server is another process: this CPU and these thread sleeps are the console's own
    print(
        f"warm fan_out, console process per round: best {min(warm_cpu):.2f} CPU-s, "
        f"{min(warm_switches)} voluntary thread switches "
        f"(load {os.getloadavg()[0]:.1f})"
    )
    print(
        f"connections after {rounds + 1} fan-outs ({(rounds + 1) * targets} commands): "
        f"client opened {client_side}, server holds {server_side} (one per host)"
    )
    print(f"failed commands: {len(failures)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--targets", type=int, default=200)
    parser.add_argument("--limit", type=int, default=64)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--sshd", action="store_true", help="use OpenSSH sshd as the server")
    parser.add_argument(
        "--serve", nargs=3, metavar=("PORT", "KEY", "DELAY"), help=argparse.SUPPRESS
    )
    args = parser.parse_args()
    if args.serve:
        serve(int(args.serve[0]), args.serve[1], float(args.serve[2]))
        return
    asyncio.run(run_bench(args.targets, args.limit, args.rounds, args.sshd))


if __name__ == "__main__":
    main()
