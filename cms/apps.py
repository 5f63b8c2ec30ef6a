from django.apps import AppConfig


class CmsConfig(AppConfig):
    name = "cms"
    label = "cms"
    verbose_name = "CMS"

    def ready(self):
        _neutralise_wagtail_csv_exports()


def _neutralise_wagtail_csv_exports() -> None:
    """Wagtail's CSV exports (reports, listings, form submissions typed by visitors) go through our CSV rule.

    Every CSV the site hands out must neutralise cells that a spreadsheet would
    run as a formula (shop/billing/csv_safety.py). Wagtail builds each CSV cell
    in `SpreadsheetExportMixin.preprocess_field_value`; its XLSX export is
    already safe, so only the CSV format is wrapped.
    """
    from wagtail.admin.views.mixins import SpreadsheetExportMixin

    from shop.billing import csv_safety

    original = SpreadsheetExportMixin.preprocess_field_value
    if getattr(original, "kobai_csv_safe", False):
        return

    def preprocess_field_value(self, field, value, export_format):
        processed = original(self, field, value, export_format)
        return csv_safety.cell(processed) if export_format == self.FORMAT_CSV else processed

    preprocess_field_value.kobai_csv_safe = True
    SpreadsheetExportMixin.preprocess_field_value = preprocess_field_value
