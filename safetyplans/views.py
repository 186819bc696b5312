"""Public safety plans: drafting, review, approval, comparison, implementation tracking and the
PDFs. Who may do what is decided in safetyplans/access.py: the group's leader and the
programme's coordinators draft; only coordinators review; donors see approved versions only,
because drafts and review comments are working documents, not commitments."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import pgettext
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cohesion import clock
from cohesion.forms import add_errors
from cohesion.storage import private_file_response
from communities.access import access_programme
from safetyplans import services
from safetyplans.access import (
    access_document,
    access_measure,
    access_plan,
    access_plan_action,
    access_priority,
    access_tracking,
    access_version,
    may_draft,
    may_review,
    may_see_drafts,
    versions_visible_to,
)
from safetyplans.forms import (
    ActionForm,
    ApproveForm,
    ContextForm,
    DecisionSearchForm,
    PlanForm,
    PriorityForm,
    ReturnForm,
    TrackForm,
)
from safetyplans.forms import decision_options as decision_options_of
from safetyplans.models import (
    Action,
    PlanVersion,
    Priority,
    SafetyPlan,
)
from safetyplans.selectors import (
    DECISION_OPTIONS_MAX,
    changes_since_review,
    compare,
    decisions_matching,
    edited_item,
    overview_rows,
    previous_version,
    programme_plan_ids,
    programme_plans,
    saved_item,
    saved_version,
    version_content,
    version_still_editable,
)
from workinggroups.access import access_group

FROZEN = PlanVersion.FROZEN


def _refuse_frozen(request, version: PlanVersion):
    """A GET of an edit page of a version that cannot be edited says why and goes back."""
    if version.is_frozen:
        messages.error(
            request,
            _("This version of the plan is approved and frozen. Revise the plan to change it."),
        )
    else:
        messages.error(request, _("The plan is in review and cannot be changed now."))
    return redirect(version)


def _context(user, plan: SafetyPlan, version: PlanVersion | None) -> dict:
    drafter = may_draft(user, plan.group)
    versions = list(
        versions_visible_to(user, plan).annotate(rounds=Count("review_rounds")).order_by("-number")
    )
    open_version = next((v for v in versions if v.status in PlanVersion.OPEN), None)
    context = {
        "plan": plan,
        "version": version,
        "versions": versions,
        "open_version": open_version,
        "drafter": drafter,
        "reviewer": may_review(user, plan.group),
        "may_see_drafts": may_see_drafts(user, plan.group),
        "today": clock.today(),
    }
    if version is not None:
        context["content"] = version_content(version)
        context["editable"] = drafter and version.is_editable
        context["tracking"] = drafter and version.status == PlanVersion.Status.APPROVED
        if version.is_frozen:
            documents = {d.language: d for d in version.documents.all()}
            context["documents"] = documents
            context["document"] = documents.get(settings.LANGUAGE_CODE)
            context["english"] = documents.get("en")
        previous = next((v for v in versions if v.number < version.number), None)
        context["previous"] = previous
        listed = next((v for v in versions if v.pk == version.pk), None)
        reviewed = listed is not None and listed.rounds
        if context["may_see_drafts"] and version.status in PlanVersion.OPEN and reviewed:
            context["since_review"] = changes_since_review(version, context["content"])
        context["discardable"] = drafter and version.is_editable and version.based_on_id
    return context


def group_plans(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group(request.user, pk)
    plans = group.safety_plans.select_related("approved_version").order_by("-period_start")
    context = {"group": group, "plans": plans, "drafter": may_draft(request.user, group)}
    return render(request, "safetyplans/group_plans.html", context)


def plan_create(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group(request.user, pk, manage=True)
    initial = {"period_start": group.programme.start_date, "period_end": group.programme.ends_on}
    form = PlanForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            plan = services.plan_create(group=group, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The plan has been started as a draft."))
            return redirect(plan)
    return render(request, "safetyplans/plan_form.html", {"form": form, "group": group})


def plan_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """The plan in force with its implementation, or the draft while there is none."""
    plan = access_plan(request.user, pk)
    version = plan.approved_version
    if version is None and may_see_drafts(request.user, plan.group):
        version = plan.versions.order_by("-number").first()
    if version is not None:
        version.plan = plan
    return render(request, "safetyplans/plan_detail.html", _context(request.user, plan, version))


def version_detail(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = access_version(request.user, pk, number)
    context = _context(request.user, version.plan, version)
    return render(request, "safetyplans/version_detail.html", context)


def version_compare(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """What changed between two versions (by default, from the one it was revised from)."""
    version = access_version(request.user, pk, number)
    other_number = request.GET.get("with", "")
    if other_number.isascii() and other_number.isdecimal() and len(other_number) < 6:
        other = access_version(request.user, pk, int(other_number))
    else:
        other = previous_version(version)
        if other is not None and not may_see_drafts(request.user, version.plan.group):
            other = other if other.is_frozen else None
    if other is None:
        raise Http404
    old, new = sorted((version, other), key=lambda v: v.number)
    old.plan = new.plan = version.plan
    context = {
        "plan": version.plan,
        "diff": compare(old, new),
        "versions": list(versions_visible_to(request.user, version.plan).order_by("-number")),
    }
    return render(request, "safetyplans/compare.html", context)


def _conflict(request, form, saved, exc):
    """The typed form stays on screen, now based on what is saved, with both side by side."""
    messages.warning(request, exc.messages[0])
    if saved is None:
        return form
    return form.with_revision(saved.revision)


def context_edit(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = access_version(request.user, pk, number, manage=True)
    if not version.is_editable and request.method != "POST":
        return _refuse_frozen(request, version)
    initial = {"context_summary": version.context_summary, "revision": version.revision}
    form = ContextForm(request.POST or None, initial=initial)
    theirs, status = None, 200
    if request.method == "POST" and form.is_valid():
        try:
            services.version_update(
                version=version,
                revision=form.cleaned_data["revision"],
                context_summary=form.cleaned_data["context_summary"],
                by=request.user,
            )
        except services.EditConflict as conflict:
            status = 409
            theirs = saved_version(version)
            form = _conflict(request, form, theirs if theirs.is_editable else None, conflict)
        except ValidationError as error:
            status = 409 if error.code == "frozen" else 200
            form.add_error(None, error)
        else:
            messages.success(request, _("The context has been saved."))
            return redirect(version)
    context = {"form": form, "version": version, "plan": version.plan, "theirs": theirs}
    return render(request, "safetyplans/context_form.html", context, status=status)


def _item_form(request, *, form, version, item, save, theirs_model, template_title, measure=None):
    """Adding or editing a priority or an action: one flow for both. The decision picker's
    Find button (without a script) shows the form again with what it found, saving nothing."""
    theirs, status = None, 200
    finding = request.method == "POST" and "find_decisions" in request.POST
    if finding:
        form.errors.clear()  # shown again to go on filling in, not judged yet
    elif request.method == "POST" and form.is_valid():
        try:
            saved = save(form.cleaned_data)
        except services.EditConflict as conflict:
            status = 409
            theirs = saved_item(theirs_model, item) if item else None
            still_editable = version_still_editable(version)
            form = _conflict(request, form, theirs if still_editable else None, conflict)
        except ValidationError as error:
            status = 409 if error.code == "frozen" else 200
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(
                f"{version.get_absolute_url()}#{saved.__class__.__name__.lower()}-{saved.pk}"
            )
    context = {
        "form": form,
        "version": version,
        "plan": version.plan,
        "item": item,
        "theirs": theirs,
        "title": template_title,
        "measure": measure,
    }
    return render(request, "safetyplans/item_form.html", context, status=status)


def _fields(cleaned: dict, *, skip=("revision",)) -> dict:
    return {k: v for k, v in cleaned.items() if k not in skip}


def priority_add(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = access_version(request.user, pk, number, manage=True)
    if not version.is_editable and request.method != "POST":
        return _refuse_frozen(request, version)
    form = PriorityForm(request.POST or None, version=version)
    return _item_form(
        request,
        form=form,
        version=version,
        item=None,
        save=lambda data: services.priority_add(version=version, by=request.user, **_fields(data)),
        theirs_model=Priority,
        template_title=_("New priority"),
    )


def _edited_item(request, model, version: PlanVersion, item: int):
    """The priority or action being edited. If someone removed it meanwhile, a GET is a 404;
    a POST keeps what was typed: the form comes back with a conflict message."""
    found = edited_item(model, version, item)
    if found is None and request.method != "POST":
        raise Http404
    return found


def _removed_meanwhile(request, form, version, title):
    what = pgettext("safety plan", "action") if isinstance(form, ActionForm) else _("priority")
    messages.warning(
        request,
        _("Someone removed this %(what)s meanwhile. Your text is kept below.") % {"what": what},
    )
    form.is_valid()
    # Saving again re-adds it, as a new item.
    add = "action_add" if isinstance(form, ActionForm) else "priority_add"
    context = {
        "form": form,
        "version": version,
        "plan": version.plan,
        "title": title,
        "add_again_url": reverse(f"safetyplans:{add}", args=[version.plan_id, version.number]),
    }
    return render(request, "safetyplans/item_form.html", context, status=409)


def priority_edit(request: HttpRequest, pk: int, number: int, item: int) -> HttpResponse:
    version = access_version(request.user, pk, number, manage=True)
    if not version.is_editable and request.method != "POST":
        return _refuse_frozen(request, version)
    priority = _edited_item(request, Priority, version, item)
    title = _("Edit priority")
    if priority is None:
        form = PriorityForm(request.POST, version=version, instance=Priority(version=version))
        return _removed_meanwhile(request, form, version, title)
    priority.version = version
    form = PriorityForm(request.POST or None, version=version, instance=priority)
    return _item_form(
        request,
        form=form,
        version=version,
        item=priority,
        save=lambda data: services.priority_update(
            priority=priority, revision=data["revision"], by=request.user, **_fields(data)
        ),
        theirs_model=Priority,
        template_title=title,
    )


def action_add(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = access_version(request.user, pk, number, manage=True)
    if not version.is_editable and request.method != "POST":
        return _refuse_frozen(request, version)
    return _new_action(request, version, {}, title=pgettext("safety plan", "New action"))


def measure_copy(request: HttpRequest, pk: int, number: int, measure: int) -> HttpResponse:
    """A measure of the library copied into a draft: the action form filled in from it, under
    the priority the drafter chooses; the action keeps the measure it came from."""
    version = access_version(request.user, pk, number, manage=True)
    source = access_measure(request.user, measure)
    if not version.is_editable and request.method != "POST":
        return _refuse_frozen(request, version)
    initial = services.action_initial_from(measure=source, version=version)
    return _new_action(
        request, version, initial, title=_("Copy a measure into the plan"), measure=source
    )


def _new_action(request, version, initial, *, title, measure=None) -> HttpResponse:
    """The form of an action added to `version` (from a measure of the library, if given)."""
    initial = {**initial, "priority": request.GET.get("priority")}
    form = ActionForm(request.POST or None, version=version, initial=initial)
    return _item_form(
        request,
        form=form,
        version=version,
        item=None,
        save=lambda data: services.action_add(
            version=version,
            by=request.user,
            copied_from=measure,
            **_fields(data, skip=("revision", "partners", "decisions")),
            partners=list(data["partners"]),
            decisions=list(data["decisions"]),
        ),
        theirs_model=Action,
        template_title=title,
        measure=measure,
    )


def decision_options(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The decision picker's options (HTMX, or a plain GET): the plan's group's decisions that
    match, at most DECISION_OPTIONS_MAX, those already ticked kept ticked."""
    version = access_version(request.user, pk, number, manage=True)
    chosen = request.GET.getlist("decisions")
    found = decisions_matching(
        services.decisions_of(version.plan.group),
        **DecisionSearchForm(request.GET).terms(),
        keep=chosen,
    )
    context = {
        "options": decision_options_of(found, chosen),
        "name": "decisions",
        "limit": DECISION_OPTIONS_MAX,
    }
    return render(request, "safetyplans/_decision_options.html", context)


