from django.db import migrations

# The default bands cover every age. The source texts speak of young people under 18, 19-24
# and 25-35; 18 joins the 18-24 band so that no age falls between two bands.
DEFAULT_BANDS = [(0, 17), (18, 24), (25, 35), (36, 59), (60, None)]


def load(apps, schema_editor):
    AgeBand = apps.get_model("workinggroups", "AgeBand")
    for low, high in DEFAULT_BANDS:
        AgeBand.objects.get_or_create(programme=None, min_age=low, defaults={"max_age": high})


class Migration(migrations.Migration):
    dependencies = [("workinggroups", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
