"""What a HEIF or AVIF file's items declare, read from its boxes before anything decodes it:
the coding of its primary picture, the pixels decoding it costs, and the repairs that let the
decoders read what browsers show.

HEIF (ISO/IEC 23008-12) keeps a picture's structure in a ``meta`` box: the items (``iinf``), the
primary one (``pitm``), their references (``iref``: a grid's tiles, an alpha channel) and
properties (``iprp``: sizes, colours), and where their data lies (``iloc``). Every function
takes any bytes and answers without raising: what it cannot read is None, or the bytes
unchanged.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

import attrs


@attrs.frozen
class HeifWork:
    """What decoding a HEIF or AVIF file's primary image costs, from its item structure alone."""

    #: Pixels decoded: the primary image's, or every tile a grid or overlay lists (a tile listed
    #: twice is decoded twice), and its alpha's.
    decoded: int
    #: The largest canvas a grid or overlay composes its tiles on, or the image's own size.
    canvas: int
    #: The pixels a picture of this canvas may decode: the canvas, or (at least as many) the
    #: whole tiles of a grid laid out as a grid should be, its last row and column padded.
    covered: int
    #: The colour primaries and transfer characteristics (H.273 codes) of the primary image's
    #: ``nclx`` property, if it has one: what a browser shows its pixels in without a profile.
    colour: tuple[int, int] | None = None


#: Codings a HEIF file's image items may use besides HEVC and AV1, by item type (ISO/IEC
#: 23008-12 and 23001-17): named when an upload uses them, not called damaged.
HEIF_CODINGS = {
    b"avc1": "AVC (H.264) in HEIF",
    b"evc1": "EVC in HEIF",
    b"j2k1": "JPEG 2000 in HEIF",
    b"jpeg": "JPEG in HEIF",
    b"unci": "uncompressed HEIF (ISO/IEC 23001-17)",
    b"vvc1": "VVC (H.266) in HEIF",
}


#: More references than a real file has (libheif takes a thousand a box): such a file's items
#: are not read, and it is refused.
MAX_REFERENCES = 65_536
#: What is read of each item's data: a grid's record, or a coded image's headers.
HEADER_BYTES = 4096


#: Derived image items: composed of tiles (grid, overlay), or another item turned (iden).
_COMPOSED = frozenset({b"grid", b"iovl"})
_DERIVED = _COMPOSED | {b"iden"}


def heif_coding(data: bytes) -> bytes | None:
    """The item type a HEIF file's primary picture is coded in (a grid's, an overlay's or a
    derived image's first tile's): b"hvc1", b"av01", b"j2k1"...; None when the items cannot be
    read."""
    try:
        boxes = _meta(data)
        item = _primary(data, *boxes[b"pitm"])
        types = _item_types(data, *boxes[b"iinf"])
        references = _references(data, *boxes[b"iref"]) if b"iref" in boxes else {}
    except (StopIteration, KeyError, IndexError, ValueError, struct.error):
        return None
    for _ in range(8):  # derived images nest a few deep at most
        kind = types.get(item)
        tiles = references.get((b"dimg", item))
        if kind not in _DERIVED or not tiles:
            return kind
        item = tiles[0]
    return None


