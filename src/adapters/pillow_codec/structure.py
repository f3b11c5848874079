"""What a decoder lets pass: a file's own structure checked before it is decoded.

Pillow decodes a PNG whose chunk checksums are wrong or whose end chunk is missing, a GIF that
stops before its trailer, and a JPEG whose data breaks off (libjpeg only warns, and Pillow drops
its warnings, then fills the missing rows with grey), without a word. Such a file was cut short
or changed on the way; it is refused as damaged, whatever a decoder would make of it. Each check
never raises: what it cannot parse is damage too.
"""

from __future__ import annotations

import io
import re
import struct
import zlib
from collections.abc import Callable, Iterator

import simplejpeg
from PIL import Image

from imagecore.adapters.pillow_codec.heif_items import avif_mended, heif_coding

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def damage(data: bytes) -> str | None:
    """What is wrong with the structure of ``data``, in a few words, if its signature is one of
    the checked formats'; ``None`` when nothing is, or when it is not one of them."""
    for is_format, check in _CHECKS:
        if is_format(data):
            return check(data)
    return None


def mended(data: bytes) -> bytes:
    """``data`` as the decoders browsers use read it, where they pass over a fault without a word
    and show the picture whole; ``data`` itself when there is nothing to pass over. Never raises."""
    for is_format, mend in _MENDS:
        if is_format(data):
            return mend(data)
    return data


def png_damage(data: bytes) -> str | None:
    """Every chunk whole, named and checksummed, from the header chunk to the end chunk; the
    transparency chunk where and as libpng takes it; APNG frames in sequence and as many as
    declared."""
    png = _Png()
    at = len(PNG_SIGNATURE)
    while True:
        if at + 12 > len(data):
            return "the file ends before its end chunk"
        length, kind = struct.unpack(">I4s", data[at : at + 8])
        end = at + 12 + length
        if end > len(data):
            return "the file ends in the middle of a chunk"
        if not kind.isalpha():
            return "a chunk has no valid name"
        (crc,) = struct.unpack(">I", data[at + 8 + length : end])
        if zlib.crc32(data[at + 4 : at + 8 + length]) != crc:
            return f"the checksum does not match in chunk {kind.decode('ascii')!r}"
        problem = png.take(kind, data[at + 8 : at + 8 + length])
        if problem is not None or kind == b"IEND":
            return problem
        at = end


class _Png:
    """What the chunks so far said, and what the next one may say."""

    def __init__(self) -> None:
        self.chunks = 0
        self.depth = self.colour = self.palette = 0
        self.seen_data = False
        self.sequence = self.frames = 0
        self.declared_frames: int | None = None
        self.exif = 0

    def take(self, kind: bytes, body: bytes) -> str | None:
        self.chunks += 1
        if self.chunks == 1:
            if kind != b"IHDR" or len(body) != 13:
                return "the file does not start with its header chunk"
            self.depth, self.colour = body[8], body[9]
        elif kind == b"IHDR":
            return "the file has a second header chunk"
        if kind == b"IDAT":
            if self.colour == 3 and not self.palette:
                return "its palette image has no palette before the image data"
            self.seen_data = True
        elif kind == b"PLTE":
            self.palette = len(body) // 3
        elif kind == b"acTL" and len(body) == 8:
            self.declared_frames = struct.unpack(">I", body[:4])[0]
        elif kind == b"eXIf":
            self.exif += 1
            if self.exif > 1:  # libpng keeps the first, Pillow the last
                return "the file has more than one eXIf chunk"
        if kind in (b"tRNS", b"PLTE") and self.seen_data:
            # libpng, and so browsers, ignore it there; Pillow would apply it.
            return f"a {kind.decode('ascii')!r} chunk comes after the image data"
        if kind == b"tRNS" and not self._fits(body):
            return "its transparency chunk does not fit the image"
        if kind in (b"fcTL", b"fdAT"):
            if len(body) < 4 or struct.unpack(">I", body[:4])[0] != self.sequence:
                return "the animation's frames are out of sequence"
            self.sequence += 1
            self.frames += kind == b"fcTL"
        if kind == b"IEND" and self.declared_frames not in (None, self.frames):
            return "the animation does not hold the frames it declares"
        return None

    def _fits(self, body: bytes) -> bool:
        """Whether libpng would take this tRNS: for a palette, after it and no longer; for grey
        and RGB, one sample per channel. A sample wider than the bit depth fits too: decoders
        mask it to the depth (PNG 3rd edition, 11.3.2.1; see png_mended), as libpng does."""
        if self.colour == 3:
            return self.palette > 0 and len(body) <= self.palette
        if self.colour in (0, 2):
            return len(body) == _SAMPLES[self.colour] * 2
        return False  # grey+alpha and RGBA carry their own alpha: no tRNS allowed


