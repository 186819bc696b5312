from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from accounts.roles import user_roles
from communities.filters import CommunityFilter, OrganisationFilter
from communities.forms import (
    CommunityForm,
    EnrolForm,
    OrganisationForm,
    ProgrammeForm,
    WithdrawForm,
)
from communities.models import Community, Enrolment, Organisation, Programme
from communities.services import enrolment_withdraw, programme_enrol_community
from workinggroups.services import groups_awaiting_outcome


def _programme_for(user, pk: int, *, write: bool = False, queryset=None) -> Programme:
    """The programme if the user may see it (404 otherwise); writes need its coordinator."""
    queryset = queryset if queryset is not None else Programme.objects.all()
    programme = get_object_or_404(queryset.visible_to(user), pk=pk)
    if write and not user_roles(user).coordinates(programme.pk):
        raise PermissionDenied
    return programme


def _community_for(user, pk: int, *, write: bool = False) -> Community:
    community = get_object_or_404(
        Community.objects.visible_to(user).select_related("region", "raion"), pk=pk
    )
    if write:
        roles = user_roles(user)
        coordinated = community.enrolments.current().filter(programme_id__in=roles.coordinator_of)
        if not (roles.is_admin or coordinated.exists()):
            raise PermissionDenied
    return community


def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = (
        Programme.objects.visible_to(request.user)
        .select_related("implementing_partner")
        .prefetch_related("donors")
        .annotate(
            community_count=Count("enrolments", filter=Q(enrolments__withdrawn_on__isnull=True))
        )
    )
    return render(request, "communities/programme_list.html", {"programmes": programmes})


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_for(
        request.user,
        pk,
        queryset=Programme.objects.select_related("implementing_partner").prefetch_related(
            "donors", "partners", "required_categories"
        ),
    )
    enrolments = programme.enrolments.select_related(
        "community__region", "community__raion"
    ).order_by("withdrawn_on", "community__name_uk")
    can_manage = user_roles(request.user).coordinates(programme.pk)
    # Who has access is for the programme's coordinators only, never for donors.
    access = (
        programme.role_assignments.select_related("user", "working_group").order_by(
            "role", "user__email"
        )
        if can_manage
        else []
    )
    context = {
        "programme": programme,
        "enrolments": enrolments,
        "can_manage": can_manage,
        "is_donor": programme.pk in user_roles(request.user).donor_of,
        "waiting_applications": programme.applications.filter(status="new").count()
        if can_manage
        else 0,
        "access": access,
        "awaiting_outcome": groups_awaiting_outcome(programme).count()
        if can_manage and programme.is_completed
        else 0,
    }
    return render(request, "communities/programme_detail.html", context)


def programme_create(request: HttpRequest) -> HttpResponse:
    if not user_roles(request.user).is_admin:
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        programme = form.save()
        messages.success(request, _("The programme has been created."))
        return redirect(programme)
    return render(request, "communities/programme_form.html", {"form": form})


def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_for(request.user, pk, write=True)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The programme has been saved."))
        return redirect(programme)
    return render(
        request, "communities/programme_form.html", {"form": form, "programme": programme}
    )


# The same URL answers HTMX with a fragment: caches and the back button must tell them apart.
@vary_on_headers("HX-Request")
def programme_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    programme = _programme_for(request.user, pk, write=True)
    form = EnrolForm(
        request.POST or None,
        initial={"enrolled_on": programme.start_date},
        communities=Community.objects.visible_to(request.user),
    )
    if request.method == "POST" and form.is_valid():
        try:
            enrolment = programme_enrol_community(programme=programme, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(community)s has been enrolled.")
                % {"community": enrolment.community.full_name},
            )
            return redirect(programme)
    query = request.GET.get("q", "").strip()
    enrolled = programme.enrolments.current().values("community_id")
    results = (
        Community.objects.visible_to(request.user)
        .search(query)
        .exclude(pk__in=enrolled)
        .select_related("region")[:25]
        if query
        else []
    )
    context = {"programme": programme, "form": form, "query": query, "results": results}
    template = "communities/_enrol_results.html" if request.htmx else "communities/enrol.html"
    return render(request, template, context)


