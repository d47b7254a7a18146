"""Find the largest DF-set payload a path carries, with k probes in flight per round.

The search only needs `probe(payload) -> ProbeOutcome`, so the same code runs on the lab's
modelled paths, over SSH with vmkping, and in the benchmark. Rules it keeps:
* a small packet must get through first: unreachable is not a small MTU;
* sizes pass below the path MTU and fail above it, so each round keeps the largest size that
  replied (`floor`) and the smallest that failed (`ceiling`) and probes k sizes between them;
* round 1 tries the vmk's own MTU and the common MTUs (1500, 9000, 1280, 1600, 1400...) as
  adjacent pairs (p passes, p+1 fails brackets the answer at once), then splits what is left;
* a silent loss is ambiguous (black hole or one dropped packet), so the edge that rests on it
  is retried until `confirm_lost` packets were lost there; a reply above a loss marks that loss
  as noise and lowers the confidence;
* a round ends as soon as the answer is bracketed and confirmed; outstanding probes are cancelled.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace

from vconsole.models.mtu import Confidence, ProbeKind, ProbeOutcome, SearchOutcome, overhead

Probe = Callable[[int], Awaitable[ProbeOutcome]]

COMMON_MTUS = (1500, 9000, 1280, 1600, 1400, 1492, 1450, 1476, 1420, 1700, 8900, 9216, 4000)
REACH_PAYLOAD = 56  # vmkping's default -s; smaller still when the minimum MTU asks for it


@dataclass(frozen=True)
class SearchSettings:
    """Knobs of one search; defaults suit a branch site over a WAN."""

    family: int = 4
    parallel: int = 8  # k: probes in flight per round for one pair
    max_mtu: int = 9000  # upper bound when the vmk MTU is not known
    min_mtu: int = 68
    confirm_lost: int = 2  # lost packets needed at the edge before a silent loss counts
    reach_attempts: int = 2  # reachability probes before "unreachable"
    common_pairs: int = 2  # common MTUs tried as (pass, fail) pairs in round 1
    max_rounds: int = 16


class _State:
    """Everything the probes said so far, reduced to floor/ceiling plus lost-packet tallies."""

    def __init__(self, cap: int) -> None:
        self.cap = cap  # largest payload worth probing (vmk MTU - header)
        self.reach = min(REACH_PAYLOAD, cap)
        self.floor: int | None = None  # largest size that replied
        self.ceiling = cap + 1  # smallest size known to fail (cap + 1 fails by definition)
        self.definite: set[int] = set()
        self.lost_packets: dict[int, int] = {}
        self.noise: list[int] = []  # sizes that lost packets yet passed (at or below floor)
        self.reach_tries = 0
        self.partial_loss = 0  # replies that lost some of their packets
        self.cancelled = 0  # probes stopped because the answer no longer depended on them
        self.mtu_hints: list[int] = []

    def record(self, out: ProbeOutcome, head: int) -> None:
        size = out.payload
        if out.kind is ProbeKind.REPLY:
            if out.sent > out.received:
                self.partial_loss += 1
            if self.floor is None or size > self.floor:
                self.floor = size
            self.noise += [s for s in self.lost_packets if s <= size]
            self.lost_packets = {s: n for s, n in self.lost_packets.items() if s > size}
            if self.ceiling <= size:  # a reply above a "failure": that failure was loss
                self.ceiling = self._lowest_failure(size)
            return
        if out.definite:
            self.definite.add(size)
            if out.mtu_hint:
                self.mtu_hints.append(out.mtu_hint - head)
        elif out.kind is ProbeKind.LOST:
            if self.floor is not None and size <= self.floor:
                self.noise.append(size)
                return
            self.lost_packets[size] = self.lost_packets.get(size, 0) + max(1, out.sent)
        if out.fails and size < self.ceiling and (self.floor is None or size > self.floor):
            self.ceiling = size

    def _lowest_failure(self, above: int) -> int:
        fails = [s for s in self.definite if s > above] + [
            s for s in self.lost_packets if s > above
        ]
        return min(fails, default=self.cap + 1)

    def edge_confirmed(self, confirm: int) -> bool:
        """The ceiling is a real failure: local, ICMP-signalled, or enough silent losses.

        Once the path has shown ordinary loss (a size that lost packets yet passed), twice
        as many lost packets are wanted before a silence counts as "too big".
        """
        c = self.ceiling
        wanted = confirm * (2 if self.noise or self.partial_loss else 1)
        return c > self.cap or c in self.definite or self.lost_packets.get(c, 0) >= wanted

    def bracketed(self) -> bool:
        return self.floor is not None and self.ceiling == self.floor + 1


def _spread(lo: int, hi: int, n: int) -> list[int]:
    """n sizes evenly inside the open interval (lo, hi); all of them when it is small."""
    inside = hi - lo - 1
    if inside <= 0 or n <= 0:
        return []
    if inside <= n:
        return list(range(lo + 1, hi))
    return sorted({lo + round((hi - lo) * (i + 1) / (n + 1)) for i in range(n)})


def _fill(anchors: list[int], lo: int, hi: int, slots: int) -> list[int]:
    """Add `slots` split points to the widest gaps left between the anchors."""
    chosen = sorted(set(anchors))
    for _ in range(slots):
        edges = [lo, *chosen, hi]
        widest = max(range(len(edges) - 1), key=lambda i: edges[i + 1] - edges[i])
        a, b = edges[widest], edges[widest + 1]
        if b - a <= 1:
            break
        chosen = sorted({*chosen, (a + b) // 2})
    return chosen


def _plan_round(state: _State, s: SearchSettings, head: int, first: bool) -> list[int]:
    sizes: list[int] = []
    k = max(1, s.parallel)
    if state.floor is None and state.reach_tries < s.reach_attempts:
        sizes.append(state.reach)
    lo = state.floor if state.floor is not None else state.reach
    hi = state.ceiling
    unconfirmed = hi <= state.cap and not state.edge_confirmed(s.confirm_lost)
    if state.bracketed():
        # Only the edge's confirmation is missing: ask it several times at once, so one
        # more round settles it and any reply exposes the earlier silence as plain loss.
        return sizes + [hi] * max(1, min(3, k - len(sizes)))
    if first:
        anchors = [state.cap]
        pairs = 0
        for mtu in COMMON_MTUS:
            p = mtu - head
            if lo < p < state.cap and pairs < s.common_pairs and len(anchors) + 2 <= k - len(sizes):
                anchors += [p, p + 1]
                pairs += 1
        room = k - len(sizes) - len(anchors)
        return sizes + _fill(anchors, lo, hi, max(0, room))
    picks: list[int] = []
    for hint in state.mtu_hints:
        if lo < hint < hi:
            picks += [hint] + ([hint + 1] if hint + 1 < hi else [])
    state.mtu_hints.clear()
    if unconfirmed and k - len(sizes) - len(picks) > 1:
        picks.append(hi)  # a silent ceiling is re-asked alongside the split, never trusted blind
    room = k - len(sizes) - len(picks)
    interior = _spread(lo, hi, room) if room > 0 else []
    return sizes + sorted(set(picks + interior))


async def find_path_mtu(
    probe: Probe, settings: SearchSettings | None = None, vmk_mtu: int | None = None
) -> SearchOutcome:
    """Search the largest payload with DF set; see the module docstring for the rules."""
    s = settings or SearchSettings()
    head = overhead(s.family)
    top = min(vmk_mtu, s.max_mtu) if vmk_mtu else s.max_mtu
    state = _State(cap=max(top - head, 8))
    state.reach = max(8, min(REACH_PAYLOAD, s.min_mtu - head, state.cap))
    evidence: list[ProbeOutcome] = []
    rounds = 0
    while rounds < s.max_rounds:
        if state.floor is not None and state.bracketed() and state.edge_confirmed(s.confirm_lost):
            break
        if state.floor is None and state.reach_tries >= s.reach_attempts:
            break
        if state.floor is not None and state.floor >= state.cap:
            break
        sizes = _plan_round(state, s, head, first=rounds == 0)
        if not sizes:
            break
        rounds += 1
        if state.floor is None:
            state.reach_tries += 1
        error = await _run_round(probe, sizes, rounds, state, s, head, evidence)
        if error is not None:
            return _finish(state, s, head, evidence, rounds, error=error)
    return _finish(state, s, head, evidence, rounds)


async def _run_round(
    probe: Probe,
    sizes: list[int],
    round_no: int,
    state: _State,
    s: SearchSettings,
    head: int,
    evidence: list[ProbeOutcome],
) -> str | None:
    started = time.monotonic()
    tasks = {asyncio.ensure_future(probe(size)): size for size in sizes}
    try:
        pending = set(tasks)
        while pending:
            done, pending = await asyncio.wait(pending, return_when=asyncio.FIRST_COMPLETED)
            for task in done:
                out = _outcome_of(task, tasks[task], started, round_no)
                evidence.append(out)
                if out.kind is ProbeKind.ERROR:
                    return out.detail or "the probe could not run"
                state.record(out, head)
            pending = {t for t in pending if _still_useful(tasks[t], state, s)}
    finally:
        for task in tasks:
            if not task.done():
                task.cancel()
                state.cancelled += 1
        await asyncio.gather(*tasks, return_exceptions=True)
    return None


def _outcome_of(task: asyncio.Future[ProbeOutcome], size: int, t0: float, rnd: int) -> ProbeOutcome:
    exc = task.exception()
    if exc is not None:
        return ProbeOutcome(size, ProbeKind.ERROR, 0, 0, str(exc) or type(exc).__name__, round=rnd)
    out = task.result()
    return replace(out, round=rnd, duration_s=out.duration_s or time.monotonic() - t0)


def _still_useful(size: int, state: _State, s: SearchSettings) -> bool:
    """A probe in flight still matters only if its answer could move floor or ceiling."""
    if state.floor is None:
        return True
    if state.bracketed() and state.edge_confirmed(s.confirm_lost):
        return False
    if size <= state.floor:
        return False
    return size <= state.ceiling


def _finish(
    state: _State,
    s: SearchSettings,
    head: int,
    evidence: list[ProbeOutcome],
    rounds: int,
    error: str = "",
) -> SearchOutcome:
    ev = tuple(evidence)
    if state.floor is None:
        if error:
            return SearchOutcome(
                False,
                None,
                None,
                Confidence.LOW,
                error,
                ev,
                rounds,
                error=error,
                cancelled=state.cancelled,
            )
        tries = sum(1 for p in ev if p.payload == state.reach)
        too_long = any(p.kind is ProbeKind.TOO_LONG for p in ev)
        note = (
            f"no reply to a {state.reach}-byte payload in {tries} tries"
            if not too_long
            else "even the smallest probe failed locally"
        )
        conf = Confidence.HIGH if tries >= 2 else Confidence.MEDIUM
        return SearchOutcome(False, None, None, conf, note, ev, rounds, cancelled=state.cancelled)
    floor = state.floor
    ceiling = state.ceiling
    edge = [p for p in ev if p.payload == ceiling]
    local_limit = ceiling > state.cap or any(p.kind is ProbeKind.TOO_LONG for p in edge)
    blackhole = any(p.kind is ProbeKind.LOST for p in edge) and not any(p.definite for p in edge)
    notes: list[str] = []
    if error:
        conf = Confidence.LOW
        notes.append(f"search stopped early: {error}")
    elif not state.bracketed():
        conf = Confidence.LOW
        notes.append(f"not narrowed down: between {floor + head} and {ceiling - 1 + head}")
    elif state.edge_confirmed(s.confirm_lost):
        conf = Confidence.HIGH
        if ceiling > state.cap:
            notes.append(f"the largest size tried ({state.cap + head}) got a reply")
        elif ceiling in state.definite:
            kinds = {p.kind for p in edge if p.definite}
            notes.append(
                "the next size failed locally (Message too long)"
                if ProbeKind.TOO_LONG in kinds
                else "the next size drew an ICMP fragmentation-needed"
            )
        else:
            lost = state.lost_packets.get(ceiling, 0)
            notes.append(f"the next size lost all {lost} packets sent, no ICMP came back")
    else:
        conf = Confidence.LOW
        notes.append("the edge rests on one lost packet; it may be ordinary loss")
    if state.partial_loss:
        notes.append(f"{state.partial_loss} probe(s) lost some packets yet replied")
    if state.noise:
        if conf is Confidence.HIGH:
            conf = Confidence.MEDIUM
        notes.append(
            f"{len(set(state.noise))} size(s) lost packets yet passed: the path drops some"
        )
    return SearchOutcome(
        reachable=True,
        max_payload=floor,
        path_mtu=floor + head,
        confidence=conf,
        confidence_note="; ".join(notes),
        evidence=ev,
        rounds=rounds,
        blackhole=blackhole and not local_limit,
        local_limit=local_limit,
        error=error,
        cancelled=state.cancelled,
    )
