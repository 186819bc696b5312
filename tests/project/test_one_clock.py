"""Time comes from one clock: no module of the application reads the system clock itself."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SKIP_PARTS = {".venv", "tests", "migrations", "node_modules", "staticfiles", "static"}
CLOCK = ROOT / "cohesion" / "clock.py"

# (object, attribute) pairs that read the system clock whatever their arguments.
ALWAYS = {
    ("timezone", "now"),
    ("datetime", "now"),
    ("datetime", "utcnow"),
    ("datetime", "today"),
    ("date", "today"),
    ("time", "time"),
    ("time", "time_ns"),
}
# Conversions that read the clock when called without a value (or passed on as a callable,
# `initial=timezone.localdate`, to be called so).
WITHOUT_ARGUMENT = {("timezone", "localdate"), ("timezone", "localtime")}


def _name(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def clock_reads(source: str) -> list[int]:
    """Line numbers of direct reads of the system clock in a module's source."""
    tree = ast.parse(source)
    called = {id(node.func): node for node in ast.walk(tree) if isinstance(node, ast.Call)}
    lines = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Attribute):
            continue
        pair = (_name(node.value), node.attr)
        call = called.get(id(node))
        if pair in ALWAYS or (
            pair in WITHOUT_ARGUMENT and (call is None or not (call.args or call.keywords))
        ):
            lines.append(node.lineno)
    return sorted(lines)


def application_modules():
    for path in sorted(ROOT.rglob("*.py")):
        relative = path.relative_to(ROOT)
        if SKIP_PARTS & set(relative.parts) or path == CLOCK:
            continue
        yield relative, path.read_text(encoding="utf-8")


def test_the_check_finds_each_kind_of_clock_read():
    source = (
        "from django.utils import timezone\nimport datetime\n"
        "a = timezone.now()\n"
        "b = models.DateTimeField(default=timezone.now)\n"
        "c = timezone.localdate()\n"
        "d = timezone.localdate(a)\n"
        "e = datetime.date.today()\n"
        "f = datetime.datetime.now(tz=None)\n"
        "g = forms.DateField(initial=timezone.localdate)\n"
    )
    assert clock_reads(source) == [3, 4, 5, 7, 8, 9]


def test_no_module_reads_the_system_clock_outside_cohesion_clock():
    modules = list(application_modules())
    assert len(modules) > 80
    offenders = [
        f"{relative}:{line}" for relative, source in modules for line in clock_reads(source)
    ]
    assert offenders == [], "read the time from cohesion.clock instead"
