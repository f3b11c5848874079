"""A JPEG's header, read before anything decodes it: its segments walked one way for every reader
(the frame header's size and precision, the count of scans, the budget they set), and the bytes
libjpeg passes over there dropped. Each function takes any bytes and never raises, but for the
budget, which raises to refuse."""

from __future__ import annotations

import re
import struct
from collections.abc import Iterator

from imagecore import ImageLimits
from imagecore.rejections import ImageTooLarge, InvalidImage

#: Start-of-frame markers: SOF0 to SOF15 but for DHT (C4), JPG (C8) and DAC (CC). The frame
#: header each begins gives the sample precision, then the height and the width.
_FRAME_MARKERS = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}
#: A hierarchical JPEG's DHP segment, before its frames and laid out as a frame header.
_DHP = 0xDE
_SOI, _EOI, _SOS = 0xD8, 0xD9, 0xDA
#: Markers with no length after them: TEM, RST0 to RST7 and SOI.
_STANDALONE = frozenset({0x01, *range(0xD0, 0xD9)})
ICC_SIGNATURE = b"ICC_PROFILE\x00"

#: A marker as libjpeg finds the next one after a segment: 0xFF, then a code that is neither a
#: stuffed zero nor another 0xFF (any number of 0xFF may come before a marker).
_MARKER = re.compile(rb"\xff[^\x00\xff]")
#: The marker that ends a scan's entropy-coded data, within which 0xFF comes before a stuffed
#: zero, another 0xFF, or a restart marker (0xD0 to 0xD7).
SCAN_END = re.compile(rb"\xff[^\x00\xff\xd0-\xd7]")
#: A real JPEG has a few dozen segments before its first scan, and a progressive one a few dozen
#: scans after it: a walk that meets more gives up, and what it was asked is not told.
_MOST_SEGMENTS = 1000


def segments(data: bytes) -> Iterator[tuple[int, int]]:
    """Each marker after the start-of-image and where its 0xFF stands, up to and including the
    first start-of-scan, found as libjpeg finds them (past fill, stuffed zeros and other bytes
    between segments) and followed by their declared lengths unchecked: each reader decides what
    a length that lies means.

    The walk ends where the data does (a marker needs its two bytes of length after it), and
    after _MOST_SEGMENTS, where what a reader asked cannot be told; regular expressions find
    each marker, so it is one pass at most.
    """
    at = 2
    for _ in range(_MOST_SEGMENTS):
        found = _MARKER.search(data, at)
        if found is None or found.start() + 4 > len(data):
            return
        start = found.start()
        code = data[start + 1]
        yield code, start
        if code == _SOS:
            return
        at = start + 2 if code in _STANDALONE else start + 2 + _length(data, start)


def _length(data: bytes, at: int) -> int:
    return int.from_bytes(data[at + 2 : at + 4], "big")


def first_scan(data: bytes) -> int | None:
    """Where the first start-of-scan marker stands; None when the segments do not lead to one."""
    return next((at for code, at in segments(data) if code == _SOS), None)


def jpeg_size(data: bytes) -> tuple[int, int]:
    """A JPEG's width and height as its frame header declares them ((0, 0) if none is found
    before its first scan)."""
    for code, at in segments(data):
        if code in _FRAME_MARKERS and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
    return 0, 0


def jpeg_scans(data: bytes) -> int | None:
    """How many scans a JPEG holds: the start-of-scan markers from the first one on (before it,
    an EXIF thumbnail may hold markers of its own; within scan data a 0xFF is always followed by
    0x00 or a restart marker, so a start-of-scan marker there is a real one). None when the
    segments do not lead to a first scan (the file ends first, or holds more segments before
    it than a JPEG has): the count cannot be told, and the file is refused, not waved on."""
    at = first_scan(data)
    return None if at is None else data.count(b"\xff\xda", at)


def jpeg_precision(data: bytes) -> int | None:
    """The bits per sample of a JPEG (8 in nearly all; 12 or 16 in medical and some camera
    files), from its first frame header; ``None`` when the bytes are no JPEG or have no frame
    header before the first scan, or a segment before it declares a length too short to hold
    the length itself."""
    if not data.startswith(b"\xff\xd8"):
        return None
    for code, at in segments(data):
        if code in (_EOI, _SOS):
            return None
        if code in _FRAME_MARKERS or code == _DHP:
            return data[at + 4] if at + 5 <= len(data) else None
        if code not in _STANDALONE and _length(data, at) < 2:
            return None
    return None