def action_edit(request: HttpRequest, pk: int, number: int, item: int) -> HttpResponse:
    version = access_version(request.user, pk, number, manage=True)
    if not version.is_editable and request.method != "POST":
        return _refuse_frozen(request, version)
    action = _edited_item(request, Action, version, item)
    title = pgettext("safety plan", "Edit action")
    if action is None:
        form = ActionForm(request.POST, version=version, instance=Action(version=version))
        return _removed_meanwhile(request, form, version, title)
    action.version = version
    form = ActionForm(request.POST or None, version=version, instance=action)
    return _item_form(
        request,
        form=form,
        version=version,
        item=action,
        save=lambda data: services.action_update(
            action=action,
            revision=data["revision"],
            by=request.user,
            **_fields(data, skip=("revision", "partners", "decisions")),
            partners=list(data["partners"]),
            decisions=list(data["decisions"]),
        ),
        theirs_model=Action,
        template_title=title,
    )


@require_POST
def item_remove(request: HttpRequest, kind: str, pk: int) -> HttpResponse:
    if kind == "priority":
        item, remove = access_priority(request.user, pk, manage=True), services.priority_remove
    else:
        item, remove = access_plan_action(request.user, pk, manage=True), services.action_remove
    try:
        revision = int(request.POST.get("revision", ""))
    except ValueError:
        revision = -1
    try:
        remove(**{kind: item, "revision": revision, "by": request.user})
    except ValidationError as error:
        messages.error(request, error.messages[0])
    else:
        messages.success(request, _("Removed."))
    return redirect(item.version)


