"""The console's idle full collection: never within a minute of the admin's last key."""

from __future__ import annotations

import gc

from test_triage_screen import triage_app

from screens.idle_gc import IDLE_COLLECT_S


async def test_collects_only_when_no_key_was_pressed_for_a_minute(tmp_path, monkeypatch):
    full: list[int] = []

    def seen(phase: str, info: dict[str, int]) -> None:
        if phase == "start" and info["generation"] == 2:
            full.append(1)

    app = triage_app(tmp_path, monkeypatch)
    gc.callbacks.append(seen)
    try:
        async with app.run_test(size=(80, 24)) as pilot:
            await pilot.press("down")
            full.clear()
            assert app.collect_when_idle() is False and full == []
            app._last_input -= IDLE_COLLECT_S  # a minute without a key
            assert app.collect_when_idle() is True and full == [1]
            await pilot.press("down")
            full.clear()
            assert app.collect_when_idle() is False and full == []
    finally:
        gc.callbacks.remove(seen)
