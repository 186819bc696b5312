"""The protocol of a held meeting: asked for on the meeting's page, rendered on a worker while
the page polls its status, downloaded; and the signed scan attached back. For the group's
leader and the programme's coordinators (meetings/access.py)."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_POST

from cohesion.storage import private_file_response
from meetings.access import access_meeting, access_protocol, access_signed_protocol
from meetings.forms import ProtocolForm, SignedProtocolForm
from meetings.models import Meeting
from meetings.protocols import (
    protocol_filename,
    protocol_page_data,
    protocol_request,
    signed_protocol_attach,
)


def protocol_panel(meeting: Meeting) -> dict:
    """The meeting page's protocol section, for those who manage a held meeting."""
    return {
        **protocol_page_data(meeting),
        "protocol_form": ProtocolForm(),
        "scan_form": SignedProtocolForm(),
        "scan_limit": settings.PROTOCOL_SCAN_MAX_BYTES,
    }


def _to_protocol(meeting: Meeting) -> HttpResponse:
    return redirect(meeting.get_absolute_url() + "#protocol")


@require_POST
def protocol_request_view(request: HttpRequest, pk: int) -> HttpResponse:
    """Asks for a new version of the protocol, made on a worker."""
    meeting = access_meeting(request.user, pk, manage=True)
    form = ProtocolForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError(_("Choose the protocol's language."))
        protocol_request(meeting=meeting, languages=form.cleaned_data["languages"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The protocol is being prepared."))
    return _to_protocol(meeting)


@never_cache
def protocol_status(request: HttpRequest, pk: int) -> HttpResponse:
    """One version's status, polled by the meeting's page until it is ready or failed."""
    protocol = access_protocol(request.user, pk)
    return render(request, "meetings/_protocol.html", {"protocol": protocol})


def protocol_download(request: HttpRequest, pk: int) -> FileResponse:
    protocol = access_protocol(request.user, pk)
    if not protocol.is_ready:
        raise Http404
    return private_file_response(
        protocol.file, filename=protocol_filename(protocol), content_type="application/pdf"
    )


@require_POST
def signed_protocol_upload(request: HttpRequest, pk: int) -> HttpResponse:
    """Attaches (or replaces) the scan of the signed protocol."""
    meeting = access_meeting(request.user, pk, manage=True)
    form = SignedProtocolForm(request.POST, request.FILES)
    try:
        if not form.is_valid():
            raise ValidationError(list(form.errors.get("file", [])))
        signed_protocol_attach(meeting=meeting, upload=form.cleaned_data["file"], by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("The signed protocol has been attached."))
    return _to_protocol(meeting)


def signed_protocol_download(request: HttpRequest, pk: int) -> FileResponse:
    scan = access_signed_protocol(request.user, pk)
    return private_file_response(
        scan.file, filename=scan.original_name, content_type=scan.content_type
    )
