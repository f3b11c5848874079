"""Running uvicorn with the guarded protocol, as ``uvicorn.run`` would: one process, or a
supervisor and its workers."""

from __future__ import annotations

import contextlib
import resource
import signal
from typing import Any

import uvicorn
from uvicorn.supervisors import Multiprocess

from imagecore.app.connections import ConnectionLimits, OpenConnections
from imagecore.app.protocol import GuardedProtocol
from imagecore.app.server import return_memory_promptly


class GuardedConfig(uvicorn.Config):
    """uvicorn's configuration, with the guarded protocol and its limits (which reach every
    worker process with the configuration itself)."""

    def __init__(self, app: Any, *, connection_limits: ConnectionLimits, **options: Any) -> None:
        # No WebSockets: the app has no such route, and an upgraded connection would leave the
        # guarded protocol (and its count) behind.
        super().__init__(app, http=GuardedProtocol, ws="none", **options)
        self.connection_limits = connection_limits
        self.open_connections = OpenConnections()


def run(config: GuardedConfig) -> bool:
    """What ``uvicorn.run`` does, for a configuration made here; whether the server started."""
    _allow_open_files()
    return_memory_promptly()
    server = uvicorn.Server(config)
    # uvicorn stops on SIGTERM as on SIGINT, then raises the signal again with the handler it
    # found: with the default one, the process would end there, before its caller closes what
    # it opened (the codec and its decode processes among them).
    previous = signal.signal(signal.SIGTERM, _interrupt)
    try:
        if config.workers > 1:
            Multiprocess(config, sockets=[config.bind_socket()]).run()
            return True
        server.run()
    except KeyboardInterrupt:
        pass
    finally:
        signal.signal(signal.SIGTERM, previous)
    return server.started


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def _allow_open_files() -> None:
    """Raise the open-file limit to its ceiling, so that the connection caps, not the file
    descriptors, are what limit connections."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY or soft < hard:
        with contextlib.suppress(ValueError, OSError):
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
