from django.db import migrations

# The parts of a community every working group draws on, from the programmes' own texts.
CATEGORIES = [
    ("local_government", "Органи місцевого самоврядування", "Local government"),
    ("police", "Поліція", "Police"),
    ("ses", "ДСНС", "State Emergency Service"),
    ("military_administration", "Військова адміністрація", "Military administration"),
    ("cso", "Громадські організації", "Civil society organisations"),
    ("charity", "Благодійні організації", "Charities"),
    ("volunteers", "Волонтерські ініціативи", "Volunteer initiatives"),
    ("youth", "Молодь", "Youth"),
    ("veterans", "Ветеранська спільнота", "Veterans' community"),
    ("vulnerable_groups", "Вразливі групи", "Vulnerable groups"),
    ("business", "Бізнес", "Business"),
    ("education", "Освіта", "Education"),
    ("health", "Охорона здоров’я", "Health"),
    ("media", "Медіа", "Media"),
    ("other", "Інше", "Other"),
]


def load(apps, schema_editor):
    StakeholderCategory = apps.get_model("communities", "StakeholderCategory")
    for position, (code, name_uk, name_en) in enumerate(CATEGORIES, start=1):
        StakeholderCategory.objects.update_or_create(
            code=code, defaults={"name_uk": name_uk, "name_en": name_en, "position": position}
        )


class Migration(migrations.Migration):
    dependencies = [("communities", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
