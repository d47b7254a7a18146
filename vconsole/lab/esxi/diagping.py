"""Placeholder."""

COMMANDS: dict = {}
