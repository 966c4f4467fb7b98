"""Shared machinery for the loopback HTTP API emulators.

Each emulator is a ThreadingHTTPServer on 127.0.0.1 (ephemeral port) run in a daemon thread.
The base class parses requests (query, form, JSON, multipart), records them, routes them to
handlers, applies injected faults and serialises responses. Subclasses only declare routes and
keep their own state. Spec: /work/shared/research/channel-apis.md ("Common emulator knobs").
"""

from __future__ import annotations

import json
import re
import socket
import threading
import traceback
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from email import policy
from email.parser import BytesParser
from email.utils import format_datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Self
from urllib.parse import parse_qsl, urlsplit

JSON_CT = "application/json; charset=UTF-8"
HTML_CT = "text/html; charset=UTF-8"


class Clock:
    """A clock the tests can move. Without `start` it follows real time plus an offset; with
    `start` it is frozen there and only moves through advance()/set(), so timestamps and
    rate-limit windows are deterministic."""

    def __init__(self, start: datetime | None = None) -> None:
        self._lock = threading.Lock()
        self._frozen: datetime | None = start.astimezone(UTC) if start else None
        self._offset = timedelta(0)

    def now(self) -> datetime:
        with self._lock:
            if self._frozen is not None:
                return self._frozen
            return datetime.now(UTC) + self._offset

    def time(self) -> float:
        return self.now().timestamp()

    def advance(self, seconds: float = 0.0, **delta: float) -> datetime:
        step = timedelta(seconds=seconds, **delta)
        with self._lock:
            if self._frozen is not None:
                self._frozen += step
            else:
                self._offset += step
        return self.now()

    def set(self, when: datetime) -> None:
        when = when.astimezone(UTC)
        with self._lock:
            if self._frozen is not None:
                self._frozen = when
            else:
                self._offset = when - datetime.now(UTC)


@dataclass
class UploadedFile:
    filename: str | None
    content_type: str
    data: bytes


@dataclass
class RecordedRequest:
    """One request as the server saw it. `body` is a dict for form/multipart bodies, the decoded
    value for JSON, None when empty or unparseable (`raw_body` always holds the bytes)."""

    method: str
    path: str
    query: dict[str, Any]
    headers: dict[str, str]
    raw_body: bytes
    body: Any
    files: dict[str, UploadedFile]
    time: datetime
    route: str | None = None
    json_error: bool = False
    # Scratch space for the emulator (e.g. the rate-limit bucket a precheck charged), so that
    # finalize() can add matching headers.
    extra: dict[str, Any] = field(default_factory=dict)

    def header(self, name: str, default: str | None = None) -> str | None:
        lname = name.lower()
        for key, value in self.headers.items():
            if key.lower() == lname:
                return value
        return default

    def param(self, name: str, default: Any = None) -> Any:
        """A parameter from the body (form, JSON object or multipart) or, failing that, the
        query string: the APIs emulated here all merge the two."""
        if isinstance(self.body, dict) and name in self.body:
            return self.body[name]
        return self.query.get(name, default)


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list -> JSON; str/bytes -> sent as is
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_CT


class Fault:
    """Base class of what `inject()` accepts."""


@dataclass
class HttpFault(Fault):
    """Answer with this status and body instead of running the handler."""

    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = JSON_CT


@dataclass
class Delay(Fault):
    """Hold the response for `seconds` (real time), longer than the client's timeout.
    commit=True runs the handler first (the work is done, only the answer is lost: the case an
    exactly-once client must survive); commit=False does nothing and closes without answering."""

    seconds: float
    commit: bool = False


@dataclass
class Drop(Fault):
    """Close the socket without sending a byte. commit=True runs the handler first."""

    commit: bool = False


Handler = Callable[[RecordedRequest, "re.Match[str]"], Response]


@dataclass(frozen=True)
class Route:
    name: str
    methods: frozenset[str]
    pattern: re.Pattern[str]
    handler: Handler


def _flatten(pairs: Iterable[tuple[str, str]]) -> dict[str, Any]:
    # Single values stay strings; repeated keys and Rails-style `key[]` become lists, so a
    # handler can tell `media_ids[]=1` from `media_ids=1` like the real servers do.
    out: dict[str, Any] = {}
    for key, value in pairs:
        if key in out:
            prev = out[key]
            out[key] = prev + [value] if isinstance(prev, list) else [prev, value]
        else:
            out[key] = [value] if key.endswith("[]") else value
    return out


