"""The shared filter line and resource table, driven through a real Textual app with Pilot."""

from __future__ import annotations

from rich.text import Text
from textual.app import App, ComposeResult

from widgets.filter_bar import FilterBar, FilterSyntaxError, parse_filter
from widgets.resource_table import ResourceColumn, ResourceTable

COLUMNS = [
    ResourceColumn("name", "Name"),
    ResourceColumn("state", "State"),
    ResourceColumn("cpu", "CPU"),
]
HOSTS = {
    "host-1": ("esx01.lab", "connected", 12),
    "host-2": ("esx02.lab", "disconnected", 3),
    "host-3": ("esx03.lab", Text("maintenance"), 40),
    "host-4": ("esx04.lab", "connected", 7),
}


class TableApp(App[None]):
    def __init__(self) -> None:
        super().__init__()
        self.filters: list[FilterBar.FilterChanged] = []

    def compose(self) -> ComposeResult:
        yield ResourceTable(COLUMNS, id="hosts")
        yield FilterBar(id="filter")

    def on_mount(self) -> None:
        self.query_one(ResourceTable).set_rows(HOSTS)

    def on_filter_bar_filter_changed(self, event: FilterBar.FilterChanged) -> None:
        self.filters.append(event)
        self.query_one(ResourceTable).set_filter(event.row_filter)


def test_parse_filter_names_the_bad_regex() -> None:
    assert parse_filter("").pattern is None
    assert parse_filter("!").pattern is None
    spec = parse_filter("!ESX0[12]")
    assert spec.negate and spec.pattern is not None
    assert spec.keeps(["esx03"]) and not spec.keeps(["esx01"])
    try:
        parse_filter("esx(")
    except FilterSyntaxError as exc:
        assert "esx(" in str(exc)
    else:
        raise AssertionError("an unbalanced group must be refused")


async def test_filter_regex_negation_and_invalid_regex_keeps_previous() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        bar = app.query_one(FilterBar)
        bar.open()
        await pilot.press(*"conn")
        await pilot.pause()
        # "conn" matches "connected" and "disconnected"
        assert table.visible_keys == ["host-1", "host-2", "host-4"]
        await pilot.press("ctrl+a", "ctrl+k", *"^conn")
        await pilot.pause()
        assert table.visible_keys == ["host-1", "host-4"]
        await pilot.press("ctrl+a", "ctrl+k", *"!maint")
        await pilot.pause()
        assert table.visible_keys == ["host-1", "host-2", "host-4"]
        count = len(app.filters)
        await pilot.press("ctrl+a", "ctrl+k", *"esx0[1")
        await pilot.pause()
        # invalid regex: error shown inline, no new filter posted, previous (last valid) rows stay
        assert bar.error is not None and "esx0[1" in bar.error
        assert str(bar.query_one("#filter-error").render()).startswith("filter: invalid regex")
        # typing live: the last valid text was "esx0", which still applies to the table
        assert app.filters[-1].pattern is not None
        assert app.filters[-1].pattern.pattern == "esx0"
        assert len(app.filters) > count
        assert table.row_filter.pattern is not None
        assert table.row_filter.pattern.pattern == "esx0"
        assert table.visible_keys == ["host-1", "host-2", "host-3", "host-4"]
        await pilot.press("]")
        await pilot.pause()
        assert bar.error is None
        assert table.visible_keys == ["host-1"]
        await pilot.press("escape")
        await pilot.pause()
        assert table.visible_keys == ["host-1", "host-2", "host-3", "host-4"]


async def test_filter_matches_any_column() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        app.query_one(FilterBar).open()
        await pilot.press(*"^40$")
        await pilot.pause()
        assert table.visible_keys == ["host-3"]


async def test_keyed_diff_keeps_cursor_row_and_updates_only_changed_cells() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.press("down", "down")
        assert table.cursor_key == "host-3"
        # a row above the cursor disappears, a new one sorts in before it, a cell changes
        rows = dict(HOSTS)
        del rows["host-1"]
        rows["host-0"] = ("esx00.lab", "connected", 1)
        rows["host-3"] = ("esx03.lab", "connected", 41)
        table.set_rows(rows)
        await pilot.pause()
        assert table.visible_keys == ["host-0", "host-2", "host-3", "host-4"]
        assert table.cursor_key == "host-3"
        assert table.get_row("host-3") == ["esx03.lab", "connected", 41]


async def test_sort_key_binding_sorts_numbers_numerically_and_keeps_cursor() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        await pilot.press("down")
        assert table.cursor_key == "host-2"
        await pilot.press("greater_than_sign", "greater_than_sign", "s")  # column cursor -> cpu
        await pilot.pause()
        assert table.sort_column == "cpu"
        assert table.visible_keys == ["host-2", "host-4", "host-1", "host-3"]
        assert table.cursor_key == "host-2"
        await pilot.press("S")
        await pilot.pause()
        assert table.visible_keys == ["host-3", "host-1", "host-4", "host-2"]
        assert table.cursor_key == "host-2"


def _header(table: ResourceTable) -> list[str]:
    return [column.label.plain for column in table.ordered_columns]


async def test_sort_column_cursor_is_shown_in_the_header_and_s_sorts_there() -> None:
    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        table = app.query_one(ResourceTable)
        table.focus()
        assert _header(table) == ["Name", "State", "CPU"]  # no marks before the user sorts
        await pilot.press("greater_than_sign")
        await pilot.pause()
        cursor = [c.label.plain for c in table.ordered_columns if "reverse" in str(c.label.style)]
        assert cursor == ["State"]
        assert _header(table) == ["Name▲", "State", "CPU"]  # still sorted by name
        await pilot.press("greater_than_sign", "greater_than_sign", "s")  # stops at the last
        await pilot.pause()
        assert _header(table) == ["Name", "State", "CPU▲"]
        cpus = [table.get_row(k)[2] for k in table.visible_keys]
        assert cpus == sorted(cpus)
        await pilot.press("s")  # again on the sorted column: reverse
        await pilot.pause()
        assert _header(table) == ["Name", "State", "CPU▼"]
        assert [table.get_row(k)[2] for k in table.visible_keys] == sorted(cpus, reverse=True)
        await pilot.press("less_than_sign", "less_than_sign", "less_than_sign", "s")
        await pilot.pause()
        assert _header(table) == ["Name▲", "State", "CPU"]
        names = [table.get_row(k)[0] for k in table.visible_keys]
        assert names == sorted(names)


async def test_help_lists_the_sort_keys_of_a_focused_table() -> None:
    from screens.help import key_rows

    app = TableApp()
    async with app.run_test(size=(80, 24)) as pilot:
        app.query_one(ResourceTable).focus()
        await pilot.pause()
        rows = {shown: why for shown, _, _, why in key_rows(app.screen, app).values()}
        assert "column cursor left" in rows["<"] and "column cursor right" in rows[">"]
        assert "Sort by the column marked in the header" in rows["s"]
        assert "Reverse" in rows["S"]
