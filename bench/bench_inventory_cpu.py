"""The console's CPU for the whole VM table, apart from the wire and from the other processes:
what issue 18's ratio is bounded by when the simulators and the console share the cores.

Once per estate size, a lab is generated (`generate_scenario`) and the raw SOAP answers the
console asks for are kept in a directory (the structure read, then the VMs datacenter by
datacenter, every page); later runs reuse them (`--fresh` captures again). Then, in this
process, `--repeat` times, with `time.process_time` (the median):

  parse     those bytes fed to the console's scanner in 256 KiB chunks (as `transport` reads
            them) into what the store receives, full collections postponed as in a load
  rows      those objects added to a store that already holds the structure, in the batches
            the reader hands over (2,000 objects), until the typed rows are in
  naive     the same bytes through pyVmomi's SOAP deserializer (what `RetrievePropertiesEx`
            costs a pyVmomi script), and through the console's ElementTree path

per VM, in microseconds, with the load average (CPU time barely depends on it).

    .venv/bin/python bench/bench_inventory_cpu.py [--hosts 2500 --vms 45000] [--repeat 5]
        [--dir DIR] [--fresh] [--profile parse|rows] [--previous OTHER_CHECKOUT]

`--previous` measures another checkout's `vconsole` on the same answers, and this one, each in
a fresh process, in turn (`--rounds` times): before and after in one run, e.g.
`git archive main vconsole | tar -x -C /tmp/base` then `--previous /tmp/base`.
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import os
import pstats
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
TREE = Path(sys.argv[sys.argv.index("--tree") + 1]) if "--tree" in sys.argv else ROOT
"""Whose `vconsole` is measured: this checkout, or (`--tree`, for `--previous`) another one."""
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(TREE))
sys.path.insert(0, str(ROOT / "bench"))

from bench_inventory import _page_token, connect  # noqa: E402
from bench_soap_parse import pyvmomi  # noqa: E402

sys.path.insert(0, str(TREE))  # again: the helpers above put this checkout first
import vconsole  # noqa: E402

if Path(vconsole.__file__).resolve().parents[1] != TREE.resolve():
    raise SystemExit(f"vconsole is imported from {vconsole.__file__}, not from {TREE}")

from vconsole.vim.gc_pause import full_collections_postponed  # noqa: E402
from vconsole.vim.transport import READ_SIZE  # noqa: E402

BATCH = 2000
"""Objects per batch handed to the store (`PropertyReader`'s batch size)."""


def load() -> str:
    one, five, _ = os.getloadavg()
    return f"[load {one:.1f}/{five:.1f}]"


# -- capture ------------------------------------------------------------------------------------
def _pages(stub: Any, collector: Any, view: Any, specs: Any) -> Iterator[bytes]:
    from vconsole.vim import soap, transport

    data = transport.post_bytes(stub, soap.retrieve_properties_ex(collector, view, specs, 1000))
    yield data
    while token := _page_token(data):
        data = transport.post_bytes(stub, soap.continue_retrieve_properties_ex(collector, token))
        yield data


def _read_all(si: Any, root: Any, types: Any, specs: Any) -> list[bytes]:
    """Every page of one read over a container view of `types` under `root`."""
    from vconsole.vim import soap, transport

    stub, content = si._stub, si.content
    collector = soap.MoRef("PropertyCollector", content.propertyCollector._moId)
    view_manager = soap.MoRef("ViewManager", content.viewManager._moId)
    view = transport.post(stub, soap.create_container_view(view_manager, root, types)).returned
    try:
        return list(_pages(stub, collector, view, specs))
    finally:
        transport.post(stub, soap.destroy_view(view))


def capture(hosts: int, vms: int, folder: Path) -> None:
    """The structure answer and the VM answers per datacenter, as the console requests them."""
    from vconsole.lab.scenario import generate_scenario
    from vconsole.lab.vcsim import VcsimLab
    from vconsole.services.inventory_specs import (
        STRUCTURE_SPECS,
        STRUCTURE_TYPES,
        VM_SPECS,
        VM_TYPES,
    )
    from vconsole.vim import soap
    from vconsole.vim.scanner import FastAnswerParser

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="vconsole-inv-cpu-lab-") as state:
        lab = VcsimLab(generate_scenario(hosts=hosts, vms=vms), Path(state)).start(timeout=1800)
        try:
            print(f"lab: {vms} VMs / {hosts} hosts up in {time.perf_counter() - started:.0f} s "
                  f"{load()}", flush=True)  # fmt: skip
            si = connect(lab)
            root = soap.MoRef("Folder", si.content.rootFolder._moId)
            structure = _read_all(si, root, STRUCTURE_TYPES, STRUCTURE_SPECS)
            datacenters = []
            for page in structure:
                parser = FastAnswerParser()
                for obj in parser.feed(page) + parser.close():
                    if obj.ref.type == "Datacenter":
                        datacenters.append(obj.ref)
            vm_pages: list[bytes] = []
            for dc in datacenters or [root]:
                vm_pages += _read_all(si, dc, VM_TYPES, VM_SPECS)
        finally:
            lab.stop()
    folder.mkdir(parents=True, exist_ok=True)
    for prefix, pages in (("structure", structure), ("vms", vm_pages)):
        for i, page in enumerate(pages):
            (folder / f"{prefix}-{i:04d}.xml").write_bytes(page)
    print(f"captured {len(structure)} structure and {len(vm_pages)} VM pages in {folder}")


