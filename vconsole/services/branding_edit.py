"""Pure edits of a customLinks list, as the pane's keys perform them (add, edit, delete, move).

Each returns a new tuple and the index the cursor should land on, so the screen only redraws.
"""

from __future__ import annotations

from vconsole.models.branding import MenuItem


def insert_after(
    links: tuple[MenuItem, ...], index: int | None, item: MenuItem
) -> tuple[tuple[MenuItem, ...], int]:
    """Insert after `index` (None or out of range: at the end). Overrides go before the menu."""
    if item.kind == "override":
        at = sum(1 for m in links if m.kind == "override")
        if index is not None and 0 <= index < len(links) and links[index].kind == "override":
            at = index + 1
    elif index is None or not 0 <= index < len(links):
        at = len(links)
    else:
        at = index + 1
    return links[:at] + (item,) + links[at:], at


def replace_at(
    links: tuple[MenuItem, ...], index: int, item: MenuItem
) -> tuple[tuple[MenuItem, ...], int]:
    return links[:index] + (item,) + links[index + 1 :], index


def delete_at(links: tuple[MenuItem, ...], index: int) -> tuple[tuple[MenuItem, ...], int]:
    rest = links[:index] + links[index + 1 :]
    return rest, min(index, len(rest) - 1)


def move(links: tuple[MenuItem, ...], index: int, step: int) -> tuple[tuple[MenuItem, ...], int]:
    """Swap with the neighbour `step` (-1 up, +1 down); out of range leaves it where it is."""
    other = index + step
    if not (0 <= index < len(links) and 0 <= other < len(links)):
        return links, index
    items = list(links)
    items[index], items[other] = items[other], items[index]
    return tuple(items), other
