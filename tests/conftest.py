"""Standing people for every test: a coordinator, a donor and a leader of one programme, a
coordinator of another programme, an administrator, and anonymous visitors."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.core.cache import cache
from django.db import connection, transaction
from django.test import override_settings

from accounts.models import Role
from cohesion import clock
from communities.reference import ensure_stakeholder_categories
from tests.factories import (
    EnrolmentFactory,
    ProgrammeFactory,
    RoleAssignmentFactory,
    UserFactory,
    WorkingGroupFactory,
)
from workinggroups.reference import ensure_default_age_bands

KYIV = ZoneInfo("Europe/Kyiv")


def give_totp(user):
    """Registers a TOTP authenticator, as if the user had set up their app."""
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret

    TOTP.activate(user, generate_totp_secret())
    return user


@pytest.fixture(autouse=True, scope="session")
def _fast_password_hashing():
    """PBKDF2's million rounds cost about 0.27 s a password here, and the suite creates and
    signs in hundreds of users: the tests hash with MD5, production never does."""
    with override_settings(PASSWORD_HASHERS=["django.contrib.auth.hashers.MD5PasswordHasher"]):
        yield


@pytest.fixture(autouse=True)
def _midday(request, time_machine):
    """Every test starts at noon in Kyiv on the day the suite runs, the clock ticking on: a
    test that works out "today" twice cannot fall on either side of midnight, yet the date is
    the one the suite runs on (CI runs the suite again two years ahead). Tests that need a
    particular date move the clock themselves; those whose other processes (Celery workers,
    the browser) read the real clock are marked `wall_clock`."""
    if request.node.get_closest_marker("wall_clock"):
        return
    noon = datetime.datetime.combine(clock.today(), datetime.time(12), tzinfo=KYIV)
    time_machine.move_to(noon, tick=True)


@pytest.fixture(autouse=True)
def _reference_rows(request):
    """Every transactional test (live server, workers, concurrent transactions) ends with a
    flush that takes the rows migrations load (stakeholder categories, default age bands) with
    it, and a reused test database may start without them: put them back at the start of every
    database test, whatever order the tests run in (inside a plain test's transaction;
    committed in a transactional one, which its flush removes). Django's serialized rollback is
    not used: mixed with plain flushes it restores content types whose keys post_migrate has
    since renumbered."""
    marker = request.node.get_closest_marker("django_db")
    database_fixtures = {"db", "transactional_db", "live_server"}
    if marker is None and not database_fixtures & set(request.fixturenames):
        return
    request.getfixturevalue("db")
    ensure_stakeholder_categories()
    ensure_default_age_bands()


@pytest.fixture(autouse=True, scope="session")
def _page_bodies_rendered_afresh():
    """List pages keep their bodies per version of the figures (dashboards.page.programme_body);
    tests read each response's context and count a page's queries, so bodies are rendered on
    every request here, and so are whole pages (cohesion.frames). tests/dashboards/
    test_page_bodies.py turns the caches on to prove them."""
    with override_settings(PAGE_BODY_CACHE_SECONDS=0, WHOLE_PAGE_CACHE_SECONDS=0):
        yield


@pytest.fixture(autouse=True)
def _clear_cache():
    # allauth's rate limits live in the cache: keep tests independent. Kept pages have a copy
    # in each process (cohesion.frames.LOCAL), under keys that repeat from test to test.
    from cohesion.frames import LOCAL

    cache.clear()
    LOCAL.clear()
    yield
    cache.clear()
    LOCAL.clear()


@pytest.fixture(scope="session")
def demo_snapshot(django_db_setup, django_db_blocker, _fast_password_hashing):
    """The demo, seeded once per run (with DEBUG on, as `make run` does) in a transaction
    rolled back at once, and kept: a module gets it back with `demo_snapshot.restored()`
    instead of seeding its own (10-20 s each on PostgreSQL). Its callbacks on commit never
    run, as in a module's transaction (the journeys seed theirs committed: tests/e2e)."""
    from demo.seed import seed_demo
    from tests.demo_snapshot import DemoSnapshot

    with django_db_blocker.unblock():
        assert not connection.in_atomic_block, "the snapshot would hold the caller's rows"
        with transaction.atomic(), override_settings(DEBUG=True):
            seed_demo()
            snapshot = DemoSnapshot()
            transaction.set_rollback(True)
    return snapshot


