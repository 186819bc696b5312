"""The seeded demo kept as rows and put back: seeding costs about 20 s on PostgreSQL (14,000
statements, each paying the versioning and summary triggers), putting it back a fraction of
a second."""

from contextlib import contextmanager

from django.contrib.contenttypes.models import ContentType
from django.db import connection, transaction


class DemoSnapshot:
    """Every table's rows, content types included (a flush's post_migrate renumbers those).
    They are put back with the triggers off: the rows already hold what the triggers keep
    (summaries, figures' versions). PostgreSQL copies each table out and in, under
    session_replication_role=replica, which skips the foreign keys' checks as well; SQLite
    reads the stored values raw (`+column` escapes Django's converters, and with them the
    time columns Python's driver cannot write back) and drops its triggers meanwhile, in the
    same transaction."""

    def __init__(self):
        self.vendor = connection.vendor
        self.tables = {}
        self.sequences = []  # (sequence, highest id in the snapshot)
        introspection = connection.introspection
        with connection.cursor() as cursor:
            for table in introspection.table_names(cursor):
                if self.vendor == "postgresql":
                    with cursor.copy(f'COPY "{table}" TO STDOUT') as copy:
                        self.tables[table] = b"".join(copy)
                    for sequence in introspection.get_sequences(cursor, table):
                        cursor.execute(f'SELECT MAX("{sequence["column"]}") FROM "{table}"')
                        highest = cursor.fetchone()[0]
                        if highest is not None:
                            self.sequences.append((sequence["name"], highest))
                else:
                    description = introspection.get_table_description(cursor, table)
                    columns = [column.name for column in description]
                    raw = ", ".join(f'+"{column}"' for column in columns)
                    cursor.execute(f'SELECT {raw} FROM "{table}"')
                    self.tables[table] = (columns, cursor.fetchall())

    def restore(self):
        """Replaces every table's rows with the snapshot's, in one transaction (a savepoint
        when the caller has one open)."""
        with transaction.atomic(), connection.cursor() as cursor:
            if self.vendor == "postgresql":
                # A plain SET: a SET LOCAL would outlast the savepoint, triggers off for the
                # caller's own writes. On an error the rollback undoes it.
                cursor.execute("SET session_replication_role = replica")
                for table, data in self.tables.items():
                    cursor.execute(f'DELETE FROM "{table}"')
                    if data:
                        with cursor.copy(f'COPY "{table}" FROM STDIN') as copy:
                            copy.write(data)
                # Rows written after must not take a restored row's id; sequences only move
                # forward (they are not rolled back, and rows committed since may be higher).
                cursor.execute(
                    "SELECT setval(quote_ident(s)::regclass, GREATEST(m, "
                    "COALESCE(pg_sequence_last_value(quote_ident(s)::regclass), 0))) "
                    "FROM unnest(%s::text[], %s::bigint[]) AS v(s, m)",
                    [[name for name, _ in self.sequences], [m for _, m in self.sequences]],
                )
                cursor.execute("SET session_replication_role = DEFAULT")
            else:
                # AUTOINCREMENT moves past explicit ids by itself.
                cursor.execute("SELECT name, sql FROM sqlite_master WHERE type = 'trigger'")
                triggers = cursor.fetchall()
                for name, _sql in triggers:
                    cursor.execute(f'DROP TRIGGER "{name}"')
                for table, (columns, rows) in self.tables.items():
                    cursor.execute(f'DELETE FROM "{table}"')
                    if rows:
                        fields = ", ".join(f'"{column}"' for column in columns)
                        marks = ", ".join(["%s"] * len(columns))
                        cursor.executemany(
                            f'INSERT INTO "{table}" ({fields}) VALUES ({marks})', rows
                        )
                for _name, sql in triggers:
                    cursor.execute(sql)
        ContentType.objects.clear_cache()

    @contextmanager
    def restored(self):
        """The demo in a transaction rolled back at the end: a module's tests share it, each
        in a savepoint of its own, and add what they need inside the block."""
        try:
            with transaction.atomic():
                self.restore()
                yield
                transaction.set_rollback(True)
        finally:
            ContentType.objects.clear_cache()  # it held the snapshot's ids
