"""python -m bench.baseline_server serve ARGS: `imagecore serve`, its app with two routes more,
the baselines `make bench` measures the app's own routes against, in the same process:

- POST /bench/receive reads an upload's multipart body as the upload route does (the same form
  reader, after the same authentication) and discards it: an upload without the codec, storage
  and database;
- GET /bench/static/<key> is Litestar's own static files router over the media folder: the
  same files /media/ serves.

Everything is imported in :func:`main`: each decode's child process imports this module again
(as the main module of the program), and must not import the web framework to do so.
"""

from __future__ import annotations

import sys
from typing import Any

RECEIVE = "/bench/receive"
STATIC = "/bench/static"


def main(argv: list[str]) -> int:
    from litestar import Litestar, Request, post
    from litestar.static_files import create_static_files_router

    import imagecore.app.commands
    from imagecore.adapters.http.forms import read_image_form
    from imagecore.adapters.web.body_budget import BodyBudget
    from imagecore.app import cli
    from imagecore.app.settings import Settings

    bodies = BodyBudget()

    @post(RECEIVE, status_code=200, signature_namespace={"Request": Request})
    async def bare_receive(request: Request[Any, Any, Any]) -> dict[str, int]:
        with bodies.account("bench") as account:
            form = await read_image_form(request, account)
        return {"parts": len(form.files)}

    build_app = imagecore.app.commands.build_app

    def with_baselines(settings: Settings, **options: Any) -> Litestar:
        app = build_app(settings, **options)
        app.register(bare_receive)
        media = settings.data_dir / "media"
        app.register(
            create_static_files_router(STATIC, directories=[media], include_in_schema=False)
        )
        return app

    imagecore.app.commands.build_app = with_baselines  # one worker: serve builds it here
    return cli.main(argv)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
