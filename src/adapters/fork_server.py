"""A fork server of the isolated codec's own: one process that has imported the codec and forks
a child per decode, so that each starts warm without the codec touching its host's processes.

Python's own fork server is one per interpreter, shared with the host: setting its preload list
changes what the host's process-pool workers import, and a fork server the host started first
ignores it. This one is started by the codec (a fresh interpreter, so it inherits none of the
host's threads, modules or signal handlers), talks only to that codec, and ends with it.

The codec asks over a socket pair, passing the child's end of a connection and the write end of
a status pipe (``socket.send_fds``); the server forks, answers the child's pid, and once the
child has ended writes its exit code (as :attr:`multiprocessing.Process.exitcode` gives it) to
the status pipe, which is thus readable when the child is gone. The child reads its work from
the connection and answers on it (:func:`imagecore.adapters.decode_child.run`).
"""

from __future__ import annotations

import contextlib
import importlib
import os
import pickle
import select
import signal
import socket
import struct
import subprocess
import sys
import threading
import traceback
import weakref
from collections.abc import Sequence
from multiprocessing.connection import Connection, Pipe

import attrs

_PID = struct.Struct("q")


class Child:
    """A decode process forked by a :class:`ForkServer`: its pid, a sentinel readable once it
    has ended, and the connection to it."""

    def __init__(self, pid: int, status: int, connection: Connection) -> None:
        self.pid = pid
        self.sentinel = status
        self.connection = connection
        self.exitcode: int | None = None

    def ended(self) -> bool:
        return self.exitcode is not None or bool(select.select([self.sentinel], [], [], 0)[0])

    def kill(self) -> None:
        """SIGKILL, unless it has ended already (its pid may then be another process's)."""
        if not self.ended():
            with contextlib.suppress(ProcessLookupError):
                os.kill(self.pid, signal.SIGKILL)

    def join(self) -> int:
        """Its exit code, once it has ended: negative for the signal that ended it."""
        if self.exitcode is None:
            code = os.read(self.sentinel, _PID.size)
            # No code: the fork server itself is gone, and its children with it.
            self.exitcode = _PID.unpack(code)[0] if len(code) == _PID.size else -signal.SIGKILL
            os.close(self.sentinel)
        return self.exitcode


@attrs.define
class _Running:
    """A fork server's process, and the socket the codec asks it on."""

    socket: socket.socket
    process: subprocess.Popen[bytes]

    def stop(self) -> None:
        self.socket.close()  # the server reads the end, kills its children and exits
        try:
            self.process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


class ForkServer:
    """Forks decode processes from a server process started on first use, which has imported
    ``preload`` (module names). Thread-safe; :meth:`close` ends the server and its children, as
    dropping the last reference to it, or the host's exit, does."""

    def __init__(self, preload: Sequence[str]) -> None:
        self._preload = list(preload)
        self._lock = threading.Lock()
        self._stop: weakref.finalize[[], ForkServer] | None = None
        self._running: _Running | None = None
        self._closed = False

    def fork(self) -> Child:
        """A new child, waiting for its work on ``child.connection``."""
        ours, theirs = Pipe(duplex=True)
        status_read, status_write = os.pipe()
        try:
            with self._lock:
                try:
                    pid = self._ask(theirs.fileno(), status_write)
                except OSError:
                    # The server died (killed from outside, say): one more try on a new one.
                    self._end()
                    pid = self._ask(theirs.fileno(), status_write)
        except BaseException:
            ours.close()
            os.close(status_read)
            raise
        finally:
            theirs.close()
            os.close(status_write)
        return Child(pid, status_read, ours)

    def close(self) -> None:
        """End the server, and with it every child still running; fork no more."""
        with self._lock:
            self._closed = True
            self._end()

    def _ask(self, connection: int, status: int) -> int:
        if self._closed:
            raise ConnectionAbortedError("the decode fork server is closed")
        running = self._running or self._start()
        socket.send_fds(running.socket, [b"fork"], [connection, status])
        answer = running.socket.recv(_PID.size)
        if len(answer) != _PID.size:
            raise ConnectionResetError("the decode fork server did not answer")
        return int(_PID.unpack(answer)[0])

    def _start(self) -> _Running:
        ours, theirs = socket.socketpair(socket.AF_UNIX, socket.SOCK_SEQPACKET)
        setup = pickle.dumps((sys.path, self._preload))
        try:
            process = subprocess.Popen(
                [sys.executable, "-m", __name__, str(theirs.fileno()), setup.hex()],
                pass_fds=[theirs.fileno()],
                stdin=subprocess.DEVNULL,
            )
        except BaseException:
            ours.close()
            raise
        finally:
            theirs.close()
        self._running = _Running(ours, process)
        self._stop = weakref.finalize(self, self._running.stop)
        return self._running

    def _end(self) -> None:
        if self._stop is not None:
            self._stop()  # once: a finalizer is dead once called
        self._stop, self._running = None, None


def serve(fd: str, setup: str) -> None:
    """The fork server's loop. It runs only in the fork server's own interpreter (this module as
    its main), so its signal handling is that process's and its children's, never a host's."""
    path, preload = pickle.loads(bytes.fromhex(setup))
    sys.path[:] = path
    for name in preload:
        importlib.import_module(name)
    importlib.import_module("imagecore.adapters.decode_child")
    requests = socket.socket(fileno=int(fd))
    # A child's end wakes the loop (SIGCHLD, through the wakeup pipe).
    woken, wake = os.pipe()
    os.set_blocking(wake, False)
    signal.set_wakeup_fd(wake, warn_on_full_buffer=False)
    signal.signal(signal.SIGCHLD, lambda *_: None)
    children: dict[int, int] = {}  # pid -> the write end of its status pipe
    try:
        while True:
            ready = select.select([requests.fileno(), woken], [], [])[0]
            if woken in ready:
                os.read(woken, 4096)
            _reap(children)
            if requests.fileno() not in ready:
                continue
            message, fds, _, _ = socket.recv_fds(requests, 16, 2)
            if not message:
                return  # the codec is gone
            connection, status = fds
            pid = os.fork()
            if pid == 0:
                _child(connection, [requests.fileno(), woken, wake, status, *children.values()])
            os.close(connection)
            children[pid] = status
            requests.send(_PID.pack(pid))
    finally:
        for pid in children:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)


def _reap(children: dict[int, int]) -> None:
    """Tell each ended child's status pipe how it ended."""
    while children:
        try:
            pid, status = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return
        code = os.waitstatus_to_exitcode(status)
        status_write = children.pop(pid)
        with contextlib.suppress(OSError):  # the codec stopped waiting for it
            os.write(status_write, _PID.pack(code))
        os.close(status_write)


def _child(connection: int, inherited: list[int]) -> None:
    """A forked child of the fork server (never a host's process): the server's descriptors and
    SIGCHLD handling undone, its work read and done; never returns."""
    code = 1
    try:
        signal.set_wakeup_fd(-1)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        for fd in inherited:
            os.close(fd)
        from imagecore.adapters import decode_child

        work = Connection(connection)
        decode_child.run(**work.recv(), sending=work)
        code = 0
    except BaseException:
        traceback.print_exc()
    finally:
        os._exit(code)


if __name__ == "__main__":  # the fork server's own process, started by ForkServer._start
    # Ctrl+C and a stop signal may reach the whole process group: the codec that owns this
    # server decides when it and its decodes end (by closing the socket, as its process's exit
    # does too). The decodes, forked from here, inherit both signals ignored.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    serve(*sys.argv[1:])
