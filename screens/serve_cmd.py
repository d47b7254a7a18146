"""`vconsole serve`: the console in a web browser through textual-serve.

Each browser tab starts its own `vconsole ui` process. Only the URL `serve` prints works: it
carries a random secret made at each start, other Host names and cross-origin WebSockets are
refused (`serve_guard`). The server binds to loopback unless `--public` is given explicitly.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys

DEFAULT_PORT = 8765
PUBLIC_WARNING = (
    "WARNING: vconsole serve is reachable beyond this machine at {where}. Anyone who has the "
    "printed URL (its token is the only secret) gets a console with this profile's stored "
    "credentials, over plain HTTP. Prefer an SSH tunnel to the loopback default."
)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    serve = subparsers.add_parser("serve", help="serve the console to a web browser (loopback)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--public",
        action="store_true",
        help="allow a non-loopback --host (the printed URL's secret token is still required)",
    )
    serve.add_argument(
        "--allow-host",
        metavar="NAME",
        action="append",
        default=[],
        help="with --public: a Host name browsers use to reach it (repeatable)",
    )
    serve.add_argument("--pane", metavar="ALIAS", default="triage", help="pane to open first")
    serve.set_defaults(handler=handle)


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def console_command(args: argparse.Namespace) -> str:
    """The command line each browser session runs: this Python, `-m screens` (the full `vconsole`), same profile."""
    words = [sys.executable, "-m", "screens"]
    if getattr(args, "config", None):
        words += ["--config", str(args.config)]
    if getattr(args, "profile", None):
        words += ["--profile", str(args.profile)]
    if getattr(args, "readonly", False):
        words.append("--readonly")
    if getattr(args, "debug", False):  # each browser session logs as the serving run asked
        words.append("--debug")
    words += ["ui", "--pane", str(getattr(args, "pane", "triage"))]
    return shlex.join(words)


def handle(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        print(f"vconsole serve: --port: {args.port} is not a port number 1-65535", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        if not args.public:
            print(
                f"vconsole serve: --host: {args.host} is not a loopback address; add --public "
                "to bind it anyway (the printed URL's secret token is then the only guard).",
                file=sys.stderr,
            )
            return 2
        print(PUBLIC_WARNING.format(where=f"{args.host}:{args.port}"), file=sys.stderr)

    from screens.serve_guard import Guard, GuardedServer, allowed_hosts

    wildcard = args.host in ("0.0.0.0", "::")
    guard = Guard(args.port, hosts=allowed_hosts(args.host, args.allow_host, wildcard))
    if guard.hosts is None:
        print(
            "vconsole serve: bound to every address with no --allow-host, so any Host name is "
            "answered; the token in the URL is the guard",
            file=sys.stderr,
        )
    server = GuardedServer(
        console_command(args), guard, host=args.host, port=args.port, title="vconsole"
    )
    server.serve()
    return 0
