"""Progress pages and exports for a programme's coordinators and donors (dashboards/access.py).
Anyone but a coordinator sees small counts of people protected, because a count of one or two
in a small community can name a person."""

from django.conf import settings
from django.contrib import messages
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.safestring import mark_safe
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cohesion import clock
from cohesion.i18n import pick
from cohesion.storage import private_file_response
from dashboards import iptt, services
from dashboards.access import access_dashboard, access_export, protected_for
from dashboards.cache import figures
from dashboards.forms import CommentsForm, ExportForm, PeriodForm, TargetsForm
from dashboards.indicators import Period
from dashboards.models import Export
from dashboards.presenters import category_table, chart_payload, indicator_rows, sex_band_table


def dashboard(request: HttpRequest, pk: int) -> HttpResponse:
    programme = access_dashboard(request.user, pk)
    form = PeriodForm(request.GET or None, programme=programme)
    period = form.period(Period.of(programme))
    community = form.cleaned_data.get("community") if form.is_bound and form.is_valid() else None
    today = clock.today()
    as_of = period.as_of(today)
    data, key = figures(programme, period, community, today=today)
    protected = protected_for(request.user, programme)
    targets = {t.indicator: t.target for t in programme.indicator_targets.all()}
    sex_band = sex_band_table(data, protected=protected)
    context = {
        "programme": programme,
        "form": form,
        "period": period,
        "as_of": as_of,
        "community": community,
        "protected": protected,
        "coordinates": not protected,
        # Comments are for the whole programme: not shown on one community's figures.
        "sections": indicator_rows(
            data,
            targets,
            protected=protected,
            comments=services.comments_for(programme, period) if community is None else {},
        ),
        "sex_band": sex_band,
        "categories": category_table(data, protected=protected),
        "data": data,
        "charts": chart_payload(data, sex_band),
        "tiles": settings.MAP_TILE_URL,
        "tiles_attribution": settings.MAP_TILE_ATTRIBUTION,
        "query": _period_query(period),
        # The rendered page body is cached with the figures, per viewer kind: the same key
        # changes when the figures do.
        "fragment_key": f"{key}:{'protected' if protected else 'exact'}",
        # Options written out by the template itself: a widget renders 1,500 slowly.
        "community_options": _community_options(programme, community, key),
        "cache_seconds": settings.DASHBOARD_CACHE_SECONDS,
    }
    return render(request, "dashboards/dashboard.html", context)


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


def _community_options(programme, community, key: str) -> str:
    """The community picker's options, rendered once per version of the figures, language and
    choice, and kept with them: a national programme has 1,500, which took most of a warm
    page's time to render."""
    chosen = community.pk if community else None

    def render_options() -> str:
        return render_to_string(
            "dashboards/_community_options.html",
            {"choices": _community_choices(programme), "chosen": chosen},
        )

    html = cache.get_or_set(
        f"{key}:picker:{chosen}", render_options, settings.DASHBOARD_CACHE_SECONDS
    )
    return mark_safe(html)  # rendered by our template, every name escaped there


def _community_choices(programme) -> list[tuple[int, str]]:
    rows = (
        programme.working_groups.order_by("community__name_uk")
        .values_list("community_id", "community__name_uk", "community__name_en")
        .distinct()
    )
    return [(pk, pick(uk, en)) for pk, uk, en in rows]


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
