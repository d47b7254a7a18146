"""The session manager's thread pool: idle work stays on a few threads, spare threads end.

`concurrent.futures.ThreadPoolExecutor` hands each call to the thread that has waited longest,
so a console whose background refreshes make one call at a time walks, in turn, every thread a
fan-out once started; each thread's stack pages and malloc caches stay resident, and the
console's memory creeps up for as long as it is left open. Here the most recently idle thread
takes the next call (the others stay parked and untouched), and a thread idle for `idle_exit`
seconds ends, so the pool shrinks back to what the refreshes use after a fan-out. Threads are
still started only when every one is busy, up to `max_workers`, so a fan-out grows as before.
"""

from __future__ import annotations

import queue
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Executor, Future
from dataclasses import dataclass
from functools import partial
from typing import ParamSpec, TypeVar

P = ParamSpec("P")
T = TypeVar("T")

IDLE_EXIT_S = 60.0  # longer than any pane's refresh cadence, so refresh threads stay warm


@dataclass(frozen=True, slots=True)
class _Call:
    """One submitted call: `run` makes it and returns what resolves its future (kept apart, so
    the thread parks before the caller hears back); `cancel` cancels it while still queued."""

    run: Callable[[], Callable[[], object]]
    cancel: Callable[[], object]


class _Worker:
    """A parked thread's inbox: the pool puts the next call (or None: end) in it."""

    __slots__ = ("inbox",)

    def __init__(self) -> None:
        self.inbox: queue.SimpleQueue[_Call | None] = queue.SimpleQueue()


class LifoThreadPool(Executor):
    """An executor whose most recently idle thread takes the next call; idle threads end."""

    worker_type: type[_Worker] = _Worker  # a subclass may give its threads' inboxes its own type

    def __init__(
        self,
        max_workers: int,
        thread_name_prefix: str = "pool",
        idle_exit: float = IDLE_EXIT_S,
    ) -> None:
        if max_workers < 1:
            raise ValueError("max_workers must be at least 1")
        self.max_workers = max_workers
        self.idle_exit = idle_exit
        self._prefix = thread_name_prefix
        self._lock = threading.Lock()
        self._idle: list[_Worker] = []  # parked threads, most recently parked last
        self._pending: deque[_Call] = deque()  # calls waiting for a thread (all busy, at max)
        self._threads: set[threading.Thread] = set()
        self._started = 0
        self._shutdown = False

    @property
    def thread_count(self) -> int:
        """Threads alive in the pool now, busy or parked."""
        with self._lock:
            return len(self._threads)

    def submit(self, fn: Callable[P, T], /, *args: P.args, **kwargs: P.kwargs) -> Future[T]:
        future: Future[T] = Future()

        def run() -> Callable[[], object]:
            if not future.set_running_or_notify_cancel():
                return future.done
            try:
                result = fn(*args, **kwargs)
            except BaseException as exc:  # the caller sees it through the future
                return partial(future.set_exception, exc)
            return partial(future.set_result, result)

        self._enqueue(_Call(run, future.cancel))
        return future

    def call(self, run: Callable[[], Callable[[], object]], cancel: Callable[[], object]) -> None:
        """Run `run` on a thread with no `Future` between: it makes the call and returns what
        tells the caller (called once the thread is parked again); `cancel` tells the caller
        the call will not run (the pool shut down with it still queued). An event loop's own
        future answered this way skips a `concurrent.futures.Future`, its lock and callbacks."""
        self._enqueue(_Call(run, cancel))

    def _enqueue(self, call: _Call) -> None:
        with self._lock:
            if self._shutdown:
                raise RuntimeError("cannot schedule new futures after shutdown")
            if self._idle:
                self._idle.pop().inbox.put(call)
            elif len(self._threads) < self.max_workers:
                self._started += 1
                worker = self.worker_type()
                # the first call goes by the inbox too: a thread's arguments live as long as the
                # thread, and would keep that call's function, arguments and result with them
                worker.inbox.put(call)
                thread = threading.Thread(
                    target=self._work,
                    args=(worker,),
                    name=f"{self._prefix}_{self._started}",
                    daemon=True,
                )
                self._threads.add(thread)
                thread.start()
            else:
                self._pending.append(call)

    def _work(self, worker: _Worker) -> None:
        call = worker.inbox.get_nowait()
        try:
            while call is not None:
                answer = call.run()
                del call  # a parked thread holds no finished call or its result
                with self._lock:
                    call = self._pending.popleft() if self._pending else None
                    parked = call is None and not self._shutdown
                    if parked:
                        self._idle.append(worker)
                    elif call is None:
                        self._leave()
                answer()  # parked first: the call this answer prompts finds this thread on top
                del answer
                if parked:
                    call = self._wait(worker)
        finally:
            with self._lock:
                self._leave()

    def _leave(self) -> None:
        """Under the lock, where the thread decides to end: a call submitted from then on
        starts a thread of its own rather than waiting for this one."""
        self._threads.discard(threading.current_thread())

    def _wait(self, worker: _Worker) -> _Call | None:
        """The call handed to this parked thread; None when the pool shuts down or the thread
        sat idle for `idle_exit` seconds."""
        try:
            call = worker.inbox.get(timeout=self.idle_exit)
        except queue.Empty:
            with self._lock:
                if worker in self._idle:
                    self._idle.remove(worker)
                    self._leave()
                    return None
            call = worker.inbox.get_nowait()  # handed a call just as the wait ran out
        if call is None:
            with self._lock:
                self._leave()
        return call

    def shutdown(self, wait: bool = True, *, cancel_futures: bool = False) -> None:
        with self._lock:
            self._shutdown = True
            if cancel_futures:
                while self._pending:
                    self._pending.popleft().cancel()
            for worker in self._idle:
                worker.inbox.put(None)
            self._idle.clear()
            threads = list(self._threads)
        if wait:
            for thread in threads:
                if thread is not threading.current_thread():
                    thread.join()
