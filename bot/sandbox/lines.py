"""Where the terminal sandbox's lines come from: standard input without blocking the event
loop, or any (async) iterable a test scripts; with the prompt written when a line is wanted."""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import os
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterable
from typing import TextIO


async def next_line(
    source: AsyncIterator[str], out: TextIO, prompt: bool, marker: str = "> "
) -> str | None:
    """The next line as typed (``marker`` written first when ``prompt``); None at the end."""
    if prompt:
        out.write(marker)
        out.flush()
    try:
        return await anext(source)
    except StopAsyncIteration:
        if prompt:
            out.write("\n")  # Ctrl-D: leave the shell prompt on a line of its own
            out.flush()
        return None


async def aiter_lines(lines: AsyncIterator[str] | Iterable[str]) -> AsyncIterator[str]:
    if isinstance(lines, AsyncIterator):
        async for line in lines:
            yield line
    else:
        for line in lines:
            yield line


async def stdin_lines() -> AsyncIterator[str]:
    """Lines from standard input, without blocking the event loop.

    A daemon thread does raw ``os.read`` calls: unlike ``asyncio.to_thread(readline)`` it
    does not keep the process alive after Ctrl-C (the default executor would wait for the
    pending read, i.e. for the user to press Enter), and it holds no lock of ``sys.stdin``.
    """
    try:
        fd = sys.stdin.fileno()
    except (AttributeError, OSError, ValueError):  # no stdin at all: nothing to read
        return
    loop = asyncio.get_running_loop()
    chunks: asyncio.Queue[bytes] = asyncio.Queue()

    def read() -> None:
        while True:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                chunk = b""
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens
                loop.call_soon_threadsafe(chunks.put_nowait, chunk)
            if not chunk:
                return

    threading.Thread(target=read, name="sandbox-stdin", daemon=True).start()
    decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
    pending = ""
    while True:
        chunk = await chunks.get()
        pending += decoder.decode(chunk, final=not chunk)
        *complete, pending = pending.split("\n")
        for line in complete:
            yield line
        if not chunk:  # end of input: Ctrl-D, or the end of a pipe
            if pending:
                yield pending
            return


async def pasted_text(
    source: AsyncIterator[str],
    out: TextIO,
    prompt: bool,
    end: str,
    echo: Callable[[str], None] | None,
) -> str | None:
    """The lines up to one that says ``end``, as one text; None if the input ended first.
    ``echo`` shows each line (piped input, where the terminal did not)."""
    pasted: list[str] = []
    while True:
        raw = await next_line(source, out, prompt, "| ")
        if raw is None:
            return None
        line = raw.rstrip("\r\n")
        if line.strip().lower() == end:
            if echo:
                echo(f"you: {end}")
            return "\n".join(pasted)
        if echo:
            echo(f"  | {line}")
        pasted.append(line)