def pages(folder: Path, prefix: str) -> list[bytes]:
    return [p.read_bytes() for p in sorted(folder.glob(f"{prefix}-*.xml"))]


# -- the stages ---------------------------------------------------------------------------------
def vm_packer() -> Any:
    """What the console's VM reads hand the scanner (a tree from before it has none)."""
    try:
        from vconsole.services.inventory_packed import pack_vm
    except ImportError:
        return None
    return pack_vm


def parse(answers: list[bytes], packer: Any = None) -> list[Any]:
    """The scanner over every page, fed as the transport reads it (VM pages: with the
    console's `vm_packer`, as its VM reads do)."""
    from vconsole.vim.scanner import FastAnswerParser

    out: list[Any] = []
    with full_collections_postponed():
        for data in answers:
            parser = FastAnswerParser(packer) if packer is not None else FastAnswerParser()
            for i in range(0, len(data), READ_SIZE):
                out += parser.feed(data[i : i + READ_SIZE])
            out += parser.close()
    return out


def etree(answers: list[bytes]) -> list[Any]:
    from vconsole.vim.parser import AnswerParser

    out: list[Any] = []
    for data in answers:
        parser = AnswerParser()
        out += parser.feed(data) + parser.close()
    return out


def naive_pyvmomi(answers: list[bytes]) -> int:
    return sum(pyvmomi(data) for data in answers)


def structured_store(structure: list[Any]) -> Any:
    from vconsole.services.inventory_store import VcenterInventory

    store = VcenterInventory("vc01")
    store.add(structure)
    return store


def rows(store: Any, objects: list[Any]) -> Any:
    """The VM objects into the store in the reader's batches."""
    with full_collections_postponed():
        for i in range(0, len(objects), BATCH):
            store.add(objects[i : i + BATCH])
    return store


def vm_rows(store: Any) -> int:
    return sum(1 for row in store.rows.values() if row.kind.value == "vm")


def cpu(
    fn: Callable[[], Any], repeat: int, setup: Callable[[], Any] | None = None
) -> tuple[float, float]:
    """Median and least process CPU seconds of `fn` (each run after a full collection, so the
    runs start alike)."""
    runs = []
    for _ in range(repeat):
        if setup is not None:
            setup()
        gc.collect()
        start = time.process_time()
        fn()
        runs.append(time.process_time() - start)
    return statistics.median(runs), min(runs)


