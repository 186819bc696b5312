"""What every app's access module shares.

Each app's `access.py` is the one place that answers "may this user load or change this
object": its `access_*` functions fetch one object by its key for a user, raising Http404 when
the user may not see it and PermissionDenied (403) when they may see it but not do what a flag
asks. One flag vocabulary across the project:

    manage      may change it: whoever the object's rule names (for a group's meetings and
                members, its leader or a coordinator of its programme; for a programme's
                registers and events, its coordinators)
    coordinate  only the coordinators of its programme (and administrators)

The functions register themselves here, so that a project test can check that every view goes
through one of them (tests/project/test_access_layer.py).
"""

from collections.abc import Callable

REGISTRY: dict[str, Callable] = {}


def access_function(function: Callable) -> Callable:
    """Registers a permission-checked fetch; its name starts with `access_`."""
    name = function.__name__
    if not name.startswith("access_"):
        raise ValueError(f"{function.__qualname__}: access functions are named access_*")
    known = REGISTRY.get(name)
    if known is not None and known.__module__ != function.__module__:
        raise ValueError(f"{name} is defined in {known.__module__} already")
    REGISTRY[name] = function
    return function
