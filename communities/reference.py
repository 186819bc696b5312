"""Reference data that every installation has. The data migration loads this list; the
function restores it where a test or an operator has emptied the table."""

STAKEHOLDER_CATEGORIES = [
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


def ensure_stakeholder_categories(model=None) -> dict:
    """Creates missing categories (existing ones keep any edits); returns all by code. The
    migration passes its historical model; the module imports no models so it can use this."""
    if model is None:
        from communities.models import StakeholderCategory as model
    existing = {category.code: category for category in model.objects.all()}
    for position, (code, name_uk, name_en) in enumerate(STAKEHOLDER_CATEGORIES, start=1):
        if code not in existing:
            existing[code] = model.objects.create(
                code=code, name_uk=name_uk, name_en=name_en, position=position
            )
    return existing
