"""A donor signs in, sees the programme's progress drawn in charts and on the map, and
downloads the indicator table as XLSX, which opens with openpyxl and names no one."""

import openpyxl
import pytest
from playwright.sync_api import Page, expect

from communities.models import Programme
from demo.data import DEMO_PASSWORD
from tests.e2e.test_sign_in_journey import sign_in
from workinggroups.models import Person

pytestmark = pytest.mark.django_db(transaction=True)


def test_donor_sees_the_charts_and_downloads_the_indicator_table(
    page: Page, live_server, demo, tmp_path
):
    programme = Programme.objects.get(title_en__startswith="Increasing Local Social Cohesion")
    sign_in(page, live_server.url, "donor@cohesion.example", DEMO_PASSWORD)
    page.locator(f"main a[href='{programme.get_absolute_url()}']").first.click()
    page.locator(f"a[href$='/programmes/{programme.pk}/dashboard/']").first.click()

    # The charts are drawn by Chart.js on their canvases, and the map by Leaflet.
    for chart in ("chart-meetings", "chart-people", "chart-plans"):
        page.wait_for_function(
            f"() => window.Chart && Chart.getChart(document.getElementById('{chart}'))"
        )
    drawn = page.evaluate(
        "() => Chart.getChart(document.getElementById('chart-meetings')).data.datasets[0].data"
    )
    assert sum(value or 0 for value in drawn) > 0
    expect(page.locator("#dashboard-map[data-ready='1']")).to_be_attached()
    expect(page.locator("#dashboard-map .leaflet-interactive").first).to_be_attached()
    # Without a tile server, Ukraine's outline is drawn under the communities, with a legend.
    assert page.locator("#dashboard-map path[stroke='#0b3d6e']").count() >= 1
    expect(page.locator("#dashboard-map .map-legend")).to_contain_text("Працює самостійно")
    expect(page.locator("[data-indicator='meetings_held']")).to_contain_text("/")

    page.locator(f"a[href$='/programmes/{programme.pk}/exports/']").first.click()
    page.locator("select[name=kind]").select_option("table_xlsx")
    page.locator("main form button[type=submit]").click()
    link = page.locator("[data-export-ready]").first
    expect(link).to_be_visible(timeout=30_000)
    with page.expect_download() as info:
        link.click()
    path = tmp_path / "table.xlsx"
    info.value.save_as(path)

    sheet = openpyxl.load_workbook(path).active
    rows = list(sheet.iter_rows(values_only=True))
    assert len(rows) > 10
    communities = {row[0] for row in rows[1:]}
    assert "Баранівська" in communities
    cells = {str(value) for row in rows for value in row if value is not None}
    names = set(Person.objects.values_list("full_name", flat=True))
    assert not cells & names
    assert "<5" in cells


def test_donor_on_a_phone_reads_the_legend_and_the_tracking_table(page: Page, live_server, demo):
    programme = Programme.objects.get(title_en__startswith="Increasing Local Social Cohesion")
    page.set_viewport_size({"width": 360, "height": 780})
    sign_in(page, live_server.url, "donor@cohesion.example", DEMO_PASSWORD)
    page.goto(f"{live_server.url}/programmes/{programme.pk}/dashboard/")

    # Under the protected tables, what "<5" and "x" mean.
    legend = page.locator(".privacy-legend").first
    legend.scroll_into_view_if_needed()
    expect(legend).to_be_visible()
    expect(legend.locator("dt")).to_have_text(["<5", "x"])

    page.locator(f"a[href$='/programmes/{programme.pk}/iptt/']").first.click()
    page.wait_for_url("**/iptt/")
    table = page.locator("table.iptt")
    expect(table).to_be_visible()
    held = table.locator("tr[data-indicator='meetings_held']")
    expect(held).to_be_visible()
    # The indicator's name stays in view while the periods scroll sideways.
    expect(held.locator("th")).to_be_in_viewport()
    expect(page.locator(".privacy-legend")).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth + 1")
