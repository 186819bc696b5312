"""A programme's IATI activity file: valid against the vendored 2.03 schema, its results the
IPTT's numbers (exact for coordinators, small counts left out for donors and the public), who
may download it, the public URL, and what happens while an identifier is missing."""

import datetime
from decimal import Decimal

import pytest
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext
from lxml import etree

from accounts.models import Role
from communities.models import Organisation
from dashboards import iati, iptt, services
from dashboards.models import TrackingPlan
from meetings.models import Meeting
from tests.factories import (
    EnrolmentFactory,
    MeetingFactory,
    MembershipFactory,
    OrganisationFactory,
    PersonFactory,
    ProgrammeFactory,
    RoleAssignmentFactory,
    WorkingGroupFactory,
)
from workinggroups.models import GroupStatusChange

pytestmark = pytest.mark.django_db

D = datetime.date
PARTNER_ID = "UA-EDR-12345678"


def at(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


def ready(programme, code="P1"):
    """Gives the programme and its implementing partner the identifiers IATI needs."""
    partner = programme.implementing_partner
    partner.iati_identifier, partner.iati_type = PARTNER_ID, "22"
    partner.save(update_fields=["iati_identifier", "iati_type"])
    programme.iati_identifier = f"{PARTNER_ID}-{code}"
    programme.save(update_fields=["iati_identifier"])
    return programme


def grow(programme, *, members: int):
    """One active group with `members` people and a meeting a month in the first half of 2024,
    yearly targets for meetings and participants."""
    group = WorkingGroupFactory(
        programme=programme,
        community=programme.enrolments.first().community,
        status="active",
        established_on=programme.start_date,
    )
    GroupStatusChange.objects.create(
        group=group, status="active", changed_on=programme.start_date, reason="x"
    )
    for index in range(members):
        MembershipFactory(
            group=group,
            joined_on=programme.start_date,
            person=PersonFactory(
                full_name=f"Марія Учасниця-{index}",
                phone=f"+38067000000{index}",
                email=f"maria.{index}@hromada.example",
            ),
        )
    Meeting.objects.bulk_create(
        MeetingFactory.build(group=group, status="held", starts_at=at(D(2024, month, 10)))
        for month in range(1, 7)
    )
    TrackingPlan.objects.create(programme=programme, frequency="year")
    services.targets_set(
        programme=programme,
        targets={"meetings_held": Decimal(24), "participants": Decimal(10)},
        baselines={"meetings_held": Decimal(0), "participants": Decimal("1.5")},
        period_targets={
            ("meetings_held", D(2023, 1, 1)): Decimal(12),
            ("meetings_held", D(2024, 1, 1)): Decimal(12),
            ("participants", D(2024, 1, 1)): Decimal(10),
        },
    )
    return group


@pytest.fixture
def in_2025(time_machine):
    time_machine.move_to(at(D(2025, 3, 1)))


@pytest.fixture
def small(in_2025, programme):
    """A completed programme (2023–2024) with identifiers, whose one group has two members:
    a small count, which donors and the public may not see."""
    ready(programme)
    grow(programme, members=2)
    return programme


@pytest.fixture
def other_donor(other_programme):
    return RoleAssignmentFactory(role=Role.DONOR, programme=other_programme).user


def parse(body: bytes) -> etree._ElementTree:
    document = etree.ElementTree(etree.fromstring(body))
    iati.schema().assertValid(document)
    return document


def results(document) -> dict[str, dict]:
    """{indicator title (English): {"baseline": value, periods: {(start, end): (target,
    actual)}}} as the file has them."""
    found = {}
    for indicator in document.iterfind(".//result/indicator"):
        title = indicator.findtext(
            "title/narrative[@{http://www.w3.org/XML/1998/namespace}lang='en']"
        )
        baseline = indicator.find("baseline")
        found[title] = {
            "baseline": baseline.get("value") if baseline is not None else None,
            "periods": {
                (p.find("period-start").get("iso-date"), p.find("period-end").get("iso-date")): (
                    p.find("target").get("value") if p.find("target") is not None else None,
                    p.find("actual").get("value") if p.find("actual") is not None else None,
                )
                for p in indicator.iterfind("period")
            },
        }
    return found


def number(value) -> str | None:
    return None if value is None else format(Decimal(str(value)).normalize(), "f")


def expected(table: iptt.Table) -> dict[str, dict]:
    """The IPTT in the shape of `results`: marks ("<5", "x") are left out, as the file does."""
    found = {}
    for row in table.rows:
        with translation.override("en"):
            title = str(row.indicator.label)
        periods = {}
        for period, cell in zip(table.periods, row.cells, strict=True):
            actual = None if isinstance(cell.actual, str) else number(cell.actual)
            if cell.target is not None or actual is not None:
                key = (period.start.isoformat(), period.end.isoformat())
                periods[key] = (number(cell.target), actual)
        found[title] = {"baseline": number(row.baseline), "periods": periods}
    return found


def test_coordinators_file_is_valid_and_has_the_iptt_exact_figures(small, coordinator, as_user):
    response = as_user(coordinator).get(reverse("dashboards:iati", args=[small.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/xml; charset=utf-8"
    assert "attachment" in response["Content-Disposition"]
    document = parse(response.content)
    found = results(document)
    assert found == expected(iptt.build(small, protected=False))
    # Worked out by hand: the two members, the six meetings of 2024 against a target of 12.
    assert found["Unique participants"]["periods"][("2024-01-01", "2024-12-31")] == ("10", "2")
    assert found["Meetings held"]["periods"][("2024-01-01", "2024-12-31")] == ("12", "6")
    assert found["Unique participants"]["baseline"] == "1.5"


def test_donors_file_leaves_out_the_small_counts_their_iptt_marks(small, donor, as_user):
    response = as_user(donor).get(reverse("dashboards:iati", args=[small.pk]))

    assert response.status_code == 200
    found = results(parse(response.content))
    table = iptt.build(small, protected=True)
    assert found == expected(table)
    participants = next(r for r in table.rows if r.indicator.code == "participants")
    assert participants.cells[1].actual == "<5"
    # The target stays; the actual is not in the file at all.
    assert found["Unique participants"]["periods"][("2024-01-01", "2024-12-31")] == ("10", None)
    assert found["Meetings held"]["periods"][("2024-01-01", "2024-12-31")] == ("12", "6")


def test_the_file_names_nobody(small, coordinator, as_user):
    body = as_user(coordinator).get(reverse("dashboards:iati", args=[small.pk])).content
    text = body.decode()

    for index in range(2):
        for secret in (f"Марія Учасниця-{index}", f"+38067000000{index}", "hromada.example"):
            assert secret not in text
    assert "coordinator@example.org" not in text


def test_the_activity_says_who_where_and_what(small):
    donor_organisation = OrganisationFactory(
        kind=Organisation.Kind.DONOR, iati_identifier="XM-DAC-7", iati_type="10"
    )
    small.donors.add(donor_organisation)
    community = small.enrolments.first().community
    community.katotth_code = "UA18040170000013511"
    community.pcode = "UA1804017"
    community.save(update_fields=["katotth_code", "pcode"])

    activity = parse(iati.activity_file(small, protected=True)).getroot()[0]

    assert activity.findtext("iati-identifier") == f"{PARTNER_ID}-P1"
    assert activity.find("reporting-org").attrib == {"ref": PARTNER_ID, "type": "22"}
    roles = [(o.get("ref"), o.get("role")) for o in activity.iterfind("participating-org")]
    assert roles == [(PARTNER_ID, "4"), ("XM-DAC-7", "1")]
    titles = {n.get("{http://www.w3.org/XML/1998/namespace}lang") for n in activity.find("title")}
    assert titles == {"en", "uk"}
    assert activity.find("activity-status").get("code") == "4"  # closed: it ended in 2024
    dates = {d.get("type"): d.get("iso-date") for d in activity.iterfind("activity-date")}
    assert dates == {"1": "2023-01-01", "2": "2023-01-01", "3": "2024-12-31", "4": "2024-12-31"}
    assert activity.find("recipient-country").get("code") == "UA"
    location = activity.find("location")
    # IATI's geographic vocabularies have none for KATOTTH: the code is the location's own
    # reference and is named in its description, never given under another vocabulary.
    assert location.get("ref") == "UA18040170000013511"
    assert location.find("location-id") is None
    assert location.find("administrative") is None
    with translation.override("en"):
        katotth = gettext("KATOTTH code %(code)s") % {"code": "UA18040170000013511"}
        pcode = gettext("OCHA P-code %(code)s") % {"code": "UA1804017"}
    assert location.find("description")[0].text == f"{katotth}; {pcode}"
    assert activity.find("sector").attrib == {
        "vocabulary": "1",
        "code": "15220",
        "percentage": "100",
    }


def test_a_programme_not_begun_has_no_actual_dates(time_machine, programme):
    time_machine.move_to(at(D(2022, 6, 1)))
    ready(programme)

    activity = parse(iati.activity_file(programme, protected=True)).getroot()[0]

    assert activity.find("activity-status").get("code") == "1"
    assert [d.get("type") for d in activity.iterfind("activity-date")] == ["1", "3"]


def test_other_programmes_donor_and_coordinator_get_404(
    small, other_donor, other_coordinator, as_user
):
    for user in (other_donor, other_coordinator):
        response = as_user(user).get(reverse("dashboards:iati", args=[small.pk]))
        assert response.status_code == 404


def test_leader_cannot_download_the_file(in_2025, programme, leader, as_user):
    ready(programme)
    response = as_user(leader).get(reverse("dashboards:iati", args=[programme.pk]))
    assert response.status_code == 403


def test_anonymous_visitor_is_sent_to_sign_in(small, client):
    response = client.get(reverse("dashboards:iati", args=[small.pk]))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_public_programme_publishes_the_donors_file_to_anyone(small, client):
    small.is_public = True
    small.save(update_fields=["is_public"])

    response = client.get(reverse("participation:iati", args=[small.pk]))

    assert response.status_code == 200
    found = results(parse(response.content))
    assert found == expected(iptt.build(small, protected=True))
    assert found["Unique participants"]["periods"][("2024-01-01", "2024-12-31")] == ("10", None)
    page = client.get(reverse("participation:programme", args=[small.pk]))
    assert reverse("participation:iati", args=[small.pk]) in page.content.decode()


def test_programme_not_public_has_no_public_file(small, client):
    response = client.get(reverse("participation:iati", args=[small.pk]))
    assert response.status_code == 404


def test_public_programme_without_identifiers_has_no_public_file(in_2025, programme, client):
    programme.is_public = True
    programme.save(update_fields=["is_public"])

    response = client.get(reverse("participation:iati", args=[programme.pk]))

    assert response.status_code == 404
    page = client.get(reverse("participation:programme", args=[programme.pk]))
    assert reverse("participation:iati", args=[programme.pk]) not in page.content.decode()


def test_missing_identifiers_are_named_and_no_file_is_made(programme, coordinator, as_user):
    client = as_user(coordinator)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("dashboards:iati", args=[programme.pk]))

    assert response.status_code == 409
    assert response["Content-Type"].startswith("text/html")
    text = response.content.decode()
    partner = programme.implementing_partner
    assert "programme&#x27;s IATI activity identifier" in text
    assert f"IATI organisation identifier of {partner.name_en}" in text
    assert f"IATI organisation type of {partner.name_en}" in text
    assert reverse("communities:programme_edit", args=[programme.pk]) in text


def test_donor_is_told_the_coordinators_can_fill_in_what_is_missing(programme, donor, as_user):
    client = as_user(donor)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    response = client.get(reverse("dashboards:iati", args=[programme.pk]))

    assert response.status_code == 409
    text = response.content.decode()
    assert "coordinators can fill them in" in text
    assert reverse("communities:programme_edit", args=[programme.pk]) not in text


def test_an_activity_identifier_must_begin_with_the_partners(programme):
    ready(programme)
    programme.iati_identifier = "XM-DAC-7-P1"

    with translation.override("en"):
        problems = iati.missing(programme)

    assert problems == [
        "an IATI activity identifier that begins with the implementing partner's "
        f"organisation identifier and a hyphen ({PARTNER_ID}-…)"
    ]


def test_an_identifier_with_a_space_or_slash_is_refused(programme):
    for identifier in ("UA-EDR 1234", "UA-EDR/1234"):
        programme.iati_identifier = identifier
        with pytest.raises(ValidationError) as error:
            programme.full_clean()
        assert "iati_identifier" in error.value.message_dict


def test_the_files_queries_do_not_grow_with_its_communities(in_2025):
    def count(communities: int) -> int:
        programme = ProgrammeFactory()
        for _ in range(communities):
            EnrolmentFactory(programme=programme)
        ready(programme, code=f"P{communities}")
        grow(programme, members=3)
        programme.donors.add(*OrganisationFactory.create_batch(communities))
        with CaptureQueriesContext(connection) as queries:
            iati.activity_file(programme, protected=True)
        return len(queries)

    assert count(1) == count(8)


def test_coordinator_fills_in_the_identifiers_and_the_file_is_made(
    in_2025, programme, coordinator, as_user
):
    client = as_user(coordinator)
    partner = programme.implementing_partner
    response = client.post(
        reverse("communities:organisation_edit", args=[partner.pk]),
        {
            "name_uk": partner.name_uk,
            "name_en": partner.name_en,
            "kind": partner.kind,
            "iati_identifier": PARTNER_ID,
            "iati_type": "22",
        },
    )
    assert response.status_code == 302
    response = client.post(
        reverse("communities:programme_edit", args=[programme.pk]),
        {
            "title_uk": programme.title_uk,
            "title_en": programme.title_en,
            "implementing_partner": partner.pk,
            "start_date": "2023-01-01",
            "end_date": "2024-12-31",
            "iati_identifier": f"{PARTNER_ID}-P9",
        },
    )
    assert response.status_code == 302

    response = client.get(reverse("dashboards:iati", args=[programme.pk]))

    assert response.status_code == 200
    assert parse(response.content).findtext(".//iati-identifier") == f"{PARTNER_ID}-P9"


def test_two_programmes_cannot_share_an_activity_identifier(
    programme, other_programme, coordinator, as_user
):
    ready(other_programme, code="P1")
    partner = programme.implementing_partner
    response = as_user(coordinator).post(
        reverse("communities:programme_edit", args=[programme.pk]),
        {
            "title_uk": "Нова назва",
            "title_en": programme.title_en,
            "implementing_partner": partner.pk,
            "start_date": "2023-01-01",
            "end_date": "2024-12-31",
            "iati_identifier": f"{PARTNER_ID}-P1",
        },
    )

    assert response.status_code == 200
    programme.refresh_from_db()
    assert (programme.title_uk, programme.iati_identifier) != ("Нова назва", f"{PARTNER_ID}-P1")
