"""imagecore: a user's profile and cover images, framework-free.

The core decides and orders; adapters store, remember and decode through the ports. These are the
names an app embedding the core, or an adapter of its own, uses (every type in a port's or the
service's signature among them); the rest (the rules, the layout constants, the throttle, the
finer error classes) stays reachable in its module.
"""

from imagecore.audit import Action, Actor, AuditRecord, Role
from imagecore.avatars import Avatar, AvatarFile, AvatarPolicy, AvatarStyle
from imagecore.blocking import BlockedPicture
from imagecore.decode_limit import SlottedCodec, ThreadSlots
from imagecore.errors import (
    BackendError,
    ConcurrentUpdate,
    ImageCoreError,
    MediaNotFound,
    RepositoryError,
    RequestError,
    StorageError,
    VersionConflict,
)
from imagecore.housekeeping import AuditReport, Housekeeping, RebuildReport, SweepReport
from imagecore.model import (
    DefaultImage,
    EncodedImage,
    Fingerprint,
    Focus,
    MediaFile,
    Owner,
    Placeholder,
    Shown,
    Slot,
    StoredFile,
    StoredImage,
    StoredStream,
    UserImages,
)
from imagecore.moderation import Moderation
from imagecore.policies import DEFAULT_POLICIES, Box, Crop, ImageLimits, SlotPolicy
from imagecore.ports import (
    AuditLog,
    AvatarPainter,
    Blocklist,
    DecodeSlots,
    ImageCodec,
    ImageRepository,
    ImageStorage,
    Reports,
    UniqueNames,
)
from imagecore.rejections import ImageRejected
from imagecore.reports import Report, ReportedImage, ReportReason
from imagecore.service import ImageSlots

__all__ = [
    "DEFAULT_POLICIES",
    "Action",
    "Actor",
    "AuditLog",
    "AuditRecord",
    "AuditReport",
    "Avatar",
    "AvatarFile",
    "AvatarPainter",
    "AvatarPolicy",
    "AvatarStyle",
    "BackendError",
    "BlockedPicture",
    "Blocklist",
    "Box",
    "ConcurrentUpdate",
    "Crop",
    "DecodeSlots",
    "DefaultImage",
    "EncodedImage",
    "Fingerprint",
    "Focus",
    "Housekeeping",
    "ImageCodec",
    "ImageCoreError",
    "ImageLimits",
    "ImageRejected",
    "ImageRepository",
    "ImageSlots",
    "ImageStorage",
    "MediaFile",
    "MediaNotFound",
    "Moderation",
    "Owner",
    "Placeholder",
    "RebuildReport",
    "Report",
    "ReportReason",
    "ReportedImage",
    "Reports",
    "RepositoryError",
    "RequestError",
    "Role",
    "Shown",
    "Slot",
    "SlotPolicy",
    "SlottedCodec",
    "StorageError",
    "StoredFile",
    "StoredImage",
    "StoredStream",
    "SweepReport",
    "ThreadSlots",
    "UniqueNames",
    "UserImages",
    "VersionConflict",
]
