"""What each answer through vCenter costs the console besides the call: its text and its audit.

Two per-answer costs of a multipathing refresh through the API, each the old way beside the new:
1. The answer's text (`stdout`, the records as indented JSON): the old way made it for every
   answer with `json.dumps(indent=1, sort_keys=True)` (the standard library's pure-Python
   encoder); now it is made only when read, by `records_text`. Records are the lab's real
   answers to the paths pane's four commands (the host agent's XML, read by the console's own
   parser), for `--hosts` generated hosts; CPU-s scaled to 1,000 hosts' four commands.
2. The audit record of each answer, made on the event loop while `--busy` threads run Python
   (the executor reading other answers): one `os.write` per record (the old way, as a record
   made off the loop still is) beside records held up to `HOLD_S` and written together. A
   refresh makes about two records a loop tick (answers arrive one by one); so does the burst.

    .venv/bin/python bench/bench_api_answer_cost.py [--hosts 50] [--records 4000] [--busy 4]
        [--rounds 3]
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def load() -> str:
    return f"load {os.getloadavg()[0]:.1f}"


def lab_records(hosts: int) -> list[tuple[object, ...]]:
    """Each generated host's answers to the paths pane's commands, as the console parses them."""
    from vconsole.esx.api_calls import API_VERSION, esxcli_call
    from vconsole.esx.storage import READ_COMMANDS
    from vconsole.lab.esxi.api import execute
    from vconsole.lab.esxi.state import HostState, LabClock
    from vconsole.lab.scenario import generate_scenario
    from vconsole.vim.esxcli import parse_response

    scenario = generate_scenario(hosts=hosts, vms=hosts, luns_per_host=5, paths_per_lun=4)
    clock = LabClock(1.0)
    calls = [esxcli_call(c) for c in READ_COMMANDS]
    out = []
    for host in scenario.hosts:
        state = HostState(scenario, host, clock)
        for call in calls:
            answer = execute(state, call.moid, API_VERSION, call.method_name, list(call.args))
            out.append(parse_response(answer.response).records)
    return out


def best_cpu(fn: Callable[[], object], rounds: int) -> float:
    best = float("inf")
    for _ in range(rounds):
        started = time.process_time()
        fn()
        best = min(best, time.process_time() - started)
    return best


def text_part(args: argparse.Namespace) -> None:
    from vconsole.sessions.records_text import records_text

    answers = lab_records(args.hosts)
    scale = 1000 / args.hosts
    size = sum(len(records_text(r)) for r in answers) / len(answers)
    print(
        f"answer text: {len(answers)} real answers ({args.hosts} hosts x 4 commands), "
        f"{size / 1024:.1f} KiB of text each on average ({load()})"
    )
    ways = (
        ("json.dumps, every answer (old)", lambda r: json.dumps(list(r), indent=1, sort_keys=True)),
        ("records_text, when read (new)", records_text),
    )
    texts = []
    for label, make in ways:
        texts.append([make(r) for r in answers])
        cpu = best_cpu(lambda make=make: [make(r) for r in answers], args.rounds)  # type: ignore[misc]
        print(f"  {label:<34} {cpu * scale:6.3f} CPU-s per 1,000 hosts  ({load()})")
    print(f"  {'not read (the LACP pane, new)':<34} {0:6.3f} CPU-s per 1,000 hosts")
    print(f"  same text both ways: {texts[0] == texts[1]}")


def spin(stop: threading.Event) -> None:
    """An executor thread's Python work: it wants the GIL whenever the loop lets it go."""
    n = 0
    while not stop.is_set():
        n = (n * 31 + 7) % 1_000_003


async def audit_burst(log: object, count: int, on_loop: bool) -> None:
    """`count` records as a refresh makes them: two a loop tick."""
    from vconsole.audit import AuditLog

    assert isinstance(log, AuditLog)

    def one(i: int) -> None:
        log.record(
            target=f"esx{i % 1000:04d}",
            user="root",
            action="esxcli-api",
            what="esxcli storage core path list",
            mutating=False,
            outcome="ok",
            duration_s=0.0123,
        )

    for i in range(count):
        if on_loop:
            one(i)
        else:  # made as before: written at once (a record off the loop still is)
            await asyncio.get_running_loop().run_in_executor(None, one, i)
        if i % 2 == 1:
            await asyncio.sleep(0)


def audit_part(args: argparse.Namespace) -> None:
    from vconsole.audit import AuditLog

    print(
        f"\naudit: {args.records} records on the event loop, {args.busy} busy threads beside it "
        f"({load()})"
    )
    stop = threading.Event()
    busy = [threading.Thread(target=spin, args=(stop,), daemon=True) for _ in range(args.busy)]
    for t in busy:
        t.start()
    try:
        for label, way in (("a write each (old)", "each"), ("held 0.1 s (new)", "held")):
            walls = []
            for _ in range(args.rounds):
                with tempfile.TemporaryDirectory() as tmp:
                    log = AuditLog(Path(tmp) / "audit.jsonl")
                    if way == "each":
                        log = _writing_each(log)
                    started = time.perf_counter()
                    asyncio.run(audit_burst(log, args.records, on_loop=True))
                    walls.append(time.perf_counter() - started)
                    log.close()
                    lines = len((Path(tmp) / "audit.jsonl").read_text().splitlines())
            print(
                f"  {label:<22} wall {min(walls):6.3f} s for {args.records} records, 2 a tick, "
                f"{lines} lines in the file  ({load()})"
            )
    finally:
        stop.set()


def _writing_each(log: object) -> object:
    """The old way, exactly: the record's line written by its own `os.write`."""
    from vconsole.audit import AuditLog

    assert isinstance(log, AuditLog)
    real = log.record

    def record(**fields: object) -> object:
        entry = real(**fields)  # type: ignore[arg-type]
        log.flush()
        return entry

    log.record = record  # type: ignore[method-assign]
    return log


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--hosts", type=int, default=50, help="lab hosts whose answers are read")
    parser.add_argument("--records", type=int, default=4000, help="audit records per burst")
    parser.add_argument("--busy", type=int, default=4, help="threads running Python meanwhile")
    parser.add_argument("--rounds", type=int, default=3, help="best of this many")
    args = parser.parse_args()
    text_part(args)
    audit_part(args)
    print(f"\ncommand: {' '.join(sys.argv)}")


if __name__ == "__main__":
    main()
