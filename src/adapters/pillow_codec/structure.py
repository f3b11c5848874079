"""What a decoder lets pass: a file's own structure checked before it is decoded.

Pillow decodes a PNG whose chunk checksums are wrong or whose end chunk is missing, a GIF that
stops before its trailer, and a JPEG whose data breaks off (libjpeg only warns, and Pillow drops
its warnings, then fills the missing rows with grey), without a word. Such a file was cut short
or changed on the way; it is refused as damaged, whatever a decoder would make of it. Each check
never raises: what it cannot parse is damage too.
"""

from __future__ import annotations

import struct
import zlib
from collections.abc import Callable, Iterator

import attrs
import simplejpeg

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def damage(data: bytes) -> str | None:
    """What is wrong with the structure of ``data``, in a few words, if its signature is one of
    the checked formats'; ``None`` when nothing is, or when it is not one of them."""
    for is_format, check in _CHECKS:
        if is_format(data):
            return check(data)
    return None


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
        and RGB, one sample per channel within the bit depth."""
        top = (1 << self.depth) - 1
        if self.colour == 3:
            return self.palette > 0 and len(body) <= self.palette
        if self.colour == 0:
            return len(body) == 2 and struct.unpack(">H", body)[0] <= top
        if self.colour == 2:
            return len(body) == 6 and all(v <= top for v in struct.unpack(">3H", body))
        return False  # grey+alpha and RGBA carry their own alpha: no tRNS allowed


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


def jpeg_damage(data: bytes) -> str | None:
    """Decoded at an eighth of its size with libjpeg's warnings made errors: data that ends
    early, or bytes the decoder had to skip, is damage."""
    try:
        simplejpeg.decode_jpeg(data, strict=True, min_width=1, min_height=1)
    except ValueError as error:
        return jpeg_wording(error)
    except Exception:
        return "it could not be read"
    return None


def jpeg_wording(error: ValueError) -> str | None:
    """libjpeg's complaint, as the error message's detail; None when it is not damage but a
    feature the decoder lacks (the decoder itself will say what it cannot do)."""
    message = str(error).strip().rstrip(".")
    if "Unsupported" in message or "unsupported" in message:
        return None
    return message[:1].lower() + message[1:]


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


def jpeg_scans(data: bytes) -> int:
    """How many scans a JPEG holds: the start-of-scan markers from the first one on (before it,
    an EXIF thumbnail may hold markers of its own; within scan data a 0xFF is always followed by
    0x00 or a restart marker, so a start-of-scan marker there is a real one)."""
    for marker, at in _jpeg_segments(data):
        if marker == 0xDA:
            return data.count(b"\xff\xda", at)
    return 0


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


@attrs.frozen
class HeifWork:
    """What decoding a HEIF or AVIF file's primary image costs, from its item structure alone."""

    #: Pixels decoded: the primary image's, or every tile a grid or overlay lists (a tile listed
    #: twice is decoded twice), and its alpha's.
    decoded: int
    #: The largest canvas a grid or overlay composes its tiles on, or the image's own size.
    canvas: int
    #: The colour primaries and transfer characteristics (H.273 codes) of the primary image's
    #: ``nclx`` property, if it has one: what a browser shows its pixels in without a profile.
    colour: tuple[int, int] | None = None


def heif_work(data: bytes) -> HeifWork | None:
    """The cost of decoding the primary image, as its items declare it; None when the item
    structure cannot be read (such a file is refused: a decoder would read it some other way).

    A grid's tiles are decoded one by one onto a canvas of the size the grid's own record gives,
    whatever the image's ``ispe`` says; an overlay likewise. So the work is the sum over the
    tiles, and the canvas is the grid's record: neither is the image's declared size.
    """
    try:
        meta = next(_boxes(data, 0, len(data), b"meta"))
        boxes = {kind: (at, end) for kind, at, end in _children(data, meta[0] + 4, meta[1])}
        primary = _primary(data, *boxes[b"pitm"])
        types = _item_types(data, *boxes[b"iinf"])
        references = _references(data, *boxes[b"iref"]) if b"iref" in boxes else {}
        properties = _item_properties(data, *boxes[b"iprp"])
        payloads = _payloads(data, boxes)
    except (StopIteration, KeyError, IndexError, ValueError, struct.error):
        return None
    seen: set[int] = set()

    def work(item: int, depth: int) -> tuple[int, int]:
        if depth > 4 or len(seen) > 10_000:
            raise ValueError("items nest too deep")
        seen.add(item)
        kind = types.get(item)
        tiles = references.get((b"dimg", item), [])
        if kind in (b"grid", b"iovl"):
            canvas = _canvas(payloads.get(item, b""), kind)
            decoded = sum(work(tile, depth + 1)[0] for tile in tiles)
            return decoded, canvas
        if kind == b"iden" and tiles:
            return work(tiles[0], depth + 1)
        size = _pixels(data, properties.get(item, []))
        if kind == b"av01":
            # libavif decodes the whole coded frame, then crops it to the ispe.
            size = max(size, av1_frame_pixels(payloads.get(item, b"")))
        return size, size

    try:
        decoded, canvas = work(primary, 0)
        # An alpha channel is an image of its own, decoded with the primary one.
        for aux, targets in references.items():
            if aux[0] == b"auxl" and primary in targets:
                decoded += work(aux[1], 0)[0]
    except (ValueError, RecursionError, struct.error, IndexError):
        return None
    return HeifWork(decoded, canvas, _nclx(data, properties.get(primary, [])))


