"""One PropertyCollector read over container views, shared by the panes that ask vCenter.

Each pane names the managed types and properties it needs; this asks for all of them in one
`RetrievePropertiesEx` (pages followed by token) instead of a property read per object.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vconsole.untyped import VimObject

PAGE_SIZE = 1000


def read_properties(
    content: VimObject, wanted: Sequence[tuple[VimObject, Sequence[str]]]
) -> list[tuple[VimObject, dict[str, VimObject]]]:
    """Blocking (run via `vim.call`): (object, {property path: value}) for every object of each
    (managed type, property paths) in `wanted`, found anywhere below the root folder."""
    from pyVmomi import vim, vmodl

    collector = vmodl.query.PropertyCollector
    views: list[VimObject] = []
    try:
        for kind, _ in wanted:
            views.append(content.viewManager.CreateContainerView(content.rootFolder, [kind], True))
        traverse = collector.TraversalSpec(
            name="view", path="view", skip=False, type=vim.view.ContainerView
        )
        spec = collector.FilterSpec(
            objectSet=[collector.ObjectSpec(obj=v, skip=True, selectSet=[traverse]) for v in views],
            propSet=[
                collector.PropertySpec(type=kind, pathSet=list(paths)) for kind, paths in wanted
            ],
        )
        objects = _retrieve_all(content.propertyCollector, spec, collector)
    finally:
        for view in views:
            view.DestroyView()
    return [(obj.obj, {p.name: p.val for p in obj.propSet or []}) for obj in objects]


def _retrieve_all(
    property_collector: VimObject, spec: VimObject, collector: VimObject
) -> list[VimObject]:
    options = collector.RetrieveOptions(maxObjects=PAGE_SIZE)
    result = property_collector.RetrievePropertiesEx([spec], options)
    objects = list(result.objects) if result else []
    while result and result.token:
        result = property_collector.ContinueRetrievePropertiesEx(result.token)
        objects.extend(result.objects or [])
    return objects
