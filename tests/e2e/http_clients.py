#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Misbehaving HTTP clients for the end-to-end tests, on loopback only.

  http_clients.py hold --port P --from ADDR:COUNT [--from ADDR:COUNT ...]
                  --ready FILE --report FILE [--seconds S]
      Opens COUNT connections from each source address (127.0.0.x), sends each half a
      request line, writes {"opened": N, "failed": M} to FILE --ready, then watches for
      the server to close them for up to S seconds (default 30) or until every one is
      closed, and writes to --report: {"opened", "closed", "first_close_s", "last_close_s"}
      (seconds from the connect to the server's close).

  http_clients.py trickle --port P --interval I [--seconds S]
      Sends a request one byte every I seconds (never finishing it) and prints
      {"closed": bool, "after_s": seconds until the server closed, "bytes": sent}.

  http_clients.py keepalive --port P --path PATH --idle S [--partial]
      One request, its whole response, S seconds of silence, then a second request (or,
      with --partial, half of one). Prints {"first": status, "second": status or null,
      "closed_after_s": seconds from the start of the second request to the server's
      close, or null}.

Every loop is bounded in count and time; only loopback addresses are accepted.
"""
import argparse
import ipaddress
import json
import resource
import select
import socket
import sys
import time

HALF = b"GET /metrics HTTP/1.1\r\nHost: x\r\nUser-Agent: half"


def loopback(addr):
    ip = ipaddress.ip_address(addr)
    if not ip.is_loopback:
        sys.exit("http_clients.py: %s is not a loopback address" % addr)
    return addr


def connect(port, src=None, timeout=5.0):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if src:
        s.bind((src, 0))
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def read_response(s, deadline):
    """Reads one response with Content-Length; returns its status or None on EOF."""
    buf = b""
    while b"\r\n\r\n" not in buf:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(65536)
        if not chunk:
            return None
        buf += chunk
    head, body = buf.split(b"\r\n\r\n", 1)
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    length = 0
    for line in lines[1:]:
        k, _, v = line.partition(":")
        if k.strip().lower() == "content-length":
            length = int(v.strip())
    while len(body) < length:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(65536)
        if not chunk:
            return None
        body += chunk
    return status


def wait_closed(s, seconds):
    """Seconds until the peer closes s (EOF or reset), or None within `seconds`."""
    start = time.monotonic()
    while time.monotonic() - start < seconds:
        r, _, _ = select.select([s], [], [], 0.05)
        if r:
            try:
                if not s.recv(65536):
                    return time.monotonic() - start
            except (ConnectionResetError, socket.timeout):
                return time.monotonic() - start
    return None


def cmd_hold(a):
    want = sum(int(f.rsplit(":", 1)[1]) for f in a.sources)
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, max(soft, want + 64)), hard))
    socks, opened_at, failed = [], {}, 0
    for f in a.sources:
        addr, count = f.rsplit(":", 1)
        loopback(addr)
        for _ in range(int(count)):
            try:
                s = connect(a.port, addr)
                s.sendall(HALF)
                s.setblocking(False)
                socks.append(s)
                opened_at[s.fileno()] = time.monotonic()
            except OSError:
                failed += 1
    with open(a.ready, "w") as out:
        json.dump({"opened": len(socks), "failed": failed}, out)
    closes = []
    live = {s.fileno(): s for s in socks}
    poll = select.poll()
    for s in socks:
        poll.register(s, select.POLLIN | select.POLLHUP | select.POLLERR)
    end = time.monotonic() + a.seconds
    while live and time.monotonic() < end:
        for fd, _ in poll.poll(100):
            s = live.get(fd)
            if s is None:
                continue
            try:
                data = s.recv(65536)
            except BlockingIOError:
                continue
            except OSError:
                data = b""
            if not data:
                closes.append(time.monotonic() - opened_at[fd])
                poll.unregister(fd)
                del live[fd]
                s.close()
    report = {
        "opened": len(socks),
        "closed": len(closes),
        "first_close_s": round(min(closes), 3) if closes else None,
        "last_close_s": round(max(closes), 3) if closes else None,
    }
    with open(a.report, "w") as out:
        json.dump(report, out)
    for s in live.values():
        s.close()


def cmd_trickle(a):
    s = connect(a.port)
    start = time.monotonic()
    sent = 0
    request = b"GET /metrics HTTP/1.1\r\nHost: x\r\n" + b"X-Trickle: " + b"a" * 1000
    result = {"closed": False, "after_s": None, "bytes": 0}
    while sent < len(request) and time.monotonic() - start < a.seconds:
        try:
            s.sendall(request[sent:sent + 1])
            sent += 1
        except OSError:
            result.update(closed=True, after_s=round(time.monotonic() - start, 3))
            break
        closed = wait_closed(s, a.interval)
        if closed is not None:
            result.update(closed=True, after_s=round(time.monotonic() - start, 3))
            break
    result["bytes"] = sent
    print(json.dumps(result))


def cmd_keepalive(a):
    s = connect(a.port, timeout=10)
    req = ("GET %s HTTP/1.1\r\nHost: x\r\n\r\n" % a.path).encode()
    s.sendall(req)
    first = read_response(s, time.monotonic() + 10)
    result = {"first": first, "second": None, "closed_after_s": None}
    if first is None:
        print(json.dumps(result))
        return
    closed = wait_closed(s, a.idle)
    if closed is not None:
        result["closed_after_s"] = -round(closed, 3)  # closed while idle
        print(json.dumps(result))
        return
    start = time.monotonic()
    if a.partial:
        s.sendall(HALF)
        closed = wait_closed(s, 30)
        result["closed_after_s"] = round(closed, 3) if closed is not None else None
    else:
        s.sendall(req)
        result["second"] = read_response(s, time.monotonic() + 10)
    print(json.dumps(result))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    h = sub.add_parser("hold")
    h.add_argument("--port", type=int, required=True)
    h.add_argument("--from", dest="sources", action="append", required=True)
    h.add_argument("--ready", required=True)
    h.add_argument("--report", required=True)
    h.add_argument("--seconds", type=float, default=30)
    t = sub.add_parser("trickle")
    t.add_argument("--port", type=int, required=True)
    t.add_argument("--interval", type=float, default=0.5)
    t.add_argument("--seconds", type=float, default=30)
    k = sub.add_parser("keepalive")
    k.add_argument("--port", type=int, required=True)
    k.add_argument("--path", default="/metrics")
    k.add_argument("--idle", type=float, required=True)
    k.add_argument("--partial", action="store_true")
    a = p.parse_args()
    {"hold": cmd_hold, "trickle": cmd_trickle, "keepalive": cmd_keepalive}[a.cmd](a)


if __name__ == "__main__":
    main()
