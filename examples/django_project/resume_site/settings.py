"""The settings of a résumé site, as a Django project with DRF and simplejwt has them; the lines
imagecore adds are marked."""

import os
from pathlib import Path

DATA = Path(os.environ.get("SITE_DATA", Path(__file__).resolve().parents[1] / "var"))
SECRET_KEY = os.environ.get("SECRET_KEY", "change-me-to-a-long-random-secret-of-32-chars")
DEBUG = os.environ.get("DEBUG") == "1"
ALLOWED_HOSTS = ["127.0.0.1", "localhost"]
ROOT_URLCONF = "resume_site.urls"
WSGI_APPLICATION = "resume_site.wsgi.application"
USE_TZ = True
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

INSTALLED_APPS = [
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "rest_framework",
    "imagecore.adapters.django",  # imagecore
]
MIDDLEWARE = ["django.middleware.common.CommonMiddleware"]
DATABASES = {"default": {"ENGINE": "django.db.backends.sqlite3", "NAME": DATA / "db.sqlite3"}}
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA / "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": ["rest_framework_simplejwt.authentication.JWTAuthentication"]
}
IMAGECORE = {"MAX_UPLOAD_BYTES": 10 * 2**20}  # imagecore: every other setting as it comes
