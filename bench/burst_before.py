"""The checks' background read as it was, for side-by-side runs: every host's commands in
flight at once, triage's reader keeping the last report (with every host's transcript) until the
next read, and pyVmomi's answers left in reference cycles until a full collection."""

from __future__ import annotations

from typing import Any


def restore() -> None:
    """Patch the running interpreter back to the earlier read (call before the first read)."""
    import vconsole.services.checks as checks
    import vconsole.vim.answer_cycles as answer_cycles

    answer_cycles.release_parsed_answers = lambda: False
    checks.BACKGROUND_COMMANDS_AT_ONCE = 0  # no bound
    read = checks.CheckFindings.read

    async def keeping_last(self: Any) -> Any:
        kept = []
        refresh = self.service.refresh

        async def remembered(*args: Any, **kwargs: Any) -> Any:
            kept.append(await refresh(*args, **kwargs))
            return kept[-1]

        self.service.refresh = remembered
        try:
            return await read(self)
        finally:
            del self.service.refresh
            if kept:
                self.service.last = kept[-1]

    checks.CheckFindings.read = keeping_last  # type: ignore[method-assign]
