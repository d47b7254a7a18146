"""The details view of one inventory object: its properties now, events and tasks when fetched."""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, TextArea

from vconsole.models.inventory import EventLine, InventoryRow, ObjectDetails
from vconsole.services.inventory_words import label, value_text
from vconsole.textsafe import visible
from widgets.safe_text import block_text

if TYPE_CHECKING:
    from vconsole.services.inventory import InventoryService


def _lines(title: str, items: tuple[EventLine, ...]) -> list[str]:
    out = ["", title]
    if not items:
        out.append("  (none)")
    for item in items:
        who = f" [{item.user}]" if item.user else ""
        state = f" {item.state}" if item.state else ""
        out.append(f"  {item.time} {item.kind}{state}: {item.text}{who}")
    return out


def render_details(row: InventoryRow, details: ObjectDetails | None, error: str = "") -> str:
    """Plain text (server strings are never markup): properties in admin words ("Memory 4 GiB"),
    then events and tasks."""
    props = details.properties if details else tuple(row.as_json().items())
    shown = [(label(k), value_text(k, v)) for k, v in props if k != "denied"]
    width = max((len(k) for k, _ in shown), default=0)
    lines = [f"{k.ljust(width)}  {v}" for k, v in shown]
    if row.denied:
        lines.insert(0, f"no permission to read: {', '.join(row.denied)}")
    if details is None:
        lines += ["", error or "fetching events and tasks..."]
        return "\n".join(lines)
    lines += _lines("Recent events", details.events)
    lines += _lines("Recent tasks", details.tasks)
    if details.errors:
        lines += ["", "Not available:"] + [f"  {e}" for e in details.errors]
    return "\n".join(lines)


class InventoryDetailsScreen(ModalScreen[None]):
    """Key properties at once; events and tasks arrive from a worker. `c` copies everything."""

    BINDINGS = [
        Binding("escape", "close", "Close", id="inventory_details.close", tooltip="Back."),
        Binding(
            "c",
            "copy",
            "Copy",
            id="inventory_details.copy",
            tooltip="Copy the details to the clipboard (OSC 52 terminals).",
        ),
    ]

    def __init__(self, service: InventoryService, row: InventoryRow) -> None:
        super().__init__(classes="dialog inventory-details")
        self.service = service
        self.row = row
        self.details: ObjectDetails | None = None

    def compose(self) -> ComposeResult:
        kind = self.row.kind.value
        with Vertical():
            yield Label(
                visible(f"{kind} {self.row.name} ({self.row.vcenter}/{self.row.moid})"),
                classes="dialog-title",
                markup=False,
            )
            yield TextArea(
                block_text(render_details(self.row, None)), read_only=True, id="details-text"
            )
            yield Label("c copy - esc close", classes="hint", markup=False)

    def on_mount(self) -> None:
        self.query_one(TextArea).focus()
        self.fetch()

    @work(exclusive=True, group="inventory-details", exit_on_error=False)
    async def fetch(self) -> None:
        try:
            self.details = await self.service.details(self.row.key)
        except Exception as exc:
            text = render_details(self.row, None, f"events and tasks: {exc}")
        else:
            text = render_details(self.row, self.details)
        self.query_one(TextArea).load_text(block_text(text))

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.query_one(TextArea).text)
        self.notify("Details copied to the clipboard")

    def action_close(self) -> None:
        self.dismiss(None)
