"""The lab's Cloud Director: versions, sessions and the legacy branding API on loopback."""

from vconsole.lab.vcd.server import SYSTEM_ADMIN, VcdLab

__all__ = ["SYSTEM_ADMIN", "VcdLab"]
