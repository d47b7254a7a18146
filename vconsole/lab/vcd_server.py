"""Entry point kept for the lab runner: the server lives in the `vconsole.lab.vcd` package."""

from vconsole.lab.vcd import SYSTEM_ADMIN, VcdLab

__all__ = ["SYSTEM_ADMIN", "VcdLab"]
