"""Inventory on lab vCenters: VM table load four ways, first rows, filter keystrokes, memory.

Part 1 (5,000 VMs / 200 hosts, the same ten VM properties every way, one run, side by side):
  naive       pyVmomi property reads VM by VM (a sample, scaled up; `--naive-all` for all)
  pyVmomi-PC  one RetrievePropertiesEx (+ Continue...) through pyVmomi's deserializer
  project     the console's own request, streamed parse, typed rows built (the table model)
  raw wire    the same request's HTTP answer read into memory, nothing parsed
Then the pane's first rows after connect (Pilot, 80x24).
Part 2 (10,000 VMs): filter keystroke -> table updated in the pane (Pilot), the DataTable-based
ResourceTable doing the same (fewer rows: it does not scale), and RSS growth for the table.

    .venv/bin/python bench/bench_inventory.py [--repeat 3] [--skip-10k] [--naive-all]
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "tests"))

TYPED = "cl2-vm-00"
KEYS: list[tuple[str, str]] = (
    [("minus" if c == "-" else c, c) for c in TYPED]
    + [("backspace", "")] * len(TYPED)
    + [("exclamation_mark", "!"), ("o", "o"), ("f", "f"), ("f", "f")]
    + [("backspace", "")] * 4
)


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def watch_repaints(widget: Any) -> list[float]:
    """Times at which `widget` rendered a line (the table on screen reflects its state)."""
    painted: list[float] = []
    original = widget.render_line

    def render_line(y: int) -> Any:
        painted.append(time.perf_counter())
        return original(y)

    widget.render_line = render_line
    return painted


def watch_filters(table: Any) -> list[float]:
    """Times at which the table finished applying a filter (its rows are the new ones)."""
    done: list[float] = []
    original = table._refilter

    def refilter(keep: Any) -> None:
        original(keep)
        done.append(time.perf_counter())

    table._refilter = refilter
    return done


def start_lab(hosts: int, vms: int, tmp: Path) -> Any:
    from vconsole.lab.scenario import generate_scenario
    from vconsole.lab.vcsim import VcsimLab

    started = time.perf_counter()
    lab = VcsimLab(generate_scenario(hosts=hosts, vms=vms), tmp / f"lab-{vms}").start(timeout=1800)
    print(f"lab vCenter with {vms} VMs / {hosts} hosts up in {time.perf_counter() - started:.0f} s")
    return lab


def connect(lab: Any) -> Any:
    from pyVim.connect import SmartConnect

    return SmartConnect(
        host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http"
    )


# -- part 1: the four ways --------------------------------------------------------------------
def naive(si: Any, sample: int | None) -> tuple[float, int, int]:
    from pyVmomi import vim

    content = si.content
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    vms = list(view.view)
    view.Destroy()
    chosen = vms if sample is None else vms[:sample]
    started = time.perf_counter()
    rows = []
    for vm in chosen:
        rows.append(
            (
                vm.name,
                vm.runtime.powerState,
                vm.runtime.host,
                vm.runtime.connectionState,
                vm.summary.config.numCpu,
                vm.summary.config.memorySizeMB,
                vm.summary.config.guestFullName,
                vm.summary.config.template,
                vm.guest.ipAddress,
                vm.guest.toolsRunningStatus,
            )
        )
    elapsed = time.perf_counter() - started
    return elapsed * len(vms) / len(chosen), len(chosen), len(vms)


def pyvmomi_pc(si: Any, keep: list[Any] | None = None) -> tuple[float, int]:
    """One RetrievePropertiesEx (and its continuations) through pyVmomi; `keep` receives the
    results, as a script holding them would."""
    from pyVmomi import vim, vmodl

    from vconsole.services.inventory_specs import VM_PATHS

    content = si.content
    pc = content.propertyCollector
    started = time.perf_counter()
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    traversal = vmodl.query.PropertyCollector.TraversalSpec(
        name="view", type=vim.view.ContainerView, path="view", skip=False
    )
    spec = vmodl.query.PropertyCollector.FilterSpec(
        objectSet=[
            vmodl.query.PropertyCollector.ObjectSpec(obj=view, skip=True, selectSet=[traversal])
        ],
        propSet=[
            vmodl.query.PropertyCollector.PropertySpec(
                type=vim.VirtualMachine, pathSet=list(VM_PATHS)
            )
        ],
    )
    options = vmodl.query.PropertyCollector.RetrieveOptions(maxObjects=1000)
    result = pc.RetrievePropertiesEx([spec], options)
    rows = []
    while True:
        if keep is not None:
            keep.append(result)
        for obj in result.objects:
            rows.append({p.name: p.val for p in obj.propSet})
        if not result.token:
            break
        result = pc.ContinueRetrievePropertiesEx(result.token)
    elapsed = time.perf_counter() - started
    view.Destroy()
    return elapsed, len(rows)


async def project(manager: Any) -> tuple[float, float, int]:
    """Time until the VM rows are built (hosts and clusters already known, as in the pane)."""
    from vconsole.services.inventory import InventoryService
    from vconsole.services.inventory_specs import STRUCTURE_SPECS, STRUCTURE_TYPES
    from vconsole.vim.collector import PropertyReader

    service = InventoryService(manager)
    store = service.stores["vc01"]
    reader = PropertyReader(await manager.vim("vc01"))
    async for batch in reader.stream(STRUCTURE_TYPES, STRUCTURE_SPECS):
        store.add(batch)
    started = time.perf_counter()
    first = None
    async for batch in service.vm_batches(reader, store):
        if first is None:
            first = time.perf_counter() - started
        store.add(batch)
    elapsed = time.perf_counter() - started
    vms = sum(1 for r in store.rows.values() if r.kind.value == "vm")
    return elapsed, first or 0.0, vms


def raw_wire(si: Any, container: Any = None) -> tuple[float, int]:
    """The VM answer read into memory, nothing parsed; of one container (default: all). Every
    page: a server that pages is asked on with ContinueRetrievePropertiesEx, as the console does.
    The same connections and headers as the console's requests (gzip asked for)."""
    from vconsole.services.inventory_specs import VM_SPECS, VM_TYPES
    from vconsole.vim import soap, transport

    stub = si._stub
    content = si.content
    collector = soap.MoRef("PropertyCollector", content.propertyCollector._moId)
    view_manager = soap.MoRef("ViewManager", content.viewManager._moId)
    root = container or soap.MoRef("Folder", content.rootFolder._moId)
    started = time.perf_counter()
    view = transport.post(stub, soap.create_container_view(view_manager, root, VM_TYPES)).returned
    data = transport.post_bytes(stub, soap.retrieve_properties_ex(collector, view, VM_SPECS, 1000))
    size = len(data)
    while token := _page_token(data):
        data = transport.post_bytes(stub, soap.continue_retrieve_properties_ex(collector, token))
        size += len(data)
    elapsed = time.perf_counter() - started
    transport.post(stub, soap.destroy_view(view))
    return elapsed, size


