from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor


def ensure_schema(*, verbosity: int = 0) -> bool:
    """Apply outstanding migrations (an empty database gets the whole schema)."""
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    if not plan:
        return False
    call_command("migrate", interactive=False, verbosity=verbosity)
    return True
