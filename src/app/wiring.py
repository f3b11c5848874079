"""The composition root: the only place that knows every adapter.

Tests, the command line and the server all build through :func:`open_wiring`; nothing is built
when a module is imported. What it opens, it closes.
"""

from __future__ import annotations

import contextlib
import functools
from collections.abc import Callable, Iterator

import attrs

from imagecore import ImageCodec, ImageCoreError, ImageRepository, ImageSlots, ImageStorage
from imagecore.adapters.decode_slots import LockFileSlots
from imagecore.adapters.fsspec_storage import FsspecStorage
from imagecore.adapters.isolated_codec import IsolatedCodec
from imagecore.adapters.memory_repository import (
    InlineReader,
    MemoryAuditLog,
    MemoryBlocklist,
    MemoryRateCounter,
    MemoryReports,
    MemoryRepository,
)
from imagecore.adapters.pillow_codec import PillowCodec
from imagecore.adapters.pillow_codec.avatar_painter import PillowAvatarPainter
from imagecore.adapters.sql import SqliteDatabase
from imagecore.app.settings import Settings, SettingsError
from imagecore.app.tokens import stored_secret
from imagecore.avatars import AvatarPolicy, AvatarStyle
from imagecore.decode_limit import SlottedCodec
from imagecore.moderation import Moderation
from imagecore.ports import AsyncImageReader, AuditLog, Blocklist, RateCounter, Reports
from imagecore.throttle import Throttle

#: The data dir's file of the secret the avatars are keyed with, where none is configured.
AVATAR_SECRET_FILE = "avatar-secret"


@attrs.define
class Wiring:
    """The core service for one process, the rate counter and moderation beside it, and what
    closes them."""

    slots: ImageSlots
    rate_counter: RateCounter
    moderation: Moderation
    #: Reads for the event loop (in memory: on it; SQLite: on it unless the file is held;
    #: PostgreSQL: its async driver); None: on a thread.
    reader: AsyncImageReader | None = None
    _opened: contextlib.ExitStack = attrs.field(factory=contextlib.ExitStack, alias="opened")

    def close(self) -> None:
        """Close what was opened, last first; closing twice does nothing."""
        self._opened.close()


def open_wiring(
    settings: Settings,
    *,
    storage: ImageStorage | None = None,
    repository: ImageRepository | None = None,
    codec: ImageCodec | None = None,
    existing: bool = False,
) -> Wiring:
    """The core service wired to the adapters ``settings`` name, or to the ones given.

    With ``existing``, for the operators' commands, nothing is created: the database must exist
    already (one of an older imagecore is brought up to date, as the server would).

    Raises :class:`SettingsError`, naming the variable, when a configured place is unusable.
    """
    variable = "IMAGECORE_STORAGE_URL" if settings.storage_url else "IMAGECORE_DATA_DIR"
    if storage is None:
        with _blaming(variable, f"storage {settings.media_storage_url!r}"):
            storage = FsspecStorage.from_url(settings.media_storage_url)
    # Whatever fails part-way closes what was opened before it, last first.
    with contextlib.ExitStack() as opened:
        if codec is None:
            isolated = build_codec(settings)
            codec = isolated
            opened.callback(isolated.close)
        _check_pixel_limits(settings, codec)
        if repository is None:
            database = _open_database(settings, existing=existing)
            opened.callback(database.close)
        else:
            database = _given(repository)
        # Each decode holds a slot shared by every process of the server (and the commands).
        locks = LockFileSlots(
            settings.data_dir.resolve() / "locks", settings.max_concurrent_decodes
        )
        avatars = avatar_policy(settings)
        slots = ImageSlots(
            storage=storage,
            repository=database.repository,
            codec=SlottedCodec(codec, locks),
            policies=settings.policies,
            limits=settings.limits,
            blocklist=database.blocklist,
            avatars=avatars,
            painter=None
            if avatars is None
            else PillowAvatarPainter.with_fonts(settings.avatar_fonts),
        )
        moderation = Moderation(
            slots,
            database.reports,
            database.audit_log,
            Throttle(database.rate_counter),
            settings.report_rate_per_user,
        )
        return Wiring(slots, database.rate_counter, moderation, database.reader, opened.pop_all())


