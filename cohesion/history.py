"""Recorded changes (django-simple-history) as people read them: the field's label and, for a
stored code, its label, in the reader's language; dates as dates, yes and no for flags, the
name of a related record instead of its id. No stored code reaches a page."""

import datetime

from django.utils.formats import date_format
from django.utils.translation import gettext as _

EMPTY = "—"


def changes_between(records: list) -> list[list[tuple[str, str, str]]]:
    """For historical records sorted oldest first, the changes each made to the one before it
    of the same object ([] for an object's first record shown): (field label, was, now). The
    names of related records are read once per related model."""
    latest: dict[tuple, object] = {}
    raw = []
    wanted: dict[type, set] = {}
    for record in records:
        key = (record.instance_type, record.id)
        previous = latest.get(key)
        latest[key] = record
        found = []
        if previous is not None:
            model = record.instance_type
            for change in record.diff_against(previous).changes:
                field = model._meta.get_field(change.field)
                if field.is_relation:
                    for value in (change.old, change.new):
                        if value is not None:
                            wanted.setdefault(field.related_model, set()).add(_pk(value))
                found.append((field, change.old, change.new))
        raw.append(found)
    names = {
        (model, obj.pk): str(obj)
        for model, ids in wanted.items()
        for obj in model._base_manager.filter(pk__in=ids)
    }
    return [
        [(str(field.verbose_name), shown(field, old, names), shown(field, new, names))
         for field, old, new in found]
        for found in raw
    ]  # fmt: skip


def _pk(value):
    return getattr(value, "pk", value)


def shown(field, value, names: dict | None = None) -> str:
    """A stored value as the reader reads it."""
    if value is None or value == "":
        return EMPTY
    if field.is_relation:
        return (names or {}).get((field.related_model, _pk(value)), EMPTY)
    if field.choices:
        return str(dict(field.flatchoices).get(value, value))
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if isinstance(value, datetime.datetime):
        return date_format(value, "SHORT_DATETIME_FORMAT")
    if isinstance(value, datetime.date):
        return date_format(value, "SHORT_DATE_FORMAT")
    return str(value)