def _parse_multipart(content_type: str, raw: bytes) -> tuple[dict[str, Any], dict[str, UploadedFile]]:
    head = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n"
    msg = BytesParser(policy=policy.HTTP).parsebytes(head + raw)
    fields: list[tuple[str, str]] = []
    files: dict[str, UploadedFile] = {}
    if not msg.is_multipart():
        return {}, {}
    for part in msg.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        data = part.get_payload(decode=True) or b""
        filename = part.get_filename()
        if filename is not None:
            files[name] = UploadedFile(filename, part.get_content_type(), data)
        else:
            fields.append((name, data.decode(part.get_content_charset() or "utf-8", "replace")))
    return _flatten(fields), files


def parse_body(content_type: str, raw: bytes) -> tuple[Any, dict[str, UploadedFile], bool]:
    """Returns (body, files, json_error)."""
    ctype = content_type.split(";")[0].strip().lower()
    if not raw:
        return None, {}, False
    if ctype == "application/x-www-form-urlencoded":
        text = raw.decode("utf-8", "replace")
        return _flatten(parse_qsl(text, keep_blank_values=True)), {}, False
    if ctype == "multipart/form-data":
        body, files = _parse_multipart(content_type, raw)
        return body, files, False
    if ctype == "application/json" or ctype.endswith("+json"):
        try:
            return json.loads(raw), {}, False
        except ValueError:
            return None, {}, True
    return None, {}, False


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    emulator: Emulator

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A client that timed out and hung up is the expected outcome of a Delay fault.
        # Anything else is an emulator bug and should be loud.
        import sys

        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)


class _RequestHandler(BaseHTTPRequestHandler):
    # HTTP/1.1 status lines, but one request per connection ("Connection: close"): keep-alive
    # reuse races against Drop faults and would make the fault tests flaky.
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format: str, *args: Any) -> None:  # silence per-request logging
        pass

    def _read_body(self) -> bytes:
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            chunks = []
            while True:
                size = int(self.rfile.readline().split(b";")[0].strip() or b"0", 16)
                if size == 0:
                    self.rfile.readline()
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline()
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _dispatch(self) -> None:
        self.server.emulator._serve(self)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = do_HEAD = _dispatch

    def send(self, resp: Response, date: datetime) -> None:
        if isinstance(resp.body, bytes):
            payload = resp.body
        elif isinstance(resp.body, str):
            payload = resp.body.encode("utf-8")
        elif resp.body is None:
            payload = b""
        else:
            payload = json.dumps(resp.body, ensure_ascii=False).encode("utf-8")
        # send_response() would add a Date from the real clock; the emulator's clock must win.
        self.send_response_only(resp.status)
        self.send_header("Date", format_datetime(date, usegmt=True))
        self.send_header("Content-Type", resp.content_type)
        for key, value in resp.headers.items():
            self.send_header(key, value)
        self.send_header("Content-Length", str(len(payload)))
        self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(payload)

    def drop(self) -> None:
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass


