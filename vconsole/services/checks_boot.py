"""Check 4: ESXi 7+ boot media. Source of truth: the host's own `esxcli storage core device list`
(`Is Boot Device`, `Is USB`, `Size`) and `esxcli storage vmfs extent list` (the OSDATA volume's
device); the console never guesses the boot device from vCenter's inventory.
"""

from __future__ import annotations

from vconsole.esx.hostchecks import device_list_command
from vconsole.models.checks import CheckRow
from vconsole.models.common import Verdict
from vconsole.services.checks_catalog import BOOT, row
from vconsole.services.checks_host import HostFacts, each_host, readable
from vconsole.services.checks_vcenter import VcenterFacts

MIN_BOOT_GB = 32
MIN_BOOT_MB = 30000
"""A "32 GB" device reports about 30,500 MB (e.g. 30436 in a real SD sample); below this is small."""

FIX_MEDIA = (
    "Move the boot to a persistent local disk (32 GB minimum, 128 GB recommended; SATA/SAS/NVMe, "
    "a SATADOM or an M.2 boot card) or boot from SAN; reinstall or upgrade onto it"
)
FIX_OSDATA = (
    "Move ESX-OSData off the SD/USB device: reinstall with a persistent disk for OSData, or at "
    "least set a persistent scratch: esxcli system settings advanced set -o "
    "/ScratchConfig/ConfiguredScratchLocation -s /vmfs/volumes/<datastore>/.locker-<host> (reboot)"
)


def boot_rows(
    hosts: dict[str, HostFacts], vc: VcenterFacts | None, site: str, now: float
) -> list[CheckRow]:
    rows: list[CheckRow] = []
    for _name, facts, subject in each_host(hosts, vc, site):
        devices = facts.devices
        if devices is None or not readable(devices):
            raw = facts.why_unread(device_list_command(), devices)
            rows.append(
                row(
                    BOOT,
                    subject,
                    "unreadable",
                    Verdict.ERROR,
                    "could not read the storage device list",
                    f"raw: {raw}",
                    seen_at=now,
                )
            )
            continue
        boot = devices.boot_device()
        if boot is None:
            rows.append(
                row(
                    BOOT,
                    subject,
                    "boot-device-unknown",
                    Verdict.INFO,
                    "no device says `Is Boot Device: true` (PXE/stateless boot, "
                    "or an ESXi release that does not print it)",
                    f"{len(devices.devices)} devices listed",
                    seen_at=now,
                )
            )
            continue
        media = boot.media
        size_gb = (boot.size_mb or 0) * 1024 * 1024 / 1000**3
        osdata = facts.extents.osdata() if facts.extents and readable(facts.extents) else None
        if osdata is None:
            where = "not found in `storage vmfs extent list`"
            osdata_on_boot = None
        else:
            osdata_on_boot = osdata.device == boot.id
            place = "the boot device" if osdata_on_boot else osdata.device
            where = f"{osdata.volume} on {place}"
        value = f"{media} {size_gb:.0f} GB, OSData {'on boot' if osdata_on_boot else 'elsewhere' if osdata else '?'}"
        evidence = (
            f"boot {boot.id} ({boot.vendor} {boot.model}, {boot.size_mb} MB, "
            f"Is USB {str(boot.is_usb).lower()}, Is Local {str(boot.is_local).lower()}); "
            f"OSData: {where}"
        )
        if media in ("sd", "usb") and osdata_on_boot:
            rows.append(
                row(
                    BOOT,
                    subject,
                    "osdata-on-sd-usb",
                    Verdict.CRITICAL,
                    f"boots from {media.upper()} and ESX-OSData lives on it: its "
                    "writes wear the device out and the host can lose its boot bank",
                    evidence,
                    fix=f"{FIX_OSDATA}. {FIX_MEDIA}",
                    value=value,
                    seen_at=now,
                )
            )
        elif media in ("sd", "usb"):
            rows.append(
                row(
                    BOOT,
                    subject,
                    "boot-sd-usb",
                    Verdict.WARNING,
                    f"boots from {media.upper()} ({size_gb:.0f} GB): deprecated "
                    f"since 7.0; a durable boot device has {MIN_BOOT_GB} GB or more",
                    evidence,
                    fix=FIX_MEDIA,
                    value=value,
                    seen_at=now,
                )
            )
        elif boot.size_mb is not None and boot.size_mb < MIN_BOOT_MB:
            rows.append(
                row(
                    BOOT,
                    subject,
                    "boot-device-small",
                    Verdict.WARNING,
                    f"the boot device has {size_gb:.0f} GB, below the {MIN_BOOT_GB} GB "
                    "minimum for ESXi 7+ system storage",
                    evidence,
                    fix=FIX_MEDIA,
                    value=value,
                    seen_at=now,
                )
            )
        else:
            rows.append(
                row(
                    BOOT,
                    subject,
                    "boot-media-ok",
                    Verdict.OK,
                    f"boots from {media} ({size_gb:.0f} GB)",
                    evidence,
                    value=value,
                    seen_at=now,
                )
            )
    return rows
