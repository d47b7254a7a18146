"""Validated command-line tokens for ESXi and Bitfusion shells.

Nothing an admin types reaches a remote shell unchecked: every value goes through a validator
here (which names the field and what it accepts on failure), and `Command` quotes every token.
Shell metacharacters, control characters and non-ASCII look-alikes are refused outright rather
than escaped, because a value containing them is never a legitimate vmk, device or address.
"""

from __future__ import annotations

import ipaddress
import re
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from vconsole.errors import InvalidToken

_HOSTILE = (";", "$(", "`", "\n", "\r", "\x00", "|", "&", ">", "<")
_HOSTILE_RE = re.compile("|".join(re.escape(bad) for bad in _HOSTILE))  # one scan, not ten
_PRINTABLE_ASCII = re.compile(r"[\x20-\x7e]*")


def _base(field: str, value: object, accepted: str, *, allow_dash: bool = False) -> str:
    """Checks shared by every validator: a non-empty printable-ASCII string with no shell syntax."""
    if not isinstance(value, str) or not value:
        raise InvalidToken(field, value, accepted)
    if not _PRINTABLE_ASCII.fullmatch(value):
        raise InvalidToken(field, value, f"{accepted} (plain ASCII only, no control characters)")
    if _HOSTILE_RE.search(value):
        raise InvalidToken(field, value, f"{accepted} (no shell characters ; | & < > ` $( )")
    if value.startswith("-") and not allow_dash:
        raise InvalidToken(field, value, f"{accepted} (a value may not start with '-')")
    return value


def _pattern(field: str, value: object, regex: str, accepted: str) -> str:
    text = _base(field, value, accepted)
    if not re.fullmatch(regex, text):
        raise InvalidToken(field, value, accepted)
    return text


def vmk_name(value: object, field: str = "vmk") -> str:
    return _pattern(field, value, r"vmk\d{1,3}", "a VMkernel interface name like vmk0..vmk999")


def vmnic_name(value: object, field: str = "vmnic") -> str:
    return _pattern(field, value, r"vmnic\d{1,3}", "a physical NIC name like vmnic0..vmnic999")


def _address(field: str, value: object, accepted: str, parse: Callable[[str], object]) -> str:
    """An address in its canonical form; a zone id (`%eth0`) is refused, not passed on."""
    text = _base(field, value, accepted)
    if "%" in text:
        raise InvalidToken(field, value, accepted)
    try:
        return str(parse(text))
    except ValueError:
        raise InvalidToken(field, value, accepted) from None


def ipv4_address(value: object, field: str = "address") -> str:
    return _address(field, value, "an IPv4 address like 192.0.2.10", ipaddress.IPv4Address)


def ipv6_address(value: object, field: str = "address") -> str:
    accepted = "an IPv6 address like 2001:db8::10 (no zone id)"
    return _address(field, value, accepted, ipaddress.IPv6Address)


def ip_address(value: object, field: str = "address") -> str:
    return _address(field, value, "an IPv4 or IPv6 address (no zone id)", ipaddress.ip_address)


_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"


def hostname(value: object, field: str = "hostname") -> str:
    """An RFC 1123 host name: dot-separated labels of letters, digits and inner hyphens."""
    accepted = "a host name (RFC 1123: letters, digits, inner hyphens, dots; max 253 chars)"
    text = _base(field, value, accepted)
    if len(text) > 253 or not re.fullmatch(rf"{_LABEL}(\.{_LABEL})*\.?", text):
        raise InvalidToken(field, value, accepted)
    return text


def _ip_address(text: str) -> str | None:
    """`text` as a normalised IP address, or None when it is not one (it may be a host name)."""
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        return None


def target_address(value: object, field: str = "target") -> str:
    """An IP address or a host name, e.g. the destination of a vmkping."""
    accepted = "an IPv4/IPv6 address or an RFC 1123 host name"
    text = _base(field, value, accepted)
    if "%" in text:
        raise InvalidToken(field, value, accepted)
    address = _ip_address(text)
    if address is not None:
        return address
    if re.fullmatch(r"[\d.]+", text):  # looks numeric but is not a valid IPv4 address
        raise InvalidToken(field, value, accepted)
    try:
        return hostname(text, field)
    except InvalidToken:
        raise InvalidToken(field, value, accepted) from None


