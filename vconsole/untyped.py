"""Names for values whose libraries give them no type, so an annotation says what they are.

The panes and the session layer refuse a bare `Any` (mypy `disallow_any_explicit`); these names
are the exceptions, each because the library that hands the value over declares it as Any.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

T = TypeVar("T")

# pyVmomi's managed and data objects (ServiceContent, HostSystem, property values): pyVmomi
# ships no type information.
VimObject = Any
# What `VimConnection.call` runs in the executor: a pyVmomi method, or a function over pyVmomi
# objects; its arguments are pyVmomi objects as well.
VimCall = Callable[..., T]

# A JSON document as `json.loads` or httpx's `Response.json()` returns it (both typed Any), or
# one built for `json.dumps` that a caller still reads field by field (the CLI's text output).
Json = Any
