"""`bitfusion` client command lines and tolerant parsers of what the client prints.

Formats follow the reference (bitfusion-cli.md). Verbatim [V]: the log line form
`[LEVEL] <RFC3339> <message>`, the client-id claim lines (`Query server A:56001 to claim host
id: U`, `Error contacting server A:56001 to verify client id: ...`), `Failed to parse
<servers.conf>: ...`, `Query server health status` and the final `Error: none of the servers
responded correctly to client id claim requests.`; the `Error:` may also sit at the end of the
WARN line, as the README prints it. Reconstructed [R], so matched loosely: the `list_gpus`
listing (` - server N [A:56001]: running N tasks` / `|- GPU N: free memory F MiB / T MiB`),
the nvidia-smi style `smi` tables, the `health` check lines and the `version` line.
Every parser takes any text and never raises; what it cannot read it leaves out.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from vconsole.tokens import Command

CLAIM_FAILED = "none of the servers responded correctly to client id claim requests"

_LOG = re.compile(r"^\s*\[(INFO|WARN|WARNING|ERROR|DEBUG)\]\s+(\S+)\s+(.*)$")
_CLAIM_QUERY = re.compile(r"Query server\s+(\S+?)\s+to claim host id:\s*(\S+)")
_CLAIM_ERROR = re.compile(r"Error contacting server\s+(\S+?)\s+to verify client id:\s*(.*)")
_PARSE_FAILED = re.compile(r"Failed to parse\s+(\S+?):\s*(.*)")
_ERROR_LINE = re.compile(r"(?:^|\s)Error:\s*(.+)$")
_NOT_FOUND = re.compile(r"bitfusion:\s*(?:command )?not found", re.IGNORECASE)
_SERVER = re.compile(r"^\s*-\s*server\s+(\d+)\s+\[([^\]]+)\]:\s*running\s+(\d+)\s+tasks?", re.I)
_LIST_GPU = re.compile(r"GPU\s+(\d+):\s*free memory\s+(\d+)\s*MiB\s*/\s*(\d+)\s*MiB", re.IGNORECASE)
_SMI_SERVER = re.compile(r"^\s*server\s+(\d+)\s+\[([^\]]+)\](.*)$", re.IGNORECASE)
_SMI_GPU = re.compile(
    r"^\|\s*(\d+)\s+(.+?)\s*\|\s*(\d+)\s*MiB\s*/\s*(\d+)\s*MiB\s*\|\s*(\d+)?\s*%?"
)
_SMI_CLIENT = re.compile(r"^\|\s*(\d+)\s+(\S+)\s+(\d+)\s*MiB\s*\|?\s*$")
_VERSION = re.compile(r"\b(\d+\.\d+\.\d+(?:-[0-9A-Za-z.]+)?)")
_HEALTH = re.compile(r"^\s*(.+?)\s*\.{2,}\s*(OK|PASS(?:ED)?|FAIL(?:ED)?|WARN(?:ING)?)\b(.*)$", re.I)


def list_gpus_command() -> Command:
    return Command.of("bitfusion", "list_gpus")


def smi_command() -> Command:
    return Command.of("bitfusion", "smi")


def health_command() -> Command:
    return Command.of("bitfusion", "health")


def version_command() -> Command:
    return Command.of("bitfusion", "version")


READ_COMMANDS = (list_gpus_command(), smi_command(), health_command(), version_command())
"""Every command the console runs on a client VM (all read-only); `capture` records these."""


@dataclass(frozen=True)
class LogLine:
    level: str
    timestamp: str
    message: str


@dataclass(frozen=True)
class ClaimFailure:
    """A server the client could not reach while claiming its id ([V] WARN line)."""

    address: str
    reason: str


@dataclass(frozen=True)
class ClientLog:
    """What the client said about itself around a command: claims, failures, the fatal error."""

    lines: tuple[LogLine, ...] = ()
    claimed: tuple[str, ...] = ()
    claim_failures: tuple[ClaimFailure, ...] = ()
    config_error: str = ""
    """`Failed to parse <servers.conf>: ...`: the token's files are missing or unreadable."""
    error: str = ""
    """The final `Error: ...` message, empty when the command did not fail."""
    not_installed: str = ""
    """The shell's `bitfusion: command not found` line when the client is not installed."""

    @property
    def claim_failed(self) -> bool:
        return CLAIM_FAILED in self.error


def parse_log(text: str) -> ClientLog:
    """Log lines, claim results and errors from the client's combined output."""
    lines: list[LogLine] = []
    claimed: list[str] = []
    failures: list[ClaimFailure] = []
    config_error = error = not_installed = ""
    for raw in text.splitlines():
        if not not_installed and _NOT_FOUND.search(raw):
            not_installed = raw.strip()
            continue
        match = _LOG.match(raw)
        if match:
            level = "WARN" if match.group(1) == "WARNING" else match.group(1)
            message = match.group(3)
            tail = _ERROR_LINE.search(message)
            if tail and level == "WARN" and CLAIM_FAILED in tail.group(1):
                error = error or tail.group(1).strip()
                message = message[: tail.start()].rstrip()
            lines.append(LogLine(level, match.group(2), message))
            if m := _CLAIM_QUERY.search(message):
                claimed.append(m.group(1))
            if m := _CLAIM_ERROR.search(message):
                failures.append(ClaimFailure(m.group(1), m.group(2).strip()))
            if m := _PARSE_FAILED.search(message):
                config_error = config_error or f"{m.group(1)}: {m.group(2).strip()}"
            continue
        stripped = raw.strip()
        if stripped.startswith("Error:") and not error:
            error = stripped[len("Error:") :].strip()
    return ClientLog(
        tuple(lines),
        tuple(claimed),
        tuple(failures),
        config_error,
        error,
        not_installed,
    )


