"""A lab host's answers to esxcli over the vSphere API (the host-agent side of ExecuteSoap).

vCenter forwards `ExecuteSoap` and the dynamic type manager's queries to the host; the lab
vCenter forwards them here (see `agent.py`). Errors keep the two kinds vCenter shows: a request
it cannot dispatch (unknown moid, method or parameter) is an `InvalidArgument` SOAP fault; an
esxcli refusal is a SoapResult fault carrying esxcli's message.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any
from xml.sax.saxutils import escape

from vconsole.lab.esxi.api_catalog import (
    BY_NAME,
    CLI_INFO_MOID,
    MOIDS,
    NAMESPACES,
    Method,
    Param,
    methods_of,
)
from vconsole.lab.esxi.api_xml import ArgumentError, argument_values, cli_fault_detail, result_xml
from vconsole.lab.esxi.options import EsxcliError
from vconsole.lab.esxi.state import HostState

CLI_INFO_METHOD = "vim.CLIInfo.FetchCLIInfo"


@dataclass(frozen=True)
class Answer:
    """Exactly one of: `response` XML, an esxcli fault, or the property an InvalidArgument names."""

    response: str = ""
    fault_msg: str = ""
    fault_detail: str = ""
    invalid: str = ""

    def as_json(self) -> dict[str, Any]:
        if self.invalid:
            return {"invalid": self.invalid}
        if self.fault_msg:
            return {"fault": {"msg": self.fault_msg, "detail": self.fault_detail}}
        return {"response": self.response}


def _fault(message: str) -> Answer:
    return Answer(fault_msg=message, fault_detail=cli_fault_detail(message))


def _argv(method: Method, arguments: Sequence[tuple[str, str]]) -> list[str] | Answer:
    """The SSH argument list for the API arguments, or the InvalidArgument to answer."""
    params = {p.name: p for p in method.params}
    given: dict[str, list[str]] = {}
    for name, val in arguments:
        param = params.get(name)
        if param is None:
            return Answer(invalid=name)
        try:
            given.setdefault(name, []).extend(argument_values(name, val))
        except ArgumentError:
            return Answer(invalid=name)
    argv: list[str] = []
    for p in method.params:
        values = given.get(p.name)
        if not values:
            if not p.optional:
                return Answer(invalid=p.name)
            continue
        for value in values:
            text = _typed(p, value.strip())
            if text is None:
                return Answer(invalid=p.name)
            argv += [f"--{p.option}", text]
    return argv


def _typed(p: Param, value: str) -> str | None:
    if p.type == "long":
        try:
            return str(int(value))
        except ValueError:
            return None
    if p.type == "boolean":
        return {"true": "true", "1": "true", "false": "false", "0": "false"}.get(value.lower())
    return value


def execute(
    state: HostState, moid: str, version: str, method: str, arguments: Sequence[tuple[str, str]]
) -> Answer:
    """Answer one ExecuteSoap call from the host's state (writes change it)."""
    if not version.startswith("urn:vim25"):
        return Answer(invalid="version")
    if moid == CLI_INFO_MOID:
        if method != CLI_INFO_METHOD:
            return Answer(invalid="method")
        return _cli_info(arguments)
    if moid not in MOIDS:
        return Answer(invalid="moid")
    served = BY_NAME.get(method)
    if served is None or served.moid != moid:
        return Answer(invalid="method")
    argv = _argv(served, arguments)
    if isinstance(argv, Answer):
        return argv
    try:
        return Answer(response=result_xml(served.answer(state, argv)))
    except EsxcliError as exc:
        return _fault(str(exc))


def mo_instances(id_filter: str = "", type_substr: str = "") -> list[dict[str, str]]:
    """DynamicTypeMgrQueryMoInstances: the handler objects, filtered by id and type substring."""
    found = [
        {"id": "ha-cli-handler-" + ns.replace(".", "-"), "moType": f"vim.EsxCLI.{ns}"}
        for ns in NAMESPACES
    ]
    found.append({"id": CLI_INFO_MOID, "moType": "vim.CLIInfo"})
    return [
        m
        for m in found
        if (not id_filter or m["id"] == id_filter)
        and (not type_substr or type_substr in m["moType"])
    ]


def type_info(type_substr: str = "") -> list[dict[str, Any]]:
    """DynamicTypeMgrQueryTypeInfo's managedTypeInfo for the served namespaces."""
    out = []
    for ns in NAMESPACES:
        name = f"vim.EsxCLI.{ns}"
        if type_substr and type_substr not in name:
            continue
        out.append(
            {
                "name": name,
                "wsdlName": "VimEsxCLI" + ns.replace(".", ""),
                "methods": [
                    {
                        "name": m.verb,
                        "wsdlName": m.wsdl,
                        "params": [
                            {"name": p.name, "type": p.type, "optional": p.optional}
                            for p in m.params
                        ],
                        "result": m.result,
                    }
                    for m in methods_of(ns)
                ],
            }
        )
    return out


def _cli_info(arguments: Sequence[tuple[str, str]]) -> Answer:
    """vim.CLIInfo.FetchCLIInfo(typeName): the command metadata govc reads first."""
    names = [v for n, val in arguments if n == "typeName" for v in argument_values(n, val)]
    if not names:
        return Answer(invalid="typeName")
    ns = names[0].strip().removeprefix("vim.EsxCLI.")
    methods = methods_of(ns)
    if not methods:
        return _fault(f"Unknown namespace {names[0].strip()}")

    def item(name: str, help_text: str = "") -> str:
        return (
            f"<name>{escape(name)}</name><displayName>{escape(name)}</displayName>"
            f"<help>{escape(help_text)}</help>"
        )

    parts = [item(f"vim.EsxCLI.{ns}")]
    for m in methods:
        params = "".join(
            "<param>"
            + item(p.name)
            + f"<aliases>--{escape(p.option)}</aliases>"
            + (f"<aliases>-{escape(p.short)}</aliases>" if p.short else "")
            + f"<flag>{'true' if p.flag else 'false'}</flag></param>"
            for p in m.params
        )
        parts.append(f"<method>{item(m.verb, m.help)}{params}</method>")
    xml = (
        '<obj xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns="urn:vim25" '
        f'versionId="5.0" xsi:type="VimCLIInfoCLIInfo">{"".join(parts)}</obj>'
    )
    return Answer(response=xml)