def _children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
    at = start
    for _ in range(10_000):
        if at + 8 > end:
            return
        size, kind = struct.unpack(">I4s", data[at : at + 8])
        header = 8
        if size == 1:
            (size,) = struct.unpack(">Q", data[at + 8 : at + 16])
            header = 16
        elif size == 0:
            size = end - at
        if size < header or at + size > end:
            raise ValueError("a box overruns its parent")
        yield kind, at + header, at + size
        at += size


def _primary(data: bytes, at: int, end: int) -> int:
    version = data[at]
    return int(
        struct.unpack(
            ">H" if version == 0 else ">I", data[at + 4 : at + (6 if version == 0 else 8)]
        )[0]
    )


def _item_types(data: bytes, at: int, end: int) -> dict[int, bytes]:
    version = data[at]
    first = at + (6 if version == 0 else 8)
    types: dict[int, bytes] = {}
    for kind, inner, _ in _children(data, first, end):
        if kind != b"infe" or data[inner] < 2:
            continue
        if data[inner] == 2:
            item, after = struct.unpack(">H", data[inner + 4 : inner + 6])[0], inner + 6
        else:
            item, after = struct.unpack(">I", data[inner + 4 : inner + 8])[0], inner + 8
        types[int(item)] = data[after + 2 : after + 6]
    return types


def _references(data: bytes, at: int, end: int) -> dict[tuple[bytes, int], list[int]]:
    wide = data[at] != 0
    width, code = (4, ">I") if wide else (2, ">H")
    found: dict[tuple[bytes, int], list[int]] = {}
    for kind, inner, stop in _children(data, at + 4, end):
        source = struct.unpack(code, data[inner : inner + width])[0]
        (count,) = struct.unpack(">H", data[inner + width : inner + width + 2])
        first = inner + width + 2
        targets = [
            int(struct.unpack(code, data[first + n * width : first + (n + 1) * width])[0])
            for n in range(count)
        ]
        if first + count * width > stop:
            raise ValueError("a reference overruns its box")
        found.setdefault((kind, int(source)), []).extend(targets)
    return found


def _item_properties(data: bytes, at: int, end: int) -> dict[int, list[tuple[bytes, int]]]:
    """The properties associated with each item: (type, content start) each."""
    boxes = {kind: (inner, stop) for kind, inner, stop in _children(data, at, end)}
    properties = [(kind, inner) for kind, inner, _ in _children(data, *boxes[b"ipco"])]
    start, stop = boxes[b"ipma"]
    version, flags = data[start], data[start + 3]
    (count,) = struct.unpack(">I", data[start + 4 : start + 8])
    at = start + 8
    found: dict[int, list[tuple[bytes, int]]] = {}
    for _ in range(count):
        if version < 1:
            (item,), at = struct.unpack(">H", data[at : at + 2]), at + 2
        else:
            (item,), at = struct.unpack(">I", data[at : at + 4]), at + 4
        associations, at = data[at], at + 1
        for _ in range(associations):
            if flags & 1:
                (index,), at = struct.unpack(">H", data[at : at + 2]), at + 2
                index &= 0x7FFF
            else:
                index, at = data[at] & 0x7F, at + 1
            if 0 < index <= len(properties):
                found.setdefault(int(item), []).append(properties[index - 1])
        if at > stop:
            raise ValueError("associations overrun their box")
    return found


def _pixels(data: bytes, properties: list[tuple[bytes, int]]) -> int:
    """An item's pixels, as its ispe property declares them (0 without one)."""
    for kind, at in properties:
        if kind == b"ispe":
            width, height = struct.unpack(">II", data[at + 4 : at + 12])
            return int(width) * int(height)
    return 0


def _nclx(data: bytes, properties: list[tuple[bytes, int]]) -> tuple[int, int] | None:
    for kind, at in properties:
        if kind == b"colr" and data[at : at + 4] == b"nclx":
            primaries, transfer = struct.unpack(">HH", data[at + 4 : at + 8])
            return int(primaries), int(transfer)
    return None


