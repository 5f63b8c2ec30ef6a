"""Oscar's dashboard reports, with every CSV cell neutralised against spreadsheet formulas (issue 9).

Not a forked app: Oscar loads `dashboard.reports.reports` classes through
`get_class`, which looks in our forked dashboard package (`shop.dashboard`)
first. Every report's CSV formatter (orders, products, users, baskets,
offers, vouchers) subclasses this `ReportCSVFormatter` and writes through
`get_csv_writer`, so all of them go through `csv_safety`.
"""

from oscar.apps.dashboard.reports import reports as oscar_reports

from shop.billing import csv_safety


class ReportCSVFormatter(oscar_reports.ReportCSVFormatter):
    def get_csv_writer(self, file_handle, **kwargs):
        return csv_safety.SafeWriter(super().get_csv_writer(file_handle, **kwargs))
