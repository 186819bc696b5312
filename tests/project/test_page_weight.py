"""A leader's first load of the group page is light on a phone, and repeat loads come from the
browser's cache (issue 18).

The static files are collected as production collects them (hashed names, each compressed with
brotli and gzip by WhiteNoise) into a temporary directory and served by WhiteNoise's middleware,
as gunicorn serves them in production. A leader signs in and loads the group page, then every
stylesheet, script, icon and font it references (fonts named in the stylesheets' @font-face
rules, the first format of each as a browser takes it), asking as Chromium asks
(`Accept-Encoding: gzip, deflate, br, zstd`), and the bytes sent are summed: response bodies as
encoded on the wire, and their headers. `make weight` prints the breakdown.
"""

import gzip
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import brotli
import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.signals import request_finished
from django.db import close_old_connections
from django.test import Client, override_settings
from django.urls import reverse

from tests.factories import MembershipFactory, OrganisationFactory, category_by_code

pytestmark = pytest.mark.django_db

ROOT = Path(__file__).resolve().parents[2]
# "150 KB" read strictly: 150,000 bytes, headers included.
BUDGET = 150_000
CHROMIUM = "gzip, deflate, br, zstd"
# A year: what "cached for good" means here (WhiteNoise sends ten years for hashed names).
LONG_ENOUGH = 365 * 24 * 3600
PRODUCTION_STORAGE = "whitenoise.storage.CompressedManifestStaticFilesStorage"


@pytest.fixture(scope="module")
def production_static(tmp_path_factory):
    """The static files collected and compressed as the Dockerfile does, in a directory of this
    module's own, and the settings that serve them from there as production does. The admin's
    files are left out to save time: no page of a leader's references them."""
    root = tmp_path_factory.mktemp("staticfiles")
    storages = {**settings.STORAGES, "staticfiles": {"BACKEND": PRODUCTION_STORAGE}}
    with override_settings(STATIC_ROOT=root, STORAGES=storages, WHITENOISE_USE_FINDERS=False):
        call_command("collectstatic", "--noinput", "--ignore", "admin", verbosity=0)
        yield root


@dataclass
class Sent:
    url: str
    status: int
    encoding: str
    body: int
    headers: int
    cache_control: str
    vary: str
    identity: int = 0  # the body's size without compression


def decoded(body: bytes, encoding: str) -> bytes:
    if encoding == "br":
        return brotli.decompress(body)
    if encoding == "gzip":
        return gzip.decompress(body)
    assert not encoding, encoding
    return body


def fetch(client: Client, url: str, accept_encoding: str = CHROMIUM) -> tuple[Sent, bytes]:
    response = client.get(url, HTTP_ACCEPT_ENCODING=accept_encoding)
    body = b"".join(response.streaming_content) if response.streaming else response.content
    # Closing a response sends request_finished, whose close_old_connections would close the
    # test's database connection on PostgreSQL: the test client keeps it off the same way.
    request_finished.disconnect(close_old_connections)
    try:
        response.close()
    finally:
        request_finished.connect(close_old_connections)
    header_lines = [f"HTTP/1.1 {response.status_code} {response.reason_phrase}"]
    header_lines += [f"{name}: {value}" for name, value in response.items()]
    header_lines += [morsel.output() for morsel in response.cookies.values()]
    sent = Sent(
        url=url,
        status=response.status_code,
        encoding=response.get("Content-Encoding", ""),
        body=len(body),
        headers=sum(len(line) + 2 for line in header_lines) + 2,
        cache_control=response.get("Cache-Control", ""),
        vary=response.get("Vary", ""),
    )
    return sent, body


class _References(HTMLParser):
    """What a browser fetches to show the page: stylesheets, icons, scripts, images."""

    FETCHED_LINKS = {"stylesheet", "icon", "preload", "modulepreload", "manifest"}

    def __init__(self):
        super().__init__()
        self.urls: list[str] = []

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        if tag == "link" and set((attributes.get("rel") or "").split()) & self.FETCHED_LINKS:
            self.urls.append(attributes.get("href") or "")
        elif tag in {"script", "img", "source", "iframe"} and attributes.get("src"):
            self.urls.append(attributes["src"])


FONT_FACE = re.compile(r"@font-face\s*{([^}]*)}", re.IGNORECASE)
SRC = re.compile(r"(?:^|;)\s*src\s*:([^;]*)", re.IGNORECASE)
URL = re.compile(r"""url\(\s*(['"]?)([^'")]+)\1\s*\)""")


def css_references(css: str, css_url: str) -> list[str]:
    """The files a stylesheet makes the browser fetch: the first source of each @font-face
    (the browser takes the first format it supports: woff2 in every browser we serve) and any
    other url() but data: ones."""
    found = []
    for block in FONT_FACE.findall(css):
        for src in SRC.findall(block):
            first = URL.search(src)
            if first:
                found.append(first.group(2))
    found += [match.group(2) for match in URL.finditer(FONT_FACE.sub("", css))]
    return [
        urlsplit(urljoin(css_url, reference)).path
        for reference in found
        if not reference.startswith("data:")
    ]


def leaders_group_page(group) -> str:
    """The leader's group as a working group has it: twenty members, a few with their
    organisation, so that the page's own HTML weighs what it will."""
    organisation = OrganisationFactory()
    for number in range(20):
        MembershipFactory(
            group=group,
            category=category_by_code("police" if number % 3 else "other"),
            organisation=organisation if number % 4 == 0 else None,
        )
    return reverse("workinggroups:detail", args=[group.pk])


