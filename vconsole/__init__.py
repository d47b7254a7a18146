"""vconsole: a keyboard-driven operations console for VMware admins."""

__version__ = "0.1.0"
