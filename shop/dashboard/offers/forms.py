"""Oscar's offer wizard forms (P3), guarded where their clean() reads a field that failed its own validation.

Oscar's ConditionForm, BenefitForm and RestrictionsForm index `cleaned_data` directly (custom_condition,
custom_benefit, start_datetime, ...). A field that was refused is missing from it, so a value that is not
one of the choices or not a date answered 500 (KeyError) instead of showing the field's error. Here the
cross-field checks run only when the fields they read were accepted; the field's own error is on the form.
Oscar loads these classes through `get_class("dashboard.offers.forms", ...)`: our dashboard fork's module
comes first, and every class not defined here is Oscar's.
"""

from oscar.apps.dashboard.offers import forms as oscar_forms


def _accepted(form, names) -> bool:
    return all(name in form.cleaned_data for name in names)


class ConditionForm(oscar_forms.ConditionForm):
    def clean(self):
        if not _accepted(self, ["custom_condition"]):
            return self.cleaned_data
        return super().clean()


class BenefitForm(oscar_forms.BenefitForm):
    def clean(self):
        if not _accepted(self, ["custom_benefit"]):
            return self.cleaned_data
        return super().clean()


class RestrictionsForm(oscar_forms.RestrictionsForm):
    def clean(self):
        if not _accepted(self, ["start_datetime", "end_datetime", "exclusive", "combinations"]):
            return self.cleaned_data
        return super().clean()
