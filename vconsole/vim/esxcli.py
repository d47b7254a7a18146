"""esxcli over the vSphere API, on the wire: the managed method executer of a host, via vCenter.

`HostSystem.RetrieveManagedMethodExecuter` gives the executer; `ExecuteSoap(moid, version, method,
argument[])` runs one esxcli method, each argument a name and its value wrapped in an element of
the same name (the shape govc's host.esxcli sends). The answer is either `response` (an XML
document as a string: `ArrayOfDataObject` of `DataObject`s, or one structure) or `fault`
(`faultMsg`, `faultDetail`). pyVmomi has no binding for these internal methods, so the requests
are written here and posted on the pyVmomi stub's own connection (same cookie, same trust).
"""

from __future__ import annotations

import functools
import hashlib
import threading
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
    esxcli fault's message; `result_type` is the xsi:type of the answer's root. The response's
    XML text is not kept: nothing reads it, and the last answers are kept per request."""

    records: tuple[Any, ...] = ()
    fault: str = ""
    fault_detail: str = ""
    result_type: str = ""


def retrieve_executer_body(host: MoRef) -> bytes:
    return _call("RetrieveManagedMethodExecuter", host, "")


def execute_soap_body(
    executer: MoRef, moid: str, version: str, method: str, args: tuple[tuple[str, str], ...]
) -> bytes:
    """The request; a call with one numeric `size` (a ping probe) is made from a template kept
    per executer and other arguments, so a matrix's probes differ only in the size's digits."""
    sizes = [i for i, (name, _) in enumerate(args) if name == "size"]
    if len(sizes) == 1 and args[sizes[0]][1].isascii() and args[sizes[0]][1].isdigit():
        at = sizes[0]
        marked = (*args[:at], ("size", _SIZE_MARK), *args[at + 1 :])
        parts = _sized_template(executer, moid, version, method, marked)
        if parts is not None:
            return parts[0] + args[at][1].encode() + parts[1]
    return _execute_soap_body(executer, moid, version, method, args)


_SIZE_MARK = "\x00size\x00"  # never in a validated argument, so found only where it was put


@functools.lru_cache(maxsize=4096)
def _sized_template(
    executer: MoRef, moid: str, version: str, method: str, args: tuple[tuple[str, str], ...]
) -> tuple[bytes, bytes] | None:
    body = _execute_soap_body(executer, moid, version, method, args)
    mark = _SIZE_MARK.encode()
    if body.count(mark) != 1:
        return None
    head, _, tail = body.partition(mark)
    return head, tail


def _execute_soap_body(
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
    return body_of(*post_bytes(stub, body, timeout))


def post_bytes(stub: Any, body: bytes, timeout: float | None = None) -> tuple[int, bytes]:
    """POST a SOAP body on the stub's connection; the HTTP status and the answer, unzipped."""
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
    return resp.status, data


def body_of(status: int, data: bytes) -> ElementTree.Element:
    """The Body's first element of a SOAP answer, or SoapFault (NotAuthenticated as pyVmomi's,
    so the connection wrapper logs in again); HTTPException for a status SOAP does not use."""
    if status not in (200, 500):
        raise HTTPException(f"{status} answer")
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
    body = execute_soap_body(executer, moid, version, method, args)
    return _LAST_READ.read(body, *post_bytes(stub, body, timeout))


def read_execute(status: int, data: bytes) -> EsxcliAnswer:
    """A whole ExecuteSoap answer (HTTP status and body) read as `execute_soap` reads it."""
    return execute_answer(body_of(status, data))


def execute_answer(answer: ElementTree.Element) -> EsxcliAnswer:
    """ExecuteSoap's answer element read: the esxcli fault, or the `response` as records."""
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
        return EsxcliAnswer()
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
    return EsxcliAnswer(records=records, result_type=kind)


class _LastRead:
    """Per request, the last answer's digest and what it read to: an esxcli read asked again
    (a pane's poll of `core path list`) mostly gets the very same bytes, whose two XML parses
    (the envelope, then the escaped `response` document in it) and records cost more than the
    call. Bytes that differ in any way are read anew; faults and errors are never kept."""

    def __init__(self, size: int) -> None:
        self.size = size
        self._lock = threading.Lock()  # pool threads read at the same time
        self._kept: dict[bytes, tuple[bytes, EsxcliAnswer]] = {}

    def read(self, request: bytes, status: int, data: bytes) -> EsxcliAnswer:
        if status != 200:
            return read_execute(status, data)
        digest = hashlib.blake2b(data, digest_size=20).digest()
        last = self._kept.get(request)
        if last is not None and last[0] == digest:
            return last[1]
        answer = read_execute(status, data)
        if not answer.fault and self.size:
            with self._lock:
                if len(self._kept) >= self.size:
                    del self._kept[next(iter(self._kept))]  # the oldest asked
                self._kept[request] = (digest, answer)
        return answer

    def clear(self) -> None:
        with self._lock:
            self._kept.clear()


_LAST_READ = _LastRead(16384)  # a read command of a few thousand hosts each


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
