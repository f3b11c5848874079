"""The composition root: settings, wiring and the ``imagecore`` command."""
