"""The read-ahead socket under each SSH transport: whatever sizes paramiko asks for and however
the bytes arrive, it hands back the same stream a plain socket would, in order, and its timeout,
end of stream and full send buffer behave as a socket's. (The lab's hosts serve every SSH
test through it too.)"""

from __future__ import annotations

import socket
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from vconsole.lab.esxi.read_ahead import ReadAheadSocket


def _pair(timeout: float | None = 5.0) -> tuple[ReadAheadSocket, socket.socket]:
    ours, theirs = socket.socketpair()
    ours.settimeout(timeout)
    return ReadAheadSocket(ours), theirs


def _read_all(reader: ReadAheadSocket, sizes: list[int]) -> bytes:
    got = bytearray()
    turn = 0
    while True:
        chunk = reader.recv(sizes[turn % len(sizes)])
        turn += 1
        if not chunk:
            return bytes(got)
        got += chunk


@settings(max_examples=60, deadline=None)
@given(
    writes=st.lists(st.binary(min_size=1, max_size=20_000), min_size=1, max_size=12),
    sizes=st.lists(st.integers(1, 70_000), min_size=1, max_size=6),
)
def test_reads_of_any_size_give_the_stream_as_sent(writes: list[bytes], sizes: list[int]) -> None:
    reader, writer = _pair()

    def send() -> None:
        for data in writes:
            writer.sendall(data)
        writer.shutdown(socket.SHUT_WR)

    sender = threading.Thread(target=send)
    sender.start()
    try:
        assert _read_all(reader, sizes) == b"".join(writes)
    finally:
        sender.join()
        reader.close()
        writer.close()


def test_no_data_within_the_timeout_raises_timeout_as_a_socket_does() -> None:
    reader, writer = _pair(timeout=0.05)
    with pytest.raises(TimeoutError):
        reader.recv(16)
    writer.sendall(b"late")  # a timeout loses nothing: the next read has it
    assert reader.recv(16) == b"late"
    reader.close()
    writer.close()


def test_a_shutdown_wakes_a_waiting_reader_with_the_end_of_stream() -> None:
    reader, writer = _pair(timeout=None)
    ended: list[bytes] = []
    waiting = threading.Thread(target=lambda: ended.append(reader.recv(16)))
    waiting.start()
    reader.shutdown(socket.SHUT_RDWR)  # how a closing host wakes its transport's thread
    waiting.join(10)
    assert ended == [b""]
    reader.close()
    writer.close()


def test_a_send_larger_than_the_socket_buffer_waits_for_room() -> None:
    reader, writer = _pair()
    data = bytes(range(256)) * 40_000  # ~10 MB: far past what the kernel buffers
    got = bytearray()

    def drain() -> None:
        while len(got) < len(data):
            got.extend(writer.recv(1 << 16))

    draining = threading.Thread(target=drain)
    draining.start()
    view = memoryview(data)
    while view:  # paramiko's write_all: send what it takes, then the rest
        view = view[reader.send(view) :]
    draining.join()
    assert bytes(got) == data
    reader.close()
    writer.close()


def test_the_timeout_is_kept_on_the_wrapper_not_the_socket() -> None:
    reader, writer = _pair(timeout=5.0)
    assert reader.gettimeout() == 5.0
    reader.settimeout(0.1)
    assert reader.gettimeout() == 0.1
    assert reader.fileno() >= 0  # the rest of the socket is the socket's own
    reader.close()
    writer.close()
