"""A codec run in a child process, on a budget: a decode that overruns its CPU time or memory,
whose caller leaves, that outlives a shutdown, or that crashes the decoder, is killed and
refused, and the server goes on.

Decoders are C code: nothing stops one part-way inside a thread, and one that exhausts memory or
crashes takes its process with it. A child forked for each upload from a server process that has
already imported the codec costs a few milliseconds; the decode it isolates costs a hundred or
more. Each child frees everything when it exits, so no decode leaves its peak behind either.
"""

from __future__ import annotations

import ctypes
import logging
import multiprocessing
import os
import resource
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import Connection, wait
from multiprocessing.process import BaseProcess
from typing import Any

import attrs

from imagecore import Box, EncodedImage, ImageCodec, ImageCoreError, ImageLimits
from imagecore.cancellation import current
from imagecore.errors import Abandoned, Busy, DecodeOverBudget, InvalidImage

log = logging.getLogger(__name__)

#: How often a waiting parent looks at its caller's cancellation.
POLL_SECONDS = 0.05
#: The Retry-After of a decode stopped because the machine gave it too little CPU time.
BUSY_RETRY_AFTER = 5
#: mallopt's parameter for the most malloc arenas glibc makes (malloc.h).
M_ARENA_MAX = -8
#: The wall-clock backstop, as a multiple of the CPU budget: a child on a busy machine gets less
#: than a whole core, but one that sleeps or blocks must not live for ever either.
WALL_FACTOR = 3


@attrs.frozen
class Usage:
    """What one decode cost its child: CPU seconds and the peak of memory above its start."""

    seconds: float
    peak_bytes: int


class IsolatedCodec(ImageCodec):
    """Runs ``make()``'s codec in a child process per upload, within ``seconds`` of CPU time and
    ``memory`` bytes of address space above what the child starts with.

    ``make`` is called once here (for ``formats`` and ``max_pixels``) and once in each child; it
    must be picklable, as a class or a ``functools.partial`` of one is. Children are forked from a
    fork server that has imported ``make``'s module, so they start warm and share no threads or
    connections of the server's. At most ``max_concurrent`` run at once from one process.

    As with every start method of :mod:`multiprocessing` but ``fork``, each child imports the
    program's main module again: a script that uses this codec keeps its work under
    ``if __name__ == "__main__":``. Linux only (it reads ``/proc`` and sets resource limits).
    """

    def __init__(
        self,
        make: Callable[[], ImageCodec],
        *,
        seconds: int = 10,
        memory: int = 384 * 2**20,
        max_concurrent: int = 2,
    ) -> None:
        if seconds < 1 or memory < 1 or max_concurrent < 1:
            # The kernel counts CPU time limits in whole seconds.
            raise ValueError("seconds, memory and max_concurrent must be positive whole numbers")
        probe = make()
        self.formats = probe.formats
        self._max_pixels = probe.max_pixels
        self.seconds = seconds
        self.memory = memory
        self._make = make
        self._context = multiprocessing.get_context("forkserver")
        self._context.set_forkserver_preload(
            [type(probe).__module__, __name__, "imagecore.adapters.decode_signals"]
        )
        self._decoding = threading.BoundedSemaphore(max_concurrent)
        self._children: set[BaseProcess] = set()
        self._lock = threading.Lock()
        self._closed = False

    @property
    def max_pixels(self) -> int:
        return self._max_pixels

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        image, _ = self.encode_measured(data, box, limits)
        return image

    def encode_measured(
        self, data: bytes, box: Box, limits: ImageLimits
    ) -> tuple[EncodedImage, Usage]:
        """:meth:`encode`, and what the decode cost."""
        with self._decoding:
            with self._lock:
                if self._closed:
                    raise Abandoned()
            receiving, sending = self._context.Pipe(duplex=False)
            try:
                child = self._context.Process(
                    target=_decode_in_child,
                    args=(self._make, data, box, limits, sending, self.seconds, self.memory),
                    daemon=True,
                )
                child.start()
            except BaseException:
                receiving.close()
                raise
            finally:
                sending.close()
            with self._lock:
                self._children.add(child)
                closed = self._closed  # close() may have run while the child started
            try:
                if closed:
                    raise Abandoned()
                return self._result(child, receiving)
            finally:
                if child.is_alive():
                    child.kill()
                child.join()
                receiving.close()
                with self._lock:
                    self._children.discard(child)

    def close(self) -> None:
        """Kill every decode still running (each is refused as abandoned); refuse new ones."""
        with self._lock:
            self._closed = True
            children = list(self._children)
        for child in children:
            child.kill()

    def _result(self, child: BaseProcess, receiving: Connection) -> tuple[EncodedImage, Usage]:
        cancel = current()
        deadline = time.monotonic() + self.seconds * WALL_FACTOR + 1
        while not wait([receiving, child.sentinel], POLL_SECONDS):
            if cancel is not None and cancel.is_set():
                child.kill()
                raise Abandoned()
            if time.monotonic() > deadline:
                starved = _starved(_proc_stat(child.pid), self.seconds)
                child.kill()
                if starved:
                    # Decodes run at the lowest priority: on a machine busy with other work a
                    # decode may wait its turn this long. Not the file's fault: try again later.
                    log.warning("a decode got too little CPU time to finish and was stopped")
                    raise Busy(BUSY_RETRY_AFTER)
                log.warning("a decode ran past %g s of wall time and was stopped", self.seconds)
                raise DecodeOverBudget("seconds", self.seconds)
        try:
            outcome, value, usage = receiving.recv()
        except (EOFError, OSError):
            raise self._death(child) from None
        log.debug(
            "decode %s after %.2f s of CPU, at a peak of %.0f MB",
            "done" if outcome == "ok" else "refused",
            usage.seconds,
            usage.peak_bytes / 2**20,
            extra={"usage": usage},
        )
        if outcome == "ok":
            return value, usage
        if outcome == "memory":
            log.warning("a decode needed more than %d bytes of memory and was stopped", self.memory)
            raise DecodeOverBudget("memory", self.memory)
        raise _revive(*value)

    def _death(self, child: BaseProcess) -> ImageCoreError:
        """The error for a child that died without an answer."""
        child.join()
        if self._closed:
            return Abandoned()
        if child.exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
            # SIGXCPU at the soft CPU limit; SIGKILL at the hard one, a second later.
            log.warning("a decode ran past %g s of CPU time and was stopped", self.seconds)
            return DecodeOverBudget("seconds", self.seconds)
        if child.exitcode in (-signal.SIGTERM, -signal.SIGINT):
            return Abandoned()  # stopped from outside, along with the server
        log.error("a decode crashed its process (exit code %s)", child.exitcode)
        return InvalidImage("damaged", self.formats)


