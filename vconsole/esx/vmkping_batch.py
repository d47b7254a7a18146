"""Several `vmkping` probes in one SSH exec, each read back by the ordinary vmkping parser.

An SSH server caps the sessions per connection (OpenSSH's MaxSessions defaults to 10), so the
console never opens more than 8 channels to a host; a k-ary search over many pairs still wants
dozens of probes in flight. One exec therefore starts a batch of probes in the background on
the host's busybox ash and `wait`s for all of them; the framing (a per-exec nonce and index on
every line, one `rc N` line closing each section) is `esx.shell_batch`'s.
"""

from __future__ import annotations

from vconsole.esx.shell_batch import (
    MAX_COMMANDS,
    ShellScript,
    batch_script,
    new_nonce,
    nonce_of,
    read_batch,
)
from vconsole.esx.shell_batch import Section as ProbeSection

MAX_PROBES = MAX_COMMANDS

__all__ = [
    "MAX_PROBES",
    "ProbeSection",
    "ShellScript",
    "batch_script",
    "new_nonce",
    "nonce_of",
    "read_batch",
]
