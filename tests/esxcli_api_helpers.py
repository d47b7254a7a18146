"""pyVmomi declarations for esxcli over the vSphere API, for tests against the lab vCenter.

pyVmomi 9.x ships neither the HostSystem methods nor the `vmodl.reflect` types, so this
declares the minimum (names and fields as docs/esxcli-api.md §1): the executer with
`ExecuteSoap`, the dynamic type manager with `DynamicTypeMgrQueryMoInstances`, and the two
HostSystem methods, invoked on a plain `vim.HostSystem` so `_this` stays `HostSystem`.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any
from xml.sax.saxutils import escape

from pyVmomi import VmomiSupport, vim
from pyVmomi.VmomiSupport import F_OPTIONAL, CreateDataType, CreateManagedType, GetVmodlType

V = "vim.version.version7"  # wsdl namespace urn:vim25, "5.0"
_ARG = "vmodl.reflect.LabSoapArgument"
_RESULT = "vmodl.reflect.LabSoapResult"
_FAULT = "vmodl.reflect.LabSoapFault"
_MOFILTER = "vmodl.reflect.LabMoFilterSpec"
_MOINSTANCE = "vmodl.reflect.LabMoInstance"
_MME = "vmodl.reflect.ManagedMethodExecuter"
_DTM = "vmodl.reflect.LabDynamicTypeManager"
_HOST = "vim.LabEsxcliHost"
_ANNOTATION = "vmodl.reflect.LabAnnotation"
_PARAMINFO = "vmodl.reflect.LabParamTypeInfo"
_METHODINFO = "vmodl.reflect.LabMethodTypeInfo"
_MANAGEDINFO = "vmodl.reflect.LabManagedTypeInfo"
_ALLINFO = "vmodl.reflect.LabAllTypeInfo"


S, OPT = "string", F_OPTIONAL


def _data(name: str, wsdl: str, *fields: tuple[str, str, int]) -> None:
    """A `vmodl.DynamicData` type; each field is (name, type, flags), all at version V."""
    members = [(field, kind, V, flags) for field, kind, flags in fields]
    CreateDataType(name, wsdl, "vmodl.DynamicData", V, members)


def _method(
    name: str, wsdl: str, params: tuple[tuple[str, str, int], ...], flags: int, result: str
) -> tuple[Any, ...]:
    """A read-only method of a managed type, as `CreateManagedType` takes it."""
    args = tuple((param, kind, V, pflags, None) for param, kind, pflags in params)
    return (name, wsdl, V, args, (flags, result, result), "System.Read", None)


def _declare() -> None:
    if VmomiSupport.TypeDefExists(_HOST):
        return
    managed = "vmodl.ManagedObject"
    # fmt: off
    _data(_ARG, "ReflectManagedMethodExecuterSoapArgument", ("name", S, 0), ("val", S, 0))
    _data(_FAULT, "ReflectManagedMethodExecuterSoapFault", ("faultMsg", S, 0), ("faultDetail", S, OPT))
    _data(_RESULT, "ReflectManagedMethodExecuterSoapResult", ("response", S, OPT), ("fault", _FAULT, OPT))
    _data(_MOFILTER, "DynamicTypeMgrMoFilterSpec", ("id", S, OPT), ("typeSubstr", S, OPT))
    _data(_MOINSTANCE, "DynamicTypeMgrMoInstance", ("id", S, 0), ("moType", S, 0))
    execute = _method("executeSoap", "ExecuteSoap", (
        ("moid", S, 0), ("version", S, 0), ("method", S, 0), ("argument", _ARG + "[]", OPT),
    ), OPT, _RESULT)
    CreateManagedType(_MME, "ReflectManagedMethodExecuter", managed, V, None, [execute])
    _data(_ANNOTATION, "DynamicTypeMgrAnnotation", ("name", S, 0), ("parameter", "string[]", OPT))
    _data(_PARAMINFO, "DynamicTypeMgrParamTypeInfo", ("name", S, 0), ("version", S, 0),
          ("type", S, 0), ("privId", S, OPT), ("annotation", _ANNOTATION + "[]", OPT))
    named = (("name", S, 0), ("wsdlName", S, 0), ("version", S, 0))  # every type or method info
    _data(_METHODINFO, "DynamicTypeMgrMethodTypeInfo", *named,
          ("paramTypeInfo", _PARAMINFO + "[]", OPT), ("returnTypeInfo", _PARAMINFO, OPT),
          ("fault", "string[]", OPT), ("privId", S, OPT))
    _data(_MANAGEDINFO, "DynamicTypeMgrManagedTypeInfo", *named,
          ("base", "string[]", OPT), ("method", _METHODINFO + "[]", OPT))
    _data(_ALLINFO, "DynamicTypeMgrAllTypeInfo", ("managedTypeInfo", _MANAGEDINFO + "[]", OPT))
    by_filter = (("filterSpec", _MOFILTER, OPT),)
    type_query = _method("queryTypeInfo", "DynamicTypeMgrQueryTypeInfo", by_filter, 0, _ALLINFO)
    query = _method("queryMoInstances", "DynamicTypeMgrQueryMoInstances", by_filter, OPT,
                    _MOINSTANCE + "[]")
    CreateManagedType(_DTM, "InternalDynamicTypeManager", managed, V, None, [query, type_query])
    retrieve = [
        _method("retrieveManagedMethodExecuter", "RetrieveManagedMethodExecuter", (), OPT, _MME),
        _method("retrieveDynamicTypeManager", "RetrieveDynamicTypeManager", (), OPT, _DTM),
    ]
    CreateManagedType(_HOST, "LabEsxcliHost", managed, V, None, retrieve)
    # fmt: on


def _host_call(host: vim.HostSystem, method: str) -> Any:
    _declare()
    info = GetVmodlType(_HOST)._methodInfo[method]
    return host._stub.InvokeMethod(host, info, ())


def executer(host: vim.HostSystem) -> Any:
    """`HostSystem.RetrieveManagedMethodExecuter()` as pyVmomi would call it."""
    return _host_call(host, "RetrieveManagedMethodExecuter")


def type_manager(host: vim.HostSystem) -> Any:
    return _host_call(host, "RetrieveDynamicTypeManager")


def argument(name: str, value: Any) -> Any:
    """One SoapArgument: the value serialised as an element of the parameter's name."""
    _declare()
    if isinstance(value, bool):
        text = "true" if value else "false"
    else:
        text = escape(str(value))
    return GetVmodlType(_ARG)(name=name, val=f"<{name}>{text}</{name}>")