@require_POST
def version_submit(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = access_version(request.user, pk, number, manage=True)
    try:
        services.version_submit(version=version, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(version)
    messages.success(
        request, _("The plan has been sent to the programme's coordinators for review.")
    )
    return redirect(version.plan)


def version_return(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = access_version(request.user, pk, number, coordinate=True)
    form = ReturnForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_return(version=version, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The plan has been returned for revision."))
            return redirect(version.plan)
    context = {"form": form, "version": version, "plan": version.plan}
    return render(request, "safetyplans/return_form.html", context)


def version_approve(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = access_version(request.user, pk, number, coordinate=True)
    form = ApproveForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_approve(version=version, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The plan has been approved. Its PDF is being prepared."))
            return redirect(version.plan)
    context = {
        "form": form,
        "version": version,
        "plan": version.plan,
        "limit": settings.PLAN_DECISION_MAX_BYTES,
    }
    return render(request, "safetyplans/approve_form.html", context)


@require_POST
def plan_revise(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access_plan(request.user, pk, manage=True)
    try:
        draft = services.plan_revise(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(plan)
    messages.success(request, _("A new draft version has been started from the approved plan."))
    return redirect(draft)


def version_discard(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """Discarding a revision draft: a GET asks, the POST deletes it (the approved version
    stays in force)."""
    version = access_version(request.user, pk, number, manage=True)
    if request.method == "POST":
        try:
            services.version_discard(version=version, by=request.user)
        except ValidationError as error:
            messages.error(request, error.messages[0])
            return redirect(version)
        messages.success(
            request, _("The revision has been discarded. The approved version stays in force.")
        )
        return redirect(version.plan)
    context = {"version": version, "plan": version.plan, "content": version_content(version)}
    return render(request, "safetyplans/discard_form.html", context)


@require_POST
def plan_delete(request: HttpRequest, pk: int) -> HttpResponse:
    plan = access_plan(request.user, pk, manage=True)
    group = plan.group
    try:
        services.plan_delete(plan=plan, by=request.user)
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(plan)
    messages.success(request, _("The draft plan has been deleted."))
    return redirect("safetyplans:group_plans", pk=group.pk)


def action_track(request: HttpRequest, pk: int) -> HttpResponse:
    tracking = access_tracking(request.user, pk, manage=True)
    initial = {"status": tracking.status, "progress": tracking.progress, "on": clock.today()}
    form = TrackForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.action_track(tracking=tracking, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The progress has been recorded."))
            return redirect(f"{tracking.plan.get_absolute_url()}#action-{tracking.action_id}")
    context = {
        "form": form,
        "tracking": tracking,
        "plan": tracking.plan,
        "updates": tracking.updates.select_related("recorded_by"),
    }
    return render(request, "safetyplans/track_form.html", context)


@never_cache
def document_status(request: HttpRequest, pk: int) -> HttpResponse:
    """The PDF's progress, polled by the plan page until it is ready (HTMX fragment)."""
    document = access_document(request.user, pk)
    return render(request, "safetyplans/_document.html", {"document": document})


@require_POST
def document_request(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    version = access_version(request.user, pk, number)
    try:
        document = services.document_request(
            version=version, language=request.POST.get("language", "")
        )
    except ValidationError as error:
        messages.error(request, error.messages[0])
        return redirect(version.plan)
    if request.htmx:
        return render(request, "safetyplans/_document.html", {"document": document})
    return redirect(version.plan)


def document_download(request: HttpRequest, pk: int) -> HttpResponse:
    document = access_document(request.user, pk)
    if not document.is_ready:
        raise Http404
    version = document.version
    name = f"safety-plan-{version.plan_id}-v{version.number}-{document.language}.pdf"
    return private_file_response(document.file, filename=name, content_type="application/pdf")


def decision_download(request: HttpRequest, pk: int, number: int) -> HttpResponse:
    """The scan of the signed decision: may show signatures, so not for donors."""
    version = access_version(request.user, pk, number, manage=True)
    if not version.decision_file:
        raise Http404
    return private_file_response(
        version.decision_file, filename=version.decision_file_name or "decision"
    )


# A national programme has a plan for each of 1,500 communities: shown a page at a time.
PLANS_PER_PAGE = 50


def programme_overview(request: HttpRequest, pk: int) -> HttpResponse:
    """Every plan of the programme: status, approval and progress (coordinators). The body is
    kept per version of the programme's figures (dashboards.page.programme_body)."""
    from dashboards.page import programme_page

    programme = access_programme(request.user, pk, manage=True)
    return programme_page(
        request,
        programme,
        "plans",
        lambda: render_to_string(
            "safetyplans/_programme_overview_body.html",
            _overview_context(request, programme),
            request=request,
        ),
        "safetyplans/programme_overview.html",
        {"programme": programme},
    )


def _overview_context(request: HttpRequest, programme) -> dict:
    today = clock.today()
    plans = programme_plans(programme, today=today)
    # The totals over every plan (small tuples), then one page of plans to show.
    counts: dict[str, int] = {}
    overdue_total = done_total = in_force = 0
    for status, overdue, done, approved in plans.values_list(
        "status", "overdue_count", "done_count", "approved_version_id"
    ):
        counts[status] = counts.get(status, 0) + 1
        overdue_total += overdue
        done_total += done
        in_force += approved is not None
    # The page is chosen on the plans alone, then only its plans get their figures: ordering
    # the annotated query would compute every plan's figures to show fifty.
    page = Paginator(programme_plan_ids(programme), PLANS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    return {
        "programme": programme,
        "plans": overview_rows(plans.filter(pk__in=list(page))),
        "page": page,
        "counts": [(s, label, counts.get(s, 0)) for s, label in PlanVersion.Status.choices],
        "overdue_total": overdue_total,
        "done_total": done_total,
        # The dashboard's "Safety plans approved" for a period ending today.
        "in_force": in_force,
        "today": today,
        "completed": programme.completed_by(today),
    }
