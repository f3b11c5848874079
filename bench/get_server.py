"""python -m bench.get_server PORT: the app on two workers, as `imagecore serve --workers 2` does.

Started directly rather than through `serve`, which keeps the in-memory repository to one worker:
the GET run measures it on two like the others (every worker answers from its own memory).
"""

from __future__ import annotations

import logging
import sys

import uvicorn
from imagecore.app.bootstrap import token_policy
from imagecore.app.settings import Settings


def main() -> None:
    settings = Settings.from_env()
    logging.basicConfig(
        level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    token_policy(settings)  # creates the secret before the workers start, as serve does
    uvicorn.run(
        "imagecore.app.bootstrap:asgi_app",
        factory=True,
        workers=2,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level=settings.log_level.lower(),
    )


if __name__ == "__main__":
    main()
