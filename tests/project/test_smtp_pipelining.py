"""Mail over SMTP with each message's commands pipelined (cohesion.smtp): the same messages
reach the server as with smtplib's exchange, in two writes instead of four, and refusals are
reported as smtplib reports them, the session staying in step for the next message."""

import os
import smtplib
import subprocess
import sys

import pytest
from django.core.mail import BadHeaderError, EmailMessage

from cohesion.smtp import EmailBackend, PipeliningMixin, PipeliningSMTP
from tests.workers import SmtpServer


def counting_writes(client):
    """The client's writes to the server, counted (each a round trip's first half)."""
    writes = []
    send = client.send

    def counted(data):
        writes.append(data)
        return send(data)

    client.send = counted
    return writes


def connect(server) -> PipeliningSMTP:
    client = PipeliningSMTP("127.0.0.1", server.port, timeout=10)
    client.ehlo()
    return client


def message(to, body="Зустріч групи в четвер о 18:00.") -> EmailMessage:
    return EmailMessage(
        "Нагадування", body, "Cohesion <noreply@cohesion.local>", to, headers={"X-Test": "1"}
    )


@pytest.mark.parametrize(("pipelining", "writes_per_message"), [(True, 2), (False, 4)])
def test_a_message_reaches_the_server_whole_pipelined_or_not(pipelining, writes_per_message):
    with SmtpServer(pipelining=pipelining) as server:
        backend = EmailBackend(host="127.0.0.1", port=server.port, timeout=10)
        backend.open()
        writes = counting_writes(backend.connection)
        sent = backend.send_messages(
            [message(["olena@example.org"]), message(["petro@example.org"], ".a dot first")]
        )
        backend.close()

    assert sent == 2
    assert len(writes) == 1 + 2 * writes_per_message + 1  # EHLO first, QUIT last
    assert server.inbox.envelopes == [
        ("noreply@cohesion.local", ["olena@example.org"]),
        ("noreply@cohesion.local", ["petro@example.org"]),
    ]
    first, second = server.inbox.messages
    assert first["Subject"] == "Нагадування"
    assert first["X-Test"] == "1"
    assert first.get_content().strip() == "Зустріч групи в четвер о 18:00."
    # A line starting with a dot arrives as written (dot-stuffed on the way, unstuffed there).
    assert second.get_content().strip() == ".a dot first"


def test_a_refused_recipient_is_reported_and_the_others_receive_the_message():
    with SmtpServer(refuse={"gone@example.org"}) as server:
        client = connect(server)
        refused = client.sendmail(
            "noreply@cohesion.local",
            ["olena@example.org", "gone@example.org", "petro@example.org"],
            message([]).message().as_bytes(linesep="\r\n"),
        )
        client.quit()

    assert refused == {"gone@example.org": (550, b"5.1.1 No such user")}
    assert server.inbox.envelopes == [
        ("noreply@cohesion.local", ["olena@example.org", "petro@example.org"])
    ]


@pytest.mark.parametrize(
    ("sender", "recipient", "error"),
    [
        ("noreply@cohesion.local", "gone@example.org", smtplib.SMTPRecipientsRefused),
        ("blocked@cohesion.local", "olena@example.org", smtplib.SMTPSenderRefused),
    ],
    ids=["every-recipient-refused", "sender-refused"],
)
def test_a_refusal_raises_as_smtplib_does_and_the_next_message_still_goes(sender, recipient, error):
    with SmtpServer(refuse={"gone@example.org", "blocked@cohesion.local"}) as server:
        client = connect(server)
        content = message([]).message().as_bytes(linesep="\r\n")
        with pytest.raises(error):
            client.sendmail(sender, [recipient], content)
        # Every reply of the refused message was read: the next one is in step.
        assert client.sendmail("noreply@cohesion.local", ["petro@example.org"], content) == {}
        client.quit()

    assert server.inbox.envelopes == [("noreply@cohesion.local", ["petro@example.org"])]


def test_an_smtp_url_configures_the_pipelining_backend():
    code = "import django; django.setup(); from django.conf import settings as s; "
    code += "print(s.EMAIL_BACKEND, s.EMAIL_HOST, s.EMAIL_PORT)"
    environment = {**os.environ, "EMAIL_URL": "smtp://relay.example.org:587"}
    environment.setdefault("DJANGO_SETTINGS_MODULE", "cohesion.settings")
    shown = subprocess.run(
        [sys.executable, "-c", code], env=environment, capture_output=True, text=True, check=True
    ).stdout.split()

    assert shown == ["cohesion.smtp.EmailBackend", "relay.example.org", "587"]
    assert issubclass(EmailBackend(use_ssl=True).connection_class, smtplib.SMTP_SSL)
    assert issubclass(EmailBackend(use_ssl=True).connection_class, PipeliningMixin)


def batch(*recipients):
    return [(address, message([address])) for address in recipients]


