"""imagecore: a user's profile and cover images, framework-free.

The core decides and orders; adapters store, remember and decode through the ports.
"""

from imagecore.errors import (
    BackendError,
    ConcurrentUpdate,
    ImageCoreError,
    ImageRejected,
    ImageTooLarge,
    InvalidImage,
    MediaNotFound,
    NothingToUpload,
    RepositoryError,
    RequestError,
    SlotEmpty,
    StorageError,
    UnknownSlot,
    UnsupportedImageType,
)
from imagecore.model import (
    DEFAULTS_FOLDER,
    MEDIA_TYPES,
    AuditReport,
    DefaultImage,
    EncodedImage,
    MediaFile,
    Shown,
    Slot,
    SlotPolicy,
    StoredFile,
    StoredImage,
    SweepReport,
    UserImages,
)
from imagecore.ports import ImageCodec, ImageRepository, ImageStorage, UniqueNames
from imagecore.service import ImageSlots, random_unique

__all__ = [
    "DEFAULTS_FOLDER",
    "MEDIA_TYPES",
    "AuditReport",
    "BackendError",
    "ConcurrentUpdate",
    "DefaultImage",
    "EncodedImage",
    "ImageCodec",
    "ImageCoreError",
    "ImageRejected",
    "ImageRepository",
    "ImageSlots",
    "ImageStorage",
    "ImageTooLarge",
    "InvalidImage",
    "MediaFile",
    "MediaNotFound",
    "NothingToUpload",
    "RepositoryError",
    "RequestError",
    "Shown",
    "Slot",
    "SlotEmpty",
    "SlotPolicy",
    "StorageError",
    "StoredFile",
    "StoredImage",
    "SweepReport",
    "UniqueNames",
    "UnknownSlot",
    "UnsupportedImageType",
    "UserImages",
    "random_unique",
]