def _page_token(answer: bytes) -> str:
    """The paging token of a RetrieveResult (it precedes the objects), without parsing them."""
    head = answer[:4096]
    start = head.find(b"<token>")
    if start < 0:
        return ""
    end = head.find(b"</token>", start)
    return head[start + len(b"<token>") : end].decode() if end > 0 else ""


async def part_one(lab: Any, args: argparse.Namespace, tmp: Path) -> None:
    from inventory_helpers import manager_for

    si = connect(lab)
    sample = None if args.naive_all else args.naive_sample
    n_s, n_done, n_total = naive(si, sample)
    results: dict[str, list[float]] = {"pyVmomi-PC": [], "project": [], "raw wire": []}
    firsts: list[float] = []
    size = 0
    for _ in range(args.repeat):
        wire_s, size = raw_wire(si)
        results["raw wire"].append(wire_s)
        results["pyVmomi-PC"].append(pyvmomi_pc(si)[0])
        manager = manager_for(tmp, {"vc01": lab})
        elapsed, first, vms = await project(manager)
        await manager.close()
        results["project"].append(elapsed)
        firsts.append(first)
    raw = statistics.median(results["raw wire"])
    print(f"\nVM table, {n_total} VMs, 10 properties each ({size / 2**20:.1f} MB answer); "
          f"median of {args.repeat}:")  # fmt: skip
    label = "all" if sample is None else f"{n_done} sampled, scaled"
    print(f"  naive pyVmomi reads    {n_s:8.2f} s   ({label})")
    for name in ("pyVmomi-PC", "project", "raw wire"):
        med = statistics.median(results[name])
        print(f"  {name:<22} {med:8.2f} s   {med / raw:5.1f}x raw wire")
    print(f"  target: project <= 3x raw wire. Project's one request alone: first VM rows "
          f"{statistics.median(firsts) * 1000:.0f} ms after it was sent")  # fmt: skip
    await pane_first_rows(lab, tmp)


