from django import template

from .. import card

register = template.Library()


@register.simple_tag
def card_tokenize_url() -> str:
    return card.tokenize_url()


@register.simple_tag
def card_public_key() -> str:
    return card.public_key()
