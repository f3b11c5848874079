"""How the guide's contract reaches a host of the API: the answers it reads, and the host
itself, through a test client or a real server (:mod:`imagecore.testing.guide`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, Protocol

import attrs


@attrs.frozen
class Answer:
    status: int
    #: Header names in lower case.
    headers: Mapping[str, str]
    body: bytes


class GuideHost(Protocol):
    """A host of the guide's API, as the contract drives it."""

    #: The path of the guide's ``user-images/`` (``/api/resume/user-images/`` as it has it).
    api: str
    #: What every upload's URL starts with (``/media/``, a CDN's URL).
    media: str

    def user(self, label: str) -> tuple[str, dict[str, str]]:
        """A user of the host for ``label`` (one per label, made if need be): their id, as the
        stored names hold it, and the headers that sign them in."""
        ...

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        chunked: bool = False,
    ) -> Answer:
        """The answer to one request; ``url`` is a path, or an absolute URL the host gave.
        With ``chunked``, the body is sent without a Content-Length, as chunks, where the way
        the host is reached allows it."""
        ...


@attrs.define
class HttpxHost:
    """A host reached through an ``httpx.Client``: a real server's, or a framework's test
    client built on httpx (Litestar's, Starlette's)."""

    client: Any
    users: Callable[[str], tuple[str, dict[str, str]]]
    api: str = "/api/resume/user-images/"
    media: str = "/media/"

    def user(self, label: str) -> tuple[str, dict[str, str]]:
        return self.users(label)

    def send(
        self,
        method: str,
        url: str,
        headers: Mapping[str, str],
        body: bytes,
        *,
        chunked: bool = False,
    ) -> Answer:
        content: Any = iter([body[: len(body) // 2], body[len(body) // 2 :]]) if chunked else body
        response = self.client.request(method, url, headers=dict(headers), content=content)
        return Answer(response.status_code, dict(response.headers), response.content)
