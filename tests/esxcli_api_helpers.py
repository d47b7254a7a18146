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


def _declare() -> None:
    if VmomiSupport.TypeDefExists(_HOST):
        return
    CreateDataType(
        _ARG,
        "ReflectManagedMethodExecuterSoapArgument",
        "vmodl.DynamicData",
        V,
        [("name", "string", V, 0), ("val", "string", V, 0)],
    )
    CreateDataType(
        _FAULT,
        "ReflectManagedMethodExecuterSoapFault",
        "vmodl.DynamicData",
        V,
        [("faultMsg", "string", V, 0), ("faultDetail", "string", V, F_OPTIONAL)],
    )
    CreateDataType(
        _RESULT,
        "ReflectManagedMethodExecuterSoapResult",
        "vmodl.DynamicData",
        V,
        [("response", "string", V, F_OPTIONAL), ("fault", _FAULT, V, F_OPTIONAL)],
    )
    CreateDataType(
        _MOFILTER,
        "DynamicTypeMgrMoFilterSpec",
        "vmodl.DynamicData",
        V,
        [("id", "string", V, F_OPTIONAL), ("typeSubstr", "string", V, F_OPTIONAL)],
    )
    CreateDataType(
        _MOINSTANCE,
        "DynamicTypeMgrMoInstance",
        "vmodl.DynamicData",
        V,
        [("id", "string", V, 0), ("moType", "string", V, 0)],
    )
    execute = (
        "executeSoap",
        "ExecuteSoap",
        V,
        (
            ("moid", "string", V, 0, None),
            ("version", "string", V, 0, None),
            ("method", "string", V, 0, None),
            ("argument", _ARG + "[]", V, F_OPTIONAL, None),
        ),
        (F_OPTIONAL, _RESULT, _RESULT),
        "System.Read",
        None,
    )
    CreateManagedType(
        _MME, "ReflectManagedMethodExecuter", "vmodl.ManagedObject", V, None, [execute]
    )
    CreateDataType(
        _ANNOTATION,
        "DynamicTypeMgrAnnotation",
        "vmodl.DynamicData",
        V,
        [("name", "string", V, 0), ("parameter", "string[]", V, F_OPTIONAL)],
    )
    CreateDataType(
        _PARAMINFO,
        "DynamicTypeMgrParamTypeInfo",
        "vmodl.DynamicData",
        V,
        [
            ("name", "string", V, 0),
            ("version", "string", V, 0),
            ("type", "string", V, 0),
            ("privId", "string", V, F_OPTIONAL),
            ("annotation", _ANNOTATION + "[]", V, F_OPTIONAL),
        ],
    )
    CreateDataType(
        _METHODINFO,
        "DynamicTypeMgrMethodTypeInfo",
        "vmodl.DynamicData",
        V,
        [
            ("name", "string", V, 0),
            ("wsdlName", "string", V, 0),
            ("version", "string", V, 0),
            ("paramTypeInfo", _PARAMINFO + "[]", V, F_OPTIONAL),
            ("returnTypeInfo", _PARAMINFO, V, F_OPTIONAL),
            ("fault", "string[]", V, F_OPTIONAL),
            ("privId", "string", V, F_OPTIONAL),
        ],
    )
    CreateDataType(
        _MANAGEDINFO,
        "DynamicTypeMgrManagedTypeInfo",
        "vmodl.DynamicData",
        V,
        [
            ("name", "string", V, 0),
            ("wsdlName", "string", V, 0),
            ("version", "string", V, 0),
            ("base", "string[]", V, F_OPTIONAL),
            ("method", _METHODINFO + "[]", V, F_OPTIONAL),
        ],
    )
    CreateDataType(
        _ALLINFO, "DynamicTypeMgrAllTypeInfo", "vmodl.DynamicData", V,
        [("managedTypeInfo", _MANAGEDINFO + "[]", V, F_OPTIONAL)],
    )  # fmt: skip
    type_query = (
        "queryTypeInfo",
        "DynamicTypeMgrQueryTypeInfo",
        V,
        (("filterSpec", _MOFILTER, V, F_OPTIONAL, None),),
        (0, _ALLINFO, _ALLINFO),
        "System.Read",
        None,
    )
    query = (
        "queryMoInstances",
        "DynamicTypeMgrQueryMoInstances",
        V,
        (("filterSpec", _MOFILTER, V, F_OPTIONAL, None),),
        (F_OPTIONAL, _MOINSTANCE + "[]", _MOINSTANCE + "[]"),
        "System.Read",
        None,
    )
    CreateManagedType(
        _DTM, "InternalDynamicTypeManager", "vmodl.ManagedObject", V, None, [query, type_query]
    )
    retrieve = [
        ("retrieveManagedMethodExecuter", "RetrieveManagedMethodExecuter", V, (),
         (F_OPTIONAL, _MME, _MME), "System.Read", None),
        ("retrieveDynamicTypeManager", "RetrieveDynamicTypeManager", V, (),
         (F_OPTIONAL, _DTM, _DTM), "System.Read", None),
    ]  # fmt: skip
    CreateManagedType(_HOST, "LabEsxcliHost", "vmodl.ManagedObject", V, None, retrieve)


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
