"""Ordering a quote (Q4), and the company's orders with 「この内容で再度購入」 (O6).

Every lookup goes through the member's company: another company's quote or
order answers 404 (M6).
"""

import uuid

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import FormView, TemplateView
from oscar.core.loading import get_model

from shop.companies.access import MemberRequiredMixin
from shop.quotes.models import Quote
from shop.quotes.services import tax_summary

from . import placement, reorder
from .forms import OrderFromQuoteForm

Order = get_model("order", "Order")


class QuoteOrderView(MemberRequiredMixin, FormView):
    """「この見積で注文する」: the quote's lines at its prices, plus PO number, comment and resale."""

    template_name = "order/quote_order.html"
    form_class = OrderFromQuoteForm

    def get_quote(self):
        if not hasattr(self, "_quote"):
            self._quote = get_object_or_404(
                Quote.objects.prefetch_related("lines"), number=self.kwargs["number"], company=self.company
            )
        return self._quote

    def get_initial(self):
        quote = self.get_quote()
        return {
            "submission_key": uuid.uuid4(),
            "for_resale": quote.for_resale,
            "end_user_name": quote.end_user_name,
        }

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quote = self.get_quote()
        ctx.update(quote=quote, summary=tax_summary(quote), ordered=quote.orders.first())
        return ctx

    def form_valid(self, form):
        quote = self.get_quote()
        details = placement.OrderDetails(
            purchase_order_number=form.cleaned_data["purchase_order_number"],
            comment=form.cleaned_data["comment"],
            for_resale=form.cleaned_data["for_resale"],
            end_user_name=form.cleaned_data["end_user_name"],
        )
        try:
            order = placement.place_from_quote(
                quote=quote, member=self.member, details=details, submission_key=form.cleaned_data["submission_key"]
            )
        except placement.OrderRefused as refusal:
            messages.error(self.request, refusal.message)
            return redirect("quotes:quote-detail", number=quote.number)
        messages.success(self.request, f"ご注文を受付しました。注文番号は {order.number} です。")
        return redirect("orders:order-detail", number=order.number)


class OrderListView(MemberRequiredMixin, TemplateView):
    template_name = "order/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["orders"] = (
            Order.objects.filter(company=self.company).select_related("user", "quote").order_by("-date_placed")
        )
        return ctx


class OrderDetailView(MemberRequiredMixin, TemplateView):
    template_name = "order/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["order"] = get_object_or_404(
            Order.objects.select_related("user", "quote").prefetch_related("lines"),
            number=self.kwargs["number"],
            company=self.company,
        )
        return ctx


class ReorderView(MemberRequiredMixin, View):
    """「この内容で再度購入」: the same lines into the basket, skipping what cannot be re-ordered."""

    def post(self, request, number):
        order = get_object_or_404(Order, number=number, company=self.company)
        outcome = reorder.reorder_into(order=order, basket=request.basket)
        for message in outcome.skipped:
            messages.warning(request, message)
        if outcome.added:
            messages.success(request, f"{len(outcome.added)}件の商品をカートに追加しました。")
            return redirect("basket:summary")
        messages.error(request, "カートに追加できる商品がありませんでした。")
        return redirect("orders:order-detail", number=order.number)
