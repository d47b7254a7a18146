"""esxcli's option grammar: `--name=value`, `--name value`, `-n value`, `-nvalue`, flags.

Error wording follows the reference's [R] list (esxcli-storage-multipath.md §8):
`Error: Invalid option --foo`, `Error: Missing required parameter -d|--device`.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass


class EsxcliError(Exception):
    """An esxcli failure: printed as `Error: <message>` with exit status 1."""


@dataclass(frozen=True)
class Opt:
    long: str
    short: str = ""
    flag: bool = False
    required: bool = False

    @property
    def spelling(self) -> str:
        return f"-{self.short}|--{self.long}" if self.short else f"--{self.long}"


def parse_options(args: Sequence[str], spec: Sequence[Opt]) -> dict[str, str]:
    """Values by long name; a flag given without a value reads as "true"."""
    by_long = {o.long: o for o in spec}
    by_short = {o.short: o for o in spec if o.short}
    out: dict[str, str] = {}
    i = 0
    while i < len(args):
        tok = args[i]
        opt: Opt | None = None
        value: str | None = None
        if tok.startswith("--"):
            name, eq, rest = tok[2:].partition("=")
            opt = by_long.get(name)
            value = rest if eq else None
        elif tok.startswith("-") and len(tok) > 1:
            opt = by_short.get(tok[1])
            value = tok[2:] or None
        if opt is None:
            raise EsxcliError(f"Invalid option {tok}")
        if value is None:
            if opt.flag and (i + 1 >= len(args) or args[i + 1] not in ("true", "false")):
                value = "true"
            elif i + 1 < len(args):
                i += 1
                value = args[i]
            else:
                raise EsxcliError(f"Missing value for option {opt.spelling}")
        out[opt.long] = value
        i += 1
    for o in spec:
        if o.required and o.long not in out:
            raise EsxcliError(f"Missing required parameter {o.spelling}")
    return out


def int_option(value: str, opt: str) -> int:
    try:
        return int(value)
    except ValueError:
        raise EsxcliError(
            f"Invalid value '{value}' for option {opt}: expected an integer"
        ) from None


def bool_option(value: str, opt: str) -> bool:
    low = value.lower()
    if low in ("true", "1", "yes"):
        return True
    if low in ("false", "0", "no"):
        return False
    raise EsxcliError(f"Invalid value '{value}' for option {opt}: expected true or false")
