"""Alembic environment: runs inside the application, on the connection it is given."""

from alembic import context

from exchange.models import metadata
from exchange.schema import include_name

connection = context.config.attributes["connection"]
context.configure(
    connection=connection,
    target_metadata=metadata,
    render_as_batch=connection.dialect.name == "sqlite",
    compare_type=True,
    include_name=include_name,
)
with context.begin_transaction():
    context.run_migrations()
