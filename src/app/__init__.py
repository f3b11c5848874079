"""The composition root: settings, wiring, the HTTP service and the ``imagecore`` command."""

from importlib.metadata import PackageNotFoundError, version


def package_version() -> str:
    """The installed distribution's version."""
    try:
        return version("imagecore")
    except PackageNotFoundError:
        return "0+unknown"