def mo_filter(type_substr: str = "", id: str = "") -> Any:
    _declare()
    return GetVmodlType(_MOFILTER)(typeSubstr=type_substr or None, id=id or None)


def execute(mme: Any, command: str, **args: Any) -> Any:
    """Run `esxcli <command>` (e.g. "network ip interface list") through the executer; the
    SoapResult comes back (`response` XML or `fault`)."""
    words = command.split()
    moid = "ha-cli-handler-" + "-".join(words[:-1])
    method = "vim.EsxCLI." + ".".join(words)
    arguments = [argument(k, v) for k, v in args.items() if v is not None]
    return mme.ExecuteSoap(moid=moid, version="urn:vim25/5.0", method=method, argument=arguments)


def _local(tag: str) -> str:
    return tag.rsplit("}", 1)[-1]


def parse_object(elem: ET.Element) -> dict[str, Any]:
    """A data object as {field: value}: a repeated field is a list, a nested object a dict."""
    seen: dict[str, list[Any]] = {}
    for child in elem:
        value: Any = parse_object(child) if len(child) else (child.text or "")
        seen.setdefault(_local(child.tag), []).append(value)
    return {k: v[0] if len(v) == 1 else v for k, v in seen.items()}


def rows(response: str) -> list[dict[str, Any]]:
    """The rows of a list answer (ArrayOfDataObject), or the one object of a single answer."""
    root = ET.fromstring(response)
    kind = root.get("{http://www.w3.org/2001/XMLSchema-instance}type", "")
    if kind == "ArrayOfDataObject":
        return [parse_object(r) for r in root if _local(r.tag) == "DataObject"]
    return [parse_object(root)]


def as_list(value: Any) -> list[Any]:
    """A field that may repeat: one value or several, as a list ("" or absent: empty)."""
    if value is None or value == "":
        return []
    return value if isinstance(value, list) else [value]
