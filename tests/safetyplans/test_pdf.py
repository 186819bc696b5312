"""The approved plan as an A4 PDF: the community's Ukrainian name, the actions and the decision
in the text, page numbers in the footer, and nothing fetched from outside the application's
static files, whatever the plan texts say."""

import http.server
import io
import re
import threading
import urllib.request
from pathlib import Path

import pytest
from pypdf import PdfReader

from safetyplans import pdf
from tests.factories import ActionFactory, PriorityFactory, plan_in_state

pytestmark = pytest.mark.django_db

# Every letter that only Ukrainian has, and the apostrophe (U+02BC) of its spelling.
COMMUNITY_UK = "Їжаківсько-Ґорʼєвська"
COMMUNITY_EN = "Yizhakivsko-Gorievska"
DECISION_NUMBER = "47/III-VIII"
A4 = (595.28, 841.89)  # points


class _Trap(http.server.BaseHTTPRequestHandler):
    """Answers anything and remembers that it was asked."""

    def do_GET(self):
        self.server.hits.append(self.path)
        body = b"body { color: red }"
        self.send_response(200)
        self.send_header("Content-Type", "text/css")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


@pytest.fixture
def trap():
    """An HTTP server on a free local port that counts the requests it gets."""
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Trap)
    server.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    server.url = f"http://127.0.0.1:{server.server_port}"
    # The trap works: a plain request reaches it (so "no hits" below means something).
    with urllib.request.urlopen(f"{server.url}/probe", timeout=5) as response:
        assert response.status == 200
    assert server.hits == ["/probe"]
    server.hits.clear()
    yield server
    server.shutdown()
    server.server_close()
    thread.join(timeout=5)


@pytest.fixture
def fetchers(monkeypatch):
    """Every URL fetcher the renderer makes (the real one), to read what it refused."""
    made = []
    real = pdf.url_fetcher

    def spy():
        fetcher = real()
        made.append(fetcher)
        return fetcher

    monkeypatch.setattr(pdf, "url_fetcher", spy)
    return made


@pytest.fixture
def approved(group, coordinator):
    community = group.community
    community.name_uk, community.name_en = COMMUNITY_UK, COMMUNITY_EN
    community.save()
    _plan, version = plan_in_state("approved", group=group, actions=3, by=coordinator)
    # The decision number as the council wrote it (the factory's approval is a placeholder).
    type(version).objects.filter(pk=version.pk).update(decision_number=DECISION_NUMBER)
    version.refresh_from_db()
    return version


def read(data: bytes) -> PdfReader:
    assert data.startswith(b"%PDF-")
    return PdfReader(io.BytesIO(data))


def text_of(reader: PdfReader) -> str:
    """The words of every page, with line breaks (table cells wrap) made single spaces."""
    return " ".join(" ".join(page.extract_text().split()) for page in reader.pages)


def passwd_lines() -> list[str]:
    lines = Path("/etc/passwd").read_text().splitlines()
    return [line for line in lines if line.count(":") >= 6]


def test_approved_plan_renders_as_a4_with_the_ukrainian_name_actions_decision_and_page_numbers(
    approved,
):
    reader = read(pdf.render_version(approved, "uk"))
    for page in reader.pages:
        width, height = float(page.mediabox.width), float(page.mediabox.height)
        assert (width, height) == pytest.approx(A4, abs=1)
    text = text_of(reader)
    assert f"{COMMUNITY_UK} громада" in text
    activity = approved.actions.first().activity
    assert activity in text
    assert DECISION_NUMBER in text
    pages = len(reader.pages)
    assert pages >= 2  # the cover, then the plan
    last = reader.pages[-1].extract_text()
    assert re.search(rf"\b{pages} / {pages}\b", last), last
    # The cover carries no footer; the next page is numbered 2 of N.
    assert not re.search(r"\b\d+ / \d+\b", reader.pages[0].extract_text())
    assert re.search(rf"\b2 / {pages}\b", reader.pages[1].extract_text())


def test_english_pdf_has_english_labels_and_the_english_name(approved):
    text = text_of(read(pdf.render_version(approved, "en")))
    for label in ("Public safety plan", "Context", "Priorities", "Actions", "Total budget"):
        assert label in text
    assert f"{COMMUNITY_EN} hromada" in text
    assert DECISION_NUMBER in text
    assert re.search(r"Page \d+ / \d+", text)


def test_ukrainian_pdf_does_not_print_english_labels(approved):
    """The Ukrainian PDF is the council's document: its headings and footer are Ukrainian."""
    text = text_of(read(pdf.render_version(approved, "uk")))
    english = [
        label
        for label in ("Public safety plan", "Priorities", "Total budget", "Page ")
        if label in text
    ]
    assert english == []


def test_markup_in_plan_texts_fetches_nothing_and_leaks_no_local_file(
    approved, coordinator, trap, fetchers
):
    hostile = (
        '<img src="file:///etc/passwd">'
        f'<link rel=stylesheet href="{trap.url}/x.css">'
        "<style>body { background: url(file:///etc/passwd) }</style>"
        f'<iframe src="{trap.url}/frame"></iframe>'
        f'<object data="{trap.url}/object"></object>'
    )
    # An approved version is frozen: the texts are put in a draft, then approved as users do.
    plan, _version = plan_in_state("draft", actions=0, by=coordinator)
    draft = plan.versions.get()
    type(draft).objects.filter(pk=draft.pk).update(context_summary=f"Контекст {hostile}")
    priority = PriorityFactory(
        version=draft, issue=f"Питання {hostile}"[:300], description=f"Опис {hostile}"
    )
    ActionFactory(priority=priority, activity=f"Захід {hostile}"[:500])
    from safetyplans import services

    draft.refresh_from_db()
    services.version_submit(version=draft, by=coordinator)
    version = services.version_approve(
        version=draft,
        approving_body=f"Рада {hostile}"[:300],
        decision_number="1",
        decision_date=approved.decision_date,
        by=coordinator,
    )

    text = text_of(read(pdf.render_version(version, "uk")))

    assert "Контекст" in text and "Захід" in text
    # The markup is shown as text, never followed.
    assert "file:///etc/passwd" in text
    assert "root:x:0:0" not in text
    assert [line for line in passwd_lines() if line in text] == []
    assert trap.hits == []
    [fetcher] = fetchers
    assert fetcher.refused == []  # escaped: nothing but the logo was even asked for


