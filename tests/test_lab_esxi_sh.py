"""The lab hosts' shell subset: the same output and status as a real POSIX shell, jobs in parallel.

Generated scripts (echo, variables, `$?`, `&&`/`||`, groups, subshells, pipes into
`while read -r`, `2>&1`, `>&2`) run through `/bin/sh` and through the lab's interpreter and must
print the same, with jobs on threads and with jobs deferred on the host's clock. Background jobs
are shown to overlap with a barrier both must reach, or by the lab time an exec takes.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
import threading
from collections.abc import Sequence
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.esx.vmkping import parse_vmkping, probe_outcome, vmkping_command
from vconsole.esx.vmkping_batch import batch_script, nonce_of, read_batch
from vconsole.lab.esxi.output import Reply
from vconsole.lab.esxi.sh import MAX_JOBS, run_script
from vconsole.lab.esxi.shell import run_argv, run_line
from vconsole.lab.esxi.state import HostState, LabClock

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "bench"))

SH = shutil.which("sh")
words = st.text(alphabet="abcxyz019", min_size=1, max_size=5)
names = st.sampled_from(["a", "b", "v1"])


def not_found(argv: Sequence[str]) -> Reply:
    return Reply(stderr=f"sh: {argv[0]}: not found\n", exit=127)


@st.composite
def simple(draw: st.DrawFn) -> str:
    kind = draw(st.sampled_from(["echo", "assign", "true", "false", "status"]))
    if kind == "echo":
        parts = draw(st.lists(st.one_of(words, names.map(lambda n: f'"${n}"')), max_size=3))
        return " ".join(["echo", *parts])
    if kind == "assign":
        return f"{draw(names)}={draw(words)}"
    if kind == "status":
        return 'echo "s=$?"'
    return kind


@st.composite
def command(draw: st.DrawFn, depth: int = 0) -> str:
    form = draw(
        st.sampled_from(["simple", "group", "sub", "pipe", "redir"] if depth < 2 else ["simple"])
    )
    if form == "simple":
        return draw(simple())
    inner = draw(script(depth + 1))
    if form == "group":
        return f"{{ {inner}; }}"
    if form == "sub":
        return f"( {inner} )"
    if form == "redir":
        return f"{{ {inner}; }} {draw(st.sampled_from(['2>&1', '>&2', '2>/dev/null']))}"
    return f'{{ {inner}; }} | while read -r a b; do echo "[$b] $a"; done'


@st.composite
def script(draw: st.DrawFn, depth: int = 0) -> str:
    items = draw(st.lists(command(depth), min_size=1, max_size=3))
    glue = draw(
        st.lists(
            st.sampled_from(["; ", " && ", " || ", "\n"]),
            min_size=len(items) - 1,
            max_size=len(items) - 1,
        )
    )
    out = items[0]
    for sep, item in zip(glue, items[1:], strict=True):
        out += sep + item
    return out


@pytest.mark.skipif(SH is None, reason="no /bin/sh to compare with")
@pytest.mark.parametrize("deferred", [False, True], ids=["jobs-on-threads", "jobs-deferred"])
@settings(max_examples=60, deadline=None)
@given(text=script())
def test_scripts_print_what_a_real_shell_prints(deferred: bool, text: str) -> None:
    real = subprocess.run(
        [SH or "sh", "-c", text], capture_output=True, text=True, timeout=10, env={}
    )
    lab = run_script(text, not_found, LabClock(0) if deferred else None)
    assert (lab.stdout, lab.exit) == (real.stdout, real.returncode), text
    assert lab.stderr == real.stderr, text


@pytest.mark.skipif(SH is None, reason="no /bin/sh to compare with")
@pytest.mark.parametrize(
    "text",
    [
        "echo a#b #c",
        "echo x>/dev/null; echo y",
        "echo 1 2>&1; echo 2>/dev/null z",
        "echo a=b c=d; echo {a} }",
        "x=1; echo $x${x}x'$x'\"$x\"",
        "echo while do done && echo a\\ b",
    ],
)
def test_words_next_to_operators_split_as_in_a_real_shell(text: str) -> None:
    """Plain words are cut in one step; where one ends (`#`, `>`, quotes) is the shell's."""
    real = subprocess.run([SH or "sh", "-c", text], capture_output=True, text=True, env={})
    lab = run_script(text, not_found)
    assert (lab.stdout, lab.stderr, lab.exit) == (real.stdout, real.stderr, real.returncode)


def test_background_jobs_run_at_the_same_time_and_wait_collects_them() -> None:
    barrier = threading.Barrier(3, timeout=10)

    def meet(argv: Sequence[str]) -> Reply:
        barrier.wait()  # breaks (and fails the job) unless all three jobs are running at once
        return Reply(f"met {argv[1]}\n")

    reply = run_script("meet 1 &\nmeet 2 &\nmeet 3 &\nwait\necho done", meet)
    assert sorted(reply.stdout.splitlines()[:3]) == ["met 1", "met 2", "met 3"]
    assert reply.stdout.splitlines()[3] == "done" and reply.exit == 0


