"""The sign-in backends read a request's user with one plain query (accounts/backends.py) and
answer exactly as Django's own: the same user, nobody for an inactive or unknown one; sessions
made before them, which name the libraries' backends, keep working after the upgrade."""

import importlib

import pytest
from django.apps import apps
from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
from django.contrib.auth.backends import ModelBackend as DjangoModelBackend
from django.contrib.sessions.backends.db import SessionStore
from django.contrib.sessions.models import Session
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.backends import AuthenticationBackend, ModelBackend
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

rename = importlib.import_module("accounts.migrations.0007_sessions_lean_backends")


@pytest.mark.parametrize("backend", [ModelBackend, AuthenticationBackend])
def test_the_user_read_equals_djangos_in_one_query(backend):
    user = UserFactory(full_name="Олена Петренко", language="en")
    with CaptureQueriesContext(connection) as captured:
        lean = backend().get_user(user.pk)
    assert len(captured) == 1
    django = DjangoModelBackend().get_user(user.pk)
    for field in user._meta.concrete_fields:
        assert getattr(lean, field.attname) == getattr(django, field.attname)
    assert lean.get_session_auth_hash() == django.get_session_auth_hash()
    # A loaded row, as the ORM's: saving it updates, never inserts.
    assert not lean._state.adding


@pytest.mark.parametrize("user_id", [10**9, "not-a-number", None])
def test_an_unknown_or_malformed_id_is_nobody(user_id):
    assert ModelBackend().get_user(user_id) is None


def test_an_inactive_user_is_nobody():
    user = UserFactory(is_active=False)
    assert ModelBackend().get_user(user.pk) is None


def old_session(user, backend: str) -> str:
    store = SessionStore()
    store[SESSION_KEY] = str(user.pk)
    store[BACKEND_SESSION_KEY] = backend
    store[HASH_SESSION_KEY] = user.get_session_auth_hash()
    store.create()
    return store.session_key


@pytest.mark.parametrize("old", list(rename.RENAMED))
def test_a_session_from_before_the_upgrade_stays_signed_in(settings, old):
    user = UserFactory()
    key = old_session(user, old)
    untouched = old_session(UserFactory(), "somewhere.else.Backend")
    before = Session.objects.get(session_key=untouched).session_data
    rename.rename_backends(apps, type("Editor", (), {"connection": connection})())
    assert SessionStore(key).load()[BACKEND_SESSION_KEY] == rename.RENAMED[old]
    assert Session.objects.get(session_key=untouched).session_data == before
    client = Client()
    client.cookies[settings.SESSION_COOKIE_NAME] = key
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 200
    assert response.wsgi_request.user == user
