"""A lean HTTP/1.1 client for upstream model calls: a keep-alive pool on asyncio, answers parsed by httptools.

Why not aiohttp, which this replaced: the upstream call is the gateway's hot path. Against the loopback mock of
`bench/gateway.py`, one call through aiohttp's client machinery (URL and header objects, a writer task per
request, timer bookkeeping) took 0.26 ms p50 and one through this client 0.15 ms; the gateway's own p50 at
concurrency 1 fell from 1.105 to 0.945 ms in an interleaved A/B (`bench/gateway_ab.py`, BENCHMARKS.md). The
parsing is httptools (llhttp, Node.js's parser, also uvicorn's), TLS is the standard library's, the staggered
connect is aiohappyeyeballs'; this module only frames requests and keeps connections.

What it does, and no more: POST a body and read the answer whole (`post`) or as it arrives (`post_stream`);
`http` and `https` (system CAs, hostname checked); keep-alive connections reused newest first, at most `limit`
open, an idle one dropped after `keepalive_s`; answers framed by Content-Length, chunked encoding or the end of the
connection, after any 1xx interim answers; gzip and deflate bodies decoded; a new connection tries the host's
addresses staggered by 0.25 s (Happy Eyeballs, RFC 8305, as aiohttp does), so a dead IPv6 route costs a quarter
second, not the connect timeout. Failures below HTTP raise `HttpError`; waiting longer than `read_timeout` for the
answer (or, in a stream, for its next bytes) raises `TimeoutError`. A POST is never sent twice here: like aiohttp
and urllib3, a failure after the request was written is the caller's to retry (the backend does, counted and with
backoff). Idle connections are dropped after `keepalive_s` (4 s, below the 5 s after which uvicorn and Node close
theirs), so a request rarely meets a connection its server is closing. No proxies, cookies or redirects: an
OpenAI-compatible upstream needs none of them.
"""

from __future__ import annotations

import asyncio
import socket
import ssl
import time
import zlib
from collections import deque
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from typing import cast
from urllib.parse import quote, urlsplit

import aiohappyeyeballs
import httptools

MAX_BODY_BYTES = 64 * 1024 * 1024  # a whole answer larger than this is refused, not buffered
_PAUSE_AT = 1024 * 1024  # a stream stops reading from the socket while this much is waiting for its consumer


class HttpError(Exception):
    """The exchange failed below HTTP: no connection, a lost connection, or an answer that is not HTTP."""


@dataclass(frozen=True)
class Response:
    """An answer read whole. Header names are lower-case; repeated headers are joined with ", "."""

    status: int
    reason: str
    headers: Mapping[str, str]
    body: bytes


class _Answer:
    """One answer as the parser reports it: head, body pieces, end; wakes whoever waits on the connection."""

    def __init__(self, connection: _Connection) -> None:
        self.connection = connection
        self.parser = httptools.HttpResponseParser(self)
        self.head: asyncio.Future[None] = connection.loop.create_future()
        self.status = 0
        self.reason = ""
        self.headers: dict[str, str] = {}
        self.pieces: deque[bytes] = deque()
        self.buffered = 0
        self.done = False
        self.interim = False
        self.keep_alive = False
        self.error: BaseException | None = None
        self._waiter: asyncio.Future[None] | None = None
        self._decoder: zlib._Decompress | None = None

    # ------------------------------------------------------------------------------------ parser callbacks

    def on_message_begin(self) -> None:
        if self.done:  # a second answer to one request: the connection is out of step, never reuse it
            self.keep_alive = False
            self.connection.close()

    def on_status(self, status: bytes) -> None:
        self.reason += status.decode("latin-1")  # the status line may come in more than one piece

    def on_header(self, name: bytes, value: bytes) -> None:
        key = name.decode("latin-1").lower()
        text = value.decode("latin-1")
        self.headers[key] = f"{self.headers[key]}, {text}" if key in self.headers else text

    def on_headers_complete(self) -> None:
        self.status = self.parser.get_status_code()
        if 100 <= self.status < 200 and self.status != 101:  # interim (100 Continue, 103 Early Hints): skip it
            self.interim = True
            self.headers = {}
            self.reason = ""
            return
        if self.headers.get("content-encoding", "").lower() in ("gzip", "deflate"):
            self._decoder = zlib.decompressobj(zlib.MAX_WBITS | 32)  # gzip or zlib header, detected
        if not self.head.done():
            self.head.set_result(None)

    def on_body(self, body: bytes) -> None:
        if self._decoder is not None:
            encoding = self.headers.get("content-encoding")
            try:
                body = self._decoder.decompress(body, MAX_BODY_BYTES)  # bounded: a zip bomb stops here
            except zlib.error as exc:
                self.fail(HttpError(f"sent a body that is not valid {encoding} ({exc})"))
                self.connection.close()
                return
            if self._decoder.unconsumed_tail:
                self.fail(HttpError(f"sent a {encoding} body that inflates past {MAX_BODY_BYTES >> 20} MiB"))
                self.connection.close()
                return
        self.pieces.append(body)
        self.buffered += len(body)
        if self.buffered > _PAUSE_AT:
            self.connection.pause()
        self._wake()

    def on_message_complete(self) -> None:
        if self.interim:
            self.interim = False
            return
        if self._decoder is not None and (rest := self._decoder.flush()):
            self.pieces.append(rest)
        self.keep_alive = self.parser.should_keep_alive()
        self.done = True
        self._wake()

    # ------------------------------------------------------------------------------------ connection events

    def feed(self, data: bytes) -> None:
        try:
            self.parser.feed_data(data)
        except (httptools.HttpParserError, httptools.HttpParserUpgrade) as exc:
            self.fail(HttpError(f"sent an answer that is not valid HTTP ({type(exc).__name__}: {exc})"))
            self.connection.close()

    def lost(self, exc: BaseException | None) -> None:
        if self.done:
            return
        if self.head.done() and not self._framed() and self.error is None:
            self.on_message_complete()  # a body that ends with the connection: complete, not reusable
            self.keep_alive = False
        else:
            detail = f" ({type(exc).__name__}: {exc})" if exc else ""
            self.fail(HttpError(f"closed the connection before the answer was complete{detail}"))

    def fail(self, error: BaseException) -> None:
        if self.error is None and not self.done:
            self.error = error
            if not self.head.done():
                self.head.set_exception(error)
                self.head.exception()  # retrieved here: a failure no one awaits is not an unhandled one
            self._wake()

    def _framed(self) -> bool:
        return "content-length" in self.headers or "chunked" in self.headers.get("transfer-encoding", "").lower()

    def _wake(self) -> None:
        waiter, self._waiter = self._waiter, None
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    # --------------------------------------------------------------------------------------- the consumer

    async def next_piece(self, timeout: float) -> bytes | None:
        """The next piece of body, or None at its end; waits at most `timeout` for bytes to come."""
        while not self.pieces:
            if self.error is not None:
                raise self.error
            if self.done:
                return None
            self._waiter = self.connection.loop.create_future()
            async with asyncio.timeout(timeout):
                await self._waiter
        piece = self.pieces.popleft()
        self.buffered -= len(piece)
        if self.buffered <= _PAUSE_AT // 4:
            self.connection.resume()
        return piece