async def pane_first_rows(lab: Any, tmp: Path) -> None:
    from inventory_helpers import manager_for

    from screens.app import VconsoleApp

    manager = manager_for(tmp, {"vc01": lab})
    app = VconsoleApp(manager, manager.profile, start_pane="vm")
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        while screen.first_rows_at is None:
            await pilot.pause(0.01)
        first = screen.first_rows_at
        connected = screen.connected_at or 0.0
        while screen.service.statuses["vc01"].load_s is None:
            await pilot.pause(0.05)
        load = screen.service.statuses["vc01"].load_s or 0.0
    print(f"  pane: first VM rows on screen {(first - connected) * 1000:.0f} ms after connect "
          f"(login took {connected * 1000:.0f} ms; all {load:.2f} s; target <= 300 ms)")  # fmt: skip


# -- part 2: 10,000 VMs in the pane -----------------------------------------------------------
async def part_two(lab: Any, args: argparse.Namespace, tmp: Path) -> None:
    from inventory_helpers import manager_for

    from screens.app import VconsoleApp

    manager = manager_for(tmp, {"vc01": lab})
    app = VconsoleApp(manager, manager.profile, start_pane="conn")
    async with app.run_test(size=(80, 24)) as pilot:
        before = await open_vm_pane(app, pilot)
        screen = app.screen
        while "vc01" not in screen.service.watching or len(screen.table.rows) < args.vms_10k:
            await pilot.pause(0.1)
        await pilot.pause(0.5)
        gc.collect()
        after = rss_mb()
        rows = len(screen.table.rows)
        repaint, updated, round_trip = await type_filter(pilot, screen.table)
        shown = len(screen.table.shown)
    print(f"\nPane with {rows} VMs (80x24, Pilot), {len(KEYS)} keys typed into the / filter:")
    print(f"  keystroke -> table rows updated: median {statistics.median(updated) * 1000:.1f} ms, "
          f"max {max(updated) * 1000:.1f} ms")  # fmt: skip
    print(f"  keystroke -> table repainted: median {statistics.median(repaint) * 1000:.1f} ms, "
          f"max {max(repaint) * 1000:.1f} ms (target <= 50 ms median)")  # fmt: skip
    print(f"  Pilot round trip (adds Pilot's idle detection): median "
          f"{statistics.median(round_trip) * 1000:.0f} ms; last filter kept {shown} rows")  # fmt: skip
    print(f"  RSS {before:.0f} MB -> {after:.0f} MB: +{after - before:.0f} MB for the rows, "
          f"store and update stream (target <= 150 MB)")  # fmt: skip
    await naive_table(args.naive_table_rows)


async def open_vm_pane(app: Any, pilot: Any) -> float:
    """RSS (MB) once the app settled on another pane, then the VM pane opened."""
    await pilot.pause(0.5)
    gc.collect()
    before = rss_mb()
    app.jump("vm")
    await pilot.pause(0.1)
    return before


