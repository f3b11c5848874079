"""The Django host of the bench: DRF with simplejwt, as the guide's app had, imagecore's app on
its defaults (decodes isolated, their slots shared by every worker), rate limits off, on SQLite
and files under BENCH_DIR. As a team would run it in production, and as the DRF yardstick
checks tokens: simplejwt's stateless authentication (no user query per request), and database
connections kept between requests."""

import os
from pathlib import Path

DIR = Path(os.environ["BENCH_DIR"])
SECRET_KEY = os.environ["BENCH_SECRET"]
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "bench.django_host.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "imagecore.adapters.django",
]
MIDDLEWARE: list[str] = []
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DIR / "db.sqlite3",
        "OPTIONS": {"init_command": "PRAGMA journal_mode=WAL;", "timeout": 20},
        "CONN_MAX_AGE": 600,
    }
}
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DIR / "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTStatelessUserAuthentication"
    ]
}
SIMPLE_JWT = {"SIGNING_KEY": SECRET_KEY, "ALGORITHM": "HS256"}
IMAGECORE = {"RATE_LIMITS": None, "DECODE_LOCKS_DIR": str(DIR / "locks")}
