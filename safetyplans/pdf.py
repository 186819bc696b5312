"""The approved plan as an A4 PDF (WeasyPrint).

WeasyPrint fetches every URL it meets, `file://` and internal addresses included. Plan texts
are escaped in the template, and the fetcher below is the second wall: it serves only the
application's own static files and refuses everything else."""

import logging
import mimetypes
import posixpath
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation

logger = logging.getLogger(__name__)

# Static files are addressed under this origin, which is never looked up on the network.
STATIC_ORIGIN = "https://static.cohesion.invalid/"


def static_url(path: str) -> str:
    return STATIC_ORIGIN + path.lstrip("/")


def _url_fetcher_class():
    from weasyprint.urls import URLFetcher, URLFetcherResponse

    class StaticOnlyFetcher(URLFetcher):
        """Serves `STATIC_ORIGIN/<path>` from the static files; refuses any other URL."""

        def __init__(self):
            super().__init__(allowed_protocols=("https",), allow_redirects=False)
            self.refused: list[str] = []

        def fetch(self, url, headers=None):
            path = static_path(url)
            found = finders.find(path) if path else None
            if not found:
                self.refused.append(url)
                logger.warning("PDF renderer refused to fetch %s", url[:200])
                raise ValueError("only the application's static files may be used")
            with open(found, "rb") as handle:
                body = handle.read()
            content_type = mimetypes.guess_type(found)[0] or "application/octet-stream"
            return URLFetcherResponse(url, body=body, headers={"Content-Type": content_type})

        # Nothing may reach urllib, whatever WeasyPrint calls.
        def open(self, url, data=None, timeout=None):
            raise ValueError("network access is disabled")

    return StaticOnlyFetcher


def static_path(url: str) -> str | None:
    """The static file path a URL names, or None if it names anything else."""
    if not url.startswith(STATIC_ORIGIN):
        return None
    parts = urlsplit(url)
    if parts.query or parts.fragment:
        return None
    path = posixpath.normpath(unquote(parts.path)).lstrip("/")
    if path.startswith("..") or "\\" in path or "\x00" in path or not path:
        return None
    return path


def url_fetcher():
    return _url_fetcher_class()()


def html_to_pdf(html: str, fetcher=None) -> bytes:
    from weasyprint import HTML

    fetcher = fetcher or url_fetcher()
    return HTML(string=html, base_url=STATIC_ORIGIN, url_fetcher=fetcher).write_pdf()


def plan_html(version, language: str) -> str:
    from safetyplans.selectors import version_content

    with translation.override(language):
        content = version_content(version)
        return render_to_string(
            "safetyplans/pdf/plan.html",
            {
                "version": version,
                "plan": version.plan,
                "content": content,
                "logo_url": static_url("favicon.svg"),
                "language": language,
            },
        )


def render_version(version, language: str) -> bytes:
    return html_to_pdf(plan_html(version, language))
