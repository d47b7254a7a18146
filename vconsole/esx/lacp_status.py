"""`lacp status get`: per-NIC bundle state, flags and partner of every LAG on a host.

The 5.1-era block in the reference is verbatim and is read field by field; the 5.5+ multi-LAG
layout is reconstructed, so this parser ignores indentation and reads `Key: value` lines inside
`Local Information` / `Partner Information` sections. The `Flags` legend may be one line or
wrapped. Text it cannot read gives `unrecognised`, never an exception.
"""

from __future__ import annotations

import enum
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

from vconsole.esx.pasted import clean, unrecognised_message

_Output = TypeVar("_Output")


class OutputKind(str, enum.Enum):
    """What a command's output turned out to be."""

    OK = "ok"
    NO_LAG = "no-lag"  # "No running LACP group on the host"
    DISABLED = "disabled"  # "LACP is disabled on DVSwitch"
    ERROR = "error"  # esxcli printed an error instead of data
    EMPTY = "empty"
    UNRECOGNISED = "unrecognised"


_NO_LAG = re.compile(r"no running lacp group|lacp is supported", re.IGNORECASE)
_DISABLED = re.compile(r"lacp is disabled", re.IGNORECASE)
_ERROR = re.compile(r"^\s*(error|usage)\b", re.IGNORECASE | re.MULTILINE)
# Words the sentences cannot be without, lower-cased: a text holding none of them is searched
# no further. Case-blind matching lets only `ſ` (long s) stand for an ASCII letter of them.
_SENTENCE_WORD = "lacp "
_ERROR_WORDS = ("error", "usage", "u\u017fage")


def classify_message(text: str) -> tuple[OutputKind, str] | None:
    """A sentence esxcli prints instead of data (no LAG, disabled, error), or None."""
    stripped = text.strip()
    if not stripped:
        return OutputKind.EMPTY, ""
    lowered = stripped.lower()
    if _SENTENCE_WORD not in lowered and not any(w in lowered for w in _ERROR_WORDS):
        return None  # one pass in C instead of three case-blind searches, as most text is data
    return sentence_in(stripped)


def sentence_in(stripped: str) -> tuple[OutputKind, str] | None:
    """esxcli's sentence in non-blank `stripped` text, by the searches themselves."""
    for pattern, kind in ((_NO_LAG, OutputKind.NO_LAG), (_DISABLED, OutputKind.DISABLED)):
        match = pattern.search(stripped)
        if match:
            line = next(ln for ln in stripped.splitlines() if pattern.search(ln))
            return kind, line.strip()
    if _ERROR.search(stripped):
        return OutputKind.ERROR, stripped.splitlines()[0].strip()[:200]
    return None


def parse_int(value: str) -> int | None:
    """A plain decimal integer (at most 19 digits, any script's decimal digits, as `\\d`
    reads them), or None for anything else (no exceptions on odd text)."""
    value = value.strip()
    digits = value[1:] if value[:1] == "-" else value
    return int(value) if 0 < len(digits) <= 19 and digits.isdecimal() else None


@dataclass(frozen=True, slots=True)
class LacpPortInfo:
    """One side of a LAG port: the host ("Local Information") or the switch ("Partner")."""

    flags: str = ""
    port_state: tuple[str, ...] = ()
    oper_key: int | None = None
    port_number: int | None = None
    port_priority: int | None = None
    admin_key: int | None = None
    device_id: str = ""
    age: str = ""

    @property
    def timeout_letter(self) -> str:
        """`S` (slow, PDUs every 30 s), `F` (fast, every 1 s) or "" when the flags lack it."""
        return next((c for c in self.flags.upper() if c in "SF"), "")

    @property
    def activity_letter(self) -> str:
        return next((c for c in self.flags.upper() if c in "AP"), "")

    @property
    def age_seconds(self) -> int | None:
        """`Age: hh:mm:ss` (time since the last LACPDU) in seconds."""
        match = re.fullmatch(r"(\d+):(\d{1,2}):(\d{1,2})", self.age.strip())
        if not match:
            return None
        h, m, s = (int(g) for g in match.groups())
        return h * 3600 + m * 60 + s

    @property
    def heard(self) -> bool:
        """False when the partner fields are the all-zero "nothing received" values."""
        zero_id = not self.device_id or set(self.device_id) <= {"0", ":", "-", "."}
        return not (zero_id and not self.oper_key and not self.port_number)


