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
