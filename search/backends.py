"""Haystack's Whoosh backend with a Japanese-aware schema and a lean search path.

Only Whoosh-specific code lives here; the index definitions in
`search_indexes.py` and the queries in `queries.py` use plain haystack APIs, so
Solr or Elasticsearch run the same code by settings alone (their own analyzers,
e.g. kuromoji or CJK bigrams, are configured in their schema).

Why `search` is rewritten: haystack's Whoosh `search` opens a new searcher per
query, runs every narrowing filter as a separate full search, and counts facets
by scoring and grouping every matching document. Whoosh is pure Python, so each
of those costs time per matching document. Here one searcher per thread is kept
and refreshed only when the index changed, filters are part of the query, the
page is found with Whoosh's block-skipping top-N search, and the total and the
facet counts come from the unscored set of matching documents and the facet
fields' columns.
"""

from __future__ import annotations

import os
import threading
from bisect import bisect_left
from collections import Counter

from django.utils.encoding import force_str
from haystack.backends.whoosh_backend import WhooshEngine, WhooshSearchBackend
from haystack.constants import DJANGO_CT, DJANGO_ID, ID
from haystack.fields import FacetField
from haystack.models import SearchResult
from haystack.utils.app_loading import haystack_get_model
from whoosh import query as wq
from whoosh.fields import ID as WHOOSH_ID
from whoosh.fields import NUMERIC, TEXT
from whoosh.qparser import QueryParser

from .analyzers import JapaneseAnalyzer

EMPTY = {"results": [], "hits": 0, "facets": {}, "spelling_suggestion": None}


