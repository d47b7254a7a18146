"""The `vconsole` program: the core's command line plus the commands that open the console."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from vconsole.cli import main as core_main

UI_COMMAND_MODULES = ("screens.entry", "screens.serve_cmd")


def main(argv: Sequence[str] | None = None) -> int:
    return core_main(argv, extra_modules=UI_COMMAND_MODULES, default_command="ui")


if __name__ == "__main__":
    sys.exit(main())
