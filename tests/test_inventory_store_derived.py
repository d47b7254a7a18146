"""The store derives rows incrementally (VM rows borrow host, cluster and datacenter names
through a cache); whatever the order of changes, its rows are the rows a fresh store derives
from the same final objects."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.services.inventory_store import VcenterInventory
from vconsole.vim.parser import ObjectChange, ObjectProperties
from vconsole.vim.soap import MoRef

DCS = [MoRef("Datacenter", f"dc-{i}") for i in range(2)]
FOLDERS = [MoRef("Folder", f"host-folder-{i}") for i in range(2)]
CLUSTERS = [MoRef("ClusterComputeResource", f"domain-c{i}") for i in range(3)]
HOSTS = [MoRef("HostSystem", f"host-{i}") for i in range(4)]
VMS = [MoRef("VirtualMachine", f"vm-{i}") for i in range(6)]
NAMES = st.sampled_from(["a", "b", "c", "R&D"])


def _start() -> list[ObjectProperties]:
    objects = [ObjectProperties(dc, {"name": dc.value}) for dc in DCS]
    objects += [
        ObjectProperties(f, {"name": "host", "parent": DCS[i]}) for i, f in enumerate(FOLDERS)
    ]
    objects += [
        ObjectProperties(c, {"name": c.value, "parent": FOLDERS[i % 2]})
        for i, c in enumerate(CLUSTERS)
    ]
    objects += [
        ObjectProperties(h, {"name": h.value, "parent": CLUSTERS[i % 3]})
        for i, h in enumerate(HOSTS)
    ]
    return objects + [
        ObjectProperties(
            v, {"name": v.value, "runtime.host": HOSTS[i % 4], "summary.config.numCpu": 2}
        )
        for i, v in enumerate(VMS)
    ]


CHANGES = st.one_of(
    st.builds(
        lambda o, n: ObjectChange(o, "modify", {"name": n}),
        st.sampled_from(DCS + CLUSTERS + HOSTS + VMS),
        NAMES,
    ),
    st.builds(
        lambda h, p: ObjectChange(h, "modify", {"parent": p}),
        st.sampled_from(HOSTS),
        st.sampled_from(CLUSTERS + FOLDERS),
    ),
    st.builds(
        lambda c, p: ObjectChange(c, "modify", {"parent": p}),
        st.sampled_from(CLUSTERS),
        st.sampled_from(FOLDERS),
    ),
    st.builds(
        lambda f, p: ObjectChange(f, "modify", {"parent": p}),
        st.sampled_from(FOLDERS),
        st.sampled_from(DCS),
    ),
    st.builds(
        lambda v, h: ObjectChange(v, "modify", {"runtime.host": h}),
        st.sampled_from(VMS),
        st.sampled_from(HOSTS),
    ),
    st.builds(
        lambda h: ObjectChange(h, "modify", {"summary.quickStats.overallCpuUsage": 5}),
        st.sampled_from(HOSTS),
    ),
    st.builds(lambda o: ObjectChange(o, "leave", {}), st.sampled_from(HOSTS + VMS + CLUSTERS)),
    st.builds(
        lambda o, n: ObjectChange(o, "enter", {"name": n, "parent": CLUSTERS[0]}),
        st.sampled_from(HOSTS),
        NAMES,
    ),
)


def _fresh(store: VcenterInventory) -> dict[str, Any]:
    again = VcenterInventory(store.vcenter)
    again.add(
        [ObjectProperties(MoRef(o.type, moid), dict(o.props)) for moid, o in store.objects.items()]
    )
    return again.rows


@settings(max_examples=80, deadline=None)
@given(st.lists(st.lists(CHANGES, min_size=1, max_size=4), max_size=6))
def test_rows_after_any_changes_are_the_rows_derived_afresh(
    batches: list[list[ObjectChange]],
) -> None:
    store = VcenterInventory("vc01")
    store.add(_start())
    for batch in batches:
        store.apply(batch)
        assert store.rows == _fresh(store)


def test_a_renamed_host_renames_its_vms_host_column() -> None:
    store = VcenterInventory("vc01")
    store.add(_start())
    delta = store.apply([ObjectChange(HOSTS[0], "modify", {"name": "esx-a.lab"})])
    assert {r.moid: r.host for r in store.rows.values() if r.kind.value == "vm"} == {
        "vm-0": "esx-a.lab",
        "vm-1": "host-1",
        "vm-2": "host-2",
        "vm-3": "host-3",
        "vm-4": "esx-a.lab",
        "vm-5": "host-1",
    }
    assert {"vc01/vm-0", "vc01/vm-4"} <= set(delta.upserts)


def test_a_modify_for_a_host_that_left_brings_it_back_under_its_moid() -> None:
    """A host that left and is then modified (its update came late) is known again: its VMs
    show it as a store derived afresh does."""
    store = VcenterInventory("vc01")
    store.add(_start())
    store.apply([ObjectChange(HOSTS[0], "leave", {})])
    assert store.rows["vm-0"].host == ""
    store.apply([ObjectChange(HOSTS[0], "modify", {"summary.quickStats.overallCpuUsage": 5})])
    assert store.rows["vm-0"].host == "host-0"
    assert store.rows == _fresh(store)
