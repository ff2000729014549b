"""A webhook's far end for tests: a real HTTP server on 127.0.0.1 that records
what it receives and answers as told (status, JSON body, delay)."""

import json
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit


class FarEnd:
    def __init__(self, *, status=200, answer=None, delay=0.0):
        self.status = status
        self.answer = answer if answer is not None else {"errcode": 0, "errmsg": "ok"}
        self.delay = delay
        self.received = []  # [{"path", "query", "headers", "body", "raw"}]
        far = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers["Content-Length"]))
                if far.delay:
                    time.sleep(far.delay)  # the slow far end under test, not the clock under test
                parts = urlsplit(self.path)
                far.received.append(
                    {
                        "path": parts.path,
                        "query": {k: v[0] for k, v in parse_qs(parts.query).items()},
                        "headers": dict(self.headers),
                        "raw": raw,
                        "body": json.loads(raw),
                    }
                )
                self.send_response(far.status)
                self.send_header("Content-Type", "application/json")
                self.end_headers()
                self.wfile.write(json.dumps(far.answer).encode())

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()