def enrolment_withdraw_view(request: HttpRequest, pk: int, enrolment_pk: int) -> HttpResponse:
    programme = _programme_for(request.user, pk, write=True)
    enrolment = get_object_or_404(
        programme.enrolments.current().select_related("community"), pk=enrolment_pk
    )
    form = WithdrawForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            enrolment_withdraw(enrolment=enrolment, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The community has been withdrawn from the programme."))
            return redirect(programme)
    context = {"programme": programme, "enrolment": enrolment, "form": form}
    return render(request, "communities/withdraw.html", context)


# The same URL answers HTMX with a fragment: caches and the back button must tell them apart.
@vary_on_headers("HX-Request")
def community_list(request: HttpRequest) -> HttpResponse:
    communities = Community.objects.visible_to(request.user).select_related("region", "raion")
    filterset = CommunityFilter(request.GET or None, queryset=communities, user=request.user)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page}
    template = (
        "communities/_community_table.html" if request.htmx else "communities/community_list.html"
    )
    return render(request, template, context)


def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    community = _community_for(request.user, pk)
    programmes = Programme.objects.visible_to(request.user)
    enrolments = (
        community.enrolments.filter(programme__in=programmes)
        .select_related("programme")
        .order_by("-enrolled_on")
    )
    roles = user_roles(request.user)
    can_edit = roles.is_admin or any(
        e.is_current and e.programme_id in roles.coordinator_of for e in enrolments
    )
    organisations = community.organisations.all() if roles.is_coordinator else []
    context = {
        "community": community,
        "enrolments": enrolments,
        "organisations": organisations,
        "can_edit": can_edit,
    }
    return render(request, "communities/community_detail.html", context)


def community_edit(request: HttpRequest, pk: int) -> HttpResponse:
    community = _community_for(request.user, pk, write=True)
    form = CommunityForm(request.POST or None, instance=community)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("The community has been saved."))
        return redirect(community)
    return render(
        request, "communities/community_form.html", {"form": form, "community": community}
    )


# The same URL answers HTMX with a fragment: caches and the back button must tell them apart.
@vary_on_headers("HX-Request")
def organisation_list(request: HttpRequest) -> HttpResponse:
    organisations = Organisation.objects.visible_to(request.user).select_related(
        "community__region"
    )
    filterset = OrganisationFilter(request.GET or None, queryset=organisations)
    page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
    context = {"filter": filterset, "page": page}
    template = (
        "communities/_organisation_table.html"
        if request.htmx
        else "communities/organisation_list.html"
    )
    return render(request, template, context)


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = get_object_or_404(
        Organisation.objects.visible_to(request.user).select_related("community__region"), pk=pk
    )
    programmes = Programme.objects.visible_to(request.user)
    context = {
        "organisation": organisation,
        "implements": programmes.filter(implementing_partner=organisation),
        "funds": programmes.filter(donors=organisation),
        "can_edit": Organisation.objects.editable_by(request.user).filter(pk=pk).exists(),
    }
    return render(request, "communities/organisation_detail.html", context)


def organisation_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not user_roles(request.user).is_coordinator:
        raise PermissionDenied
    organisation = None
    if pk is not None:
        organisation = get_object_or_404(Organisation.objects.visible_to(request.user), pk=pk)
        if not Organisation.objects.editable_by(request.user).filter(pk=pk).exists():
            raise PermissionDenied
    enrolled = Community.objects.visible_to(request.user).filter(
        pk__in=Enrolment.objects.current().values("community_id")
    )
    form = OrganisationForm(request.POST or None, instance=organisation, communities=enrolled)
    if request.method == "POST" and form.is_valid():
        organisation = form.save()
        messages.success(request, _("The organisation has been saved."))
        return redirect(organisation)
    context = {"form": form, "organisation": organisation}
    return render(request, "communities/organisation_form.html", context)
