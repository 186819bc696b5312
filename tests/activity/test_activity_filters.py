"""The activity narrows to a kind of record, to whoever made the changes, to a period and to a
community's group; the page links carry the filters from page to page."""

import datetime
import re

import pytest

from cohesion import clock
from tests.factories import MeetingFactory, MembershipFactory

pytestmark = pytest.mark.django_db


def kinds(response) -> set[str]:
    return {entry.kind for entry in response.context["entries"]}


@pytest.fixture
def activity(as_user, group, other_group, leader, coordinator):
    """A person edited by the group's leader, a meeting in each group, made by nobody."""
    from tests.workinggroups.test_history import edit_person

    membership = MembershipFactory(group=group, person__full_name="Ірина Мельник")
    edit_person(as_user(leader), membership.person, phone="0502222222")
    MeetingFactory(group=group)
    MeetingFactory(group=other_group)
    return membership


def test_kind_of_record_narrows_to_its_area(activity_page, programme, coordinator, activity):
    assert kinds(activity_page(coordinator, programme, area="people")) == {"Person"}
    assert kinds(activity_page(coordinator, programme, area="meetings")) == {"Meeting"}
    assert kinds(activity_page(coordinator, programme)) >= {"Person", "Membership", "Meeting"}


def test_changed_by_narrows_to_that_user(activity_page, programme, coordinator, leader, activity):
    entries = activity_page(coordinator, programme, user=leader.pk).context["entries"]
    assert [(e.kind, e.who) for e in entries] == [("Person", str(leader))]


def test_group_narrows_to_the_groups_records_and_people(
    activity_page, programme, coordinator, group, other_group, activity
):
    mine = activity_page(coordinator, programme, group=group.pk).context["entries"]
    assert {e.kind for e in mine} >= {"Person", "Membership", "Meeting"}
    assert all(other_group.name not in e.name for e in mine)
    theirs = activity_page(coordinator, programme, group=other_group.pk).context["entries"]
    assert [e.kind for e in theirs if e.kind != "Working group"] == ["Meeting"]


def test_date_range_narrows_to_the_period(
    activity_page, programme, coordinator, group, time_machine, activity
):
    today = clock.today()
    time_machine.move_to(datetime.datetime(2030, 5, 10, 12, tzinfo=datetime.UTC), tick=False)
    MeetingFactory(group=group, place="Пізніше")
    later = activity_page(coordinator, programme, since="2030-05-10", until="2030-05-10")
    assert [e.kind for e in later.context["entries"]] == ["Meeting"]
    earlier = activity_page(coordinator, programme, until=today.isoformat())
    assert len(earlier.context["entries"]) > 1
    assert all(e.when.year < 2030 for e in earlier.context["entries"])
    assert activity_page(coordinator, programme, since="2030-05-11").context["entries"] == []


def test_nonsense_in_a_filter_is_left_out_not_refused(
    activity_page, programme, coordinator, activity
):
    response = activity_page(coordinator, programme, since="yesterday", area="nonsense", user="x")
    assert response.status_code == 200
    assert kinds(response) >= {"Person", "Meeting"}


def test_the_user_filter_offers_the_programmes_people_not_its_donors(
    activity_page, programme, coordinator, leader, donor, other_coordinator
):
    offered = set(activity_page(coordinator, programme).context["form"].fields["user"].queryset)
    assert offered == {coordinator, leader}


def test_page_links_keep_the_filters(activity_page, programme, coordinator, group):
    for _ in range(55):
        MeetingFactory(group=group)
    response = activity_page(coordinator, programme, area="meetings", group=group.pk)
    assert len(response.context["entries"]) == 50
    links = re.findall(r'href="\?([^"]+)"', response.text)
    assert links == [f"area=meetings&amp;group={group.pk}&amp;page=2"]
    second = activity_page(coordinator, programme, area="meetings", group=group.pk, page=2)
    assert [e.kind for e in second.context["entries"]] == ["Meeting"] * 5
    first = {(e.name, e.when) for e in response.context["entries"]}
    assert not first & {(e.name, e.when) for e in second.context["entries"]}
    assert "Page 2 of 2" in second.text