class Emulator:
    """Base of the API emulators. Use as a context manager, or start()/stop().

    Subclasses register routes with add_route(), may override route_path() (map the raw path to
    the routable one, e.g. strip a version prefix), precheck(), not_found() and finalize(), and
    put their state in _reset_state(), which reset() calls again.
    """

    def __init__(self, *, clock: Clock | None = None, host: str = "127.0.0.1") -> None:
        self.clock = clock or Clock()
        self.host = host
        self.requests: list[RecordedRequest] = []
        self.server_errors: list[str] = []  # tracebacks of handler crashes (emulator bugs)
        self._routes: list[Route] = []
        self._faults: dict[str, deque[list[Any]]] = {}
        self._lock = threading.RLock()
        self._wake = threading.Event()
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None
        self._reset_state()

    # -- lifecycle -------------------------------------------------------------------------
    def start(self) -> Self:
        if self._server is not None:
            return self
        self._wake.clear()
        server = _Server((self.host, 0), _RequestHandler)
        server.emulator = self
        self._server = server
        # A short poll interval: shutdown() waits up to one interval, on every test teardown.
        self._thread = threading.Thread(
            target=server.serve_forever,
            kwargs={"poll_interval": 0.02},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is None:
            return
        self._wake.set()  # end any Delay fault still sleeping
        self._server.shutdown()
        self._server.server_close()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self._server = None
        self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def port(self) -> int:
        if self._server is None:
            raise RuntimeError("emulator not started")
        return int(self._server.server_address[1])

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    def reset(self) -> None:
        """Forget recorded requests, pending faults and all stored state (back to the
        constructor's configuration). The clock is left where it is."""
        with self._lock:
            self.requests.clear()
            self.server_errors.clear()
            self._faults.clear()
            self._reset_state()

    def _reset_state(self) -> None:
        pass

    # -- faults and records ----------------------------------------------------------------
    def inject(self, route: str, fault: Fault, times: int = 1) -> None:
        """The next `times` calls to `route` (a route name, or "*" for any request) fail with
        `fault`. Faults queue up in order of injection."""
        if not isinstance(fault, HttpFault | Delay | Drop):
            # Typically the package imported twice (as `emulators` and `tests.emulators`, both
            # on pytest's pythonpath): the classes differ and the fault would be ignored.
            raise TypeError(
                f"not a fault of this module: {fault!r}; import both the emulator "
                "and the fault from the same package path"
            )
        if route != "*" and route not in {r.name for r in self._routes}:
            raise KeyError(f"unknown route {route!r}; known: {self.route_names()}")
        with self._lock:
            self._faults.setdefault(route, deque()).append([fault, times])

    def pending_faults(self, route: str) -> int:
        with self._lock:
            return sum(n for _, n in self._faults.get(route, ()))

    def route_names(self) -> list[str]:
        return [r.name for r in self._routes]

    def requests_for(self, route: str) -> list[RecordedRequest]:
        with self._lock:
            return [r for r in self.requests if r.route == route]

    @property
    def last_request(self) -> RecordedRequest:
        with self._lock:
            return self.requests[-1]

    def _take_fault(self, route: str | None) -> Fault | None:
        with self._lock:
            for key in (route, "*"):
                queue = self._faults.get(key) if key else None
                if queue:
                    entry = queue[0]
                    entry[1] -= 1
                    if entry[1] <= 0:
                        queue.popleft()
                    return entry[0]
        return None

    # -- routing hooks ---------------------------------------------------------------------
    def add_route(self, name: str, methods: str, pattern: str, handler: Handler) -> None:
        self._routes.append(Route(name, frozenset(methods.split("|")), re.compile(pattern + r"\Z"), handler))

    def route_path(self, req: RecordedRequest) -> str:
        return req.path

    def precheck(self, req: RecordedRequest) -> Response | None:
        return None

    def not_found(self, req: RecordedRequest) -> Response:
        return Response(404, {"error": "Not found"})

    def finalize(self, req: RecordedRequest, resp: Response) -> None:
        """Add headers every response carries (rate-limit, version...)."""

    def _resolve(self, req: RecordedRequest) -> tuple[Route, re.Match[str]] | None:
        path = self.route_path(req)
        method = "GET" if req.method == "HEAD" else req.method
        for route in self._routes:
            match = route.pattern.match(path)
            if match and method in route.methods:
                return route, match
        return None

    # -- request cycle ---------------------------------------------------------------------
    def _serve(self, h: _RequestHandler) -> None:
        raw = h._read_body()
        url = urlsplit(h.path)
        body, files, json_error = parse_body(h.headers.get("Content-Type", ""), raw)
        req = RecordedRequest(
            method=h.command,
            path=url.path,
            query=_flatten(parse_qsl(url.query, keep_blank_values=True)),
            headers=dict(h.headers.items()),
            raw_body=raw,
            body=body,
            files=files,
            time=self.clock.now(),
            json_error=json_error,
        )
        with self._lock:
            self.requests.append(req)
        resolved = self._resolve(req)
        if resolved:
            req.route = resolved[0].name
        fault = self._take_fault(req.route)

        if isinstance(fault, HttpFault):
            resp = Response(fault.status, fault.body, dict(fault.headers), fault.content_type)
            self._send(h, req, resp)
            return
        if isinstance(fault, Drop | Delay) and not fault.commit:
            if isinstance(fault, Delay):
                self._wake.wait(fault.seconds)
            h.drop()
            return

        resp = self._run(req, resolved)
        if isinstance(fault, Drop):
            h.drop()
            return
        if isinstance(fault, Delay):
            self._wake.wait(fault.seconds)
        self._send(h, req, resp)

    def _run(self, req: RecordedRequest, resolved: tuple[Route, re.Match[str]] | None) -> Response:
        # One lock around every handler: the emulators' state is plain dicts, and real servers
        # serialise writes to one account anyway (Mastodon holds a redis lock per key).
        with self._lock:
            try:
                early = self.precheck(req)
                if early is not None:
                    return early
                if resolved is None:
                    return self.not_found(req)
                route, match = resolved
                return route.handler(req, match)
            except Exception:
                self.server_errors.append(traceback.format_exc())
                return Response(500, {"error": "emulator crashed; see server_errors"})

    def _send(self, h: _RequestHandler, req: RecordedRequest, resp: Response) -> None:
        with self._lock:
            self.finalize(req, resp)
        h.send(resp, self.clock.now())