async def type_filter(pilot: Any, table: Any) -> tuple[list[float], list[float], list[float]]:
    """Types KEYS into the pane's / filter: per key, seconds until the table repainted, until
    its rows were filtered, and Pilot's whole round trip."""
    painted = watch_repaints(table)
    filtered = watch_filters(table)
    await pilot.press("slash")
    await pilot.pause(0.1)
    repaint, updated, round_trip = [], [], []
    for key, _ in KEYS:
        painted.clear()
        filtered.clear()
        started = time.perf_counter()
        await pilot.press(key)
        await pilot.pause()
        round_trip.append(time.perf_counter() - started)
        repaint.append(max(painted) - started if painted else float("nan"))
        updated.append(max(filtered) - started if filtered else float("nan"))
    return repaint, updated, round_trip


async def naive_table(count: int) -> None:
    """The shared DataTable-based ResourceTable with the same keystrokes (fewer rows)."""
    from textual.app import App, ComposeResult

    from widgets.filter_bar import parse_filter
    from widgets.resource_table import ResourceColumn, ResourceTable

    columns = [ResourceColumn(f"c{i}", f"C{i}") for i in range(10)]

    class Bare(App[None]):
        def compose(self) -> ComposeResult:
            yield ResourceTable(columns, id="t")

    app = Bare()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        rows = {
            f"k{i}": (f"BR{i % 10:02d}-CL{i % 4 + 1}-vm-{i:04d}", *(f"v{i}-{j}" for j in range(9)))
            for i in range(count)
        }
        started = time.perf_counter()
        table.set_rows(rows)
        await pilot.pause()
        fill = time.perf_counter() - started
        text = ""
        painted = watch_repaints(table)
        times = []
        for key, char in KEYS:
            text = text[:-1] if key == "backspace" else text + char
            painted.clear()
            started = time.perf_counter()
            table.set_filter(parse_filter(text))
            await pilot.pause()
            times.append(max(painted) - started if painted else time.perf_counter() - started)
    print(f"  naive: ResourceTable (DataTable) with {count} rows: filled in {fill:.2f} s; "
          f"filter -> repainted median {statistics.median(times) * 1000:.0f} ms, "
          f"max {max(times) * 1000:.0f} ms")  # fmt: skip


async def main(args: argparse.Namespace) -> None:
    tmp = Path(tempfile.mkdtemp(prefix="bench-inventory-"))
    os.environ.setdefault("VCONSOLE_STATE_DIR", str(tmp / "state"))
    os.environ.setdefault("VCONSOLE_CONFIG_DIR", str(tmp / "cfg"))
    if not args.only_10k:
        lab = start_lab(200, 5000, tmp)
        try:
            await part_one(lab, args, tmp)
        finally:
            lab.stop()
    if args.skip_10k:
        return
    if not args.only_10k:
        # a fresh process, so the RSS figure is not flattered or inflated by part 1's heap
        command = [sys.executable, __file__, "--only-10k", "--vms-10k", str(args.vms_10k),
                   "--naive-table-rows", str(args.naive_table_rows)]  # fmt: skip
        subprocess.run(command, check=False)
        return
    lab = start_lab(400, args.vms_10k, tmp)
    try:
        await part_two(lab, args, tmp)
    finally:
        lab.stop()


def parse_args() -> argparse.Namespace:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    p.add_argument("--repeat", type=int, default=3)
    p.add_argument("--naive-sample", type=int, default=500, help="VMs read the naive way")
    p.add_argument("--naive-all", action="store_true", help="read every VM the naive way")
    p.add_argument("--naive-table-rows", type=int, default=2000)
    p.add_argument("--vms-10k", type=int, default=10000)
    p.add_argument("--skip-10k", action="store_true")
    p.add_argument("--only-10k", action="store_true")
    return p.parse_args()


if __name__ == "__main__":
    asyncio.run(main(parse_args()))
