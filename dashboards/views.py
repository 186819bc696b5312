"""Progress pages and exports for a programme's coordinators and donors (dashboards/access.py).
Anyone but a coordinator sees small counts of people protected, because a count of one or two
in a small community can name a person."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cohesion import clock, frames
from cohesion.paging import page_of
from cohesion.storage import private_file_response
from cohesion.text import clean_line
from communities.access import manages_programme
from dashboards import iati, iptt, page, services
from dashboards.access import access_dashboard, access_export, kind_by_role, protected_for
from dashboards.forms import CommentsForm, ExportForm, PeriodForm, TargetsForm
from dashboards.indicators import Period
from dashboards.models import Export


def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    """The progress page, kept whole per viewer kind (cohesion.frames): a coordinator or donor
    of the programme is answered from the cache with no query for the programme itself."""
    protected = kind_by_role(request.user, pk)
    if protected is None:
        programme = access_dashboard(request.user, pk)
        protected = protected_for(request.user, programme)

    def render_page(stand_ins: dict) -> str:
        programme = access_dashboard(request.user, pk)
        form = PeriodForm(request.GET or None, programme=programme)
        period = form.period(Period.of(programme))
        community = (
            form.cleaned_data.get("community") if form.is_bound and form.is_valid() else None
        )
        body = page.dashboard_body(
            programme, form, period, community, protected=protected, today=clock.today()
        )
        context = {"programme": programme, "body": body, **stand_ins}
        return render_to_string("dashboards/dashboard.html", context, request=request)

    return frames.kept_page(
        request, lambda: page.whole_page_key(request, pk, protected=protected), render_page
    )


def map_data(request: HttpRequest, pk: int) -> HttpResponse:
    """The dashboard map's communities as JSON, for the same viewers, period and community as
    the page, kept on the server with the figures (and, like every signed-in response, never
    stored by the browser: cohesion.middleware)."""
    programme = access_dashboard(request.user, pk)
    form = PeriodForm(request.GET or None, programme=programme)
    period = form.period(Period.of(programme))
    community = form.cleaned_data.get("community") if form.is_bound and form.is_valid() else None
    body = page.map_json(programme, period, community, today=clock.today())
    return HttpResponse(body, content_type="application/json")


COMMUNITIES_PER_PAGE = 50


def communities(request: HttpRequest, pk: int) -> HttpResponse:
    """The dashboard's community picker for a programme with more communities than a list
    holds: a search of them, a page at a time, each a link to its figures for the period the
    dashboard showed."""
    programme = access_dashboard(request.user, pk)
    form = PeriodForm(request.GET or None, programme=programme)
    period = form.period(Period.of(programme))
    query = clean_line(request.GET.get("q", ""))[:100]
    name = "name_en" if get_language() == "en" else "name_uk"  # in the visitor's alphabet
    rows = page.communities_of(programme).search(query).order_by(name, "pk")
    listing = page_of(rows, request, per_page=COMMUNITIES_PER_PAGE)
    context = {
        "programme": programme,
        "communities": listing,
        "page": listing,
        "query": query,
        "period": period,
        "period_query": f"start={period.start:%Y-%m}&end={period.end:%Y-%m}",
    }
    return render(request, "dashboards/communities.html", context)


def tracking_table(request: HttpRequest, pk: int) -> HttpResponse:
    """The indicator performance tracking table: targets against actuals, period by period.
    Donors see it protected, as they see the dashboard."""
    programme = access_dashboard(request.user, pk)
    protected = protected_for(request.user, programme)
    table = iptt.build(programme, protected=protected, every_indicator="all" in request.GET)
    context = {
        "programme": programme,
        "table": table,
        "protected": protected,
        "coordinates": not protected,
        "every_indicator": "all" in request.GET,
    }
    return render(request, "dashboards/iptt.html", context)


def iati_file(request: HttpRequest, pk: int) -> HttpResponse:
    """The programme's IATI activity file: exact figures for its coordinators, protected for
    donors (dashboards.iati); a page naming what to fill in while identifiers are missing."""
    programme = access_dashboard(request.user, pk, select=["implementing_partner"])
    missing = iati.missing(programme)
    if missing:
        context = {
            "programme": programme,
            "missing": missing,
            "manages": manages_programme(request.user, programme),
        }
        return render(request, "dashboards/iati_missing.html", context, status=409)
    return iati.download(programme, protected=protected_for(request.user, programme))


def comments(request: HttpRequest, pk: int) -> HttpResponse:
    """The coordinators' comments on each indicator for one period (the dashboard's), which
    the progress report of that period prints beside the figures."""
    programme = access_dashboard(request.user, pk, manage=True)
    period = PeriodForm(request.GET or None, programme=programme).period(Period.of(programme))
    form = CommentsForm(request.POST or None, comments=services.comments_for(programme, period))
    if request.method == "POST" and form.is_valid():
        services.comments_set(
            programme=programme, period=period, comments=form.cleaned_data, by=request.user
        )
        messages.success(request, _("The comments have been saved."))
        return redirect(
            f"{reverse('dashboards:dashboard', args=[programme.pk])}?{_period_query(period)}"
        )
    context = {"programme": programme, "form": form, "period": period}
    return render(request, "dashboards/comments.html", context)


def _period_query(period: Period) -> str:
    return f"start={period.start:%Y-%m}&end={period.end:%Y-%m}"


def targets(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_dashboard(request.user, pk, manage=True)
    rows = list(programme.indicator_targets.all())
    frequency = iptt.frequency_of(programme)
    form = TargetsForm(
        request.POST or None,
        targets={t.indicator: t.target for t in rows},
        baselines={t.indicator: t.baseline for t in rows},
        frequency=frequency,
        periods=[
            (iptt.period_label(p, frequency), p)
            for p in iptt.reporting_periods(programme, frequency)
        ],
        period_targets={
            (t.indicator, t.period_start): t.target for t in programme.period_targets.all()
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            services.targets_set(programme=programme, **form.plan(), by=request.user)
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The targets have been saved."))
            return redirect("dashboards:dashboard", pk=programme.pk)
    return render(request, "dashboards/targets.html", {"programme": programme, "form": form})


def exports(request: HttpRequest, pk: int) -> HttpResponse:
    """Past exports and a form to ask for a new one."""
    programme = access_dashboard(request.user, pk)
    period = Period.of(programme)
    protected = protected_for(request.user, programme)
    form = ExportForm(
        request.POST or None,
        programme=programme,
        initial={"start": period.start, "end": period.end, "language": get_language()},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        # Coordinators choose; what a donor asks for is always protected.
        suppressed = protected or request.POST.get("for_donors") == "1"
        try:
            services.export_request(
                programme=programme,
                kind=data["kind"],
                start=data["start"],
                end=data["end"],
                community=data["community"],
                language=data["language"],
                suppressed=suppressed,
                hxl=data["hxl"],
                by=request.user,
            )
        except ValidationError as error:
            form.add_error(None, error)
        else:
            messages.success(request, _("The export is being prepared."))
            return redirect("dashboards:exports", pk=programme.pk)
    context = {
        "programme": programme,
        "form": form,
        "protected": protected,
        "exports": Export.objects.visible_to(request.user)
        .filter(programme=programme)
        .select_related("community")[:50],
    }
    return render(request, "dashboards/exports.html", context)


@require_POST
def export_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks again for an export that failed."""
    export = access_export(request.user, pk, retry=True)
    try:
        services.export_retry(export=export, by=request.user)
    except ValidationError as error:
        for message in error.messages:
            messages.error(request, message)
    else:
        messages.success(request, _("The export is being prepared again."))
    return redirect("dashboards:exports", pk=export.programme_id)


@never_cache
def export_status(request: HttpRequest, pk: int) -> HttpResponse:
    export = access_export(request.user, pk)
    return render(request, "dashboards/_export.html", {"export": export})


def export_download(request: HttpRequest, pk: int) -> HttpResponse:
    export = access_export(request.user, pk)
    if not export.is_ready:
        raise Http404
    content_types = {
        "csv": "text/csv; charset=utf-8",
        "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "pdf": "application/pdf",
    }
    name = f"cohesion-{export.kind}-{export.period_start:%Y%m}-{export.period_end:%Y%m}"
    return private_file_response(
        export.file,
        filename=f"{name}.{export.extension}",
        content_type=content_types[export.extension],
    )