def avatar_policy(settings: Settings) -> AvatarPolicy | None:
    """The default avatars the settings ask for; None for the shipped picture."""
    style = AvatarStyle(settings.default_profile)
    if style is AvatarStyle.IMAGE:
        return None
    secret = settings.avatar_secret or stored_secret(settings.data_dir, AVATAR_SECRET_FILE)
    return AvatarPolicy(style, secret.encode())


def build_codec(settings: Settings) -> IsolatedCodec:
    """Pillow, in a child process per decode, on the settings' budget."""
    memory = settings.decode_memory_mb * 2**20
    return IsolatedCodec(
        functools.partial(
            PillowCodec,
            stills_as_webp=settings.stills_as_webp,
            memory_budget=memory,
        ),
        seconds=settings.decode_seconds,
        memory=memory,
    )


@attrs.frozen
class _Database:
    """The ports a database URL names, how the event loop reads from it, and how to close it."""

    repository: ImageRepository
    rate_counter: RateCounter
    audit_log: AuditLog
    reports: Reports
    blocklist: Blocklist
    close: Callable[[], None]
    #: Reads for the event loop; None: on a thread.
    reader: AsyncImageReader | None


def _given(repository: ImageRepository) -> _Database:
    """A repository given by the caller, with memory stores beside it (sharing its audit log,
    where it is a memory one)."""
    memory = isinstance(repository, MemoryRepository)
    log = repository.audit_log if isinstance(repository, MemoryRepository) else MemoryAuditLog()
    return _Database(
        repository,
        MemoryRateCounter(),
        log,
        MemoryReports(log),
        MemoryBlocklist(audit_log=log),
        lambda: None,
        InlineReader(repository) if memory else None,
    )


def _open_database(settings: Settings, *, existing: bool) -> _Database:
    """The database the URL names, opened."""
    url = settings.database
    if url.startswith("memory:"):
        if existing:
            raise SettingsError(
                "IMAGECORE_DATABASE_URL=memory: lives inside the server process only; "
                "gc and check need the database the server uses."
            )
        return _given(MemoryRepository())
    variable = "IMAGECORE_DATABASE_URL" if settings.database_url else "IMAGECORE_DATA_DIR"
    with _blaming(variable, f"database {settings.database_shown!r}"):
        if url.startswith(("postgresql://", "postgres://")):
            from imagecore.adapters.sql import PostgresDatabase

            postgres = PostgresDatabase(
                url, pool_size=settings.database_pool_size, create=not existing, upgrade=True
            )
            return _Database(
                postgres.repository,
                postgres.rate_counter,
                postgres.audit_log,
                postgres.reports,
                postgres.blocklist,
                postgres.close,
                postgres.reader,
            )
        sqlite = SqliteDatabase(url.removeprefix("sqlite:///"), create=not existing, upgrade=True)
        return _Database(
            sqlite.repository,
            sqlite.rate_counter,
            sqlite.audit_log,
            sqlite.reports,
            sqlite.blocklist,
            sqlite.close,
            sqlite.reader,
        )


def _check_pixel_limits(settings: Settings, codec: ImageCodec) -> None:
    """The pixel limits the settings name, within what the codec decodes (checked here, where
    the codec is known, so that reading the settings needs no codec)."""
    for variable, value in (
        ("IMAGECORE_MAX_PIXELS", settings.max_pixels),
        ("IMAGECORE_MAX_DECLARED_PIXELS", settings.max_declared_pixels),
    ):
        if value > codec.max_pixels:
            raise SettingsError(
                f"{variable} must be at most {codec.max_pixels:,}, the largest image the codec "
                f"decodes; got {value:,}."
            )


@contextlib.contextmanager
def _blaming(variable: str, what: str) -> Iterator[None]:
    """Turns a failure to open a configured place into a SettingsError naming its variable."""
    try:
        yield
    except (ImageCoreError, OSError, ValueError, ImportError) as error:
        cause = error.__cause__ if isinstance(error, ImageCoreError) else None
        detail = f"{error} ({cause})" if cause else str(error)
        raise SettingsError(f"{variable}: cannot use {what}: {detail}") from error
