"""What the lab client VM's shell prints: the read-only `bitfusion` commands and a few basics.

Verbatim from the reference [V]: the log line form, the claim lines (`Query server A:56001 to
claim host id: U`, `Error contacting server A:56001 to verify client id: Get
https://A:56001/claim_id: dial tcp A:56001: i/o timeout`), `Failed to parse
/root/.bitfusion/servers.conf: open ...: read-only file system` and `Error: none of the servers
responded correctly to client id claim requests.`. The missing-token case is that same §6.2
text with Go's `no such file or directory`. Reconstructed [R], as the reference shows them:
the `list_gpus` listing; `smi` as per-server nvidia-smi style tables with a client section;
`health` and `version` lines. Log lines go to stderr and listings to stdout ([R]: the
reference does not say which stream); `bash: bitfusion: command not found` (exit 127) when
the client is not installed.
"""

from __future__ import annotations

import shlex
import time
import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from vconsole.lab.bitfusion_pool import SERVER_VERSION, GpuPool, ServerView
from vconsole.lab.esxi.output import Reply

API_PORT = 56001
SERVERS_CONF = "/root/.bitfusion/servers.conf"
CLIENT_VERSION = "4.5.0-fd3e4839"
CLAIM_FAILED = "Error: none of the servers responded correctly to client id claim requests.\n"
TOKEN_STATES = ("ok", "missing", "read-only")
USAGE = """\
Usage:
  bitfusion [command]

Available Commands:
  health        Check client and server health
  help          Help about any command
  list_gpus     List the GPUs of the servers in servers.conf
  release_gpus  Release GPUs reserved with request_gpus
  request_gpus  Reserve GPUs for a session
  run           Run an application on remote GPUs
  smi           Show the remote GPUs of every server
  version       Print the client version
"""


@dataclass
class ClientVmState:
    """Run-time knobs of the client VM: is the client installed, is its token usable."""

    name: str
    installed: bool = True
    token: str = "ok"
    claim_ms: int = 0
    """How long each command's client-id claim takes (real clients ask every server over HTTPS)."""
    removed: set[str] = field(default_factory=set)
    """Servers taken out of servers.conf: the client no longer mentions them at all."""


