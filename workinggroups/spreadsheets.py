"""The pages that take or give member lists as files: the import wizard (workinggroups.wizard:
upload, columns, words, a checked preview, saving all or nothing), its template, and the
exports for coordinators."""

import tablib
from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from cohesion.forms import CleanForm
from cohesion.paging import page_of
from cohesion.text import defuse_formula
from communities.access import access_programme
from communities.models import StakeholderCategory
from workinggroups import wizard
from workinggroups.access import access_group, access_import, may_import_members
from workinggroups.imports import (
    DELIMITERS,
    ENCODINGS,
    FORMATS,
    MEMBERS,
    download,
    exported_memberships,
    members_dataset,
    template_dataset,
)
from workinggroups.models import ImportJob, ImportOutcome


class UploadForm(CleanForm):
    file = forms.FileField(label=gettext_lazy("File (.csv or .xlsx)"))


class ReadForm(CleanForm):
    """How the file is read: as detected, or as the coordinator says (a CSV's encoding and
    separator; for any file, which row holds the headers, or none)."""

    encoding = forms.ChoiceField(
        label=gettext_lazy("Encoding"), choices=ENCODINGS.items(), required=False
    )
    delimiter = forms.ChoiceField(
        label=gettext_lazy("Separator"), choices=DELIMITERS.items(), required=False
    )
    header_row = forms.IntegerField(
        label=gettext_lazy("Headers in row"),
        required=False,
        min_value=0,
        max_value=10,
        help_text=gettext_lazy("0: the file has no header row; its first row is a person."),
    )


