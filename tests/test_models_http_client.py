"""The upstream HTTP client against real loopback servers that answer byte for byte as scripted.

Each test server reads whole requests off a TCP connection and answers each with the raw bytes a script gives
(or closes, or stalls), and counts connections, so the tests check framing (Content-Length, chunked, end of
connection), keep-alive reuse, the one retry after a stale connection, timeouts, TLS and the errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import gzip
import socket
import socketserver
import ssl
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from steward.models.http_client import HttpClient, HttpError

Script = Callable[[int, int, bytes], bytes | str]  # (request number, connection number, body) -> answer


def answer(body: bytes, status: str = "200 OK", headers: str = "") -> bytes:
    return f"HTTP/1.1 {status}\r\ncontent-length: {len(body)}\r\n{headers}\r\n".encode() + body


class ScriptedServer(socketserver.ThreadingTCPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(self, script: Script) -> None:
        super().__init__(("127.0.0.1", 0), _Handler)
        self.script = script
        self.requests: list[tuple[int, bytes, bytes]] = []  # (connection number, head, body)
        self.connections = 0
        self.open_now = 0
        self.most_open = 0
        self.lock = threading.Lock()
        self.split_at = 0  # > 0: send each answer in two packets, split at this byte

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server_address[1]}/v1"


class _Handler(socketserver.BaseRequestHandler):
    server: ScriptedServer

    def handle(self) -> None:
        with self.server.lock:
            self.server.connections += 1
            number = self.server.connections
            self.server.open_now += 1
            self.server.most_open = max(self.server.most_open, self.server.open_now)
        try:
            self._serve(number)
        finally:
            with self.server.lock:
                self.server.open_now -= 1

    def _serve(self, number: int) -> None:
        stream = self.request.makefile("rb")
        while True:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                line = stream.readline()
                if not line:
                    return
                head += line
            fields = dict(h.lower().split(b":", 1) for h in head.split(b"\r\n")[1:] if b":" in h)
            length = int(fields.get(b"content-length", b"0"))
            body = stream.read(length)
            with self.server.lock:
                self.server.requests.append((number, head, body))
                index = len(self.server.requests)
            action = self.server.script(index, number, body)
            if action == "close":
                return
            if isinstance(action, str) and action.startswith("sleep"):
                time.sleep(float(action.split()[1]))
                return
            assert isinstance(action, bytes)
            if self.server.split_at:
                self.request.sendall(action[: self.server.split_at])
                time.sleep(0.05)
                action = action[self.server.split_at :]
            self.request.sendall(action)
            if b"connection: close" in action.lower():
                return


@contextmanager
def scripted(script: Script, tls: ssl.SSLContext | None = None) -> Iterator[ScriptedServer]:
    server = ScriptedServer(script)
    if tls is not None:
        server.socket = tls.wrap_socket(server.socket, server_side=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> Callable[[Any], Any]:
    """Runs a coroutine on the standard event loop and on uvloop, which the server uses."""
    if request.param == "uvloop":
        uvloop = pytest.importorskip("uvloop")
        return uvloop.run  # type: ignore[no-any-return]
    return asyncio.run


async def posts(client: HttpClient, count: int, gap_s: float = 0.0) -> list[Any]:
    try:
        out = []
        for i in range(count):
            out.append(await client.post("/chat", b'{"n": %d}' % i))
            if gap_s:
                await asyncio.sleep(gap_s)
        return out
    finally:
        await client.aclose()


def test_answers_are_read_whole_on_one_kept_alive_connection(run: Callable[[Any], Any]) -> None:
    with scripted(lambda i, c, body: answer(b"ok " + body, headers="x-thing: a\r\nx-thing: b\r\n")) as server:
        client = HttpClient(server.url, {"authorization": "Bearer sk-1"})
        responses = run(posts(client, 3))
    assert [r.body for r in responses] == [b'ok {"n": 0}', b'ok {"n": 1}', b'ok {"n": 2}']
    assert responses[0].status == 200 and responses[0].reason == "OK"
    assert responses[0].headers["x-thing"] == "a, b"
    assert server.connections == 1
    head = server.requests[0][1].decode()
    assert head.startswith("POST /v1/chat HTTP/1.1\r\n")
    assert f"host: 127.0.0.1:{server.server_address[1]}\r\n" in head
    assert "authorization: Bearer sk-1\r\n" in head and "accept-encoding: identity\r\n" in head


def test_chunked_gzip_and_connection_delimited_bodies(run: Callable[[Any], Any]) -> None:
    payload = b'{"answer": "' + b"x" * 5000 + b'"}'
    zipped = gzip.compress(payload)
    chunked = b"".join(b"%x\r\n%s\r\n" % (len(part), part) for part in (zipped[:20], zipped[20:])) + b"0\r\n\r\n"

    def script(i: int, c: int, body: bytes) -> bytes:
        if i == 1:
            return b"HTTP/1.1 200 OK\r\ntransfer-encoding: chunked\r\ncontent-encoding: gzip\r\n\r\n" + chunked
        # no length: the body ends with the connection
        return b"HTTP/1.1 200 OK\r\nconnection: close\r\n\r\n" + payload

    with scripted(script) as server:
        responses = run(posts(HttpClient(server.url), 3))
    assert all(r.body == payload for r in responses)
    assert server.connections == 2  # the chunked answer kept its connection; each close-delimited one did not


def test_a_compressed_body_that_inflates_past_the_limit_is_refused(
    run: Callable[[Any], Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("steward.models.http_client.MAX_BODY_BYTES", 1024 * 1024)
    bomb = gzip.compress(b"0" * (32 * 1024 * 1024))  # 32 KB on the wire, 32 MiB inflated
    with (
        scripted(lambda i, c, body: answer(bomb, headers="content-encoding: gzip\r\n")) as server,
        pytest.raises(HttpError, match=r"(inflates past|an answer over) 1 MiB"),
    ):
        run(posts(HttpClient(server.url), 1))


def test_a_post_is_never_sent_twice_when_a_reused_connection_closes(run: Callable[[Any], Any]) -> None:
    # the second request's reused connection closes without a byte: the caller decides whether to retry
    with (
        scripted(lambda i, c, body: "close" if i == 2 else answer(b"fine")) as server,
        pytest.raises(HttpError, match="closed the connection before the answer was complete"),
    ):
        run(posts(HttpClient(server.url), 2))
    assert [number for number, _, _ in server.requests] == [1, 1]


def test_interim_1xx_answers_are_skipped_not_taken_for_the_answer(run: Callable[[Any], Any]) -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nlink: </style.css>\r\n\r\n"

    def script(i: int, c: int, body: bytes) -> bytes:
        return early + answer(b"for " + body, headers=f"x-request: {i}\r\n")

    with scripted(script) as server:
        responses = run(posts(HttpClient(server.url), 2))
    assert [(r.status, r.body) for r in responses] == [(200, b'for {"n": 0}'), (200, b'for {"n": 1}')]
    assert "link" not in responses[0].headers and responses[1].headers["x-request"] == "2"
    assert server.connections == 1


def test_a_status_line_split_across_packets_keeps_its_whole_reason(run: Callable[[Any], Any]) -> None:
    def script(i: int, c: int, body: bytes) -> bytes:
        return answer(b"busy", status="503 Service Unavailable", headers="retry-after: 7\r\n")

    with scripted(script) as server:
        server.split_at = 20  # "HTTP/1.1 503 Service" | " Unavailable\r\n..."
        response = run(posts(HttpClient(server.url), 1))[0]
    assert (response.status, response.reason, response.headers["retry-after"]) == (503, "Service Unavailable", "7")


def test_a_new_connection_closing_without_an_answer_is_an_error_not_a_loop(run: Callable[[Any], Any]) -> None:
    with (
        scripted(lambda i, c, body: "close") as server,
        pytest.raises(HttpError, match="closed the connection before the answer was complete"),
    ):
        run(posts(HttpClient(server.url), 1))
    assert len(server.requests) == 1


def test_an_answer_cut_short_is_an_error(run: Callable[[Any], Any]) -> None:
    cut = b"HTTP/1.1 200 OK\r\ncontent-length: 100\r\nconnection: close\r\n\r\npartial"
    with scripted(lambda i, c, body: cut) as server, pytest.raises(HttpError, match="before the answer was compl"):
        run(posts(HttpClient(server.url), 1))


def test_garbage_instead_of_http_is_an_error(run: Callable[[Any], Any]) -> None:
    garbage = b"hello, this is not http\r\n\r\n"
    with scripted(lambda i, c, body: garbage) as server, pytest.raises(HttpError, match="not valid HTTP"):
        run(posts(HttpClient(server.url), 1))


def test_a_silent_upstream_times_out_and_its_connection_is_dropped(run: Callable[[Any], Any]) -> None:
    with scripted(lambda i, c, body: "sleep 2" if i == 1 else answer(b"late but fine")) as server:
        client = HttpClient(server.url, read_timeout=0.3)

        async def scenario() -> bytes:
            with pytest.raises(TimeoutError):
                await client.post("/chat", b"{}")
            return (await posts(client, 1))[0].body

        assert run(scenario()) == b"late but fine"
    assert server.connections == 2


def test_a_stream_is_read_line_by_line_and_each_wait_is_bounded(run: Callable[[Any], Any]) -> None:
    events = b"data: one\n\ndata: two\r\n\r\n"

    def script(i: int, c: int, body: bytes) -> bytes:
        head = b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: chunked\r\n\r\n"
        if i == 1:
            return head + b"%x\r\n%s\r\n0\r\n\r\n" % (len(events), events)
        return head + b"%x\r\n%s\r\n" % (len(events), events)  # never ends

    async def scenario() -> tuple[list[bytes], list[bytes]]:
        client = HttpClient(server.url, read_timeout=0.3)
        try:
            stream = await client.post_stream("/chat", b"{}")
            whole = [line async for line in stream.lines()]
            stream.close()
            stream = await client.post_stream("/chat", b"{}")
            seen: list[bytes] = []
            with pytest.raises(TimeoutError):
                async for line in stream.lines():
                    seen.append(line)
            stream.close()
            return whole, seen
        finally:
            await client.aclose()

    with scripted(script) as server:
        whole, seen = run(scenario())
    assert whole == [b"data: one", b"", b"data: two", b""]
    assert seen == whole
    assert server.connections == 1  # the finished stream's connection was reused for the second


def test_a_large_stream_arrives_intact_through_flow_control(run: Callable[[Any], Any]) -> None:
    payload = b"".join(b"data: %06d\n\n" % i for i in range(200_000))  # 2.6 MB, more than the pause mark

    async def scenario() -> bytes:
        client = HttpClient(server.url)
        try:
            stream = await client.post_stream("/chat", b"{}")
            await asyncio.sleep(0.2)  # let the socket fill the buffer past the pause mark
            body = await stream.read()
            stream.close()
            return body
        finally:
            await client.aclose()

    with scripted(lambda i, c, body: answer(payload)) as server:
        assert run(scenario()) == payload


def test_a_stream_left_unread_past_the_pause_mark_does_not_stall_the_next_request(
    run: Callable[[Any], Any],
) -> None:
    big = b"x" * (3 * 1024 * 1024)

    async def scenario() -> bytes:
        client = HttpClient(server.url, read_timeout=5)
        try:
            stream = await client.post_stream("/chat", b"{}")
            await asyncio.sleep(0.3)  # the whole answer arrives and reading pauses; nobody reads it
            stream.close()
            started = time.monotonic()
            body = (await client.post("/chat", b"{}")).body
            assert time.monotonic() - started < 2.0
            return body
        finally:
            await client.aclose()

    with scripted(lambda i, c, body: answer(big) if i == 1 else answer(b"next")) as server:
        assert run(scenario()) == b"next"
    assert len(server.requests) == 2


def test_a_dead_first_address_costs_a_quarter_second_not_the_connect_timeout(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Happy Eyeballs: the host's first address drops SYNs (a broken route), the second one answers.

    On the standard loop only: its resolver can be replaced, uvloop's cannot.
    """
    with scripted(lambda i, c, body: answer(b"via the second address")) as server:
        port = server.server_address[1]
        hole = socket.socket()  # a listener that never accepts, its queue full: SYNs to it are dropped
        hole.bind(("127.0.0.2", port))
        hole.listen(0)
        fillers = []
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            with contextlib.suppress(BlockingIOError):
                filler.connect(("127.0.0.2", port))
            fillers.append(filler)

        async def two_addresses(self: Any, host: str, port_: int, **_: Any) -> list[Any]:
            tcp = (socket.AF_INET, socket.SOCK_STREAM, 6, "")
            return [(*tcp, ("127.0.0.2", port_)), (*tcp, ("127.0.0.1", port_))]

        monkeypatch.setattr(asyncio.BaseEventLoop, "getaddrinfo", two_addresses)
        started = time.monotonic()
        try:
            client = HttpClient(f"http://upstream.internal:{port}/v1", connect_timeout=5)
            body = asyncio.run(posts(client, 1))[0].body
        finally:
            for sock in (hole, *fillers):
                sock.close()
    assert body == b"via the second address"
    assert time.monotonic() - started < 2.0


