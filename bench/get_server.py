"""python -m bench.get_server PORT: the app on two workers, as `imagecore serve --workers 2` does.

Started directly rather than through `serve`, which keeps the in-memory repository to one worker:
the GET run measures it on two like the others (every worker answers from its own memory).
"""

from __future__ import annotations

import logging.config
import sys

import uvicorn

from imagecore.app.server import log_config
from imagecore.app.settings import Settings
from imagecore.app.tokens import token_policy


def main() -> None:
    settings = Settings.from_env()
    config = log_config(settings.log_level)
    logging.config.dictConfig(config)
    token_policy(settings)  # creates the secret before the workers start, as serve does
    uvicorn.run(
        "imagecore.app.server:asgi_app",
        factory=True,
        workers=2,
        host="127.0.0.1",
        port=int(sys.argv[1]),
        loop="uvloop",
        http="httptools",
        log_config=config,
        access_log=False,
        log_level=settings.log_level.lower(),
    )


if __name__ == "__main__":
    main()
