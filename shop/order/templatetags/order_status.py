from django import template

from shop.order import status

register = template.Library()


@register.filter
def status_label(value: str) -> str:
    """The Japanese word for an order status (O7)."""
    return status.label(value)
