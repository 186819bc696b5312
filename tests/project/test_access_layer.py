"""Every view goes through the access layer: a view that names an object in its URL fetches it
with a registered `access_*` function of an app's access module, and no module of views loads a
model by itself (get_object_or_404, a manager not narrowed to what the user may see, or one
object fetched from a narrowed list). A new view without an access call cannot land: the checks
below run over every URL pattern of the project's apps, and are shown failing on views made to
fail, through a real URL configuration.

What the static check cannot see, review must: a key read from the query string or the form
and looked up through an object already fetched (group.meetings.get(pk=...)), and raw SQL."""

import ast
import inspect
import textwrap
from pathlib import Path

from django.apps import apps
from django.urls import URLPattern, URLResolver, get_resolver, path, re_path

from cohesion.access import REGISTRY
from meetings.access import access_meeting

ROOT = Path(__file__).resolve().parents[2]
# Querysets a view may start a list from: each narrows to what the user (or anyone, for
# `public`) may see.
SCOPES = {"visible_to", "managed_by", "editable_by", "public"}
MANAGERS = {"objects", "_default_manager", "_base_manager"}
LOADERS = {"get_object_or_404", "get_list_or_404"}
# Fetching one object: only the access modules do it.
SINGLE = {"get", "in_bulk", "get_or_create", "update_or_create"}
KEY_ARGUMENTS = {"pk", "id", "token"}
# URL parameters that name no object.
NOT_OBJECTS = {"fmt"}
# Views that take a key but load nothing with it, and why.
EXEMPT = {
    "accounts.views.invitation_link": "moves the emailed token into the session and redirects "
    "at once, so that no log keeps it; invitation_accept_view checks it with "
    "access_invitation_by_token",
}


def project_apps() -> set[str]:
    """The apps at the top of this checkout (not Django's or a library's)."""
    return {
        config.name
        for config in apps.get_app_configs()
        if Path(config.path).resolve().parent == ROOT
    }


def _parameters(pattern) -> set[str]:
    converters = set(getattr(pattern, "converters", {}))
    regex = getattr(pattern, "regex", None)
    return converters | set(regex.groupindex if regex is not None else {})


def project_patterns(resolver=None, prefix=""):
    """(route, URL parameter names, callback) for every URL pattern whose view lives in one of
    the project's apps, decorators unwrapped."""
    resolver = resolver or get_resolver()
    ours = project_apps()
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from project_patterns(entry, route)
        elif isinstance(entry, URLPattern):
            callback = entry.callback
            module = getattr(callback, "view_class", inspect.unwrap(callback)).__module__
            if module.split(".")[0] in ours:
                yield route, _parameters(entry.pattern), callback


def calls_access(view) -> bool:
    """Whether the view calls, by name, a registered access function: the very function,
    imported from an access module (a local one with the same name does not count)."""
    tree = ast.parse(textwrap.dedent(inspect.getsource(view)))
    imported, shadowed = set(), set()
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef) and node.name != view.__name__:
            shadowed.add(node.name)
        elif isinstance(node, ast.Name) and isinstance(node.ctx, ast.Store):
            shadowed.add(node.id)
        elif isinstance(node, ast.Import | ast.ImportFrom):
            from_access = isinstance(node, ast.ImportFrom) and (node.module or "").endswith(
                ".access"
            )
            for alias in node.names:
                (imported if from_access else shadowed).add(alias.asname or alias.name)
    for call in ast.walk(tree):
        if isinstance(call, ast.Call) and isinstance(call.func, ast.Name):
            name = call.func.id
            known = name in imported or view.__globals__.get(name) is REGISTRY.get(name)
            if name in REGISTRY and name not in shadowed and known:
                return True
    return False


def _chain(node) -> list[str]:
    """The attribute and call names a call is made through, outermost last."""
    names = []
    while True:
        if isinstance(node, ast.Call):
            node = node.func
        elif isinstance(node, ast.Attribute):
            names.append(node.attr)
            node = node.value
        elif isinstance(node, ast.Name):
            names.append(node.id)
            return list(reversed(names))
        else:
            return list(reversed(names))


def _mark_manager_uses(tree: ast.AST) -> ast.AST:
    # `X.objects.visible_to`: the `objects` attribute learns which method it is used with.
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Attribute):
            node.value.parent_attr = node.attr
    return tree