#: The samples of a grey (0) and an RGB (2) tRNS colour, by colour type.
_SAMPLES = {0: 1, 2: 3}

#: APNG's chunks: ancillary by name, so that a viewer without APNG shows the still image, yet
#: they are the animation. A frame whose data or control fails its checksum is damaged, as an
#: IDAT is: dropping it would show another animation (Firefox's libpng stops at the next frame's
#: sequence number instead), and dropping acTL would show a still.
_ANIMATION_CHUNKS = frozenset({b"acTL", b"fcTL", b"fdAT"})


def png_mended(data: bytes) -> bytes:
    """The PNG as libpng reads it by default, where it passes over a fault and shows the image.

    An ancillary chunk (its name starts in lower case: tEXt, eXIf, tRNS, iCCP...) whose checksum
    does not match is dropped, as libpng's PNG_CRC_DEFAULT warns and discards it: its meaning
    goes with it (no orientation, no transparency, no profile). A critical chunk's mismatch is
    left for png_damage to refuse, and so is an APNG chunk's (see _ANIMATION_CHUNKS), or that of
    a chunk before the header (libpng stops there). A grey or RGB tRNS colour wider than the bit
    depth is masked to it, as the PNG specification (3rd edition, 11.3.2.1) and libpng do: Pillow
    reads it unmasked, and for 1-bit grey keeps only whether it is 0, so it cannot be masked after.

    ``data`` itself when there is nothing to mend, and when the file breaks off before its end
    chunk (png_damage refuses it). One pass over the chunks; never raises.
    """
    view = memoryview(data)
    kept = bytearray()  # what comes before kept_from, mended
    mending = False
    kept_from, at = 0, len(PNG_SIGNATURE)
    header: tuple[int, int] | None = None  # (bit depth, colour type), from a first IHDR
    while at + 12 <= len(data):
        length, kind = struct.unpack(">I4s", view[at : at + 8])
        end = at + 12 + length
        if end > len(data):
            break
        body = view[at + 8 : end - 4]
        whole = zlib.crc32(view[at + 4 : end - 4]) == int.from_bytes(view[end - 4 : end], "big")
        first = at == len(PNG_SIGNATURE)
        if first and kind == b"IHDR" and length == 13:
            header = body[8], body[9]
        replacement: bytes | None = None
        if not whole and not first and _ancillary(kind) and kind not in _ANIMATION_CHUNKS:
            replacement = b""
        elif whole and kind == b"tRNS" and header is not None:
            replacement = _masked_transparency(*header, bytes(body))
        if replacement is not None:
            kept += view[kept_from:at]
            kept += replacement
            kept_from, mending = end, True
        if kind == b"IEND":
            return bytes(kept + view[kept_from:]) if mending else data
        at = end
    return data


#: The critical chunks: one bit flipped in the first letter of each names an ancillary chunk.
_CRITICAL = frozenset({b"IHDR", b"PLTE", b"IDAT", b"IEND"})


def _ancillary(kind: bytes) -> bool:
    """A chunk a decoder may pass over: a valid name whose first letter is lower case, and not a
    critical chunk's name with that one bit flipped (a damaged PLTE, say, is no ancillary one)."""
    return kind.isalpha() and kind[:1].islower() and kind[:1].upper() + kind[1:] not in _CRITICAL


def _masked_transparency(depth: int, colour: int, body: bytes) -> bytes | None:
    """The tRNS chunk of a grey or RGB colour masked to ``depth`` bits, if that changes it."""
    if colour not in _SAMPLES or depth >= 16 or len(body) != 2 * _SAMPLES[colour]:
        return None
    samples = struct.unpack(f">{_SAMPLES[colour]}H", body)
    masked = struct.pack(f">{len(samples)}H", *(s & ((1 << depth) - 1) for s in samples))
    if masked == body:
        return None
    return struct.pack(">I", len(masked)) + b"tRNS" + masked + _crc(b"tRNS" + masked)


