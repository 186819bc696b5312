"""Where files that only some people may see are kept.

Meeting pre-reads, signed council decisions, the PDFs of approved plans and the exports of
indicators live under PRIVATE_MEDIA_ROOT, apart from the public MEDIA_ROOT and never served by
the web server: each is sent only by a view that first checks who may see the record it belongs
to. Every FileField of the project uses this storage (a project test checks).
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.http import FileResponse, Http404


def private_storage() -> FileSystemStorage:
    """The storage of every private file. A callable, so that migrations name it rather than
    a location, which differs between deployments."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)


def private_file_response(
    file,
    *,
    filename: str,
    content_type: str | None = None,
    attachment: bool = True,
    public: bool = False,
) -> FileResponse:
    """A private file, sent after the caller checked who may see it: as a download (unless
    `attachment` is False), never sniffed into another type, and kept by no cache on the way
    or on a shared computer (unless the file is `public`). A file missing from the disk is a
    404, not a 500."""
    try:
        handle = file.open("rb")
    except FileNotFoundError as exc:
        raise Http404 from exc
    response = FileResponse(
        handle, as_attachment=attachment, filename=filename, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    if not public:
        response["Cache-Control"] = "private, no-store"
    return response
