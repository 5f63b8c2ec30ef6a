"""Oscar's 「あとで買う」 (saved basket) form, refusing line ids that are not the member's own (M6).

Oscar's SavedView builds a form for every posted line id; for an id outside
the requester's saved basket the form has an empty line, and its `clean()`
reads that line's product, which answers 500. Here such a form is refused
with a message, and nothing is moved or deleted. The view is mounted on
Oscar's own path ahead of Oscar's URLs (config/urls.py), so
`reverse("basket:saved")` still leads to it.
"""

from __future__ import annotations

from django import forms
from django.forms import modelformset_factory
from django.utils.translation import gettext_lazy as _
from oscar.apps.basket.forms import SavedLineForm as OscarSavedLineForm
from oscar.apps.basket.formsets import BaseSavedLineFormSet
from oscar.apps.basket.views import SavedView as OscarSavedView
from oscar.core.loading import get_model

Line = get_model("basket", "Line")


class SavedLineForm(OscarSavedLineForm):
    def clean(self):
        if self.instance.pk is None or "id" in self.errors:
            raise forms.ValidationError(_("This item is no longer in your saved list."))
        return super().clean()

    def clean_move_to_basket(self):
        # Django does not validate a form marked for deletion, yet Oscar's view still moves it to the basket:
        # only a line of the member's own saved list may move (a foreign or empty line crashed the merge, 500)
        return self.cleaned_data["move_to_basket"] and self.instance.pk is not None


SavedLineFormSet = modelformset_factory(
    Line, form=SavedLineForm, formset=BaseSavedLineFormSet, extra=0, can_delete=True
)


class SavedView(OscarSavedView):
    form_class = SavedLineForm
    formset_class = SavedLineFormSet
