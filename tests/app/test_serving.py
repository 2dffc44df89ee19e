"""app/serving.py: how many waiting connections one turn of the loop lets in (issue 19)."""

from __future__ import annotations

import asyncio
import collections
import concurrent.futures
import socket

from app.serving import ACCEPT_BATCH, ServingLoop

WAITING = 40


def turns_of_arrival(new_loop: type[asyncio.AbstractEventLoop]) -> list[int]:
    """In a thread of its own (a browser test may have left a loop running in this one): see
    :func:`_turns_of_arrival`."""
    with concurrent.futures.ThreadPoolExecutor(1) as pool:
        return pool.submit(lambda: _turns_of_arrival(new_loop())).result(timeout=60)


def _turns_of_arrival(loop: asyncio.AbstractEventLoop) -> list[int]:
    """Start a server on ``loop``, connect :data:`WAITING` clients while it is not running (their
    connections wait in the listen queue), then run the loop turn by turn: how many connections the
    server's protocol saw arrive in each turn that had any."""
    turn = 0
    arrivals: list[int] = []

    class Counting(asyncio.Protocol):
        def connection_made(self, transport: asyncio.BaseTransport) -> None:
            arrivals.append(turn)

    server = loop.run_until_complete(loop.create_server(Counting, "127.0.0.1", 0, backlog=2048))
    port = server.sockets[0].getsockname()[1]
    clients = [socket.create_connection(("127.0.0.1", port)) for _ in range(WAITING)]
    try:
        for turn in range(1, 40):
            loop.call_soon(loop.stop)  # run_forever returns after this one turn
            loop.run_forever()
            if len(arrivals) == WAITING:
                break
    finally:
        for client in clients:
            client.close()
        server.close()
        loop.run_until_complete(server.wait_closed())
        loop.close()
    per_turn = collections.Counter(arrivals)
    return [per_turn[t] for t in sorted(per_turn)]


def test_one_turn_lets_in_a_batch_of_sixteen_waiting_connections():
    """40 waiting connections arrive 16, 16, 8: the worker goes back to its other connections
    between batches (plain asyncio took all 40 in one turn; uvloop one or two per turn)."""
    assert ACCEPT_BATCH == 16
    assert turns_of_arrival(ServingLoop) == [16, 16, 8]
    assert turns_of_arrival(asyncio.SelectorEventLoop) == [40]  # what it changes
