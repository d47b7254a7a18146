"""The lab's esxcli-over-API relay under fan-out: N ExecuteSoap calls at once through the lab
vCenter to the lab host agents, with the agents' listen backlog at http.server's default (5)
beside the lab's (256). A dropped connection is retried by the kernel after a second, which is
what a fan-out over many hosts meets with the default.

    .venv/bin/python bench/bench_lab_agents.py [--calls 60]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def fan_out(calls: int, backlog: int) -> tuple[float, float]:
    """(wall time, slowest call) of `calls` concurrent `network nic list` through the API."""
    from pyVim.connect import Disconnect, SmartConnect
    from pyVmomi import vim

    from vconsole.lab.esxi import EsxiLab, agent
    from vconsole.lab.scenario import default_scenario
    from vconsole.lab.vcsim import VcsimLab
    from vconsole.vim.esxcli import execute_soap, retrieve_executer
    from vconsole.vim.soap import MoRef

    agent._Server.request_queue_size = backlog
    scenario = default_scenario()
    state = Path(tempfile.mkdtemp(prefix="bench-agents-"))
    esxi = EsxiLab(scenario, state)
    esxi.start()
    vc = VcsimLab(scenario, state, agents=esxi.agents.urls(), agent_token=esxi.agents.token)
    vc.start()
    sessions: list[Any] = []
    try:
        for _ in range(calls):
            sessions.append(
                SmartConnect(
                    host=vc.host, port=vc.port, user=vc.user, pwd=vc.password, protocol="http"
                )
            )
        view = sessions[0].content.viewManager.CreateContainerView(
            sessions[0].content.rootFolder, [vim.HostSystem], True
        )
        hosts = [h._moId for h in view.view]

        def call(i: int) -> float:
            stub = sessions[i]._stub
            host = MoRef("HostSystem", hosts[i % len(hosts)])
            executer = retrieve_executer(stub, host)
            started = time.perf_counter()
            answer = execute_soap(
                stub,
                executer,
                "ha-cli-handler-network-nic",
                "urn:vim25/5.0",
                "vim.EsxCLI.network.nic.list",
                (),
            )
            assert answer.records, answer.fault
            return time.perf_counter() - started

        with ThreadPoolExecutor(calls) as pool:
            started = time.perf_counter()
            times = list(pool.map(call, range(calls)))
            wall = time.perf_counter() - started
        return wall, max(times)
    finally:
        for si in sessions:
            Disconnect(si)
        vc.stop()
        esxi.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=60)
    args = parser.parse_args()
    print(f"{args.calls} ExecuteSoap calls at once through the lab vCenter")
    print(f"{'agent backlog':<22}{'wall s':>10}{'slowest call s':>18}")
    for label, backlog in (("5 (http.server)", 5), ("256 (the lab)", 256)):
        wall, slowest = fan_out(args.calls, backlog)
        print(f"{label:<22}{wall:>10.2f}{slowest:>18.2f}")


if __name__ == "__main__":
    main()
