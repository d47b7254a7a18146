"""The lab's vCenter: govmomi's simulator shaped from the scenario by the project's own Go program.

The Go sources ship as package data (`vconsole/lab/go/*.go`) and are built on first use with the
system Go toolchain and Debian's govmomi sources in GOPATH mode, then cached per source hash and
Go version. A `vcsim` on PATH is used only when it is ours (its `-scenario` flag names our
topology contract) and no toolchain is there to build; the stock simulator is never used, as
its generic inventory would disagree with the lab's SSH hosts.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import json
import logging
import os
import shutil
import signal
import ssl
import subprocess
import tempfile
import time
import urllib.error
import urllib.request
from pathlib import Path
from types import TracebackType

from vconsole.lab.scenario import Scenario
from vconsole.lab.vcsim_topology import LabVm, lab_vms, path_uid, scenario_to_vcsim_json

log = logging.getLogger(__name__)

__all__ = [
    "LabVm",
    "VcsimError",
    "VcsimLab",
    "ensure_vcsim",
    "go_toolchain_missing",
    "vcsim_unavailable",
    "lab_vms",
    "path_uid",
    "scenario_to_vcsim_json",
]

GO_DIR = Path(__file__).parent / "go"
GOVMOMI_GOPATH = Path("/usr/share/gocode")
GOVMOMI_SIMULATOR = GOVMOMI_GOPATH / "src/github.com/vmware/govmomi/simulator"
BINARY_NAME = "vcsim"
CONTRACT = "vconsole-lab-topology/1"


class VcsimError(RuntimeError):
    """The simulator could not be built or did not come up; the message says what to do."""


def go_toolchain_missing() -> str | None:
    """Why the simulator cannot be built here, or None when it can (for test skips)."""
    if shutil.which("go") is None:
        return "the Go toolchain is not installed (apt-get install golang-go)"
    if not GOVMOMI_SIMULATOR.is_dir():
        return (
            f"govmomi sources are missing at {GOVMOMI_SIMULATOR} "
            "(apt-get install golang-github-vmware-govmomi-dev)"
        )
    return None


def _path_binary() -> Path | None:
    """A `vcsim` on PATH that is ours: its usage text names our topology contract."""
    found = shutil.which(BINARY_NAME)
    if not found:
        return None
    try:
        usage = subprocess.run([found, "-h"], capture_output=True, text=True, timeout=10)
    except (OSError, subprocess.TimeoutExpired):
        return None
    return Path(found) if CONTRACT in usage.stdout + usage.stderr else None


def vcsim_unavailable() -> str | None:
    """Why the lab vCenter cannot run here, or None when it can (for test skips)."""
    reason = go_toolchain_missing()
    if reason and _path_binary() is None:
        return reason
    return None


def _cache_root() -> Path:
    import platformdirs

    return Path(platformdirs.user_cache_dir("vconsole")) / "vcsim"


def _source_key(go: str) -> str:
    version = subprocess.run(
        [go, "env", "GOVERSION"], capture_output=True, text=True, check=True
    ).stdout.strip()
    digest = hashlib.sha256(version.encode())
    for src in sorted(GO_DIR.glob("*.go")):
        digest.update(src.name.encode() + b"\0" + src.read_bytes() + b"\0")
    return digest.hexdigest()[:16]


def ensure_vcsim(cache_dir: Path | None = None) -> Path:
    """Return the lab simulator binary, building it once (about 20 s cold) if needed.

    The build is cached under the platform cache dir by source hash and Go version; a file lock
    keeps parallel test processes from building twice. A `vcsim` on PATH is used only when it is
    ours (it understands `-scenario` with our topology contract) and Go or govmomi is missing;
    the stock vcsim is never used.
    """
    reason = go_toolchain_missing()
    if reason:
        ours = _path_binary()
        if ours is not None:
            return ours
        raise VcsimError(f"cannot build the lab vCenter: {reason}")
    go = shutil.which("go") or "go"
    root = cache_dir or _cache_root()
    key = _source_key(go)
    binary = root / key / BINARY_NAME
    if binary.is_file() and os.access(binary, os.X_OK):
        return binary
    root.mkdir(parents=True, exist_ok=True)
    with open(root / f"{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not binary.is_file():
            _build(go, root, binary)
    return binary


def _build(go: str, root: Path, binary: Path) -> None:
    binary.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix="vconsole-gopath-") as tmp:
        pkg = Path(tmp) / "src" / "vconsolevcsim"
        pkg.mkdir(parents=True)
        for src in GO_DIR.glob("*.go"):
            shutil.copy2(src, pkg / src.name)
        env = dict(os.environ)
        env.update(
            GOPATH=f"{tmp}{os.pathsep}{GOVMOMI_GOPATH}",
            GO111MODULE="off",
            GOFLAGS="",
            GOCACHE=str(root / "go-build"),
            CGO_ENABLED="0",
        )
        out = binary.with_name(f".{BINARY_NAME}.{os.getpid()}")
        proc = subprocess.run(
            [go, "build", "-o", str(out), "."], cwd=pkg, env=env, capture_output=True, text=True
        )
        if proc.returncode != 0:
            raise VcsimError(f"building the lab vCenter failed:\n{proc.stderr.strip()[-4000:]}")
        os.replace(out, binary)


class VcsimLab:
    """A running lab vCenter for one scenario; `start()` and `stop()` are synchronous.

    Plain HTTP on 127.0.0.1 by default; the credentials are throwaway lab ones. `agents` maps
    host names to their lab agent URL (`EsxiLab.agents.urls()`, token `agent_token`): those
    hosts answer esxcli over the API (docs/esxcli-api.md). With pyVmomi:
    `SmartConnect(host=lab.host, port=lab.port, user=lab.user, pwd=lab.password, protocol="http")`.
    `tls=True` serves HTTPS with a self-signed certificate (`thumbprint` is its SHA-256), for
    trust-on-first-use tests. The simulator exits when the process that started it exits, unless
    `outlive_parent=True` (a lab daemon that hands over and quits).
    """

    def __init__(
        self,
        scenario: Scenario,
        state_dir: Path,
        port: int = 0,
        ram_datastores: bool = True,
        tls: bool = False,
        outlive_parent: bool = False,
        user: str = "user",
        password: str = "pass",
        agents: dict[str, str] | None = None,
        agent_token: str = "",
    ) -> None:
        self.scenario = scenario
        self.agents = dict(agents or {})
        self.agent_token = agent_token
        self.ram_datastores = ram_datastores
        self.tls = tls
        self.outlive_parent = outlive_parent
        self.thumbprint = ""
        self.state_dir = Path(state_dir)
        self.port = port
        self.host = "127.0.0.1"
        self.url = ""
        self.user = user
        self.password = password
        self.build_s = 0.0
        self._proc: subprocess.Popen[bytes] | None = None
        self._datastores: Path | None = None

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    @property
    def running(self) -> bool:
        return self._proc is not None and self._proc.poll() is None

    def start(self, timeout: float = 180.0) -> VcsimLab:
        """Build if needed, spawn the simulator in its own process group, wait for the SDK."""
        if self.running:
            return self
        binary = ensure_vcsim()
        self.state_dir.mkdir(parents=True, exist_ok=True)
        topology = self.state_dir / "vcsim-topology.json"
        topology.write_text(json.dumps(scenario_to_vcsim_json(self.scenario, self.agents)))
        self._datastores = _datastore_dir(self.state_dir, self.ram_datastores)
        log = open(self.state_dir / "vcsim.log", "wb")
        try:
            self._proc = subprocess.Popen(
                [
                    str(binary),
                    "-scenario",
                    str(topology),
                    "-listen",
                    f"{self.host}:{self.port}",
                    "-dir",
                    str(self._datastores),
                    "-username",
                    self.user,
                    *(["-tls"] if self.tls else []),
                    *(["-outlive-parent"] if self.outlive_parent else []),
                ],
                stdout=subprocess.PIPE,
                stderr=log,
                stdin=subprocess.DEVNULL,
                env={
                    **os.environ,
                    "VCONSOLE_VCSIM_PASSWORD": self.password,
                    "VCONSOLE_VCSIM_AGENT_TOKEN": self.agent_token,
                },
                start_new_session=True,
            )
        finally:
            log.close()
        try:
            self._await_ready(timeout)
        except BaseException:
            self.stop()
            raise
        return self

    def _await_ready(self, timeout: float) -> None:
        assert self._proc is not None and self._proc.stdout is not None
        deadline = time.monotonic() + timeout
        line = _read_line(self._proc, deadline)
        self._proc.stdout.close()
        if not line:
            raise VcsimError(
                f"the lab vCenter exited before serving (exit {self._proc.poll()}); "
                f"see {self.state_dir / 'vcsim.log'}: {self._log_tail()}"
            )
        info = json.loads(line)
        self.url, self.user, self.password = info["url"], info["user"], info["password"]
        self.build_s = float(info.get("build_s", 0.0))
        self.port = int(self.url.split("://", 1)[1].split("/", 1)[0].rsplit(":", 1)[1])
        scheme = "https" if self.tls else "http"
        about = f"{scheme}://{self.host}:{self.port}/about"
        context = ssl._create_unverified_context() if self.tls else None
        last = "no answer"
        while True:
            try:
                with urllib.request.urlopen(about, timeout=2, context=context) as resp:
                    if resp.status == 200:
                        if self.tls:
                            self.thumbprint = _thumbprint(self.host, self.port)
                        return
                    last = f"HTTP {resp.status}"
            except (urllib.error.URLError, OSError) as exc:  # not serving yet: ask again
                last = str(exc)
                log.debug("lab vCenter %s not ready yet: %s", about, exc)
            if time.monotonic() > deadline:
                raise VcsimError(
                    f"the lab vCenter at {self.url} did not answer in {timeout:.0f} s ({last})"
                )
            time.sleep(0.05)

    def _log_tail(self) -> str:
        try:
            return (self.state_dir / "vcsim.log").read_text(errors="replace")[-2000:].strip()
        except OSError:
            return ""

    def stop(self, timeout: float = 10.0) -> None:
        """Stop the simulator's whole process group; nothing is left running."""
        proc, self._proc = self._proc, None
        if proc is None:
            return
        if proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        if proc.stdout and not proc.stdout.closed:
            proc.stdout.close()
        if self._datastores is not None:
            shutil.rmtree(self._datastores, ignore_errors=True)
            self._datastores = None

    def vms(self) -> list[LabVm]:
        """The VMs this lab serves, as the scenario predicts them."""
        return lab_vms(self.scenario)

    def __enter__(self) -> VcsimLab:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()