def test_at_most_limit_connections_are_open(run: Callable[[Any], Any]) -> None:
    with scripted(lambda i, c, body: (time.sleep(0.05), answer(b"ok"))[1]) as server:
        client = HttpClient(server.url, limit=2)

        async def scenario() -> list[Any]:
            try:
                return await asyncio.gather(*(client.post("/chat", b"{}") for _ in range(6)))
            finally:
                await client.aclose()

        assert len(run(scenario())) == 6
    assert server.most_open <= 2 and server.connections == 2


def test_connection_refused_and_bad_settings_say_what_is_wrong(run: Callable[[Any], Any]) -> None:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]  # nothing listens here once the probe closes
    with pytest.raises(HttpError, match=f"no connection to 127.0.0.1:{port}"):
        run(posts(HttpClient(f"http://127.0.0.1:{port}"), 1))
    with pytest.raises(ValueError, match="line break"):
        HttpClient("http://127.0.0.1:1", {"authorization": "Bearer sk\r\nx-evil: 1"})
    with pytest.raises(ValueError, match="not an http"):
        HttpClient("ftp://example.com")


def _self_signed(folder: Path) -> tuple[Path, Path]:
    pytest.importorskip("cryptography")
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.SubjectAlternativeName([x509.DNSName("localhost")]), critical=False)
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_file, key_file = folder / "cert.pem", folder / "key.pem"
    cert_file.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_file.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_file, key_file


def test_https_checks_the_certificate(run: Callable[[Any], Any], tmp_path: Path) -> None:
    cert_file, key_file = _self_signed(tmp_path)
    server_side = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server_side.load_cert_chain(cert_file, key_file)
    with scripted(lambda i, c, body: answer(b"secure"), tls=server_side) as server:
        url = f"https://localhost:{server.server_address[1]}/v1"
        trusting = ssl.create_default_context(cafile=str(cert_file))
        responses = run(posts(HttpClient(url, ssl_context=trusting), 2))
        assert [r.body for r in responses] == [b"secure", b"secure"]
        with pytest.raises(HttpError, match="CERTIFICATE_VERIFY_FAILED"):
            run(posts(HttpClient(url), 1))  # the system's CAs do not know this certificate
