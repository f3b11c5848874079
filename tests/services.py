"""Values describing the services some tests run against (their fixtures are in conftest.py)."""

from __future__ import annotations

import attrs


@attrs.frozen
class S3:
    """A bucket of its own on the local S3-compatible server, with the environment to reach it."""

    endpoint: str
    bucket: str
    environ: dict[str, str]

    def url(self, prefix: str = "media") -> str:
        return f"s3://{self.bucket}/{prefix}"