@pytest.fixture(scope="module")
def codifier(django_db_setup, django_db_blocker):
    """Loads the real KATOTTH codifier once for a module's tests (about 1.5 s)."""
    from communities.katotth import load_codifier
    from communities.models import Community, Raion, Region

    with django_db_blocker.unblock():
        counts = load_codifier()
        yield counts
        Community.objects.all().delete()
        Raion.objects.all().delete()
        Region.objects.all().delete()


@pytest.fixture
def programme(db):
    programme = ProgrammeFactory()
    EnrolmentFactory(programme=programme)
    return programme


@pytest.fixture
def other_programme(db):
    programme = ProgrammeFactory()
    EnrolmentFactory(programme=programme)
    return programme


def _member(role, programme, **kwargs):
    return RoleAssignmentFactory(role=role, programme=programme, **kwargs).user


@pytest.fixture
def coordinator(programme):
    return give_totp(_member(Role.COORDINATOR, programme, user__email="coordinator@example.org"))


@pytest.fixture
def other_coordinator(other_programme):
    return give_totp(_member(Role.COORDINATOR, other_programme, user__email="other@example.org"))


@pytest.fixture
def donor(programme):
    return _member(Role.DONOR, programme, user__email="donor@example.org")


@pytest.fixture
def group(programme):
    """The programme's working group in its enrolled community."""
    return WorkingGroupFactory(
        programme=programme, community=programme.enrolments.first().community
    )


@pytest.fixture
def leader(programme, group):
    return _member(Role.LEADER, programme, working_group=group, user__email="leader@example.org")


@pytest.fixture
def admin_user(db):
    return give_totp(UserFactory(email="admin@example.org", is_staff=True, is_superuser=True))


@pytest.fixture
def as_user(client):
    """`as_user(user)` signs the test client in as that user and returns the client."""

    def sign_in(user):
        client.force_login(user)
        return client

    return sign_in


@pytest.fixture
def other_group(programme):
    """A second group of the same programme, in another community."""
    return WorkingGroupFactory(programme=programme)


@pytest.fixture
def other_leader(programme, other_group):
    """The leader of the programme's other group: a stranger to `group`."""
    return _member(
        Role.LEADER, programme, working_group=other_group, user__email="other.leader@example.org"
    )


@pytest.fixture
def member_form_data():
    """`member_form_data(group, **changes)`: a valid POST for adding a new person to the group."""
    from tests.factories import category_by_code

    def build(group, **changes):
        return {
            "full_name": "Василь Новенький",
            "sex": "male",
            "birth_year": "1985",
            "phone": "+380671234567",
            "email": "",
            "community": str(group.community_id),
            "other_vulnerability": "",
            "consent_given_on": "2024-01-10",
            "consent_purpose": "Участь у робочій групі",
            "category": str(category_by_code("police").pk),
            "organisation": "",
            "role": "member",
            "joined_on": "2024-01-10",
            **changes,
        }

    return build


@pytest.fixture
def private_media(settings, tmp_path, monkeypatch):
    """PRIVATE_MEDIA_ROOT in a temporary directory. The pre-read field built its storage from
    the setting at import time, so the storage is rebuilt (by the app's own factory) as well."""
    from cohesion.storage import private_storage
    from meetings.models import PreRead, Protocol, SignedProtocol

    settings.PRIVATE_MEDIA_ROOT = tmp_path / "private"
    for model in (PreRead, Protocol, SignedProtocol):
        monkeypatch.setattr(model._meta.get_field("file"), "storage", private_storage())
    return settings.PRIVATE_MEDIA_ROOT