def _payloads(data: bytes, boxes: dict[bytes, tuple[int, int]]) -> dict[int, bytes]:
    """The bytes of the items stored in the meta box's idat (a grid's or overlay's record)."""
    if b"iloc" not in boxes:
        return {}
    idat = data[slice(*boxes[b"idat"])] if b"idat" in boxes else b""
    at, end = boxes[b"iloc"]
    version = data[at]
    sizes, more = data[at + 4], data[at + 5]
    offset_size, length_size = sizes >> 4, sizes & 15
    base_size, index_size = more >> 4, (more & 15) if version in (1, 2) else 0
    at += 6
    if version < 2:
        (count,), at = struct.unpack(">H", data[at : at + 2]), at + 2
    else:
        (count,), at = struct.unpack(">I", data[at : at + 4]), at + 4
    payloads: dict[int, bytes] = {}
    for _ in range(count):
        if version < 2:
            (item,), at = struct.unpack(">H", data[at : at + 2]), at + 2
        else:
            (item,), at = struct.unpack(">I", data[at : at + 4]), at + 4
        method = 0
        if version in (1, 2):
            (method,), at = struct.unpack(">H", data[at : at + 2]), at + 2
            method &= 15
        at += 2  # the data reference index
        base, at = _number(data, at, base_size), at + base_size
        (extents,), at = struct.unpack(">H", data[at : at + 2]), at + 2
        chunks = []
        for _ in range(extents):
            at += index_size
            offset, at = _number(data, at, offset_size), at + offset_size
            length, at = _number(data, at, length_size), at + length_size
            source = idat if method == 1 else data if method == 0 else b""
            start = base + offset
            # Only the start of a coded image is read here: its headers.
            chunks.append(source[start : start + min(length or len(source), 4096)])
        if at > end:
            raise ValueError("item locations overrun their box")
        payloads[int(item)] = b"".join(chunks)
    return payloads


def av1_frame_pixels(coded: bytes) -> int:
    """The pixels of the largest frame an AV1 bitstream's sequence header allows: what libavif
    decodes, whatever the container declares. 0 if no header is found in its first units, or
    it cannot be read here: libavif reads it then, within the decode's budget."""
    try:
        return _av1_frame_pixels(coded)
    except (IndexError, ValueError):
        return 0


def _av1_frame_pixels(coded: bytes) -> int:
    at = 0
    for _ in range(8):  # a temporal delimiter, then the sequence header, come first
        if at >= len(coded):
            return 0
        header = coded[at]
        kind, extension, sized = (header >> 3) & 15, (header >> 2) & 1, (header >> 1) & 1
        at += 1 + extension
        size = len(coded) - at
        if sized:
            size, at = _leb128(coded, at)
        if kind == 1:
            return _sequence_frame_pixels(coded[at : at + size])
        at += size
    return 0


def _leb128(data: bytes, at: int) -> tuple[int, int]:
    value = 0
    for n in range(8):
        byte = data[at + n]
        value |= (byte & 0x7F) << (7 * n)
        if not byte & 0x80:
            return value, at + n + 1
    raise ValueError("a size runs past eight bytes")


def _sequence_frame_pixels(header: bytes) -> int:
    """max_frame_width x max_frame_height of an AV1 sequence header (AV1 spec 5.5.1)."""
    bits = _Bits(header)
    bits.read(3)  # seq_profile
    bits.read(1)  # still_picture
    if bits.read(1):  # reduced_still_picture_header
        bits.read(5)
    else:
        buffer_delay_length = 0
        decoder_model = False
        if bits.read(1):  # timing_info_present_flag
            bits.read(32)
            bits.read(32)
            if bits.read(1):  # equal_picture_interval
                bits.uvlc()
            decoder_model = bool(bits.read(1))
            if decoder_model:
                buffer_delay_length = bits.read(5) + 1
                bits.read(32)
                bits.read(5)
                bits.read(5)
        display_delay = bits.read(1)
        for _ in range(bits.read(5) + 1):  # operating points
            bits.read(12)
            if bits.read(5) > 7:
                bits.read(1)
            if decoder_model and bits.read(1):
                bits.read(buffer_delay_length)
                bits.read(buffer_delay_length)
                bits.read(1)
            if display_delay and bits.read(1):
                bits.read(4)
    width_bits, height_bits = bits.read(4) + 1, bits.read(4) + 1
    return (bits.read(width_bits) + 1) * (bits.read(height_bits) + 1)


class _Bits:
    def __init__(self, data: bytes) -> None:
        self.data, self.at = data, 0

    def read(self, count: int) -> int:
        value = 0
        for _ in range(count):
            byte = self.data[self.at >> 3]  # IndexError past the end: unreadable
            value = (value << 1) | ((byte >> (7 - (self.at & 7))) & 1)
            self.at += 1
        return value

    def uvlc(self) -> int:
        zeros = 0
        while not self.read(1):
            zeros += 1
            if zeros >= 32:
                raise ValueError("a variable-length number runs too long")
        return self.read(zeros) + (1 << zeros) - 1


def _number(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at : at + size], "big") if size else 0


def _canvas(record: bytes, kind: bytes) -> int:
    """The pixels of the canvas a grid or overlay record (ISO/IEC 23008-12 6.6.2) declares."""
    flags = record[1]
    at = 4 if kind == b"grid" else 2 + 8  # a grid's rows and columns; an overlay's fill colour
    if flags & 1:
        width, height = struct.unpack(">II", record[at : at + 8])
    else:
        width, height = struct.unpack(">HH", record[at : at + 4])
    return int(width) * int(height)


def _boxes(data: bytes, start: int, end: int, kind: bytes) -> Iterator[tuple[int, int]]:
    """The ISO media boxes of type ``kind`` between ``start`` and ``end``: (content, end)."""
    for found, at, stop in _children(data, start, end):
        if found == kind:
            yield at, stop


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
