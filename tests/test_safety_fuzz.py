"""No tracebacks, ever: hostile and random option values and files for every command.

Every target of the profile points at a loopback listener that counts connections and hangs
up. Properties: the exit code is 0, 1 or 2; stderr never holds a traceback nor the top-level
handler's "unexpected error" line (each case below is handled where it arises); and a value
that can never be valid for a field reaches no host at all.
"""

from __future__ import annotations

import contextlib
import io
import json
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
import tomli_w
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vconsole.cli import main
from vconsole.secrets import env_var_name

FUZZ = settings(
    max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


class CountingListener:
    """A TCP port that accepts, counts and hangs up: any connection means input went out."""

    def __init__(self) -> None:
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(64)
        self.sock.settimeout(0.1)
        self.port = int(self.sock.getsockname()[1])
        self.count = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.count += 1
            conn.close()

    def close(self) -> None:
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture(scope="module")
def listener() -> Iterator[CountingListener]:
    server = CountingListener()
    yield server
    server.close()


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory, listener: CountingListener) -> Iterator[Path]:
    """A config whose every target is the listener; state and config dirs of their own."""
    root = tmp_path_factory.mktemp("fuzz")
    base = {"address": "127.0.0.1", "port": listener.port, "user": "root", "timeout": 3.0}
    targets = [
        {"name": "esx-a", "kind": "esxi", **base},
        {"name": "esx-b", "kind": "esxi", **base},
        {"name": "vc01", "kind": "vcenter", "protocol": "http", **base},
        {"name": "vcd01", "kind": "vcd", "protocol": "http", "org": "System", **base},
        {"name": "bf01", "kind": "bitfusion", **base},
    ]
    config = root / "config.toml"
    config.write_text(
        tomli_w.dumps({"default_profile": "f", "profiles": {"f": {"targets": targets}}})
    )
    saved = dict(__import__("os").environ)
    env = __import__("os").environ
    env["VCONSOLE_STATE_DIR"] = str(root / "state")
    env["VCONSOLE_CONFIG_DIR"] = str(root / "cfg")
    for t in targets:
        env[env_var_name(str(t["name"]))] = "pw"
    try:
        yield config
    finally:
        env.clear()
        env.update(saved)


def run(argv: list[str]) -> tuple[int, str]:
    err, out = io.StringIO(), io.StringIO()
    with contextlib.redirect_stderr(err), contextlib.redirect_stdout(out):
        try:
            code = main(argv)
        except SystemExit as exc:  # argparse's own refusals
            code = exc.code if isinstance(exc.code, int) else 2
    return code, err.getvalue()


def assert_clean(code: int, err: str) -> None:
    assert code in (0, 1, 2), (code, err)
    assert "Traceback" not in err and "unexpected error" not in err, err


HOSTILE_PARTS = [";", "\n", "\r", "$(", "`", "|", "&", "\x00", "\x1b[2J", ">", "\u202e"]
hostile = st.builds(
    lambda head, bad, tail: head + bad + tail,
    st.text(max_size=8),
    st.sampled_from(HOSTILE_PARTS),
    st.text(max_size=8),
)
deep = st.sampled_from(["(" * 1000 + ")" * 1000, "[" * 100_000, "a" * 100_000, "", "-", "--"])
anything = st.one_of(st.text(max_size=40), hostile, deep, st.integers().map(str))