def html_with(trap) -> str:
    return (
        "<!DOCTYPE html><html><head>"
        f'<link rel="stylesheet" href="{trap.url}/x.css">'
        "</head><body><p>Тест</p>"
        '<img src="file:///etc/passwd">'
        f'<img src="{pdf.STATIC_ORIGIN}../../../etc/passwd">'
        f'<img src="{pdf.STATIC_ORIGIN}favicon.svg">'
        "</body></html>"
    )


def test_fetcher_refuses_local_files_other_hosts_and_traversal_and_allows_static_files(trap):
    fetcher = pdf.url_fetcher()

    data = pdf.html_to_pdf(html_with(trap), fetcher)

    assert data.startswith(b"%PDF-")
    assert trap.hits == []
    assert sorted(fetcher.refused) == sorted(
        [
            "file:///etc/passwd",
            f"{trap.url}/x.css",
            f"{pdf.STATIC_ORIGIN}../../../etc/passwd",
        ]
    )
    assert "root:x:0:0" not in text_of(read(data))


def test_without_the_static_only_fetcher_weasyprint_would_reach_the_network(trap):
    """The control for the test above: the trap sees WeasyPrint's own fetcher."""
    from weasyprint.urls import URLFetcher

    pdf.html_to_pdf(html_with(trap), URLFetcher(timeout=5))

    assert "/x.css" in trap.hits


def test_the_static_only_fetcher_serves_the_favicon_bytes():
    response = pdf.url_fetcher().fetch(f"{pdf.STATIC_ORIGIN}favicon.svg")

    body = response.read() if hasattr(response, "read") else response.body
    assert body == (Path(__file__).resolve().parents[2] / "static" / "favicon.svg").read_bytes()


def test_the_static_only_fetcher_never_opens_a_url_itself():
    fetcher = pdf.url_fetcher()
    with pytest.raises(ValueError):
        fetcher.open("file:///etc/passwd")
    with pytest.raises(ValueError):
        fetcher.fetch("file:///etc/passwd")
    assert fetcher.refused == ["file:///etc/passwd"]


@pytest.mark.parametrize(
    ("url", "path"),
    [
        ("https://static.cohesion.invalid/favicon.svg", "favicon.svg"),
        ("https://static.cohesion.invalid/css/app.css", "css/app.css"),
        ("https://static.cohesion.invalid/css/../favicon.svg", "favicon.svg"),
        ("https://static.cohesion.invalid/vendor/htmx/htmx.min.js", "vendor/htmx/htmx.min.js"),
    ],
)
def test_static_path_names_a_file_under_the_static_origin(url, path):
    assert pdf.static_path(url) == path


@pytest.mark.parametrize(
    "url",
    [
        # Traversal, plain and encoded, stays inside the static files or is refused.
        "https://static.cohesion.invalid/../../../etc/passwd",
        "https://static.cohesion.invalid/%2e%2e/%2e%2e/etc/passwd",
        "https://static.cohesion.invalid/css/%2E%2E/%2E%2E/%2E%2E/etc/passwd",
        "https://static.cohesion.invalid//etc/passwd",
        "https://static.cohesion.invalid/%2Fetc%2Fpasswd",
    ],
)
def test_static_path_never_leaves_the_static_files(url):
    path = pdf.static_path(url)
    assert path is None or not (path.startswith(("/", "..")) or "/../" in f"/{path}/")
    # Whatever it names, it is not a file the finders would serve.
    from django.contrib.staticfiles import finders

    assert path is None or finders.find(path) is None


@pytest.mark.parametrize(
    "url",
    [
        "https://static.cohesion.invalid/favicon.svg?v=1",
        "https://static.cohesion.invalid/favicon.svg#x",
        "https://static.cohesion.invalid/css\\..\\..\\etc\\passwd",
        "https://static.cohesion.invalid/css%5C..%5Capp.css",
        "https://static.cohesion.invalid/favicon.svg%00.png",
        "https://static.cohesion.invalid/",
        "https://static.cohesion.invalid/.",
        "https://static.cohesion.invalid",
        "https://static.cohesion.invalid.example.com/favicon.svg",
        "https://static.cohesion.invalid:8443/favicon.svg",
        "https://user@static.cohesion.invalid/favicon.svg",
        "http://static.cohesion.invalid/favicon.svg",
        "HTTPS://STATIC.COHESION.INVALID/favicon.svg",
        "https://example.com/favicon.svg",
        "http://127.0.0.1/favicon.svg",
        "file:///etc/passwd",
        "file://static.cohesion.invalid/favicon.svg",
        "data:text/css,body{}",
        "/favicon.svg",
        "favicon.svg",
        "",
    ],
)
def test_static_path_refuses_queries_backslashes_and_other_origins(url):
    assert pdf.static_path(url) is None
