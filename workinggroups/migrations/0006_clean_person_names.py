"""People's names typed before every form cleaned its text may hold control, bidirectional or
invisible characters ("Оле<zero-width space>на"): clean them as forms now do, and key them
again, so that search and duplicate checks find them."""

from django.db import migrations

from cohesion.text import clean_line
from communities.models import search_key


def clean(apps, schema_editor):
    Person = apps.get_model("workinggroups", "Person")
    for person in Person.objects.only("pk", "full_name", "name_key").iterator():
        name = clean_line(person.full_name)
        key = search_key(name)
        if (name, key) != (person.full_name, person.name_key):
            Person.objects.filter(pk=person.pk).update(full_name=name, name_key=key)


class Migration(migrations.Migration):
    dependencies = [("workinggroups", "0005_group_continues_after_programme")]

    operations = [migrations.RunPython(clean, migrations.RunPython.noop)]
