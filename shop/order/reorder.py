"""「この内容で再度購入」 (O6): put an order's lines back into the basket.

Skipped, each with a message naming it: lines from a custom quote (Q5: their
price and content were agreed for that order only), products no longer sold
(C5), and anything the basket refuses (e.g. 事前申請 products).
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class Outcome:
    added: list[str] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def reorder_into(*, order, basket) -> Outcome:
    outcome = Outcome()
    for line in order.lines.select_related("product"):
        product = line.product
        if line.from_custom_quote:
            outcome.skipped.append(f"「{line.title}」は個別見積の品目のため、再度購入できません。")
            continue
        if product is None or product.is_sale_ended:
            outcome.skipped.append(f"「{line.title}」は販売終了のため、カートに追加できません。")
            continue
        info = basket.strategy.fetch_for_product(product)
        allowed, reason = info.availability.is_purchase_permitted(line.quantity)
        if not allowed:
            outcome.skipped.append(f"「{line.title}」はカートに追加できません（{reason}）。")
            continue
        basket.add_product(product, line.quantity)
        outcome.added.append(line.title)
    return outcome
