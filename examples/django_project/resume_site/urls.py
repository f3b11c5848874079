from django.urls import include, path
from rest_framework_simplejwt.views import TokenObtainPairView

urlpatterns = [
    path("api/token/", TokenObtainPairView.as_view()),  # the site's own sign-in
    path("api/resume/", include("imagecore.adapters.django.urls")),  # imagecore
]