def test_a_job_left_running_is_still_part_of_the_exec() -> None:
    reply = run_script("{ echo late; } &", not_found)
    assert reply.stdout == "late\n"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("echo $(hostname)", "command substitution"),
        ("echo `hostname`", "command substitution"),
        ("echo 'open", "unterminated quoted string"),
        ("{ echo a", "unexpected end of file"),
        ("echo a; done", 'unexpected "done"'),
        ("while true; do echo", "unexpected end of file"),
    ],
)
def test_outside_the_subset_is_a_syntax_error_not_a_guess(text: str, needle: str) -> None:
    reply = run_script(text, not_found)
    assert reply.exit == 2 and needle in reply.stderr and reply.stdout == ""


def test_files_cannot_be_written() -> None:
    reply = run_script("echo x > /tmp/f; echo $?", not_found)
    assert reply.stdout == "1\n" and "can't create /tmp/f" in reply.stderr


def test_runaway_background_jobs_are_bounded() -> None:
    reply = run_script("; ".join(["true &"] * (MAX_JOBS + 5)).replace("&;", "&"), not_found)
    assert "can't fork" in reply.stderr


def test_a_vmkping_batch_answers_each_probe_as_alone() -> None:
    """The console's batch on a lab host: each section reads as the same probe run alone."""
    from bench_mtu import blackhole_scenario  # type: ignore[import-not-found]

    scenario = blackhole_scenario(1)
    state = HostState(scenario, scenario.hosts[0], LabClock(0.01), None)
    sizes = (56, 1252, 1253, 1472, 8972, 8973)
    cmds = [vmkping_command("10.0.10.5", size=s, vmk="vmk1", count=2) for s in sizes]
    script_cmd = batch_script(cmds)
    reply = run_line(state, script_cmd.line)
    sections = read_batch(reply.stdout, nonce_of(script_cmd), len(cmds))
    for size, cmd, section in zip(sizes, cmds, sections, strict=True):
        assert section is not None
        alone = run_line(state, cmd.line)
        batched = probe_outcome(parse_vmkping(section.text), size, section.exit)
        single = probe_outcome(parse_vmkping(alone.stdout, alone.stderr), size, alone.exit)
        assert (batched.kind, batched.sent, batched.received) == (
            single.kind,
            single.sent,
            single.received,
        )
        assert section.exit == alone.exit


def _probes(sizes: Sequence[int]) -> str:
    """The console's batch of black-holed probes (1 s timeout) from one host."""
    return batch_script(
        [vmkping_command("10.0.30.50", size=s, vmk="vmk1", count=1) for s in sizes]
    ).line


@settings(max_examples=15, deadline=None)
@given(st.lists(st.integers(1200, 8972), min_size=1, max_size=12))
def test_deferred_jobs_answer_as_jobs_on_threads(sizes: list[int]) -> None:
    """Jobs run at once with their sleeps deferred print what jobs on threads print."""
    from bench_mtu import blackhole_scenario  # type: ignore[import-not-found]

    scenario = blackhole_scenario(1)
    line = _probes(sizes)
    state = HostState(scenario, scenario.hosts[0], LabClock(0), None)
    deferred = run_line(state, line)
    threaded = run_script(line, lambda argv: run_argv(state, argv))
    assert (deferred.stdout, deferred.stderr, deferred.exit) == (
        threaded.stdout,
        threaded.stderr,
        threaded.exit,
    )


def test_black_holed_probes_in_one_exec_still_wait_their_timeout_together() -> None:
    """Eight jobs that each wait a 1 s timeout: the exec lasts at least 1 s of lab time (the
    deferred sleeps are waited out), and not eight (they overlap as jobs on threads do)."""
    from bench_mtu import blackhole_scenario

    scenario = blackhole_scenario(1)
    clock = LabClock(0.02)
    state = HostState(scenario, scenario.hosts[0], clock, None)
    started = clock.now()
    reply = run_line(state, _probes([1500] * 8))
    took = clock.now() - started
    assert reply.stdout.count("100% packet loss") == 8
    assert 1.0 <= took < 8.0


def test_a_deferred_run_adds_its_sleeps_and_a_nested_one_runs_beside_it() -> None:
    clock = LabClock(1.0)
    with clock.deferred() as outer:
        clock.sleep(3600)  # an hour of lab time, none of it slept here
        before = clock.now()
        with clock.deferred() as inner:
            clock.sleep(5)
        clock.sleep(2)
    assert (outer.lab_seconds, inner.lab_seconds) == (3602, 5)
    assert before >= 3600 and clock.now() < 3600
