"""The ICU collations names and titles are sorted by (cohesion.collation): Ukrainian
alphabetical order whatever the database's own collation. On SQLite they are registered on
each connection instead, so this does nothing there."""

from django.contrib.postgres.operations import CreateCollation
from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("communities", "0004_programme_completion")]

    operations = [
        CreateCollation("uk_ua", provider="icu", locale="uk-UA"),
        CreateCollation("en_icu", provider="icu", locale="en"),
    ]
