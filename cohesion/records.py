"""Writing a model's fields from a form's validated data, for the services that create or
update a row that way: plain fields are set and saved, many-to-many fields set after."""

from django.db import models


def save_fields(instance: models.Model, fields: dict) -> models.Model:
    """Sets `fields` on `instance`, saves it, then sets its many-to-many relations."""
    many = {field.name for field in instance._meta.many_to_many}
    related = {name: value for name, value in fields.items() if name in many}
    for name, value in fields.items():
        if name not in many:
            setattr(instance, name, value)
    instance.save()
    for name, value in related.items():
        getattr(instance, name).set(value)
    return instance