def _thumbprint(host: str, port: int) -> str:
    """SHA-256 of the server certificate as vSphere shows it: `AB:CD:...`."""
    pem = ssl.get_server_certificate((host, port))
    digest = hashlib.sha256(ssl.PEM_cert_to_DER_cert(pem)).hexdigest().upper()
    return ":".join(digest[i : i + 2] for i in range(0, len(digest), 2))


def _datastore_dir(state_dir: Path, ram: bool = True) -> Path:
    """Where the simulator keeps VM files: RAM-backed when possible (a 5,000-VM lab writes
    5,000 small files at start and builds faster on tmpfs), else the state dir."""
    shm = Path("/dev/shm")
    if ram and shm.is_dir() and os.access(shm, os.W_OK):
        return Path(tempfile.mkdtemp(prefix="vconsole-vcsim-", dir=shm))
    return state_dir / "vcsim-datastores"


def _read_line(proc: subprocess.Popen[bytes], deadline: float) -> str:
    """The first stdout line of the simulator, or "" if it exits or the deadline passes."""
    import selectors

    assert proc.stdout is not None
    buf = b""
    with selectors.DefaultSelector() as sel:
        sel.register(proc.stdout, selectors.EVENT_READ)
        while b"\n" not in buf:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise VcsimError("the lab vCenter did not report its URL in time")
            if not sel.select(min(remaining, 0.5)):
                if proc.poll() is not None:
                    return ""
                continue
            chunk = os.read(proc.stdout.fileno(), 4096)
            if not chunk:
                return ""
            buf += chunk
    return buf.split(b"\n", 1)[0].decode()
