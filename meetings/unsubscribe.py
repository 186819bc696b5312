"""The signed link at the foot of every reminder: stop reminders to this address."""

from django.contrib.auth.decorators import login_not_required
from django.core import signing
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_http_methods

from meetings.access import access_unsubscribe
from meetings.reminders import email_opt_out, opted_out_among


@login_not_required
@csrf_exempt  # the signed token is the credential; mail clients POST it (RFC 8058 one-click)
@require_http_methods(["GET", "POST"])
def unsubscribe(request: HttpRequest, token: str) -> HttpResponse:
    """GET asks for confirmation, POST records the opt-out; a bad or expired link gets 400."""
    try:
        email = access_unsubscribe(token)
    except signing.BadSignature:
        return render(request, "meetings/unsubscribe.html", {"invalid": True}, status=400)
    if request.method == "POST":
        email_opt_out(email=email)
        done = True
    else:
        done = bool(opted_out_among({email}))
    context = {"email": email, "done": done}
    return render(request, "meetings/unsubscribe.html", context)
