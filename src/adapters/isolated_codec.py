"""A codec run in a child process, on a budget: a decode that overruns its CPU time or memory,
whose caller leaves, that outlives a shutdown, or that crashes the decoder, is killed and
refused, and the server goes on.

Decoders are C code: nothing stops one part-way inside a thread, and one that exhausts memory or
crashes takes its process with it. A child forked for each upload from a fork server of the
codec's own that has already imported the codec (:mod:`imagecore.adapters.fork_server`) costs a
few milliseconds; the decode it isolates costs a hundred or more. Each child frees everything
when it exits, so no decode leaves its peak behind either.
"""

from __future__ import annotations

import logging
import os
import signal
import threading
import time
from collections.abc import Callable
from multiprocessing.connection import wait

from imagecore import Box, EncodedImage, ImageCodec, ImageCoreError, ImageLimits
from imagecore.adapters.decode_child import Usage
from imagecore.adapters.fork_server import Child, ForkServer
from imagecore.cancellation import current
from imagecore.errors import Abandoned, Busy
from imagecore.rejections import DecodeOverBudget, InvalidImage

log = logging.getLogger(__name__)

#: How often a waiting parent looks at its caller's cancellation.
POLL_SECONDS = 0.05
#: The Retry-After of a decode stopped because the machine gave it too little CPU time.
BUSY_RETRY_AFTER = 5
#: The wall-clock backstop, as a multiple of the CPU budget: a child on a busy machine gets less
#: than a whole core, but one that sleeps or blocks must not live for ever either.
WALL_FACTOR = 3


class IsolatedCodec(ImageCodec):
    """Runs ``make()``'s codec in a child process per upload, within ``seconds`` of CPU time and
    ``memory`` bytes of address space above what the child starts with.

    ``make`` is called once here (for ``formats`` and ``max_pixels``) and once in each child; it
    must be picklable, as a class or a ``functools.partial`` of one is. Children are forked from
    the codec's own fork server, started on the first decode, which has imported ``make``'s
    module: they start warm and share no threads or connections of the host's, and the host's
    processes (its own process pools included) are left as they were. How many decode at once
    is the caller's to bound (:class:`~imagecore.decode_limit.SlottedCodec`). Linux only (it
    reads ``/proc`` and sets resource limits).
    """

    def __init__(
        self,
        make: Callable[[], ImageCodec],
        *,
        seconds: int = 10,
        memory: int = 384 * 2**20,
    ) -> None:
        if seconds < 1 or memory < 1:
            # The kernel counts CPU time limits in whole seconds.
            raise ValueError("seconds and memory must be positive whole numbers")
        probe = make()
        self.formats = probe.formats
        self._max_pixels = probe.max_pixels
        self.seconds = seconds
        self.memory = memory
        self._make = make
        self._fork_server = ForkServer([type(probe).__module__])
        self._children: set[Child] = set()
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
        with self._lock:
            if self._closed:
                raise Abandoned()
        try:
            child = self._fork_server.fork()
        except OSError:
            if self._closed:  # closed while this decode started
                raise Abandoned() from None
            raise
        with self._lock:
            self._children.add(child)
            closed = self._closed  # close() may have run while the child started
        try:
            if closed:
                raise Abandoned()
            child.connection.send(
                {
                    "make": self._make,
                    "data": data,
                    "box": box,
                    "limits": limits,
                    "seconds": self.seconds,
                    "memory": self.memory,
                    "log_level": logging.getLogger().getEffectiveLevel(),
                }
            )
            return self._result(child)
        except (BrokenPipeError, ConnectionResetError):
            raise self._death(child, 0.0) from None  # it died before it read its work
        finally:
            child.kill()
            child.join()
            child.connection.close()
            with self._lock:
                self._children.discard(child)

    def close(self) -> None:
        """Kill every decode still running (each is refused as abandoned); refuse new ones; end
        the fork server."""
        with self._lock:
            self._closed = True
            children = list(self._children)
        for child in children:
            child.kill()
        self._fork_server.close()

    def _result(self, child: Child) -> tuple[EncodedImage, Usage]:
        cancel = current()
        deadline = time.monotonic() + self.seconds * WALL_FACTOR + 1
        used = 0.0  # the child's CPU seconds, as last seen
        receiving = child.connection
        while not wait([receiving, child.sentinel], POLL_SECONDS):
            used = _cpu_seconds(_proc_stat(child.pid)) or used
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
                    raise Busy(BUSY_RETRY_AFTER, short_of="cpu")
                log.warning("a decode ran past %g s of wall time and was stopped", self.seconds)
                raise DecodeOverBudget("seconds", self.seconds)
        try:
            outcome, value, usage, lines = receiving.recv()
        except (EOFError, OSError):
            raise self._death(child, used) from None
        for level, name, text in lines:
            logging.getLogger(name).log(level, "decode process %s: %s", child.pid, text)
        if outcome == "crash":
            log.error("a decode failed in its process: the upload is refused as damaged")
            raise InvalidImage("damaged", self.formats)
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
        raise value

    def _death(self, child: Child, used: float) -> ImageCoreError:
        """The error for a child that died without an answer, having used ``used`` seconds of
        CPU when last seen."""
        exitcode = child.join()
        if self._closed:
            return Abandoned()
        if exitcode == -signal.SIGKILL and used < self.seconds - 1:
            # Not the hard CPU limit, which kills a second past the budget: killed from outside
            # while decoding, as the kernel's or a container's out-of-memory killer does.
            log.warning(
                "a decode was killed from outside after %.1f s of CPU: out of memory?", used
            )
            return DecodeOverBudget("memory", self.memory)
        if exitcode in (-signal.SIGXCPU, -signal.SIGKILL):
            # SIGXCPU at the soft CPU limit; SIGKILL at the hard one, a second later.
            log.warning("a decode ran past %g s of CPU time and was stopped", self.seconds)
            return DecodeOverBudget("seconds", self.seconds)
        if exitcode in (-signal.SIGTERM, -signal.SIGINT):
            return Abandoned()  # stopped from outside, along with the server
        log.error("a decode crashed its process (exit code %s)", exitcode)
        return InvalidImage("damaged", self.formats)


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
    return bool(fields) and fields[0] == "R" and _cpu_seconds(stat) < budget


def _cpu_seconds(stat: str) -> float:
    """The user and system CPU time of a process, by its ``/proc/<pid>/stat`` line; 0 when the
    line is missing or short."""
    fields = stat.rpartition(")")[2].split()
    if len(fields) < 13:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
