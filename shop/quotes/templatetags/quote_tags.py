import uuid

from django import template

register = template.Library()


@register.simple_tag
def new_submission_key() -> str:
    """A fresh key per rendered form: resubmitting the same form never makes a second quote."""
    return str(uuid.uuid4())
