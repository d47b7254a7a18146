"""`vconsole serve`: the console in a web browser through textual-serve.

Each browser tab starts its own `vconsole ui` process. There is no authentication, so the
server binds to loopback unless `--public` is given explicitly.
"""

from __future__ import annotations

import argparse
import ipaddress
import shlex
import sys
from typing import Any

DEFAULT_PORT = 8765
NO_AUTH_WARNING = (
    "WARNING: vconsole serve has no authentication. Anyone who can reach {where} gets a console "
    "with this profile's stored credentials. Put it behind an authenticating proxy or an SSH tunnel."
)


def register(subparsers: Any) -> None:
    serve = subparsers.add_parser("serve", help="serve the console to a web browser (loopback)")
    serve.add_argument("--host", default="127.0.0.1", help="address to bind (default 127.0.0.1)")
    serve.add_argument(
        "--port", type=int, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT})"
    )
    serve.add_argument(
        "--public",
        action="store_true",
        help="allow a non-loopback --host (there is no authentication)",
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
    words += ["ui", "--pane", str(getattr(args, "pane", "triage"))]
    return shlex.join(words)


def handle(args: argparse.Namespace) -> int:
    if not 1 <= args.port <= 65535:
        print(f"vconsole serve: --port: {args.port} is not a port number 1-65535", file=sys.stderr)
        return 2
    if not is_loopback(args.host):
        if not args.public:
            print(
                f"vconsole serve: --host: {args.host} is not a loopback address; the served "
                "console has no authentication. Add --public to bind it anyway.",
                file=sys.stderr,
            )
            return 2
        print(NO_AUTH_WARNING.format(where=f"{args.host}:{args.port}"), file=sys.stderr)

    from textual_serve.server import Server

    server = Server(console_command(args), host=args.host, port=args.port, title="vconsole")
    server.serve()
    return 0
