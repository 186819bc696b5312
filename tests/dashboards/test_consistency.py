"""One definition per figure: for the demo programmes and a generated one, every figure the
dashboard shows is the same in every other output that shows it (the PDF report, the CSV and
XLSX tables, the public page, the youth page, the plans overview and the compliance grid), for
the whole period, a sub-period and one community; and the same for a donor, marks included."""

import csv
import datetime
import html
import io
import re
from types import SimpleNamespace

import openpyxl
import pytest
from django.urls import reverse
from django.utils import translation
from pypdf import PdfReader

from accounts.models import User
from cohesion import clock
from communities.models import Community, Programme
from dashboards import exports
from dashboards.indicators import BY_CODE, INDICATORS, Period, dashboard_data
from dashboards.presenters import indicator_rows, sex_band_table
from safetyplans.pdf import html_to_pdf
from tests.conftest import give_totp
from tests.dashboards.test_dashboard_queries_and_cache import grow
from tests.factories import EnrolmentFactory, ProgrammeFactory

pytestmark = pytest.mark.django_db

INDICATOR = re.compile(
    r'data-indicator="(\w+)">\s*<div[^>]*><span[^>]*>[^<]*</span>\s*'
    r'<span class="fw-semibold">([^<]*)'
)


@pytest.fixture(scope="module")
def world(demo_snapshot, django_db_blocker):
    """The demo (four programmes, seeded once per run) and a generated running programme of
    six groups, made once for the module in a transaction rolled back at its end."""
    with django_db_blocker.unblock(), demo_snapshot.restored():
        today = clock.today()
        generated = ProgrammeFactory(
            start_date=(today - datetime.timedelta(days=400)).replace(day=1),
            end_date=today + datetime.timedelta(days=200),
            is_public=True,
        )
        EnrolmentFactory(programme=generated)
        grow(generated, groups=6, months=13)
        coordinator = give_totp(User.objects.get(email="coordinator@cohesion.example"))
        coordinator.is_superuser = True  # coordinates the generated programme too
        coordinator.save(update_fields=["is_superuser"])
        yield SimpleNamespace(
            programmes=list(Programme.objects.order_by("pk")),
            coordinator=coordinator,
            donor=User.objects.get(email="donor@cohesion.example"),
        )


def scopes(programme) -> list[tuple[str, Period, object]]:
    """The whole period, its second quarter of a year, and its first community."""
    whole = Period.of(programme)
    start = (whole.start.replace(day=1) + datetime.timedelta(days=95)).replace(day=1)
    end = min(
        whole.end,
        (start + datetime.timedelta(days=100)).replace(day=1) - datetime.timedelta(days=1),
    )
    community = (
        Community.objects.filter(working_groups__programme=programme).order_by("name_uk").first()
    )
    return [
        ("whole", whole, None),
        ("sub-period", Period(start, end), None),
        ("community", whole, community),
    ]


def dashboard_figures(client, programme, period, community) -> dict[str, str]:
    query = f"start={period.start:%Y-%m}&end={period.end:%Y-%m}"
    if community is not None:
        query += f"&community={community.pk}"
    response = client.get(f"{reverse('dashboards:dashboard', args=[programme.pk])}?{query}")
    assert response.status_code == 200
    # The page's body may come whole from the cache: it says its period.
    assert f'data-period="{period.start}/{period.end}"' in response.text
    return {code: html.unescape(value).strip() for code, value in INDICATOR.findall(response.text)}


def shown(value, unit) -> str:
    """A figure as the pages print it (the dashboard's `figure` filter), for comparing."""
    from cohesion.templatetags.privacy import figure

    return str(figure(value, unit))


def signed_in(client, user):
    client.force_login(user)
    translation.activate("en")
    client.cookies["django_language"] = "en"
    return client


@pytest.mark.parametrize("viewer", ["coordinator", "donor"])
def test_the_dashboard_and_the_report_give_the_same_figure_for_every_indicator(
    world, client, viewer
):
    user = getattr(world, viewer)
    client = signed_in(client, user)
    checked = 0
    for programme in world.programmes:
        if client.get(reverse("dashboards:dashboard", args=[programme.pk])).status_code != 200:
            continue  # not this donor's programme
        protected = viewer == "donor"
        targets = {t.indicator: t.target for t in programme.indicator_targets.all()}
        for _name, period, community in scopes(programme):
            page = dashboard_figures(client, programme, period, community)
            with translation.override("en"):
                report = exports.report_html(
                    programme, period, community, protected=protected, targets=targets,
                    language="en",
                )  # fmt: skip
            indicators_table = report[report.index("<h2>Indicators</h2>") :]
            indicators_table = indicators_table[: indicators_table.index("</table>")]
            rows = re.findall(
                r"<tr><td>([^<]*)</td>\s*<td class=\"num\">([^<]*)</td>", indicators_table
            )
            in_report = {
                html.unescape(label): html.unescape(value).strip() for label, value in rows
            }
            with translation.override("en"):
                for indicator in INDICATORS:
                    assert in_report[str(indicator.label)] == page[indicator.code], (
                        programme.pk, period, community, indicator.code,
                    )  # fmt: skip
            checked += 1
    assert checked >= (3 if viewer == "donor" else 3 * len(world.programmes))


