"""The API guide's routes for a Starlette or FastAPI app, with no Litestar.

``image_routes(...)`` gives the routes (the guide's paths and the media files), the lifespan to
run in the host's own, and, for FastAPI, :meth:`ImageRoutes.api_router`, which shows the API in
FastAPI's ``/docs``. Who asks is the host's to say, with an async callable from the request to
a user id or None (or raising NotSignedIn, saying why), or a SignedIn with the user's display
name, for initials on a default avatar. Everything else is the framework-free
web layer's, so the answers are the standalone service's, byte for byte.
"""

from imagecore.adapters.starlette.routes import Identity, ImageRoutes, image_routes
from imagecore.adapters.web.errors import NotSignedIn
from imagecore.adapters.web.signed_in import SignedIn

__all__ = ["Identity", "ImageRoutes", "NotSignedIn", "SignedIn", "image_routes"]
