"""The pages that take or give member lists as files: the import (checked whole, saved all or
nothing, by workinggroups.imports), its template, and the exports for coordinators."""

import secrets

import tablib
from django import forms
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohesion.forms import CleanForm
from cohesion.text import defuse_formula
from communities.access import access_programme, manages_programme
from communities.models import StakeholderCategory
from workinggroups.access import access_group, may_import_members
from workinggroups.imports import (
    COLUMNS,
    FORMATS,
    download,
    exported_memberships,
    import_members,
    members_dataset,
    missing_fields,
    propose,
    read_table,
    remember_mapping,
    remembered_in,
    template_dataset,
    validate_table,
)


class UploadForm(CleanForm):
    file = forms.FileField(label=gettext_lazy("File (.csv or .xlsx)"))


class MappingForm(CleanForm):
    """Which field each column of the coordinator's file holds: proposed from its header (or
    from how this programme mapped that header before), changed or left out by them."""

    token = forms.CharField(widget=forms.HiddenInput)

    def __init__(self, *args, headers, samples, **kwargs):
        super().__init__(*args, **kwargs)
        self.headers = list(headers)
        choices = [("", _("— leave out —"))] + [
            (c.key, f"{c.label}{' *' if c.required else ''}") for c in COLUMNS
        ]
        for index, header in enumerate(self.headers):
            self.fields[f"column_{index}"] = forms.ChoiceField(
                label=str(header or "") or _("(no header)"),
                choices=choices,
                required=False,
                help_text=", ".join(samples[index]),
            )

    def clean(self):
        cleaned = super().clean()
        mapping = self.mapping()
        chosen = [key for key in mapping if key]
        twice = {key for key in chosen if chosen.count(key) > 1}
        labels = {c.key: str(c.label) for c in COLUMNS}
        for key in sorted(twice):
            self.add_error(
                None,
                _("“%(field)s” is chosen for more than one column.") % {"field": labels[key]},
            )
        for column in missing_fields(mapping):
            self.add_error(
                None, _("Choose the column that holds “%(field)s”.") % {"field": column.label}
            )
        return cleaned

    def mapping(self) -> list[str | None]:
        data = getattr(self, "cleaned_data", {})
        return [data.get(f"column_{index}") or None for index in range(len(self.headers))]


# An upload waiting for its columns to be mapped: kept in the cache for the user, briefly.
KEEP_SECONDS = 30 * 60
MISTAKES_KEEP_SECONDS = 10 * 60


def _keep(request, group, dataset, errors=None) -> str:
    """Keeps the parsed upload for the uploader: for the mapping step, or (with `errors`)
    for the file with its mistakes, for less time (it holds the people of a refused file)."""
    token = secrets.token_urlsafe(16)
    purpose = "mapping" if errors is None else "mistakes"
    cache.set(
        _kept_key(request, token, purpose),
        {
            "group": group.pk,
            "headers": list(dataset.headers),
            "rows": [list(r) for r in dataset],
            "first_row": getattr(dataset, "first_row", 2),
            "errors": list(errors or ()),
        },
        KEEP_SECONDS if errors is None else MISTAKES_KEEP_SECONDS,
    )
    return token


def _kept(request, group, token):
    kept = cache.get(_kept_key(request, token, "mapping")) if token else None
    if not kept or kept["group"] != group.pk:
        return None
    dataset = tablib.Dataset(*kept["rows"], headers=kept["headers"])
    dataset.first_row = kept["first_row"]
    return dataset


def _kept_key(request, token: str, purpose: str) -> str:
    return f"member-import:{purpose}:{request.user.pk}:{token}"


def _samples(dataset, count: int = 3) -> list[list[str]]:
    samples = [[] for _header in dataset.headers]
    for row in dataset[:20]:
        for index, value in enumerate(row):
            text = "" if value is None else str(value).strip()
            if text and len(samples[index]) < count:
                samples[index].append(text[:40])
    return samples


