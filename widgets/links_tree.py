"""A tree that draws a branding's customLinks the way the portal shows them.

The `?` menu holds the overrides of built-in links (help, about, vmrc, imprint); the user-name
menu holds sections with the links under them, separators and loose links, in array order.
Every item node carries its index in `customLinks`, so keys act on the list itself.
"""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Tree
from textual.widgets.tree import TreeNode

from vconsole.models.branding import Branding, MenuItem
from vconsole.textsafe import visible
from widgets.safe_text import field_text

SEPARATOR = "────────────"


def item_label(item: MenuItem) -> Text:
    if item.kind == "separator":
        return Text(SEPARATOR, style="dim")
    if item.kind == "section":
        return field_text(item.name or "(no name)", style="bold")
    url = item.url or ("(VMware default)" if item.kind == "override" else "(no url)")
    label = field_text(item.name or "(no name)")
    label.append(f"  {visible(url)}", style="dim" if item.url else "italic dim")
    return label


class LinksTree(Tree[int]):
    """customLinks as the portal's two menus; node data is the item's index (None on headings)."""

    DEFAULT_CSS = """
    LinksTree {
        height: 1fr;
        padding: 0;
        scrollbar-size-horizontal: 0;
    }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("customLinks", id=id, classes=classes)
        self.show_root = False
        self.guide_depth = 2
        self.auto_expand = False
        self.links: tuple[MenuItem, ...] = ()

    def show_branding(self, branding: Branding, cursor_index: int | None = None) -> None:
        """Rebuild from `branding`; the cursor lands on item `cursor_index` when given."""
        self.links = branding.links
        self.clear()
        nodes: dict[int, TreeNode[int]] = {}
        help_menu = self.root.add("? menu", expand=True, allow_expand=False)
        if not branding.overrides:
            help_menu.add_leaf(Text("(VMware defaults)", style="dim"))
        for index, item in branding.overrides:
            nodes[index] = help_menu.add_leaf(item_label(item), data=index)
        user_menu = self.root.add("User menu", expand=True, allow_expand=False)
        if not branding.user_menu:
            user_menu.add_leaf(Text("(empty)", style="dim"))
        parent = user_menu
        for index, item in branding.user_menu:
            if item.kind == "section":
                parent = user_menu.add(
                    item_label(item), data=index, expand=True, allow_expand=False
                )
                nodes[index] = parent
                continue
            if item.kind == "separator":
                parent = user_menu
            nodes[index] = parent.add_leaf(item_label(item), data=index)
        _ = self.last_line  # lay out the lines so node positions are known
        target = nodes.get(cursor_index) if cursor_index is not None else None
        if target is None and nodes:
            target = nodes[min(nodes)]
        self.move_cursor(target)

    @property
    def selected_index(self) -> int | None:
        node = self.cursor_node
        return node.data if node is not None else None
