"""Who may see the public site's programmes and published plans (anyone), and who may review
applications to take part (the programme's coordinators)."""

from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils.translation import get_language

from accounts.roles import user_roles
from cohesion.access import access_function
from communities.models import Programme
from participation.models import Application
from safetyplans.models import PlanDocument, SafetyPlan


@access_function
def access_public_programme(pk: int) -> Programme:
    """A programme its coordinators publish on the public site (404 otherwise), for anyone."""
    return get_object_or_404(
        Programme.objects.public().select_related("implementing_partner"), pk=pk
    )


@access_function
def access_published_plan(pk: int, *, default_language: str) -> PlanDocument:
    """The PDF of the plan in force, in the visitor's language if there is one, of a public
    programme that publishes its plans (404 otherwise), for anyone."""
    plan = get_object_or_404(
        SafetyPlan.objects.filter(
            group__programme__in=Programme.objects.public().filter(publishes_plans=True),
            approved_version__isnull=False,
        ),
        pk=pk,
    )
    documents = {
        document.language: document
        for document in PlanDocument.objects.filter(
            version_id=plan.approved_version_id, status=PlanDocument.Status.READY
        )
    }
    document = documents.get(get_language()) or documents.get(default_language)
    if document is None:
        raise Http404
    return document


@access_function
def access_application(user, pk: int) -> Application:
    """An application to a programme the user coordinates (404 for anyone else: applicants'
    data is for the people who review them)."""
    application = get_object_or_404(
        Application.objects.visible_to(user).select_related("programme", "community", "category"),
        pk=pk,
    )
    if not user_roles(user).coordinates(application.programme_id):
        raise PermissionDenied
    return application
