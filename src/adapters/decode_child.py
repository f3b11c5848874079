"""What runs in a decode process: its limits set, the codec run, the outcome and what it cost
sent back to the parent (imagecore.adapters.isolated_codec), which decides what it means."""

from __future__ import annotations

import ctypes
import logging
import os
import resource
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import attrs

from imagecore import Box, ImageCodec, ImageCoreError, ImageLimits
from imagecore.rejections import InvalidImage

#: nice(2)'s lowest priority: at 10, GETs answered while uploads were decoded on a 2-core
#: machine had two to three times their idle p99 (make bench).
DECODE_NICENESS = 19
#: mallopt's parameter for the most malloc arenas glibc makes (malloc.h).
M_ARENA_MAX = -8


@attrs.frozen
class Usage:
    """What one decode cost its child: CPU seconds and the peak of memory above its start."""

    seconds: float
    peak_bytes: int


#: One log record of a decode process: its level, its logger's name, and its text (with any
#: traceback) on one line, every character that is not printable escaped.
LogLine = tuple[int, str, str]


class _Kept(logging.Handler):
    """Keeps a decode process's log records, to be sent to the parent with its outcome: the
    parent logs them as its own, in its format, so that nothing a decode says reaches standard
    error raw (multi-line tracebacks, a file's control codes) through Python's last resort."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.lines: list[LogLine] = []
        self.dropped = 0

    def emit(self, record: logging.LogRecord) -> None:
        if len(self.lines) >= MAX_LOG_LINES:
            self.dropped += 1  # a file that makes a decoder warn per chunk says it once or so
            return
        try:
            text = record.getMessage()
            if record.exc_info:
                text += "\n" + logging.Formatter().formatException(record.exc_info)
        except Exception:  # a library's bad format arguments must not fail the decode
            text = f"{record.msg!r} (its arguments did not format)"
        self.lines.append((record.levelno, record.name, _one_line(text[:MAX_LOG_CHARS])))

    def sent(self) -> list[LogLine]:
        """The lines to send, with one more saying how many were left out."""
        if not self.dropped:
            return self.lines
        return [*self.lines, (logging.WARNING, __name__, f"{self.dropped} more records dropped")]


#: What a decode process may send of its log: a few lines of a few KB each.
MAX_LOG_LINES = 50
MAX_LOG_CHARS = 8192


def _one_line(text: str) -> str:
    return "".join(c if c.isprintable() else c.encode("unicode_escape").decode() for c in text)


def run(
    make: Callable[[], ImageCodec],
    data: bytes,
    box: Box,
    limits: ImageLimits,
    sending: Connection,
    seconds: int,
    memory: int,
    log_level: int = logging.WARNING,
) -> None:
    # The parent decides when a decode ends: Ctrl+C or a stop signal sent to the whole process
    # group must not turn into a "crashed" decode. This process is forked from the fork server,
    # which ignores both, so it does from its first instruction.
    # Decoding is batch work beside a server's requests: a request's few hundred microseconds
    # go first on a busy machine, and a decode still gets every cycle nothing else wants.
    os.nice(DECODE_NICENESS)
    _one_malloc_arena()
    start_rss = _rss()
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))  # no core file per hostile upload
    resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    ceiling = _address_space() + memory
    resource.setrlimit(resource.RLIMIT_AS, (ceiling, resource.RLIM_INFINITY))
    kept = _keep_logs(log_level)
    outcome: tuple[str, Any]
    try:
        outcome = ("ok", make().encode(data, box, limits))
    except MemoryError:
        outcome = ("memory", None)
    except InvalidImage as error:
        # A decoder whose allocation failed may say only that it could not decode (libde265
        # then gives libheif no picture; libheif reports a std::bad_alloc as an unforeseen
        # exception). A decode called damaged within a quarter of its budget of the ceiling is
        # refused as over budget: its data is not known to be at fault.
        near = error.reason == "damaged" and _peak_address_space() > ceiling - memory // 4
        outcome = ("memory", None) if near else ("error", error)
    except ImageCoreError as error:
        outcome = ("error", error)
    except Exception:
        logging.getLogger(__name__).exception("a decode failed unexpectedly")
        outcome = ("crash", None)
    try:
        sending.send((*outcome, _usage(start_rss), kept.sent()))
    finally:
        sending.close()


def _keep_logs(level: int) -> _Kept:
    """Every record at ``level`` or above kept to be sent to the parent, warnings included."""
    kept = _Kept(level)
    root = logging.getLogger()
    root.handlers[:] = [kept]
    root.setLevel(level)
    logging.captureWarnings(True)
    return kept


def _one_malloc_arena() -> None:
    """glibc gives each thread that allocates an arena of its own, reserving 64 MB of address
    space each, nearly all unused; libheif decodes a grid's tiles on several threads. Under an
    address-space budget those reservations refused real photos whose decode used a third of
    it. With one arena, the address space a decode takes is what it uses, plus its threads'
    stacks. (Set in the child alone: the host's process is not ours to tune.)"""
    libc = ctypes.CDLL(None)
    if hasattr(libc, "mallopt"):  # glibc; other C libraries have no per-thread arenas to cap
        libc.mallopt(M_ARENA_MAX, 1)


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
