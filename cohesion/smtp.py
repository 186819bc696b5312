"""Django's SMTP backend, with the commands of each message pipelined (RFC 2920) when the mail
server offers it, as the common relays do: MAIL, RCPT and DATA go in one write and their
replies are read together, then the message. Two round trips a message instead of four: over
a relay 30 ms away that halves the time a batch of reminders waits on the network. A batch
sent through `send_each` goes further: the next message's commands are written right after
the previous one's data, before its reply is read, one round trip a message. A server that does not
offer PIPELINING gets smtplib's exchange, unchanged.

The replies are read and acted on exactly as smtplib.sendmail does (the same exceptions, a
refused recipient reported and the others sent to), so the backend's callers see no
difference."""

import functools
import re
import smtplib
import socket
from collections.abc import Iterable, Iterator
from typing import Any, NamedTuple

from django.conf import settings
from django.core.mail.backends.smtp import EmailBackend as DjangoEmailBackend
from django.core.mail.message import sanitize_address

CRLF = b"\r\n"
# RFC 5321 4.5.2: a line of the message that starts with a dot gets a second one.
LEADING_DOT = re.compile(rb"(?m)^\.")


class Envelope(NamedTuple):
    """One message for `PipeliningMixin.sendmail_each`; `key` comes back with its outcome.
    `content` may be the exception met while making the message: it is then reported as that
    message's outcome and nothing is sent."""

    key: Any
    sender: str
    recipients: list[str]
    content: bytes | BaseException


class PipeliningMixin:
    def connect(self, *args, **kwargs):
        reply = super().connect(*args, **kwargs)
        # The client decides when it writes: the next message's commands, written after the
        # previous one's content, must not wait for its acknowledgement (Nagle).
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return reply

    def sendmail(self, from_addr, to_addrs, msg, mail_options=(), rcpt_options=()):
        self.ehlo_or_helo_if_needed()
        plain = isinstance(msg, str) or mail_options or rcpt_options  # not what Django sends
        if plain or not self.has_extn("pipelining"):
            return super().sendmail(from_addr, to_addrs, msg, mail_options, rcpt_options)
        if isinstance(to_addrs, str):
            to_addrs = [to_addrs]
        self.send(self._commands(from_addr, to_addrs, msg))
        refused = self._envelope_replies(from_addr, to_addrs)
        self.send(_data(msg))
        self._data_reply(reset=True)
        return refused

    def sendmail_each(self, envelopes: Iterable[Envelope]) -> Iterator[tuple[Any, Any]]:
        """Sends each envelope in turn, yielding (key, outcome) as each message's fate is
        known: the recipients refused ({} when none) once it was accepted, else the exception
        smtplib would have raised. The next message's commands are written after the previous
        one's data, before its reply is read, so a message costs one round trip; its data goes
        only once the consumer comes back for the next outcome: a consumer that records each
        message as sent before asking never has more than one sent and unrecorded. Ends after
        an error that loses the session (the message whose commands were already written is
        yielded as not sent, with that error): the caller reconnects and goes on with the
        rest of its iterator."""
        envelopes = iter(envelopes)
        try:
            self.ehlo_or_helo_if_needed()
        except smtplib.SMTPException as error:
            first = next(envelopes, None)
            if first is not None:
                yield first.key, error
            return
        if not self.has_extn("pipelining"):
            yield from self._each_in_turn(envelopes)
            return
        current, written = next(envelopes, None), False
        while current is not None:
            if isinstance(current.content, BaseException):
                yield current.key, current.content
                current, written = next(envelopes, None), False
                continue
            try:
                if not written:
                    self.send(self._commands(*current[1:]))
                refused = self._envelope_replies(current.sender, current.recipients)
            except smtplib.SMTPException as error:
                yield current.key, error
                if self.sock is None:
                    return
                current, written = next(envelopes, None), False
                continue
            following, queued = None, False
            try:
                self.send(_data(current.content))
                # The next one made ready while the server takes this one in, its commands
                # written before this one's reply is read.
                following = next(envelopes, None)
                queued = following is not None and not isinstance(following.content, BaseException)
                if queued:
                    self.send(self._commands(*following[1:]))
                self._data_reply(reset=not queued)
            except smtplib.SMTPException as error:
                yield current.key, error
            else:
                yield current.key, refused
            if self.sock is None:  # lost, or closed by the consumer since
                if following is not None:
                    lost = smtplib.SMTPServerDisconnected("not sent: the connection closed")
                    yield following.key, lost if queued else following.content
                return
            current, written = following, queued

    def _each_in_turn(self, envelopes):
        for envelope in envelopes:
            if isinstance(envelope.content, BaseException):
                yield envelope.key, envelope.content
                continue
            try:
                refused = self.sendmail(envelope.sender, envelope.recipients, envelope.content)
            except smtplib.SMTPException as error:
                yield envelope.key, error
                if self.sock is None:
                    return
            else:
                yield envelope.key, refused

    def _commands(self, from_addr, to_addrs, msg) -> bytes:
        size = f" SIZE={len(msg)}" if self.has_extn("size") else ""
        commands = [f"MAIL FROM:{smtplib.quoteaddr(from_addr)}{size}"]
        commands += [f"RCPT TO:{smtplib.quoteaddr(address)}" for address in to_addrs]
        commands.append("DATA")
        return "".join(f"{command}\r\n" for command in commands).encode(self.command_encoding)

    def _envelope_replies(self, from_addr, to_addrs) -> dict:
        """Reads the replies to MAIL, each RCPT and DATA; the refused recipients, or raises as
        smtplib.sendmail does. Every reply is read before acting on any: the session stays in
        step. Called with nothing written after the DATA, so that a reset cancels only this."""
        mail = self.getreply()
        rcpts = [self.getreply() for _address in to_addrs]
        data = self.getreply()
        refused = {
            address: reply
            for address, reply in zip(to_addrs, rcpts, strict=True)
            if reply[0] not in (250, 251)
        }
        if 421 in (mail[0], data[0], *(code for code, _text in rcpts)):
            self.close()  # the server is closing the session
            if mail[0] != 250:
                raise smtplib.SMTPSenderRefused(*mail, from_addr)
            raise (
                smtplib.SMTPRecipientsRefused(refused) if refused else smtplib.SMTPDataError(*data)
            )
        if mail[0] != 250 or len(refused) == len(to_addrs) or data[0] != 354:
            if data[0] == 354:
                # A server that let DATA through regardless: end it empty, sending nothing.
                self.send(b"." + CRLF)
                self.getreply()
            self._rset()
            if mail[0] != 250:
                raise smtplib.SMTPSenderRefused(*mail, from_addr)
            if len(refused) == len(to_addrs):
                raise smtplib.SMTPRecipientsRefused(refused)
            raise smtplib.SMTPDataError(*data)
        return refused

    def _data_reply(self, *, reset: bool) -> None:
        code, text = self.getreply()
        if code != 250:
            if code == 421:
                self.close()
            elif reset:
                # Not when another message's commands follow: the end of data closed this
                # transaction whatever its reply, and a reset would cancel the next one.
                self._rset()
            raise smtplib.SMTPDataError(code, text)


