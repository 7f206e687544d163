"""How a send fails: temporarily (retry later) or permanently (give up and show why).
Raised by the transports and by reading a row's addresses (service/mail/addresses.py)."""

from __future__ import annotations


class SendError(Exception):
    """A failed send; `permanent` says whether retrying can help."""

    def __init__(self, message: str, *, permanent: bool) -> None:
        super().__init__(message)
        self.permanent = permanent


class ConnectError(SendError):
    """The server could not be reached at all: every message of the batch waits."""

    def __init__(self, message: str) -> None:
        super().__init__(message, permanent=False)
