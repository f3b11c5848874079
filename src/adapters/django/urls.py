"""The guide's paths and the media files, for one line of the project's URLs::

path("api/resume/", include("imagecore.adapters.django.urls")),
"""

from django.urls import path

from imagecore.adapters.django import views

app_name = "imagecore"

urlpatterns = [
    path("user-images/", views.user_images, name="user-images"),
    path("user-images", views.user_images),
    path("user-images/limits/", views.limits, name="limits"),
    path("user-images/limits", views.limits),
    path("media/<path:key>", views.media, name="media"),
]
