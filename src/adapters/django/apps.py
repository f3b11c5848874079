"""The app's configuration: where the guide's API over the project's settings is built, once,
when first asked for."""

from __future__ import annotations

import threading
from typing import TYPE_CHECKING, Any

from django.apps import AppConfig, apps
from django.core.signals import setting_changed

if TYPE_CHECKING:
    from imagecore.adapters.django.conf import Service


class ImageCoreConfig(AppConfig):
    name = "imagecore.adapters.django"
    label = "imagecore"
    verbose_name = "Profile and cover images"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        self._service: Service | None = None
        self._lock = threading.Lock()
        setting_changed.connect(self._forget, dispatch_uid="imagecore-settings")

    def service(self) -> Service:
        """The service, the web layer's API and its URLs, built from the settings on first use
        (a codec's processes start only when a request or command needs them)."""
        with self._lock:
            if self._service is None:
                from imagecore.adapters.django.conf import build

                self._service = build()
            return self._service

    def _forget(self, setting: str, **kwargs: Any) -> None:
        if setting in ("IMAGECORE", "STORAGES", "CACHES", "MEDIA_URL"):
            with self._lock:
                if self._service is not None:
                    self._service.close()
                self._service = None


def service() -> Service:
    config = apps.get_app_config("imagecore")
    assert isinstance(config, ImageCoreConfig)
    return config.service()
