"""The Alembic migrations build exactly the schema the models describe, in both databases."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext


@pytest.mark.parametrize("bind", [None, "warehouse"])
def test_models_and_migrations_agree(db, bind):
    connection = db.session.connection(bind_arguments={"bind": db.engines[bind]})
    version_table = "alembic_version_warehouse" if bind else "alembic_version"
    context = MigrationContext.configure(connection, opts={"compare_type": True, "version_table": version_table})
    assert compare_metadata(context, db.metadatas[bind]) == []
