"""Bitfusion pool refresh: the service (list_gpus and smi at once on one SSH connection) vs a
script that SSHes in per command and runs them one after the other.

The lab client VM's claim takes `--claim-ms` per command, as a real client asks every server
over HTTPS before answering. The first service refresh (SSH handshake, `version`) is shown
separately from the warm ones.

    .venv/bin/python bench/bench_gpus.py [--claim-ms 300] [--rounds 5]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

import paramiko

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))


def naive_refresh(lab: object) -> float:
    """One `ssh client bitfusion ...` per command, sequentially, as a shell loop would."""
    started = time.perf_counter()
    for line in ("bitfusion list_gpus", "bitfusion smi"):
        ssh = paramiko.SSHClient()
        addr, port = lab.endpoint  # type: ignore[attr-defined]
        key = lab.host_key  # type: ignore[attr-defined]
        ssh.get_host_keys().add(f"[{addr}]:{port}", key.get_name(), key)
        ssh.connect(
            addr,
            port,
            username=lab.user,  # type: ignore[attr-defined]
            password=lab.password,  # type: ignore[attr-defined]
            look_for_keys=False,
            allow_agent=False,
        )
        _, out, _ = ssh.exec_command(line)
        out.read()
        ssh.close()
    return time.perf_counter() - started


async def main(args: argparse.Namespace) -> None:
    from gpus_helpers import CLIENT, bf_manager

    from vconsole.lab.bitfusion_vm import BitfusionLab
    from vconsole.lab.scenario import default_scenario
    from vconsole.services.gpus import GpuPoolService

    tmp = Path(tempfile.mkdtemp(prefix="bench-gpus-"))
    os.environ.setdefault("VCONSOLE_STATE_DIR", str(tmp / "state"))
    with BitfusionLab(default_scenario(), tmp / "lab", claim_ms=args.claim_ms) as lab:
        manager = bf_manager(lab, tmp)
        try:
            service = GpuPoolService(manager, CLIENT)
            started = time.perf_counter()
            await service.refresh()
            cold = time.perf_counter() - started
            warm = []
            for _ in range(args.rounds):
                started = time.perf_counter()
                await service.refresh()
                warm.append(time.perf_counter() - started)
        finally:
            await manager.close()
        naive = [naive_refresh(lab) for _ in range(args.rounds)]
    print(f"claim {args.claim_ms} ms per command, {args.rounds} rounds (median)")
    print(f"{'service, first refresh (connect + version)':<48} {cold * 1000:8.1f} ms")
    print(f"{'service, warm (concurrent channels, one conn)':<48} {median(warm) * 1000:8.1f} ms")
    print(f"{'naive (ssh per command, sequential)':<48} {median(naive) * 1000:8.1f} ms")


def median(values: list[float]) -> float:
    ordered = sorted(values)
    return ordered[len(ordered) // 2]


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--claim-ms", type=int, default=300)
    parser.add_argument("--rounds", type=int, default=5)
    asyncio.run(main(parser.parse_args()))
