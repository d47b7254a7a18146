"""pyVmomi's answers freed when the caller drops them, not at the next full collection.

pyVmomi parses each SOAP answer with a deserializer that keeps its expat parser, whose handlers
are the deserializer's own methods, and the answer it built: a reference cycle holding the whole
answer. Every vCenter call therefore left its answer (on the default lab, the checks' read alone:
some 5,000 objects) alive until CPython's next full collection, up to a minute later in a console
left open, while the other refreshes took new memory beside it; Python keeps an arena while any
block in it is alive, so the console's memory rose at each such read. Once an answer is parsed,
the deserializer lets go of the parser and the answer, and nothing is left in a cycle.
"""

from __future__ import annotations

import functools
import threading
from collections.abc import Callable
from typing import Any

_lock = threading.Lock()
_MARK = "_vconsole_releases_answers"


def release_parsed_answers() -> bool:
    """Make pyVmomi's answer deserializer drop its parser and answer after each parse (once per
    process); False when this pyVmomi has no such deserializer (then nothing is changed)."""
    try:
        from pyVmomi import SoapAdapter
    except ImportError:
        return False
    cls = getattr(SoapAdapter, "SoapResponseDeserializer", None)
    deserialize = getattr(cls, "Deserialize", None)
    if cls is None or deserialize is None:
        return False
    with _lock:
        if not getattr(deserialize, _MARK, False):
            cls.Deserialize = _releasing(deserialize)
    return True


def _releasing(deserialize: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(deserialize)
    def parse(self: Any, *args: Any, **kwargs: Any) -> Any:
        try:
            return deserialize(self, *args, **kwargs)
        finally:
            drop_parse_state(self)

    setattr(parse, _MARK, True)
    return parse


def drop_parse_state(response_deserializer: Any) -> None:
    """Break the cycle: the parser (its handlers are bound methods of both deserializers), the
    saved handlers, and the answer the inner deserializer still refers to."""
    response_deserializer.parser = None
    inner = getattr(response_deserializer, "deser", None)
    if inner is not None:
        inner.parser = inner.origHandlers = inner.result = None
        inner.stack = []