def member_import(request: HttpRequest, pk: int) -> HttpResponse:
    """Upload, then (when the file's headers do not say where the required fields are) a
    column mapping, then all-or-nothing saving."""
    group = access_group(request.user, pk, manage=True)
    form = UploadForm(request.POST or None, request.FILES or None)
    result = mapping_form = None
    dataset = mapping = None
    expired = False
    if request.method == "POST" and "token" in request.POST:
        form = UploadForm()
        dataset = _kept(request, group, request.POST.get("token"))
        if dataset is None:
            expired = True
        else:
            mapping_form = MappingForm(
                request.POST, headers=dataset.headers, samples=_samples(dataset)
            )
            if mapping_form.is_valid():
                mapping = mapping_form.mapping()
    elif request.method == "POST" and form.is_valid():
        try:
            dataset = read_table(form.cleaned_data["file"])
        except ValidationError as error:
            form.add_error("file", error)
        else:
            proposed = propose(dataset.headers, group.programme)
            # Columns to map when some column's header said nothing (a file whose every column
            # is known yet lacks a required one is told so by validate_table), and to confirm
            # when an earlier file's mapping is proposed.
            if (missing_fields(proposed) and None in proposed) or remembered_in(
                dataset.headers, group.programme
            ):
                token = _keep(request, group, dataset)
                initial = {f"column_{i}": key or "" for i, key in enumerate(proposed)}
                mapping_form = MappingForm(
                    initial={"token": token, **initial},
                    headers=dataset.headers,
                    samples=_samples(dataset),
                )
            else:
                mapping = proposed
    errors_token = None
    if mapping is not None:
        rows, result = validate_table(dataset, group, mapping)
        if result.errors:
            # The file as it came, each row with its mistakes, to correct and upload again.
            errors_token = _keep(request, group, dataset, errors=result.errors)
        else:
            try:
                import_members(group=group, rows=rows, by=request.user, result=result)
            except ValidationError as error:  # e.g. the group ceased meanwhile
                (mapping_form or form).add_error(None, error)
            else:
                if mapping_form is not None and manages_programme(request.user, group.programme):
                    # The programme's coordinators' choices are proposed for its next files.
                    remember_mapping(group.programme, dataset.headers, mapping)
                    cache.delete(_kept_key(request, mapping_form.cleaned_data["token"], "mapping"))
                _imported(request, result)
                return redirect(group)
    context = {
        "group": group,
        "form": form,
        "result": result,
        "columns": COLUMNS,
        "mapping_form": mapping_form,
        "expired": expired,
        "errors_token": errors_token,
    }
    return render(request, "workinggroups/import.html", context)


def member_import_errors(request: HttpRequest, pk: int, token: str) -> HttpResponse:
    """The file just refused, as CSV, with a last column saying what is wrong with each row."""
    group = access_group(request.user, pk, manage=True)
    kept = cache.get(_kept_key(request, token, "mistakes"))
    if not kept or kept["group"] != group.pk:
        raise Http404
    by_row: dict[int, list[str]] = {}
    for row, column, message in kept["errors"]:
        by_row.setdefault(row, []).append(f"{column}: {message}" if column else message)
    headers = [defuse_formula(header) for header in kept["headers"]]
    dataset = tablib.Dataset(headers=[*headers, _("Mistakes")])
    header_at = kept["first_row"] - 1
    for number, values in enumerate(kept["rows"], start=kept["first_row"]):
        # A cell that would run as a formula in a spreadsheet is given back as text.
        cells = [defuse_formula("" if value is None else value) for value in values]
        dataset.append([*cells, "; ".join(by_row.get(number, []))])
    file_level = by_row.get(header_at)
    if file_level:
        dataset.insert(0, [*[""] * len(kept["headers"]), "; ".join(file_level)])
    return download(dataset, "csv", f"members-with-mistakes-{group.pk}")


def _imported(request, result) -> None:
    messages.success(
        request,
        _(
            "Imported: %(added)s members added (%(created)s new people, "
            "%(matched)s already on record, %(already)s already members)."
        )
        % vars(result),
    )
    if result.unknown_organisations:
        messages.warning(
            request,
            _(
                "Not linked to the memberships, being in the directory of organisations under "
                "no such name or as several organisations: %(names)s. Add or rename them in the "
                "directory, then choose them on the members' pages."
            )
            % {"names": ", ".join(result.unknown_organisations)},
        )
    if result.ignored:
        messages.warning(
            request,
            _("These columns were not imported: %(columns)s.")
            % {"columns": ", ".join(result.ignored)},
        )


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
