from oscar.apps.order.admin import *  # noqa: F401,F403
