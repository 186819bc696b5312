"""Real Celery workers for end-to-end tests: other processes on the test database (PostgreSQL
only: they must see what the test committed), a broker of the test's choosing, and an SMTP
server whose inbox the test reads."""

import asyncio
import email
import email.policy
import os
import socket
import subprocess
import sys
import tempfile
from pathlib import Path
from urllib.parse import quote

from django.db import connection


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Inbox:
    """aiosmtpd handler that keeps every message it accepts. It offers PIPELINING, as the
    common relays do (aiosmtpd reads pipelined commands but does not say so); `refuse` holds
    addresses it refuses as senders or recipients; `data_replies` the reply it gives instead
    of accepting a message to one of its recipients (a 421 closes the session)."""

    def __init__(self, *, pipelining: bool = True, refuse: tuple = (), data_replies=None):
        self.messages = []
        # The client address of each message's session: one per SMTP connection.
        self.peers = []
        self.envelopes = []  # (sender, recipients) of each message
        self.pipelining = pipelining
        self.refuse = set(refuse)
        self.data_replies = dict(data_replies or {})

    async def handle_EHLO(self, server, session, envelope, hostname, responses):
        session.host_name = hostname
        if self.pipelining:
            responses.insert(-1, "250-PIPELINING")
        return responses

    async def handle_MAIL(self, server, session, envelope, address, mail_options):
        if address in self.refuse:
            return "553 5.7.1 Sender refused"
        envelope.mail_from = address
        envelope.mail_options.extend(mail_options)
        return "250 OK"

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return "550 5.1.1 No such user"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        for address in envelope.rcpt_tos:
            if address in self.data_replies:
                reply = self.data_replies[address]
                if reply.startswith("421"):
                    # Says it and hangs up, as relays do (close() sends what is written first).
                    asyncio.get_running_loop().call_soon(server.transport.close)
                return reply
        self.messages.append(
            email.message_from_bytes(envelope.content, policy=email.policy.default)
        )
        self.peers.append(session.peer)
        self.envelopes.append((envelope.mail_from, list(envelope.rcpt_tos)))
        return "250 Message accepted for delivery"


class SmtpServer:
    def __init__(self, **inbox):
        from aiosmtpd.controller import Controller

        self.inbox = Inbox(**inbox)
        self.port = free_port()
        self._controller = Controller(self.inbox, hostname="127.0.0.1", port=self.port)

    def __enter__(self):
        self._controller.start()
        return self

    def __exit__(self, *exc):
        self._controller.stop()


def database_url() -> str:
    db = connection.settings_dict
    credentials = quote(db["USER"] or "", safe="")
    if db["PASSWORD"]:
        credentials += ":" + quote(db["PASSWORD"], safe="")
    host = db["HOST"] or "127.0.0.1"
    port = db["PORT"] or 5432
    return f"postgres://{credentials}@{host}:{port}/{db['NAME']}"


class Workers:
    """`count` solo-pool workers on `queues`; `stop()` shuts them down warmly (finishing the
    task in hand), `output()` gives the end of their logs for a failing assertion."""

    def __init__(self, *, broker_url: str, smtp_port: int, queues: str, count: int, env=None):
        self.processes = []
        self._logs = tempfile.TemporaryDirectory(prefix="cohesion-workers-")
        environment = {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "cohesion.settings",
            "DATABASE_URL": database_url(),
            "CONN_MAX_AGE": "0",
            "REDIS_URL": broker_url,
            "EMAIL_URL": f"smtp://127.0.0.1:{smtp_port}",
            "CELERY_TASK_ALWAYS_EAGER": "false",
            **(env or {}),
        }
        celery = Path(sys.executable).with_name("celery")
        root = Path(__file__).resolve().parents[1]
        for n in range(count):
            log = open(Path(self._logs.name) / f"worker{n}.log", "wb")  # noqa: SIM115 - see stop()
            command = [
                str(celery), "-A", "cohesion", "worker", "--pool=solo", "--concurrency=1",
                "-Q", queues, "-n", f"test-{n}-{os.getpid()}@%h", "--loglevel=INFO",
                "--without-gossip", "--without-mingle", "--without-heartbeat",
            ]  # fmt: skip
            process = subprocess.Popen(
                command, cwd=root, env=environment, stdout=log, stderr=subprocess.STDOUT
            )
            self.processes.append((process, log))

    def stop(self) -> None:
        for process, _log in self.processes:
            if process.poll() is None:
                process.terminate()  # warm shutdown: the task in hand completes
        for process, log in self.processes:
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
            log.close()

    def output(self) -> str:
        for _process, log in self.processes:
            if not log.closed:
                log.flush()
        return "\n".join(
            path.read_text(errors="replace")[-3000:]
            for path in sorted(Path(self._logs.name).iterdir())
        )

    def close(self) -> None:
        self.stop()
        self._logs.cleanup()
