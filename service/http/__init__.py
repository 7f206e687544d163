"""What only HTTP needs: the request's unit of work (deps), error responses, the body
limit and the OpenAPI document's error shapes. Features' api.py modules use it; the
services under them never do."""
