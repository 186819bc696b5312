"""Sessions signed in before accounts.backends name Django's and allauth's backends by their
own paths, which are no longer in AUTHENTICATION_BACKENDS: without this, everyone would be
signed out by the upgrade (and a leader's phone would stop sending its saved records until
they sign in again)."""

from django.db import migrations

RENAMED = {
    "django.contrib.auth.backends.ModelBackend": "accounts.backends.ModelBackend",
    "allauth.account.auth_backends.AuthenticationBackend": (
        "accounts.backends.AuthenticationBackend"
    ),
}


def rename_backends(apps, schema_editor):
    from django.contrib.auth import BACKEND_SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    Session = apps.get_model("sessions", "Session")
    store = SessionStore()
    for session in Session.objects.using(schema_editor.connection.alias).iterator():
        data = store.decode(session.session_data)
        new = RENAMED.get(data.get(BACKEND_SESSION_KEY))
        if new:
            data[BACKEND_SESSION_KEY] = new
            session.session_data = store.encode(data)
            session.save(update_fields=["session_data"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0006_access_history"),
        ("sessions", "0001_initial"),
    ]

    operations = [migrations.RunPython(rename_backends, migrations.RunPython.noop)]
