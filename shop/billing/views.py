"""The buyer's downloads of an order's qualified documents (P5): 納品書 兼 注文請書 and 請求書.

Scoped to the member's company like every buyer page (M6): another company's
order answers 404. Before delivery / contract start there is no document,
so the answer is 404 too, and nothing is issued.
"""

from django.http import Http404
from django.shortcuts import get_object_or_404
from django.views import View
from oscar.core.loading import get_model

from shop.companies.access import MemberRequiredMixin

from . import documents, pdf

Order = get_model("order", "Order")


class OrderDocumentDownloadView(MemberRequiredMixin, View):
    kind: str = ""

    def get(self, request, number):
        order = get_object_or_404(
            Order.objects.select_related("company").prefetch_related("lines__product", "status_changes"),
            number=number,
            company=self.company,
        )
        try:
            issued, data = documents.render_pdf(order=order, kind=self.kind)
        except documents.NotIssuable as not_yet:
            raise Http404 from not_yet
        filename, fallback = documents.filenames(issued)
        return pdf.download(data, filename=filename, fallback=fallback)
