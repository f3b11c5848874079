"""Reading the boxes of an ISO media file's meta box (ISO/IEC 14496-12, 23008-12): items, their
references, properties and locations. Each function reads ``data`` between offsets it is given
and raises IndexError, ValueError or struct.error where the boxes cannot be read; its callers
turn that into a refusal.
"""

from __future__ import annotations

import struct
from collections.abc import Iterator

#: More references than a real file has (libheif takes a thousand a box): such a file's items
#: are not read, and it is refused.
MAX_REFERENCES = 65_536
#: What is read of each item's data: a grid's record, or a coded image's headers.
HEADER_BYTES = 4096


def header(data: bytes, kind: bytes, at: int, end: int) -> int:
    """The length of the header of the box whose content is ``data[at:end]``."""
    return 8 if struct.unpack(">I", data[at - 8 : at - 4])[0] == end - at + 8 else 16


def associations(data: bytes, at: int, end: int) -> Iterator[tuple[int, bytes]]:
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


def meta(data: bytes) -> dict[bytes, tuple[int, int]]:
    """The boxes of the file's meta box (a full box: its content follows version and flags):
    where each one's content starts and ends. Raises StopIteration without one."""
    meta = next(_boxes(data, 0, len(data), b"meta"))
    return {kind: (at, end) for kind, at, end in children(data, meta[0] + 4, meta[1])}


def children(data: bytes, start: int, end: int) -> Iterator[tuple[bytes, int, int]]:
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


def primary(data: bytes, at: int, end: int) -> int:
    version = data[at]
    return int(
        struct.unpack(
            ">H" if version == 0 else ">I", data[at + 4 : at + (6 if version == 0 else 8)]
        )[0]
    )


def item_types(data: bytes, at: int, end: int) -> dict[int, bytes]:
    return {item: data[where : where + 4] for item, where in item_type_offsets(data, at, end)}


def item_type_offsets(data: bytes, at: int, end: int) -> Iterator[tuple[int, int]]:
    """Each item of an iinf box, and where its item type lies in ``data``."""
    version = data[at]
    first = at + (6 if version == 0 else 8)
    for kind, inner, _ in children(data, first, end):
        if kind != b"infe" or data[inner] < 2:
            continue
        if data[inner] == 2:
            item, after = struct.unpack(">H", data[inner + 4 : inner + 6])[0], inner + 6
        else:
            item, after = struct.unpack(">I", data[inner + 4 : inner + 8])[0], inner + 8
        yield int(item), after + 2


def references(data: bytes, at: int, end: int) -> dict[tuple[bytes, int], list[int]]:
    wide = data[at] != 0
    width, code = (4, ">I") if wide else (2, ">H")
    found: dict[tuple[bytes, int], list[int]] = {}
    total = 0
    for kind, inner, stop in children(data, at + 4, end):
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


def item_properties(data: bytes, at: int, end: int) -> dict[int, list[tuple[bytes, int]]]:
    """The properties associated with each item: (type, content start) each."""
    boxes = {kind: (inner, stop) for kind, inner, stop in children(data, at, end)}
    properties = [(kind, inner) for kind, inner, _ in children(data, *boxes[b"ipco"])]
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


def size(data: bytes, properties: list[tuple[bytes, int]]) -> tuple[int, int]:
    """An item's width and height, as its ispe property declares them ((0, 0) without one)."""
    for kind, at in properties:
        if kind == b"ispe":
            width, height = struct.unpack(">II", data[at + 4 : at + 12])
            return int(width), int(height)
    return 0, 0


def nclx(data: bytes, properties: list[tuple[bytes, int]]) -> tuple[int, int] | None:
    for kind, at in properties:
        if kind == b"colr" and data[at : at + 4] == b"nclx":
            primaries, transfer = struct.unpack(">HH", data[at + 4 : at + 8])
            return int(primaries), int(transfer)
    return None


def payloads(data: bytes, boxes: dict[bytes, tuple[int, int]]) -> dict[int, bytes]:
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


def _number(data: bytes, at: int, size: int) -> int:
    return int.from_bytes(data[at : at + size], "big") if size else 0


def _boxes(data: bytes, start: int, end: int, kind: bytes) -> Iterator[tuple[int, int]]:
    """The ISO media boxes of type ``kind`` between ``start`` and ``end``: (content, end)."""
    for found, at, stop in children(data, start, end):
        if found == kind:
            yield at, stop
