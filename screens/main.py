"""The `vconsole` program: the core's command line plus the commands that open the console."""

from __future__ import annotations

import sys
from collections.abc import Sequence

from screens import entry, serve_cmd
from vconsole.cli import main as core_main

UI_COMMANDS = (entry.register, serve_cmd.register)


def main(argv: Sequence[str] | None = None) -> int:
    return core_main(argv, extra_commands=UI_COMMANDS, default_command="ui")


if __name__ == "__main__":
    sys.exit(main())
