"""The API guide's GET in Django REST Framework: the yardstick of the GET run, as a team on
Django would write it (a view, a serializer, bearer tokens checked with PyJWT, SQLite), served
by gunicorn's sync workers.

gunicorn bench.drf_app:application, with DRF_DATABASE (a SQLite file it creates and fills with
one user's images) and DRF_JWT_SECRET set.
"""

from __future__ import annotations

import os
import sqlite3
from typing import Any

import django
import jwt
from django.conf import settings

settings.configure(
    DEBUG=False,
    SECRET_KEY="bench",
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    MIDDLEWARE=["django.middleware.common.CommonMiddleware"],
    INSTALLED_APPS=["rest_framework"],
    DATABASES={
        "default": {"ENGINE": "django.db.backends.sqlite3", "NAME": os.environ["DRF_DATABASE"]}
    },
    REST_FRAMEWORK={
        "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
        "UNAUTHENTICATED_USER": None,
    },
)
django.setup()

from django.core.wsgi import get_wsgi_application  # noqa: E402
from django.db import connection  # noqa: E402
from django.urls import path  # noqa: E402
from rest_framework import serializers  # noqa: E402
from rest_framework.authentication import BaseAuthentication  # noqa: E402
from rest_framework.exceptions import AuthenticationFailed  # noqa: E402
from rest_framework.permissions import IsAuthenticated  # noqa: E402
from rest_framework.request import Request  # noqa: E402
from rest_framework.response import Response  # noqa: E402
from rest_framework.views import APIView  # noqa: E402

DEFAULT = "/media/resume/defaults/profile.png"
TABLE = "user_images"


class TokenUser:
    is_authenticated = True

    def __init__(self, subject: str) -> None:
        self.subject = subject


class BearerAuthentication(BaseAuthentication):
    def authenticate(self, request: Request) -> tuple[TokenUser, None] | None:
        scheme, _, token = request.headers.get("Authorization", "").partition(" ")
        if scheme.lower() != "bearer" or not token:
            return None
        try:
            claims = jwt.decode(token, os.environ["DRF_JWT_SECRET"], algorithms=["HS256"])
        except jwt.InvalidTokenError as error:
            raise AuthenticationFailed(str(error)) from error
        return TokenUser(str(claims["sub"])), None


class ImagesSerializer(serializers.Serializer[Any]):
    profile_image = serializers.CharField()
    cover_image = serializers.CharField(allow_null=True)


class UserImagesView(APIView):
    authentication_classes = (BearerAuthentication,)
    permission_classes = (IsAuthenticated,)

    def get(self, request: Request) -> Response:
        with connection.cursor() as cursor:
            cursor.execute(
                f"SELECT profile_image, cover_image FROM {TABLE} WHERE user_id = %s",
                [request.user.subject],
            )
            row = cursor.fetchone() or (None, None)
        images = {"profile_image": row[0] or DEFAULT, "cover_image": row[1]}
        return Response({"images": ImagesSerializer(images).data})


urlpatterns = [path("api/resume/user-images/", UserImagesView.as_view())]


def _fill(database: str) -> None:
    with sqlite3.connect(database) as db:
        db.execute(
            f"CREATE TABLE IF NOT EXISTS {TABLE} "
            "(user_id TEXT PRIMARY KEY, profile_image TEXT, cover_image TEXT)"
        )
        db.execute(
            f"INSERT OR REPLACE INTO {TABLE} VALUES "
            "('bench', '/media/resume/images/profile_bench_1.jpg', NULL)"
        )


_fill(os.environ["DRF_DATABASE"])
application = get_wsgi_application()
