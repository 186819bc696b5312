"""The library of measures: coordinators write up actions of approved plans; everyone with a
role in a programme searches its measures; drafters copy one into their plan (views.measure_copy).
Who may do what is decided in safetyplans/access.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from cohesion.forms import add_errors
from safetyplans import services
from safetyplans.access import (
    access_measure,
    access_plan_action,
    access_version,
    may_add_measures,
)
from safetyplans.forms import LibrarySearchForm, MeasureForm
from safetyplans.selectors import library as library_of

# A page of measures, whatever the size of the library.
MEASURES_PER_PAGE = 20


def library(request: HttpRequest, pk: int | None = None, number: int | None = None):
    """The measures of the user's programmes, searched by words and issue category; opened from
    a draft (`pk`, `number`), each can be copied into it."""
    version = access_version(request.user, pk, number, manage=True) if pk else None
    if version is not None and not version.is_editable:
        messages.error(request, _("Only a draft can take measures from the library."))
        return redirect(version)
    form = LibrarySearchForm(request.GET or None)
    measures = library_of(request.user, **form.terms())
    page = Paginator(measures, MEASURES_PER_PAGE).get_page(request.GET.get("page"))
    context = {"form": form, "page": page, "version": version}
    if version is not None:
        context.update(plan=version.plan, priorities=list(version.priorities.order_by("position")))
    if request.htmx:
        return render(request, "safetyplans/_measure_list.html", context)
    return render(request, "safetyplans/library.html", context)


def measure_detail(request: HttpRequest, pk: int) -> HttpResponse:
    measure = access_measure(request.user, pk)
    context = {"measure": measure, "editor": may_add_measures(request.user, measure.programme_id)}
    return render(request, "safetyplans/measure_detail.html", context)


def measure_create(request: HttpRequest, pk: int) -> HttpResponse:
    """An action of an approved plan written up as a measure, filled in from the action."""
    action = access_plan_action(request.user, pk, coordinate=True)
    existing = getattr(action, "measure", None)
    if existing is not None:
        return redirect("safetyplans:measure_edit", pk=existing.pk)
    form = MeasureForm(request.POST or None, initial=services.measure_initial(action))
    if request.method == "POST" and form.is_valid():
        try:
            measure = services.measure_create(action=action, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The measure is in the library."))
            return redirect("safetyplans:measure", pk=measure.pk)
    context = {"form": form, "action": action, "title": _("Add to the library of measures")}
    return render(request, "safetyplans/measure_form.html", context)


def measure_edit(request: HttpRequest, pk: int) -> HttpResponse:
    measure = access_measure(request.user, pk, manage=True)
    form = MeasureForm(request.POST or None, instance=measure)
    if request.method == "POST" and form.is_valid():
        try:
            services.measure_update(measure=measure, by=request.user, **form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect("safetyplans:measure", pk=measure.pk)
    context = {"form": form, "measure": measure, "title": _("Edit the measure")}
    return render(request, "safetyplans/measure_form.html", context)