def payload_size(
    value: object, field: str = "size", *, minimum: int = 1, maximum: int = 65507
) -> int:
    accepted = f"a whole number of bytes from {minimum} to {maximum}"
    if isinstance(value, bool):
        raise InvalidToken(field, value, accepted)
    if isinstance(value, str):
        _base(field, value, accepted)
        if not re.fullmatch(r"\d{1,6}", value):
            raise InvalidToken(field, value, accepted)
        number = int(value)
    elif isinstance(value, int):
        number = value
    else:
        raise InvalidToken(field, value, accepted)
    if not minimum <= number <= maximum:
        raise InvalidToken(field, value, accepted)
    return number


_FORMS = {
    "netstack": (
        r"[A-Za-z][A-Za-z0-9_.]{0,63}",
        "a TCP/IP stack name like defaultTcpipStack, vmotion or vSphereProvisioning",
    ),
    "dvs": (
        r"[A-Za-z0-9_.()\- ]{1,80}",
        "a switch name of letters, digits, spaces and _ . - ( ) (max 80)",
    ),
    "lag": (r"[A-Za-z0-9_.\- ]{1,80}", "a LAG name of letters, digits, spaces and _ . - (max 80)"),
    "option": (
        r"(/[A-Za-z0-9_]{1,64}){2,4}",
        "an advanced option path like /Misc/EnablePSPLatencyPolicy",
    ),
}
"""The one-pattern tokens: the regex the whole token must match, and what the error accepts."""


def netstack_name(value: object, field: str = "netstack") -> str:
    return _pattern(field, value, *_FORMS["netstack"])


def device_id(value: object, field: str = "device") -> str:
    accepted = "a device id: naa.<hex>, eui.<hex>, t10.<id> or mpx.vmhbaN:C0:T0:L0"
    text = _base(field, value, accepted)
    forms = (
        r"naa\.[0-9A-Fa-f]{8,64}",
        r"eui\.[0-9A-Fa-f]{8,64}",
        r"t10\.[A-Za-z0-9_.:+=\-]{1,200}",
        r"mpx\.vmhba\d{1,4}:C\d{1,4}:T\d{1,4}:L\d{1,5}",
    )
    if not any(re.fullmatch(form, text) for form in forms):
        raise InvalidToken(field, value, accepted)
    return text


def dvs_name(value: object, field: str = "dvs") -> str:
    """A distributed switch name as vCenter shows it (spaces allowed; the token is quoted)."""
    return _pattern(field, value, *_FORMS["dvs"])


def lag_name(value: object, field: str = "lag") -> str:
    return _pattern(field, value, *_FORMS["lag"])


def lag_id(value: object, field: str = "lag id") -> str:
    accepted = "a numeric LAG id"
    text = str(value) if isinstance(value, int) and not isinstance(value, bool) else value
    return _pattern(field, text, r"\d{1,10}", accepted)


PSP_NAMES = ("VMW_PSP_RR", "VMW_PSP_MRU", "VMW_PSP_FIXED")
RR_TYPES = ("default", "iops", "bytes", "latency")


def psp_name(value: object, field: str = "psp") -> str:
    return _pattern(field, value, "|".join(PSP_NAMES), "one of " + ", ".join(PSP_NAMES))


def rr_type(value: object, field: str = "type") -> str:
    return _pattern(field, value, "|".join(RR_TYPES), "one of " + ", ".join(RR_TYPES))


def advanced_option(value: object, field: str = "option") -> str:
    return _pattern(field, value, *_FORMS["option"])


def plain_word(value: object, field: str = "argument") -> str:
    """A free-form word (a flag, a sub-command); still refuses shell syntax and non-ASCII."""
    return _base(field, value, "printable ASCII without shell characters", allow_dash=True)


@dataclass(frozen=True)
class Command:
    """An immutable remote command: validated tokens plus whether running it changes the host."""

    tokens: tuple[str, ...]
    mutating: bool = False

    @classmethod
    def of(cls, *tokens: object, mutating: bool = False) -> Command:
        """Build a command; numbers are rendered, every token is checked with `plain_word`."""
        if not tokens:
            raise InvalidToken("command", "", "at least one word")
        words = []
        for index, token in enumerate(tokens):
            if isinstance(token, int) and not isinstance(token, bool):
                token = str(token)
            words.append(plain_word(token, f"command word {index + 1}"))
        return cls(tuple(words), mutating)

    @cached_property
    def line(self) -> str:
        """The exact shell line sent to the host (also the key in capture files); quoted once
        per command, as the same command objects go to every host on every refresh."""
        return " ".join(shlex.quote(t) for t in self.tokens)

    def __str__(self) -> str:
        return self.line


def normalise_line(line: str) -> str:
    """Canonical form of a shell line so that pasted or re-spaced captures still match."""
    try:
        return " ".join(shlex.quote(t) for t in shlex.split(line))
    except ValueError:
        return " ".join(line.split())
