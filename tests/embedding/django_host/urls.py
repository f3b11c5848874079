from django.http import HttpRequest, JsonResponse
from django.urls import include, path
from django.views.decorators.csrf import csrf_exempt


@csrf_exempt
def sign_in(request: HttpRequest, name: str) -> JsonResponse:
    """The host's own sign-in, for the tests: the user ``name`` (made if need be) and an
    access token of theirs."""
    from django.contrib.auth import get_user_model
    from rest_framework_simplejwt.tokens import AccessToken

    user, _ = get_user_model().objects.get_or_create(username=name)
    return JsonResponse({"id": str(user.pk), "access": str(AccessToken.for_user(user))})


urlpatterns = [
    path("sign-in/<str:name>", sign_in),
    path("api/resume/", include("imagecore.adapters.django.urls")),
]
