"""PNG and APNG as libpng reads them: the signature, every chunk checked before Pillow decodes
the file, and the faults libpng passes over (an ancillary chunk's checksum, a transparent colour
wider than the bit depth) mended first. Each function takes any bytes and never raises."""

from __future__ import annotations

import struct
import zlib

SIGNATURE = b"\x89PNG\r\n\x1a\n"


def accept(data: bytes) -> bool:
    return data.startswith(SIGNATURE)


def png_damage(data: bytes) -> str | None:
    """Every chunk whole, named and checksummed, from the header chunk to the end chunk; the
    transparency chunk where and as libpng takes it; APNG frames in sequence and as many as
    declared."""
    png = _Png()
    at = len(SIGNATURE)
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
    kept_from, at = 0, len(SIGNATURE)
    header: tuple[int, int] | None = None  # (bit depth, colour type), from a first IHDR
    while at + 12 <= len(data):
        length, kind = struct.unpack(">I4s", view[at : at + 8])
        end = at + 12 + length
        if end > len(data):
            break
        body = view[at + 8 : end - 4]
        whole = zlib.crc32(view[at + 4 : end - 4]) == int.from_bytes(view[end - 4 : end], "big")
        first = at == len(SIGNATURE)
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
