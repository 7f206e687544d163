"""A counting SMTP sink for bench/mail.py, run as its own process: aiosmtpd on loopback
that keeps, per accepted message, its Message-ID and its envelope recipients (nothing
else, so it stays well above 1 000 mails/s on one connection).

    python bench/mail_sink.py PORT

It prints "ready" once it listens, then answers one line per command on stdin:
`count` -> the number of messages accepted; `report` -> JSON {"ids": {id: n},
"recipients": {addr: n}, "first": t, "last": t} (monotonic clock of this process is
useless to the caller, so the times are time.time()); `quit` ends it.
"""

from __future__ import annotations

import json
import re
import sys
import threading
import time
from collections import Counter
from typing import Any

from aiosmtpd.controller import Controller

MESSAGE_ID = re.compile(rb"^Message-ID:[ \t]*(\S+)", re.IGNORECASE | re.MULTILINE)


class Counting:
    """The handler: what arrived, counted under a lock (the controller's loop runs in a
    thread of its own; the command loop reads from the main thread)."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.ids: Counter[str] = Counter()
        self.recipients: Counter[str] = Counter()
        self.count = 0
        self.first = 0.0
        self.last = 0.0

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        content = envelope.original_content or envelope.content
        head = content[: content.find(b"\r\n\r\n")]
        found = MESSAGE_ID.search(head)
        message_id = found.group(1).decode() if found else "(none)"
        now = time.time()
        with self.lock:
            self.count += 1
            self.ids[message_id] += 1
            for rcpt in envelope.rcpt_tos:
                self.recipients[rcpt] += 1
            self.first = self.first or now
            self.last = now
        return "250 OK"

    def report(self) -> str:
        with self.lock:
            return json.dumps(
                {
                    "ids": dict(self.ids),
                    "recipients": dict(self.recipients),
                    "first": self.first,
                    "last": self.last,
                }
            )


def main() -> None:
    handler = Counting()
    controller = Controller(handler, hostname="127.0.0.1", port=int(sys.argv[1]), decode_data=False)
    controller.start()
    print("ready", flush=True)
    try:
        for line in sys.stdin:
            command = line.strip()
            if command == "count":
                with handler.lock:
                    print(handler.count, flush=True)
            elif command == "report":
                print(handler.report(), flush=True)
            elif command == "quit":
                break
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