def _crc(data: bytes) -> bytes:
    return struct.pack(">I", zlib.crc32(data))


def gif_damage(data: bytes) -> str | None:
    """Every block whole, up to the trailer."""
    try:
        for _ in _gif_frames(data):
            pass
    except IndexError:
        return "the file ends before its trailer"
    except ValueError as error:
        return str(error)
    return None


def _gif_frames(data: bytes) -> Iterator[tuple[int, int, int, int]]:
    """Each frame's (left, top, width, height), walking every block up to the trailer.

    Raises IndexError where the file ends before it, ValueError at a block of unknown kind.
    """
    flags = data[10]
    at = 13 + (3 * 2 ** ((flags & 7) + 1) if flags & 0x80 else 0)
    while data[at] != 0x3B:
        if data[at] == 0x21:  # extension: label, then sub-blocks
            at = _skip_sub_blocks(data, at + 2)
        elif data[at] == 0x2C:  # image: descriptor, local colour table, LZW size, sub-blocks
            local = data[at + 9]
            yield struct.unpack("<4H", data[at + 1 : at + 9])
            at += 10 + (3 * 2 ** ((local & 7) + 1) if local & 0x80 else 0)
            at = _skip_sub_blocks(data, at + 1)
        else:
            raise ValueError("a block of unknown kind")


#: TurboJPEG's complaint at a colour sampling it has no name for (luma sampled 1x3, say): its
#: API, which simplejpeg calls, stops there, though libjpeg decodes such a file as browsers do.
_UNNAMED_SAMPLING = "Could not determine subsampling level"
#: The name of the TurboJPEG function that passed a complaint on ("tjDecompress2(): ..."):
#: nothing a person sending a picture should read.
_FUNCTION_NAME = re.compile(r"\b\w+\(\):\s*")


def jpeg_damage(data: bytes) -> str | None:
    """Decoded at an eighth of its size with libjpeg's warnings made errors: data that ends
    early, or bytes the decoder had to skip, is damage. A JPEG whose colour sampling TurboJPEG
    cannot name is checked by another way (see _scan_damage)."""
    try:
        simplejpeg.decode_jpeg(data, strict=True, min_width=1, min_height=1)
    except ValueError as error:
        if _UNNAMED_SAMPLING in str(error):
            return _scan_damage(data)
        return jpeg_wording(error)
    except Exception:
        return "it could not be read"
    return None


def jpeg_wording(error: ValueError) -> str | None:
    """libjpeg's complaint, as the error message's detail, without the name of any function that
    passed it on; None when it is not damage but something the decoder lacks: a feature (the
    decoder itself will say what it cannot do), or a name for the file's colour sampling (Pillow
    decodes it, after jpeg_damage has checked it)."""
    message = _FUNCTION_NAME.sub("", str(error)).strip().rstrip(".")
    if "Unsupported" in message or "unsupported" in message or _UNNAMED_SAMPLING in message:
        return None
    return message[:1].lower() + message[1:]


#: What follows the scan data handed to Pillow in _scan_damage: libjpeg-turbo refills its bit
#: buffer to 57 bits (25 where the buffer is 32 bits wide), so it reads at most eight bytes past
#: the last bit it decodes. Zeros are never a marker, and make a stuffed data byte of a 0xFF a
#: cut may have left at the end.
_FILLER = bytes(8)


#: _scan_damage's answer for a JPEG of several scans, which it cannot check: not damage, a kind
#: of file the codec does not take.
UNCHECKABLE_SAMPLING = "JPEG of several scans with an unusual colour sampling"


