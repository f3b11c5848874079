"""The composition root: settings, wiring, the HTTP service and the ``imagecore`` command."""


def package_version() -> str:
    """The installed distribution's version."""
    # Imported here: every decode's child process imports the `imagecore` script's module again,
    # and importlib.metadata would be most of what that costs it.
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("imagecore")
    except PackageNotFoundError:
        return "0+unknown"
