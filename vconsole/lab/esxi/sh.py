"""Running a parsed busybox-ash script on a lab host: background jobs run in parallel.

A command line with shell syntax (`;`, `&`, `|`, groups, `while read`) is interpreted here, so a
script the console sends runs as a host's ash would run it: jobs started with `&` run in
parallel (each vmkping sleeping its own timeout on the lab clock) and `wait` waits for them.
Output is kept as (fd, text) chunks in the order written, so `2>&1` and `>&2` interleave the two
streams as a real shell does. Simplifications, none of which changes what a script of the subset
prints: each command's output is collected and passed on when it ends (a pipe's reader sees it
all at once, a job's lines arrive as a block when it is waited for), and the only files are
/dev/null (anything else: `can't create`, as ash says on a read-only file system).
Built-ins: `echo`, `read`, `wait`, `true`, `false`, `:`; other names go to the host's commands.
Given the host's clock, a job runs at once with its sleeps deferred (`LabClock.deferred`) and
waiting for it sleeps until it would have ended: 32 probes waiting their timeout cost one timer,
not 32 threads. Without one (a host whose probes are real pings), each job runs on a thread.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from concurrent.futures import Future
from dataclasses import dataclass, field

from vconsole.lab.esxi.output import Reply
from vconsole.lab.esxi.sh_parse import (
    AndOr,
    Group,
    Node,
    Pipeline,
    Redir,
    Script,
    ShellSyntaxError,
    Simple,
    While,
    Word,
    parse,
)
from vconsole.lab.esxi.state import LabClock
from vconsole.sessions.pool import LifoThreadPool

log = logging.getLogger(__name__)

RunArgv = Callable[[Sequence[str]], Reply]
MAX_JOBS = 256  # background jobs one script may start (a runaway loop must not exhaust threads)
# Background jobs of every script on every lab host run on these threads: a batch of probes
# starts dozens of jobs that each sleep their timeout, and a thread started and joined per job
# cost the lab more than the job itself. Parked threads take the next jobs; the cap is far above
# what the lab's hosts run at once (a job never waits for a thread in practice).
_JOBS = LifoThreadPool(max_workers=8192, thread_name_prefix="lab-sh-job")
SHELL_CHARS = set(";&|(){}$<>`\n")


@dataclass
class Output:
    chunks: list[tuple[int, str]] = field(default_factory=list)  # (1 or 2, text), as written
    status: int = 0

    def add(self, other: Output) -> None:
        self.chunks += other.chunks
        self.status = other.status

    def text(self, fd: int) -> str:
        return "".join(text for f, text in self.chunks if f == fd)


class Stdin:
    """A command's standard input: lines read once, shared by a `while read` loop's body."""

    def __init__(self, text: str = "") -> None:
        self.lines = text.splitlines(keepends=True)

    def readline(self) -> str | None:
        return self.lines.pop(0) if self.lines else None


@dataclass
class Job:
    """A background job: on a thread (`future`), or already run with its sleeps deferred."""

    out: Output
    future: Future[None] | None = None
    failed: BaseException | None = None
    ends: float = 0.0  # a deferred job: the lab time its sleeps end


@dataclass
class Env:
    vars: dict[str, str]
    status: int = 0
    jobs: list[Job] = field(default_factory=list)
    counter: list[int] = field(default_factory=lambda: [0])  # jobs started by the whole script

    def subshell(self) -> Env:
        return Env(dict(self.vars), self.status, [], self.counter)


def looks_like_script(line: str) -> bool:
    """Whether a line needs the shell (anything beyond words and plain quoting)."""
    return any(c in SHELL_CHARS for c in line)


def run_script(line: str, run_argv: RunArgv, clock: LabClock | None = None) -> Reply:
    """Parse and run `line`; like sshd, the exec ends only when every background job is done.
    `clock`: every sleep of the commands goes through it, so jobs may run deferred."""
    try:
        script = parse(line)
    except ShellSyntaxError as exc:
        return Reply(stderr=f"sh: {exc}\n", exit=2)
    env = Env({})
    shell = _Shell(run_argv, clock)
    result = shell.run(script, env, Stdin())
    shell.join(env, result)
    return Reply(result.text(1), result.text(2), result.status)


class _Shell:
    def __init__(self, run_argv: RunArgv, clock: LabClock | None = None) -> None:
        self.run_argv = run_argv
        self.clock = clock

    def join(self, env: Env, into: Output) -> None:
        """Wait for the jobs `env` started, their output appended in the order they started."""
        while env.jobs:
            job = env.jobs.pop(0)
            if job.future is not None:
                failed = job.future.exception()  # waits for the job
            else:
                failed = job.failed
                if self.clock is not None:
                    self.clock.sleep(job.ends - self.clock.now())
            if failed is not None:  # a lab bug: the job's output so far still counts
                log.error("lab shell job failed", exc_info=failed)
            into.chunks += job.out.chunks

    def run(self, script: Script, env: Env, stdin: Stdin) -> Output:
        result = Output(status=env.status)
        for node, background in script.items:
            if background:
                self._start_job(node, env, stdin, result)
                continue
            result.add(self.and_or(node, env, stdin))
            env.status = result.status
        return result

    def _start_job(self, node: AndOr, env: Env, stdin: Stdin, result: Output) -> None:
        if env.counter[0] >= MAX_JOBS:
            result.chunks.append((2, f"sh: can't fork: more than {MAX_JOBS} jobs\n"))
            result.status = env.status = 2
            return
        env.counter[0] += 1
        sub = env.subshell()
        out = Output()

        def job() -> None:
            out.add(self.and_or(node, sub, stdin))
            self.join(sub, out)

        if self.clock is None:
            env.jobs.append(Job(out, future=_JOBS.submit(job)))
        else:
            env.jobs.append(self._deferred(job, out, self.clock))
        result.status = env.status = 0

    @staticmethod
    def _deferred(job: Callable[[], None], out: Output, clock: LabClock) -> Job:
        failed: BaseException | None = None
        with clock.deferred() as span:
            try:
                job()
            except Exception as exc:  # as a thread's job: reported when waited for
                failed = exc
        return Job(out, failed=failed, ends=clock.now() + span.lab_seconds)

    def and_or(self, node: AndOr, env: Env, stdin: Stdin) -> Output:
        result = self.pipeline(node.first, env, stdin)
        for op, pipe in node.rest:
            if (op == "&&") == (result.status == 0):
                result.add(self.pipeline(pipe, env, stdin))
            env.status = result.status
        return result

    def pipeline(self, pipe: Pipeline, env: Env, stdin: Stdin) -> Output:
        if len(pipe.commands) == 1:
            return self.command(pipe.commands[0], env, stdin)
        result = Output()
        feed = stdin
        for i, node in enumerate(pipe.commands):
            sub = env.subshell()
            step = self.command(node, sub, feed)
            self.join(sub, step)
            result.status = step.status
            if i + 1 < len(pipe.commands):
                feed = Stdin(step.text(1))
                result.chunks += [c for c in step.chunks if c[0] == 2]
            else:
                result.chunks += step.chunks
        env.status = result.status
        return result

    def command(self, node: Node, env: Env, stdin: Stdin) -> Output:
        redirs = node.redirs
        refused = _unwritable(redirs) if redirs else ""
        if refused:  # as in ash: the command does not run when a redirection fails
            env.status = 1
            return Output([(2, f"sh: can't create {refused}: Read-only file system\n")], status=1)
        feed = _input(redirs, stdin) if redirs else stdin
        if isinstance(node, Simple):
            result = self.simple(node, env, feed)
        elif isinstance(node, Group):
            inner = env.subshell() if node.subshell else env
            result = self.run(node.body, inner, feed)
            if node.subshell:
                self.join(inner, result)
        else:
            result = self.loop(node, env, feed)
        env.status = result.status
        return _redirect(redirs, result)

    def loop(self, node: While, env: Env, stdin: Stdin) -> Output:
        result = Output()
        status = 0
        cond_cmd, body_cmd = _lone(node.cond), _lone(node.body)
        while True:
            cond = self._step(node.cond, cond_cmd, env, stdin)
            result.chunks += cond.chunks
            if cond.status != 0:
                break
            body = self._step(node.body, body_cmd, env, stdin)
            result.chunks += body.chunks
            status = body.status
        result.status = env.status = status
        return result

    def _step(self, script: Script, lone: Simple | None, env: Env, stdin: Stdin) -> Output:
        """One pass of a loop's part: a lone simple command (`read -r l`, `echo "$l"`) straight,
        as the layers between would leave its output and status; once per line of input."""
        if lone is None:
            return self.run(script, env, stdin)
        out = self.simple(lone, env, stdin)
        env.status = out.status
        return out

    def simple(self, node: Simple, env: Env, stdin: Stdin) -> Output:
        argv = [_expand(w, env) for w in node.words]
        if not argv:
            for name, word in node.assigns:
                env.vars[name] = _expand(word, env)
            return Output(status=0)
        name = argv[0]
        if name == "echo":
            newline = not (len(argv) > 1 and argv[1] == "-n")
            words = argv[2:] if not newline else argv[1:]
            return Output([(1, " ".join(words) + ("\n" if newline else ""))])
        if name in ("true", ":"):
            return Output()
        if name == "false":
            return Output(status=1)
        if name == "read":
            return _read(argv[1:], env, stdin)
        if name == "wait":
            result = Output()
            self.join(env, result)
            return result
        reply = self.run_argv(argv)
        return Output([(1, reply.stdout), (2, reply.stderr)], reply.exit)


def _lone(script: Script) -> Simple | None:
    """The script's only command when it is one simple command in the foreground with no
    redirections, `&&`, `||` or pipe."""
    if len(script.items) != 1:
        return None
    node, background = script.items[0]
    if background or node.rest or len(node.first.commands) != 1:
        return None
    command = node.first.commands[0]
    return command if isinstance(command, Simple) and not command.redirs else None


def _expand(word: Word, env: Env) -> str:
    if word.literal is not None:  # no expansion in it (most words of a script)
        return word.literal
    out = []
    for kind, text in word.parts:
        if kind == "text":
            out.append(text)
        elif text == "?":
            out.append(str(env.status))
        else:
            out.append(env.vars.get(text, ""))
    return "".join(out)


def _read(args: list[str], env: Env, stdin: Stdin) -> Output:
    names = [a for a in args if a != "-r"]
    line = stdin.readline()
    if line is None:
        return Output(status=1)
    fields = line.rstrip("\n").strip(" \t")
    for i, name in enumerate(names or ["REPLY"]):
        if i == len(names) - 1 or not names:
            env.vars[name] = fields
            break
        head, _, fields = fields.partition(" ")
        env.vars[name] = head
        fields = fields.lstrip(" \t")
    return Output()


def _input(redirs: list[Redir], stdin: Stdin) -> Stdin:
    for r in redirs:
        if r.op == "<":
            return Stdin()
    return stdin


def _target(r: Redir) -> str:
    return "".join(text for _, text in r.target.parts)


def _unwritable(redirs: list[Redir]) -> str:
    """The first redirection the lab cannot honour (a file other than /dev/null, an fd > 2)."""
    for r in redirs:
        target = _target(r)
        dup = r.op in (">&", "<&") and target in ("1", "2") and r.fd in (1, 2)
        if not dup and target != "/dev/null":
            return target
    return ""


def _redirect(redirs: list[Redir], result: Output) -> Output:
    """Redirections in order on a table of where fds 1 and 2 go (None: /dev/null), then each
    chunk moved to its fd's place: `>/dev/null 2>&1` silences both, `2>&1 >/dev/null` not."""
    if not redirs:
        return result
    where: dict[int, int | None] = {1: 1, 2: 2}
    for r in redirs:
        if r.op in (">&", "<&"):
            where[r.fd] = where[int(_target(r))]
        elif r.fd in where:
            where[r.fd] = None
    result.chunks = [(to, text) for fd, text in result.chunks if (to := where[fd]) is not None]
    return result
