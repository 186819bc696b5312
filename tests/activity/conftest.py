import html
import re

import pytest
from django.urls import reverse


@pytest.fixture
def activity_page(as_user):
    """`activity_page(reader, programme, **filters)`: the programme's activity page as the reader
    gets it, in English unless `language` says otherwise."""

    def get(reader, programme, *, language="en", **params):
        if reader.language != language:
            reader.language = language
            reader.save(update_fields=["language"])
        return as_user(reader).get(reverse("activity:programme", args=[programme.pk]), params)

    return get


def page_text(response) -> str:
    """The activity list as a reader sees it, tags and entities gone, one line per line."""
    body = response.text.split('id="activity"', 1)[1].split("</ol>", 1)[0]
    text = html.unescape(re.sub(r"<[^>]+>", " ", body))
    return "\n".join(" ".join(line.split()) for line in text.splitlines() if line.strip())
