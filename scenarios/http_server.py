"""A small HTTP(S) server on loopback for the wrk scenario, after seed 004's http vs https test.

Python's own http.server and ssl, not nginx: the point is to measure the cost of TLS
in the same stack the TLS scenarios use, with nothing to install, and the server
process is part of what is measured. POST bodies are read in full and answered with
their length. Listens on 127.0.0.1 only.

    http_server.py --port 8787 [--scheme http|https] [--key ecdsa|rsa]
"""

from __future__ import annotations

import argparse
import ssl
import sys
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

from tls_bench import CERT_DIR


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"  # keep-alive, as wrk expects
    disable_nagle_algorithm = True  # headers and body go out as two writes; Nagle would hold the second

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length", "0"))
        self.rfile.read(length)
        self._answer(str(length).encode())

    def do_GET(self) -> None:
        self._answer(b"ok")

    def _answer(self, body: bytes) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/plain")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args) -> None:  # one line per request would dominate the work
        pass


class Server(ThreadingHTTPServer):
    daemon_threads = True

    def handle_error(self, request, client_address) -> None:
        """wrk drops its connections when its time is up: that is the end of a run, not an error."""
        if not isinstance(sys.exc_info()[1], ConnectionError | ssl.SSLError):
            super().handle_error(request, client_address)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--scheme", choices=["http", "https"], default="http")
    parser.add_argument("--key", choices=["ecdsa", "rsa"], default="ecdsa")
    args = parser.parse_args()
    server = Server(("127.0.0.1", args.port), Handler)
    if args.scheme == "https":
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(CERT_DIR / f"{args.key}.pem", CERT_DIR / f"{args.key}.key")
        server.socket = context.wrap_socket(server.socket, server_side=True)
    server.serve_forever()
    return 0


if __name__ == "__main__":
    sys.exit(main())