class BitfusionShell:
    """Answers one exec'd line on the client VM from the pool and the VM's state."""

    def __init__(
        self, pool: GpuPool, vm: ClientVmState, wall: Callable[[], float] = time.time
    ) -> None:
        self.pool = pool
        self.vm = vm
        self.wall = wall
        self.client_id = str(uuid.uuid5(uuid.NAMESPACE_DNS, f"{vm.name}.bitfusion.lab"))

    def run_line(self, line: str) -> Reply:
        try:
            argv = shlex.split(line)
        except ValueError as exc:
            return Reply(stderr=f"bash: syntax error: {exc}\n", exit=2)
        if not argv:
            return Reply()
        name = argv[0].rsplit("/", 1)[-1]
        if name == "hostname":
            return Reply(f"{self.vm.name}\n")
        if name == "bitfusion" and self.vm.installed:
            return self.bitfusion(argv[1:])
        return Reply(stderr=f"bash: {argv[0]}: command not found\n", exit=127)

    # -- bitfusion ------------------------------------------------------------------------
    def bitfusion(self, args: Sequence[str]) -> Reply:
        if not args or args[0] in ("help", "-h", "--help"):
            return Reply(USAGE)
        command, rest = args[0], list(args[1:])
        if rest and rest[0] in ("-h", "--help"):
            return Reply(USAGE)
        if command == "version":
            return Reply(f"bitfusion version {CLIENT_VERSION}\n")
        handlers = {"list_gpus": self._list_gpus, "smi": self._smi, "health": self._health}
        handler = handlers.get(command)
        if handler is None:
            if command in ("run", "request_gpus", "release_gpus", "client"):
                return Reply(
                    stderr=f"Error: {command} is not available on this lab client "
                    "(it answers read-only commands)\n",
                    exit=1,
                )
            return Reply(stderr=f'Error: unknown command "{command}" for "bitfusion"\n', exit=1)
        return handler()

    def _log(self, level: str, message: str) -> str:
        stamp = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.wall()))
        return f"[{level}] {stamp} {message}\n"

    def _claim(self, prefix: str = "") -> tuple[tuple[ServerView, ...], str, Reply | None]:
        """The client-id claim every command starts with: reachable servers, the log, or a failure."""
        log = prefix
        if self.vm.claim_ms > 0:
            time.sleep(self.vm.claim_ms / 1000.0)
        if self.vm.token != "ok":
            why = (
                "read-only file system"
                if self.vm.token == "read-only"
                else ("no such file or directory")
            )
            log += self._log("WARN", f"Failed to parse {SERVERS_CONF}: open {SERVERS_CONF}: {why}")
            return (), log, Reply(stderr=log + CLAIM_FAILED, exit=1)
        views = self._configured()
        up = []
        for view in views:
            addr = f"{view.server.address}:{API_PORT}"
            log += self._log("INFO", f"Query server {addr} to claim host id: {self.client_id}")
            if view.down:
                log += self._log(
                    "WARN",
                    f"Error contacting server {addr} to verify client id: Get "
                    f"https://{addr}/claim_id: dial tcp {addr}: i/o timeout",
                )
            else:
                up.append(view)
        if not up:
            return (), log, Reply(stderr=log + CLAIM_FAILED, exit=1)
        return tuple(up), log, None

    def _configured(self) -> tuple[ServerView, ...]:
        return tuple(v for v in self.pool.snapshot() if v.server.name not in self.vm.removed)

    def _list_gpus(self) -> Reply:
        up, log, failed = self._claim()
        if failed is not None:
            return failed
        out = []
        for view in up:
            out.append(
                f" - server {view.index} [{view.server.address}:{API_PORT}]: "
                f"running {view.tasks} tasks"
            )
            for gpu in view.gpus:
                out.append(
                    f"   |- GPU {gpu.index}: free memory {gpu.free_mb} MiB / {gpu.total_mb} MiB"
                )
        return Reply("\n".join(out) + "\n", log)

    def _smi(self) -> Reply:
        up, log, failed = self._claim()
        if failed is not None:
            return failed
        return Reply("".join(smi_table(view) for view in up), log)

    def _health(self) -> Reply:
        prefix = self._log("INFO", "Query server health status")
        if self.vm.token != "ok":
            _, log, failed = self._claim(prefix)
            assert failed is not None
            return failed
        views = self._configured()
        lines = [_check(f"servers.conf readable ({SERVERS_CONF})", True)]
        for view in views:
            addr = f"{view.server.address}:{API_PORT}"
            lines.append(_check(f"server {addr}", not view.down, "i/o timeout"))
        healthy = sum(1 for v in views if not v.down)
        lines.append(f"{healthy} of {len(views)} servers healthy")
        return Reply("\n".join(lines) + "\n", prefix, 0 if healthy == len(views) else 1)


def _check(name: str, ok: bool, why: str = "") -> str:
    status = "OK" if ok else f"FAILED ({why})"
    return f"{name} {'.' * max(3, 48 - len(name))} {status}"


RULE = "+" + "-" * 76 + "+"
DOUBLE = "|" + "=" * 76 + "|"


def smi_table(view: ServerView) -> str:
    """One server's nvidia-smi style table ([R]): GPUs, then the clients holding memory."""
    server = view.server
    lines = [
        f"server {view.index} [{server.address}:{API_PORT}] {server.name} version {SERVER_VERSION}",
        RULE,
        f"| {'GPU  Name':<38}| {'Memory-Usage':<21}| {'GPU-Util':<12}|",
        DOUBLE,
    ]
    for gpu in view.gpus:
        util = min(99, 25 * len(gpu.holdings) + (10 if gpu.leaked_mb else 0))
        memory = f"{gpu.used_mb}MiB / {gpu.total_mb}MiB"
        lines.append(f"| {gpu.index:>3}  {gpu.model:<33}| {memory:>20} | {util:>7}%    |")
    lines += [
        RULE,
        f"| {'Clients:':<61}{'GPU Memory':<14}|",
        f"| {'GPU   Client':<61}{'Usage':<14}|",
        DOUBLE,
    ]
    holdings = [h for g in view.gpus for h in g.holdings]
    for h in holdings:
        lines.append(f"| {h.gpu:>4}   {h.client:<54}{str(h.memory_mb) + 'MiB':<14}|")
    if not holdings:
        lines.append(f"| {'No clients holding GPUs':<75}|")
    lines.append(RULE)
    return "\n".join(lines) + "\n"
