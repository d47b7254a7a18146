"""LAG configuration from vCenter: every distributed switch's `lacpGroupConfig` and its hosts.

One PropertyCollector call reads every DVS's `name`, `config` and `summary.hostMember` and
every host's `name` and proxy switches (`hostLag` + `pnicSpec` say which vmnic is in which
LAG port), instead of a property read per switch and per host. Members come from
`summary.hostMember`: govmomi's simulator repeats one host in `config.host`. The API holds configuration only;
bundle state comes from the hosts. `timeoutMode` exists from vSphere API 7.0.2 and is read
when present.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from vconsole.models.lacp import DvsLag
from vconsole.services.vcenter_props import read_properties

if TYPE_CHECKING:
    from vconsole.untyped import VimObject


def read_dvs_lags(content: VimObject) -> tuple[DvsLag, ...]:
    """Blocking: run through the session manager's executor (`vim.call`)."""
    from pyVmomi import vim

    objects = read_properties(
        content,
        [
            (vim.DistributedVirtualSwitch, ["name", "config", "summary.hostMember"]),
            (vim.HostSystem, ["name", "config.network.proxySwitch"]),
        ],
    )
    host_names: dict[str, str] = {}
    host_switches: list[tuple[str, VimObject]] = []
    switches: list[tuple[str, VimObject, VimObject]] = []
    for obj, props in objects:
        if isinstance(obj, vim.HostSystem):
            name = str(props.get("name", obj._moId))
            host_names[obj._moId] = name
            host_switches.append((name, props.get("config.network.proxySwitch")))
        else:
            switches.append(
                (str(props.get("name", "")), props.get("config"), props.get("summary.hostMember"))
            )
    nics = lag_nics_by_host(host_switches)
    lags: list[DvsLag] = []
    for name, config, members in sorted(switches, key=lambda s: s[0]):
        member_names = [host_names.get(m._moId, m._moId) for m in members or []]
        lags.extend(lags_from_config(name, config, member_names, nics))
    return tuple(lags)


def lag_nics_by_host(
    host_switches: list[tuple[str, VimObject]],
) -> dict[tuple[str, str], dict[str, tuple[str, ...]]]:
    """(dvs, lag key) -> host -> vmnics, joining `hostLag[].uplinkPort` with `pnicSpec`."""
    out: dict[tuple[str, str], dict[str, tuple[str, ...]]] = {}
    for host, proxy_switches in host_switches:
        for proxy in proxy_switches or []:
            backing = getattr(getattr(proxy, "spec", None), "backing", None)
            port_nic = {
                str(getattr(spec, "uplinkPortKey", "")): str(getattr(spec, "pnicDevice", ""))
                for spec in getattr(backing, "pnicSpec", None) or []
            }
            for lag in getattr(proxy, "hostLag", None) or []:
                ports = [str(kv.key) for kv in getattr(lag, "uplinkPort", None) or []]
                vmnics = tuple(sorted(port_nic[p] for p in ports if port_nic.get(p)))
                key = (str(getattr(proxy, "dvsName", "")), str(getattr(lag, "lagKey", "")))
                out.setdefault(key, {})[host] = vmnics
    return out


def lags_from_config(
    dvs: str,
    config: VimObject,
    members: list[str],
    nics: dict[tuple[str, str], dict[str, tuple[str, ...]]] | None = None,
) -> list[DvsLag]:
    """The LAGs of one switch's config object (any DVS; a non-VMware DVS has none)."""
    groups = getattr(config, "lacpGroupConfig", None) or []
    nics = nics or {}
    product = getattr(config, "productInfo", None)
    out = []
    for group in groups:
        out.append(
            DvsLag(
                dvs=dvs,
                key=str(getattr(group, "key", "") or ""),
                name=str(getattr(group, "name", "") or ""),
                mode=str(getattr(group, "mode", "") or ""),
                uplink_count=_int_or_none(getattr(group, "uplinkNum", None)),
                load_balancing=str(getattr(group, "loadbalanceAlgorithm", "") or ""),
                timeout_mode=str(getattr(group, "timeoutMode", "") or ""),
                uplink_names=tuple(str(u) for u in getattr(group, "uplinkName", None) or ()),
                hosts=tuple(sorted(set(members))),
                host_nics=tuple(
                    sorted(nics.get((dvs, str(getattr(group, "key", ""))), {}).items())
                ),
                dvs_version=str(getattr(product, "version", "") or ""),
            )
        )
    return out


def _int_or_none(value: VimObject) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
