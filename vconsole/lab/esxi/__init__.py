"""Lab ESXi hosts: SSH servers on loopback answering the ESXi shell subset vconsole uses."""

from vconsole.lab.esxi.lab import LAB_USER, EsxiLab
from vconsole.lab.esxi.state import HostState, LabClock

__all__ = ["LAB_USER", "EsxiLab", "HostState", "LabClock"]
