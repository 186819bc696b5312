"""Who may read a programme's activity."""

from cohesion.access import access_function
from communities.access import access_programme
from communities.models import Programme


@access_function
def access_activity(user, programme_pk: int) -> Programme:
    """The programme whose activity the user may read: its coordinators and administrators.
    The activity names people and what was changed about them, so its donors and leaders are
    refused (403) and everyone else finds nothing (404)."""
    return access_programme(user, programme_pk, manage=True)
