"""Mail: rendering, the outbox (claim, send, retry) and the transports."""
