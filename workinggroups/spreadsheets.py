"""The pages that take or give member lists as files: the import (checked whole, saved all or
nothing, by workinggroups.imports), its template, and the exports for coordinators."""

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohesion.forms import CleanForm
from communities.access import access_programme
from communities.models import StakeholderCategory
from workinggroups.access import access_group, may_import_members
from workinggroups.imports import (
    COLUMNS,
    FORMATS,
    download,
    exported_memberships,
    import_members,
    members_dataset,
    read_table,
    template_dataset,
    validate_table,
)


class UploadForm(CleanForm):
    file = forms.FileField(label=gettext_lazy("File (.csv or .xlsx)"))


def member_import(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group(request.user, pk, manage=True)
    form = UploadForm(request.POST or None, request.FILES or None)
    result = None
    if request.method == "POST" and form.is_valid():
        try:
            dataset = read_table(form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
        else:
            rows, result = validate_table(dataset, group)
            if not result.errors:
                try:
                    import_members(group=group, rows=rows, by=request.user, result=result)
                except ValidationError as error:  # e.g. the group ceased meanwhile
                    form.add_error(None, error)
                else:
                    messages.success(
                        request,
                        _(
                            "Imported: %(added)s members added (%(created)s new people, "
                            "%(matched)s already on record, %(already)s already members)."
                        )
                        % vars(result),
                    )
                    if result.ignored:
                        messages.warning(
                            request,
                            _("These columns were not imported: %(columns)s.")
                            % {"columns": ", ".join(result.ignored)},
                        )
                    return redirect(group)
    context = {"group": group, "form": form, "result": result, "columns": COLUMNS}
    return render(request, "workinggroups/import.html", context)


def import_template(request: HttpRequest, fmt: str) -> HttpResponse:
    """An empty sheet with the columns in the user's language and one example row."""
    if fmt not in FORMATS:
        raise Http404
    if not may_import_members(request.user):
        raise PermissionDenied
    category = StakeholderCategory.objects.visible_to(request.user).filter(code="police").first()
    dataset = template_dataset(category.name if category else "")
    return download(dataset, fmt, "cohesion-members-template")


def group_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    """Members of one group, current and former: for the programme's coordinators only."""
    if fmt not in FORMATS:
        raise Http404
    group = access_group(request.user, pk, coordinate=True)
    dataset = members_dataset(exported_memberships(request.user, group=group))
    return download(dataset, fmt, f"members-group-{group.pk}")


def programme_export(request: HttpRequest, pk: int, fmt: str) -> HttpResponse:
    if fmt not in FORMATS:
        raise Http404
    programme = access_programme(request.user, pk, manage=True)
    dataset = members_dataset(exported_memberships(request.user, group__programme=programme))
    return download(dataset, fmt, f"members-programme-{programme.pk}")