def check_work(data: bytes, limits: ImageLimits, accepted: tuple[str, ...]) -> None:
    """Refuse a JPEG whose header declares more pixels than any is allowed, or holds more scans
    (each one a pass over every block) than its limit; and one whose scans cannot be counted."""
    width, height = jpeg_size(data)
    if width * height > limits.max_declared_pixels:
        raise ImageTooLarge("image", width * height, limits.max_declared_pixels, "pixels")
    scans = jpeg_scans(data)
    if scans is None:
        raise InvalidImage("damaged", accepted, "its segments do not lead to its image data")
    if scans > limits.max_scans:
        raise ImageTooLarge("image", scans, limits.max_scans, "scans")


def jpeg_mended(data: bytes) -> bytes:
    """The JPEG as libjpeg reads its header, with the bytes it passes over there dropped.

    Before the first start-of-scan, libjpeg looks for each marker past whatever lies between it
    and the segment before: bytes a tool left there, or the rest of a segment whose declared
    length falls short. It warns of "extraneous bytes" and decodes the picture Pillow and
    Chromium show; dropped here, those bytes no longer make the strict decode, which takes the
    warning for an error, refuse the same picture. ICC profile segments are kept as Chromium
    assembles them (see _icc_left_out) and the others dropped: libjpeg-turbo calls a set it
    cannot assemble (a part repeated after the frame header, say) bogus, where Chromium shows
    the picture with the profile it read, or with none.

    The line between whole and damaged is the first start-of-scan. Bytes a decoder skips after
    it lie inside or after entropy-coded data, and mean that data went wrong (a file cut, cut
    and closed, half downloaded): they are left for the strict decode to refuse. So is a file
    whose markers cannot be followed from its start to its end-of-image marker (cut short, a
    length past the end, a second start-of-image, more than _MOST_SEGMENTS): ``data`` itself
    comes back, as when there is nothing to drop.
    """
    dropped: list[tuple[int, int]] = []
    icc: list[tuple[int, int]] = []
    at = 2
    for code, start in segments(data):
        if data[at:start].strip(b"\xff"):  # more than fill before the marker
            dropped.append((at, start))
        if code == _SOS:
            break
        if code in (_SOI, _EOI):
            return data  # libjpeg stops here: no picture to mend
        end = start + 2
        if code not in _STANDALONE:
            end += _length(data, start)
            if not start + 4 <= end <= len(data):
                return data
            if code == 0xE2 and data[start + 4 : start + 16] == ICC_SIGNATURE:
                icc.append((start, end))
        at = end
    else:
        return data
    dropped += _icc_left_out(data, icc)
    if not dropped or not _reaches_end(data, start):
        return data
    dropped.sort()
    view = memoryview(data)
    starts, ends = (0, *(end for _, end in dropped)), (*(begin for begin, _ in dropped), len(data))
    return b"".join(view[begin:end] for begin, end in zip(starts, ends, strict=True))


def _icc_left_out(data: bytes, found: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ICC profile segments Chromium leaves out of the profile it assembles; all of them when
    it assembles none.

    As Chromium reads them (Skia's JPEG metadata decoder), a segment too short to hold any of the
    profile is passed over; parts are taken, in any order, until there are as many as the first
    one counts; and no profile is assembled when a part is numbered 0 or past its count, counts
    differently from the first, comes twice before the set is whole, or is missing.
    """
    parts: dict[int, tuple[int, int]] = {}
    count = 0
    for start, end in found:
        if end - start <= 4 + len(ICC_SIGNATURE) + 2:
            continue
        index, total = data[start + 16], data[start + 17]
        if not 0 < index <= total or total != (count or total) or index in parts:
            parts = {}
            break
        count = total
        parts[index] = (start, end)
        if len(parts) == count:
            break
    read = set(parts.values()) if len(parts) == count else set()
    return [segment for segment in found if segment not in read]


def _reaches_end(data: bytes, at: int) -> bool:
    """Whether the markers from the start-of-scan at ``at`` lead, past each scan's data and each
    segment, to an end-of-image marker within _MOST_SEGMENTS."""
    for _ in range(_MOST_SEGMENTS):
        code = data[at + 1]
        if code == _EOI:
            return True
        if code == _SOI:
            return False
        end = at + 2
        if code not in _STANDALONE:
            end += _length(data, at)
            if not at + 4 <= end <= len(data):
                return False
        found = SCAN_END.search(data, end)
        if found is None:
            return False
        at = found.start()
    return False