def test_a_batch_writes_each_messages_commands_before_reading_the_previous_ones_reply():
    """One round trip a message: the next message's MAIL, RCPT and DATA are on their way
    while the server takes in the previous one's content."""
    with SmtpServer() as server:
        backend = EmailBackend(host="127.0.0.1", port=server.port, timeout=10)
        backend.open()
        exchange = []
        client, send, getreply = backend.connection, backend.connection.send, None
        getreply = client.getreply

        def sent(data):
            text = data.decode() if isinstance(data, bytes) else data
            exchange.append("commands" if text.startswith("MAIL") else text.split()[0].lower())
            return send(data)

        def replied():
            reply = getreply()
            exchange.append(reply[0])
            return reply

        client.send, client.getreply = sent, replied
        outcomes = list(backend.send_each(batch("a@example.org", "b@example.org", "c@example.org")))
        client.send, client.getreply = send, getreply
        backend.close()

    assert outcomes == [("a@example.org", None), ("b@example.org", None), ("c@example.org", None)]
    content = "content-type:"  # the first word of each message's data
    assert exchange == [
        "ehlo", 250,
        "commands", 250, 250, 354, content, "commands", 250,  # the first, accepted
        250, 250, 354, content, "commands", 250,  # the second's replies read after, at once
        250, 250, 354, content, 250,
    ]  # fmt: skip
    assert [recipients for _sender, recipients in server.inbox.envelopes] == [
        ["a@example.org"],
        ["b@example.org"],
        ["c@example.org"],
    ]


def test_a_batch_says_each_message_was_accepted_before_the_next_ones_content_goes():
    with SmtpServer() as server:
        backend = EmailBackend(host="127.0.0.1", port=server.port, timeout=10)
        backend.open()
        received_at_each_outcome = [
            len(server.inbox.messages)
            for _key, _outcome in backend.send_each(batch(*(f"m{n}@example.org" for n in range(5))))
        ]
        backend.close()

    # Accepted, so the server has it; the next one's content not written yet.
    assert received_at_each_outcome == [1, 2, 3, 4, 5]


def test_a_refused_or_rejected_message_in_a_batch_is_reported_and_the_others_still_go():
    with SmtpServer(
        refuse={"gone@example.org"}, data_replies={"spam@example.org": "554 5.7.1 Rejected"}
    ) as server:
        backend = EmailBackend(host="127.0.0.1", port=server.port, timeout=10)
        unmakeable = message(["olena@example.org"])
        unmakeable.subject = "Two\nlines"  # refused by Django when the message is made
        messages = batch("a@example.org", "gone@example.org", "b@example.org")
        messages += [("olena@example.org", unmakeable)]
        messages += batch("spam@example.org", "c@example.org")
        outcomes = dict(backend.send_each(messages))
        backend.close()

    assert isinstance(outcomes.pop("gone@example.org"), smtplib.SMTPRecipientsRefused)
    assert isinstance(outcomes.pop("olena@example.org"), BadHeaderError)
    rejected = outcomes.pop("spam@example.org")
    assert isinstance(rejected, smtplib.SMTPDataError)
    assert rejected.smtp_code == 554
    assert outcomes == {"a@example.org": None, "b@example.org": None, "c@example.org": None}
    assert [recipients for _sender, recipients in server.inbox.envelopes] == [
        ["a@example.org"],
        ["b@example.org"],
        ["c@example.org"],
    ]


def test_a_lost_connection_ends_the_batch_and_the_message_queued_behind_is_not_sent():
    with SmtpServer(data_replies={"b@example.org": "421 4.3.2 Shutting down"}) as server:
        backend = EmailBackend(host="127.0.0.1", port=server.port, timeout=10)
        messages = iter(batch("a@example.org", "b@example.org", "c@example.org", "d@example.org"))
        outcomes = list(backend.send_each(messages))
        # The caller goes on with the rest on a new connection.
        backend.close()
        rest = list(backend.send_each(messages))
        backend.close()

    assert outcomes[0] == ("a@example.org", None)
    (lost, error), (queued, not_sent) = outcomes[1:]
    assert (lost, error.smtp_code) == ("b@example.org", 421)
    assert queued == "c@example.org"
    assert isinstance(not_sent, smtplib.SMTPServerDisconnected)
    assert rest == [("d@example.org", None)]
    assert [recipients for _sender, recipients in server.inbox.envelopes] == [
        ["a@example.org"],
        ["d@example.org"],
    ]


def test_a_batch_to_a_server_without_pipelining_goes_one_exchange_at_a_time():
    with SmtpServer(pipelining=False, refuse={"gone@example.org"}) as server:
        backend = EmailBackend(host="127.0.0.1", port=server.port, timeout=10)
        backend.open()
        writes = counting_writes(backend.connection)
        outcomes = dict(backend.send_each(batch("a@example.org", "gone@example.org")))
        backend.close()

    assert outcomes["a@example.org"] is None
    assert isinstance(outcomes["gone@example.org"], smtplib.SMTPRecipientsRefused)
    assert server.inbox.envelopes == [("noreply@cohesion.local", ["a@example.org"])]
    commands = [(w.decode() if isinstance(w, bytes) else w).upper() for w in writes]
    # MAIL, then RCPT, each alone (smtplib's exchange), the refused message's too.
    assert [command[:4] for command in commands[1:4]] == ["MAIL", "RCPT", "DATA"]
    assert [command[:4] for command in commands[5:8]] == ["MAIL", "RCPT", "RSET"]
