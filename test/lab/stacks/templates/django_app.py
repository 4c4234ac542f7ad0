# Django + django-cors-headers in one file, the lab's Django app. The named slots are filled per scenario.
import os
import sys

from django.conf import settings

# --- the app's CORS settings (INSTALLED_APPS, MIDDLEWARE and CORS_* are set here) ---
INSTALLED_APPS = ["corsheaders"]
MIDDLEWARE = [
    "corsheaders.middleware.CorsMiddleware",
    "django.middleware.common.CommonMiddleware",
]
# --- other settings (a scenario may reorder MIDDLEWARE here) ---
{{app_middleware}}
# --- the CORS settings ---
{{app_cors}}

settings.configure(
    DEBUG=False,
    ALLOWED_HOSTS=["*"],
    ROOT_URLCONF=__name__,
    SECRET_KEY="lab",
    INSTALLED_APPS=INSTALLED_APPS,
    MIDDLEWARE=MIDDLEWARE,
    **{k: v for k, v in dict(globals()).items() if k.startswith("CORS_")},
)

from django.http import JsonResponse  # noqa: E402
from django.urls import path  # noqa: E402
from django.views.decorators.csrf import csrf_exempt  # noqa: E402


@csrf_exempt
def items(request):
    return JsonResponse({"ok": True, "method": request.method})


urlpatterns = [path("api/items/", items)]

if __name__ == "__main__":
    from django.core.management import execute_from_command_line

    execute_from_command_line([sys.argv[0], "runserver", f"127.0.0.1:{os.environ['PORT']}", "--noreload", "--nothreading"])
