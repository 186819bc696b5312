"""Review of the meeting record: what the record form and the after-the-fact meeting lose or
add that the leader did not say. Each test states what should hold; they fail on the code as
reviewed."""

import pytest
from django.urls import reverse

from meetings.models import ActionItem, Meeting
from tests.factories import ActionItemFactory, MeetingFactory, MembershipFactory
from tests.meetings.test_meeting_pages import (  # noqa: F401  fixtures
    active,
    in_days,
    leader_client,
    local_input,
)
from tests.meetings.test_record_form import log_url, marked, past_data, to_log  # noqa: F401

pytestmark = pytest.mark.django_db


def test_no_action_typed_on_the_phone_is_dropped_without_a_word(
    leader_client,  # noqa: F811
    to_log,  # noqa: F811
):
    """The script adds action rows without limit; the form reads at most MAX_ACTIONS (50) of
    them. A record with 55 agreed actions is saved, "saved" is said, and five are gone."""
    owner = to_log.members[0]
    actions = {}
    for i in range(55):
        actions[f"action_{i}_description"] = f"Дія {i + 1}"
        actions[f"action_{i}_owner"] = str(owner.pk)
        actions[f"action_{i}_due_on"] = "2030-01-15"
    response = leader_client.post(
        log_url(to_log), {**marked(to_log, "present", "present", "present"), **actions}
    )
    saved = ActionItem.objects.filter(meeting=to_log).count()
    if response.status_code == 302:
        assert saved == 55, f"saved, but only {saved} of the 55 actions typed"
    else:  # refused: then said, and nothing saved
        assert saved == 0 and response.context["form"].errors


def test_a_meeting_recorded_after_the_fact_does_not_carry_actions_agreed_after_it(
    leader_client,  # noqa: F811
    active,  # noqa: F811
):
    """A meeting held three weeks ago and recorded now gets on its agenda, as 'open actions
    carried over', actions agreed at a meeting two days ago: its protocol would say it
    discussed what had not been decided yet."""
    member = MembershipFactory(group=active)
    later = MeetingFactory(group=active, starts_at=in_days(-2), status=Meeting.Status.HELD)
    ActionItemFactory(group=active, meeting=later, owner=member, description="Полагодити ліхтарі")
    response = leader_client.post(
        reverse("meetings:record_past", args=[active.pk]),
        past_data(starts_at=local_input(in_days(-21))),
    )
    assert response.status_code == 302
    recorded = Meeting.objects.exclude(pk=later.pk).get()
    carried = list(
        recorded.agenda_items.filter(action_item__isnull=False).values_list("title", flat=True)
    )
    assert carried == [], carried
