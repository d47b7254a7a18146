"""The inventory pane at 80x24, driven with Pilot on a real session manager and lab vCenters."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from inventory_helpers import (
    DOWN_HOST,
    VM_TOTAL,
    default_lab_fixture,
    manager_for,
    needs_vcsim,
    second_scenario,
    shared_lab,
)
from shell_helpers import wait_until
from textual.widgets import Static

from screens.app import VconsoleApp
from vconsole.lab.vcsim import VcsimLab, lab_vms
from vconsole.models.inventory import LoadState, ObjectKind

pytestmark = [needs_vcsim, pytest.mark.timeout(300)]


lab = default_lab_fixture()


def app_for(tmp: Path, labs: dict[str, VcsimLab], start: str = "vm", **kw: Any) -> VconsoleApp:
    manager = manager_for(tmp, labs, **kw)
    return VconsoleApp(manager, manager.profile, start_pane=start)


def text_of(screen: Any, selector: str) -> str:
    return str(screen.query_one(selector, Static).render())


async def test_vm_table_fills_and_views_switch_by_alias(lab: VcsimLab, tmp_path: Path) -> None:
    app = app_for(tmp_path, {"vc01": lab})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: len(screen.table.rows) == VM_TOTAL)
        await wait_until(pilot, lambda: screen.service.statuses["vc01"].state == LoadState.LIVE)
        assert screen.first_rows_at is not None
        assert "VM host" in text_of(screen, "#inventory-tabs")
        assert f"{VM_TOTAL}/{VM_TOTAL}" in text_of(screen, "#inventory-tabs")
        assert "vc01 live" in text_of(screen, "#inventory-status")

        await pilot.press("colon", *"host", "enter")
        await pilot.pause(0.2)
        assert app.screen is screen and screen.kind == ObjectKind.HOST
        assert len(screen.table.shown) == len(lab.scenario.hosts)
        down = next(k for k in screen.table.rows if screen.service.row(k).name == DOWN_HOST)
        assert "notResponding" in screen.table.rows[down].cells

        await pilot.press("colon", *"ds", "enter")
        await pilot.pause(0.2)
        assert screen.kind == ObjectKind.DATASTORE
        await pilot.press("colon", *"lag", "enter")  # another pane's alias still jumps
        await pilot.pause(0.3)
        assert app.screen is not screen


async def test_filter_negation_invalid_regex_and_sort(lab: VcsimLab, tmp_path: Path) -> None:
    app = app_for(tmp_path, {"vc01": lab})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        await wait_until(pilot, lambda: len(screen.table.rows) == VM_TOTAL)
        table = screen.table
        await pilot.press("slash", *"poweredoff")
        await pilot.pause(0.2)
        off = len(table.shown)
        assert 0 < off < VM_TOTAL
        assert all(screen.service.row(k).power_state == "poweredOff" for k in table.shown)
        await pilot.press("ctrl+a")
        await pilot.press("exclamation_mark")
        await pilot.pause(0.2)
        assert len(table.shown) == VM_TOTAL - off

        await pilot.press("left_square_bracket")  # "![poweredoff" is not a regex
        await pilot.pause(0.2)
        error = str(screen.query_one("#filter-error").render())
        assert "invalid regex" in error
        assert len(table.shown) == VM_TOTAL - off  # the previous filter still applies

        await pilot.press("escape")
        await pilot.pause(0.2)
        assert len(table.shown) == VM_TOTAL
        table.focus()
        for _ in range(5):
            await pilot.press("right")  # memory column
        await pilot.press("s")
        await pilot.pause(0.1)
        memory = [screen.service.row(k).memory_mb for k in table.shown]
        assert memory == sorted(memory)
        await pilot.press("s")
        await pilot.pause(0.1)
        memory = [screen.service.row(k).memory_mb for k in table.shown]
        assert memory == sorted(memory, reverse=True)


async def test_tree_scope_details_copy_and_export(lab: VcsimLab, tmp_path: Path) -> None:
    app = app_for(tmp_path, {"vc01": lab})
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.export_dir = tmp_path
        await wait_until(pilot, lambda: len(screen.table.rows) == VM_TOTAL)
        tree = screen.scope_tree

        def akl_host() -> Any:
            return next(
                (
                    n
                    for n in tree._all_nodes()
                    if n.data and n.data.host and "esx-akl-01" in str(n.label)
                ),
                None,
            )

        await wait_until(pilot, lambda: akl_host() is not None)  # the tree follows within a second
        host_node = akl_host()
        parent = host_node.parent
        while parent is not None:
            parent.expand()
            parent = parent.parent
        tree.focus()
        await pilot.pause()
        tree.move_cursor(host_node)
        await pilot.pause(0.2)
        assert screen.scope.host == "esx-akl-01"
        assert len(screen.table.shown) == 8
        assert {screen.service.row(k).host for k in screen.table.shown} == {"esx-akl-01"}

        screen.table.focus()
        await pilot.press("Y")
        assert app.clipboard.split("\t")[2] == "esx-akl-01"
        await pilot.press("y")
        assert app.clipboard == screen.service.row(screen.table.cursor_key).name

        await pilot.press("e")  # asks where; the default is the pane's export dir
        await pilot.pause()
        await pilot.press("enter")
        await pilot.pause(0.1)
        exported = sorted(tmp_path.glob("inventory-vm-*.json"))
        assert exported, "export wrote no JSON"
        data = json.loads(exported[-1].read_text())
        assert len(data) == 8 and {d["host"] for d in data} == {"esx-akl-01"}
        csv_text = exported[-1].with_suffix(".csv").read_text()
        assert csv_text.splitlines()[0].startswith("vcenter,type,name,moid,parent")
        assert len(csv_text.splitlines()) == 9

        await pilot.press("enter")
        await pilot.pause(0.1)
        details = app.screen
        assert type(details).__name__ == "InventoryDetailsScreen"
        await wait_until(pilot, lambda: details.details is not None)
        text = details.query_one("#details-text").text
        assert "Power  " in text and "Recent events" in text and "Recent tasks" in text
        await pilot.press("escape")
        await pilot.pause(0.1)
        assert app.screen is screen
        await pilot.press("a")
        await pilot.pause(0.1)
        assert len(screen.table.shown) == VM_TOTAL


async def test_two_vcenters_one_table_and_a_stale_one(lab: VcsimLab, tmp_path: Path) -> None:
    from inventory_helpers import DroppingProxy, vm_answer_bytes

    lab2 = shared_lab("second", second_scenario)
    proxy = DroppingProxy(lab2.port)
    proxy.drop_after(int(vm_answer_bytes(lab2) * 0.75))  # more than one cluster's VMs
    app = app_for(tmp_path, {"vc01": lab, "vc02": lab2}, ports={"vc02": proxy.port})
    total = VM_TOTAL + len(lab_vms(lab2.scenario))
    async with app.run_test(size=(80, 24)) as pilot:
        screen = app.screen
        screen.service.reconnect_delays_s = (3.0,)
        await wait_until(pilot, lambda: "vc02" in screen.service.stale())
        status = text_of(screen, "#inventory-status")
        assert "vc02 stale" in status and "reconnecting" in status
        await wait_until(pilot, lambda: not screen.service.stale(), seconds=30)
        await wait_until(pilot, lambda: len(screen.table.rows) == total)
        vcenters = {screen.service.row(k).vcenter for k in screen.table.rows}
        assert vcenters == {"vc01", "vc02"}
        await pilot.press("slash", *"^vc02$")
        await pilot.pause(0.2)
        assert len(screen.table.shown) == total - VM_TOTAL
        await asyncio.sleep(0)
    proxy.close()
