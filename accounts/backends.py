"""The sign-in backends: Django's and allauth's, reading the signed-in user of each request
with one plain SELECT. Every signed-in request loads its user; through the ORM, building that
query cost more than running it (profiled under load: a quarter of a cached page's time).
Signing in, permissions and everything else are the libraries' own."""

from allauth.account.auth_backends import AuthenticationBackend as AllauthBackend
from django.contrib.auth import get_user_model
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.core.exceptions import ValidationError
from django.db import connection
from django.db.models.expressions import Col

# Sessions made before these backends name the libraries' own: migration 0007 renames them.


class LeanUserMixin:
    def get_user(self, user_id):
        model = get_user_model()
        try:
            user_id = model._meta.pk.to_python(user_id)
        except ValidationError:  # a session naming no valid id: nobody
            return None
        if user_id is None:
            return None
        sql, fields, converters = _select_user(model)
        with connection.cursor() as cursor:
            cursor.execute(sql, [user_id])
            row = cursor.fetchone()
        if row is None:
            return None
        # As the ORM reads a row: the database's values converted (SQLite's dates made aware).
        values = list(row)
        for index, column, column_converters in converters:
            for convert in column_converters:
                values[index] = convert(values[index], column, connection)
        user = model.from_db(connection.alias, [field.attname for field in fields], values)
        return user if self.user_can_authenticate(user) else None


def _select_user(model):
    fields = model._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = ", ".join(quote(field.column) for field in fields)
    sql = (
        f"SELECT {columns} FROM {quote(model._meta.db_table)} "
        f"WHERE {quote(model._meta.pk.column)} = %s"
    )
    converters = []
    for index, field in enumerate(fields):
        column = Col(model._meta.db_table, field)
        found = connection.ops.get_db_converters(column) + field.get_db_converters(connection)
        if found:
            converters.append((index, column, found))
    return sql, fields, converters


class ModelBackend(LeanUserMixin, DjangoModelBackend):
    pass


class AuthenticationBackend(LeanUserMixin, AllauthBackend):
    pass
