"""End of sale (C5): a product past its `sale_ends_at` is no longer sold.

It leaves the catalogue and search (list queries filter on it; `manage.py
end_sales`, run hourly, removes ended products from the index), cannot be
added or ordered (the pricing strategy reports it unavailable), and leaves
every basket the next time its owner loads a page, with a message naming it.
"""

from __future__ import annotations

from django.utils import timezone
from oscar.core.loading import get_model

Product = get_model("catalogue", "Product")


def remove_ended_lines(basket) -> list[str]:
    """Delete the basket's lines whose product has ended; returns their titles."""
    ended = [line for line in basket.all_lines() if line.product and line.product.is_sale_ended]
    for line in ended:
        line.delete()
    if ended:
        basket.reset_offer_applications()
        basket._lines = None
    return [line.product.get_title() for line in ended]


def ended_product_ids() -> list[int]:
    return list(Product.objects.filter(sale_ends_at__lte=timezone.now()).values_list("pk", flat=True))
