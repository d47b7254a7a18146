"""The consistency oracle's parts: scenarios drawn from the documented keys only, a lab started
from one, and the pane commands' JSON read back from it the way an admin would run them."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path
from typing import Any

import tomli_w
from hypothesis import strategies as st

from vconsole.lab.scenario import Scenario, load_scenario

HEALTHY_MS = (0.8, 1.0, 1.4, 2.0)
SLOW_MS = (30.0, 38.0, 50.0)


@st.composite
def lun_paths(draw: Any) -> list[dict[str, Any]]:
    """2-3 paths, names/adapters/targets left out; at most one slow path, beside a healthy
    active sibling, so the outlier rule has something to compare with."""
    n = draw(st.integers(2, 3))
    paths: list[dict[str, Any]] = []
    for _ in range(n):
        state = draw(st.sampled_from(("active", "active", "standby", "dead")))
        ms = draw(st.sampled_from(HEALTHY_MS))
        paths.append({"state": state, "read_ms": ms, "write_ms": ms})
    paths[0]["state"] = "active"
    if n == 3 and draw(st.booleans()):
        slow = draw(st.sampled_from(SLOW_MS))
        paths[1] = {"state": "active", "read_ms": slow, "write_ms": slow}
    return paths


@st.composite
def scenarios(draw: Any) -> dict[str, Any]:
    """One HQ site and maybe a branch; 1-2 hosts a site; LAGs per DVS with partner faults;
    LUNs with path states and latencies; Bitfusion servers; Cloud Director orgs."""
    sites: list[dict[str, Any]] = [{"name": "HQ", "hq": True, "wan_mtu": 9000}]
    if draw(st.booleans()):
        sites.append(
            {
                "name": "BR1",
                "wan_mtu": draw(st.sampled_from((1280, 1400, 1500, 9000))),
                "icmp_blackhole": draw(st.booleans()),
                "latency_ms": 5.0,
            }
        )
    hosts: list[dict[str, Any]] = []
    lun_count = 0
    for site in sites:
        lag_names = draw(st.lists(st.sampled_from(("lag1", "lag-vsan", "lag-mgmt")), min_size=1,
                                  max_size=2, unique=True))  # fmt: skip
        lag_timeout = {n: draw(st.sampled_from(("slow", "fast"))) for n in lag_names}
        dvs_mtu = draw(st.sampled_from((1500, 9000)))
        for i in range(draw(st.integers(1, 2))):
            cluster = f"{site['name']}-CL{draw(st.integers(1, 2))}"
            lag = lag_names[i % len(lag_names)]
            host: dict[str, Any] = {
                "name": f"esx-{site['name'].lower()}-{i + 1:02d}",
                "site": site["name"],
                "cluster": cluster,
                "vms": draw(st.integers(0, 4)),
                "down": i > 0 and draw(st.sampled_from((False, False, False, True))),
                "dvs_mtu": dvs_mtu,
                "advanced": {"/Misc/EnablePSPLatencyPolicy": 1},
                "vmk": [
                    {"name": "vmk0", "services": ["management"], "portgroup": "Management Network"},
                    {
                        "name": "vmk1",
                        "mtu": draw(st.sampled_from((1500, 9000))),
                        "services": ["vsan"],
                    },
                ],  # fmt: skip
                "lag": [
                    {
                        "dvs": f"DSwitch-{site['name']}",
                        "name": lag,
                        "nics": ["vmnic2", "vmnic3"],
                        "timeout": lag_timeout[lag],
                        "partner_timeout": draw(st.sampled_from(("slow", "fast"))),
                        "partner_silent": draw(
                            st.lists(st.sampled_from(("vmnic2", "vmnic3")), max_size=1)
                        ),
                    }
                ],
                "lun": [],
            }
            speed = draw(st.sampled_from((None, 10000, 25000)))
            if speed:
                host["nic"] = [{"name": f"vmnic{n}", "speed_mbps": speed} for n in range(4)]
            for _ in range(draw(st.integers(0, 2))):
                lun_count += 1
                host["lun"].append(
                    {"id": f"naa.600a0980383044374{lun_count:015x}", "path": draw(lun_paths())}
                )
            hosts.append(host)
    data: dict[str, Any] = {"name": "oracle", "site": sites, "host": hosts}
    servers = [
        {"name": f"bf-srv{j + 1:02d}", "gpus": draw(st.integers(1, 8)),
         "nic_gbps": draw(st.sampled_from((10, 25)))}
        for j in range(draw(st.integers(0, 3)))
    ]  # fmt: skip
    if servers:
        clients = [
            {"name": f"ml-{c:02d}", "gpus": draw(st.integers(1, 2)),
             "fraction": draw(st.sampled_from((1.0, 0.5)))}
            for c in range(draw(st.integers(1, 2)))
        ]  # fmt: skip
        data["bitfusion"] = {"server": servers, "client": clients}
    orgs = draw(st.lists(st.sampled_from(("acme", "globex", "initech")), max_size=2, unique=True))
    if orgs:
        portals = {o: draw(st.sampled_from(("", f"{o.title()} Cloud"))) for o in orgs}
        data["vcd"] = {"org": [{"name": o, "portal_name": portals[o]} for o in orgs]}
    return data


def write_scenario(data: dict[str, Any], path: Path) -> Scenario:
    """The scenario as a file an admin would write, read back by the lab's own loader."""
    path.write_text(tomli_w.dumps(data))
    return load_scenario(path)


def run_json(config: Path, *words: str) -> Any:
    """`vconsole --config CONFIG WORDS... --json` in this process; its parsed stdout."""
    from vconsole.cli import main

    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        main(["--config", str(config), *words, "--json"])
    return json.loads(out.getvalue())
