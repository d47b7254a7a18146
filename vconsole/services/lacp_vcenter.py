"""LAG configuration from vCenter: every distributed switch's `lacpGroupConfig` and its hosts.

One PropertyCollector call reads `name` and `config` of every DVS and `name` of every host,
instead of a property read per switch and per member. The API holds configuration only;
bundle state comes from the hosts. `timeoutMode` exists from vSphere API 7.0.2 and is read
when present.
"""

from __future__ import annotations

from typing import Any

from vconsole.models.lacp import DvsLag


def read_dvs_lags(content: Any) -> tuple[DvsLag, ...]:
    """Blocking: run through the session manager's executor (`vim.call`)."""
    from pyVmomi import vim, vmodl

    view_manager = content.viewManager
    dvs_view = view_manager.CreateContainerView(
        content.rootFolder, [vim.DistributedVirtualSwitch], True
    )
    host_view = view_manager.CreateContainerView(content.rootFolder, [vim.HostSystem], True)
    try:
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[_view_object_spec(dvs_view, vim), _view_object_spec(host_view, vim)],
            propSet=[
                vmodl.query.PropertyCollector.PropertySpec(
                    type=vim.DistributedVirtualSwitch, pathSet=["name", "config"]
                ),
                vmodl.query.PropertyCollector.PropertySpec(type=vim.HostSystem, pathSet=["name"]),
            ],
        )
        objects = _retrieve_all(content.propertyCollector, spec, vmodl)
    finally:
        dvs_view.DestroyView()
        host_view.DestroyView()
    host_names: dict[str, str] = {}
    switches: list[tuple[str, Any]] = []
    for obj in objects:
        props = {p.name: p.val for p in obj.propSet or []}
        if isinstance(obj.obj, vim.HostSystem):
            host_names[obj.obj._moId] = str(props.get("name", obj.obj._moId))
        else:
            switches.append((str(props.get("name", "")), props.get("config")))
    lags: list[DvsLag] = []
    for name, config in sorted(switches, key=lambda s: s[0]):
        lags.extend(lags_from_config(name, config, host_names))
    return tuple(lags)


def _view_object_spec(view: Any, vim: Any) -> Any:
    from pyVmomi import vmodl

    traverse = vmodl.query.PropertyCollector.TraversalSpec(
        name="view", path="view", skip=False, type=vim.view.ContainerView
    )
    return vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traverse])


def _retrieve_all(collector: Any, spec: Any, vmodl: Any) -> list[Any]:
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1000)
    result = collector.RetrievePropertiesEx([spec], options)
    objects = list(result.objects) if result else []
    while result and result.token:
        result = collector.ContinueRetrievePropertiesEx(result.token)
        objects.extend(result.objects or [])
    return objects


def lags_from_config(dvs: str, config: Any, host_names: dict[str, str]) -> list[DvsLag]:
    """The LAGs of one switch's config object (any DVS; a non-VMware DVS has none)."""
    groups = getattr(config, "lacpGroupConfig", None) or []
    members = []
    for member in getattr(config, "host", None) or []:
        ref = getattr(getattr(member, "config", None), "host", None)
        moid = getattr(ref, "_moId", None)
        if moid:
            members.append(host_names.get(moid, moid))
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
                hosts=tuple(sorted(members)),
                dvs_version=str(getattr(product, "version", "") or ""),
            )
        )
    return out


def _int_or_none(value: Any) -> int | None:
    try:
        return int(value) if value is not None else None
    except (TypeError, ValueError):
        return None
