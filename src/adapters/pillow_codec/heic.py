"""HEIC through libheif: opened by pillow_heif, its pixels decoded strictly, at the memory cost
it declares.

libheif decodes leniently by default: a grid tile that fails to decode (damaged data, or an
allocation refused under a memory budget) is left out and its place stays zero, a solid green
square, and the decode still succeeds. pillow_heif offers no way to ask for strict decoding, so
the pixels are decoded here by calling the same libheif that pillow_heif loaded, with
``strict_decoding`` set: a tile that fails fails the whole picture. The header facts (size, mode,
ICC profile, EXIF) still come from pillow_heif's plugin.

Decoding only, and only here: the plugin is registered nowhere (a host's Pillow opens HEIC files
as it did before, and pillow_heif's options stay the host's); :func:`open_image` opens a file
with it directly. pillow_heif lists a file's thumbnails and depth images as it opens it, without
decoding them; only the primary image is decoded.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import glob
import io
import os
import resource
from typing import Any

from PIL import Image, ImageFile

from imagecore.adapters.pillow_codec.heif import iso_media

#: The major brands of the HEIF files handed to libheif (AVIF's go to Pillow's own plugin).
BRANDS = frozenset({b"heic", b"heix", b"heim", b"heis", b"mif1", b"mif2"})
#: As many decoding threads as pillow_heif uses by default.
THREADS = 4
#: Peak memory per pixel of a still decoded here: libheif's planes of luma and chroma, then
#: Pillow's RGB (7.0 to 7.3 measured in a fresh process on phones' 12 MP grids and a generated
#: 24 MP one, per pixel of their whole tiles, with libheif's threads; rounded up).
BYTES_PER_PIXEL = 8

# libheif's enums (heif_image.h, heif_error.h): stable across its releases.
_RGB, _MONOCHROME = 1, 2  # heif_colorspace
_PLANAR, _INTERLEAVED_RGB, _INTERLEAVED_RGBA = 0, 10, 11  # heif_chroma
_CHANNEL_Y, _CHANNEL_INTERLEAVED = 0, 10  # heif_channel
_MEMORY_ALLOCATION_ERROR = 6  # heif_error_code
_SECURITY_LIMIT_EXCEEDED = 1000  # heif_suberror_code


def accept(prefix: bytes) -> bool:
    return iso_media(prefix) and prefix[8:12] in BRANDS


try:
    import pillow_heif
    from pillow_heif.as_plugin import HeifImageFile

    _INSTALLED = True
except ImportError:  # the heic extra is not installed: HEIC files are refused by name
    _INSTALLED = False


class _Error(ctypes.Structure):
    _fields_ = [("code", ctypes.c_int), ("subcode", ctypes.c_int), ("message", ctypes.c_char_p)]


class _Options(ctypes.Structure):
    """The leading fields of heif_decoding_options: libheif only ever appends to it (each
    addition raises its ``version``), and allocates it itself."""

    _fields_ = [
        ("version", ctypes.c_uint8),
        ("ignore_transformations", ctypes.c_uint8),
        ("start_progress", ctypes.c_void_p),
        ("on_progress", ctypes.c_void_p),
        ("end_progress", ctypes.c_void_p),
        ("progress_user_data", ctypes.c_void_p),
        ("convert_hdr_to_8bit", ctypes.c_uint8),  # version 2
        ("strict_decoding", ctypes.c_uint8),  # version 3
    ]


class HeicDamaged(Exception):
    """The HEIC's data is damaged, or beyond libheif's own limits; the message says how."""


class _Failed(Exception):
    def __init__(self, error: _Error) -> None:
        super().__init__((error.message or b"").decode("utf-8", "replace"))
        self.code: int = error.code
        self.subcode: int = error.subcode


def decode(data: bytes, mode: str) -> Image.Image:
    """The primary image of ``data``, a HEIC pillow_heif opened as ``mode``, turned by its
    container's rotation and mirror, at 8 bits a sample: L, RGB, RGBA or RGBa (premultiplied).

    Raises MemoryError where libheif could not allocate (the caller's budget decides what that
    means), :class:`HeicDamaged` where the data is damaged or beyond libheif's own limits.
    """
    grey = mode == "L" or mode.startswith("I")
    out = "L" if grey else mode if mode in ("RGBA", "RGBa") else "RGB"
    colourspace, chroma, channel = (
        (_MONOCHROME, _PLANAR, _CHANNEL_Y)
        if grey
        else (_RGB, _INTERLEAVED_RGB if out == "RGB" else _INTERLEAVED_RGBA, _CHANNEL_INTERLEAVED)
    )
    heif = _library()
    context = heif.heif_context_alloc()
    if not context:
        raise MemoryError("libheif could not allocate a context")
    handle, image = ctypes.c_void_p(), ctypes.c_void_p()
    options = heif.heif_decoding_options_alloc()
    try:
        heif.heif_context_set_max_decoding_threads(context, THREADS)
        _check(heif.heif_context_read_from_memory_without_copy(context, data, len(data), None))
        _check(heif.heif_context_get_primary_image_handle(context, ctypes.byref(handle)))
        options.contents.convert_hdr_to_8bit = 1
        options.contents.strict_decoding = 1
        _check(heif.heif_decode_image(handle, ctypes.byref(image), colourspace, chroma, options))
        stride = ctypes.c_int()
        plane = heif.heif_image_get_plane_readonly(image, channel, ctypes.byref(stride))
        width = heif.heif_image_get_primary_width(image)
        height = heif.heif_image_get_primary_height(image)
        if not plane or width <= 0 or height <= 0 or stride.value <= 0:
            raise HeicDamaged("its image could not be decoded")
        pixels = (ctypes.c_uint8 * (stride.value * height)).from_address(plane)
        return Image.frombytes(out, (width, height), memoryview(pixels), "raw", out, stride.value)
    except _Failed as error:
        if _out_of_memory(error):
            raise MemoryError(str(error)) from None
        raise HeicDamaged(_wording(str(error))) from None
    finally:
        if image:
            heif.heif_image_release(image)
        if handle:
            heif.heif_image_handle_release(handle)
        heif.heif_decoding_options_free(options)
        heif.heif_context_free(context)


def _out_of_memory(error: _Failed) -> bool:
    """Whether libheif failed for want of memory, not for a fault of the file: an allocation it
    reports, libde265's "out of memory", or, in a process with a limit on its address space, a
    C++ exception libheif did not foresee (a std::bad_alloc, or a decoding thread whose stack
    could not be had)."""
    message = str(error).lower()
    if error.code == _MEMORY_ALLOCATION_ERROR:
        return error.subcode != _SECURITY_LIMIT_EXCEEDED
    if "unexpected c++ exception" in message:
        return resource.getrlimit(resource.RLIMIT_AS)[0] != resource.RLIM_INFINITY
    return "out of memory" in message


def _check(error: _Error) -> None:
    if error.code != 0:
        raise _Failed(error)


def _wording(message: str) -> str:
    """libheif's "Invalid input: Unspecified: No 'ftyp' box" as a detail: lower case, without
    its empty sub-code or a full stop."""
    detail = message.replace("Unspecified: ", "").strip().rstrip(".") or "it could not be decoded"
    return detail[:1].lower() + detail[1:]


@functools.cache
def _library() -> Any:
    """The libheif pillow_heif itself loaded (its wheel bundles one under a mangled name)."""
    heif = ctypes.CDLL(_library_path())
    c, p, i = ctypes.c_void_p, ctypes.POINTER, ctypes.c_int
    signatures: dict[str, tuple[Any, list[Any]]] = {
        "heif_context_alloc": (c, []),
        "heif_context_free": (None, [c]),
        "heif_context_set_max_decoding_threads": (None, [c, i]),
        "heif_context_read_from_memory_without_copy": (
            _Error,
            [c, ctypes.c_char_p, ctypes.c_size_t, c],
        ),
        "heif_context_get_primary_image_handle": (_Error, [c, p(c)]),
        "heif_decoding_options_alloc": (p(_Options), []),
        "heif_decoding_options_free": (None, [p(_Options)]),
        "heif_decode_image": (_Error, [c, p(c), i, i, p(_Options)]),
        "heif_image_get_plane_readonly": (c, [c, i, p(i)]),
        "heif_image_get_primary_width": (i, [c]),
        "heif_image_get_primary_height": (i, [c]),
        "heif_image_release": (None, [c]),
        "heif_image_handle_release": (None, [c]),
    }
    for name, (result, arguments) in signatures.items():
        function = getattr(heif, name)
        function.restype, function.argtypes = result, arguments
    return heif


def _library_path() -> str:
    here = os.path.dirname(os.path.dirname(pillow_heif.__file__))
    for pattern in ("pillow_heif.libs/libheif*.so*", "pillow_heif/.dylibs/libheif*.dylib"):
        found = sorted(glob.glob(os.path.join(here, pattern)))
        if found:
            return found[0]
    system = ctypes.util.find_library("heif")  # pillow_heif built against the system's libheif
    if system is None:
        raise RuntimeError("libheif, which pillow_heif uses, was not found")
    return system


def _strict_decoding() -> bool:
    """Whether pillow_heif is installed and its libheif, found, decodes strictly (version 3 of
    its decoding options and on): else HEIC is refused by name, never decoded leniently."""
    if not _INSTALLED:
        return False
    try:
        heif = _library()
    except (OSError, AttributeError, RuntimeError):
        return False
    options = heif.heif_decoding_options_alloc()
    try:
        return bool(options) and options.contents.version >= 3
    finally:
        heif.heif_decoding_options_free(options)


#: What is decoded here: HEIC where libheif decodes strictly, else nothing.
FORMATS: tuple[str, ...] = ("HEIC",) if _strict_decoding() else ()


def open_image(data: bytes) -> ImageFile.ImageFile:
    """``data``, a HEIC, opened by pillow_heif's plugin (its header read, nothing decoded).

    Raises SyntaxError, as Pillow's plugins do, where it is no HEIC pillow_heif can open."""
    image: ImageFile.ImageFile = HeifImageFile(io.BytesIO(data))  # type: ignore[no-untyped-call]
    return image
