"""Frozen dataclasses that cross from the services to the screens and the JSON output."""