class _Connection(asyncio.Protocol):
    """One keep-alive connection; feeds the answer in progress, if any."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.transport: asyncio.Transport | None = None
        self.answer: _Answer | None = None
        self.closed = False
        self.idle_since = 0.0
        self._paused = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = cast(asyncio.Transport, transport)  # uvloop's transports do not subclass asyncio's

    def data_received(self, data: bytes) -> None:
        if self.answer is None:  # bytes nobody asked for: the connection is out of step, drop it
            self.close()
            return
        self.answer.feed(data)

    def eof_received(self) -> bool:
        return False  # close our side too; connection_lost follows

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.answer is not None:
            self.answer.lost(exc)

    def send(self, request: bytes) -> _Answer:
        assert self.transport is not None
        self.answer = _Answer(self)
        self.transport.write(request)
        return self.answer

    def pause(self) -> None:
        if not self._paused and self.transport is not None and not self.closed:
            self._paused = True
            self.transport.pause_reading()

    def resume(self) -> None:
        if self._paused and self.transport is not None and not self.closed:
            self._paused = False
            self.transport.resume_reading()

    def close(self) -> None:
        self.closed = True
        if self.transport is not None:
            self.transport.close()


class StreamedResponse:
    """An answer read as it arrives. Call `close()` when done with it (the connection goes back to the pool)."""

    def __init__(self, client: HttpClient, connection: _Connection, answer: _Answer) -> None:
        self._client = client
        self._connection = connection
        self._answer = answer
        self._closed = False
        self.status = answer.status
        self.reason = answer.reason
        self.headers: Mapping[str, str] = answer.headers

    async def read(self) -> bytes:
        """The rest of the body, whole."""
        parts = []
        while (piece := await self._answer.next_piece(self._client.read_timeout)) is not None:
            parts.append(piece)
        return b"".join(parts)

    async def lines(self) -> AsyncIterator[bytes]:
        """The body line by line (without the line ends), each wait for bytes bounded by the read timeout."""
        pending = b""
        while (piece := await self._answer.next_piece(self._client.read_timeout)) is not None:
            pending += piece
            if b"\n" in pending:
                *complete, pending = pending.split(b"\n")
                for line in complete:
                    yield line.rstrip(b"\r")
        if pending:
            yield pending.rstrip(b"\r")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._client._release(self._connection, self._answer)


class HttpClient:
    """Keep-alive HTTP/1.1 to one origin (`base_url`'s scheme, host and port); paths are joined to its path.

    Bound to the event loop it first runs on, like the connections it keeps.
    """

    def __init__(
        self,
        base_url: str,
        headers: Mapping[str, str] | None = None,
        *,
        connect_timeout: float = 10.0,
        read_timeout: float = 60.0,
        limit: int = 100,
        keepalive_s: float = 4.0,
        ssl_context: ssl.SSLContext | None = None,
    ) -> None:
        parts = urlsplit(base_url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"{base_url!r} is not an http:// or https:// URL with a host")
        self.host = parts.hostname
        self.port = parts.port or (443 if parts.scheme == "https" else 80)
        self.where = f"{self.host}:{self.port}"
        self.base_path = quote(parts.path.rstrip("/"), safe="/%:@!$&'()*+,;=~")
        self.query = f"?{parts.query}" if parts.query else ""
        self.ssl: ssl.SSLContext | None = None
        if parts.scheme == "https":
            self.ssl = ssl_context or ssl.create_default_context()
        self.connect_timeout = connect_timeout
        self.read_timeout = read_timeout
        self.keepalive_s = keepalive_s
        default_port = self.port == (443 if self.ssl else 80)
        host = f"[{self.host}]" if ":" in self.host else self.host
        fixed = {"host": host if default_port else f"{host}:{self.port}", "accept-encoding": "identity"}
        fixed.update({k.lower(): v for k, v in (headers or {}).items()})
        for name, value in fixed.items():
            if any(c in f"{name}{value}" for c in "\r\n\0"):
                raise ValueError(f"header {name!r} holds a line break or NUL; fix the value (an API key?)")
        self._head = "".join(f"{name}: {value}\r\n" for name, value in fixed.items()).encode("latin-1")
        self._idle: deque[_Connection] = deque()
        self._slots = asyncio.Semaphore(limit)
        self.closed = False

    # ------------------------------------------------------------------------------------------------ requests

    async def post(self, path: str, body: bytes) -> Response:
        """POST `body` and read the whole answer within the read timeout."""
        async with self._slots:
            connection, answer = await self._exchange(path, body)
            try:
                parts = []
                size = 0
                while (piece := await answer.next_piece(self.read_timeout)) is not None:
                    size += len(piece)
                    if size > MAX_BODY_BYTES:
                        raise HttpError(f"sent an answer over {MAX_BODY_BYTES // (1024 * 1024)} MiB")
                    parts.append(piece)
            except BaseException:
                connection.close()
                raise
            self._keep_or_close(connection, answer)
            return Response(answer.status, answer.reason, answer.headers, b"".join(parts))

    async def post_stream(self, path: str, body: bytes) -> StreamedResponse:
        """POST `body` and return once the answer's head is in; read the body from the returned stream."""
        await self._slots.acquire()
        try:
            connection, answer = await self._exchange(path, body)
        except BaseException:
            self._slots.release()
            raise
        return StreamedResponse(self, connection, answer)

    async def aclose(self) -> None:
        self.closed = True
        while self._idle:
            self._idle.pop().close()

    # ------------------------------------------------------------------------------------------------ plumbing

    async def _exchange(self, path: str, body: bytes) -> tuple[_Connection, _Answer]:
        """Send the request and wait for the answer's head."""
        request = b"POST %s HTTP/1.1\r\n%scontent-length: %d\r\n\r\n%s" % (
            f"{self.base_path}{quote(path, safe='/%')}{self.query}".encode("latin-1"),
            self._head,
            len(body),
            body,
        )
        connection = await self._connection()
        answer = connection.send(request)
        try:
            async with asyncio.timeout(self.read_timeout):
                await answer.head
        except BaseException:
            connection.close()
            raise
        return connection, answer

    async def _connection(self) -> _Connection:
        if self.closed:
            raise HttpError("the client is closed")
        now = time.monotonic()
        while self._idle:
            connection = self._idle.pop()
            if not connection.closed and now - connection.idle_since < self.keepalive_s:
                return connection
            connection.close()
        loop = asyncio.get_running_loop()
        try:
            async with asyncio.timeout(self.connect_timeout):
                addresses = await loop.getaddrinfo(self.host, self.port, type=socket.SOCK_STREAM)
                sock = await aiohappyeyeballs.start_connection(addresses, happy_eyeballs_delay=0.25)
                try:
                    sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # one write per request
                    _, connection = await loop.create_connection(
                        lambda: _Connection(loop),
                        sock=sock,
                        ssl=self.ssl,
                        server_hostname=self.host if self.ssl else None,
                    )
                except BaseException:  # e.g. a failed TLS handshake, or the timeout during it
                    sock.close()
                    raise
        except TimeoutError:
            raise HttpError(f"no connection to {self.where} within {self.connect_timeout:g} s") from None
        except OSError as exc:  # refused, unreachable, DNS, TLS (ssl.SSLError is an OSError)
            raise HttpError(f"no connection to {self.where} ({type(exc).__name__}: {exc})") from None
        return connection

    def _keep_or_close(self, connection: _Connection, answer: _Answer) -> None:
        connection.answer = None
        if answer.done and answer.keep_alive and not connection.closed and not self.closed:
            connection.resume()  # a consumer that stopped early may have left reading paused
            connection.idle_since = time.monotonic()
            self._idle.append(connection)
        else:
            connection.close()

    def _release(self, connection: _Connection, answer: _Answer) -> None:
        if not answer.done:  # the consumer stopped early: the rest of the body would be out of step
            connection.close()
        self._keep_or_close(connection, answer)
        self._slots.release()
