"""Writing a model's fields from a form's validated data, for the services that create or
update a row that way: text is cleaned (whoever calls), plain fields are set and saved,
many-to-many fields set after."""

from django.db import models

from cohesion.text import clean_line, clean_text


def cleaned(instance: models.Model, name: str, value):
    """Text cleaned as its field holds it: one line for a CharField, lines for a TextField."""
    if not isinstance(value, str):
        return value
    field = instance._meta.get_field(name)
    return clean_text(value) if isinstance(field, models.TextField) else clean_line(value)


def save_fields(instance: models.Model, fields: dict) -> models.Model:
    """Sets `fields` on `instance`, saves it, then sets its many-to-many relations."""
    many = {field.name for field in instance._meta.many_to_many}
    related = {name: value for name, value in fields.items() if name in many}
    for name, value in fields.items():
        if name not in many:
            setattr(instance, name, cleaned(instance, name, value))
    instance.save()
    for name, value in related.items():
        getattr(instance, name).set(value)
    return instance