def module_loads(source: str) -> list[str]:
    """The places in a module's source that load models outside the access layer."""
    tree = _mark_manager_uses(ast.parse(source))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Attribute):
            if node.attr in LOADERS:
                found.append((node.lineno, node.attr))
            if node.attr in MANAGERS and isinstance(node.value, ast.Name):
                used = getattr(node, "parent_attr", None)
                if used not in SCOPES:
                    found.append((node.lineno, f".{node.attr}.{used}"))
            if node.attr == "history" and isinstance(node.value, ast.Name):
                found.append((node.lineno, f"{node.value.id}.history"))
        if isinstance(node, ast.Call):
            if isinstance(node.func, ast.Name) and node.func.id in LOADERS:
                found.append((node.lineno, node.func.id))
            if isinstance(node.func, ast.Attribute):
                from_manager = MANAGERS & set(_chain(node))
                keyed = {k.arg for k in node.keywords} & KEY_ARGUMENTS
                if from_manager and (node.func.attr in SINGLE or keyed):
                    found.append((node.lineno, f"one object by {node.func.attr}()"))
    return [f"line {line}: {what}" for line, what in sorted(set(found))]


def violations(patterns) -> list[str]:
    problems = []
    modules = set()
    for route, parameters, callback in patterns:
        if hasattr(callback, "view_class"):
            problems.append(f"{callback.view_class.__qualname__} ({route}): a class-based view")
            continue
        view = inspect.unwrap(callback)
        modules.add(inspect.getmodule(view))
        name = f"{view.__module__}.{view.__name__}"
        if parameters - NOT_OBJECTS and not calls_access(view) and name not in EXEMPT:
            problems.append(f"{name} ({route}): no access_* call")
    for module in modules:
        for place in module_loads(inspect.getsource(module)):
            problems.append(f"{module.__name__} {place}")
    return problems


def test_every_view_goes_through_the_access_layer():
    patterns = list(project_patterns())
    assert len(patterns) > 100
    assert violations(patterns) == []


def test_the_registry_holds_the_access_functions_of_every_app_with_views():
    assert len(REGISTRY) >= 30
    with_views = {view.__module__.split(".")[0] for _r, _p, view in project_patterns()}
    modules = {function.__module__ for function in REGISTRY.values()}
    assert modules == {f"{app}.access" for app in with_views - {"cohesion"}}


# The check at work on views that skip the access layer, through a real URL configuration ------


def view_without_access(request, pk):
    from meetings.models import Meeting

    return Meeting.objects.visible_to(request.user).filter(group__pk=pk).first()


def view_with_access(request, pk):
    return access_meeting(request.user, pk)


def view_with_a_local_namesake(request, pk):
    def access_meeting(user, pk):
        return None

    return access_meeting(request.user, pk)


def test_a_view_added_without_an_access_call_is_caught():
    urls = URLResolver(
        path("", view_with_access).pattern,
        [
            path("meetings/<int:pk>/peek/", view_without_access),
            re_path(r"^meetings/(?P<pk>\d+)/look/$", view_without_access),
            path("meetings/<int:pk>/", view_with_access),
            path("meetings/<int:pk>/mine/", view_with_a_local_namesake),
        ],
    )
    found = [(route, parameters) for route, parameters, _view in _patterns_of(urls)]
    assert ("meetings/<int:pk>/peek/", {"pk"}) in found
    assert ("^meetings/(?P<pk>\\d+)/look/$", {"pk"}) in found
    problems = [p for p in violations(_patterns_of(urls)) if "no access_* call" in p]
    assert problems == [
        f"{__name__}.view_without_access (meetings/<int:pk>/peek/): no access_* call",
        f"{__name__}.view_without_access (^meetings/(?P<pk>\\d+)/look/$): no access_* call",
        f"{__name__}.view_with_a_local_namesake (meetings/<int:pk>/mine/): no access_* call",
    ]


def _patterns_of(resolver):
    for entry in resolver.url_patterns:
        yield str(entry.pattern), _parameters(entry.pattern), entry.callback


def test_a_module_that_loads_models_itself_is_caught():
    source = textwrap.dedent(
        """
        from django import shortcuts

        def detail(request, pk):
            meeting = get_object_or_404(Meeting, pk=pk)
            again = shortcuts.get_object_or_404(Meeting, pk=pk)
            others = Meeting.objects.filter(group=meeting.group)
            mine = Meeting.objects.visible_to(request.user)
            one = Meeting.objects.visible_to(request.user).get(pk=pk)
            keyed = Meeting.objects.managed_by(request.user).filter(pk=pk)
            hidden = Meeting._default_manager.first()
            old = Person.history.all()
            return meeting, again, others, mine, one, keyed, hidden, old
        """
    )
    assert module_loads(source) == [
        "line 5: get_object_or_404",
        "line 6: get_object_or_404",
        "line 7: .objects.filter",
        "line 9: one object by get()",
        "line 10: one object by filter()",
        "line 11: ._default_manager.first",
        "line 12: Person.history",
    ]
