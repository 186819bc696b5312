"""Who may open and change recommendations, through the pages: the programme's coordinator and
the group's leader keep them; the leader of another group gets 404 (the recommendation does
not exist for them), the programme's donor 404 on a recommendation and its document (figures
only) and 403 on the lists; anonymous visitors are sent to sign in. A refused write changes
nothing."""

import pytest
from django.urls import reverse

from recommendations.models import Answer, ImplementationStep, Recommendation

pytestmark = pytest.mark.django_db

ROLES = ["coordinator", "leader", "other_leader", "donor", "anonymous"]
# Page name -> expected status for each role, in ROLES order ("login": sent to sign in).
PAGES = {
    "group_list": "200 200 404 403 login",
    "programme_list": "200 403 403 403 login",
    "create": "200 200 404 403 login",
    "detail": "200 200 404 404 login",
    "document": "200 200 404 404 login",
}
WRITES = {
    "send": "302 302 404 404 login",
    "answer": "302 302 404 404 login",
    "step_add": "302 302 404 404 login",
    "create": "302 302 404 403 login",
}


def url(name, recommendation):
    key = {
        "group_list": recommendation.group_id,
        "programme_list": recommendation.group.programme_id,
        "create": recommendation.meeting_id,
        "document": recommendation.answer.pk,
    }.get(name, recommendation.pk)
    return reverse(f"recommendations:{name}", args=[key])


def data(name, recommendation, council):
    return {
        "send": {"sent_on": "2024-03-08"},
        "answer": {"outcome": "rejected", "received_on": "2024-04-02"},
        "step_add": {"on": "2024-04-05", "text": "Зроблено.", "status": "implemented"},
        "create": {"title": "Нова", "text": "Текст", "addressee": council.pk},
    }[name]


def snapshot():
    return (
        list(Recommendation.objects.values_list("pk", "sent_on", "implementation")),
        list(Answer.objects.values_list("outcome", "received_on")),
        ImplementationStep.objects.count(),
    )


def client_for(request, client, role):
    if role != "anonymous":
        client.force_login(request.getfixturevalue(role))
    return client


def expected(spec, role):
    return spec.split()[ROLES.index(role)]


def check(response, want):
    if want == "login":
        assert response.status_code == 302
        assert response.url.startswith(reverse("account_login"))
    else:
        assert response.status_code == int(want)


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("page", list(PAGES))
def test_each_role_opens_the_pages_it_may_and_no_other(request, client, recommendation, role, page):
    client = client_for(request, client, role)
    response = client.get(url(page, recommendation))
    check(response, expected(PAGES[page], role))
    if response.status_code == 200 and page != "document":
        assert "Укриття в школі" in response.text or page == "create"


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("write", list(WRITES))
def test_each_role_changes_what_it_may_and_a_refusal_changes_nothing(
    request, client, recommendation, council, role, write
):
    client = client_for(request, client, role)
    before = snapshot()
    response = client.post(url(write, recommendation), data(write, recommendation, council))
    want = expected(WRITES[write], role)
    if want == "302" and write == "send":
        # Answered already: the sending stays as it was (the page says why).
        assert response.status_code == 400
        assert snapshot() == before
        return
    check(response, want)
    if want != "302":
        assert snapshot() == before
    else:
        assert snapshot() != before


def test_the_document_is_sent_privately_as_a_download(as_user, recommendation, leader):
    response = as_user(leader).get(url("document", recommendation))
    assert response["Content-Disposition"].startswith("attachment")
    assert response["Cache-Control"] == "private, no-store"
    assert b"".join(response.streaming_content).startswith(b"%PDF-")


def test_the_group_page_links_its_recommendations_for_those_who_keep_them_only(
    as_user, recommendation, leader, donor
):
    link = reverse("recommendations:group_list", args=[recommendation.group_id])
    assert link in as_user(leader).get(recommendation.group.get_absolute_url()).text
    assert link not in as_user(donor).get(recommendation.group.get_absolute_url()).text