def _decode_in_child(
    make: Callable[[], ImageCodec],
    data: bytes,
    box: Box,
    limits: ImageLimits,
    sending: Connection,
    seconds: int,
    memory: int,
) -> None:
    # Ignored from birth already (imagecore.adapters.decode_signals), unless the fork server
    # was started before this adapter, by someone else, without it.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_IGN)
    _one_malloc_arena()
    start_rss = _rss()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file per hostile upload
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    ceiling = _address_space() + memory
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, resource.RLIM_INFINITY))
    try:
        image = make().encode(data, box, limits)
        sending.send(("ok", image, _usage(start_rss)))
    except MemoryError:
        sending.send(("memory", None, _usage(start_rss)))
    except InvalidImage as error:
        # A decoder whose allocation failed may say only that it could not decode (libde265
        # then gives libheif no picture; libheif reports a std::bad_alloc as an unforeseen
        # exception). A decode called damaged within a quarter of its budget of the ceiling is
        # refused as over budget: its data is not known to be at fault.
        near = error.reason == "damaged" and _peak_address_space() > ceiling - memory // 4
        outcome = ("memory", None) if near else ("error", _pickled(error))
        sending.send((*outcome, _usage(start_rss)))
    except ImageCoreError as error:
        sending.send(("error", _pickled(error), _usage(start_rss)))
    finally:
        sending.close()


def _one_malloc_arena() -> None:
    """glibc gives each thread that allocates an arena of its own, reserving 64 MB of address
    space each, nearly all unused; libheif decodes a grid's tiles on several threads. Under an
    address-space budget those reservations refused real photos whose decode used a third of
    it. With one arena, the address space a decode takes is what it uses, plus its threads'
    stacks. (Set in the child alone: the host's process is not ours to tune.)"""
    libc = ctypes.CDLL(None)
    if hasattr(libc, "mallopt"):  # glibc; other C libraries have no per-thread arenas to cap
        libc.mallopt(M_ARENA_MAX, 1)


def _proc_stat(pid: int | None) -> str:
    try:
        with open(f"/proc/{pid}/stat") as stat:
            return stat.read()
    except OSError:  # gone already
        return ""


def _starved(stat: str, budget: int) -> bool:
    """Whether a process, by its ``/proc/<pid>/stat`` line, is waiting to run (not blocked)
    having used less CPU time than ``budget`` seconds: a busy machine's doing, not the file's."""
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 13:
        return False
    state, used = fields[0], (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return state == "R" and used < budget


def _usage(start_rss: int) -> Usage:
    own = resource.getrusage(resource.RUSAGE_SELF)
    peak = own.ru_maxrss * 1024  # kilobytes, on Linux
    return Usage(own.ru_utime + own.ru_stime, max(0, peak - start_rss))


def _rss() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")


def _peak_address_space() -> int:
    """The most address space this process has held (VmPeak), in bytes; 0 if unknown."""
    try:
        with open("/proc/self/status") as status:
            for line in status:
                if line.startswith("VmPeak:"):
                    return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return 0


def _address_space() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[0]) * os.sysconf("SC_PAGE_SIZE")


def _pickled(error: ImageCoreError) -> tuple[type[ImageCoreError], tuple[Any, ...], dict[str, Any]]:
    # The core's errors take their facts as arguments but pass a sentence to Exception, so the
    # default pickling would call them with the sentence: carry the facts across instead.
    return type(error), error.args, dict(vars(error))


def _revive(
    kind: type[ImageCoreError], args: tuple[Any, ...], state: dict[str, Any]
) -> ImageCoreError:
    error = kind.__new__(kind)
    error.args = args
    vars(error).update(state)
    return error