def _scan_damage(data: bytes) -> str | None:
    """Whether a JPEG's one scan holds all the data its picture needs, asked of Pillow's libjpeg,
    which decodes any colour sampling but drops every warning.

    The scan's data goes without what follows it (the end-of-image marker above all), then
    _FILLER. Whole, it gives libjpeg every block before it reads past the filler, and Pillow the
    picture (at an eighth of its size: the data is decoded whole at any scale). Ending early (a
    file cut, or cut and closed), it has libjpeg decode the filler as data and ask for more,
    and Pillow calls the file truncated. The gaps: a scan that lost only its last few bytes (up
    to a few dozen in the files tried), whose blocks the filler's zeros complete, passes, its
    last blocks decoded as libjpeg decodes the file itself, from zero bits; and bits changed
    inside the scan pass as often as not, Pillow dropping the warnings that would tell.

    Only a JPEG of one scan can be asked this way: libjpeg reads a file of several up to its
    end-of-image marker before it gives a row. Such a file is refused.
    """
    if (jpeg_scans(data) or 0) > 1:
        return UNCHECKABLE_SAMPLING
    start = next((at for marker, at in _jpeg_segments(data) if marker == 0xDA), len(data))
    header_end = start + 2 + int.from_bytes(data[start + 2 : start + 4], "big")
    if header_end > len(data):
        return "the file ends before its image data"
    after = _SCAN_END.search(data, header_end)
    probe = data[: after.start() if after else len(data)] + _FILLER
    try:
        with Image.open(io.BytesIO(probe), formats=["JPEG"]) as image:
            image.draft(image.mode, (max(1, image.width // 8), max(1, image.height // 8)))
            image.load()
    except OSError:
        return "its image data ends before the picture does"
    except Exception:
        return "it could not be read"
    return None


#: Start-of-frame markers: SOF0 to SOF15 but for DHT (C4), JPG (C8) and DAC (CC).
_SOF = frozenset(range(0xC0, 0xD0)) - {0xC4, 0xC8, 0xCC}


def jpeg_size(data: bytes) -> tuple[int, int]:
    """A JPEG's width and height as its frame header declares them ((0, 0) if none is found
    before its first scan): read before anything decodes it."""
    for marker, at in _jpeg_segments(data):
        if marker in _SOF and at + 9 <= len(data):
            height, width = struct.unpack(">HH", data[at + 5 : at + 9])
            return int(width), int(height)
    return 0, 0


def jpeg_scans(data: bytes) -> int | None:
    """How many scans a JPEG holds: the start-of-scan markers from the first one on (before it,
    an EXIF thumbnail may hold markers of its own; within scan data a 0xFF is always followed by
    0x00 or a restart marker, so a start-of-scan marker there is a real one). None when the
    segments do not lead to a first scan (the file ends first, or holds more segments before
    it than a JPEG has): the count cannot be told, and the file is refused, not waved on."""
    for marker, at in _jpeg_segments(data):
        if marker == 0xDA:
            return data.count(b"\xff\xda", at)
    return None


def _jpeg_segments(data: bytes) -> Iterator[tuple[int, int]]:
    """Each segment's marker and where it starts, up to and including the first scan's."""
    at = 2
    for _ in range(1000):  # a real JPEG reaches its first scan within a few dozen segments
        at = data.find(b"\xff", at)
        while 0 <= at < len(data) - 1 and data[at + 1] == 0xFF:
            at += 1
        if at < 0 or at + 4 > len(data):
            return
        marker = data[at + 1]
        yield marker, at
        if marker == 0xDA:
            return
        if marker in (0x01, *range(0xD0, 0xD9)):
            at += 2
        else:
            at += 2 + int.from_bytes(data[at + 2 : at + 4], "big")


#: A marker as libjpeg finds the next one after a segment: 0xFF, then a code that is neither a
#: stuffed zero nor another 0xFF (any number of 0xFF may come before a marker).
_MARKER = re.compile(rb"\xff[^\x00\xff]")
#: The marker that ends a scan's entropy-coded data, within which 0xFF comes before a stuffed
#: zero, another 0xFF, or a restart marker (0xD0 to 0xD7).
_SCAN_END = re.compile(rb"\xff[^\x00\xff\xd0-\xd7]")
#: A real JPEG has a few dozen segments before its first scan, and a progressive one a few dozen
#: scans after it: a walk that meets more gives up.
_MOST_SEGMENTS = 1000
_PARAMETERLESS = frozenset({0x01, *range(0xD0, 0xD8)})
ICC_SIGNATURE = b"ICC_PROFILE\x00"


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
    comes back, as when there is nothing to drop. Regular expressions find each marker, so the
    work is one pass at most; never raises.
    """
    dropped: list[tuple[int, int]] = []
    icc: list[tuple[int, int]] = []
    at = 2
    for _ in range(_MOST_SEGMENTS):
        found = _MARKER.search(data, at)
        if found is None:
            return data
        start = found.start()
        if data[at:start].strip(b"\xff"):  # more than fill before the marker
            dropped.append((at, start))
        code = data[start + 1]
        if code == 0xDA:
            break
        end = start + 2
        if code not in _PARAMETERLESS:
            end += int.from_bytes(data[start + 2 : start + 4], "big")
            if code in (0xD8, 0xD9) or not start + 4 <= end <= len(data):
                return data  # libjpeg stops here: no picture to mend
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


def _icc_left_out(data: bytes, segments: list[tuple[int, int]]) -> list[tuple[int, int]]:
    """The ICC profile segments Chromium leaves out of the profile it assembles; all of them when
    it assembles none.

    As Chromium reads them (Skia's JPEG metadata decoder), a segment too short to hold any of the
    profile is passed over; parts are taken, in any order, until there are as many as the first
    one counts; and no profile is assembled when a part is numbered 0 or past its count, counts
    differently from the first, comes twice before the set is whole, or is missing.
    """
    parts: dict[int, tuple[int, int]] = {}
    count = 0
    for start, end in segments:
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
    return [segment for segment in segments if segment not in read]


def _reaches_end(data: bytes, at: int) -> bool:
    """Whether the markers from the start-of-scan at ``at`` lead, past each scan's data and each
    segment, to an end-of-image marker within _MOST_SEGMENTS."""
    for _ in range(_MOST_SEGMENTS):
        code = data[at + 1]
        if code == 0xD9:
            return True
        end = at + 2
        if code not in _PARAMETERLESS:
            end += int.from_bytes(data[at + 2 : at + 4], "big")
            if code == 0xD8 or not at + 4 <= end <= len(data):
                return False
        found = _SCAN_END.search(data, end)
        if found is None:
            return False
        at = found.start()
    return False


def gif_canvas(data: bytes) -> tuple[int, int, int]:
    """The canvas a GIF's frames imply (width, height), and its frame count.

    Pillow grows the canvas to hold a frame placed beyond the logical screen, and composes every
    frame at that size: a 1x1 screen with a frame at (8999, 9899) is a 9000x9900 animation.
    Unreadable blocks end the count (the structure check refuses such a file anyway).
    """
    width, height, frames = 0, 0, 0
    try:
        width, height = struct.unpack("<HH", data[6:10])
        for left, top, w, h in _gif_frames(data):
            width, height, frames = max(width, left + w), max(height, top + h), frames + 1
    except (IndexError, ValueError, struct.error):
        pass
    return width, height, frames


def webp_damage(data: bytes) -> str | None:
    """The RIFF container holds as many bytes as it declares."""
    if len(data) < 12:
        return "the file ends in its header"
    (size,) = struct.unpack("<I", data[4:8])
    if size + 8 > len(data):
        return "the file ends before the size its header declares"
    return None


def _skip_sub_blocks(data: bytes, at: int) -> int:
    while data[at]:
        at += data[at] + 1
    return at + 1


_CHECKS: tuple[tuple[Callable[[bytes], bool], Callable[[bytes], str | None]], ...] = (
    (lambda data: data.startswith(PNG_SIGNATURE), png_damage),
    (lambda data: data[:6] in (b"GIF87a", b"GIF89a"), gif_damage),
    (lambda data: data[:4] == b"RIFF" and data[8:12] == b"WEBP", webp_damage),
    (lambda data: data[:3] == b"\xff\xd8\xff", jpeg_damage),
)

#: Each format's repair of faults its browsers' decoder passes over (see mended).
_MENDS: tuple[tuple[Callable[[bytes], bool], Callable[[bytes], bytes]], ...] = (
    (lambda data: data.startswith(PNG_SIGNATURE), png_mended),
    (lambda data: data[4:8] == b"ftyp" and heif_coding(data) == b"av01", avif_mended),
    (lambda data: data[:3] == b"\xff\xd8\xff", jpeg_mended),
)
