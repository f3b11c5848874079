"""An AV1 bitstream's sequence header, read for the largest frame it allows: what libavif
decodes, whatever the container around it declares (AV1 specification 5.3 and 5.5)."""

from __future__ import annotations


def frame_pixels(coded: bytes) -> int | None:
    """The pixels of the largest frame an AV1 bitstream's sequence header allows: what libavif
    decodes, whatever the container declares. None when no sequence header is found in
    ``coded`` (the start of an item, past any temporal delimiters, padding and metadata), or it
    cannot be read: the cost cannot be told, and the file is refused."""
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
