"""Ordering a quote (Q4), and the company's orders with 「この内容で再度購入」 (O6).

Every lookup goes through the member's company: another company's quote or
order answers 404 (M6).
"""

import uuid

from django.contrib import messages
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.utils.translation import gettext
from django.views import View
from django.views.generic import FormView, TemplateView
from oscar.core.loading import get_model

from shop.approvals import withdrawal
from shop.attachments import services as attachment_services
from shop.companies import credit
from shop.companies.access import MemberRequiredMixin
from shop.quotes.models import Quote
from shop.quotes.services import tax_summary

from . import placement, reorder, status
from .forms import CheckoutForm

Order = get_model("order", "Order")


class OrderFormMixin(MemberRequiredMixin):
    """The order form (O3) and its outcome, shared by the basket checkout and ordering a quote.

    A view using it defines `place(form, details)`, which places the order from its own source.
    """

    form_class = CheckoutForm

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "member": self.member}

    def get_initial(self):
        return {**super().get_initial(), "submission_key": uuid.uuid4()}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["card_allowed"] = placement.card_allowed(self.member)
        ctx["card_not_allowed"] = placement.CARD_NOT_ALLOWED
        ctx["credit_remaining"] = credit.remaining(company=self.company)  # P2: what a deferred invoice can take
        return ctx

    def refused(self, form, refusal, documents):
        """Show the form again with the message; files already uploaded are kept, not asked for again."""
        messages.error(self.request, refusal.message)
        data = self.request.POST.copy()
        data["document_ids"] = ",".join(str(doc.pk) for doc in documents)
        form = self.get_form_class()(data=data, member=self.member)
        return self.render_to_response(self.get_context_data(form=form, kept_documents=documents), status=409)

    def documents(self, form):
        kept = attachment_services.unbound_for(
            company=self.company, user=self.request.user, ids=form.cleaned_data["document_ids"].split(",")
        )
        new = [
            attachment_services.store(uploaded_file=upload, company=self.company, user=self.request.user)
            for upload in form.cleaned_data["documents"]
        ]
        return kept + new

    def form_valid(self, form):
        key = form.cleaned_data["submission_key"]
        if Order.objects.filter(submission_key=key).exclude(company=self.company).exists():
            raise Http404  # the key of another company's order: never answered with that order (M6)
        documents = self.documents(form)
        try:
            order = self.place(form, form.details(attachments=documents))
        except placement.OrderRefused as refusal:
            return self.refused(form, refusal, documents)
        if order.status == status.AWAITING_APPROVAL:
            messages.success(
                self.request, f"ご注文（注文番号 {order.number}）を承認者に回しました。承認後に受付となります。"
            )
        else:
            messages.success(self.request, f"ご注文を受付しました。注文番号は {order.number} です。")
        return redirect("orders:order-detail", number=order.number)


class QuoteOrderView(OrderFormMixin, FormView):
    """「この見積で注文する」: the quote's lines at its prices (Q4), with the order form."""

    template_name = "order/quote_order.html"

    def get_quote(self):
        if not hasattr(self, "_quote"):
            self._quote = get_object_or_404(
                Quote.objects.prefetch_related("lines__product"), number=self.kwargs["number"], company=self.company
            )
        return self._quote

    def get_initial(self):
        quote = self.get_quote()
        return {**super().get_initial(), "for_resale": quote.for_resale, "end_user_name": quote.end_user_name}

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quote = self.get_quote()
        ctx.update(quote=quote, summary=tax_summary(quote), ordered=quote.orders.first())
        return ctx

    def place(self, form, details):
        return placement.place_from_quote(
            quote=self.get_quote(),
            member=self.member,
            details=details,
            submission_key=form.cleaned_data["submission_key"],
        )

    def refused(self, form, refusal, documents):
        if refusal.requote:
            messages.error(self.request, refusal.message)
            return redirect("quotes:quote-detail", number=self.get_quote().number)
        return super().refused(form, refusal, documents)


class OrderListView(MemberRequiredMixin, TemplateView):
    template_name = "order/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["orders"] = (
            Order.objects.filter(company=self.company)
            .select_related("user", "quote")
            .prefetch_related("status_changes")
            .order_by("-date_placed")
        )
        return ctx


class OrderDetailView(MemberRequiredMixin, TemplateView):
    template_name = "order/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["order"] = get_object_or_404(
            Order.objects.select_related("user", "quote").prefetch_related("lines__product", "status_changes"),
            number=self.kwargs["number"],
            company=self.company,
        )
        ctx["can_withdraw"] = withdrawal.can_withdraw(ctx["order"], self.member)  # M7, issue 11
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


class WithdrawView(MemberRequiredMixin, View):
    """POST only: 「注文を取り下げる」 by the member who placed an order still 承認待ち (M7, issue 11).

    Another company's order answers 404 (M6), and so does a colleague's: only the requester may withdraw.
    """

    def post(self, request, number):
        order = get_object_or_404(Order, number=number, company=self.company, user=request.user)
        try:
            withdrawal.withdraw(order=order, by=self.member, reason=request.POST.get("reason", "")[:2000])
        except withdrawal.WithdrawalRefused as refusal:
            messages.error(request, str(refusal))
        else:
            messages.success(
                request,
                gettext("Your order %(number)s has been withdrawn. The approvers have been told.")
                % {"number": order.number},
            )
        return redirect("orders:order-detail", number=order.number)
