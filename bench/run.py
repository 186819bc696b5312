"""Measures the pages that grow with a national programme, with a real load generator, next to a
minimal view on the same server, in one run.

Usage: python bench/run.py [--seed] [--duration S] [--connections C] [--cold-requests N]
                           [--only TEXT]
  --seed   (re)seeds the bench database first (bench/seed.py); otherwise it must exist.
  --only   measures only the pages whose name holds TEXT (and no reminders): for working on one.

Starts gunicorn (2 workers, the machine's cores) on the bench database with Redis as the cache,
makes a signed-in donor's and a coordinator's session directly in the database, and drives each
page with wrk (Debian's package; installed if missing, as root), one thread and C connections
for S seconds: requests per second, p50 and p99, and the ratio of requests per second to the
minimal view (measured at the start and again at the end: the mean of the two), with the load
average read beside each row. The donor dashboard is also measured
cold: Redis emptied before each of N sequential requests, each at an address of its own (the
workers keep copies of whole pages by address, cohesion.frames), p50 only: the figures come from
their copy stored in the database (dashboards.cache), as after a restart of Redis or the expiry
of its copy. And computed: the stored figures dropped too, as after a change to the records
before the background task has computed them again.

The minimal view is also measured with a donor's session cookie: what any signed-in request
costs before its view runs (the session and the user read, the middleware), the floor under
every page of the table. Then bench/reminders.py: 1,000 announcements delivered by Celery
workers against 1,000 no-op tasks.

The client shares the two cores with the server and PostgreSQL: the ratios are what to compare.
"""

import argparse
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from bench.seed import DEFAULT_URL  # noqa: E402

REDIS_URL = os.environ.get("BENCH_REDIS_URL", "redis://127.0.0.1:6379/12")
SECRET_KEY = "bench-only-not-a-secret-" + "x" * 40


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def environment(database_url: str) -> dict:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "cohesion.settings",
        "DATABASE_URL": database_url,
        "REDIS_URL": REDIS_URL,
        "DEBUG": "false",
        "SECRET_KEY": SECRET_KEY,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "STATIC_MANIFEST": "false",
        "LOG_LEVEL": "WARNING",
        "CACHE_KEY_PREFIX": "bench",
    }


def sessions(database_url: str) -> dict:
    """Signed-in sessions made directly in the database the server uses: the bench donor of
    programme 1, and a coordinator of it (with the second factor coordinators must have), and
    the pages to measure."""
    os.environ.update(environment(database_url))
    import django

    django.setup()
    from allauth.mfa.models import Authenticator
    from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.db.models import Count

    from accounts.models import Role, RoleAssignment, User
    from cohesion.sessions import SessionStore
    from workinggroups.models import WorkingGroup

    donor = User.objects.get(email="bench-donor@bench.example")
    programme = RoleAssignment.objects.get(user=donor).programme_id
    coordinator, _created = User.objects.get_or_create(
        email="bench-coordinator@bench.example", defaults={"full_name": "Bench coordinator"}
    )
    RoleAssignment.objects.get_or_create(
        user=coordinator, role=Role.COORDINATOR, programme_id=programme
    )
    if not Authenticator.objects.filter(user=coordinator).exists():
        TOTP.activate(coordinator, generate_totp_secret())

    def cookie(user) -> str:
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = "accounts.backends.ModelBackend"
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        return f"{settings.SESSION_COOKIE_NAME}={session.session_key}"

    # The member list: a group of the programme with the most current members.
    group = (
        WorkingGroup.objects.filter(programme_id=programme)
        .annotate(n=Count("memberships"))
        .order_by("-n")
        .values_list("pk", flat=True)
        .first()
    )
    return {
        "programme": programme,
        "donor": cookie(donor),
        "coordinator": cookie(coordinator),
        "pages": [
            ("donor dashboard, warm", "donor", f"/programmes/{programme}/dashboard/"),
            ("programme page", "coordinator", f"/programmes/{programme}/"),
            ("group overview", "coordinator", f"/programmes/{programme}/groups/"),
            ("compliance grid", "coordinator", f"/programmes/{programme}/compliance/"),
            ("plans overview", "coordinator", f"/programmes/{programme}/plans/"),
            ("community directory", "coordinator", "/communities/"),
            ("member list", "coordinator", f"/groups/{group}/"),
        ],
    }


def flush_cache(*, stored_figures: bool = False) -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()
    if stored_figures:
        from dashboards.models import StoredFigures

        StoredFigures.objects.all().delete()


def fetch(url: str, cookie: str | None) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        if response.status != 200 or response.url != url:
            raise RuntimeError(f"{url}: HTTP {response.status}, {response.url}")
    return time.perf_counter() - started


def load_average() -> str:
    return Path("/proc/loadavg").read_text().split()[0]


def wrk_binary() -> str:
    found = shutil.which("wrk")
    if found:
        return found
    subprocess.run(["apt-get", "install", "-y", "-qq", "wrk"], check=True)
    return shutil.which("wrk") or "wrk"


UNITS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}


def _ms(text: str) -> float:
    found = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text)
    if found is None:
        raise ValueError(f"wrk printed a latency of {text!r}")
    number, unit = found.groups()
    return float(number) * UNITS[unit]


