"""Recommendations to local authorities: a group's list, the programme's list for its
coordinators, adopting one from a held meeting, and its page, where its sending, the body's
answer and what was done are recorded. Who may do what: recommendations/access.py."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from cohesion import clock
from cohesion.forms import add_errors
from cohesion.paging import page_of
from cohesion.storage import private_file_response
from dashboards.indicators import Period
from meetings.access import access_meeting
from recommendations import selectors, services
from recommendations.access import (
    access_answer_document,
    access_group_recommendations,
    access_programme_recommendations,
    access_recommendation,
)
from recommendations.forms import (
    AnswerForm,
    RecommendationFilterForm,
    RecommendationForm,
    SendForm,
    StepForm,
)
from recommendations.models import Recommendation, Stage

LIST_RELATED = ("group__community", "meeting", "addressee", "answer")


def group_list(request: HttpRequest, pk: int) -> HttpResponse:
    group = access_group_recommendations(request.user, pk)
    rows = (
        Recommendation.objects.visible_to(request.user)
        .filter(group=group)
        .with_stage(clock.today())
        .select_related(*LIST_RELATED)
    )
    page = page_of(rows, request)
    return render(
        request, "recommendations/group_list.html", {"group": group, "page": page, "rows": page}
    )


def programme_list(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_programme_recommendations(request.user, pk)
    today = clock.today()
    form = RecommendationFilterForm(request.GET or None, programme=programme)
    rows = (
        Recommendation.objects.visible_to(request.user)
        .filter(group__programme=programme)
        .with_stage(today)
        .select_related(*LIST_RELATED)
    )
    if form.is_valid():
        if form.cleaned_data["stage"]:
            rows = rows.filter(stage=form.cleaned_data["stage"])
        if form.cleaned_data["addressee"]:
            rows = rows.filter(addressee=form.cleaned_data["addressee"])
    page = page_of(rows, request)
    figures = selectors.recommendation_figures(programme, Period.of(programme, today), today=today)
    context = {"programme": programme, "form": form, "page": page, "rows": page, "figures": figures}
    return render(request, "recommendations/programme_list.html", context)


def recommendation_create(request: HttpRequest, pk: int) -> HttpResponse:
    meeting = access_meeting(request.user, pk, manage=True)
    form = RecommendationForm(request.POST or None, meeting=meeting)
    if request.method == "POST" and form.is_valid():
        try:
            recommendation = services.recommendation_adopt(
                meeting=meeting, **form.cleaned_data, today=clock.today(), by=request.user
            )
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("The recommendation has been recorded."))
            return redirect(recommendation)
    return render(request, "recommendations/form.html", {"form": form, "meeting": meeting})


def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = access_recommendation(request.user, pk)
    return render(request, "recommendations/detail.html", _detail_context(recommendation))


def _detail_context(recommendation: Recommendation, **forms) -> dict:
    today = clock.today()
    answer = getattr(recommendation, "answer", None)
    return {
        "recommendation": recommendation,
        "answer": answer,
        "stage": recommendation.stage_on(today),
        "stage_label": Stage(recommendation.stage_on(today)).label,
        "steps": recommendation.steps.select_related("recorded_by"),
        "representation": selectors.representation_of([recommendation.meeting_id])[
            recommendation.meeting_id
        ],
        "history": selectors.history_of(recommendation),
        "send_form": forms.get("send_form") or SendForm(initial=_sending(recommendation)),
        "answer_form": forms.get("answer_form") or AnswerForm(initial=_answered(answer)),
        "step_form": forms.get("step_form") or StepForm(initial={"on": today}),
    }


def _sending(recommendation: Recommendation) -> dict:
    fields = ("sent_on", "letter_number", "answer_due_on")
    return {name: getattr(recommendation, name) for name in fields}


def _answered(answer) -> dict | None:
    if answer is None:
        return None
    return {name: getattr(answer, name) for name in ("outcome", "received_on", "summary")}


def _record(request, recommendation, form_name: str, form, action) -> HttpResponse:
    """Runs a service with the form's data; the page again with the form's errors if the
    form or the service refuses (nothing changed then)."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            add_errors(form, error)
        else:
            messages.success(request, _("Saved."))
            return redirect(recommendation)
    context = _detail_context(recommendation, **{form_name: form})
    return render(request, "recommendations/detail.html", context, status=400)


@require_POST
def recommendation_send(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = access_recommendation(request.user, pk, manage=True)
    return _record(
        request, recommendation, "send_form", SendForm(request.POST),
        lambda data: services.recommendation_send(
            recommendation=recommendation, **data, today=clock.today()
        ),
    )  # fmt: skip


@require_POST
def answer_record(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = access_recommendation(request.user, pk, manage=True)
    form = AnswerForm(request.POST, request.FILES)
    return _record(
        request, recommendation, "answer_form", form,
        lambda data: services.answer_record(
            recommendation=recommendation, outcome=data["outcome"],
            received_on=data["received_on"], summary=data["summary"],
            upload=data["document"], today=clock.today(), by=request.user,
        ),
    )  # fmt: skip


@require_POST
def step_add(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = access_recommendation(request.user, pk, manage=True)
    return _record(
        request, recommendation, "step_form", StepForm(request.POST),
        lambda data: services.step_add(
            recommendation=recommendation, **data, today=clock.today(), by=request.user
        ),
    )  # fmt: skip


def answer_document(request: HttpRequest, pk: int) -> FileResponse:
    answer = access_answer_document(request.user, pk)
    if not answer.document:
        raise Http404
    return private_file_response(
        answer.document, filename=answer.document_name, content_type=answer.document_type
    )
