"""The progress report a donor files: it fits A4 however long the programme, names the donors
and the implementing partner on its cover, and prints the coordinators' comment beside each
indicator for the period they wrote it for; the page where coordinators write them."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone, translation
from pypdf import PdfReader

from communities.models import Organisation
from dashboards import exports, services
from dashboards.indicators import Period
from dashboards.models import IndicatorComment
from meetings.models import Meeting
from safetyplans.pdf import html_to_pdf
from tests.factories import (
    MeetingFactory,
    OrganisationFactory,
    ProgrammeFactory,
    WorkingGroupFactory,
)

pytestmark = pytest.mark.django_db

D = datetime.date


def report(programme, period, *, protected=False, language="en") -> str:
    with translation.override(language):
        return exports.report_html(
            programme, period, None, protected=protected, targets={}, language=language
        )


def texts_with_positions(pdf: bytes) -> list[tuple[int, str, float, float]]:
    """(page, text, x, page width) of every piece of text the PDF draws."""
    found = []
    for number, page in enumerate(PdfReader(io.BytesIO(pdf)).pages):
        width = float(page.mediabox.width)

        def visit(text, cm, tm, _font, _size, number=number, width=width):
            if text.strip():
                # Where the text starts on the page: the text matrix within the page's.
                x = tm[4] * cm[0] + tm[5] * cm[2] + cm[4]
                found.append((number, text.strip(), x, width))

        page.extract_text(visitor_text=visit)
    return found


def test_the_report_of_a_sixty_month_programme_prints_its_last_month_on_the_page():
    programme = ProgrammeFactory(start_date=D(2020, 1, 1), end_date=D(2024, 12, 31))
    for _ in range(3):
        group = WorkingGroupFactory(
            programme=programme, status="active", established_on=D(2020, 1, 1)
        )
        Meeting.objects.bulk_create(
            MeetingFactory.build(
                group=group,
                status="held",
                starts_at=timezone.make_aware(
                    datetime.datetime.combine(D(2020 + m // 12, m % 12 + 1, 10), datetime.time(18))
                ),
            )
            for m in range(60)
        )
    pdf = html_to_pdf(report(programme, Period(D(2020, 1, 1), D(2024, 12, 31))))

    drawn = texts_with_positions(pdf)
    months = {text for _page, text, _x, _w in drawn}
    assert {"01.20", "01.23", "12.24"} <= months
    for page, text, x, width in drawn:
        if text in ("12.24", "01.23", "01.20"):
            assert 0 <= x < width - 20, (text, page, x, width)  # within the page, not cut off


def test_the_report_cover_names_the_implementing_partner_and_every_donor(programme):
    donors = [
        OrganisationFactory(name_en="Swiss Agency", kind=Organisation.Kind.DONOR),
        OrganisationFactory(name_en="Embassy of Canada", kind=Organisation.Kind.DONOR),
    ]
    programme.donors.set(donors)
    page = report(programme, Period.of(programme, today=D(2024, 6, 30)))
    cover = page[page.index('class="cover"') : page.index("</div>", page.index('class="cover"'))]
    assert programme.implementing_partner.name_en in cover
    assert "Swiss Agency" in cover and "Embassy of Canada" in cover
    assert "Donors" in cover


def test_a_comment_is_printed_beside_its_indicator_in_the_report_of_its_period_only(
    programme, coordinator
):
    first_half = Period(D(2024, 1, 1), D(2024, 6, 30))
    services.comments_set(
        programme=programme,
        period=first_half,
        comments={"meetings_held": "Two groups paused during the blackouts of March."},
        by=coordinator,
    )
    assert "Two groups paused" in report(programme, first_half)
    assert "Two groups paused" not in report(programme, Period(D(2024, 1, 1), D(2024, 12, 31)))


def test_an_empty_comment_removes_it_and_an_unknown_indicator_is_refused(programme, coordinator):
    period = Period(D(2024, 1, 1), D(2024, 6, 30))
    services.comments_set(programme=programme, period=period, comments={"trainings": "Дві"})
    services.comments_set(programme=programme, period=period, comments={"trainings": "  "})
    assert not IndicatorComment.objects.exists()
    with pytest.raises(ValidationError):
        services.comments_set(programme=programme, period=period, comments={"nope": "x"})


def test_coordinators_write_comments_for_the_dashboards_period_and_see_them_there(
    as_user, coordinator, programme
):
    client = as_user(coordinator)
    url = reverse("dashboards:comments", args=[programme.pk]) + "?start=2024-01&end=2024-06"
    assert client.get(url).status_code == 200
    response = client.post(url, {"meetings_held": "Зустрічі перенесли через тривоги."})
    assert response.status_code == 302
    comment = IndicatorComment.objects.get()
    assert (comment.period_start, comment.period_end) == (D(2024, 1, 1), D(2024, 6, 30))
    dashboard = client.get(response["Location"]).content.decode()
    assert "Зустрічі перенесли через тривоги." in dashboard


def test_a_comment_longer_than_a_thousand_characters_is_refused_and_kept_in_the_form(
    as_user, coordinator, programme
):
    client = as_user(coordinator)
    url = reverse("dashboards:comments", args=[programme.pk]) + "?start=2024-01&end=2024-06"
    response = client.post(url, {"trainings": "я" * 1001})
    assert response.status_code == 200
    assert "я" * 1001 in response.content.decode()
    assert not IndicatorComment.objects.exists()


@pytest.mark.parametrize("who", ["donor", "leader"])
def test_only_coordinators_write_comments(as_user, programme, who, request):
    client = as_user(request.getfixturevalue(who))
    url = reverse("dashboards:comments", args=[programme.pk])
    assert client.get(url).status_code == 403
    assert client.post(url, {"trainings": "x"}).status_code == 403
    assert not IndicatorComment.objects.exists()


def test_strangers_get_no_comments_page(as_user, other_programme, coordinator, client):
    url = reverse("dashboards:comments", args=[other_programme.pk])
    assert as_user(coordinator).get(url).status_code == 404
