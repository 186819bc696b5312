"""Measures the donor dashboard at national scale, next to a minimal view on the same server.

Usage: python bench/run.py [--seed] [--requests N] [--concurrency C]
  --seed   (re)seeds the bench database first (bench/seed.py); otherwise it must exist.

Starts gunicorn (2 workers, the machine's cores) on the bench database with Redis as the cache,
signs a donor in through a session, then reports requests per second and p50/p95 latency for:
  minimal   GET /health/live/ (no database, no cache): the server's own floor
  cold      the dashboard with its cache emptied before every request (sequential)
  warm      the dashboard served from the per-programme cache (concurrent)
and the ratios to the minimal view, side by side in one run."""

import argparse
import os
import socket
import statistics
import subprocess
import sys
import threading
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


def session_cookie(database_url: str) -> tuple[str, int]:
    """A signed-in donor's session, made directly in the database the server uses."""
    os.environ.update(environment(database_url))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore

    from accounts.models import RoleAssignment, User

    donor = User.objects.get(email="bench-donor@bench.example")
    programme = RoleAssignment.objects.get(user=donor).programme_id
    session = SessionStore()
    session[SESSION_KEY] = str(donor.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = donor.get_session_auth_hash()
    session.create()
    return f"{settings.SESSION_COOKIE_NAME}={session.session_key}", programme


def flush_cache() -> None:
    import redis

    redis.Redis.from_url(REDIS_URL).flushdb()


def fetch(url: str, cookie: str | None) -> float:
    request = urllib.request.Request(url, headers={"Cookie": cookie} if cookie else {})
    started = time.perf_counter()
    with urllib.request.urlopen(request, timeout=120) as response:
        response.read()
        if response.status != 200:
            raise RuntimeError(f"{url}: HTTP {response.status}")
    return time.perf_counter() - started


def measure(url: str, cookie, *, requests: int, concurrency: int, before=None) -> dict:
    latencies: list[float] = []
    lock = threading.Lock()
    queue = list(range(requests))

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                queue.pop()
            if before:
                before()
            latency = fetch(url, cookie)
            with lock:
                latencies.append(latency)

    started = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": latencies[max(0, int(len(latencies) * 0.95) - 1)] * 1000,
        "n": len(latencies),
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seed", action="store_true")
    parser.add_argument("--database-url", default=os.environ.get("BENCH_DATABASE_URL", DEFAULT_URL))
    parser.add_argument("--requests", type=int, default=200)
    parser.add_argument("--cold-requests", type=int, default=10)
    parser.add_argument("--concurrency", type=int, default=4)
    args = parser.parse_args()
    if args.seed:
        subprocess.run(
            [sys.executable, str(ROOT / "bench" / "seed.py"), "--database-url", args.database_url],
            check=True,
        )
    cookie, programme = session_cookie(args.database_url)
    port = free_port()
    gunicorn = Path(sys.executable).with_name("gunicorn")
    server = subprocess.Popen(
        [
            str(gunicorn),
            "cohesion.wsgi",
            "-w",
            "2",
            "-b",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        env=environment(args.database_url),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                fetch(f"{base}/health/live/", None)
                break
            except OSError:
                time.sleep(0.2)
        dashboard = f"{base}/programmes/{programme}/dashboard/"
        flush_cache()
        fetch(dashboard, cookie)  # warms up the workers' imports and connections
        fetch(f"{base}/health/live/", None)
        results = {
            "minimal": measure(
                f"{base}/health/live/", None, requests=args.requests, concurrency=args.concurrency
            ),
            "cold": measure(
                dashboard, cookie, requests=args.cold_requests, concurrency=1, before=flush_cache
            ),
        }
        fetch(dashboard, cookie)
        results["warm"] = measure(
            dashboard, cookie, requests=args.requests, concurrency=args.concurrency
        )
    finally:
        server.terminate()
        server.wait(timeout=30)
    base_line = results["minimal"]
    print()
    print(f"Dashboard of programme {programme} at national scale (gunicorn, 2 workers)")
    header = ("", "req/s", "p50 ms", "p95 ms", "p50 × minimal", "req/s ÷ minimal")
    print("{:10} {:>9} {:>9} {:>9} {:>14} {:>16}".format(*header))
    for name in ("minimal", "warm", "cold"):
        r = results[name]
        print(
            f"{name:10} {r['rps']:9.1f} {r['p50']:9.1f} {r['p95']:9.1f} "
            f"{r['p50'] / base_line['p50']:14.1f} {r['rps'] / base_line['rps']:16.3f}"
        )
    print(
        f"\n(minimal and warm: {args.requests} requests, {args.concurrency} at a time; "
        f"cold: {args.cold_requests} requests one at a time, cache emptied before each)"
    )


if __name__ == "__main__":
    main()
