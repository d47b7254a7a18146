"""The refusals every pane's CLI shares: an unknown `--host`, and a change under `--readonly`."""

from __future__ import annotations

from pathlib import Path

import pytest

from vconsole.cli import main


def refuses_unknown_host(
    config: Path, pane: str, known: str, capsys: pytest.CaptureFixture[str]
) -> None:
    """`vconsole PANE --host esx99` exits 2 naming the flag, the value and a host it knows."""
    assert main(["--config", str(config), pane, "--host", "esx99"]) == 2
    err = capsys.readouterr().err
    assert "--host" in err and "esx99" in err and known in err


def refuses_read_only(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    """A change under `--readonly` exits 1 and says read-only."""
    assert main(argv) == 1
    assert "read-only" in capsys.readouterr().err.lower()
