"""`prefix`: a startswith that SQLite can answer from an index.

SQLite's LIKE ignores a normal index (it is case-insensitive), so `name LIKE '王%'` scans the
table; a range `name >= '王' AND name < '王\U0010ffff'` uses the index. PostgreSQL keeps LIKE,
which Django backs with a varchar_pattern_ops index.
"""

from django.db.models import CharField, Lookup

_TOP = "\U0010ffff"


@CharField.register_lookup
class Prefix(Lookup):
    lookup_name = "prefix"

    def as_sql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = str(self.rhs)
        escaped = value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        return f"{lhs} LIKE %s", [*lhs_params, escaped + "%"]

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = str(self.rhs)
        return f"({lhs} >= %s AND {lhs} < %s)", [*lhs_params, value, *lhs_params, value + _TOP]


@CharField.register_lookup
class PrefixScan(Prefix):
    """`prefix` for a dense match on SQLite: `+column` keeps SQLite off the column's index, so it
    walks the ORDER BY index and stops after the first page of matches. Right when the prefix
    matches many rows (a common surname), wrong when it matches few, and no use for counting:
    see customers.filters (a bounded count decides) and CappedPaginator(rows=…)."""

    lookup_name = "prefix_scan"

    def as_sqlite(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        value = str(self.rhs)
        return f"(+{lhs} >= %s AND +{lhs} < %s)", [*lhs_params, value, *lhs_params, value + _TOP]
