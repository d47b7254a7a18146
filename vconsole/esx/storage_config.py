"""Storage answers that are one structure, not a list: RR `deviceconfig get` and the
`/Misc/EnablePSPLatencyPolicy` value (reference esxcli-storage-multipath.md §4 and §6).

`deviceconfig get` in latency mode and the `advanced list` values are reconstructed ([R]):
they are read as plain `Key: value` lines in any order, and `Limit Type` values compare
case-insensitively. Text that is not the answer gives `unrecognised` with the raw text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vconsole.esx.pasted import unrecognised_message
from vconsole.esx.storage_text import OutputKind, classify, first_line, read_blocks, to_bool, to_int

PSP_LATENCY_OPTION = "/Misc/EnablePSPLatencyPolicy"


# ---------------------------------------------------------------- deviceconfig get


@dataclass(frozen=True)
class RoundRobinDeviceConfig:
    """`deviceconfig get`: Limit Type is Default, Iops, Bytes or Latency."""

    kind: OutputKind
    device: str = ""
    limit_type: str = ""
    iops: int | None = None
    bytes: int | None = None
    latency_eval_ms: int | None = None
    sampling_ios: int | None = None
    use_ano: bool | None = None
    message: str = ""
    raw: str = ""
    """The text as received, kept when it could not be read."""

    @property
    def policy(self) -> str:
        """The sub-policy in `nmp device list` words (`latency`, `iops`, `bytes`, `rr`)."""
        low = self.limit_type.lower()
        return "rr" if low == "default" else low


def parse_rr_device_config(text: str) -> RoundRobinDeviceConfig:
    message = classify(text)
    if message is not None:
        return RoundRobinDeviceConfig(message[0], message=message[1])
    fields: dict[str, str] = {}
    for block in read_blocks(text):
        fields.update(block.fields)
    if "Limit Type" not in fields:
        why = unrecognised_message(
            "deviceconfig get", text, f"no Limit Type in {first_line(text)!r}"
        )
        return RoundRobinDeviceConfig(OutputKind.UNRECOGNISED, message=why, raw=text)
    ano = fields.get("Use Active Unoptimized Paths")
    return RoundRobinDeviceConfig(
        OutputKind.OK,
        device=fields.get("Device", "").strip(),
        limit_type=fields["Limit Type"].strip(),
        iops=to_int(fields.get("IOOperation Limit", "")),
        bytes=to_int(fields.get("Byte Limit", "")),
        latency_eval_ms=to_int(fields.get("Latency Evaluation Interval", "")),
        sampling_ios=to_int(fields.get("Number Of Sampling IOs Per Path", "")),
        use_ano=None if ano is None else to_bool(ano),
    )


# ---------------------------------------------------------------- EnablePSPLatencyPolicy


@dataclass(frozen=True)
class AdvancedValue:
    kind: OutputKind
    value: int | None = None
    message: str = ""
    raw: str = ""
    """The text as received, kept when it could not be read."""


_ADVCFG = re.compile(r"Value of (\S+) is (-?\d+)")


def parse_advanced_value(text: str) -> AdvancedValue:
    """`esxcfg-advcfg -g` (`Value of X is N`) or `advanced list -o` (`Int Value: N`)."""
    match = _ADVCFG.search(text)
    if match:
        return AdvancedValue(OutputKind.OK, int(match.group(2)))
    message = classify(text)
    if message is not None:
        return AdvancedValue(message[0], message=message[1])
    for block in read_blocks(text):
        value = to_int(block.get("Int Value"))
        if value is not None:
            return AdvancedValue(OutputKind.OK, value)
    why = unrecognised_message(PSP_LATENCY_OPTION, text, f"no Int Value in {first_line(text)!r}")
    return AdvancedValue(OutputKind.UNRECOGNISED, message=why, raw=text)
