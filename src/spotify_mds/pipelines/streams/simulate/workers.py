"""Helper processes that encode windows and write them straight into the NDJSON file, at known positions.

The parent runs the model (`_emitted`, one random stream: it cannot be split without changing the
bytes) and sizes every window from its columns (`Encoder.ndjson_size`), so each window's place in the
file is known before it is encoded. A window then goes to an idle helper (the columns it needs are
pickled over a socket, about 50 bytes an event) or, when every helper is busy, is encoded and written
by the parent itself. Either way the same bytes land at the same place: the file does not depend on
how many helpers ran or which one wrote what. Each helper checks that what it encoded has the size it
was told, so a wrong size fails the run instead of corrupting the file.

Helpers are fresh interpreters (`python -m spotify_mds.pipelines.streams.simulate.workers`), not forks:
the caller may hold threads, and a fork of a threaded process can deadlock. They get the parent's
`sys.path`, the socket and the file descriptor at start-up, then the encoder's tables (user ids,
countries, track fragments: a few MB, cheaper to send than to rebuild the population and catalog). `Helpers` is a context manager: on leaving it, by
error or KeyboardInterrupt too, the sockets close (a helper exits at end of input) and any helper still
running after a few seconds is killed. A helper whose parent dies sees the socket close and exits.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import traceback
from multiprocessing.connection import Connection

import numpy as np

from spotify_mds.errors import SpotifyMdsError

logger = logging.getLogger(__name__)

ENCODED_COLUMNS = ("t", "user", "session", "device", "paid", "track", "type", "ms", "eid_hi", "eid_lo")
"""The columns `Encoder.ndjson` reads: all a helper is sent."""

_IN_FLIGHT = 2
"""Windows queued per helper: one being encoded, one waiting, so a helper never idles between windows."""


class HelperFailed(SpotifyMdsError):
    """A helper process failed or exited early; its traceback (if it sent one) is in the message."""


def pwrite_all(fd: int, data, position: int) -> None:
    """Write all of `data` at `position` of `fd` (pwrite may write less than asked)."""
    view = memoryview(data).cast("B")
    while view:
        done = os.pwrite(fd, view, position)
        view, position = view[done:], position + done


class _Helper:
    def __init__(self, fd: int) -> None:
        import socket

        ours, theirs = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        env.setdefault("OMP_NUM_THREADS", "1")
        self.process = subprocess.Popen(
            [sys.executable, "-m", __name__, str(theirs.fileno()), str(fd)],
            pass_fds=(theirs.fileno(), fd),
            env=env,
        )
        theirs.close()
        self.conn = Connection(ours.detach())
        self.ready = False
        self.in_flight = 0

    def take_replies(self) -> None:
        while self.conn.poll(0):
            self._reply(self._recv())

    def _recv(self):
        try:
            return self.conn.recv()
        except EOFError:
            raise HelperFailed(f"simulator helper {self.process.pid} exited early") from None

    def _reply(self, message) -> None:
        kind, detail = message
        if kind == "error":
            raise HelperFailed(f"simulator helper {self.process.pid} failed:\n{detail}")
        if kind == "ready":
            self.ready = True
        else:
            self.in_flight -= 1

    def drain(self) -> None:
        while self.in_flight:
            self._reply(self._recv())

    def close(self) -> None:
        self.conn.close()
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class Helpers:
    """`count` helper processes writing into `fd`: `start` them with an encoder, then `submit` hands one
    a window if one is free, and `finish` waits until all are written."""

    def __init__(self, fd: int, count: int, *, wait_ready: bool = False) -> None:
        self._fd, self._count, self._wait_ready = fd, count, wait_ready
        self._helpers: list[_Helper] = []

    def __enter__(self) -> Helpers:
        try:
            for _ in range(self._count):
                self._helpers.append(_Helper(self._fd))
        except BaseException:
            self.__exit__(None, None, None)
            raise
        return self

    def __exit__(self, *exc) -> None:
        for helper in self._helpers:
            helper.close()

    def start(self, encoder) -> None:
        """Hand the helpers their encoder (they start while the caller builds it)."""
        for helper in self._helpers:
            helper.conn.send(encoder)

    def submit(self, position: int, size: int, cols: dict[str, np.ndarray]) -> bool:
        """Give the window to a free helper (True), or say none is free (False: encode it yourself)."""
        for helper in self._helpers:
            helper.take_replies()
            while self._wait_ready and not helper.ready:  # tests: make sure the helpers take part
                helper._reply(helper._recv())
        free = [h for h in self._helpers if h.ready and h.in_flight < _IN_FLIGHT]
        if not free:
            return False
        helper = min(free, key=lambda h: h.in_flight)
        helper.conn.send((position, size, {name: cols[name] for name in ENCODED_COLUMNS}))
        helper.in_flight += 1
        return True

    def finish(self) -> None:
        """Wait until every window handed out is written."""
        for helper in self._helpers:
            helper.drain()


def _serve(conn: Connection, fd: int) -> None:
    encoder = conn.recv()
    conn.send(("ready", None))
    while True:
        try:
            position, size, cols = conn.recv()
        except EOFError:
            return
        data = encoder.ndjson(cols)
        if len(data) != size:
            raise AssertionError(f"window at byte {position}: encoded {len(data)} bytes, sized {size}")
        pwrite_all(fd, data, position)
        conn.send(("done", position))


def main() -> None:
    conn, fd = Connection(int(sys.argv[1])), int(sys.argv[2])
    try:
        _serve(conn, fd)
    except KeyboardInterrupt:
        pass  # the parent got it too and cleans up
    except BaseException:
        try:
            conn.send(("error", traceback.format_exc()))
        except OSError:
            pass
        raise SystemExit(1) from None


if __name__ == "__main__":
    main()
