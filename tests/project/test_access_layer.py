"""Every view goes through the access layer: a view that names an object in its URL fetches it
with a registered `access_*` function of an app's access module, and no module of views loads a
model by itself (get_object_or_404, or a manager not narrowed to what the user may see). A new
view without an access call cannot land: the checks below run over every URL pattern."""

import ast
import inspect
import textwrap

from django.urls import URLPattern, URLResolver, get_resolver, path

from cohesion.access import REGISTRY

PROJECT_APPS = (
    "accounts",
    "cohesion",
    "communities",
    "dashboards",
    "engagement",
    "meetings",
    "participation",
    "safetyplans",
    "workinggroups",
)
# Querysets a view may start from: each narrows to what the user (or anyone, for `public`)
# may see.
SCOPES = {"visible_to", "managed_by", "editable_by", "public"}
LOADERS = {"get_object_or_404", "get_list_or_404"}
# URL parameters that name no object.
NOT_OBJECTS = {"fmt"}
# Views that take a key but load nothing with it, and why.
EXEMPT = {
    "accounts.views.invitation_link": "moves the emailed token into the session and redirects "
    "at once, so that no log keeps it; invitation_accept_view checks it with "
    "access_invitation_by_token",
}


def project_patterns(resolver=None, prefix=""):
    """(route, URL parameter names, view function) for every URL pattern of the project's
    apps, decorators unwrapped."""
    resolver = resolver or get_resolver()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from project_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            view = inspect.unwrap(entry.callback)
            if view.__module__.split(".")[0] in PROJECT_APPS:
                yield route, set(entry.pattern.converters), view


def _called_names(node: ast.AST) -> set[str]:
    names = set()
    for call in ast.walk(node):
        if isinstance(call, ast.Call):
            function = call.func
            if isinstance(function, ast.Name):
                names.add(function.id)
            elif isinstance(function, ast.Attribute):
                names.add(function.attr)
    return names


def calls_access(function) -> bool:
    """Whether the function calls a registered access function."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    return bool(_called_names(tree) & set(REGISTRY))


def unscoped_loads(source: str) -> list[str]:
    """The places in a module's source that load models outside the access layer."""
    found = []
    for node in ast.walk(ast.parse(source)):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Name)
            and node.func.id in LOADERS
        ):
            found.append(f"line {node.lineno}: {node.func.id}")
        if (
            isinstance(node, ast.Attribute)
            and isinstance(node.value, ast.Attribute)
            and node.value.attr == "objects"
            and node.attr not in SCOPES
        ):
            found.append(f"line {node.lineno}: .objects.{node.attr}")
    return found


def violations(patterns) -> list[str]:
    problems = []
    modules = set()
    for route, parameters, view in patterns:
        modules.add(inspect.getmodule(view))
        name = f"{view.__module__}.{view.__name__}"
        if parameters - NOT_OBJECTS and not calls_access(view) and name not in EXEMPT:
            problems.append(f"{view.__module__}.{view.__name__} ({route}): no access_* call")
    for module in modules:
        for place in unscoped_loads(inspect.getsource(module)):
            problems.append(f"{module.__name__} {place}")
    return problems


def test_every_view_goes_through_the_access_layer():
    patterns = list(project_patterns())
    assert len(patterns) > 100
    assert violations(patterns) == []


def test_the_registry_holds_every_access_function_of_every_app():
    names = sorted(REGISTRY)
    assert len(names) >= 25
    modules = {function.__module__ for function in REGISTRY.values()}
    assert modules == {f"{app}.access" for app in PROJECT_APPS if app != "cohesion"}


# The check at work on views that skip the access layer ----------------------------------------


def view_without_access(request, pk):
    from meetings.models import Meeting

    meeting = Meeting.objects.visible_to(request.user).filter(pk=pk).first()
    return meeting


def view_with_access(request, pk):
    from meetings.access import access_meeting

    return access_meeting(request.user, pk)


def test_a_view_added_without_an_access_call_is_caught():
    patterns = [
        ("meetings/<int:pk>/peek/", {"pk"}, view_without_access),
        ("meetings/<int:pk>/", {"pk"}, view_with_access),
    ]
    problems = [p for p in violations(patterns) if "no access_* call" in p]
    assert problems == [
        f"{__name__}.view_without_access (meetings/<int:pk>/peek/): no access_* call"
    ]
    # The same through Django's own URL pattern, as the project's are read.
    pattern = path("meetings/<int:pk>/peek/", view_without_access)
    assert set(pattern.pattern.converters) == {"pk"}


def test_a_module_that_loads_models_itself_is_caught():
    source = textwrap.dedent(
        """
        def detail(request, pk):
            meeting = get_object_or_404(Meeting, pk=pk)
            others = Meeting.objects.filter(group=meeting.group)
            mine = Meeting.objects.visible_to(request.user)
            return meeting, others, mine
        """
    )
    assert unscoped_loads(source) == ["line 3: get_object_or_404", "line 4: .objects.filter"]
