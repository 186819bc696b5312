"""Working groups, their people and memberships. Who may see or change each is decided in
workinggroups/access.py (people are personal data: never a donor's)."""

import re

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db.models import Case, IntegerField, Value, When
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from accounts.models import Role
from accounts.services import invitation_create
from cohesion import clock
from cohesion.forms import add_errors
from cohesion.paging import page_of
from communities.access import access_programme, manages_programme
from dashboards.page import programme_body, programme_page
from workinggroups.access import (
    access_group,
    access_membership,
    access_person,
    coordinates_any,
    coordinates_group,
    manages,
    sees_composition_of,
)
from workinggroups.filters import GroupFilter
from workinggroups.forms import (
    CompositionRulesForm,
    EndMembershipForm,
    MembershipForm,
    NewMemberForm,
    PersonForm,
    ProgrammeCompletionForm,
    StatusChangeForm,
    WorkingGroupForm,
)
from workinggroups.models import Membership, Person, WorkingGroup
from workinggroups.selectors import (
    composition_rules,
    current_member_counts,
    groups_with_outcome,
    person_history,
    person_residence_choices,
    residence_choices,
    scorecards,
)
from workinggroups.services import (
    PossibleDuplicate,
    groups_awaiting_outcome,
    member_join,
    membership_end,
    membership_update,
    person_update,
    programme_complete,
    programme_set_composition_rules,
    statuses_offered,
    working_group_change_status,
    working_group_create,
    working_group_update,
)

# Leader first, then deputy and secretary, then members.
ROLE_ORDER = Case(
    *[When(role=role, then=Value(index)) for index, role in enumerate(Membership.Role.values)],
    output_field=IntegerField(),
)


# A national programme has 1,500 groups: the list shows them a page at a time.
GROUPS_PER_PAGE = 50


