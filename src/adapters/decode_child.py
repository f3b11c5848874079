"""What runs in a decode process: its limits set, the codec run, the outcome and what it cost
sent back to the parent (imagecore.adapters.isolated_codec), which decides what it means."""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from collections.abc import Callable
from multiprocessing.connection import Connection
from typing import Any

import attrs

from imagecore import Box, ImageCodec, ImageCoreError, ImageLimits
from imagecore.errors import InvalidImage

#: mallopt's parameter for the most malloc arenas glibc makes (malloc.h).
M_ARENA_MAX = -8


@attrs.frozen
class Usage:
    """What one decode cost its child: CPU seconds and the peak of memory above its start."""

    seconds: float
    peak_bytes: int


def run(
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