@dataclass(frozen=True)
class FreeMemory:
    """One GPU line of `list_gpus`: index on its server, free and physical memory in MiB."""

    index: int
    free_mb: int
    total_mb: int


@dataclass(frozen=True)
class ListedServer:
    """One server block of `list_gpus`: its position in servers.conf, address and GPUs."""

    index: int
    address: str
    tasks: int
    gpus: tuple[FreeMemory, ...] = ()


def parse_list_gpus(text: str) -> tuple[ListedServer, ...]:
    """Servers and per-GPU free memory ([R] shape; GPU lines outside a server are ignored)."""
    servers: list[ListedServer] = []
    gpus: list[FreeMemory] = []
    current: ListedServer | None = None

    def close() -> None:
        if current is not None:
            servers.append(ListedServer(current.index, current.address, current.tasks, tuple(gpus)))

    for line in text.splitlines():
        if m := _SERVER.match(line):
            close()
            gpus = []
            current = ListedServer(int(m.group(1)), m.group(2).strip(), int(m.group(3)))
            continue
        if current is not None and (g := _LIST_GPU.search(line)):
            gpus.append(FreeMemory(int(g.group(1)), int(g.group(2)), int(g.group(3))))
    close()
    return tuple(servers)


@dataclass(frozen=True)
class SmiGpu:
    index: int
    model: str
    used_mb: int
    total_mb: int
    utilisation_pct: int | None = None


@dataclass(frozen=True)
class SmiClient:
    """A client holding memory on one GPU (the smi client rows, [R])."""

    gpu: int
    client: str
    memory_mb: int


@dataclass(frozen=True)
class SmiServer:
    index: int
    address: str
    name: str = ""
    version: str = ""
    gpus: tuple[SmiGpu, ...] = ()
    clients: tuple[SmiClient, ...] = ()
    clients_listed: bool = False
    """True when the server's table had a client section (so "no rows" means "no clients")."""


def parse_smi(text: str) -> tuple[SmiServer, ...]:
    """Per server: GPU model, memory used/total, utilisation and client rows ([R] layout)."""
    out: list[SmiServer] = []
    head: tuple[int, str, str, str] | None = None
    gpus: list[SmiGpu] = []
    clients: list[SmiClient] = []
    in_clients = False

    def close() -> None:
        if head is not None:
            out.append(SmiServer(*head, tuple(gpus), tuple(clients), in_clients))

    for line in text.splitlines():
        if m := _SMI_SERVER.match(line):
            close()
            gpus, clients, in_clients = [], [], False
            rest = m.group(3).strip()
            version = ""
            if v := re.search(r"version\s+(\S+)", rest, re.IGNORECASE):
                version = v.group(1)
                rest = (rest[: v.start()] + rest[v.end() :]).strip()
            head = (int(m.group(1)), m.group(2).strip(), rest.split()[0] if rest else "", version)
            continue
        if head is None:
            continue
        if re.search(r"\bclients?\b", line, re.IGNORECASE) and line.lstrip().startswith("|"):
            in_clients = True
            continue
        if in_clients:
            if c := _SMI_CLIENT.match(line.strip()):
                clients.append(SmiClient(int(c.group(1)), c.group(2), int(c.group(3))))
            continue
        if g := _SMI_GPU.match(line.strip()):
            util = int(g.group(5)) if g.group(5) else None
            gpus.append(SmiGpu(int(g.group(1)), g.group(2), int(g.group(3)), int(g.group(4)), util))
    close()
    return tuple(out)


@dataclass(frozen=True)
class HealthCheck:
    name: str
    passed: bool
    detail: str = ""


def parse_health(text: str) -> tuple[HealthCheck, ...]:
    """`name ..... OK|FAILED detail` lines ([R]: the real layout was not found)."""
    checks = []
    for line in text.splitlines():
        if m := _HEALTH.match(line):
            status = m.group(2).upper()
            detail = m.group(3).strip().strip("()").strip()
            checks.append(
                HealthCheck(m.group(1).strip(), status.startswith(("OK", "PASS")), detail)
            )
    return tuple(checks)


def parse_version(text: str) -> str:
    """The first dotted version on a line mentioning bitfusion or version ([R]), else any."""
    candidates = [line for line in text.splitlines() if re.search(r"bitfusion|version", line, re.I)]
    for line in [*candidates, *text.splitlines()]:
        if m := _VERSION.search(line):
            return m.group(1)
    return ""


def server_key(address: str) -> str:
    """`10.0.40.11:56001` and `10.0.40.11` name the same server; the key is the host part."""
    text = address.strip()
    if text.startswith("[") and "]" in text:
        return text[1 : text.index("]")]
    if text.count(":") == 1:
        return text.split(":", 1)[0]
    return text