@vary_on_headers("HX-Request")
def group_list(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme's groups with their composition: gaps highlighted and filterable. The
    body is kept per version of the programme's figures (dashboards.page.programme_body)."""
    programme = access_programme(request.user, pk)
    htmx = bool(request.htmx)

    def render_body() -> str:
        return render_to_string(
            "workinggroups/_group_table.html" if htmx else "workinggroups/_group_list_body.html",
            _group_list_context(request, programme),
            request=request,
        )

    if htmx:
        return HttpResponse(programme_body(request, programme, "groups", render_body))
    return programme_page(
        request,
        programme,
        "groups",
        render_body,
        "workinggroups/group_list.html",
        {"programme": programme},
    )


def _group_list_context(request: HttpRequest, programme) -> dict:
    groups = (
        WorkingGroup.objects.visible_to(request.user)
        .filter(programme=programme)
        .select_related("programme", "community__region")
        .order_by("community__name_uk")
    )
    # Composition is people's data: for the programme's coordinators, and for a leader only
    # about their own group (a donor who also leads elsewhere sees no other group's).
    show_composition = sees_composition_of(request.user, programme)
    rules = composition_rules(programme)
    filterset = GroupFilter(request.GET or None, queryset=groups, required=rules.required)
    by_gap = show_composition and filterset.is_valid() and filterset.form.cleaned_data.get("gap")
    if by_gap:
        # Gaps come from the scorecards: every group's, then the page of those that match.
        rows = list(filterset.qs)
        cards = scorecards([g for g in rows if manages(request.user, g)], rules)
        page = Paginator(
            filterset.filter_gaps([g for g in rows if g.pk in cards], cards), GROUPS_PER_PAGE
        ).get_page(request.GET.get("page"))
    else:
        # Otherwise one page of groups, and the scorecards of that page only.
        page = Paginator(filterset.qs, GROUPS_PER_PAGE).get_page(request.GET.get("page"))
        visible = [g for g in page if manages(request.user, g)] if show_composition else []
        cards = scorecards(visible, rules)
    # Members counted for the shown groups only, in one query.
    counts = current_member_counts([g.pk for g in page])
    for group in page:
        group.member_count = counts.get(group.pk, 0)
    return {
        "programme": programme,
        "filter": filterset,
        "page": page,
        "rows": [(group, cards.get(group.pk)) for group in page],
        "rules": rules,
        "show_composition": show_composition,
        "can_manage": manages_programme(request.user, programme),
    }


def my_groups(request: HttpRequest) -> HttpResponse:
    groups = (
        WorkingGroup.objects.visible_to(request.user)
        .select_related("programme", "community")
        # The latest programme first: a leader's current work before the groups of the past.
        .order_by("-programme__start_date", "community__name_uk", "pk")
    )
    # A national coordinator sees 1,500 groups: a page of them at a time.
    page = page_of(groups, request)
    return render(request, "workinggroups/my_groups.html", {"groups": page, "page": page})


def group_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A group's page: its members (for those who may see people), composition and history.
    The body is kept per version of the programme's figures (dashboards.page.programme_body),
    which every record it shows raises, a recorder's name included (dashboards.versioning)."""
    group = access_group(request.user, pk)

    def render_body() -> str:
        may_see_people = manages(request.user, group)
        context = {
            "group": group,
            "history": group.status_changes.select_related("recorded_by").order_by("-changed_on"),
            "may_see_people": may_see_people,
            "can_coordinate": coordinates_group(request.user, group),
            "member_count": group.memberships.current().count(),
        }
        if may_see_people:
            rules = composition_rules(group.programme)
            context["card"] = scorecards([group], rules)[group.pk]
            context["rules"] = rules
            context["members"] = (
                group.memberships.current()
                .select_related("person", "category", "organisation")
                .order_by(ROLE_ORDER, "person__full_name")
            )
            context["former"] = (
                group.memberships.filter(left_on__isnull=False)
                .select_related("person", "category")
                .order_by("-left_on")
            )
        return render_to_string("workinggroups/_group_detail_body.html", context, request=request)

    return programme_page(
        request,
        group.programme,
        f"group-{group.pk}",
        render_body,
        "workinggroups/group_detail.html",
        {"group": group},
    )


def group_create(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_programme(request.user, pk, manage=True)
    form = WorkingGroupForm(request.POST or None, programme=programme)
    if request.method == "POST" and form.is_valid():
        try:
            group = working_group_create(programme=programme, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The working group has been created."))
            return redirect(group)
    return render(request, "workinggroups/group_form.html", {"form": form, "programme": programme})


def group_edit(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group(request.user, pk, coordinate=True)
    form = WorkingGroupForm(request.POST or None, instance=group, programme=group.programme)
    if request.method == "POST" and form.is_valid():
        working_group_update(group=group, fields=form.cleaned_data, by=request.user)
        messages.success(request, _("The working group has been saved."))
        return redirect(group)
    context = {"form": form, "programme": group.programme, "group": group}
    return render(request, "workinggroups/group_form.html", context)


def group_status(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group(request.user, pk, coordinate=True)
    form = StatusChangeForm(request.POST or None, allowed=statuses_offered(group, clock.today()))
    if request.method == "POST" and form.is_valid():
        try:
            working_group_change_status(group=group, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The group's status has been recorded."))
            return redirect(group)
    return render(request, "workinggroups/status_form.html", {"form": form, "group": group})


def programme_complete_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Completing a programme: a running one is closed early with every group's outcome; past
    its end date, the coordinator records what became of the groups, a few at a time if need
    be."""
    programme = access_programme(request.user, pk, manage=True)
    closing_early = not programme.completed_by(clock.today())
    awaiting = groups_awaiting_outcome(programme).select_related("community__region")
    form = ProgrammeCompletionForm(
        # Bound on every POST: with no choice made the POST is empty, and falsy.
        request.POST if request.method == "POST" else None,
        groups=awaiting.order_by("community__name_uk"),
        closing_early=closing_early,
    )
    if request.method == "POST" and form.is_valid():
        try:
            programme_complete(
                programme=programme,
                outcomes=form.outcomes(),
                closed_on=form.cleaned_data.get("closed_on"),
                closure_reason=form.cleaned_data.get("closure_reason", ""),
                by=request.user,
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("What becomes of the groups has been recorded."))
            return redirect(programme)
    decided = groups_with_outcome(programme)
    context = {
        "programme": programme,
        "form": form,
        "closing_early": closing_early,
        "decided": decided,
    }
    return render(request, "workinggroups/programme_complete.html", context)


def member_add(request: HttpRequest, pk: int) -> HttpResponse:
    """Adds a new person (or, after a duplicate warning, an existing one) to the group."""
    group = access_group(request.user, pk, manage=True)
    form = NewMemberForm(request.POST or None, group=group, communities=residence_choices(group))
    matches = []
    if request.method == "POST" and form.is_valid():
        try:
            membership = member_join(
                group=group,
                person=_chosen_person(request),
                person_fields=form.person_fields(),
                allow_similar=form.cleaned_data.get("confirm_new", False),
                by=request.user,
                **form.membership_fields(),
            )
        except PossibleDuplicate as duplicate:
            matches = duplicate.matches
            form.data = form.data.copy()
            form.data["confirm_new"] = "on"
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(person)s has joined the group.") % {"person": membership.person}
            )
            return redirect(group)
    context = {"form": form, "group": group, "matches": matches}
    return render(request, "workinggroups/member_form.html", context)


def _chosen_person(request: HttpRequest) -> Person | None:
    """The existing person picked after a duplicate warning, or None for a new record."""
    existing = request.POST.get("use_person", "")
    if not existing:
        return None
    if not re.fullmatch(r"[0-9]{1,18}", existing):
        raise ValidationError(_("Choose one of the people shown."))
    return access_person(request.user, int(existing))


def membership_edit(request: HttpRequest, pk: int) -> HttpResponse:
    membership = access_membership(request.user, pk, manage=True)
    group = membership.group
    form = MembershipForm(request.POST or None, instance=membership, group=group)
    if request.method == "POST" and form.is_valid():
        try:
            membership_update(
                membership=membership,
                category=form.cleaned_data["category"],
                organisation=form.cleaned_data["organisation"],
                role=form.cleaned_data["role"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The membership has been saved."))
            return redirect(group)
    context = {"form": form, "membership": membership, "group": group}
    return render(request, "workinggroups/membership_form.html", context)


def membership_end_view(request: HttpRequest, pk: int) -> HttpResponse:
    membership = access_membership(request.user, pk, manage=True)
    group = membership.group
    form = EndMembershipForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            membership_end(membership=membership, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(
                request, _("%(person)s has left the group.") % {"person": membership.person}
            )
            return redirect(group)
    context = {"form": form, "membership": membership, "group": group}
    return render(request, "workinggroups/end_membership.html", context)


def person_detail(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk)
    memberships = (
        Membership.objects.visible_to(request.user)
        .filter(person=person)
        # The application a membership came from: what the applicant said of themselves.
        .select_related("group__programme", "category", "organisation", "application")
        .order_by("-joined_on")
    )
    coordinator = coordinates_any(request.user, [m.group for m in memberships])
    context = {"person": person, "memberships": memberships, "coordinates": coordinator}
    if coordinator:
        # Who changed what, for coordinators: the person's record and their memberships.
        context["history"] = person_history(person, memberships)
        context["can_invite"] = (
            person.user_id is None
            and bool(person.email)
            and any(m.is_current and m.role == Membership.Role.LEADER for m in memberships)
        )
    return render(request, "workinggroups/person_detail.html", context)


def person_edit(request: HttpRequest, pk: int) -> HttpResponse:
    person = access_person(request.user, pk, manage=True)
    form = PersonForm(
        request.POST or None, instance=person, communities=person_residence_choices(person)
    )
    if request.method == "POST" and form.is_valid():
        person.refresh_from_db()  # the form wrote its values on the instance: the service compares
        try:
            person_update(person=person, fields=form.cleaned_data, by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The record has been saved."))
            return redirect(person)
    return render(request, "workinggroups/person_form.html", {"form": form, "person": person})


@require_POST
def person_invite(request: HttpRequest, pk: int) -> HttpResponse:
    """Invites a group's leader to sign in; accepting links the account to this person."""
    person = access_person(request.user, pk, manage=True)
    membership = (
        person.memberships.current()
        .filter(role=Membership.Role.LEADER)
        .select_related("group__programme")
        .first()
    )
    # Only a coordinator of the group's programme gives its leader an account.
    if membership is None or not coordinates_group(request.user, membership.group):
        raise PermissionDenied
    try:
        invitation_create(
            invited_by=request.user,
            email=person.email,
            role=Role.LEADER,
            programme=membership.group.programme,
            working_group=membership.group,
            person=person,
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Invitation sent to %(email)s.") % {"email": person.email})
    return redirect(person)


def composition_rules_edit(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_programme(request.user, pk, manage=True)
    rules = composition_rules(programme)
    initial = {
        "age_bands": ", ".join(
            f"{band.min_age}+" if band.max_age is None else f"{band.min_age}-{band.max_age}"
            for band in rules.bands
        ),
        "youth_max_age": programme.youth_max_age,
        **{f"target_{measure}": value for measure, value in rules.targets.items()},
    }
    form = CompositionRulesForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            programme_set_composition_rules(
                programme=programme,
                bands=form.cleaned_data["age_bands"],
                youth_max_age=form.cleaned_data["youth_max_age"],
                targets=form.targets(),
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The composition rules have been saved."))
            return redirect("workinggroups:group_list", pk=programme.pk)
    context = {"form": form, "programme": programme}
    return render(request, "workinggroups/composition_rules.html", context)
