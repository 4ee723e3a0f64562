"""``spreidingstoets_api.protocol``: a response's headers and body leave the server in one
write (one TCP segment), a streamed answer part by part, and nothing pending is lost when the
connection closes."""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.config import Config
from uvicorn.server import ServerState

from spreidingstoets_api.protocol import CoalescingTransport, HttpProtocol

REQUEST = b"GET /x HTTP/1.1\r\nHost: t\r\n\r\n"


class Recorder(asyncio.Transport):
    """A transport that keeps every write the protocol's transport makes."""

    def __init__(self) -> None:
        super().__init__()
        self.writes: list[bytes] = []
        self.closed = False
        self.reading = True

    def write(self, data: Any) -> None:
        self.writes.append(bytes(data))

    def is_closing(self) -> bool:
        return self.closed

    def close(self) -> None:
        self.closed = True

    def get_write_buffer_size(self) -> int:
        return 0

    def pause_reading(self) -> None:
        self.reading = False

    def resume_reading(self) -> None:
        self.reading = True

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return {"sockname": ("127.0.0.1", 8000), "peername": ("127.0.0.1", 5000)}.get(name, default)


def serve_one(app: Any, request: bytes = REQUEST) -> Recorder:
    async def main() -> Recorder:
        config = Config(app, log_level="warning", lifespan="off")
        config.load()
        protocol = HttpProtocol(config, ServerState(), {}, asyncio.get_running_loop())
        transport = Recorder()
        protocol.connection_made(transport)
        protocol.data_received(request)
        for _ in range(100):
            await asyncio.sleep(0)
        return transport

    return asyncio.run(main())


async def small(scope: Any, receive: Any, send: Any) -> None:
    await send(
        {"type": "http.response.start", "status": 200, "headers": [(b"content-length", b"2")]}
    )
    await send({"type": "http.response.body", "body": b"ok"})


async def streamed(scope: Any, receive: Any, send: Any) -> None:
    await send({"type": "http.response.start", "status": 200, "headers": []})
    for part in (b"een", b"twee"):
        await send({"type": "http.response.body", "body": part, "more_body": True})
        await asyncio.sleep(0)  # the app waits for its next part (a file read, a query)
    await send({"type": "http.response.body", "body": b"", "more_body": False})


def test_headers_and_body_leave_in_one_write() -> None:
    transport = serve_one(small)
    assert len(transport.writes) == 1  # uvicorn's own protocol writes twice
    head, _, body = transport.writes[0].partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200 OK") and body == b"ok"


def test_a_streamed_answer_is_not_held_back() -> None:
    transport = serve_one(streamed)
    joined = b"".join(transport.writes)
    assert joined.endswith(b"3\r\neen\r\n4\r\ntwee\r\n0\r\n\r\n")
    # the head with the first part, then each part in the turn it was sent
    assert len(transport.writes) == 3
    assert transport.writes[1] == b"4\r\ntwee\r\n"


def test_close_and_eof_send_what_is_pending_first() -> None:
    async def main() -> Recorder:
        real = Recorder()
        t = CoalescingTransport(real, asyncio.get_running_loop())
        t.write(b"a")
        t.write(memoryview(b"b"))
        assert real.writes == [] and t.get_write_buffer_size() == 2
        t.close()
        assert real.writes == [b"ab"] and real.closed
        t.write(b"late")  # after close: dropped, as the real transport would
        await asyncio.sleep(0)
        return real

    assert asyncio.run(main()).writes == [b"ab"]


def test_abort_drops_what_is_pending() -> None:
    async def main() -> Recorder:
        real = Recorder()
        real.abort = lambda: setattr(real, "closed", True)  # type: ignore[method-assign]
        t = CoalescingTransport(real, asyncio.get_running_loop())
        t.write(b"a")
        t.abort()
        await asyncio.sleep(0)
        return real

    real = asyncio.run(main())
    assert real.writes == [] and real.closed
