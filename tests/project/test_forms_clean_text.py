"""Every form of the project cleans the text it accepts: each form class defined in the
project's apps derives from cohesion.forms (CleanForm, CleanModelForm or CleanTextMixin)."""

import importlib
import inspect
import pkgutil
from pathlib import Path

from django import forms
from django.apps import apps

from cohesion.forms import CleanForm, CleanTextMixin

ROOT = Path(__file__).resolve().parents[2]
SKIP = {"migrations", "tests"}


def project_modules():
    """Every module of the apps at the top of this checkout (not Django's or a library's)."""
    for config in apps.get_app_configs():
        if Path(config.path).resolve().parent != ROOT:
            continue
        yield config.module
        for info in pkgutil.walk_packages(config.module.__path__, prefix=f"{config.name}."):
            if not SKIP & set(info.name.split(".")):
                yield importlib.import_module(info.name)


def forms_without_cleaning(modules) -> list[str]:
    found = set()
    for module in modules:
        for _name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, forms.BaseForm)
                and cls.__module__ == module.__name__
                and not issubclass(cls, CleanTextMixin)
            ):
                found.add(f"{cls.__module__}.{cls.__qualname__}")
    return sorted(found)


def test_every_form_class_of_the_project_cleans_text():
    modules = list(project_modules())
    assert {"participation.forms", "workinggroups.imports", "communities.admin"} <= {
        module.__name__ for module in modules
    }
    assert forms_without_cleaning(modules) == []


def test_the_check_finds_a_form_that_does_not_clean():
    module = type(inspect)("cohesion.example_forms")

    class Plain(forms.Form):
        pass

    class Clean(CleanForm):
        pass

    for cls in (Plain, Clean):
        cls.__module__, cls.__qualname__ = module.__name__, cls.__name__
        setattr(module, cls.__name__, cls)
    assert forms_without_cleaning([module]) == ["cohesion.example_forms.Plain"]


def test_every_admin_of_the_project_cleans_text():
    from django.contrib import admin as django_admin

    project = {
        config.label
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT
    }
    unclean = []
    for model, model_admin in django_admin.site._registry.items():
        if model._meta.app_label not in project:
            continue
        for admin_class in [type(model_admin), *model_admin.inlines]:
            if not issubclass(admin_class.form, CleanTextMixin):
                unclean.append(f"{admin_class.__module__}.{admin_class.__qualname__}")
    assert len(project) >= 8
    assert unclean == []


def test_names_stored_before_cleaning_are_cleaned_and_keyed_again(db):
    import importlib

    from workinggroups.models import Person

    person = Person.objects.create(full_name="Оле\u200bна \u202eКоваль", sex="female")
    Person.objects.filter(pk=person.pk).update(full_name="Оле\u200bна \u202eКоваль", name_key="x")
    migration = importlib.import_module("workinggroups.migrations.0006_clean_person_names")
    migration.clean(apps, None)
    person.refresh_from_db()
    assert person.full_name == "Олена Коваль"
    assert Person.objects.similar_to(full_name="Олена Коваль", birth_year=None, community_id=None)
