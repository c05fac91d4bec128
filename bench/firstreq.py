#!/usr/bin/env python3
"""Start-up time of `stampede run`: from spawning the process to its first request arriving.

usage: firstreq.py STAMPEDE SCENARIO

Listens on 127.0.0.1 (ephemeral port), spawns `STAMPEDE run SCENARIO --target <listener>
--users 1 --duration 2s --quiet`, and measures the time from just before the spawn to the
moment the first request's bytes are readable on the accepted connection (no DNS: the target
is an IP literal). It answers `200 ok` with keep-alive to every request until the run ends.
The last line printed is `first_request_ms <value>`.
"""
import socket
import subprocess
import sys
import threading
import time

RESPONSE = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def serve(conn):
    with conn:
        while True:
            try:
                data = conn.recv(65536)
            except OSError:
                return
            if not data:
                return
            # one response per request head seen (requests are small GETs)
            try:
                conn.sendall(RESPONSE * data.count(b"\r\n\r\n"))
            except OSError:
                return


def main():
    stampede, scenario = sys.argv[1], sys.argv[2]
    listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    port = listener.getsockname()[1]
    cmd = [stampede, "run", scenario, "--quiet", "--target", f"http://127.0.0.1:{port}",
           "--users", "1", "--duration", "2s"]
    listener.settimeout(10)
    t0 = time.monotonic()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    first = None
    try:
        conn, _ = listener.accept()
        conn.settimeout(10)
        data = conn.recv(65536)
        first = time.monotonic()
        conn.settimeout(None)
        if data:
            conn.sendall(RESPONSE * max(1, data.count(b"\r\n\r\n")))
        threading.Thread(target=serve, args=(conn,), daemon=True).start()
        listener.settimeout(0.2)
        while proc.poll() is None:
            try:
                c, _ = listener.accept()
                threading.Thread(target=serve, args=(c,), daemon=True).start()
            except socket.timeout:
                pass
    finally:
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
    if first is None:
        print("first_request_ms n/a")
        return 1
    print(f"first_request_ms {(first - t0) * 1000:.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
