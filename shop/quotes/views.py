"""「見積履歴」, 見積履歴詳細, quote creation from the basket and 「再見積」 (Q1–Q3, Q6)."""

import uuid

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect
from django.views import View
from django.views.generic import TemplateView

from shop.companies.access import MemberRequiredMixin

from . import services
from .models import Quote


def _submission_key(request):
    try:
        return uuid.UUID(request.POST.get("submission_key", ""))
    except ValueError:
        return None


def _own_submission_key(request, company):
    """The form's key; the key of another company's quote answers 404, never that quote (M6)."""
    key = _submission_key(request)
    if key is not None and Quote.objects.filter(submission_key=key).exclude(company=company).exists():
        raise Http404
    return key


class QuoteCreateView(MemberRequiredMixin, View):
    def post(self, request):
        try:
            quote = services.create_from_basket(
                basket=request.basket,
                member=self.member,
                submission_key=_own_submission_key(request, self.company),
                for_resale=request.POST.get("for_resale") == "1",
                end_user_name=request.POST.get("end_user_name", "")[:200],
            )
        except services.EmptyBasket:
            messages.error(request, "カートに商品がありません。")
            return redirect("basket:summary")
        except services.VoucherUnavailable as refusal:
            messages.error(request, refusal.message)
            return redirect("basket:summary")
        except ValidationError as error:
            for message in error.messages:
                messages.error(request, message)
            return redirect("basket:summary")
        messages.success(request, f"見積 {quote.number} を作成しました。有効期限は7日間です。")
        return redirect("quotes:quote-detail", number=quote.number)


class RequoteView(MemberRequiredMixin, View):
    """「再見積」 (Q3): a new quote at today's prices for an expired (or any) quote of the company."""

    def post(self, request, number):
        quote = get_object_or_404(Quote, number=number, company=self.company)
        try:
            new, skipped, dropped = services.requote(
                quote=quote, member=self.member, submission_key=_own_submission_key(request, self.company)
            )
        except services.NothingToRequote as refusal:
            messages.error(request, str(refusal))
            return redirect("quotes:quote-detail", number=quote.number)
        for name in skipped:
            messages.warning(request, f"「{name}」は販売終了のため、再見積に含めていません。")
        for note in dropped:
            messages.warning(request, note)
        messages.success(request, f"本日の価格で見積 {new.number} を作成しました（{quote.number} の再見積）。")
        return redirect("quotes:quote-detail", number=new.number)


class QuoteListView(MemberRequiredMixin, TemplateView):
    template_name = "quotes/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        ctx["quotes"] = (
            Quote.objects.filter(company=self.company)
            .select_related("created_by")
            .annotate(order_count=Count("orders"))
        )
        return ctx


class QuoteDetailView(MemberRequiredMixin, TemplateView):
    template_name = "quotes/detail.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quote = get_object_or_404(
            Quote.objects.select_related("company", "created_by").prefetch_related("lines", "discounts"),
            number=self.kwargs["number"],
            company=self.company,
        )
        ctx.update(quote=quote, summary=services.tax_summary(quote), ordered=quote.orders.first())
        return ctx
