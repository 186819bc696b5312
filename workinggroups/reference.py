"""Reference rows every installation has: the default age bands. The data migration loads
them; the function restores them where a test or an operator has emptied the table."""

# The source texts speak of young people under 18, 19-24 and 25-35; 18 joins the 18-24 band so
# that every age has exactly one band.
DEFAULT_BANDS = [(0, 17), (18, 24), (25, 35), (36, 59), (60, None)]


def ensure_default_age_bands(model=None) -> None:
    if model is None:
        from workinggroups.models import AgeBand as model
    existing = set(model.objects.filter(programme__isnull=True).values_list("min_age", flat=True))
    model.objects.bulk_create(
        model(programme=None, min_age=low, max_age=high)
        for low, high in DEFAULT_BANDS
        if low not in existing
    )
