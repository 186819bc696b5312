"""The public site (no sign-in: programmes, their published plans, the "Become a participant"
form) and the coordinators' review of applications (participation/access.py). Public pages name
nobody: they are read by anyone, including those the groups' members may need protecting from."""

import datetime
import re

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.cache import patch_cache_control
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cohesion import clock
from cohesion.forms import add_errors
from cohesion.paging import page_of
from cohesion.storage import private_file_response
from communities.access import access_programme
from communities.models import Programme
from dashboards import cache as dashboard_cache
from dashboards import iati
from participation import services, throttle
from participation.access import (
    access_application,
    access_public_programme,
    access_published_plan,
)
from participation.forms import AcceptForm, ApplicationForm, DeclineForm
from participation.models import Application
from participation.selectors import public_activity
from workinggroups.access import people_visible_to
from workinggroups.models import Person

PUBLIC_MAX_AGE = 300  # browsers may keep a public page five minutes


def _public(response: HttpResponse) -> HttpResponse:
    # Private: the page carries the visitor's CSRF token (language switch), so it is cached
    # by the browser, not by shared caches. The heavy part is cached on the server.
    patch_cache_control(response, private=True, max_age=PUBLIC_MAX_AGE)
    return response


@login_not_required
def programmes(request: HttpRequest) -> HttpResponse:
    """Every public programme, for anyone."""
    rows = (
        Programme.objects.public()
        .select_related("implementing_partner")
        .prefetch_related("donors")
        .annotate(
            community_count=Count(
                "enrolments", filter=Q(enrolments__withdrawn_on__isnull=True), distinct=True
            ),
            group_count=Count("working_groups", distinct=True),
        )
        .order_by("-start_date")
    )
    return _public(render(request, "public/programmes.html", {"programmes": rows}))


@login_not_required
def programme(request: HttpRequest, pk: int) -> HttpResponse:
    """What a programme does, where and with whom, and what it has done lately. Nobody's name
    or contact: groups, counts, trainings and published plans only."""
    programme = access_public_programme(pk)
    context = {
        "programme": programme,
        "donors": programme.donors.all(),
        "groups": programme.working_groups.select_related("community").order_by(
            "community__name_uk"
        ),
        **public_activity(programme, clock.today()),
        "open": services.programme_open(programme),
        "iati_published": not iati.missing(programme),
        # Any change to the programme's records (a group's outcome, say) renews the fragment.
        "cache_version": dashboard_cache.version(programme.pk),
    }
    return _public(render(request, "public/programme.html", context))


@login_not_required
def plan_pdf(request: HttpRequest, pk: int) -> HttpResponse:
    """The approved safety plan of a programme that publishes its plans."""
    document = access_published_plan(pk, default_language=settings.LANGUAGE_CODE)
    response = private_file_response(
        document.file,
        filename=f"safety-plan-{pk}-{document.language}.pdf",
        content_type="application/pdf",
        attachment=False,
        public=True,  # a published plan: browsers may keep it as they keep the page
    )
    return _public(response)


@login_not_required
def apply(request: HttpRequest, pk: int) -> HttpResponse:
    """The "Become a participant" form."""
    programme = access_public_programme(pk)
    if not services.programme_open(programme):
        return render(request, "public/closed.html", {"programme": programme}, status=410)
    form = ApplicationForm(request.POST or None, programme=programme)
    if request.method == "POST":
        if form.is_spam:
            # Refused without saying why; nothing is stored.
            return render(request, "public/refused.html", {"programme": programme}, status=400)
        address = throttle.client_address(request)
        if not throttle.allow(
            "address", address, limit=settings.APPLICATION_LIMIT_PER_ADDRESS, seconds=3600
        ):
            return render(
                request, "public/refused.html", {"programme": programme, "busy": True}, status=429
            )
        if form.is_valid():
            data = form.cleaned_data
            # One contact however it is written: e-mail in lower case, phone by its digits.
            contacts = [data.get("email", "").lower(), re.sub(r"\D", "", data.get("phone", ""))]
            if not all(
                throttle.allow(
                    "contact", c, limit=settings.APPLICATION_LIMIT_PER_CONTACT, seconds=86400
                )
                for c in contacts
                if c
            ):
                return render(
                    request,
                    "public/refused.html",
                    {"programme": programme, "busy": True},
                    status=429,
                )
            try:
                services.application_submit(
                    programme=programme,
                    community=data["community"],
                    full_name=data["full_name"],
                    phone=data["phone"],
                    email=data["email"],
                    category=data["category"],
                    organisation_name=data["organisation_name"],
                    birth_year=data["birth_year"],
                    is_youth=data["is_youth"],
                    is_veteran=data["is_veteran"],
                    motivation=data["motivation"],
                    consent=data["consent"],
                    language=get_language() or settings.LANGUAGE_CODE,
                )
            except ValidationError as error:
                add_errors(form, error)
            else:
                return redirect("participation:thanks", pk=programme.pk)
    context = {
        "programme": programme,
        "form": form,
        "retention_days": settings.APPLICATION_RETENTION_DAYS,
    }
    return render(request, "public/apply.html", context)