@dataclass(frozen=True, slots=True)
class LagNicStatus:
    nic: str
    state: str
    local: LacpPortInfo
    partner: LacpPortInfo


@dataclass(frozen=True, slots=True)
class LagStatus:
    """One LAG block of `status get` (5.1: the single LAG of a DVS)."""

    dvs: str
    lag_id: str
    mode: str
    nics: tuple[LagNicStatus, ...]


_Item = TypeVar("_Item")


@dataclass(frozen=True)
class LacpAnswer(Generic[_Item]):
    """A parsed `lacp ... get` answer: what it turned out to be, its rows, esxcli's message,
    the lines left unread, and the text kept when it could not be read. Each answer names its
    rows (`lags`, `counters`) in a subclass."""

    kind: OutputKind
    items: tuple[_Item, ...] = ()
    message: str = ""
    unparsed: tuple[str, ...] = ()
    raw: str = ""


class StatusOutput(LacpAnswer[LagStatus]):
    @property
    def lags(self) -> tuple[LagStatus, ...]:
        return self.items


_PORT_FIELDS = {
    "flags": "flags",
    "portstate": "port_state",
    "operkey": "oper_key",
    "portnumber": "port_number",
    "portpriority": "port_priority",
    "adminkey": "admin_key",
    "deviceid": "device_id",
    "age": "age",
}
_INT_FIELDS = {"oper_key", "port_number", "port_priority", "admin_key"}
_LEGEND = re.compile(r"^[SFAP]\s+-\s+Device is", re.IGNORECASE)
_KEY_HEAD = re.compile(r"[A-Za-z][A-Za-z ]{0,40}?\s*")  # what precedes a line's first `:`
_KEYS: dict[str, str | None] = {}
_KEYS_KEPT = 256  # heads remembered; a host prints some twenty distinct ones


def _key_of(head: str) -> str | None:
    """The key a line's text before its first `:` names (`Port State ` -> `portstate`), or None
    when it names none. Every host prints the same heads, so each is worked out once."""
    try:
        return _KEYS[head]
    except KeyError:
        pass
    key = head.rstrip().replace(" ", "").lower() if _KEY_HEAD.fullmatch(head) else None
    if len(_KEYS) < _KEYS_KEPT:
        _KEYS[head] = key
    return key


class _NicBuilder:
    def __init__(self) -> None:
        self.nic = ""
        self.state = ""
        self.local: dict[str, object] = {}
        self.partner: dict[str, object] = {}

    def empty(self) -> bool:
        return not (self.nic or self.state or self.local or self.partner)

    def build(self) -> LagNicStatus:
        return LagNicStatus(
            self.nic,
            self.state,
            LacpPortInfo(**self.local),  # type: ignore[arg-type]
            LacpPortInfo(**self.partner),  # type: ignore[arg-type]
        )


@dataclass
class _LagBuilder:
    dvs: str = ""
    lag_id: str = ""
    mode: str = ""
    nics: list[LagNicStatus] = field(default_factory=list)


def parse_guarded(
    parse: Callable[[str], _Output], text: str, output: Callable[..., _Output]
) -> _Output:
    """`parse(text)`; a parser bug must not take the pane down, so it becomes an `unrecognised`
    `output` naming the failure (the raw text stays in the transcript)."""
    try:
        return parse(text)
    except Exception as exc:
        return output(OutputKind.UNRECOGNISED, message=f"parser failed: {exc!r}", raw=text)


def parse_status(text: str) -> StatusOutput:
    """Parse `lacp status get` output of any release; see the module docstring."""
    return parse_guarded(_parse_status, text, StatusOutput)


def _parse_status(text: str) -> StatusOutput:
    reading = StatusReading()
    for raw in clean(text).text.splitlines():
        line = raw.strip()
        if not line or ("-" in line and _LEGEND.match(line)):
            continue
        head, colon, rest = line.partition(":")
        key = _key_of(head) if colon else None
        if key is None:
            reading.header(line)
        elif reading.section and key in _PORT_FIELDS and reading.lag is not None:
            reading.port_field(key, rest.strip())  # most lines: a field of one side of a port
        else:
            reading.field(key, rest.strip(), line)
    return reading.result(text, classify_message(text))