def heif_work(data: bytes) -> HeifWork | None:
    """The cost of decoding the primary image, as its items declare it; None when the item
    structure cannot be read (such a file is refused: a decoder would read it some other way).

    A grid's tiles are decoded one by one onto a canvas of the size the grid's own record gives,
    whatever the image's ``ispe`` says; an overlay likewise. So the work is the sum over the
    tiles, and the canvas is the grid's record: neither is the image's declared size.
    """
    try:
        boxes = _meta(data)
        primary = _primary(data, *boxes[b"pitm"])
        types = _item_types(data, *boxes[b"iinf"])
        references = _references(data, *boxes[b"iref"]) if b"iref" in boxes else {}
        properties = _item_properties(data, *boxes[b"iprp"])
        payloads = _payloads(data, boxes)
    except (StopIteration, KeyError, IndexError, ValueError, struct.error):
        return None
    known: dict[int, tuple[int, int, int]] = {}

    def work(item: int, depth: int) -> tuple[int, int, int]:
        # Each item is worked out once, however often it is listed: a walk over a graph.
        if item not in known:
            if depth > 4:
                raise ValueError("items nest too deep")
            known[item] = cost(item, depth)
        return known[item]

    def cost(item: int, depth: int) -> tuple[int, int, int]:
        kind = types.get(item)
        tiles = references.get((b"dimg", item), [])
        # Real files derive a picture from coded tiles, turned at most once more (an iden of a
        # grid); anything deeper is built to multiply work, and is not read.
        if kind in _COMPOSED and any(types.get(tile) in _DERIVED for tile in tiles):
            raise ValueError("a grid or overlay of derived images")
        if kind == b"iden" and tiles and types.get(tiles[0]) == b"iden":
            raise ValueError("an identity of an identity")
        if kind in _COMPOSED:
            record = payloads.get(item, b"")
            width, height = _canvas(record, kind)
            decoded = sum(work(tile, depth + 1)[0] for tile in tiles)
            covered = width * height
            if kind == b"grid":
                sizes = [_size(data, properties.get(tile, [])) for tile in tiles]
                covered = max(covered, _whole_tiles(record, sizes, len(set(tiles))))
            return decoded, width * height, covered
        if kind == b"iden" and tiles:
            return work(tiles[0], depth + 1)
        width, height = _size(data, properties.get(item, []))
        size = width * height
        if kind == b"av01":
            # libavif decodes the whole coded frame, then crops it to the ispe.
            frame = av1_frame_pixels(payloads.get(item, b""))
            if frame is None:
                raise ValueError("no sequence header where an AV1 image starts")
            size = max(size, frame)
        return size, size, size

    try:
        decoded, canvas, covered = work(primary, 0)
        # An alpha channel is an image of its own, decoded with the primary one.
        for aux, targets in references.items():
            if aux[0] == b"auxl" and primary in targets:
                decoded += work(aux[1], 0)[0]
    except (ValueError, RecursionError, struct.error, IndexError):
        return None
    return HeifWork(decoded, canvas, covered, _nclx(data, properties.get(primary, [])))


def avif_mended(data: bytes) -> bytes:
    """An AVIF as browsers' decoders read it, where the bundled libavif or Pillow would refuse
    the whole picture; always the same length, so every offset in the file still holds.

    - Exif is hidden from the decoder: browsers' AVIF decoders never read it (Chromium tells
      libavif to ignore it; orientation comes from the irot and imir properties) and nothing
      of it is stored, yet an Exif payload Pillow cannot parse refuses the picture. Each Exif
      item's type is renamed to one no decoder knows.
    - Item properties associated in more than one ipma box of the same version and flags (as
      early AVIF writers did, one box per item) are joined into one, which libavif requires;
      the bytes saved become a free box after the properties.
    """
    try:
        boxes = _meta(data)
        offsets = [at for _, at in _item_type_offsets(data, *boxes[b"iinf"])]
        joined = _joined_associations(data, *boxes[b"iprp"])
    except (StopIteration, KeyError, IndexError, ValueError, struct.error):
        return data  # the decoder and the item check refuse what cannot be read
    exif = [at for at in offsets if data[at : at + 4] == b"Exif"]
    if not exif and joined is None:
        return data
    mended = bytearray(data)
    for at in exif:
        mended[at : at + 4] = b"skip"
    if joined is not None:
        at, replacement = joined
        mended[at : at + len(replacement)] = replacement
    return bytes(mended)