def test_the_report_pdf_prints_the_dashboards_figures(world, client):
    client = signed_in(client, world.coordinator)
    for programme in world.programmes:
        period = Period.of(programme)
        page = dashboard_figures(client, programme, period, None)
        with translation.override("en"):
            report = exports.report_html(
                programme, period, None, protected=False, targets={}, language="en"
            )
            text = " ".join(
                page_.extract_text() for page_ in PdfReader(io.BytesIO(html_to_pdf(report))).pages
            )
            lines = re.sub(r"\s+", " ", text)
            for indicator in INDICATORS:
                assert f"{indicator.label} {page[indicator.code]}" in lines, (
                    programme.pk, indicator.code, page[indicator.code],
                )  # fmt: skip


def grand_total(rows: list[list[str]]) -> list[str]:
    body = [row for row in rows[1:] if any(row)]
    return [row for row in body if not row[0].startswith(("<5", "x"))][-1]


def test_the_csv_and_xlsx_tables_add_up_to_the_dashboards_meetings(world):
    for programme in world.programmes:
        for _name, period, community in scopes(programme):
            data = dashboard_data(programme, period, community)
            table = exports.indicator_table(programme, period, community, protected=True)
            csv_rows = list(csv.reader(io.StringIO(exports.to_csv(table).decode("utf-8-sig"))))
            sheet = openpyxl.load_workbook(io.BytesIO(exports.to_xlsx(table, programme.title)))
            xlsx_rows = [
                ["" if v is None else str(v) for v in row]
                for row in sheet.active.iter_rows(values_only=True)
            ]
            for rows in (csv_rows, xlsx_rows):
                total = grand_total(rows)
                expected, held, rate = total[4], total[5], total[6]
                assert int(expected) == data.values["meetings_expected"], (programme.pk, period)
                assert int(held) == data.values["meetings_held"], (programme.pk, period)
                if data.values["compliance_rate"] is not None and rate:
                    assert int(rate) == data.values["compliance_rate"], (programme.pk, period)


def test_the_public_page_counts_the_meetings_as_the_dashboard_does(world, client):
    today = clock.today()
    for programme in [p for p in world.programmes if p.is_public]:
        response = client.get(reverse("participation:programme", args=[programme.pk]))
        assert response.status_code == 200
        months = response.context["months"]
        if not months:
            continue
        first, last = months[0][0], min(programme.ends_on, today)
        data = dashboard_data(programme, Period(first, last))
        assert sum(n for _month, n, _width in months) == data.values["meetings_held"], programme.pk


def test_the_youth_page_counts_the_people_by_age_as_the_dashboard_does(world, client):
    client = signed_in(client, world.coordinator)
    for programme in world.programmes:
        whole = Period.of(programme)
        for _name, period, community in scopes(programme):
            if period != whole:
                continue  # the youth page shows the programme's whole period
            url = reverse("engagement:youth", args=[programme.pk])
            if community is not None:
                url += f"?community={community.pk}"
            response = client.get(url)
            data = dashboard_data(programme, whole, community)
            table = sex_band_table(data, protected=False)
            assert [n for _label, n, _youth in response.context["bands"]] == table["totals"][:-1]
            assert response.context["unknown_age"] == table["totals"][-1]


def test_the_plans_overview_agrees_with_the_dashboard_for_a_period_ending_today(world, client):
    client = signed_in(client, world.coordinator)
    today = clock.today()
    running = [p for p in world.programmes if not p.completed_by(today)]
    assert running
    for programme in running:
        response = client.get(reverse("safetyplans:overview", args=[programme.pk]))
        data = dashboard_data(programme, Period.of(programme))
        assert response.context["overdue_total"] == data.values["plan_actions_overdue"]
        assert response.context["in_force"] == data.values["plans_approved"]
        assert response.context["done_total"] == data.values["plan_actions_done"]


def test_the_compliance_grid_gives_the_dashboards_rate(world, client):
    client = signed_in(client, world.coordinator)
    for programme in world.programmes:
        response = client.get(reverse("meetings:compliance", args=[programme.pk]) + "?period=all")
        data = dashboard_data(programme, Period.of(programme))
        assert response.context["rate"] == data.values["compliance_rate"], programme.pk


def test_the_donors_dashboard_marks_the_figures_the_report_marks(world, client):
    client = signed_in(client, world.donor)
    for programme in world.programmes:
        response = client.get(reverse("dashboards:dashboard", args=[programme.pk]))
        if response.status_code != 200:
            continue
        page = {c: html.unescape(v).strip() for c, v in INDICATOR.findall(response.text)}
        data = response.context["data"]
        rows = indicator_rows(data, {}, protected=True)
        for _section, section_rows in rows:
            for row in section_rows:
                assert page[row.indicator.code] == shown(row.actual, row.indicator.unit)
        assert set(page) == set(BY_CODE)
