"""The admin shows a recommendation's steps but does not edit them: a step recorded on the
recommendation's page sets its implementation; one added or changed in the admin would leave
that stale."""

import pytest
from django.urls import reverse

from recommendations import services
from tests.recommendations.conftest import D

pytestmark = pytest.mark.django_db


def test_the_admin_shows_steps_without_a_form_to_add_or_change_them(
    as_user, admin_user, recommendation, leader
):
    services.step_add(
        recommendation=recommendation, on=D(2024, 4, 5), text="Укриття обладнано.",
        status="implemented", today=D(2024, 4, 10), by=leader,
    )  # fmt: skip
    page = as_user(admin_user).get(
        reverse("admin:recommendations_recommendation_change", args=[recommendation.pk])
    )
    assert page.status_code == 200
    assert "Укриття обладнано." in page.text
    steps = next(
        formset
        for formset in page.context["inline_admin_formsets"]
        if formset.formset.model._meta.model_name == "implementationstep"
    )
    assert not steps.has_add_permission and not steps.has_change_permission