def _joined_associations(data: bytes, at: int, stop: int) -> tuple[int, bytes] | None:
    """Where the iprp box whose content is ``data[at:stop]`` starts, and what replaces it: the
    same properties with one joined ipma, then a free box of the bytes saved. None when there is
    nothing to join, or entries that cannot be joined (an item listed twice), or box headers of
    the long form."""
    children = list(_children(data, at, stop))
    if any(_header(data, *box) != 8 for box in [(b"iprp", at, stop), *children]):
        return None
    ipma = [(inner, stop) for kind, inner, stop in children if kind == b"ipma"]
    if len(ipma) < 2 or len({data[inner : inner + 4] for inner, _ in ipma}) != 1:
        return None
    version_and_flags = data[ipma[0][0] : ipma[0][0] + 4]
    entries: dict[int, bytes] = {}
    for inner, box_end in ipma:
        for item, entry in _associations(data, inner, box_end):
            if item in entries:
                return None
            entries[item] = entry
    body = version_and_flags + struct.pack(">I", len(entries))
    body += b"".join(entries[item] for item in sorted(entries))
    kept = b"".join(
        data[inner - 8 : box_end] for kind, inner, box_end in children if kind != b"ipma"
    )
    properties = kept + struct.pack(">I", 8 + len(body)) + b"ipma" + body
    saved = (stop - at) - len(properties)
    replacement = struct.pack(">I", 8 + len(properties)) + b"iprp" + properties
    return at - 8, replacement + struct.pack(">I", saved) + b"free" + bytes(saved - 8)


def _header(data: bytes, kind: bytes, at: int, end: int) -> int:
    """The length of the header of the box whose content is ``data[at:end]``."""
    return 8 if struct.unpack(">I", data[at - 8 : at - 4])[0] == end - at + 8 else 16


def _associations(data: bytes, at: int, end: int) -> Iterator[tuple[int, bytes]]:
    """Each entry of an ipma box whose content is ``data[at:end]``: its item, and its bytes."""
    version, flags = data[at], data[at + 3]
    (count,) = struct.unpack(">I", data[at + 4 : at + 8])
    item_size, index_size = (2 if version < 1 else 4), (2 if flags & 1 else 1)
    at += 8
    for _ in range(count):
        item = int.from_bytes(data[at : at + item_size], "big")
        size = item_size + 1 + data[at + item_size] * index_size
        if at + size > end:
            raise ValueError("associations overrun their box")
        yield item, data[at : at + size]
        at += size


def _meta(data: bytes) -> dict[bytes, tuple[int, int]]:
    """The boxes of the file's meta box (a full box: its content follows version and flags):
    where each one's content starts and ends. Raises StopIteration without one."""
    meta = next(_boxes(data, 0, len(data), b"meta"))
    return {kind: (at, end) for kind, at, end in _children(data, meta[0] + 4, meta[1])}


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
    return {item: data[where : where + 4] for item, where in _item_type_offsets(data, at, end)}


def _item_type_offsets(data: bytes, at: int, end: int) -> Iterator[tuple[int, int]]:
    """Each item of an iinf box, and where its item type lies in ``data``."""
    version = data[at]
    first = at + (6 if version == 0 else 8)
    for kind, inner, _ in _children(data, first, end):
        if kind != b"infe" or data[inner] < 2:
            continue
        if data[inner] == 2:
            item, after = struct.unpack(">H", data[inner + 4 : inner + 6])[0], inner + 6
        else:
            item, after = struct.unpack(">I", data[inner + 4 : inner + 8])[0], inner + 8
        yield int(item), after + 2


def _references(data: bytes, at: int, end: int) -> dict[tuple[bytes, int], list[int]]:
    wide = data[at] != 0
    width, code = (4, ">I") if wide else (2, ">H")
    found: dict[tuple[bytes, int], list[int]] = {}
    total = 0
    for kind, inner, stop in _children(data, at + 4, end):
        source = struct.unpack(code, data[inner : inner + width])[0]
        (count,) = struct.unpack(">H", data[inner + width : inner + width + 2])
        first = inner + width + 2
        total += count
        if first + count * width > stop or total > MAX_REFERENCES:
            raise ValueError("references overrun their box, or are far too many")
        targets = [
            int(struct.unpack(code, data[first + n * width : first + (n + 1) * width])[0])
            for n in range(count)
        ]
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


