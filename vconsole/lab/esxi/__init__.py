"""Lab ESXi hosts: SSH servers on loopback answering the ESXi shell subset vconsole uses.

    lab = EsxiLab(scenario, state_dir, bind="127.0.0.1", real_network=None, time_scale=1.0)
    lab.start(); lab.endpoints["esx-akl-01"] -> ("127.0.0.1", port)
    lab.user, lab.password, lab.host_key_fingerprint   # throwaway credentials, SHA256:...
    lab.set_down("esx-akl-01", True); lab.stop()

Modules by area: `lab` (listeners), `server` (SSH), `shell` and `esxcli` (dispatch),
`network`, `lacp`, `storage`, `advanced`, `vmkping`/`probes`/`diagping`; `agent`, `api`,
`api_catalog` and `api_xml` answer esxcli over the vSphere API from the same state (the lab
vCenter forwards to `lab.agents`, see docs/esxcli-api.md). Each module's docstring records
where it follows a verbatim sample and where a reconstruction.
"""

from vconsole.lab.esxi.lab import LAB_USER, EsxiLab
from vconsole.lab.esxi.state import HostState, LabClock

__all__ = ["LAB_USER", "EsxiLab", "HostState", "LabClock"]
