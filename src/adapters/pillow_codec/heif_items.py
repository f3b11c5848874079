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

import attrs

from imagecore.adapters.pillow_codec import av1, heif_boxes


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


#: Derived image items: composed of tiles (grid, overlay), or another item turned (iden).
_COMPOSED = frozenset({b"grid", b"iovl"})
_DERIVED = _COMPOSED | {b"iden"}


def heif_coding(data: bytes) -> bytes | None:
    """The item type a HEIF file's primary picture is coded in (a grid's, an overlay's or a
    derived image's first tile's): b"hvc1", b"av01", b"j2k1"...; None when the items cannot be
    read."""
    try:
        boxes = heif_boxes.meta(data)
        item = heif_boxes.primary(data, *boxes[b"pitm"])
        types = heif_boxes.item_types(data, *boxes[b"iinf"])
        references = heif_boxes.references(data, *boxes[b"iref"]) if b"iref" in boxes else {}
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
        boxes = heif_boxes.meta(data)
        primary = heif_boxes.primary(data, *boxes[b"pitm"])
        types = heif_boxes.item_types(data, *boxes[b"iinf"])
        references = heif_boxes.references(data, *boxes[b"iref"]) if b"iref" in boxes else {}
        properties = heif_boxes.item_properties(data, *boxes[b"iprp"])
        payloads = heif_boxes.payloads(data, boxes)
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
                sizes = [heif_boxes.size(data, properties.get(tile, [])) for tile in tiles]
                covered = max(covered, _whole_tiles(record, sizes, len(set(tiles))))
            return decoded, width * height, covered
        if kind == b"iden" and tiles:
            return work(tiles[0], depth + 1)
        width, height = heif_boxes.size(data, properties.get(item, []))
        size = width * height
        if kind == b"av01":
            # libavif decodes the whole coded frame, then crops it to the ispe.
            frame = av1.frame_pixels(payloads.get(item, b""))
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
    return HeifWork(decoded, canvas, covered, heif_boxes.nclx(data, properties.get(primary, [])))


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
        boxes = heif_boxes.meta(data)
        offsets = [at for _, at in heif_boxes.item_type_offsets(data, *boxes[b"iinf"])]
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
    children = list(heif_boxes.children(data, at, stop))
    if any(heif_boxes.header(data, *box) != 8 for box in [(b"iprp", at, stop), *children]):
        return None
    ipma = [(inner, stop) for kind, inner, stop in children if kind == b"ipma"]
    if len(ipma) < 2 or len({data[inner : inner + 4] for inner, _ in ipma}) != 1:
        return None
    version_and_flags = data[ipma[0][0] : ipma[0][0] + 4]
    entries: dict[int, bytes] = {}
    for inner, box_end in ipma:
        for item, entry in heif_boxes.associations(data, inner, box_end):
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
