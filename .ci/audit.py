"""Checks that the lock files hold what pyproject.toml asks for, then audits the locked
dependencies (requirements-dev.lock, which holds requirements.lock's pins
and the tools') against an advisory database: PyPI's, else OSV's, with pip-audit.

Fails on a known vulnerability. When neither database answers from this machine (CI machines
reach the package index but not these APIs), it says so plainly and exits 0: an audit that
could not run is reported as not done, never as passed.
"""

import json
import subprocess
import sys
import tomllib
import urllib.error
import urllib.request
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
LOCK = ROOT / "requirements-dev.lock"
TIMEOUT = 10


def pins(lock: Path) -> dict[str, str]:
    """{package: version} of a lock file."""
    found = {}
    for line in lock.read_text().splitlines():
        if "==" in line and not line.startswith(("#", " ")):
            name, version = line.split("==")
            found[canonicalize_name(name)] = version.split()[0].rstrip("\\").strip()
    return found


def check_lock() -> None:
    """Every requirement of pyproject.toml is pinned, within its bounds, in the lock that
    installs it: an edit to pyproject.toml without `make lock` fails here."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = {
        ROOT / "requirements.lock": project["dependencies"],
        LOCK: project["dependencies"] + project["optional-dependencies"]["dev"],
    }
    problems = []
    for lock, requirements in wanted.items():
        pinned = pins(lock)
        for text in requirements:
            requirement = Requirement(text)
            version = pinned.get(canonicalize_name(requirement.name))
            if version is None or version not in requirement.specifier:
                problems.append(f"{lock.name}: {requirement} but pinned {version}")
    if problems:
        print("The lock files do not match pyproject.toml; run `make lock`:", *problems, sep="\n  ")
        raise SystemExit(1)
    print("The lock files hold every requirement of pyproject.toml, within its bounds.")


def probe(request: urllib.request.Request) -> str:
    """ "" when the service answers as the audit needs, else what went wrong."""
    try:
        with urllib.request.urlopen(request, timeout=TIMEOUT) as response:
            json.load(response)
    except urllib.error.HTTPError as error:
        return f"HTTP {error.code}"
    except (urllib.error.URLError, TimeoutError, OSError, ValueError) as error:
        return f"{type(error).__name__}: {getattr(error, 'reason', error)}"
    return ""


def main() -> int:
    check_lock()
    version = pins(LOCK)["django"]
    services = {
        "pypi": urllib.request.Request(f"https://pypi.org/pypi/django/{version}/json"),
        "osv": urllib.request.Request(
            "https://api.osv.dev/v1/query",
            data=json.dumps(
                {"package": {"name": "django", "ecosystem": "PyPI"}, "version": version}
            ).encode(),
            headers={"Content-Type": "application/json"},
        ),
    }
    failures = {}
    for service, request in services.items():
        failure = probe(request)
        if failure:
            failures[service] = failure
            continue
        print(f"Auditing {LOCK.name} against the {service} advisory database")
        command = [
            str(Path(sys.executable).with_name("pip-audit")),
            "--requirement", str(LOCK), "--require-hashes", "--no-deps", "--disable-pip",
            "--vulnerability-service", service, "--progress-spinner", "off",
        ]  # fmt: skip
        return subprocess.call(command)
    packages = len(pins(LOCK))
    print(
        "AUDIT NOT DONE: no advisory database answered from this machine "
        f"(PyPI JSON API: {failures['pypi']}; OSV: {failures['osv']}). "
        f"The {packages} locked packages were not checked for known vulnerabilities; "
        "run `make audit` where either is reachable."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
