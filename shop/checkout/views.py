"""The B2B checkout (O2, O3): the basket ordered directly, on one page.

The page shows the basket's lines and totals (after coupons and campaigns,
P3) and the order form; 「注文する」 places the order through
`shop.order.placement.place_from_basket`.
"""

from django.contrib import messages
from django.shortcuts import redirect
from django.views.generic import FormView

from shop.billing import tax
from shop.order import placement
from shop.order.views import OrderFormMixin


class CheckoutView(OrderFormMixin, FormView):
    template_name = "order/checkout.html"

    def dispatch(self, request, *args, **kwargs):
        if request.user.is_authenticated and request.method == "GET" and request.basket.is_empty:
            messages.info(request, "カートに商品がありません。")
            return redirect("basket:summary")
        return super().dispatch(request, *args, **kwargs)

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        basket = self.request.basket
        ctx.update(basket=basket, lines=basket.all_lines(), summary=tax.summarise_basket(basket))
        return ctx

    def place(self, form, details):
        return placement.place_from_basket(
            basket=self.request.basket,
            member=self.member,
            details=details,
            submission_key=form.cleaned_data["submission_key"],
        )
