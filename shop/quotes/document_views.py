"""見積書 (Q2): the printable page and the PDF of one of the company's quotes."""

from django.shortcuts import get_object_or_404
from django.views import View
from django.views.generic import TemplateView

from shop.billing import pdf
from shop.companies.access import MemberRequiredMixin

from . import document
from .models import Quote


class QuoteDocumentMixin(MemberRequiredMixin):
    def get_quote(self) -> Quote:
        return get_object_or_404(
            Quote.objects.select_related("company").prefetch_related("lines", "discounts"),
            number=self.kwargs["number"],
            company=self.company,
        )


class QuotePrintView(QuoteDocumentMixin, TemplateView):
    template_name = "quotes/print.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        quote = self.get_quote()
        ctx.update(quote=quote, doc=document.content(quote), title=document.TITLE)
        return ctx


class QuotePdfView(QuoteDocumentMixin, View):
    def get(self, request, number):
        quote = self.get_quote()
        return pdf.download(
            document.render_pdf(quote), filename=f"見積書_{quote.number}.pdf", fallback=f"quote_{quote.number}.pdf"
        )
