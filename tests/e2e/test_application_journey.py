"""A visitor applies in Ukrainian on a programme's public page; a coordinator accepts the
application; the new member appears in the community's working group and is welcomed by email,
in Ukrainian, with the group's name."""

import re

import pytest
from django.core import mail
from playwright.sync_api import Page, expect

from cohesion import clock
from communities.models import Programme
from demo.data import DEMO_PASSWORD
from participation.models import Application
from tests.e2e.test_sign_in_journey import current_code, give_totp, sign_in
from workinggroups.models import Membership, Person

pytestmark = pytest.mark.django_db(transaction=True)

NAME = "Ганна Петрівна Заявниця"


def test_visitor_applies_in_ukrainian_and_a_coordinator_accepts(
    browser, page: Page, live_server, demo
):
    programme = Programme.objects.get(title_en__startswith="Demo programme")
    born = clock.today().year - 22  # a young person by any programme's limit
    group = programme.working_groups.select_related("community").order_by("pk").first()

    # A visitor, not signed in, in Ukrainian (the default).
    visitor = browser.new_context(locale="uk-UA").new_page()
    visitor.goto(f"{live_server.url}/")
    visitor.locator("a[href='/p/']").first.click()
    visitor.locator(f"a[href='/p/{programme.pk}/']").first.click()
    expect(visitor.locator("h1")).to_contain_text("Демонстраційна програма")
    visitor.locator(f"a[href='/p/{programme.pk}/apply/']").first.click()
    expect(visitor.locator("html")).to_have_attribute("lang", "uk")
    form = visitor.locator("main form")
    form.locator("input[name=full_name]").fill(NAME)
    form.locator("input[name=phone]").fill("+380 67 765 43 21")
    form.locator("input[name=email]").fill("hanna.zaiavnytsia@example.org")
    form.locator("select[name=community]").select_option(str(group.community_id))
    form.locator("select[name=category]").select_option(label="Громадські організації")
    form.locator("input[name=organisation_name]").fill("ГО «Світанок»")
    form.get_by_label("Рік народження").fill(str(born))
    form.locator("input[name=is_youth]").check()
    form.locator("textarea[name=motivation]").fill("Хочу, щоб біля школи було безпечно.")
    form.locator("input[name=consent]").check()
    visitor.wait_for_timeout(3200)  # a person takes a few seconds; faster looks like a robot
    form.locator("button[type=submit]").click()
    expect(visitor).to_have_url(f"{live_server.url}/p/{programme.pk}/thanks/")
    application = Application.objects.get(full_name=NAME)
    assert application.language == "uk"
    assert (application.birth_year, application.is_youth) == (born, True)
    visitor.context.close()

    # The coordinator, signed in with TOTP, accepts it into the community's group.
    secret = give_totp("coordinator@cohesion.example")
    sign_in(page, live_server.url, "coordinator@cohesion.example", DEMO_PASSWORD)
    page.get_by_label("Код", exact=False).first.fill(current_code(secret))
    page.get_by_role("button", name="Увійти").click()
    # Signed in before going on: a page opened while the sign-in is still posting loses it.
    expect(page).not_to_have_url(re.compile(r"/accounts/"))
    page.goto(f"{live_server.url}{programme.get_absolute_url()}")
    page.locator(f"a[href$='/programmes/{programme.pk}/applications/']").first.click()
    page.locator(f"a[href$='/applications/{application.pk}/']").click()
    accept = page.locator(f"form[action$='/applications/{application.pk}/accept/']")
    expect(accept.locator("select[name=group]")).to_have_value(str(group.pk))
    accept.locator("button[type=submit]").click()
    expect(page).to_have_url(f"{live_server.url}/programmes/{programme.pk}/applications/")

    person = Person.objects.get(full_name=NAME)
    membership = Membership.objects.get(person=person, group=group, left_on__isnull=True)
    assert person.phone == "+380 67 765 43 21"
    assert person.birth_year == born  # youth is counted from it
    assert membership.category.code == "cso"
    page.goto(f"{live_server.url}{group.get_absolute_url()}")
    expect(page.locator("main").get_by_text(NAME)).to_be_visible()

    # The applicant hears, in the language they applied in, where they now belong.
    welcome = [m for m in mail.outbox if m.to == ["hanna.zaiavnytsia@example.org"]]
    assert [m.subject for m in welcome][-1].startswith("Ласкаво просимо до робочої групи")
    assert "прийнято" in welcome[-1].body
    assert group.name_uk in welcome[-1].body
