"""`e` on the inventory: ask where the rows shown go (the state dir's exports by default,
never silently the current directory), then write them as CSV and JSON."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING

from vconsole.services.inventory_export import to_csv, to_json

if TYPE_CHECKING:
    from screens.base import ConsoleScreen as _Pane
    from vconsole.models.inventory import InventoryRow, ObjectKind
    from vconsole.services.inventory import InventoryService
else:
    _Pane = object


class InventoryExport(_Pane):
    """Mixed into the inventory screen, which has `kind`, `service`, `visible_rows()`."""

    export_dir: Path | None
    kind: ObjectKind
    service: InventoryService

    def visible_rows(self) -> list[InventoryRow]:
        raise NotImplementedError

    def action_export(self) -> None:
        """Ask where (the state dir's exports by default, never silently the current dir)."""
        from screens.branding_dialogs import TextPrompt
        from vconsole import paths

        default = self.export_dir or paths.state_dir() / "exports"

        def refused(text: str) -> str | None:
            path = Path(text).expanduser()
            if not text.strip():
                return "a directory is needed"
            return f"{path} is a file, not a directory" if path.is_file() else None

        def chosen(answer: str | None) -> None:
            if answer:
                self.export_to(Path(answer).expanduser())

        prompt = TextPrompt(
            "Export the rows shown to", str(default), "a directory: CSV and JSON go there", refused
        )
        self.app.push_screen(prompt, chosen)

    def export_to(self, directory: Path) -> None:
        stamp = time.strftime("%Y%m%d-%H%M%S")
        base = directory / f"inventory-{self.kind.value}-{stamp}"
        rows = self.visible_rows()
        stale = self.service.stale()
        try:
            directory.mkdir(parents=True, exist_ok=True)
            base.with_suffix(".csv").write_text(to_csv(rows, self.kind, stale), encoding="utf-8")
            base.with_suffix(".json").write_text(to_json(rows, stale), encoding="utf-8")
        except OSError as exc:
            self.notify(f"export failed: {exc}", severity="error", markup=False)
            return
        self.notify(f"{len(rows)} rows written to {base}.csv and .json", markup=False)
