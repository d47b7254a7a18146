"""esxcli over the vSphere API, on the wire: the managed method executer of a host, via vCenter.

`HostSystem.RetrieveManagedMethodExecuter` gives the executer; `ExecuteSoap(moid, version, method,
argument[])` runs one esxcli method, each argument a name and its value wrapped in an element of
the same name (the shape govc's host.esxcli sends). The answer is either `response` (an XML
document as a string: `ArrayOfDataObject` of `DataObject`s, or one structure) or `fault`
(`faultMsg`, `faultDetail`). pyVmomi has no binding for these internal methods, so the requests
are written here and posted on the pyVmomi stub's own connection (same cookie, same trust).
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass
from http.client import HTTPException
from typing import Any
from xml.etree import ElementTree
from xml.sax.saxutils import escape

from vconsole.vim.parser import XSI_TYPE, local, value_of
from vconsole.vim.soap import MoRef, _call
from vconsole.vim.transport import SoapFault, release, soap_headers

MAX_ANSWER = 64 * 1024 * 1024


@dataclass(frozen=True)
class EsxcliAnswer:
    """What ExecuteSoap gave back: records (plain Python, typed where the answer says so) or the
    esxcli fault's message; `result_type` is the xsi:type of the answer's root."""

    records: tuple[Any, ...] = ()
    fault: str = ""
    fault_detail: str = ""
    result_type: str = ""
    raw: str = ""


def retrieve_executer_body(host: MoRef) -> bytes:
    return _call("RetrieveManagedMethodExecuter", host, "")


def execute_soap_body(
    executer: MoRef, moid: str, version: str, method: str, args: tuple[tuple[str, str], ...]
) -> bytes:
    inner = f"<moid>{escape(moid)}</moid><version>{escape(version)}</version>"
    inner += f"<method>{escape(method)}</method>"
    for name, value in args:
        wrapped = f"<{name}>{escape(value)}</{name}>"
        inner += f"<argument><name>{escape(name)}</name><val>{escape(wrapped)}</val></argument>"
    return _call("ExecuteSoap", executer, inner)


def post_body(stub: Any, body: bytes, timeout: float | None = None) -> ElementTree.Element:
    """POST a SOAP body on the stub's connection; the Body's first element, or SoapFault."""
    headers = soap_headers(stub)
    conn = stub.GetConnection()
    reusable = False
    broken = True
    try:
        if timeout is not None and getattr(conn, "sock", None) is not None:
            conn.sock.settimeout(timeout)
        conn.request("POST", stub.path, body, headers)
        resp = conn.getresponse()
        if resp.status not in (200, 500):
            raise HTTPException(f"{resp.status} {resp.reason}")
        data = resp.read(MAX_ANSWER + 1)
        if len(data) > MAX_ANSWER:
            raise HTTPException("answer larger than 64 MiB")
        encoding = (resp.getheader("Content-Encoding") or "identity").lower()
        if encoding == "gzip":
            data = zlib.decompress(data, 16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            data = zlib.decompress(data)
        reusable = not resp.will_close
        broken = False
    finally:
        release(stub, conn, reusable, broken)
    try:
        envelope = ElementTree.fromstring(data)
    except ElementTree.ParseError as exc:
        raise SoapFault("InvalidResponse", f"the answer is not XML ({exc})") from None
    body_el = next((el for el in envelope if local(el.tag) == "Body"), None)
    first = body_el[0] if body_el is not None and len(body_el) else None
    if first is None:
        raise SoapFault("InvalidResponse", "an empty SOAP body")
    if local(first.tag) == "Fault":
        kind, message = _fault_of(first)
        if kind == "NotAuthenticated":
            from pyVmomi import vim

            raise vim.fault.NotAuthenticated(msg=message)
        raise SoapFault(kind, message)
    return first


def _fault_of(el: ElementTree.Element) -> tuple[str, str]:
    message = ""
    kind = ""
    for child in el:
        name = local(child.tag)
        if name == "faultstring":
            message = (child.text or "").strip()
        elif name == "detail" and len(child):
            detail = child[0]
            kind = (detail.get(XSI_TYPE) or local(detail.tag)).rpartition(":")[2]
            if not detail.get(XSI_TYPE):
                kind = kind.removesuffix("Fault")
    return kind or "ServerFault", message


def retrieve_executer(stub: Any, host: MoRef, timeout: float | None = None) -> MoRef:
    answer = post_body(stub, retrieve_executer_body(host), timeout)
    returned = next((el for el in answer if local(el.tag) == "returnval"), None)
    if returned is None or not (returned.text or "").strip():
        raise SoapFault("NotSupported", "the host gave no managed method executer")
    return MoRef(returned.get("type") or "ManagedMethodExecuter", (returned.text or "").strip())


def execute_soap(
    stub: Any,
    executer: MoRef,
    moid: str,
    version: str,
    method: str,
    args: tuple[tuple[str, str], ...],
    timeout: float | None = None,
) -> EsxcliAnswer:
    answer = post_body(stub, execute_soap_body(executer, moid, version, method, args), timeout)
    returned = next((el for el in answer if local(el.tag) == "returnval"), None)
    if returned is None:
        return EsxcliAnswer()
    fault = next((el for el in returned if local(el.tag) == "fault"), None)
    if fault is not None:
        texts = {local(el.tag): (el.text or "").strip() for el in fault}
        return EsxcliAnswer(
            fault=texts.get("faultMsg", ""), fault_detail=texts.get("faultDetail", "")
        )
    response = next((el for el in returned if local(el.tag) == "response"), None)
    text = (response.text or "") if response is not None else ""
    return parse_response(text)


def parse_response(text: str) -> EsxcliAnswer:
    """The `response` string of ExecuteSoap as records: a list answer gives one record per
    `DataObject` (or item), a single structure gives one record, a bare value one value."""
    if not text.strip():
        return EsxcliAnswer(raw=text)
    try:
        root = ElementTree.fromstring(text)
    except ElementTree.ParseError as exc:
        raise SoapFault("InvalidResponse", f"the esxcli answer is not XML ({exc})") from None
    kind = (root.get(XSI_TYPE) or "").rpartition(":")[2]
    if not len(root):
        value = value_of(root)
        records: tuple[Any, ...] = () if value in ("", []) else (value,)
    elif kind.startswith("ArrayOf") or all(local(c.tag) == "DataObject" for c in root):
        records = tuple(_plain(value_of(child)) for child in root)
    else:
        records = (_plain(value_of(root)),)
    return EsxcliAnswer(records=records, result_type=kind, raw=text)


def _plain(value: Any) -> Any:
    """Plain JSON-able Python (dicts, lists, scalars), so a capture can store it as it is.
    Text, most of an answer, is passed over without a call."""
    if type(value) is dict:
        return {k: v if type(v) is str else _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [v if type(v) is str else _plain(v) for v in value]
    if isinstance(value, MoRef):
        return value.value
    return value