def stages(label: str, structure_pages: list[bytes], vm_pages: list[bytes], repeat: int) -> None:
    """The console's two stages, per VM, with the tree they ran on."""
    structure = parse(structure_pages)
    packer = vm_packer()
    objects = parse(vm_pages, packer)
    vms = len(objects)
    stores: list[Any] = []

    def fresh_store() -> None:
        stores[:] = [structured_store(structure)]

    parse_s = cpu(lambda: parse(vm_pages, packer), repeat)
    rows_s = cpu(lambda: rows(stores[0], objects), repeat, fresh_store)
    made = vm_rows(rows(structured_store(structure), objects))
    assert made == vms, f"{made} VM rows from {vms} VMs"
    for name, (median, least) in (
        ("parse", parse_s),
        ("rows", rows_s),
        ("parse + rows", (parse_s[0] + rows_s[0], parse_s[1] + rows_s[1])),
    ):
        print(f"  {label:<9} {name:<13} {median * 1e6 / vms:6.2f} us/VM (least "
              f"{least * 1e6 / vms:5.2f})  {median:6.3f} s {load()}", flush=True)  # fmt: skip


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--hosts", type=int, default=2500)
    p.add_argument("--vms", type=int, default=45000)
    p.add_argument("--repeat", type=int, default=5)
    p.add_argument("--dir", type=Path, default=None, help="where the answers are kept")
    p.add_argument("--fresh", action="store_true", help="capture again")
    p.add_argument("--profile", choices=("parse", "rows"), default=None)
    p.add_argument(
        "--previous",
        type=Path,
        default=None,
        help="another checkout (e.g. `git archive` of main) measured alike, first",
    )
    p.add_argument("--rounds", type=int, default=3, help="with --previous: turns of each")
    p.add_argument("--tree", type=Path, default=None, help=argparse.SUPPRESS)
    p.add_argument("--stages-only", action="store_true", help=argparse.SUPPRESS)
    args = p.parse_args()
    folder = args.dir or Path(tempfile.gettempdir()) / f"vconsole-inv-cpu-{args.hosts}-{args.vms}"
    if args.fresh or not any(folder.glob("vms-*.xml")):
        capture(args.hosts, args.vms, folder)
    structure_pages, vm_pages = pages(folder, "structure"), pages(folder, "vms")
    if args.stages_only:
        label = "previous" if args.tree is not None else "console"
        stages(label, structure_pages, vm_pages, args.repeat)
        return
    size = sum(map(len, vm_pages)) / 2**20
    print(f"{len(vm_pages)} VM pages ({size:.1f} MB), {len(structure_pages)} structure pages; "
          f"CPU per VM, median of {args.repeat} {load()}")  # fmt: skip
    if args.profile:
        structure, objects = parse(structure_pages), parse(vm_pages, vm_packer())
        store = structured_store(structure)
        work = (
            (lambda: parse(vm_pages, vm_packer()))
            if args.profile == "parse"
            else lambda: rows(store, objects)
        )
        profile = cProfile.Profile()
        profile.runcall(work)
        pstats.Stats(profile).sort_stats("tottime").print_stats(25)
        return
    if args.previous is None:
        stages("console", structure_pages, vm_pages, args.repeat)
    for _ in range(args.rounds if args.previous is not None else 0):
        for tree in (["--tree", str(args.previous)], []):  # each in a fresh process, in turn
            subprocess.run(
                [sys.executable, __file__, *tree, "--stages-only", "--dir", str(folder),
                 "--repeat", str(args.repeat)],
                check=True,
            )  # fmt: skip
    vms = len(parse(vm_pages))
    naive_repeat = max(1, args.repeat // 3)
    for name, fn in (("ElementTree", etree), ("pyVmomi", naive_pyvmomi)):
        seconds, _ = cpu(lambda fn=fn: fn(vm_pages), naive_repeat)  # type: ignore[misc]
        print(f"  {name:<23} {seconds * 1e6 / vms:6.2f} us/VM (parse only)  {seconds:6.3f} s "
              f"{load()}")  # fmt: skip


if __name__ == "__main__":
    main()
