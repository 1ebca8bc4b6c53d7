"""Django's ``flush`` (empty every table), allowed to empty the audit table too.

The database refuses to delete audit rows (backend/migrations/0003_security.py) unless the
connection lifts the guard; ``flush`` wipes the whole database on purpose (and the test runner
calls it between transactional tests), so it lifts the guard for exactly its own statements."""
from django.core.management.commands.flush import Command as FlushCommand

from backend.audit import allow_audit_purge


class Command(FlushCommand):
    def handle(self, **options):
        with allow_audit_purge(options["database"]):
            return super().handle(**options)
