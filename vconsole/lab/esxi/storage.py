"""Placeholder."""

from vconsole.lab.esxi.output import Reply

COMMANDS: dict = {}


def esxcfg_advcfg(state, argv):  # type: ignore[no-untyped-def]
    return Reply(stderr="not yet\n", exit=1)
