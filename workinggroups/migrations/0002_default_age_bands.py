from django.db import migrations

from workinggroups.reference import ensure_default_age_bands


def load(apps, schema_editor):
    ensure_default_age_bands(apps.get_model("workinggroups", "AgeBand"))


class Migration(migrations.Migration):
    dependencies = [("workinggroups", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
