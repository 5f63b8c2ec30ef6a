"""The project's URLs plus a bare view, which runs through the full middleware stack."""

from django.http import HttpResponse
from django.urls import path

from config.urls import urlpatterns as project_urlpatterns


def bare(request):
    return HttpResponse("ok", content_type="text/plain")


urlpatterns = [path("_bench/bare/", bare, name="bench-bare")] + project_urlpatterns
