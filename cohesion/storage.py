"""Where files that only some people may see are kept.

Meeting pre-reads, signed council decisions, the PDFs of approved plans and the exports of
indicators live under PRIVATE_MEDIA_ROOT, apart from the public MEDIA_ROOT and never served by
the web server: each is sent only by a view that first checks who may see the record it belongs
to. Every FileField of the project uses this storage (a project test checks).
"""

from django.conf import settings
from django.core.files.storage import FileSystemStorage


def private_storage() -> FileSystemStorage:
    """The storage of every private file. A callable, so that migrations name it rather than
    a location, which differs between deployments."""
    return FileSystemStorage(location=settings.PRIVATE_MEDIA_ROOT, base_url=None)
