"""python -m bench.receive_server serve ARGS: `imagecore serve`, its app with one route more.

POST /bench/receive reads an upload's multipart body as the upload route does (the same form
reader, after the same authentication) and discards it: the upload's cost without the codec,
storage and database, measured in the same process as the upload itself.

Everything is imported in :func:`main`: each decode's child process imports this module again
(as the main module of the program), and must not import the web framework to do so.
"""

from __future__ import annotations

import sys
from typing import Any

RECEIVE = "/bench/receive"


def main(argv: list[str]) -> int:
    from litestar import Litestar, post
    from litestar.di import Provide

    import imagecore.app.commands
    from imagecore.adapters.http.forms import UploadForm, read_image_form
    from imagecore.app import cli

    @post(
        RECEIVE,
        status_code=200,
        dependencies={"form": Provide(read_image_form)},
        signature_namespace={"UploadForm": UploadForm},
    )
    async def bare_receive(form: UploadForm) -> dict[str, int]:
        return {"parts": len(form.files)}

    build_app = imagecore.app.commands.build_app

    def with_bare_receive(*args: Any, **options: Any) -> Litestar:
        app = build_app(*args, **options)
        app.register(bare_receive)
        return app

    imagecore.app.commands.build_app = with_bare_receive  # one worker: serve builds it here
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
