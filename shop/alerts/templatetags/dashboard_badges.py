"""Count badges in the dashboard menu (issue 10): open staff alerts, dead emails, ...

An entry of OSCAR_DASHBOARD_NAVIGATION may name a counting function under
"badge" (a dotted path returning an int, one COUNT query); the menu
(templates/oscar/dashboard/layout.html) shows the number beside the label when
it is not zero. Entries are shown only to whom may open them, so only they pay
for the count.
"""

from __future__ import annotations

import logging

from django import template
from django.conf import settings
from django.utils.html import format_html
from django.utils.module_loading import import_string

register = template.Library()
logger = logging.getLogger(__name__)


def badge_functions(items=None) -> dict[str, str]:
    """url_name -> dotted path of its count, from OSCAR_DASHBOARD_NAVIGATION (children included)."""
    found: dict[str, str] = {}
    for item in settings.OSCAR_DASHBOARD_NAVIGATION if items is None else items:
        if item.get("url_name") and item.get("badge"):
            found[item["url_name"]] = item["badge"]
        found.update(badge_functions(item.get("children", [])))
    return found


@register.simple_tag
def nav_badge(node) -> str:
    url_name = getattr(node, "url_name", None)
    path = badge_functions().get(url_name) if url_name else None
    if not path:
        return ""
    try:
        count = import_string(path)()
    except Exception:  # a broken counter must not take the whole dashboard down
        logger.exception("dashboard badge %s failed", path)
        return ""
    if not count:
        return ""
    return format_html(' <span class="badge badge-pill badge-danger" data-nav-badge="{}">{}</span>', url_name, count)
