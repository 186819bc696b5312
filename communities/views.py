"""Programmes, the community directory and the organisation directory. Who may see or change
each is decided in communities/access.py."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.vary import vary_on_headers

from cohesion.paging import page_of
from cohesion.text import clean_line
from communities.access import (
    access_community,
    access_enrolment,
    access_organisation,
    access_programme,
    communities_with_programmes,
    funds_programme,
    manages_community,
    manages_organisation,
    manages_programme,
    may_create_organisation,
    may_create_programme,
)
from communities.filters import CommunityFilter, OrganisationFilter
from communities.forms import (
    CommunityForm,
    EnrolForm,
    OrganisationForm,
    ProgrammeForm,
    WithdrawForm,
)
from communities.models import Community, Organisation, Programme
from communities.services import (
    community_update,
    enrolment_withdraw,
    organisation_save,
    programme_enrol_community,
    programme_save,
)
from dashboards.page import directory_body, directory_page
from workinggroups.services import groups_awaiting_outcome


def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = (
        Programme.objects.visible_to(request.user)
        .select_related("implementing_partner")
        .prefetch_related("donors")
        .annotate(
            community_count=Count("enrolments", filter=Q(enrolments__withdrawn_on__isnull=True))
        )
    )
    context = {"programmes": programmes, "may_create": may_create_programme(request.user)}
    return render(request, "communities/programme_list.html", context)


ENROLMENTS_PER_PAGE = 50


def programme_detail(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_programme(
        request.user,
        pk,
        select=["implementing_partner"],
        prefetch=["donors", "partners", "required_categories"],
    )
    # A national programme enrols 1,500 communities: a page of them at a time, with a search.
    query = clean_line(request.GET.get("q", ""))[:100]
    enrolments = programme.enrolments.select_related(
        "community__region", "community__raion"
    ).order_by("withdrawn_on", "community__name_uk", "pk")
    if query:
        enrolments = enrolments.search(query)
    enrolments = page_of(enrolments, request, per_page=ENROLMENTS_PER_PAGE)
    can_manage = manages_programme(request.user, programme)
    # Who has access is for the programme's coordinators only, never for donors. Every group's
    # leader has a role in it: 1,500 and more at national scale, a page at a time.
    access = (
        page_of(
            programme.role_assignments.select_related("user", "working_group").order_by(
                "role", "user__email", "pk"
            ),
            request,
            param="people",
        )
        if can_manage
        else None
    )
    context = {
        "programme": programme,
        "enrolments": enrolments,
        "page": enrolments,
        "query": query,
        "can_manage": can_manage,
        "is_donor": funds_programme(request.user, programme),
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
    if not may_create_programme(request.user):
        raise PermissionDenied
    form = ProgrammeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        programme = programme_save(programme=None, fields=form.cleaned_data, by=request.user)
        messages.success(request, _("The programme has been created."))
        return redirect(programme)
    return render(request, "communities/programme_form.html", {"form": form})


def programme_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_programme(request.user, pk, manage=True)
    form = ProgrammeForm(request.POST or None, instance=programme)
    if request.method == "POST" and form.is_valid():
        programme_save(programme=programme, fields=form.cleaned_data, by=request.user)
        messages.success(request, _("The programme has been saved."))
        return redirect(programme)
    return render(
        request, "communities/programme_form.html", {"form": form, "programme": programme}
    )


# The same URL answers HTMX with a fragment: caches and the back button must tell them apart.
@vary_on_headers("HX-Request")
def programme_enrol(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_programme(request.user, pk, manage=True)
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
    enrolment = access_enrolment(request.user, pk, enrolment_pk, manage=True)
    programme = enrolment.programme
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
    """The directory, 50 communities a page; the body is kept per version of the directory
    (dashboards.page.directory_body): 1,500 communities change far less often than read."""

    def render_body() -> str:
        communities = Community.objects.visible_to(request.user).select_related("region", "raion")
        filterset = CommunityFilter(request.GET or None, queryset=communities, user=request.user)
        page = Paginator(filterset.qs, 50).get_page(request.GET.get("page"))
        template = (
            "communities/_community_table.html"
            if request.htmx
            else "communities/_community_list_body.html"
        )
        return render_to_string(template, {"filter": filterset, "page": page}, request=request)

    if request.htmx:
        return HttpResponse(directory_body(request, "communities", render_body))
    return directory_page(
        request, "communities", render_body, "communities/community_list.html", {}
    )


def community_detail(request: HttpRequest, pk: int) -> HttpResponse:
    community = access_community(request.user, pk)
    programmes = Programme.objects.visible_to(request.user)
    enrolments = (
        community.enrolments.filter(programme__in=programmes)
        .select_related("programme")
        .order_by("-enrolled_on")
    )
    can_edit = manages_community(request.user, community)
    # The organisations on record in the community are for those who build programmes.
    organisations = community.organisations.all() if may_create_organisation(request.user) else []
    context = {
        "community": community,
        "enrolments": enrolments,
        "organisations": organisations,
        "can_edit": can_edit,
    }
    return render(request, "communities/community_detail.html", context)


def community_edit(request: HttpRequest, pk: int) -> HttpResponse:
    community = access_community(request.user, pk, manage=True)
    form = CommunityForm(request.POST or None, instance=community)
    if request.method == "POST" and form.is_valid():
        community_update(community=community, fields=form.cleaned_data, by=request.user)
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
    context = {
        "filter": filterset,
        "page": page,
        "may_create": may_create_organisation(request.user),
    }
    template = (
        "communities/_organisation_table.html"
        if request.htmx
        else "communities/organisation_list.html"
    )
    return render(request, template, context)


def organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    organisation = access_organisation(request.user, pk)
    programmes = Programme.objects.visible_to(request.user)
    context = {
        "organisation": organisation,
        "implements": programmes.filter(implementing_partner=organisation),
        "funds": programmes.filter(donors=organisation),
        "can_edit": manages_organisation(request.user, organisation),
    }
    return render(request, "communities/organisation_detail.html", context)


def organisation_form(request: HttpRequest, pk: int | None = None) -> HttpResponse:
    if not may_create_organisation(request.user):
        raise PermissionDenied
    organisation = None
    if pk is not None:
        organisation = access_organisation(request.user, pk, manage=True)
    form = OrganisationForm(
        request.POST or None,
        instance=organisation,
        communities=communities_with_programmes(request.user),
    )
    if request.method == "POST" and form.is_valid():
        organisation = organisation_save(
            organisation=organisation, fields=form.cleaned_data, by=request.user
        )
        messages.success(request, _("The organisation has been saved."))
        return redirect(organisation)
    context = {"form": form, "organisation": organisation}
    return render(request, "communities/organisation_form.html", context)
