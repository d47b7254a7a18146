"""PropertyCollector answer parsing, three ways, on one generated answer (no lab needed).

  fast        the console's scanner (FastAnswerParser), fed in 64 KiB chunks
  etree       the console's ElementTree path (AnswerParser), what the scanner falls back to
  pyVmomi     pyVmomi's SOAP deserializer on the same bytes (the naive way)

Answers are in the layout vCenter writes (ten VM properties per object); `--odd` writes every
object with `xmlns="urn:vim25"` and entities in names and moids, the shapes the scanner hands
to ElementTree, to show what the fallback costs.

    .venv/bin/python bench/bench_soap_parse.py [--objects 20000] [--repeat 3] [--odd]
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ENVELOPE = (
    '<?xml version="1.0" encoding="UTF-8"?>\n'
    '<soapenv:Envelope xmlns:soapenc="http://schemas.xmlsoap.org/soap/encoding/" '
    'xmlns:soapenv="http://schemas.xmlsoap.org/soap/envelope/" '
    'xmlns:xsd="http://www.w3.org/2001/XMLSchema" '
    'xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance"><soapenv:Body>'
    '<RetrievePropertiesExResponse xmlns="urn:vim25"><returnval>{}</returnval>'
    "</RetrievePropertiesExResponse></soapenv:Body></soapenv:Envelope>"
)


def generated(count: int, odd: bool) -> bytes:
    objects = []
    tag = '<objects xmlns="urn:vim25">' if odd else "<objects>"
    for i in range(count):
        moid = f"vm-{i}&amp;x" if odd else f"vm-{i}"
        objects.append(
            f'{tag}<obj type="VirtualMachine">{moid}</obj>'
            f'<propSet><name>name</name><val xsi:type="xsd:string">web-{i:05d}</val></propSet>'
            "<propSet><name>runtime.powerState</name>"
            '<val xsi:type="VirtualMachinePowerState">poweredOn</val></propSet>'
            '<propSet><name>runtime.host</name><val xsi:type="ManagedObjectReference" '
            f'type="HostSystem">host-{i % 200}</val></propSet>'
            '<propSet><name>summary.config.numCpu</name><val xsi:type="xsd:int">4</val></propSet>'
            '<propSet><name>summary.config.memorySizeMB</name><val xsi:type="xsd:int">8192'
            "</val></propSet>"
            '<propSet><name>summary.config.guestFullName</name><val xsi:type="xsd:string">'
            "Ubuntu Linux (64-bit)</val></propSet>"
            '<propSet><name>guest.ipAddress</name><val xsi:type="xsd:string">10.0.'
            f"{i // 250 % 250}.{i % 250}</val></propSet>"
            '<propSet><name>summary.quickStats.overallCpuUsage</name><val xsi:type="xsd:int">'
            f"{i % 3000}</val></propSet>"
            '<propSet><name>summary.storage.committed</name><val xsi:type="xsd:long">'
            f"{i * 1048576}</val></propSet>"
            '<propSet><name>config.template</name><val xsi:type="xsd:boolean">false</val>'
            "</propSet></objects>"
        )
    return ENVELOPE.format("".join(objects)).encode()


def fast(data: bytes) -> int:
    from vconsole.vim.scanner import FastAnswerParser

    parser = FastAnswerParser()
    count = 0
    for i in range(0, len(data), 65536):
        count += len(parser.feed(data[i : i + 65536]))
    return count + len(parser.close())


def etree(data: bytes) -> int:
    from vconsole.vim.parser import AnswerParser

    parser = AnswerParser()
    return len(parser.feed(data)) + len(parser.close())


def pyvmomi(data: bytes) -> int:
    from pyVmomi import SoapAdapter, vmodl

    stub = SoapAdapter.SoapStubAdapter(host="127.0.0.1", port=-1, version="vim.version.version9")
    result = SoapAdapter.SoapResponseDeserializer(stub).Deserialize(
        data, vmodl.query.PropertyCollector.RetrieveResult
    )
    return len(result.objects)


def timed(fn: Callable[[bytes], int], data: bytes, repeat: int) -> tuple[float, int]:
    runs = []
    count = 0
    for _ in range(repeat):
        start = time.perf_counter()
        count = fn(data)
        runs.append(time.perf_counter() - start)
    return statistics.median(runs), count


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--objects", type=int, default=20000)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--odd", action="store_true")
    args = p.parse_args()
    data = generated(args.objects, args.odd)
    print(
        f"{args.objects} objects, {len(data) / 1e6:.1f} MB, {'odd' if args.odd else 'vCenter'} layout"
    )
    print(f"{'way':10} {'median s':>9} {'objects':>8} {'MB/s':>7}")
    for name, fn in (("fast", fast), ("etree", etree), ("pyVmomi", pyvmomi)):
        seconds, count = timed(fn, data, args.repeat)
        print(f"{name:10} {seconds:9.3f} {count:8} {len(data) / 1e6 / seconds:7.1f}")


if __name__ == "__main__":
    main()
