"""The codec in a child process: the same answers as in-process, and a budget that holds.

The bombs are real files decoded by real Pillow: the progressive JPEG whose scans each walk the
whole picture (with the scan limit lifted, so that only the time budget stands in its way) and a
150 KB PNG that decodes to 40 million RGBA pixels.
"""

from __future__ import annotations

import ctypes
import functools
import json
import logging
import os
import resource
import signal
import threading
import time
import warnings
from collections.abc import Iterator

import pytest
from PIL import Image

from imagecore import Box, EncodedImage, ImageLimits
from imagecore.adapters import isolated_codec
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.cancellation import cancelled_by
from imagecore.errors import Abandoned, Busy
from imagecore.rejections import DecodeOverBudget, ImageTooLarge, InvalidImage
from tests import images

BOX = Box(800, 800)
#: The scan limit lifted: only the time budget stops the scan bomb.
NO_SCAN_LIMIT = ImageLimits(max_scans=10**6)


def png_bomb() -> bytes:
    """About 150 KB of PNG that decodes to 40 million RGBA pixels, inside the pixel limit."""
    return images.png((8000, 5000), (200, 0, 0, 255), mode="RGBA")


class CrashingCodec(PillowCodec):
    """Dies in the decoder, as a C library reading past its buffer would."""

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        ctypes.string_at(0)  # a segmentation fault
        raise AssertionError("unreachable")


@pytest.fixture
def codec() -> Iterator[IsolatedCodec]:
    isolated = IsolatedCodec(PillowCodec, seconds=1, memory=128 * 2**20)
    yield isolated
    isolated.close()


def test_it_answers_what_the_codec_answers_in_process(codec: IsolatedCodec) -> None:
    """The same bytes out, the same formats; a refusal arrives as the core's error, its facts
    intact."""
    photo = images.jpeg_with_metadata(orientation=6)
    assert codec.encode(photo, BOX, ImageLimits()) == PillowCodec().encode(
        photo, BOX, ImageLimits()
    )
    assert codec.formats == PillowCodec.formats
    with pytest.raises(ImageTooLarge) as refused:
        codec.encode(images.png((100, 100)), BOX, ImageLimits(max_pixels=5000))
    assert (refused.value.actual, refused.value.limit, refused.value.unit) == (
        10000,
        5000,
        "pixels",
    )


def test_it_reports_what_a_decode_cost(codec: IsolatedCodec) -> None:
    image, usage = codec.encode_measured(images.png((2000, 2000)), BOX, ImageLimits())
    assert (image.width, image.height) == (800, 800)
    # Four million RGB pixels decoded: at least their 12 MB.
    assert usage.peak_bytes >= 12 * 10**6
    assert 0 < usage.seconds < 1