@login_not_required
def thanks(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_public_programme(pk)
    return render(request, "public/thanks.html", {"programme": programme})


@login_not_required
def iati_file(request: HttpRequest, pk: int) -> HttpResponse:
    """A public programme's IATI activity file, for anyone: small counts protected as for
    donors. Not there (404) until its IATI identifiers are filled in."""
    programme = access_public_programme(pk)
    if iati.missing(programme):
        raise Http404
    return _public(iati.download(programme, protected=True))


@login_not_required
def privacy(request: HttpRequest) -> HttpResponse:
    context = {"retention_days": settings.APPLICATION_RETENTION_DAYS}
    return _public(render(request, "public/privacy.html", context))


# --- review (coordinators) ------------------------------------------------------------------


def queue(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_programme(request.user, pk, manage=True)
    applications = Application.objects.visible_to(request.user).filter(programme=programme)
    retention = datetime.timedelta(days=settings.APPLICATION_RETENTION_DAYS)
    waiting = page_of(
        applications.waiting()
        .select_related("community", "category")
        .order_by("submitted_at", "pk"),
        request,
    )
    for application in waiting:
        application.deleted_on = timezone.localdate(application.submitted_at + retention)
    context = {
        "programme": programme,
        "waiting": waiting,
        "page": waiting,
        "accepted": applications.filter(status=Application.Status.ACCEPTED)
        .select_related("membership__person", "membership__group__community", "decided_by")
        .order_by("-decided_at")[:20],
        "retention_days": settings.APPLICATION_RETENTION_DAYS,
    }
    return render(request, "participation/queue.html", context)


def _matches(user, application: Application) -> list[Person]:
    """People on record, among those the coordinator may see, who may be the applicant."""
    if not application.full_name:
        return []
    return list(
        people_visible_to(user)
        .similar_to(
            full_name=application.full_name, birth_year=None, community_id=application.community_id
        )
        .select_related("community")[:5]
    )


def application_detail(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk)
    matches = _matches(request.user, application)
    context = {
        "application": application,
        "programme": application.programme,
        "accept_form": AcceptForm(
            application=application,
            matches=matches,
            initial={"group": services.group_for(application)},
        ),
        "decline_form": DeclineForm(),
    }
    return render(request, "participation/application.html", context)


@require_POST
def application_accept(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk)
    if application.status == Application.Status.ACCEPTED:
        messages.info(request, _("This application was accepted already."))
        return redirect("participation:queue", pk=application.programme_id)
    form = AcceptForm(
        request.POST, application=application, matches=_matches(request.user, application)
    )
    said_year, said_youth = application.birth_year, application.is_youth  # cleared on accepting
    if form.is_valid():
        try:
            membership = services.application_accept(
                application=application,
                group=form.cleaned_data["group"],
                person=form.chosen_person(),
                by=request.user,
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(
                request,
                _("%(name)s has joined %(group)s.")
                % {"name": membership.person.full_name, "group": membership.group.name},
            )
            _birth_year_notice(request, membership.person, said_year, said_youth)
            return redirect("participation:queue", pk=application.programme_id)
    context = {
        "application": application,
        "programme": application.programme,
        "accept_form": form,
        "decline_form": DeclineForm(),
    }
    return render(request, "participation/application.html", context, status=400)


def _birth_year_notice(request, person: Person, said_year: int | None, said_youth: bool) -> None:
    """What the coordinator should check with the new member about their year of birth."""
    if said_year and person.birth_year != said_year:
        messages.warning(
            request,
            _(
                "The application gives %(said)s as the year of birth, %(name)s's record "
                "%(year)s: the record was left as it was. Check with them which is right."
            )
            % {"said": said_year, "name": person.full_name, "year": person.birth_year},
        )
    elif said_youth and not person.birth_year:
        messages.warning(
            request,
            _(
                "%(name)s said they are a young person but gave no year of birth: ask them "
                "for it, so that the group's age balance counts them."
            )
            % {"name": person.full_name},
        )


@require_POST
def application_decline(request: HttpRequest, pk: int) -> HttpResponse:
    application = access_application(request.user, pk)
    form = DeclineForm(request.POST)
    if form.is_valid():
        try:
            services.application_decline(
                application=application, reason=form.cleaned_data["reason"], by=request.user
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The application has been declined and deleted."))
            return redirect("participation:queue", pk=application.programme_id)
    context = {
        "application": application,
        "programme": application.programme,
        "accept_form": AcceptForm(
            application=application, matches=_matches(request.user, application)
        ),
        "decline_form": form,
    }
    return render(request, "participation/application.html", context, status=400)
