"""Idle sessions end (M10): after KOBAI_SESSION_IDLE_SECONDS without a request.

The time of the last request is kept in the session and written at most once
a minute, so an active buyer does not cost a session write per request. An
idle session is logged out and the next page goes to login, which says why.
"""

from __future__ import annotations

import time
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth import logout
from django.shortcuts import redirect
from django.urls import reverse

KEY = "last_seen"
WRITE_EVERY = 60


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            now = int(time.time())
            last_seen = request.session.get(KEY)
            if last_seen is not None and now - last_seen > settings.KOBAI_SESSION_IDLE_SECONDS:
                logout(request)
                login = reverse("customer:login")
                query = {"expired": "1"}
                if request.method == "GET":
                    query["next"] = request.get_full_path()
                return redirect(f"{login}?{urlencode(query)}")
            if last_seen is None or now - last_seen >= WRITE_EVERY:
                request.session[KEY] = now
        return self.get_response(request)