def test_a_decode_past_its_cpu_budget_is_stopped(
    codec: IsolatedCodec, caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The scan bomb costs about 20 s of CPU; the kernel stops it at one second of CPU time (the
    wall-clock backstop, put far off here, is not what stops it), and the codec goes on."""
    monkeypatch.setattr(isolated_codec, "WALL_FACTOR", 30)
    with pytest.raises(DecodeOverBudget) as refused:
        codec.encode(images.scan_bomb(), BOX, NO_SCAN_LIMIT)
    assert (refused.value.resource, refused.value.limit) == ("seconds", 1)
    assert "ran past 1 s of CPU time" in caplog.text
    assert codec.encode(images.jpeg(), BOX, ImageLimits()).width == 64


def test_a_decode_past_its_memory_budget_is_stopped(codec: IsolatedCodec) -> None:
    """40 million RGBA pixels need 160 MB before any copy: over a budget of 128 MB."""
    with pytest.raises(DecodeOverBudget) as refused:
        codec.encode(png_bomb(), BOX, ImageLimits())
    assert (refused.value.resource, refused.value.limit) == ("memory", 128 * 2**20)
    assert codec.encode(images.webp(), BOX, ImageLimits()).width == 40


def test_a_decode_whose_caller_leaves_is_stopped() -> None:
    """With a budget of a minute, the scan bomb (which, left alone, ends refused as damaged
    after about 20 s) ends as abandoned once its caller's event is set: it was killed."""
    codec = IsolatedCodec(PillowCodec, seconds=60)
    gone = threading.Event()
    threading.Timer(0.5, gone.set).start()
    with cancelled_by(gone), pytest.raises(Abandoned):
        codec.encode(images.scan_bomb(), BOX, NO_SCAN_LIMIT)
    assert codec.encode(images.gif(), BOX, ImageLimits()).width == 32
    codec.close()


class SleepingCodec(PillowCodec):
    """Uses no CPU and never ends: only the wall clock can stop it."""

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        time.sleep(3600)
        raise AssertionError("unreachable")


def test_a_decode_that_blocks_is_stopped_by_the_wall_clock(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A child that sleeps never reaches its CPU limit; the backstop (three times the budget,
    and a second) stops it."""
    codec = IsolatedCodec(SleepingCodec, seconds=1)
    with pytest.raises(DecodeOverBudget) as refused:
        codec.encode(images.png(), BOX, ImageLimits())
    assert refused.value.resource == "seconds"
    assert "ran past 1 s of wall time" in caplog.text


class ProbeCodec(PillowCodec):
    """Answers, as its 'image', the limits and signal handlers its child process runs with."""

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        facts = {
            "cpu": resource.getrlimit(resource.RLIMIT_CPU),
            "core": resource.getrlimit(resource.RLIMIT_CORE),
            "address_space": resource.getrlimit(resource.RLIMIT_AS)[0],
            "interrupt_ignored": signal.getsignal(signal.SIGINT) == signal.SIG_IGN,
            "terminate_ignored": signal.getsignal(signal.SIGTERM) == signal.SIG_IGN,
        }
        return EncodedImage(json.dumps(facts).encode(), "json", 1, 1)


def test_the_child_runs_within_its_limits() -> None:
    """CPU time capped at the budget, no core files, an address space of the budget above the
    child's start, and stop signals left to the parent."""
    codec = IsolatedCodec(ProbeCodec, seconds=7, memory=100 * 2**20)
    facts = json.loads(codec.encode(b"", BOX, ImageLimits()).data)
    assert facts["cpu"] == [7, 8]
    assert facts["core"] == [0, 0]
    assert 100 * 2**20 < facts["address_space"] < 100 * 2**20 + 2**30
    assert facts["interrupt_ignored"] and facts["terminate_ignored"]


def test_closing_stops_every_running_decode() -> None:
    """Shutdown never waits on a decode: close() kills it, and later ones are refused."""
    codec = IsolatedCodec(PillowCodec, seconds=60)
    threading.Timer(0.5, codec.close).start()
    with pytest.raises(Abandoned):
        codec.encode(images.scan_bomb(), BOX, NO_SCAN_LIMIT)
    with pytest.raises(Abandoned):
        codec.encode(images.gif(), BOX, ImageLimits())


class KilledCodec(PillowCodec):
    """Killed from outside while it decodes, as the kernel's out-of-memory killer kills."""

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        time.sleep(0.2)  # seen running, well under its CPU budget
        os.kill(os.getpid(), signal.SIGKILL)
        raise AssertionError("unreachable")


def test_a_decode_killed_from_outside_is_over_its_memory_budget_not_its_cpu_one() -> None:
    """SIGKILL long before the hard CPU limit's (a second past the budget) is the kernel's or a
    container's memory killer: the upload is told it needs too much memory, not too much time."""
    codec = IsolatedCodec(KilledCodec, seconds=10)
    try:
        with pytest.raises(DecodeOverBudget) as refused:
            codec.encode(images.png(), BOX, ImageLimits())
    finally:
        codec.close()
    assert refused.value.resource == "memory"


def test_a_decoder_that_crashes_its_process_is_a_refused_upload() -> None:
    codec = IsolatedCodec(CrashingCodec)
    with pytest.raises(InvalidImage) as refused:
        codec.encode(images.png(), BOX, ImageLimits())
    assert refused.value.reason == "damaged"


def test_options_reach_the_codec_in_the_child() -> None:
    """A partial's options are the child's codec's: stills come back as WebP."""
    codec = IsolatedCodec(functools.partial(PillowCodec, stills_as_webp=True))
    assert codec.encode(images.jpeg(), BOX, ImageLimits()).extension == "webp"


def test_budgets_must_be_whole_and_positive() -> None:
    with pytest.raises(ValueError, match="whole numbers"):
        IsolatedCodec(PillowCodec, seconds=0)


class PriorityCodec(PillowCodec):
    """Answers with the CPU priority (niceness) its process decodes at."""

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        return EncodedImage(str(os.nice(0)).encode(), "txt", 1, 1)


def test_decodes_run_at_the_lowest_cpu_priority() -> None:
    """Batch work beside the server's requests: the scheduler lets a request go first."""
    isolated = IsolatedCodec(PriorityCodec)
    try:
        answer = isolated.encode(images.jpeg(), BOX, ImageLimits())
    finally:
        isolated.close()
    assert int(answer.data) == 19


@pytest.mark.parametrize(
    ("state", "cpu_seconds", "starved"),
    [("R", 1, True), ("R", 20, False), ("S", 1, False), ("D", 0, False)],
    ids=["waiting-to-run", "used-its-budget", "sleeping", "blocked-on-io"],
)
def test_a_decode_the_machine_starved_is_told_from_one_that_overran(
    state: str, cpu_seconds: int, starved: bool
) -> None:
    """Stopped by the wall clock, a decode runnable but under its CPU budget was starved by a
    busy machine (503, try again), not made slow by its file."""
    # utime and stime are the 14th and 15th fields, in clock ticks; a name may hold ") ".
    ticks = cpu_seconds * os.sysconf("SC_CLK_TCK")
    stat = f"4242 (python3 (x) ) {state} 1 2 3 4 5 6 7 8 9 10 {ticks // 2} {ticks - ticks // 2} 0 0"
    assert isolated_codec._starved(stat, budget=10) is starved
    assert isolated_codec._starved("", budget=10) is False


def test_a_starved_decode_stopped_by_the_wall_clock_is_busy_not_the_file_s_fault(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Told starved (as a decode at nice 19 on a machine busy with requests would be), the
    wall clock's stop is a 503 with Retry-After, not an over-budget refusal."""
    monkeypatch.setattr(isolated_codec, "_starved", lambda stat, budget: True)
    codec = IsolatedCodec(SleepingCodec, seconds=1)
    try:
        with pytest.raises(Busy) as refused:
            codec.encode(images.png(), BOX, ImageLimits())
    finally:
        codec.close()
    assert refused.value.retry_after == isolated_codec.BUSY_RETRY_AFTER


#: What libheif's four decoding threads reserve for their stacks (8 MB each, little used) and
#: the rest a decode holds beyond its resident peak.
THREAD_STACKS = 48 * 2**20


@pytest.fixture(scope="module")
def grid_photo() -> bytes:
    """A 2048 x 1536 photo of grain in 48 tiles of 256 pixels, as phones write HEIC: libheif
    decodes its tiles on several threads."""
    pillow_heif = pytest.importorskip("pillow_heif")
    before, pillow_heif.options.GRID_TILE_SIZE = pillow_heif.options.GRID_TILE_SIZE, 256
    try:
        grain = Image.effect_noise((2048, 1536), 40).convert("RGB")
        return images.heic(grain)
    finally:
        pillow_heif.options.GRID_TILE_SIZE = before


def test_under_any_budget_a_photo_is_stored_as_in_process_or_refused_as_over_budget(
    grid_photo: bytes,
) -> None:
    """Budgets from far too small to ample: each decode gives the in-process bytes or is refused
    as over budget. An allocation that fails part-way (in a tile, on a decoding thread) is
    never called damage and never stored; and the budget counts what the decode uses, so its
    measured peak and its threads' stacks are enough (without one malloc arena, each thread
    reserved 64 MB more)."""
    want = PillowCodec().encode(grid_photo, BOX, ImageLimits()).data
    outcomes: dict[int, str] = {}
    peak = 0
    for megabytes in range(8, 168, 8):
        isolated = IsolatedCodec(PillowCodec, memory=megabytes * 2**20)
        try:
            got, usage = isolated.encode_measured(grid_photo, BOX, ImageLimits())
            outcomes[megabytes] = "same" if got.data == want else "different"
            peak = max(peak, usage.peak_bytes)
        except DecodeOverBudget:
            outcomes[megabytes] = "over budget"
        finally:
            isolated.close()
    assert set(outcomes.values()) == {"same", "over budget"}, outcomes
    enough = peak + THREAD_STACKS
    assert all(outcomes[mb] == "same" for mb in outcomes if mb * 2**20 >= enough), outcomes


def test_a_photo_with_a_damaged_tile_is_damaged_under_the_budget_too(grid_photo: bytes) -> None:
    """Far from its budget, a decode that fails is the file's fault, and says so."""
    start, length = images.heif_item_extent(grid_photo, 4)
    broken = grid_photo[:start] + bytes(length) + grid_photo[start + length :]
    isolated = IsolatedCodec(PillowCodec, memory=384 * 2**20)
    try:
        with pytest.raises(InvalidImage, match="damaged"):
            isolated.encode(broken, BOX, ImageLimits())
    finally:
        isolated.close()


class ChattyCodec(PillowCodec):
    """Logs a record of two lines with a terminal's control codes, warns, then fails as no
    codec should."""

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        logging.getLogger("imagecore.test").warning("line one\nline two \x1b[31m")
        warnings.warn("a warning from a decoder", UserWarning, stacklevel=1)
        raise RuntimeError("unforeseen\nfailure")


def test_a_decode_process_logs_through_the_parent_one_line_per_record(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """What a decode process logs, warns or raises reaches the parent's logging (the server's
    format and handlers), one line per record with its control characters escaped, and the
    process's id named; nothing goes to standard error raw through Python's last resort."""
    codec = IsolatedCodec(ChattyCodec)
    try:
        with caplog.at_level(logging.WARNING), pytest.raises(InvalidImage) as refused:
            codec.encode(images.png(), Box(10, 10), ImageLimits())
    finally:
        codec.close()
    assert refused.value.reason == "damaged"
    lines = [(record.levelno, record.getMessage()) for record in caplog.records]
    assert all("\n" not in message and "\x1b" not in message for _, message in lines), lines
    assert (logging.WARNING, "line one\\nline two \\x1b[31m") in [
        (level, message.partition(": ")[2]) for level, message in lines
    ]
    assert any("UserWarning: a warning from a decoder" in message for _, message in lines)
    [crash] = [m for level, m in lines if level == logging.ERROR and "unforeseen" in m]
    assert crash.startswith("decode process ")
    assert "Traceback (most recent call last):\\n" in crash
    assert "RuntimeError: unforeseen\\nfailure" in crash


class FloodingCodec(PillowCodec):
    """Warns a hundred times, once with arguments its format does not take, then decodes."""

    def encode(self, data: bytes, box: Box, limits: ImageLimits) -> EncodedImage:
        chatty = logging.getLogger("imagecore.test")
        chatty.warning("%d", "not a number")
        for n in range(100):
            chatty.warning("chunk %d looks odd", n)
        return super().encode(data, box, limits)


def test_what_a_decode_process_logs_is_bounded_and_cannot_fail_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A record whose arguments do not format is sent as its format; past 50 records the rest
    are counted, not sent; the decode itself succeeds."""
    codec = IsolatedCodec(FloodingCodec)
    try:
        with caplog.at_level(logging.WARNING):
            image = codec.encode(images.png((20, 10)), Box(10, 10), ImageLimits())
    finally:
        codec.close()
    assert image.width == 10
    lines = [r.getMessage() for r in caplog.records if "decode process" in r.getMessage()]
    assert len(lines) == 51
    assert lines[0].endswith("'%d' (its arguments did not format)")
    assert lines[-1].endswith("51 more records dropped")
