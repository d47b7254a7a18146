"""One host's SSH half of a multipathing refresh, and the path layout kept between refreshes.

Of the four commands, only `core path list` carries what changes between refreshes without a
configuration change (path states, devices appearing or vanishing); it is run on every refresh.
The other three (devices with PSP, Round Robin settings and working paths; ALUA group states;
the latency switch) are the layout: kept and re-read when `core path list` answers anything but
exactly what it answered when the layout was read (a path went dead or came back, a device came
or went), after a change made from this console, on a full refresh, and at the latest every
`every` refreshes (hosts staggered so each refresh re-reads about 1/`every` of them). A PSP
change made elsewhere therefore shows within `every` refreshes; a path state at once.
An output that reads the same as last time is not parsed again. Commands read together go in
one sequential exec (`run_each`): a channel costs both ends more than a command's answer, so a
layout read is one exec instead of four (`batch=False`, replay and API hosts: one each).
"""

from __future__ import annotations

import zlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, TypeVar

from vconsole.esx.api_map import decode, mapped
from vconsole.esx.storage import (
    READ_COMMANDS,
    AdvancedValue,
    CorePathList,
    NmpDeviceList,
    NmpPathList,
    OutputKind,
    parse_advanced_value,
    parse_core_path_list,
    parse_nmp_device_list,
    parse_nmp_path_list,
)
from vconsole.models.paths import RawOutput
from vconsole.services.answers import error_text, raw_output
from vconsole.services.paths_join import SshHostData

if TYPE_CHECKING:
    from vconsole.sessions.protocols import Sessions
    from vconsole.sessions.results import Answer

DEVICES, CORE, NMP_PATHS, PSP = range(4)  # positions in READ_COMMANDS
LAYOUT = (DEVICES, NMP_PATHS, PSP)
DEFAULT_LAYOUT_EVERY = 6  # at the pane's 20 s auto-refresh: a PSP change made elsewhere in 2 min

T = TypeVar("T")


@dataclass(frozen=True)
class _Read:
    """One command's answer as compared between refreshes, and what it parsed to."""

    key: tuple[object, ...] | None  # None: an exception, never equal to a later answer
    parsed: object
    output: RawOutput


_Kept = tuple[_Read, ...]  # one host's four reads, in READ_COMMANDS order


class HostLayouts:
    """Per host: the last four reads, and which refreshes must re-read the layout."""

    def __init__(
        self, manager: Sessions, every: int = DEFAULT_LAYOUT_EVERY, *, batch: bool = True
    ) -> None:
        self.manager = manager
        self.every = max(1, every)
        self.batch = batch
        self.refreshes = 0
        self.layout_reads = 0  # hosts whose layout was read, over this object's life
        self._kept: dict[str, _Kept] = {}

    def forget(self, host: str) -> None:
        """The next refresh reads everything of `host` (after a change made from here)."""
        self._kept.pop(host, None)

    def begin(self) -> None:
        """A refresh starts: it re-reads the layout of the hosts whose turn it is."""
        self.refreshes += 1

    def _due(self, host: str) -> bool:
        return (self.refreshes + zlib.crc32(host.encode())) % self.every == 0

    async def fetch(self, host: str, *, full: bool = False) -> SshHostData:
        """What `host` says now: `core path list` always, the layout when needed (see above)."""
        kept = None if full else self._kept.get(host)
        if kept is None or self._due(host):
            answers = await self._run(host, (DEVICES, CORE, NMP_PATHS, PSP))
            return self._keep(host, kept, dict(zip(range(4), answers, strict=True)))
        (core,) = await self._run(host, (CORE,))
        if _key(core) == kept[CORE].key:
            return self._data(
                (*kept[:CORE], _read(core, CORE, kept[CORE]), *kept[CORE + 1 :]),
                earlier=LAYOUT,
            )
        rest = await self._run(host, LAYOUT)
        return self._keep(host, kept, {CORE: core, **dict(zip(LAYOUT, rest, strict=True))})

    async def _run(self, host: str, which: tuple[int, ...]) -> list[Answer]:
        if len(which) == 1:  # the usual poll: `core path list` alone, awaited as it is
            try:
                return [await self.manager.run(host, READ_COMMANDS[which[0]])]
            except Exception as exc:
                return [exc]
        commands = [READ_COMMANDS[i] for i in which]
        return await self.manager.run_each(host, commands, batch=self.batch)

    def _keep(self, host: str, kept: _Kept | None, answers: dict[int, Answer]) -> SshHostData:
        if all(isinstance(a, BaseException) for a in answers.values()):
            self._kept.pop(host, None)
            first = answers[min(answers)]
            assert isinstance(first, BaseException)
            raise first
        reads = tuple(_read(answers[i], i, kept[i] if kept is not None else None) for i in range(4))
        data = self._data(reads, earlier=())
        self.layout_reads += 1
        if all(_ok(reads[i].parsed) for i in (DEVICES, CORE, NMP_PATHS)):
            self._kept[host] = reads
        else:
            self._kept.pop(host, None)
        return data

    @staticmethod
    def _data(reads: tuple[_Read, ...], earlier: tuple[int, ...]) -> SshHostData:
        outputs = tuple(
            replace(r.output, earlier=True) if i in earlier else r.output
            for i, r in enumerate(reads)
        )
        return SshHostData(
            devices=_as(reads[DEVICES].parsed, NmpDeviceList),
            paths=_as(reads[CORE].parsed, CorePathList),
            nmp_paths=_as(reads[NMP_PATHS].parsed, NmpPathList),
            psp_latency=_as(reads[PSP].parsed, AdvancedValue),
            outputs=outputs,
        )


_PARSERS: tuple[Callable[[str], object], ...] = (
    parse_nmp_device_list,
    parse_core_path_list,
    parse_nmp_path_list,
    parse_advanced_value,
)


def _read(answer: Answer, index: int, before: _Read | None) -> _Read:
    """The answer parsed, or the earlier parse when the answer reads exactly the same."""
    key = _key(answer)
    output = raw_output(READ_COMMANDS[index], answer)
    if key is not None and before is not None and before.key == key:
        return _Read(key, before.parsed, output)
    text = None if mapped(answer) else answer_text(answer)  # records need no text made
    return _Read(key, decode(answer, _PARSERS[index], text), output)


def _key(answer: Answer) -> tuple[object, ...] | None:
    """What decides "reads exactly the same": an API answer's records (its text is made from
    them only when read), else the output text."""
    if isinstance(answer, BaseException):
        return None
    records = getattr(answer, "records", None)
    return (
        records if records is not None else str(getattr(answer, "stdout", "")),
        str(getattr(answer, "stderr", "")),
        getattr(answer, "exit", 0),
        str(getattr(answer, "fault", "") or ""),
        getattr(answer, "method", ""),
    )


def _ok(parsed: object) -> bool:
    return getattr(parsed, "kind", OutputKind.OK) == OutputKind.OK


def _as(value: object, kind: type[T]) -> T:
    assert isinstance(value, kind)
    return value


def answer_text(answer: Answer) -> str:
    """The text a parser reads: stdout, or the error the host or the session gave."""
    if isinstance(answer, BaseException):
        return f"Error: {error_text(answer)}"
    stdout = str(getattr(answer, "stdout", ""))
    stderr = str(getattr(answer, "stderr", ""))
    if getattr(answer, "exit", 0) and not stdout.strip():
        return stderr if stderr.strip().lower().startswith("error") else f"Error: {stderr.strip()}"
    return stdout
