"""`__in` on an integer column (a pk) with a number beyond the database's integers matches nothing, as `=` does.

Django answers `filter(pk=10**30)` with no rows (its IntegerFieldOverflow lookups) but not
`filter(pk__in=[10**30])`: SQLite raises OverflowError ("Python int too large to convert to SQLite
INTEGER"). ModelMultipleChoiceField checks the submitted ids with such a query, so a staff form with
a multiple choice (a voucher's offers, a range's categories, an offer's combinations) answered 500 to
a huge id (issue 9). Such a value can never equal a stored one: it is left out of the list, and a list
left empty matches nothing. Registered on IntegerField (so every integer and auto field) by
`shop.dashboard.apps.DashboardConfig.ready`.
"""

from django.core.exceptions import EmptyResultSet
from django.db.models import IntegerField
from django.db.models.lookups import In


class IntegerFieldIn(In):
    def batch_process_rhs(self, compiler, connection, rhs=None):
        rhs = self.rhs if rhs is None else rhs
        if self.rhs_is_direct_value():
            low, high = connection.ops.integer_field_range(self.lhs.output_field.get_internal_type())
            rhs = [
                value
                for value in rhs
                if not isinstance(value, int) or ((low is None or value >= low) and (high is None or value <= high))
            ]
            if not rhs:
                raise EmptyResultSet
        return super().batch_process_rhs(compiler, connection, rhs)


def register() -> None:
    IntegerField.register_lookup(IntegerFieldIn)
