"""A real SMTP server on 127.0.0.1 (aiosmtpd) for the e-mail channel's tests, with faults.

Not an emulator of a protocol we guess at: aiosmtpd is a complete RFC 5321 server. The test
handler keeps every accepted message (parsed with the standard ``email`` package) and can:

* refuse some recipients at RCPT (550 5.1.1), greylist them (451 4.7.1) or answer 421 for a
  number of attempts;
* drop the connection right after the message's final ``.`` (the message is kept: the relay
  has it, the client never hears so), or call a hook there (a test SIGKILLs the publisher);
* require AUTH PLAIN/LOGIN with one user and password (plain text is allowed on loopback).
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email.message import EmailMessage
from pathlib import Path
from typing import Any

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword


@dataclass
class Arrival:
    mail_from: str
    rcpt_tos: list[str]
    raw: bytes

    @property
    def message(self) -> EmailMessage:
        msg = email.message_from_bytes(self.raw, policy=email.policy.default)
        assert isinstance(msg, EmailMessage)
        return msg


@dataclass
class Faults:
    refuse: set[str] = field(default_factory=set)  # 550 at RCPT, always
    greylist: dict[str, int] = field(default_factory=dict)  # address -> times to answer 451
    unavailable: int = 0  # answer 421 to the next N RCPTs (and close)
    drop_after_data: int = 0  # drop the next N connections after the data's final "."
    after_data: Callable[[Arrival], None] | None = None  # called once the message is kept


class Handler:
    def __init__(self, server: SmtpServer) -> None:
        self.server = server

    async def handle_RCPT(
        self, server: Any, session: Any, envelope: Any, address: str, rcpt_options: list[str]
    ) -> str:
        f = self.server.faults
        with self.server.lock:
            self.server.rcpts.append(address)
            if address in f.refuse:
                return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
            if f.greylist.get(address, 0) > 0:
                f.greylist[address] -= 1
                return "451 4.7.1 Greylisted, please try again later"
            if f.unavailable > 0:
                f.unavailable -= 1
                return "421 4.7.0 Too many connections, try again later"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        arrival = Arrival(envelope.mail_from, list(envelope.rcpt_tos), bytes(envelope.original_content))
        f = self.server.faults
        with self.server.lock:
            self.server.arrivals.append(arrival)
            drop = f.drop_after_data > 0
            if drop:
                f.drop_after_data -= 1
        if f.after_data is not None:
            f.after_data(arrival)
        if drop:
            server.transport.abort()  # kept, never acknowledged
        return "250 2.0.0 Ok: queued"


class SmtpServer:
    """`tls`: None, "starttls" (STARTTLS required before MAIL) or "tls" (implicit TLS), with
    `certs` = (certificate, key) PEM files (see make_certificates)."""

    def __init__(
        self,
        user: str | None = None,
        password: str | None = None,
        tls: str | None = None,
        certs: tuple[str, str] | None = None,
    ) -> None:
        self.faults = Faults()
        self.arrivals: list[Arrival] = []
        self.rcpts: list[str] = []
        self.logins: list[tuple[str, bool]] = []
        self.lock = threading.Lock()
        self.user, self.password = user, password
        self.port = _free_port()
        kwargs: dict[str, Any] = {}
        if user is not None:
            # Plain-text AUTH is allowed on loopback unless STARTTLS is tested (then required
            # first; aiosmtpd does not count an implicit-TLS connection as TLS for this).
            kwargs.update(authenticator=self._authenticate, auth_require_tls=tls == "starttls")
        if tls is not None:
            assert certs is not None
            ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
            ctx.load_cert_chain(*certs)
            if tls == "starttls":
                kwargs.update(tls_context=ctx, require_starttls=True)
            else:
                kwargs.update(server_hostname="127.0.0.1", ssl_context=ctx)
        self.controller = Controller(Handler(self), hostname="127.0.0.1", port=self.port, **kwargs)

    def _authenticate(
        self, server: Any, session: Any, envelope: Any, mechanism: str, auth_data: Any
    ) -> AuthResult:
        ok = (
            isinstance(auth_data, LoginPassword)
            and auth_data.login.decode() == self.user
            and auth_data.password.decode() == self.password
        )
        self.logins.append((auth_data.login.decode() if isinstance(auth_data, LoginPassword) else "?", ok))
        return AuthResult(success=ok, handled=False)

    def __enter__(self) -> SmtpServer:
        self.controller.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.controller.stop()

    def to(self, address: str) -> list[EmailMessage]:
        """Every message that arrived for `address`, oldest first."""
        with self.lock:
            return [a.message for a in self.arrivals if address in a.rcpt_tos]

    def count(self) -> dict[str, int]:
        out: dict[str, int] = {}
        with self.lock:
            for a in self.arrivals:
                for r in a.rcpt_tos:
                    out[r] = out.get(r, 0) + 1
        return out


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def make_certificates(folder: Path) -> tuple[Path, Path, Path]:
    """A private CA and a certificate for 127.0.0.1 signed by it: (ca.pem, cert.pem, key.pem)."""
    from datetime import UTC, datetime, timedelta
    from ipaddress import IPv4Address

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    now = datetime.now(UTC)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Test hospital CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=2))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(IPv4Address("127.0.0.1"))]), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    paths = folder / "ca.pem", folder / "cert.pem", folder / "key.pem"
    paths[0].write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    paths[1].write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths[2].write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return paths
