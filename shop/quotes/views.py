"""「見積履歴」, 見積履歴詳細 and quote creation from the basket (Q1, Q2)."""

import uuid

from django.contrib import messages
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from shop.companies.access import MemberRequiredMixin

from . import services
from .models import Quote


class QuoteCreateView(MemberRequiredMixin, View):
    def post(self, request):
        try:
            key = uuid.UUID(request.POST.get("submission_key", ""))
        except ValueError:
            key = None
        try:
            quote = services.create_from_basket(basket=request.basket, member=self.member, submission_key=key)
        except services.EmptyBasket:
            messages.error(request, "カートに商品がありません。")
            return redirect("basket:summary")
        messages.success(request, f"見積 {quote.number} を作成しました。有効期限は7日間です。")
        return redirect("quotes:quote-detail", number=quote.number)


class QuoteListView(MemberRequiredMixin, TemplateView):
    template_name = "quotes/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["quotes"] = Quote.objects.filter(company=self.company).select_related("created_by")
        return ctx


class QuoteDetailView(MemberRequiredMixin, TemplateView):
    template_name = "quotes/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quote = get_object_or_404(
            Quote.objects.select_related("company", "created_by").prefetch_related("lines"),
            number=self.kwargs["number"],
            company=self.company,
        )
        ctx.update(quote=quote, summary=services.tax_summary(quote))
        return ctx
