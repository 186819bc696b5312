"""The IATI files of the four demo programmes: each valid against the vendored 2.03 schema,
its results the IPTT's numbers for the same reader, and no person's name, phone or email in
it."""

from types import SimpleNamespace

import pytest
from django.urls import reverse
from lxml import etree

from accounts.models import User
from communities.models import Programme
from dashboards import iati, iptt
from tests.conftest import give_totp
from tests.dashboards.test_iati import expected, results
from workinggroups.models import Person

pytestmark = pytest.mark.django_db


@pytest.fixture(scope="module")
def demo(demo_snapshot, django_db_blocker):
    """The demo (seeded once per run) in a transaction rolled back at the module's end; every
    person gets an email, so that the search for one has something to find."""
    with django_db_blocker.unblock(), demo_snapshot.restored():
        people = list(Person.objects.all())
        for person in people:
            person.email = f"member.{person.pk}@hromada.example"
        Person.objects.bulk_update(people, ["email"])
        coordinator = give_totp(User.objects.get(email="coordinator@cohesion.example"))
        coordinator.is_superuser = True  # coordinates the running demo programme too
        coordinator.save(update_fields=["is_superuser"])
        secrets = {
            value
            for row in Person.objects.values_list("full_name", "phone", "email")
            for value in row
            if value
        }
        yield SimpleNamespace(
            programmes=list(Programme.objects.order_by("pk")),
            coordinator=coordinator,
            secrets=sorted(secrets),
        )


def test_every_demo_programme_has_a_valid_file_with_the_iptts_numbers(demo):
    assert len(demo.programmes) == 4
    for programme in demo.programmes:
        assert iati.missing(programme) == []
        for protected in (False, True):
            document = etree.ElementTree(
                etree.fromstring(iati.activity_file(programme, protected=protected))
            )
            iati.schema().assertValid(document)
            assert results(document) == expected(iptt.build(programme, protected=protected))
            assert document.findall(".//result/indicator/period/actual")


def test_the_demo_files_name_nobody(demo, client):
    client.force_login(demo.coordinator)
    for programme in demo.programmes:
        response = client.get(reverse("dashboards:iati", args=[programme.pk]))
        assert response.status_code == 200
        text = response.content.decode()
        assert [secret for secret in demo.secrets if secret in text] == []
