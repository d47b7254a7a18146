"""`python -m vconsole.lab.esxi`: run the lab ESXi hosts alone, for poking at them by hand.

Prints how long the listeners took to start, the user, host key and one line per host; with
`--measure` it also connects to every host and runs one command, then exits.
"""

from __future__ import annotations

import argparse
import tempfile
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import paramiko

from vconsole.lab.esxi.lab import EsxiLab
from vconsole.lab.scenario import default_scenario, generate_scenario, load_scenario


def _one_command(lab: EsxiLab, host: str) -> int:
    addr, port = lab.endpoints[host]
    client = paramiko.SSHClient()
    client.get_host_keys().add(f"[{addr}]:{port}", lab.host_key.get_name(), lab.host_key)
    client.connect(
        addr, port, username=lab.user, password=lab.password, look_for_keys=False,
        allow_agent=False,
    )  # fmt: skip
    try:
        _, out, _ = client.exec_command("esxcli network ip interface list")
        size = len(out.read())
        out.channel.recv_exit_status()
        return size
    finally:
        client.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m vconsole.lab.esxi")
    parser.add_argument("--scenario", help="scenario TOML (default: the embedded default)")
    parser.add_argument("--generate", type=int, metavar="HOSTS", help="a generated estate instead")
    parser.add_argument("--state-dir", help="where the host key lives (default: a temp dir)")
    parser.add_argument("--time-scale", type=float, default=1.0)
    parser.add_argument("--measure", action="store_true", help="time a command on every host, exit")
    parser.add_argument(
        "--password", help="lab password to accept (default: a random one, never printed)"
    )
    args = parser.parse_args(argv)
    if args.generate:
        scenario = generate_scenario(hosts=args.generate, vms=args.generate * 25)
    elif args.scenario:
        scenario = load_scenario(args.scenario)
    else:
        scenario = default_scenario()
    state_dir = Path(args.state_dir or tempfile.mkdtemp(prefix="esxi-lab-"))
    lab = EsxiLab(scenario, state_dir, time_scale=args.time_scale, password=args.password)
    _ = lab.host_key
    started = time.perf_counter()
    lab.start()
    print(
        f"{len(lab.endpoints)} hosts listening in {(time.perf_counter() - started) * 1000:.1f} ms"
    )
    print(f"user {lab.user}  host key {lab.host_key_fingerprint}")
    try:
        if args.measure:
            started = time.perf_counter()
            with ThreadPoolExecutor(32) as pool:
                list(pool.map(lambda h: _one_command(lab, h), lab.endpoints))
            took = time.perf_counter() - started
            print(f"connect + auth + one command on every host (32 at a time): {took:.2f} s")
            return 0
        for name, (addr, port) in lab.endpoints.items():
            print(f"{name:<20} {addr}:{port}{'  (down)' if lab.is_down(name) else ''}")
        threading.Event().wait()
    except KeyboardInterrupt:  # Ctrl-C is how a hand-run lab is meant to end
        print("stopping the lab hosts")
    finally:
        lab.stop()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
