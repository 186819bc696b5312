"""A Redis of the test's own, on a spare port, that a test may stop, start again, or pause
(SIGSTOP: the port still accepts connections, nothing answers, as when Redis hangs), and the
application pointed at it: cache, broker and health check."""

import os
import signal
import socket
import subprocess
import time

import pytest
import redis
from kombu import pools

from cohesion import broker
from cohesion.celery import app

REDIS_SERVER = "redis-server"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class OwnRedis:
    def __init__(self, directory):
        self.port = free_port()
        self.directory = directory
        self.process = None

    def url(self, db: int = 0) -> str:
        return f"redis://127.0.0.1:{self.port}/{db}"

    def start(self) -> None:
        command = [
            REDIS_SERVER, "--port", str(self.port), "--bind", "127.0.0.1",
            "--save", "", "--appendonly", "no", "--dir", str(self.directory),
        ]  # fmt: skip
        # Redis keeps its own clock, as PostgreSQL does: under CI's libfaketime its allocator
        # recurses into clock_gettime and it never starts, so it runs without the fake clock.
        environment = {
            name: value
            for name, value in os.environ.items()
            if name != "LD_PRELOAD" and not name.startswith("FAKETIME")
        }
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, env=environment
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2, socket_timeout=0.2)
        deadline = time.monotonic() + 10
        while True:
            try:
                client.ping()
                break
            except redis.RedisError:
                if time.monotonic() > deadline:
                    raise RuntimeError("redis-server did not start") from None
                time.sleep(0.05)
        client.close()

    def stop(self) -> None:
        """Stopped: connections are refused."""
        self.resume()
        self.process.terminate()
        self.process.wait(timeout=10)

    def pause(self) -> None:
        """Hung: connections are accepted by the kernel, and nothing ever answers."""
        os.kill(self.process.pid, signal.SIGSTOP)

    def resume(self) -> None:
        os.kill(self.process.pid, signal.SIGCONT)

    def client(self, db: int) -> redis.Redis:
        return redis.Redis.from_url(self.url(db), socket_timeout=2)

    def close(self) -> None:
        if self.process and self.process.poll() is None:
            self.resume()
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def own_redis(tmp_path):
    server = OwnRedis(tmp_path)
    try:
        server.start()
    except FileNotFoundError:
        if os.environ.get("CI"):
            raise
        pytest.skip("no redis-server on this machine")
    yield server
    server.close()


# As in production, where both are REDIS_URL: task messages and cache keys do not clash.
CACHE_DB = BROKER_DB = 1


@pytest.fixture
def on_own_redis(settings, own_redis):
    """The application as production runs it, on the test's Redis: the cache there (with its
    fallback), tasks sent to the broker there (not run eagerly), the health check asking it.
    Yields the server."""
    settings.REDIS_URL = own_redis.url(CACHE_DB)
    settings.CELERY_BROKER_URL = own_redis.url(BROKER_DB)
    settings.CACHES = {
        "default": {
            "BACKEND": "cohesion.cache.FallbackRedisCache",
            "LOCATION": own_redis.url(CACHE_DB),
            "OPTIONS": {
                "socket_connect_timeout": settings.CACHE_TIMEOUT,
                "socket_timeout": settings.CACHE_TIMEOUT,
            },
        }
    }
    saved = {
        key: app.conf[key]
        for key in (
            "task_always_eager",
            "broker_url",
            "broker_transport_options",
            "broker_connection_timeout",
        )
    }
    app.conf.update(
        task_always_eager=False,
        broker_url=own_redis.url(BROKER_DB),
        broker_transport_options=settings.CELERY_BROKER_TRANSPORT_OPTIONS,
        broker_connection_timeout=settings.CELERY_BROKER_CONNECTION_TIMEOUT,
    )
    _reset_producers()
    broker._down_until = 0.0
    yield own_redis
    _reset_producers()
    app.conf.update(saved)
    broker._down_until = 0.0


def _reset_producers() -> None:
    """Drops the pooled broker connections, so that the next task is sent with the settings
    now in force. The pools are kombu's, shared by URL: closing one without forgetting it would
    hand a closed pool to the next test that sends a task to the same broker."""
    pools.reset()
    app._pool = None
    app.amqp._producer_pool = None


def queued(server: OwnRedis) -> list[bytes]:
    """The task messages waiting on the broker's default queue."""
    return server.client(BROKER_DB).lrange("celery", 0, -1)