class StatusReading:
    """Where a reading of `status get` is: the LAGs closed so far, the LAG and NIC open, the side
    of the port (`local`/`partner`) whose fields come. Fed one line at a time."""

    __slots__ = ("lags", "unparsed", "lag", "nic", "section", "pending_header")

    def __init__(self) -> None:
        self.lags: list[LagStatus] = []
        self.unparsed: list[str] = []
        self.lag: _LagBuilder | None = None
        self.nic = _NicBuilder()
        self.section = ""
        self.pending_header = ""

    def close_nic(self) -> None:
        nic = self.nic
        if self.lag is not None and not nic.empty() and (nic.nic or nic.local or nic.partner):
            self.lag.nics.append(nic.build())
        self.nic = _NicBuilder()
        self.section = ""

    def close_lag(self) -> None:
        self.close_nic()
        lag = self.lag
        if lag is not None and (lag.lag_id or lag.nics):
            self.lags.append(LagStatus(lag.dvs, lag.lag_id, lag.mode, tuple(lag.nics)))
        self.lag = None

    def header(self, line: str) -> None:
        """A line that is not `Key: value`: esxcli's sentence, or the next block's header."""
        if _NO_LAG.search(line) or _DISABLED.search(line):
            return
        self.close_lag()
        self.pending_header = line

    def port_field(self, key: str, value: str) -> None:
        """A field of the open side of the port; a field it already has starts the next NIC."""
        name = _PORT_FIELDS[key]
        target = self.nic.local if self.section == "local" else self.nic.partner
        if name in target:
            self.close_nic()
            target = self.nic.local if self.section == "local" else self.nic.partner
        target[name] = self.port_value(name, value)

    @staticmethod
    def port_value(name: str, value: str) -> object:
        """A port field's value as `LacpPortInfo` holds it: words, a number or the text."""
        if name == "port_state":
            return tuple(filter(None, map(str.strip, value.split(","))))
        return parse_int(value) if name in _INT_FIELDS else value

    def field(self, key: str, value: str, line: str) -> None:  # noqa: C901  (one branch a key)
        """Any `Key: value` line, `key` normalised (`portstate`)."""
        if key == "dvswitch":
            self.close_lag()
            self.lag = _LagBuilder(dvs=value or self.pending_header)
            return
        if self.lag is None:
            if key != "lagid":
                self.unparsed.append(line)
                return
            self.lag = _LagBuilder(dvs=self.pending_header)
        lag, nic = self.lag, self.nic
        if key == "lagid":
            if lag.lag_id:
                self.close_lag()
                lag = self.lag = _LagBuilder(dvs=lag.dvs)
            number = parse_int(value)
            lag.lag_id = str(number) if number is not None else value
        elif key == "mode" and not self.section:
            lag.mode = value
        elif key == "flags" and not self.section and " - " in value:
            return
        elif key == "niclist":
            self.close_nic()
        elif key in ("localinformation", "partnerinformation"):
            side = "local" if key == "localinformation" else "partner"
            if nic.local if side == "local" else nic.partner:
                self.close_nic()
            self.section = side
        elif key in ("nic", "state"):
            if getattr(nic, key):
                self.close_nic()
            setattr(self.nic, key, value)
        elif key in _PORT_FIELDS and self.section:
            self.port_field(key, value)
        else:
            self.unparsed.append(line)

    def result(self, text: str, message: tuple[OutputKind, str] | None) -> StatusOutput:
        """The answer once every line is read; `message` is esxcli's sentence in `text`."""
        self.close_lag()
        lags, unparsed = self.lags, tuple(self.unparsed)
        nameless = [lag for lag in lags if any(not nic.nic for nic in lag.nics)]
        if nameless:
            why = f"a port of LAG {nameless[0].lag_id or '?'} has no 'Nic:' line"
        elif lags:
            return StatusOutput(OutputKind.OK, tuple(lags), message[1] if message else "", unparsed)
        elif message:
            return StatusOutput(message[0], message=message[1], unparsed=unparsed)
        else:
            why = "no LAG block (no 'DVSwitch:'/'LAGID:' lines)"
        line = "esxcli network vswitch dvs vmware lacp status get"
        return StatusOutput(
            OutputKind.UNRECOGNISED,
            message=unrecognised_message(line, text, why),
            unparsed=unparsed,
            raw=text,
        )
