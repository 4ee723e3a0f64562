"""uvicorn's httptools protocol, with the writes of one turn of the event loop sent as one.

uvicorn writes a response's status line and headers, then its body, in two calls, and with
``TCP_NODELAY`` each call is a TCP segment of its own: the client reads a response in two
parts, and on loopback the sender's kernel processes both segments for the receiver too.
Joining them (as aiohttp does for small responses) gave about 5% more checks/s and a lower
p99 in ``benchmarks/bench_api.py`` (interleaved against uvicorn's own protocol). ``spreidingstoets serve`` names this class to uvicorn
(``http=``); a streaming answer is not held back, as each of its parts is written out at the
end of the loop turn it was sent in.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.http.httptools_impl import HttpToolsProtocol

Data = bytes | bytearray | memoryview


class CoalescingTransport:
    """A transport whose ``write``s in one loop turn reach the real transport as one write;
    everything else goes to the real transport, after what is pending where order matters."""

    def __init__(self, transport: asyncio.Transport, loop: asyncio.AbstractEventLoop) -> None:
        self._transport = transport
        self._loop = loop
        self._pending: list[bytes] = []
        self._scheduled = False

    def write(self, data: Data) -> None:
        if not data:
            return
        self._pending.append(data if isinstance(data, bytes) else bytes(data))
        if not self._scheduled:
            self._scheduled = True
            self._loop.call_soon(self.flush)

    def flush(self) -> None:
        self._scheduled = False
        if not self._pending:
            return
        data = self._pending[0] if len(self._pending) == 1 else b"".join(self._pending)
        self._pending = []
        if not self._transport.is_closing():
            self._transport.write(data)

    def writelines(self, lines: Any) -> None:
        for line in lines:
            self.write(line)

    def get_write_buffer_size(self) -> int:
        return self._transport.get_write_buffer_size() + sum(map(len, self._pending))

    def write_eof(self) -> None:
        self.flush()
        self._transport.write_eof()

    def close(self) -> None:
        self.flush()
        self._transport.close()

    def abort(self) -> None:
        self._pending = []
        self._transport.abort()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._transport, name)


class HttpProtocol(HttpToolsProtocol):
    """``HttpToolsProtocol`` over a :class:`CoalescingTransport`."""

    def connection_made(self, transport: asyncio.Transport) -> None:  # type: ignore[override]
        super().connection_made(CoalescingTransport(transport, self.loop))  # type: ignore[arg-type]