# Fields that only ever accept tokens: a hostile value there must never reach a host.
TOKEN_SLOTS = [
    ["mtu", "--host", "esx-a", "--vmk", "{v}", "--target", "10.0.0.1"],
    ["mtu", "--host", "esx-a", "--vmk", "vmk0", "--target", "{v}"],
    ["mtu", "--host", "esx-a", "--vmk", "vmk0", "--netstack", "{v}", "--target", "10.0.0.1"],
    ["paths", "--no-vcenter", "--device", "{v}"],
    ["paths", "--no-vcenter", "--host", "esx-a", "--device", "{v}", "--set-rr", "iops", "--yes"],
    ["lacp", "--host", "esx-a", "--set-timeout", "fast", "--dvs", "DS", "--lag-id", "{v}", "--yes"],
    ["branding", "get", "--tenant", "{v}"],
    ["branding", "reset", "--tenant", "{v}", "--yes"],
    ["lacp", "--host", "{v}"],
    ["capture", "{v}", "{tmp}/c.json"],
]
# Every option with a value, for the no-traceback property.
ANY_SLOTS = TOKEN_SLOTS + [
    ["lacp", "--concurrency", "{v}"],
    ["mtu", "--host", "esx-a", "--vmk", "vmk0", "--target", "10.0.0.1", "--max-mtu", "{v}"],
    ["mtu", "--host", "esx-a", "--vmk", "vmk0", "--target", "10.0.0.1", "--timeout", "{v}"],
    ["mtu", "--save-set", "{v}", "--host", "esx-a", "--vmk", "vmk0", "--target", "10.0.0.1"],
    ["paths", "--no-vcenter", "--davg-ms", "{v}"],
    ["paths", "--no-vcenter", "--samples", "{v}"],
    ["inventory", "--filter", "{v}"],
    ["inventory", "--type", "{v}"],
    ["inventory", "--sort", "{v}"],
    ["gpus", "--client", "{v}"],
    ["gpus", "--free-threshold", "{v}"],
    ["config", "check", "--profile", "{v}"],
    ["config", "show", "--profile", "{v}"],
    ["capture", "esx-a", "{tmp}/{v}"],
    ["mtu", "--address", "{v}"],
    ["mtu", "--set", "{v}"],
    ["lab", "status", "--state-dir", "{tmp}/{v}"],
    ["lab", "status", "--json", "--state-dir", "{tmp}/{v}"],
    ["analyze", "{tmp}/{v}"],
    ["branding", "--target", "{v}", "get"],
]


def fill(slot: list[str], value: str, tmp: Path) -> list[str]:
    out = []
    for word in slot:
        if word == "{v}":
            out.append(value)
        else:
            out.append(word.replace("{tmp}", str(tmp)).replace("{v}", value.replace("\x00", "")))
    # `--opt=value` keeps a value that starts with '-' a value
    joined: list[str] = []
    for word in out:
        if joined and joined[-1].startswith("--") and word == value and value.startswith("-"):
            joined[-1] = f"{joined[-1]}={value}"
        else:
            joined.append(word)
    return joined


@pytest.mark.parametrize("slot", TOKEN_SLOTS, ids=lambda s: " ".join(w for w in s if "{" not in w))
@FUZZ
@given(value=hostile)
def test_a_hostile_token_reaches_no_host(
    slot: list[str], value: str, world: Path, listener: CountingListener, tmp_path: Path
) -> None:
    before = listener.count
    code, err = run(["--config", str(world), *fill(slot, value, tmp_path)])
    assert_clean(code, err)
    assert code == 2, err
    assert listener.count == before, f"{slot} sent {value!r} to a host"


@pytest.mark.parametrize("slot", ANY_SLOTS, ids=lambda s: " ".join(w for w in s if "{" not in w))
@FUZZ
@given(value=anything)
def test_any_option_value_ends_cleanly(
    slot: list[str], value: str, world: Path, tmp_path: Path
) -> None:
    code, err = run(["--config", str(world), *fill(slot, value, tmp_path)])
    assert_clean(code, err)


def nested(depth: int) -> bytes:
    return ("[" * depth + "]" * depth).encode()


files = st.one_of(
    st.binary(max_size=200),
    st.sampled_from(
        [
            b"\xff\xfe\x00bad utf-8",
            nested(100_000),
            b'{"portalName": ' + b"[" * 50_000,
            b'{"format": "vconsole-branding-backup/1", "kind": "branding", "target": "vcd01", '
            b'"tenant": "x/../..", "branding": 5}',
            b'{"format": "vconsole-branding-backup/1", "kind": "logo", "target": "vcd01", '
            b'"data": "!!notbase64"}',
            b'{"format": "vconsole-branding-plan/1", "target": "vcd01", "basedOn": {}, "after": []}',
            b'{"host": 5, "commands": {}}',
            b'{"host": "h", "commands": {"esxcli x": ' + b"[" * 5000 + b"]" * 5000 + b"}}",
            json.dumps({"portalName": "x" * 1_000_000}).encode(),
            json.dumps(
                {"customLinks": [{"menuItemType": "link", "name": "a", "url": "http://[::1"}]}
            ).encode(),
        ]
    ),
    st.recursive(
        st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=10)),
        lambda kids: st.one_of(
            st.lists(kids, max_size=4), st.dictionaries(st.text(max_size=8), kids, max_size=4)
        ),
        max_leaves=20,
    ).map(lambda doc: json.dumps(doc).encode()),
)

