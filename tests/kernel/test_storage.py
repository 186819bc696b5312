"""Private files: one storage, apart from the public media, for every file field."""

from pathlib import Path

from django.apps import apps
from django.db import models

from cohesion.storage import private_storage

ROOT = Path(__file__).resolve().parents[2]


def test_every_file_field_of_the_project_keeps_its_files_in_private_storage():
    fields = [
        field
        for model in apps.get_models()
        if Path(model._meta.app_config.path).resolve().parent == ROOT
        for field in model._meta.get_fields()
        if isinstance(field, models.FileField)
    ]
    # Pre-reads, signed decisions, plan PDFs and exports.
    assert len(fields) >= 4
    for field in fields:
        assert field._storage_callable is private_storage, field


def test_private_files_are_kept_under_private_media_root_not_media_root(settings, tmp_path):
    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "public"
    assert private_storage().location == str(tmp_path / "private")
