"""A Django project with DRF and djangorestframework-simplejwt, as the guide's own app had, with
imagecore's app on the settings the guide's contract asks for (HOST_SETTINGS).

Its files and SQLite database are under HOST_DIR; with HOST_POSTGRES_SCHEMA set, its database is
that schema of the test PostgreSQL database instead.
"""

import os
from pathlib import Path

HOST_DIR = Path(os.environ.get("HOST_DIR", "var/django-host"))
SECRET_KEY = "a-secret-the-contract-hosts-share-32+"
DEBUG = False
ALLOWED_HOSTS = ["*"]
USE_TZ = True
ROOT_URLCONF = "tests.embedding.django_host.urls"
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "rest_framework",
    "imagecore.adapters.django",
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]

if os.environ.get("HOST_POSTGRES_SCHEMA"):
    DATABASES = {
        "default": {
            "ENGINE": "django.db.backends.postgresql",
            "NAME": "test",
            "USER": "postgres",
            "HOST": "127.0.0.1",
            "PORT": "5432",
            "OPTIONS": {"options": f"-c search_path={os.environ['HOST_POSTGRES_SCHEMA']}"},
        }
    }
else:
    DATABASES = {
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": HOST_DIR / "db.sqlite3"}
    }
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": HOST_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "rest_framework_simplejwt.authentication.JWTAuthentication",
    ],
}
SIMPLE_JWT = {"SIGNING_KEY": SECRET_KEY, "ALGORITHM": "HS256"}

IMAGECORE = {
    "MAX_UPLOAD_BYTES": 2**20,
    "BODY_MEMORY_PER_ADDRESS": 512 * 2**10,
    # The contract's limits state no decode budget; isolation has tests of its own.
    "ISOLATE_DECODES": False,
    "RATE_LIMITS": {"per_user": {"delete": (4, 3600)}, "per_address": {}},
}
