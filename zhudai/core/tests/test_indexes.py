"""Indexes dropped by migration are gone on both databases, and come back when migrating backwards."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

DROPPED = ["owner_id", "org_unit_id", "stage_id", "city", "created_by_id"]


def single_column_indexes(table):
    found = set()
    with connection.cursor() as cur:
        for name, info in connection.introspection.get_constraints(cur, table).items():
            if info["index"] and not info["primary_key"] and not info["unique"] and len(info["columns"]) == 1:
                found.add(info["columns"][0])
    return found


@pytest.mark.django_db(transaction=True)
def test_unused_customer_indexes_are_dropped_and_restored_backwards():
    assert not set(DROPPED) & single_column_indexes("customers_customer")
    assert {"name", "employer", "channel_id"} <= single_column_indexes("customers_customer")  # searched by
    executor = MigrationExecutor(connection)
    try:
        executor.migrate([("customers", "0007_assigned_at")])
        assert set(DROPPED) <= single_column_indexes("customers_customer")
    finally:
        executor = MigrationExecutor(connection)
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert not set(DROPPED) & single_column_indexes("customers_customer")