class MappingForm(CleanForm):
    """Which field each column of the coordinator's file holds: proposed from its header (or
    from how this programme mapped that header before), changed or left out by them."""

    def __init__(self, *args, spec, headers, samples, **kwargs):
        super().__init__(*args, **kwargs)
        self.spec, self.headers = spec, list(headers)
        choices = [("", _("— leave out —"))] + [
            (c.key, f"{c.label}{' *' if c.required else ''}") for c in spec.columns
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
        labels = self.spec.labels()
        for key in sorted(twice):
            self.add_error(
                None,
                _("“%(field)s” is chosen for more than one column.") % {"field": labels[key]},
            )
        for column in self.spec.missing(mapping):
            self.add_error(
                None, _("Choose the column that holds “%(field)s”.") % {"field": column.label}
            )
        return cleaned

    def mapping(self) -> list[str | None]:
        data = getattr(self, "cleaned_data", {})
        return [data.get(f"column_{index}") or None for index in range(len(self.headers))]


class WordsForm(CleanForm):
    """What each word of the file's coded columns means, proposed, changed by the
    coordinator; a word left without meaning refuses its rows (organisations: not linked)."""

    def __init__(self, *args, columns, **kwargs):
        super().__init__(*args, **kwargs)
        self.columns = columns
        for column in columns:
            blank = _("Do not link") if column.key == "organisation" else _("— no meaning —")
            choices = [("", blank)] + [c for c in column.choices if c[0] != ""]
            column.fields = []
            for index, (_word, text, proposed) in enumerate(column.words):
                name = f"w_{column.key}_{index}"
                self.fields[name] = forms.ChoiceField(
                    label=text, choices=choices, required=False, initial=proposed
                )
                column.fields.append(name)

    def values(self) -> dict:
        return {
            column.key: {
                word: self.cleaned_data.get(name) or ""
                for (word, _text, _proposed), name in zip(column.words, column.fields, strict=True)
            }
            for column in self.columns
        }


def _samples(headers, rows, count: int = 3) -> list[list[str]]:
    samples = [[] for _header in headers]
    for row in rows[:20]:
        for index, value in enumerate(row[: len(headers)]):
            text = (value or "").strip()
            if text and len(samples[index]) < count:
                samples[index].append(text[:40])
    return samples


def member_import(request: HttpRequest, pk: int) -> HttpResponse:
    """The wizard's first step for a group's members: the upload."""
    group = access_group(request.user, pk, manage=True)
    return upload_step(
        request,
        kind=ImportJob.Kind.MEMBERS,
        programme=group.programme,
        target=group,
        context={"group": group, "columns": MEMBERS.columns, "templates": True},
    )


def upload_step(request, *, kind, programme, target, context) -> HttpResponse:
    """Takes the file (read at once: a file that cannot be read is refused here, with what
    is wrong with it) and goes to its columns."""
    form = UploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        try:
            job = wizard.start(
                kind=kind,
                programme=programme,
                target_id=target.pk,
                upload=form.cleaned_data["file"],
                by=request.user,
                language=translation.get_language() or "uk",
            )
        except ValidationError as error:
            form.add_error("file", error)
        else:
            return redirect(job)
    context = {**context, "form": form, "target": target}
    return render(request, "workinggroups/import.html", context)


STEPS = [
    (ImportJob.Status.COLUMNS, gettext_lazy("Columns")),
    (ImportJob.Status.VALUES, gettext_lazy("Words")),
    (ImportJob.Status.CHECKED, gettext_lazy("Check")),
    (ImportJob.Status.SAVED, gettext_lazy("Saved")),
]


SAVED_LABELS = [
    ("added", gettext_lazy("Added to the list")),
    ("created", gettext_lazy("New people recorded")),
    ("matched", gettext_lazy("People already on record")),
    ("updated", gettext_lazy("Of them, records updated")),
    ("already", gettext_lazy("Already on the list, left as they were")),
    ("organisations", gettext_lazy("Organisations added to the directory")),
]


def import_job(request: HttpRequest, pk: int) -> HttpResponse:
    """The wizard's steps after the upload, by where the upload stands."""
    job, target = access_import(request.user, pk, whole=True)
    spec = wizard.target_of(job.kind).spec
    Status = ImportJob.Status
    action = request.POST.get("action") if request.method == "POST" else None
    current = (
        job.status
        if job.status in {Status.COLUMNS, Status.VALUES, Status.SAVED}
        else (Status.CHECKED)
    )
    context = {"job": job, "target": target, "spec": spec, "steps": STEPS, "current": current}
    if action == "discard":
        saved = job.status == Status.SAVED
        if not wizard.discard(job):
            messages.error(request, _("The file is being checked or saved: wait until it is done."))
            return redirect(job)
        if saved:
            messages.info(request, _("The saved list's upload has been removed."))
        else:
            messages.info(request, _("The upload was discarded: nothing was saved."))
        return redirect(target)
    if action == "back":
        to_values = request.POST.get("to") == "values"
        if not wizard.back_to(job, Status.VALUES if to_values else Status.COLUMNS):
            messages.error(request, _("The file is being checked or saved: wait until it is done."))
        return redirect(job)
    if job.status == Status.COLUMNS:
        read_form = ReadForm(
            request.POST if action == "read" else None,
            initial={
                "encoding": job.encoding,
                "delimiter": job.delimiter,
                "header_row": job.first_row - 1,
            },
        )
        mapping_form = MappingForm(
            request.POST if action == "columns" else None,
            spec=spec,
            headers=job.headers,
            samples=_samples(job.headers, job.rows),
            initial={f"column_{i}": key or "" for i, key in enumerate(job.mapping)},
        )
        if action == "read" and read_form.is_valid():
            try:
                wizard.reread(job, **read_form.cleaned_data)
            except ValidationError as error:
                read_form.add_error(None, error)
            else:
                return redirect(job)
        if action == "columns" and mapping_form.is_valid():
            try:
                wizard.set_columns(job, mapping_form.mapping(), request.user)
                if not wizard.words(job, target, request.user):
                    wizard.set_values(job, {}, request.user)  # no words to map: on to the check
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect(job)
        context.update(
            read_form=read_form,
            mapping_form=mapping_form,
            encoding_label=ENCODINGS.get(job.encoding, ""),
            delimiter_label=DELIMITERS.get(job.delimiter, ""),
            header_row=job.first_row - 1,
        )
    elif job.status == Status.VALUES:
        columns = wizard.words(job, target, request.user)
        form = WordsForm(request.POST if action == "values" else None, columns=columns)
        if action == "values" and form.is_valid():
            try:
                wizard.set_values(job, form.values(), request.user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect(job)
        for column in columns:
            column.bound = [form[name] for name in column.fields]
        context.update(words_form=form)
    elif job.status == Status.CHECKED:
        if action == "save":
            try:
                wizard.request_save(job)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            return redirect(job)
        shown = request.GET.get("show", "")
        outcomes = job.outcomes.all()
        if shown in ImportOutcome.Outcome.values:
            outcomes = outcomes.filter(outcome=shown)
        context.update(
            page=page_of(outcomes, request, per_page=100),
            shown=shown,
            outcome_counts=[
                (value, label, job.summary[value])
                for value, label in ImportOutcome.Outcome.choices
                if job.summary.get(value)
            ],
            may_save=wizard.may_save(job),
            upload_url=wizard.upload_url(job),
        )
    elif job.status == Status.SAVED:
        context["saved"] = [
            (label, job.summary[key]) for key, label in SAVED_LABELS if job.summary.get(key)
        ]
    return render(request, "workinggroups/import_job.html", context)


def import_progress(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress of a check or save, polled by the page; once done, the page reloads."""
    job, _target = access_import(request.user, pk)
    response = render(request, "workinggroups/_import_progress.html", {"job": job})
    if not job.is_working:
        response["HX-Refresh"] = "true"
    return response


def import_mistakes(request: HttpRequest, pk: int) -> HttpResponse:
    """The file as it came, each row with a last column saying what is wrong with it."""
    job, _target = access_import(request.user, pk, whole=True)
    if job.status != ImportJob.Status.CHECKED:
        raise Http404
    by_row: dict[int, list[str]] = {}
    for row, errors in job.outcomes.filter(outcome=ImportOutcome.Outcome.REFUSED).values_list(
        "row", "errors"
    ):
        by_row[row] = [f"{column}: {message}" if column else message for column, message in errors]
    headers = [defuse_formula(header) for header in job.headers]
    dataset = tablib.Dataset(headers=[*headers, _("Mistakes")])
    if job.problem:
        dataset.append([*[""] * len(job.headers), job.problem])
    for number, values in enumerate(job.rows, start=job.first_row):
        # A cell that would run as a formula in a spreadsheet is given back as text.
        cells = [defuse_formula(value or "") for value in values[: len(job.headers)]]
        cells += [""] * (len(job.headers) - len(cells))
        dataset.append([*cells, "; ".join(by_row.get(number, []))])
    return download(dataset, "csv", f"{job.kind}-with-mistakes-{job.pk}")


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
