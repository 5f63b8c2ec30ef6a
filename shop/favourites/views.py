"""「お気に入り」 pages (C6). Only ever the requester's own list."""

from django.contrib import messages
from django.db import IntegrityError, transaction
from django.http import HttpResponseRedirect
from django.shortcuts import get_object_or_404, redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView
from oscar.core.loading import get_model

from shop.catalogue import selectors
from shop.companies.access import MemberRequiredMixin

from .models import Favourite

Product = get_model("catalogue", "Product")


def _back(request, default="favourites:list"):
    target = request.POST.get("next", "")
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return HttpResponseRedirect(target)  # a URL, never a view name: redirect("abc") would look one up (500)
    return redirect(default)


class FavouriteListView(MemberRequiredMixin, TemplateView):
    template_name = "favourites/list.html"

    def get_context_data(self, **kwargs):
        ctx = super().get_context_data(**kwargs)
        favourites = (
            Favourite.objects.filter(user=self.request.user)
            .select_related("product", "product__maker", "product__product_class")
            .prefetch_related("product__stockrecords")
        )
        ctx["favourites"] = favourites
        return ctx


class FavouriteAddView(MemberRequiredMixin, View):
    def post(self, request, product_pk):
        product = get_object_or_404(selectors.on_sale(), pk=product_pk)
        try:
            with transaction.atomic():
                _, created = Favourite.objects.get_or_create(user=request.user, product=product)
        except IntegrityError:  # a double click racing itself: the first one won
            created = False
        if created:
            messages.success(request, f"「{product.title}」をお気に入りに追加しました。")
        return _back(request)


class FavouriteRemoveView(MemberRequiredMixin, View):
    def post(self, request, product_pk):
        deleted, _ = Favourite.objects.filter(user=request.user, product_id=product_pk).delete()
        if deleted:
            messages.success(request, "お気に入りから削除しました。")
        return _back(request)