def first_load(client: Client, page_url: str, accept_encoding: str = CHROMIUM) -> list[Sent]:
    """The page and every file it makes the browser fetch, each once, in order."""
    page, html = fetch(client, page_url, accept_encoding)
    assert page.status == 200
    parser = _References()
    parser.feed(html.decode())
    queue, seen, loaded = list(parser.urls), set(), [page]
    while queue:
        url = queue.pop(0)
        if url in seen:
            continue
        seen.add(url)
        assert url.startswith("/") and not url.startswith("//"), f"{url} is not from this site"
        sent, body = fetch(client, url, accept_encoding)
        assert sent.status == 200, url
        sent.identity = len(fetch(client, url, "identity")[1])
        loaded.append(sent)
        if url.endswith(".css"):
            queue += css_references(decoded(body, sent.encoding).decode(), url)
    page.identity = page.body
    return loaded


def breakdown(title: str, loaded: list[Sent]) -> str:
    lines = [title, f"{'file':<74} {'sent':>8} {'size':>8}  encoding"]
    for sent in loaded:
        lines.append(f"{sent.url:<74} {sent.body:>8,} {sent.identity:>8,}  {sent.encoding or '-'}")
    bodies = sum(sent.body for sent in loaded)
    headers = sum(sent.headers for sent in loaded)
    lines.append(f"{'bodies':<74} {bodies:>8,} {sum(s.identity for s in loaded):>8,}")
    lines.append(f"{'headers (HTTP/1.1, uncompressed)':<74} {headers:>8,}")
    lines.append(f"{'total':<74} {bodies + headers:>8,}  ({(bodies + headers) / 1000:.1f} KB)")
    return "\n".join(lines)


def total(loaded: list[Sent]) -> int:
    return sum(sent.body + sent.headers for sent in loaded)


@pytest.fixture
def leader_client(production_static, leader):
    client = Client()
    client.force_login(leader)
    return client


@pytest.fixture
def leaders_first_load(leader_client, group):
    return first_load(leader_client, leaders_group_page(group))


def test_leaders_first_load_of_the_group_page_is_at_most_150_kb(leaders_first_load):
    print("\n" + breakdown("Group page, a leader's first load (brotli)", leaders_first_load))
    assert total(leaders_first_load) <= BUDGET


def test_it_stays_under_150_kb_for_a_browser_without_brotli(leader_client, group):
    loaded = first_load(leader_client, leaders_group_page(group), accept_encoding="gzip")
    print("\n" + breakdown("Group page, a leader's first load (gzip only)", loaded))
    assert total(loaded) <= BUDGET


def test_the_page_a_leader_lands_on_after_signing_in_is_under_150_kb_too(leader_client, group):
    leaders_group_page(group)
    landing = leader_client.get(reverse("home"))
    assert landing.status_code == 302
    loaded = first_load(leader_client, landing.url)
    print("\n" + breakdown("My groups, where a leader lands (brotli)", loaded))
    assert total(loaded) <= BUDGET


def static_of(loaded):
    """The static files among what a first load fetched (the web app manifest is a page of
    its own, made per request: counted in the weight, not a static file)."""
    return [sent for sent in loaded[1:] if sent.url.startswith(settings.STATIC_URL)]


def test_static_files_are_sent_compressed(leaders_first_load):
    for sent in static_of(leaders_first_load):
        if not sent.url.endswith(".woff2"):  # already compressed: WhiteNoise leaves it alone
            assert sent.encoding == "br", sent.url
            assert sent.body < sent.identity, sent.url
            # A shared cache on the way must not hand brotli to a browser that asked for gzip.
            assert "Accept-Encoding" in sent.vary, sent.url


def test_repeat_loads_take_static_files_from_the_cache(leaders_first_load, leader_client):
    """Every file but the page has a hashed name and may be kept for good, so a repeat load
    fetches the page alone; the page itself is never kept (private, no-store)."""
    page = leaders_first_load[0]
    files = static_of(leaders_first_load)
    assert "no-store" in page.cache_control
    assert files
    for sent in files:
        assert re.search(r"\.[0-9a-f]{12}\.\w+$", sent.url), f"{sent.url} has no hashed name"
        directives = [part.strip() for part in sent.cache_control.split(",")]
        assert "immutable" in directives, sent.url
        assert "public" in directives, sent.url
        max_age = int(next(d for d in directives if d.startswith("max-age="))[8:])
        assert max_age >= LONG_ENOUGH, sent.url
    again, _ = fetch(leader_client, page.url)
    print(f"\nRepeat load: the page alone, {again.body + again.headers:,} bytes")
    assert again.body + again.headers < BUDGET / 4


def test_no_source_maps_are_shipped(production_static):
    """Maps only serve a developer's browser tools; a minified file of ours that still names
    its map would also make collectstatic look for it."""
    assert not [path for path in Path(production_static).rglob("*") if ".map" in path.suffixes]
    for path in (ROOT / "static").rglob("*"):
        if path.suffix in {".js", ".css"}:
            assert not re.search(rb"[#@] sourceMappingURL=", path.read_bytes()), path


def test_production_collects_hashed_compressed_static_files():
    """The fixture above collects as production does: DEBUG off, nothing else said."""
    result = subprocess.run(
        [
            sys.executable,
            "manage.py",
            "shell",
            "--no-imports",
            "-c",
            "from django.conf import settings; print(settings.STORAGES['staticfiles']['BACKEND'])",
        ],
        cwd=ROOT,
        env={"PATH": os.environ["PATH"], "DEBUG": "false", "SECRET_KEY": "x" * 50},
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == PRODUCTION_STORAGE
