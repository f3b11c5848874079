"""The guide's operations, for a binding to call from its own views: each takes what a request
carries and gives the bytes of the answer, or raises an error that
:func:`~imagecore.adapters.web.errors.answer_to` words. Every operation comes blocking, for a
WSGI host's views, and async, for an ASGI host's, with the same rules.

A binding's part is what only its framework knows: its routes, who is asking, the request's
headers and body stream, and how a response is sent.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Iterator, Sequence

import attrs

from imagecore import ImageSlots, UserImages
from imagecore.adapters.web import answers, edge_wording
from imagecore.adapters.web.admission import UploadGate
from imagecore.adapters.web.answers import DecodeBudget, Urls
from imagecore.adapters.web.body_budget import BodyAccount, BodyBudget, declared_length
from imagecore.adapters.web.errors import BodyTooLarge, FormError
from imagecore.adapters.web.forms import (
    MAX_DESCRIPTIONS_BODY,
    MAX_PARTS,
    Patch,
    UploadForm,
    UploadParts,
    descriptions_too_large,
    patch_from_json,
    read_upload,
    read_upload_blocking,
    slot_to_delete,
)
from imagecore.adapters.web.rates import (
    RateRules,
    client_address,
    counted_address,
    refunded,
    warn_if_proxied_unknowingly,
)
from imagecore.adapters.web.signed_in import Caller
from imagecore.decode_limit import SlottedCodec, ThreadSlots
from imagecore.ports import AsyncImageReader

log = logging.getLogger("imagecore.http")


@attrs.frozen
class GuideApi:
    """The guide's operations over ``slots``; build one with :meth:`over`."""

    slots: ImageSlots
    urls: Urls
    gate: UploadGate
    bodies: BodyBudget
    rate_rules: RateRules | None
    #: How an async host reads a user's images on its event loop; None: the repository, on a
    #: worker thread.
    reader: AsyncImageReader | None
    #: GET .../limits/'s answer, encoded once.
    published: bytes

    @classmethod
    def over(
        cls,
        slots: ImageSlots,
        urls: Urls,
        *,
        rate_rules: RateRules | None = None,
        bodies: BodyBudget | None = None,
        reader: AsyncImageReader | None = None,
        decode_wait: float = 10.0,
        decode_budget: DecodeBudget | None = None,
    ) -> GuideApi:
        """The operations over ``slots``, their files at ``urls``. Uploads decode in the slots
        of the service's codec where it is a :class:`~imagecore.decode_limit.SlottedCodec`
        (shared, say, by every worker of a server); any other codec is given two slots in this
        process."""
        if not isinstance(slots.codec, SlottedCodec):
            slots = attrs.evolve(slots, codec=SlottedCodec(slots.codec, ThreadSlots()))
        assert isinstance(slots.codec, SlottedCodec)
        published = answers.encode(answers.limits(slots, rate_rules, decode_budget))
        gate = UploadGate(slots.codec.slots, decode_wait)
        return cls(slots, urls, gate, bodies or BodyBudget(), rate_rules, reader, published)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """An async host's lifespan: opens the reader, and at the end closes it and stops the
        uploads' pool."""
        try:
            if self.reader is not None:
                await self.reader.open()
            yield
        finally:
            self.gate.close()
            if self.reader is not None:
                await self.reader.close()

    # --- Blocking, for a WSGI host -------------------------------------------------------------

    def current(self, caller: Caller) -> bytes:
        return self._current(caller, self.slots.repository.get(caller.user))

    def upload(
        self,
        caller: Caller,
        content_type: str,
        content_length: str | None,
        read: Callable[[int], bytes],
    ) -> bytes:
        """An upload whose body is read from ``read`` (a WSGI request's); it waits for a decode
        slot on this thread."""
        with self.rated("upload", caller):
            with self._account(caller, content_length) as account:
                form = read_upload_blocking(
                    content_type, read, account, self.slots.limits.max_bytes
                )
                images = self.gate.run_blocking(self._uploading(caller, form), caller.user)
            return self._uploaded(caller, images, form)

    def upload_parsed(
        self,
        caller: Caller,
        content_length: str | None,
        parts: Iterable[tuple[str, str | None, bytes]],
    ) -> bytes:
        """An upload whose form the host's framework has parsed already (a middleware read it):
        each part's field name, file name (None for a plain field) and bytes, held to the same
        limits as a body read here."""
        with self.rated("upload", caller):
            most = self.slots.limits.max_bytes
            if _declared(content_length) > most:
                raise BodyTooLarge(most)
            form = UploadParts()
            received = 0
            for count, (name, filename, content) in enumerate(parts, 1):
                received += len(content)
                if received > most:
                    raise BodyTooLarge(most)
                if count > MAX_PARTS:
                    raise FormError(edge_wording.too_many_parts(MAX_PARTS))
                form.add(name, filename, content)
            read = form.form()
            images = self.gate.run_blocking(self._uploading(caller, read), caller.user)
            return self._uploaded(caller, images, read)

    def describe(self, caller: Caller, body: bytes) -> bytes:
        """A PATCH of descriptions, whose body is ``body`` (at most MAX_DESCRIPTIONS_BODY)."""
        with self.rated("describe", caller):
            if len(body) > MAX_DESCRIPTIONS_BODY:
                raise descriptions_too_large()
            patch = patch_from_json(body)
            images = self.slots.describe(caller.user, patch.descriptions, focuses=patch.focuses)
            return self._described(caller, images, patch)

    def delete(self, caller: Caller, types: Sequence[str]) -> bytes:
        """A DELETE, ``types`` holding each value of its ``type`` parameter."""
        with self.rated("delete", caller):
            slot = slot_to_delete(types)
            self.slots.delete(caller.user, slot)
            return answers.encode(answers.deleted(slot))

    @contextlib.contextmanager
    def rated(self, action: str, caller: Caller) -> Iterator[None]:
        """Counts ``action`` against the rate rules, refusing it when over; given back when the
        request is answered 503 (see :func:`~imagecore.adapters.web.rates.refunded`)."""
        refund = self._check(action, caller)
        try:
            yield
        except BaseException as error:
            if refund is not None and refunded(error):
                _give_back(refund)
            raise

    # --- Async, for an ASGI host ---------------------------------------------------------------

    async def current_async(self, caller: Caller) -> bytes:
        if self.reader is not None:
            return self._current(caller, await self.reader.get(caller.user))
        images = await asyncio.to_thread(self.slots.repository.get, caller.user)
        return self._current(caller, images)

    async def upload_async(
        self,
        caller: Caller,
        content_type: str,
        content_length: str | None,
        chunks: AsyncIterator[bytes],
        disconnected: Callable[[], Awaitable[None]] | None = None,
    ) -> bytes:
        """An upload whose body arrives as ``chunks``; it waits for a decode slot on the event
        loop, holding no thread, and its decode is cancelled when ``disconnected()`` returns
        (see :meth:`UploadGate.run`)."""
        async with self.rated_async("upload", caller):
            with self._account(caller, content_length) as account:
                form = await read_upload(content_type, chunks, account, self.slots.limits.max_bytes)
                uploading = self._uploading(caller, form)
                images = await self.gate.run(uploading, caller.user, disconnected)
            return self._uploaded(caller, images, form)

    async def describe_async(self, caller: Caller, chunks: AsyncIterator[bytes]) -> bytes:
        """A PATCH of descriptions; a larger body than they can be is refused at its first
        byte too many."""
        async with self.rated_async("describe", caller):
            raw = bytearray()
            async for chunk in chunks:
                raw += chunk
                if len(raw) > MAX_DESCRIPTIONS_BODY:
                    raise descriptions_too_large()
            patch = patch_from_json(bytes(raw))
            images = await asyncio.to_thread(
                self.slots.describe, caller.user, patch.descriptions, None, patch.focuses
            )
            return self._described(caller, images, patch)

    async def delete_async(self, caller: Caller, types: Sequence[str]) -> bytes:
        async with self.rated_async("delete", caller):
            slot = slot_to_delete(types)
            await asyncio.to_thread(self.slots.delete, caller.user, slot)
            return answers.encode(answers.deleted(slot))

    @contextlib.asynccontextmanager
    async def rated_async(self, action: str, caller: Caller) -> AsyncIterator[None]:
        """:meth:`rated`, its counter (a database, perhaps) used off the event loop."""
        refund = await asyncio.to_thread(self._check, action, caller)
        try:
            yield
        except BaseException as error:
            if refund is not None and refunded(error):
                await asyncio.to_thread(_give_back, refund)
            raise

    # --- Shared --------------------------------------------------------------------------------

    def _described(self, caller: Caller, images: UserImages, patch: Patch) -> bytes:
        body = answers.described(
            self.slots, self.urls, images, patch.descriptions, caller.owner, patch.focuses
        )
        return answers.encode(body)

    def _current(self, caller: Caller, images: UserImages) -> bytes:
        return answers.encode(answers.current(self.slots, self.urls, images, caller.owner))

    def _check(self, action: str, caller: Caller) -> Callable[[], None] | None:
        rules = self.rate_rules
        if rules is None:
            return None
        warn_if_proxied_unknowingly(caller.peer, rules.trusted_proxies)
        address = client_address(caller.peer, caller.forwarded_for, rules.trusted_proxies)
        return rules.check(action, caller.user, address)

    @contextlib.contextmanager
    def _account(self, caller: Caller, content_length: str | None) -> Iterator[BodyAccount]:
        """The upload's account in the body budget, held at its declared length at once; a body
        declared larger than an upload may be is refused before it is read."""
        if _declared(content_length) > self.slots.limits.max_bytes:
            raise BodyTooLarge(self.slots.limits.max_bytes)
        address = counted_address(caller.peer, caller.forwarded_for, self.rate_rules)
        with self.bodies.account(address) as account:
            account.need(declared_length(content_length, self.slots))
            yield account

    def _uploading(self, caller: Caller, form: UploadForm) -> Callable[[], UserImages]:
        def upload() -> UserImages:
            return self.slots.upload(
                caller.user, form.files, form.descriptions, form.crops, focuses=form.focuses
            )

        return upload

    def _uploaded(self, caller: Caller, images: UserImages, form: UploadForm) -> bytes:
        body = answers.uploaded(self.slots, self.urls, images, form.files, caller.owner)
        return answers.encode(body)


def _declared(content_length: str | None) -> int:
    try:
        return int(content_length or "0")
    except ValueError:
        return 0


def _give_back(refund: Callable[[], None]) -> None:
    try:
        refund()
    except Exception:  # the 503 is still answered; the counts stay as they are
        log.warning("could not give back a refused request's rate counts", exc_info=True)