class JapaneseWhooshSearchBackend(WhooshSearchBackend):
    def __init__(self, connection_alias, **connection_options):
        super().__init__(connection_alias, **connection_options)
        self._local = threading.local()

    def build_schema(self, fields):
        content_field_name, schema = super().build_schema(fields)
        for field_class in fields.values():
            name = field_class.index_fieldname
            if field_class.is_multivalued:
                continue
            if isinstance(field_class, FacetField):
                # exact values: filters, facets and sorting (a column for speed)
                new = WHOOSH_ID(stored=True, sortable=True)
            elif field_class.field_type in ("integer", "float"):
                numtype = int if field_class.field_type == "integer" else float
                new = NUMERIC(stored=True, numtype=numtype, sortable=True, bits=64)
            elif field_class.field_type in ("string", "text", None) or field_class.document:
                # a query word becomes the AND of its bigrams (see analyzers.py)
                new = TEXT(
                    analyzer=JapaneseAnalyzer(),
                    phrase=False,
                    stored=not field_class.document,
                    multitoken_query="and",
                    field_boost=field_class.boost,
                )
            else:
                continue
            schema.remove(name)
            schema.add(name, new)
        return content_field_name, schema

    # -- searching ---------------------------------------------------------

    def _index_version(self) -> tuple:
        """Identifies the index on disk: its generation and its TOC file.

        The generation alone is not enough: `rebuild_index` destroys the index
        and starts counting again, possibly at the number an old searcher has.
        """
        generation = self.index.latest_generation()
        folder = getattr(self.index.storage, "folder", None)
        if folder is None:
            return (generation,)
        try:
            stat = os.stat(os.path.join(folder, f"_{self.index.indexname}_{generation}.toc"))
        except OSError:
            return (generation,)
        return (generation, stat.st_ino, stat.st_mtime_ns)

    def _searcher(self):
        """This thread's searcher, reopened only when the index has changed."""
        version = self._index_version()
        searcher = getattr(self._local, "searcher", None)
        if searcher is None or getattr(self._local, "version", None) != version:
            if searcher is not None:
                searcher.close()
            self.index = self.index.refresh()
            searcher = self._local.searcher = self.index.searcher()
            self._local.version = version
        return searcher

    def search(
        self,
        query_string,
        sort_by=None,
        start_offset=0,
        end_offset=None,
        fields="",
        highlight=False,
        facets=None,
        date_facets=None,
        query_facets=None,
        narrow_queries=None,
        spelling_query=None,
        within=None,
        dwithin=None,
        distance_point=None,
        models=None,
        limit_to_registered_models=None,
        result_class=None,
        **kwargs,
    ):
        if highlight or date_facets or query_facets or within or dwithin or distance_point:
            # features the shop does not use: haystack's own (slower) path
            return super().search(
                query_string,
                sort_by=sort_by,
                start_offset=start_offset,
                end_offset=end_offset,
                fields=fields,
                highlight=highlight,
                facets=facets,
                date_facets=date_facets,
                query_facets=query_facets,
                narrow_queries=narrow_queries,
                spelling_query=spelling_query,
                within=within,
                dwithin=dwithin,
                distance_point=distance_point,
                models=models,
                limit_to_registered_models=limit_to_registered_models,
                result_class=result_class,
                **kwargs,
            )
        if not self.setup_complete:
            self.setup()
        query_string = force_str(query_string or "")
        if not query_string:
            return dict(EMPTY)
        searcher = self._searcher()
        if not searcher.doc_count():
            return dict(EMPTY)
        parsed = self.parser.parse(query_string)
        if parsed is None or parsed is wq.NullQuery:
            return dict(EMPTY)
        restrictions = [self.parser.parse(force_str(nq)) for nq in (narrow_queries or ())]
        if models:
            cts = [f"{m._meta.app_label}.{m._meta.model_name}" for m in models]
            # a restriction every document meets costs a skip per match: leave it out
            if sum(searcher.doc_frequency(DJANGO_CT, ct) for ct in cts) < searcher.doc_count():
                restrictions.append(wq.Or([wq.Term(DJANGO_CT, ct) for ct in cts]))
        if restrictions:
            parsed = wq.And([parsed, *restrictions])

        matching = sorted(searcher.docs_for_query(parsed))
        hits = len(matching)
        facet_counts = {name: self._count_values(searcher, name, matching) for name in (facets or ())}

        end = end_offset if end_offset is not None else max(hits, 1)
        if hits == 0 or start_offset >= end:
            page = []
        elif sort_by:
            page = [
                (searcher.stored_fields(d), 0)
                for d in self._sorted_by_columns(searcher, matching, sort_by)[start_offset:end]
            ]
        elif hits <= self.SCORED_HITS_LIMIT:
            found = searcher.search(parsed, limit=end)
            page = [(found[i].fields(), found.score(i)) for i in range(start_offset, min(end, found.scored_length()))]
        else:
            ranked = self._title_first(searcher, query_string, restrictions, matching)
            page = [(searcher.stored_fields(d), 0) for d in ranked[start_offset:end]]
        return {
            "results": [self._result(stored, score, result_class) for stored, score in page],
            "hits": hits,
            "facets": {"fields": facet_counts, "dates": {}, "queries": {}} if facets else {},
            "spelling_suggestion": None,
        }

    # Up to this many matches, BM25 scores every match (about 0.1 ms each, measured);
    # beyond it, title matches come first, then the rest, each by name.
    SCORED_HITS_LIMIT = 250
    RANK_FIELD = "title"
    TIEBREAK_FIELD = "name_sort"

    @staticmethod
    def _column_values(searcher, fieldname, docnums) -> dict:
        """{docnum: value} of a sortable field for these (sorted) documents."""
        values = {}
        for leaf, offset in searcher.leaf_searchers():
            reader = leaf.reader()
            if not reader.has_column(fieldname):
                continue
            column = reader.column_reader(fieldname)
            first = bisect_left(docnums, offset)
            last = bisect_left(docnums, offset + reader.doc_count_all())
            for docnum in docnums[first:last]:
                value = column[docnum - offset]
                values[docnum] = value.decode() if isinstance(value, bytes) else value
        return values

    def _sorted_by_columns(self, searcher, docnums, sort_by) -> list[int]:
        """Documents sorted on their columns, in Python (stable, any mix of directions)."""
        ordered = list(docnums)
        for spec in reversed(sort_by):
            field = spec.lstrip("-")
            values = self._column_values(searcher, field, docnums)
            present = [d for d in ordered if values.get(d) not in (None, "")]
            missing = [d for d in ordered if values.get(d) in (None, "")]
            present.sort(key=values.__getitem__, reverse=spec.startswith("-"))
            ordered = present + missing  # documents without a value go last either way
        return ordered

    def _title_first(self, searcher, query_string, restrictions, docnums) -> list[int]:
        """Large result sets: products whose title matches first, then by name."""
        in_title: set[int] = set()
        if self.RANK_FIELD in self.schema:
            title_query = QueryParser(self.RANK_FIELD, schema=self.schema).parse(query_string)
            if title_query is not None:
                if restrictions:
                    title_query = wq.And([title_query, *restrictions])
                in_title = set(searcher.docs_for_query(title_query))
        names = self._column_values(searcher, self.TIEBREAK_FIELD, docnums)
        return sorted(docnums, key=lambda d: (d not in in_title, names.get(d) or ""))

    def _count_values(self, searcher, fieldname, docnums) -> list[tuple[str, int]]:
        """(value, count) pairs of a sortable field over these documents, most first."""
        values = self._column_values(searcher, fieldname, docnums).values()
        counts = Counter(v for v in values if v not in (None, ""))
        return sorted(counts.items(), key=lambda item: (-item[1], item[0]))

    def _result(self, stored, score, result_class):
        from haystack import connections

        app_label, model_name = stored[DJANGO_CT].split(".")
        model = haystack_get_model(app_label, model_name)
        index = connections[self.connection_alias].get_unified_index().get_index(model)
        extra = {
            str(key): index.fields[key].convert(value) if key in index.fields else value
            for key, value in stored.items()
            if key not in (ID, DJANGO_CT, DJANGO_ID)
        }
        return (result_class or SearchResult)(app_label, model_name, stored[DJANGO_ID], score or 0, **extra)


class JapaneseWhooshEngine(WhooshEngine):
    backend = JapaneseWhooshSearchBackend
