from django import template

from shop.order import contracts

register = template.Library()


@register.filter
def contract_lines(order) -> list:
    """The licence lines of a contracted order, which carry a contract period (O6)."""
    if order.status in contracts.NOT_CONTRACTED:
        return []
    return contracts.lines_with_period(order)
