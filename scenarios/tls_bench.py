"""TLS handshake and bulk-transfer scenarios over memory BIOs (no sockets).

Client and server live in one process and exchange bytes through in-memory
buffers, as rustls's own benchmarks do, so the figures are an upper bound free
of network and syscall noise. Each run prints one JSON object on stdout that
perfpages reads with a JSON pointer, for example::

    {"handshakes_per_s": 812.4, "handshakes": 200, "version": "TLSv1.3", ...}

Usage:
    tls_bench.py handshake --version 1.3 --key ecdsa [--resume tickets] [--count N]
    tls_bench.py transfer --cipher aes128gcm [--mib 10]
    tls_bench.py make-certs DIR
"""

from __future__ import annotations

import argparse
import json
import os
import ssl
import subprocess
import sys
import time
from pathlib import Path

CERT_DIR = Path(os.environ.get("TLS_BENCH_CERTS", Path(__file__).resolve().parent / ".certs"))
HOSTNAME = "bench.test"
CHUNK = 256 * 1024

# TLS 1.2 names, because Python's ssl cannot choose a TLS 1.3 suite: pinning
# the bulk cipher is the point of the transfer scenarios.
# TLS 1.2 suites by key type and bulk cipher. Python's ssl cannot pin a TLS 1.3 suite
# (there is no set_ciphersuites), so the suite matrix is TLS 1.2; versions are compared
# by the handshake scenario.
SUITES = {
    (key, cipher): f"ECDHE-{key.upper()}-{bulk}"
    for key in ("ecdsa", "rsa")
    for cipher, bulk in (
        ("aes128gcm", "AES128-GCM-SHA256"),
        ("aes256gcm", "AES256-GCM-SHA384"),
        ("chacha20", "CHACHA20-POLY1305"),
    )
}
TRANSFER_CIPHERS = {cipher: suite for (key, cipher), suite in SUITES.items() if key == "ecdsa"}
VERSIONS = {"1.2": ssl.TLSVersion.TLSv1_2, "1.3": ssl.TLSVersion.TLSv1_3}
# TLS 1.2 handshakes need a suite whose signature matches the key type.
TLS12_SUITES = {key: suite for (key, cipher), suite in SUITES.items() if cipher == "aes128gcm"}


def make_certs(directory: Path) -> None:
    """Create a self-signed ECDSA P-256 and an RSA-2048 certificate with the openssl CLI."""
    directory.mkdir(parents=True, exist_ok=True)
    keys = {"ecdsa": ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:P-256"], "rsa": ["-newkey", "rsa:2048"]}
    for name, newkey in keys.items():
        cert, key = directory / f"{name}.pem", directory / f"{name}.key"
        if cert.exists() and key.exists():
            continue
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                *newkey,
                "-nodes",
                "-days",
                "3650",
                "-subj",
                f"/CN={HOSTNAME}",
                "-addext",
                f"subjectAltName=DNS:{HOSTNAME}",
                "-keyout",
                str(key),
                "-out",
                str(cert),
            ],
            check=True,
            capture_output=True,
        )


def contexts(key: str, version: str, ciphers: str | None) -> tuple[ssl.SSLContext, ssl.SSLContext]:
    cert = CERT_DIR / f"{key}.pem"
    if not cert.exists():
        sys.exit(f"tls_bench: {cert} is missing; run `tls_bench.py make-certs` first (the scenario's setup does)")
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(cert, CERT_DIR / f"{key}.key")
    client = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    client.load_verify_locations(cert)
    for ctx in (server, client):
        ctx.minimum_version = ctx.maximum_version = VERSIONS[version]
        if ciphers:
            ctx.set_ciphers(ciphers)
    return client, server


class Pair:
    """A connected client and server whose records travel through memory BIOs."""

    def __init__(self, client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext, session: ssl.SSLSession | None = None):
        self.c_in, self.c_out, self.s_in, self.s_out = (ssl.MemoryBIO() for _ in range(4))
        self.client = client_ctx.wrap_bio(self.c_in, self.c_out, server_hostname=HOSTNAME, session=session)
        self.server = server_ctx.wrap_bio(self.s_in, self.s_out, server_side=True)

    def pump(self) -> None:
        if self.c_out.pending:
            self.s_in.write(self.c_out.read())
        if self.s_out.pending:
            self.c_in.write(self.s_out.read())

    def handshake(self) -> None:
        done = {self.client: False, self.server: False}
        for _ in range(64):  # bounded: a broken handshake must fail, not spin
            for side in (self.client, self.server):
                if not done[side]:
                    try:
                        side.do_handshake()
                        done[side] = True
                    except ssl.SSLWantReadError:
                        pass
                self.pump()
            if all(done.values()):
                return
        raise RuntimeError("handshake did not complete")

    def send(self, sender: ssl.SSLObject, receiver: ssl.SSLObject, data: bytes) -> int:
        """Write data on one side and read all of it on the other; returns bytes received."""
        received = 0
        for start in range(0, len(data), CHUNK):
            sender.write(data[start : start + CHUNK])
            self.pump()
            while True:
                try:
                    received += len(receiver.read(CHUNK))
                except ssl.SSLWantReadError:
                    break
        return received


