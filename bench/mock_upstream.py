"""A mock OpenAI-compatible upstream that answers at once (for bench/gateway.py and load tests).

A bare ASGI app on uvicorn: no framework, a fixed chat.completion body, so that what the benchmark measures
is the proxy in front of it, not the mock.

    python bench/mock_upstream.py --port 9001
"""

from __future__ import annotations

import argparse
import time

import orjson
import uvicorn

BODY = orjson.dumps(
    {
        "id": "chatcmpl-mock",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": "mock-1",
        "system_fingerprint": "fp_mock",
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": "Hello from the mock."},
                "finish_reason": "stop",
            }
        ],
        "usage": {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17},
    }
)
MODELS = orjson.dumps({"object": "list", "data": [{"id": "mock-1", "object": "model", "owned_by": "bench"}]})


async def app(scope, receive, send):  # type: ignore[no-untyped-def]
    if scope["type"] != "http":
        return
    more = True
    while more:  # drain the request body
        message = await receive()
        more = message.get("more_body", False)
    body = MODELS if scope["path"].endswith("/models") else BODY
    await send(
        {
            "type": "http.response.start",
            "status": 200,
            "headers": [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())],
        }
    )
    await send({"type": "http.response.body", "body": body})


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, default=9001)
    args = parser.parse_args()
    uvicorn.run(app, host="127.0.0.1", port=args.port, log_level="warning", access_log=False)