def wrk(url: str, cookie: str | None, *, duration: int, connections: int) -> dict:
    command = [wrk_binary(), "-t1", f"-c{connections}", f"-d{duration}s", "--latency", url]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    started_load = load_average()
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx or 3xx responses" in output or "Latency Distribution" not in output:
        raise RuntimeError(f"{url}: errors under load\n{output}")
    return {
        "rps": float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)),
        # The distribution's lines, not a standard deviation's share ending in "50%".
        "p50": _ms(re.search(r"^\s+50%\s+(\S+)", output, re.MULTILINE).group(1)),
        "p99": _ms(re.search(r"^\s+99%\s+(\S+)", output, re.MULTILINE).group(1)),
        "load": f"{started_load}→{load_average()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--duration", type=int, default=10)
    parser.add_argument("--connections", type=int, default=4)
    parser.add_argument("--cold-requests", type=int, default=5)
    # While working on one page: measure only the pages whose name holds this text.
    parser.add_argument("--only", default="")
    args = parser.parse_args()
    if args.seed:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "seed.py"), "--database-url", args.database_url],
            check=True,
        )
    bench = sessions(args.database_url)
    bench["pages"] = [page for page in bench["pages"] if args.only in page[0]]
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [str(gunicorn), "cohesion.wsgi", "-w", "2", "-b", f"127.0.0.1:{port}",
         "--log-level", "warning", "--timeout", "120"],
        cwd=ROOT,
        env=environment(args.database_url),
    )  # fmt: skip
    base = f"http://127.0.0.1:{port}"
    results = {}
    try:
        for _ in range(100):
            try:
                fetch(f"{base}/health/live/", None)
                break
            except OSError:
                time.sleep(0.2)
        flush_cache()
        for _name, who, path in bench["pages"]:
            fetch(base + path, bench[who])  # warms the workers and fills the caches
        run = {"duration": args.duration, "connections": args.connections}
        # Unmeasured: the first seconds under load (connections, the workers' first requests).
        wrk(f"{base}/health/live/", None, duration=2, connections=args.connections)
        results["minimal view"] = wrk(f"{base}/health/live/", None, **run)
        results["minimal view, signed in"] = wrk(f"{base}/health/live/", bench["donor"], **run)
        for name, who, path in bench["pages"]:
            results[name] = wrk(base + path, bench[who], **run)
        # Measured again at the end: the ratios divide by the mean of the two, as the machine's
        # speed drifts by a fifth over a run.
        results["minimal view, at the end"] = wrk(f"{base}/health/live/", None, **run)
        dashboard = f"{base}/programmes/{bench['programme']}/dashboard/"
        cold = {"cold": [], "computed": []}
        loads = {}
        for kind, times in cold.items():
            load = load_average()
            for n in range(args.cold_requests if "dashboard" in args.only or not args.only else 0):
                # Redis emptied, and an address no worker has kept a copy of (cohesion.frames);
                # "computed": the figures stored in the database dropped too.
                flush_cache(stored_figures=kind == "computed")
                times.append(fetch(f"{dashboard}?{kind}={n}", bench["donor"]) * 1000)
            loads[kind] = f"{load}→{load_average()}"
    finally:
        server.terminate()
        server.wait(timeout=30)
    from bench import reminders

    mail = reminders.measure(environment(args.database_url), load_average) if not args.only else {}

    minimal = (results["minimal view"]["rps"] + results["minimal view, at the end"]["rps"]) / 2
    print()
    print(f"Programme {bench['programme']} at national scale: gunicorn 2 workers, wrk 1 thread, "
          f"{args.connections} connections, {args.duration} s a page")  # fmt: skip
    print("÷ minimal: by the mean of the minimal view's two runs, at the start and at the end")
    header = ("page", "req/s", "p50 ms", "p99 ms", "÷ minimal", "load average")
    print("{:26} {:>9} {:>9} {:>9} {:>10}  {}".format(*header))
    for name, r in results.items():
        print(
            f"{name:26} {r['rps']:9.1f} {r['p50']:9.1f} {r['p99']:9.1f} "
            f"{r['rps'] / minimal:10.4f}  {r['load']}"
        )
    notes = {
        "cold": "Redis emptied before each",
        "computed": "Redis emptied and the stored figures dropped: computed",
    }
    for kind, times in cold.items():
        p50 = statistics.median(times) if times else float("nan")
        print(
            f"{'donor dashboard, ' + kind:26} {'':>9} {p50:9.1f} {'':>9} {'':>10}  {loads[kind]}"
            f"   ({args.cold_requests} requests one at a time, {notes[kind]})"
        )
    if not mail:
        return
    noop, noop_load = mail["noop"]
    sent, sent_load = mail["reminders"]
    print()
    print("Celery, one worker of 2 processes, Redis broker, SMTP to a local sink")
    print("{:26} {:>9} {:>9} {:>10}  {}".format("work", "items/s", "seconds", "÷ no-op", "load"))
    print(f"{'1,000 no-op tasks':26} {1000 / noop:9.1f} {noop:9.2f} {1:10.4f}  {noop_load}")
    print(
        f"{'1,000 reminders delivered':26} {1000 / sent:9.1f} {sent:9.2f} "
        f"{noop / sent:10.4f}  {sent_load}"
    )
    rounds = ", ".join(f"{n:.2f}/{r:.2f} s ({n / r:.2f})" for n, r in mail["rounds"])
    print(f"(medians of {len(mail['rounds'])} rounds in turn, no-op/reminders: {rounds})")


if __name__ == "__main__":
    main()
