from django import template

from shop.billing import tax

register = template.Library()


@register.simple_tag
def basket_tax_summary(basket):
    """小計(税抜) / 消費税 per rate / 合計(税込) of a basket, from the one tax module."""
    return tax.summarise_basket(basket)