FILE_SLOTS = [
    ["branding", "set", "{f}", "--yes"],
    ["branding", "set", "{f}", "--dry-run"],
    ["branding", "set", "--plan", "{f}", "--yes"],
    ["branding", "restore", "{f}", "--yes"],
    ["analyze", "{f}"],
    ["analyze", "{f}", "--json"],
    ["--config", "{f}", "config", "check"],
    ["--config", "{f}", "lacp"],
]


@pytest.mark.parametrize("slot", FILE_SLOTS, ids=lambda s: " ".join(w for w in s if "{" not in w))
@FUZZ
@given(content=files)
def test_any_file_ends_cleanly(
    slot: list[str], content: bytes, world: Path, listener: CountingListener, tmp_path: Path
) -> None:
    path = tmp_path / "input.json"
    path.write_bytes(content)
    argv = [str(path) if w == "{f}" else w for w in slot]
    if argv[0] != "--config":
        argv = ["--config", str(world), *argv]
    code, err = run(argv)
    assert_clean(code, err)


def test_a_directory_or_missing_directory_for_capture_is_refused_before_any_host(
    world: Path, listener: CountingListener, tmp_path: Path
) -> None:
    before = listener.count
    for target in (tmp_path, tmp_path / "missing" / "c.json"):
        code, err = run(["--config", str(world), "capture", "esx-a", str(target)])
        assert code == 2 and "FILE:" in err and "Traceback" not in err
    (tmp_path / "old.json").write_text("keep me")
    code, err = run(["--config", str(world), "capture", "esx-a", str(tmp_path / "old.json")])
    assert code == 2 and "--force" in err
    assert (tmp_path / "old.json").read_text() == "keep me" and listener.count == before


def test_end_of_input_at_the_password_prompt_is_a_clean_refusal(
    world: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("getpass.getpass", lambda prompt="": (_ for _ in ()).throw(EOFError()))
    code, err = run(["--config", str(world), "config", "set-password", "esx-a"])
    assert code == 1 and "no password entered" in err and "Traceback" not in err


def test_output_cut_short_by_the_reader_is_not_an_error(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import subprocess
    import sys

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path))
    capture = tmp_path / "c.json"
    rows = "\n".join(
        f"vmnic{i}  0000:00:{i:02x}.0  ixgben  Up  Up  10000  Full  00:50:56:00:00:{i:02x}  1500  NIC"
        for i in range(200)
    )
    capture.write_text(json.dumps({"host": "h", "commands": {"esxcli network nic list": rows}}))
    proc = subprocess.Popen(
        [sys.executable, "-m", "vconsole", "analyze", str(capture), "--json"],
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None and proc.stderr is not None
    proc.stdout.read(10)
    proc.stdout.close()
    err = proc.stderr.read().decode()
    proc.wait(60)
    assert "Traceback" not in err and "BrokenPipe" not in err, err


def test_an_unexpected_failure_is_one_line_and_a_debug_log(
    world: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The top-level handler itself, with a fault no real part produces on demand."""

    def boom(*_: object) -> object:
        raise RuntimeError("parser fell over\x1b]0;pwned\x07")

    monkeypatch.setenv("VCONSOLE_STATE_DIR", str(tmp_path / "state"))
    monkeypatch.setattr("vconsole.services.analyze.analyze_captures", boom)
    capture = tmp_path / "c.json"
    capture.write_text(json.dumps({"host": "h", "commands": {}}))
    code, err = run(["analyze", str(capture)])
    assert code == 1 and len(err.strip().splitlines()) == 1
    assert (
        "vconsole analyze: unexpected error (RuntimeError: parser fell over\\x1b]0;pwned\\x07)"
        in err
    )
    log = Path(err.rsplit("the traceback is in ", 1)[1].strip())
    assert log.is_relative_to(tmp_path / "state") and "Traceback" in log.read_text()
    assert (log.stat().st_mode & 0o777) == 0o600