def full_session(client_ctx: ssl.SSLContext, server_ctx: ssl.SSLContext) -> ssl.SSLSession:
    """One full handshake plus a round trip, which delivers the TLS 1.3 ticket to the client."""
    pair = Pair(client_ctx, server_ctx)
    pair.handshake()
    pair.send(pair.server, pair.client, b"x")
    if pair.client.session is None:
        raise RuntimeError("server issued no session ticket")
    return pair.client.session


def run_handshakes(args: argparse.Namespace) -> dict:
    suites = TLS12_SUITES[args.key] if args.version == "1.2" else None
    client_ctx, server_ctx = contexts(args.key, args.version, suites)
    session = full_session(client_ctx, server_ctx) if args.resume == "tickets" else None
    start = time.perf_counter()
    for _ in range(args.count):
        pair = Pair(client_ctx, server_ctx, session)
        pair.handshake()
        if session is not None and not pair.client.session_reused:
            raise RuntimeError("resumption fell back to a full handshake")
    elapsed = time.perf_counter() - start
    return {
        "handshakes_per_s": args.count / elapsed,
        "handshakes": args.count,
        "version": pair.client.version(),
        "cipher": pair.client.cipher()[0],
        "resumed": bool(pair.client.session_reused),
    }


def run_transfer(args: argparse.Namespace) -> dict:
    client_ctx, server_ctx = contexts("ecdsa", "1.2", TRANSFER_CIPHERS[args.cipher])
    pair = Pair(client_ctx, server_ctx)
    pair.handshake()  # outside the measured region, as in rustls's transfer scenario
    received, elapsed = timed_transfer(pair, args.mib)
    return {"mb_per_s": received / 1e6 / elapsed, "bytes": received, "cipher": pair.client.cipher()[0]}


def timed_transfer(pair: Pair, mib: int) -> tuple[int, float]:
    """Send ``mib`` MiB server to client; bytes received and seconds taken."""
    payload = bytes(CHUNK) * (mib * 4)
    start = time.perf_counter()
    received = pair.send(pair.server, pair.client, payload)
    elapsed = time.perf_counter() - start
    if received != len(payload):
        raise RuntimeError(f"received {received} of {len(payload)} bytes")
    return received, elapsed


def run_suite(args: argparse.Namespace) -> dict:
    """One full handshake, then MiB of data server to client, with one cipher suite and key type."""
    client_ctx, server_ctx = contexts(args.key, "1.2", SUITES[(args.key, args.cipher)])
    start = time.perf_counter()
    pair = Pair(client_ctx, server_ctx)
    pair.handshake()
    handshake = time.perf_counter() - start
    received, elapsed = timed_transfer(pair, args.mib)
    return {"handshake_ms": handshake * 1e3, "mb_per_s": received / 1e6 / elapsed, "suite": pair.client.cipher()[0]}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="mode", required=True)
    hs = sub.add_parser("handshake")
    hs.add_argument("--version", choices=sorted(VERSIONS), required=True)
    hs.add_argument("--key", choices=sorted(TLS12_SUITES), required=True)
    hs.add_argument("--resume", choices=["none", "tickets"], default="none")
    hs.add_argument("--count", type=int, default=100)
    su = sub.add_parser("suite")
    su.add_argument("--key", choices=["ecdsa", "rsa"], required=True)
    su.add_argument("--cipher", choices=sorted(TRANSFER_CIPHERS), required=True)
    su.add_argument("--mib", type=int, default=4)
    tr = sub.add_parser("transfer")
    tr.add_argument("--cipher", choices=sorted(TRANSFER_CIPHERS), required=True)
    tr.add_argument("--mib", type=int, default=10)
    mc = sub.add_parser("make-certs")
    mc.add_argument("directory", type=Path, nargs="?", default=CERT_DIR)
    args = parser.parse_args(argv)
    if args.mode == "make-certs":
        make_certs(args.directory)
        return 0
    result = {"handshake": run_handshakes, "suite": run_suite, "transfer": run_transfer}[args.mode](args)
    print(json.dumps(result, sort_keys=True))
    return 0


if __name__ == "__main__":
    sys.exit(main())
