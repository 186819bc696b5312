"""Youth leaders, the veteran sphere, trainings and exchange visits. Who may see or change each
is decided in engagement/access.py: coordinators keep these registers; donors get figures, since
youth leaders and participants are people; a group's leader follows their own community."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cohesion import clock
from cohesion.forms import add_errors
from cohesion.paging import page_of
from communities.access import access_programme, manages_programme, sees_exact_counts
from dashboards.indicators import Period, people_by_age_band
from engagement import services
from engagement.access import (
    access_assessment,
    access_event,
    access_for_editing,
    access_opportunity,
    access_participant,
    access_veteran_organisation,
    access_youth_leader,
    access_youth_support,
    matching_scope,
    sees_people_of,
)
from engagement.forms import (
    AddParticipantsForm,
    CommunityFilterForm,
    EventFilterForm,
    EventForm,
    NeedsAssessmentForm,
    NewPersonForm,
    OpportunityForm,
    SignInSheetForm,
    VeteranOrganisationForm,
    YouthLeaderForm,
    YouthSupportForm,
)
from engagement.models import (
    Event,
    NeedsAssessment,
    Opportunity,
    VeteranOrganisation,
    YouthLeader,
)
from engagement.selectors import (
    attendance_figures,
    counts_by_choice,
    matching,
    member_choices,
    programme_communities,
    programme_people,
    with_attendance,
    youth_figures,
)
from workinggroups.access import people_shown_to, people_visible_to
from workinggroups.services import PossibleDuplicate, person_create


def _url(name: str, programme) -> str:
    return reverse(name, args=[programme.pk])


def _fields(form, *skip) -> dict:
    return {k: v for k, v in form.cleaned_data.items() if k not in skip}


# --- youth ----------------------------------------------------------------------------------


def youth(request: HttpRequest, pk: int) -> HttpResponse:
    """Youth leaders, their support, youth organisations and youth participation by age band.
    Donors and others who may not see people get the figures only."""
    programme = access_programme(request.user, pk)
    filters = CommunityFilterForm(request.GET or None, programme=programme)
    community = filters.cleaned_data.get("community") if filters.is_valid() else None
    leaders = YouthLeader.objects.visible_to(request.user).filter(programme=programme)
    if community:
        leaders = leaders.filter(community=community)
    leaders = page_of(
        leaders.select_related("person", "community", "organisation")
        .annotate(support_count=Count("supports"))
        .order_by("community__name_uk", "person__full_name", "pk"),
        request,
    )
    # The dashboard's people and ages (dashboards.indicators), so both pages give one figure.
    period = Period.of(programme)
    bands, unknown_age = people_by_age_band(programme, period, community)
    context = {
        "programme": programme,
        "filters": filters,
        "coordinates": manages_programme(request.user, programme),
        "leaders": leaders,
        "page": leaders,
        **youth_figures(programme),
        "bands": bands,
        "unknown_age": unknown_age,
        "period": period,
        "suppress": not sees_exact_counts(request.user, programme),
    }
    return render(request, "engagement/youth.html", context)


def _leader_form_people(user, programme):
    return (
        programme_people(programme)
        .filter(pk__in=people_visible_to(user).values("pk"))
        .order_by("full_name")
    )


def youth_leader_edit(request: HttpRequest, pk: int | None = None, programme_pk: int | None = None):
    leader, programme = access_for_editing(request.user, YouthLeader, pk, programme_pk)
    people = _leader_form_people(request.user, programme)
    form = YouthLeaderForm(
        request.POST or None, instance=leader, programme=programme, people=people
    )
    new_person = None
    if leader is None:
        new_person = NewPersonForm(
            request.POST or None, communities=programme_communities(programme)
        )
    if request.method == "POST" and form.is_valid():
        person = form.cleaned_data["person"]
        try:
            # One transaction: a new person refused as a youth leader is not kept either.
            with transaction.atomic():
                saved = _save_youth_leader(request, form, new_person, programme, leader, person)
        except PossibleDuplicate as duplicate:
            form.add_error(None, duplicate)
            new_person.possible = duplicate.matches
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The youth leader has been saved."))
            return redirect(saved)
    context = {"form": form, "new_person": new_person, "programme": programme, "leader": leader}
    return render(request, "engagement/youth_leader_form.html", context)


def _save_youth_leader(request, form, new_person, programme, leader, person):
    """The chosen person, or the new one entered below the form, as a youth leader."""
    if person is None:
        if new_person is None or not new_person.is_valid():
            raise ValidationError(_("Choose a person on record or enter a new one."))
        person = person_create(
            fields=new_person.cleaned_data,
            by=request.user,
            allow_similar=request.POST.get("confirm_new") == "1",
        )
    return services.youth_leader_save(
        programme=programme, leader=leader, by=request.user, **{**_fields(form), "person": person}
    )


def youth_leader_detail(request: HttpRequest, pk: int) -> HttpResponse:
    leader = access_youth_leader(request.user, pk)
    context = {
        "leader": leader,
        "programme": leader.programme,
        "coordinates": manages_programme(request.user, leader.programme),
        "supports": leader.supports.select_related("provider", "event"),
        "shown": people_shown_to(request.user, [leader.person_id]),
    }
    return render(request, "engagement/youth_leader_detail.html", context)


def youth_support_edit(request: HttpRequest, pk: int | None = None, leader_pk: int | None = None):
    if pk is not None:
        support = access_youth_support(request.user, pk, manage=True)
        leader = support.youth_leader
    else:
        support = None
        leader = access_youth_leader(request.user, leader_pk, manage=True)
    form = YouthSupportForm(request.POST or None, instance=support, programme=leader.programme)
    if request.method == "POST" and form.is_valid():
        try:
            services.youth_support_save(
                youth_leader=leader, support=support, by=request.user, **_fields(form)
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The support has been saved."))
            return redirect(leader)
    context = {"form": form, "leader": leader, "support": support}
    context["title"] = _("Support") if support else _("New support")
    context["back"] = leader.get_absolute_url()
    return render(request, "engagement/form.html", context)


@require_POST
def youth_support_delete(request: HttpRequest, pk: int) -> HttpResponse:
    support = access_youth_support(request.user, pk, manage=True)
    services.youth_support_delete(support=support, by=request.user)
    messages.success(request, _("The support has been removed."))
    return redirect(support.youth_leader)


# --- veteran sphere -------------------------------------------------------------------------


def veterans(request: HttpRequest, pk: int) -> HttpResponse:
    """The veteran sphere of the programme: organisations by community, needs assessments,
    opportunities, and which needs are gaps."""
    programme = access_programme(request.user, pk)
    filters = CommunityFilterForm(request.GET or None, programme=programme)
    community = filters.cleaned_data.get("community") if filters.is_valid() else None
    organisations = VeteranOrganisation.objects.visible_to(request.user).filter(programme=programme)
    assessments = NeedsAssessment.objects.visible_to(request.user).filter(programme=programme)
    if community:
        organisations = organisations.filter(community=community)
        assessments = assessments.filter(community=community)
    matches = matching(programme, communities=matching_scope(request.user, programme))
    if community:
        matches = [m for m in matches if m.community.pk == community.pk]
    context = {
        "programme": programme,
        "filters": filters,
        "coordinates": manages_programme(request.user, programme),
        "sees_contacts": sees_people_of(request.user, programme),
        "organisations": page_of(
            organisations.select_related("community", "organisation").order_by(
                "community__name_uk", "organisation__name_uk", "pk"
            ),
            request,
            param="organisations",
        ),
        "relationship_counts": counts_by_choice(
            organisations, "relationship", VeteranOrganisation.Relationship.choices
        ),
        "assessments": page_of(
            assessments.select_related("community")
            .annotate(need_count=Count("needs"))
            .order_by("community__name_uk", "-period_end", "pk"),
            request,
            param="assessments",
        ),
        "opportunities": Opportunity.objects.visible_to(request.user)
        .filter(programme=programme)
        .prefetch_related("needs", "communities")
        .select_related("provider"),
        # A community a card: 1,500 at national scale, a page of them at a time.
        "matches": page_of(matches, request, param="matches", per_page=20),
        "today": clock.today(),
    }
    return render(request, "engagement/veterans.html", context)


def veteran_organisation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    entry = access_veteran_organisation(request.user, pk)
    context = {
        "entry": entry,
        "programme": entry.programme,
        "coordinates": manages_programme(request.user, entry.programme),
        # Contact people are personal data: not for donors.
        "sees_contacts": sees_people_of(request.user, entry.programme),
    }
    return render(request, "engagement/veteran_organisation_detail.html", context)


def veteran_organisation_edit(
    request: HttpRequest, pk: int | None = None, programme_pk: int | None = None
):
    entry, programme = access_for_editing(request.user, VeteranOrganisation, pk, programme_pk)
    form = VeteranOrganisationForm(request.POST or None, instance=entry, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.veteran_organisation_save(
                programme=programme, entry=entry, by=request.user, **_fields(form)
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The registry has been updated."))
            return redirect(saved)
    context = {
        "form": form,
        "programme": programme,
        "title": _("Veteran organisation") if entry else _("Add to the veteran registry"),
        "back": entry.get_absolute_url() if entry else _url("engagement:veterans", programme),
    }
    return render(request, "engagement/form.html", context)


def assessment_detail(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = access_assessment(request.user, pk)
    context = {
        "assessment": assessment,
        "programme": assessment.programme,
        "coordinates": manages_programme(request.user, assessment.programme),
        "match": next(
            iter(matching(assessment.programme, communities=[assessment.community])), None
        ),
        "needs": assessment.needs.all(),
    }
    return render(request, "engagement/assessment_detail.html", context)


def assessment_edit(request: HttpRequest, pk: int | None = None, programme_pk: int | None = None):
    assessment, programme = access_for_editing(request.user, NeedsAssessment, pk, programme_pk)
    form = NeedsAssessmentForm(request.POST or None, instance=assessment, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            saved = services.assessment_save(
                programme=programme,
                assessment=assessment,
                needs=form.needs(),
                by=request.user,
                **{
                    k: v
                    for k, v in _fields(form).items()
                    if not k.startswith(("severity_", "note_"))
                },
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The needs assessment has been saved."))
            return redirect(saved)
    context = {"form": form, "programme": programme, "assessment": assessment}
    return render(request, "engagement/assessment_form.html", context)


def opportunity_detail(request: HttpRequest, pk: int) -> HttpResponse:
    opportunity = access_opportunity(request.user, pk)
    context = {
        "opportunity": opportunity,
        "programme": opportunity.programme,
        "coordinates": manages_programme(request.user, opportunity.programme),
    }
    return render(request, "engagement/opportunity_detail.html", context)


def opportunity_edit(request: HttpRequest, pk: int | None = None, programme_pk: int | None = None):
    opportunity, programme = access_for_editing(request.user, Opportunity, pk, programme_pk)
    form = OpportunityForm(request.POST or None, instance=opportunity, programme=programme)
    if request.method == "POST" and form.is_valid():
        data = _fields(form)
        try:
            saved = services.opportunity_save(
                programme=programme,
                opportunity=opportunity,
                by=request.user,
                **{**data, "communities": list(data["communities"])},
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The opportunity has been saved."))
            return redirect(saved)
    context = {
        "form": form,
        "programme": programme,
        "title": _("Opportunity") if opportunity else _("New opportunity for veterans"),
        "back": opportunity.get_absolute_url()
        if opportunity
        else _url("engagement:veterans", programme),
    }
    return render(request, "engagement/form.html", context)


# --- events ---------------------------------------------------------------------------------


def events(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_programme(request.user, pk)
    filters = EventFilterForm(request.GET or None, programme=programme)
    rows = Event.objects.visible_to(request.user).filter(programme=programme)
    if filters.is_valid():
        if kind := filters.cleaned_data.get("kind"):
            rows = rows.filter(kind=kind)
        if topic := filters.cleaned_data.get("topic"):
            rows = rows.filter(topics__topic=topic)
        if community := filters.cleaned_data.get("community"):
            rows = rows.filter(
                Q(host_community=community) | Q(visiting_communities=community)
            ).distinct()
    rows = with_attendance(
        rows.select_related("host_community").prefetch_related("topics", "visiting_communities")
    ).order_by("-starts_on", "pk")
    events = page_of(rows, request)
    context = {
        "programme": programme,
        "filters": filters,
        "events": events,
        "page": events,
        "coordinates": manages_programme(request.user, programme),
        "suppress": not sees_exact_counts(request.user, programme),
    }
    return render(request, "engagement/events.html", context)


def event_detail(request: HttpRequest, pk: int) -> HttpResponse:
    event = access_event(request.user, pk)
    participants = list(
        event.participants.select_related("person", "community", "group").order_by(
            "community__name_uk", "person__full_name"
        )
    )
    shown = people_shown_to(request.user, [p.person_id for p in participants])
    context = {
        "event": event,
        "programme": event.programme,
        "coordinates": manages_programme(request.user, event.programme),
        "participants": [p for p in participants if p.person_id in shown],
        # Leaders learn how many came from other groups; donors, who see no one, get the
        # attendance figures only.
        "hidden_count": sum(1 for p in participants if p.person_id not in shown)
        if sees_people_of(request.user, event.programme)
        else 0,
        "figures": attendance_figures(event),
        "topics": event.topics.all(),
        "visiting": event.visiting_communities.all(),
        "groups": event.groups.select_related("community"),
        # Small counts could point at people to anyone but a coordinator.
        "suppress": not sees_exact_counts(request.user, event.programme),
    }
    return render(request, "engagement/event_detail.html", context)


def event_edit(request: HttpRequest, pk: int | None = None, programme_pk: int | None = None):
    event, programme = access_for_editing(request.user, Event, pk, programme_pk)
    form = EventForm(request.POST or None, instance=event, programme=programme)
    if request.method == "POST" and form.is_valid():
        data = _fields(form)
        data["visiting_communities"] = list(data["visiting_communities"])
        data["groups"] = list(data["groups"])
        try:
            saved = services.event_save(programme=programme, event=event, by=request.user, **data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The event has been saved."))
            return redirect(saved)
    context = {
        "form": form,
        "programme": programme,
        "title": _("Edit event") if event else _("New event"),
        "back": event.get_absolute_url() if event else _url("engagement:events", programme),
    }
    return render(request, "engagement/form.html", context)


def participants_add(request: HttpRequest, pk: int) -> HttpResponse:
    event = access_event(request.user, pk, manage=True)
    choices, by_key = member_choices(event)
    people = (
        programme_people(event.programme)
        .filter(pk__in=people_visible_to(request.user).values("pk"))
        .exclude(pk__in=event.participants.values("person_id"))
        .order_by("full_name")
    )
    form = AddParticipantsForm(request.POST or None, member_choices=choices, people=people)
    new_person = NewPersonForm(
        request.POST if request.POST.get("new-full_name") else None,
        communities=programme_communities(event.programme),
    )
    if request.method == "POST" and form.is_valid():
        try:
            if new_person.is_bound and not new_person.is_valid():
                raise ValidationError(_("Check the new person's details below."))
            # All or nothing: a refusal part-way adds no one and keeps no new person.
            with transaction.atomic():
                added = _add_participants(request, event, form, new_person, by_key)
        except PossibleDuplicate as duplicate:
            form.add_error(None, duplicate)
            new_person.possible = duplicate.matches
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("%(n)s added to the list.") % {"n": added})
            return redirect("engagement:sign_in", pk=event.pk)
    context = {"event": event, "form": form, "new_person": new_person, "choices": choices}
    return render(request, "engagement/participants_add.html", context)


def _add_participants(request, event, form, new_person, by_key) -> int:
    added = 0
    for key in form.cleaned_data["members"]:
        membership = by_key[key]
        added += services.participants_add(
            event=event, people=[membership.person], group=membership.group, by=request.user
        )
    if form.cleaned_data["person"]:
        added += services.participants_add(
            event=event, people=[form.cleaned_data["person"]], by=request.user
        )
    if new_person.is_bound:
        person = person_create(
            fields=new_person.cleaned_data,
            by=request.user,
            allow_similar=request.POST.get("confirm_new") == "1",
        )
        added += services.participants_add(event=event, people=[person], by=request.user)
    return added


def participants_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The import wizard's first step for an event's list (workinggroups.wizard)."""
    from engagement.imports import PARTICIPANTS
    from workinggroups.models import ImportJob
    from workinggroups.spreadsheets import upload_step

    event = access_event(request.user, pk, manage=True)
    return upload_step(
        request,
        kind=ImportJob.Kind.PARTICIPANTS,
        programme=event.programme,
        target=event,
        context={"event": event, "columns": PARTICIPANTS.columns},
    )


def sign_in_sheet(request: HttpRequest, pk: int) -> HttpResponse:
    """The sign-in sheet, one row per participant, made for a phone."""
    event = access_event(request.user, pk, manage=True)
    participants = list(
        event.participants.select_related("person", "community").order_by(
            "community__name_uk", "person__full_name"
        )
    )
    form = SignInSheetForm(request.POST or None, participants=participants)
    if request.method == "POST" and form.is_valid():
        try:
            services.attendance_record(event=event, marks=form.marks(), by=request.user)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Attendance has been saved."))
            return redirect(event)
    return render(request, "engagement/sign_in.html", {"event": event, "form": form})


@require_POST
def participant_remove(request: HttpRequest, pk: int) -> HttpResponse:
    participant = access_participant(request.user, pk, manage=True)
    services.participant_remove(participant=participant, by=request.user)
    messages.success(request, _("Removed from the list."))
    return redirect(participant.event)