def _data(msg: bytes) -> bytes:
    body = LEADING_DOT.sub(b"..", msg)
    if not body.endswith(CRLF):
        body += CRLF
    return body + b"." + CRLF


class PipeliningSMTP(PipeliningMixin, smtplib.SMTP):
    pass


class PipeliningSMTPSSL(PipeliningMixin, smtplib.SMTP_SSL):
    pass


# An address as the envelope gives it, parsed once: the sender is the same for every message
# of a batch, and parsing through the email package was 7 % of a reminder's time in a worker.
_sanitized = functools.lru_cache(maxsize=1024)(sanitize_address)


def sanitized(address, encoding):
    try:
        return _sanitized(address, encoding)
    except TypeError:  # an address given as a list: not kept
        return sanitize_address(address, encoding)


class EmailBackend(DjangoEmailBackend):
    """Django's SMTP backend over a connection that pipelines (settings: EMAIL_URL smtp://)."""

    @property
    def connection_class(self):
        return PipeliningSMTPSSL if self.use_ssl else PipeliningSMTP

    def send_each(self, messages: Iterable[tuple[Any, Any]]) -> Iterator[tuple[Any, Any]]:
        """(key, EmailMessage) in, (key, error or None) out, each message's outcome as soon as
        it is known and before the next one's content goes (see sendmail_each). Opens the
        connection if it is not open; ends after an error that loses it."""
        if self.connection is None:
            try:
                self.open()
            except (OSError, smtplib.SMTPException) as error:
                first = next(iter(messages), None)
                if first is not None:
                    yield first[0], error
                return
        for key, outcome in self.connection.sendmail_each(map(_envelope, messages)):
            yield key, outcome if isinstance(outcome, BaseException) else None

    def _send(self, email_message):
        # Django's, with the addresses' sanitising kept.
        if not email_message.recipients():
            return False
        _key, from_email, recipients, content = _envelope((None, email_message))
        if isinstance(content, BaseException):
            raise content
        try:
            self.connection.sendmail(from_email, recipients, content)
        except smtplib.SMTPException:
            if not self.fail_silently:
                raise
            return False
        return True


def _envelope(item) -> Envelope:
    key, email_message = item
    encoding = email_message.encoding or settings.DEFAULT_CHARSET
    try:
        from_email = sanitized(email_message.from_email, encoding)
        recipients = [sanitized(address, encoding) for address in email_message.recipients()]
        if not recipients:
            raise ValueError("an email without recipients")
        content = email_message.message().as_bytes(linesep="\r\n")
    except Exception as error:  # reported as this message's outcome; the others go on
        return Envelope(key, "", [], error)
    return Envelope(key, from_email, recipients, content)