def _size(data: bytes, properties: list[tuple[bytes, int]]) -> tuple[int, int]:
    """An item's width and height, as its ispe property declares them ((0, 0) without one)."""
    for kind, at in properties:
        if kind == b"ispe":
            width, height = struct.unpack(">II", data[at + 4 : at + 12])
            return int(width), int(height)
    return 0, 0


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
        chunks, taken = [], 0
        for _ in range(extents):
            at += index_size
            offset, at = _number(data, at, offset_size), at + offset_size
            length, at = _number(data, at, length_size), at + length_size
            source = idat if method == 1 else data if method == 0 else b""
            start = base + offset
            # Only the start of a coded image is read here, its headers: HEADER_BYTES an item.
            chunk = source[start : start + min(length or len(source), HEADER_BYTES - taken)]
            chunks.append(chunk)
            taken += len(chunk)
        if at > end:
            raise ValueError("item locations overrun their box")
        payloads[int(item)] = b"".join(chunks)
    return payloads


def av1_frame_pixels(coded: bytes) -> int | None:
    """The pixels of the largest frame an AV1 bitstream's sequence header allows: what libavif
    decodes, whatever the container declares. None when no sequence header is found in what
    is read of the item (its first HEADER_BYTES, past any temporal delimiters, padding and
    metadata), or it cannot be read: the cost cannot be told, and the file is refused."""
    try:
        return _av1_frame_pixels(coded)
    except (IndexError, ValueError):
        return None


def _av1_frame_pixels(coded: bytes) -> int | None:
    at = 0
    while at < len(coded):  # each unit takes a byte at least: the walk ends
        header = coded[at]
        kind, extension, sized = (header >> 3) & 15, (header >> 2) & 1, (header >> 1) & 1
        at += 1 + extension
        size = len(coded) - at
        if sized:
            size, at = _leb128(coded, at)
        if kind == 1:
            return _sequence_frame_pixels(coded[at : at + size])
        at += size
    return None


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


def _canvas(record: bytes, kind: bytes) -> tuple[int, int]:
    """The width and height of the canvas a grid or overlay record (ISO/IEC 23008-12 6.6.2)
    declares."""
    flags = record[1]
    at = 4 if kind == b"grid" else 2 + 8  # a grid's rows and columns; an overlay's fill colour
    if flags & 1:
        width, height = struct.unpack(">II", record[at : at + 8])
    else:
        width, height = struct.unpack(">HH", record[at : at + 4])
    return int(width), int(height)


def _whole_tiles(record: bytes, tiles: list[tuple[int, int]], distinct: int) -> int:
    """The pixels of a grid's tiles where they lay out its canvas as a grid should: rows x
    columns distinct tiles of one size, overhanging the right and bottom edges by less than a
    tile (phones pad their last row and column so; older libheif wrote a small picture as one
    padded tile). 0 for any other grid."""
    rows, columns = record[2] + 1, record[3] + 1
    width, height = _canvas(record, b"grid")
    if len(tiles) != rows * columns or distinct != len(tiles) or len(set(tiles)) != 1:
        return 0
    tile_width, tile_height = tiles[0]
    across = (columns - 1) * tile_width < width <= columns * tile_width
    down = (rows - 1) * tile_height < height <= rows * tile_height
    return len(tiles) * tile_width * tile_height if across and down else 0


def _boxes(data: bytes, start: int, end: int, kind: bytes) -> Iterator[tuple[int, int]]:
    """The ISO media boxes of type ``kind`` between ``start`` and ``end``: (content, end)."""
    for found, at, stop in _children(data, start, end):
        if found == kind:
            yield at, stop
