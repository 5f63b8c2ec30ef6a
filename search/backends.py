"""Haystack's Whoosh backend with a Japanese-aware schema.

Only the Whoosh schema is changed here; the index definitions in
`search_indexes.py` and the views use plain haystack APIs, so Solr or
Elasticsearch run the same code by settings alone (their own analyzers,
e.g. kuromoji or CJK bigrams, are configured in their schema).
"""

from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.fields import FacetField
from whoosh.fields import ID, NUMERIC, TEXT

from .analyzers import JapaneseAnalyzer


class JapaneseWhooshSearchBackend(WhooshSearchBackend):
    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        for field_class in fields.values():
            name = field_class.index_fieldname
            if field_class.is_multivalued:
                continue
            if isinstance(field_class, FacetField):
                # exact values: filters, facets and sorting (a column for speed)
                new = ID(stored=True, sortable=True)
            elif field_class.field_type in ("integer", "float"):
                numtype = int if field_class.field_type == "integer" else float
                new = NUMERIC(stored=True, numtype=numtype, sortable=True, bits=64)
            elif field_class.field_type in ("string", "text", None) or field_class.document:
                new = TEXT(
                    analyzer=JapaneseAnalyzer(),
                    phrase=True,
                    stored=not field_class.document,
                    multitoken_query="phrase",
                    field_boost=field_class.boost,
                )
            else:
                continue
            schema.remove(name)
            schema.add(name, new)
        return content_field_name, schema


class JapaneseWhooshEngine(WhooshEngine):
    backend = JapaneseWhooshSearchBackend
