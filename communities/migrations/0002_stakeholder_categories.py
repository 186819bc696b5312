from django.db import migrations

from communities.reference import ensure_stakeholder_categories


def load(apps, schema_editor):
    ensure_stakeholder_categories(apps.get_model("communities", "StakeholderCategory"))


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
