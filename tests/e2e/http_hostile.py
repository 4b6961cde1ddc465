#!/usr/bin/env python3
# SPDX-License-Identifier: MIT
"""Hostile HTTP requests for the end-to-end tests, on loopback only.

  http_hostile.py probe --port P --case NAME [--wait S]
      Sends one hostile request (NAME: see CASES) on a new connection, reads until the
      server closes it or S seconds pass (default 5), and prints {"status": the first
      response's status or null, "closed": whether the server closed the connection,
      "after_s": seconds from the send to the close (or to giving up), "responses": the
      number of status lines read}.

  http_hostile.py slow --port P --path PATH --count N --hold S
      Opens N connections with a tiny receive buffer, sends a GET for PATH on each, reads
      nothing for S seconds, then reads each response to its end and prints {"complete":
      responses read whole (status 200, the body as long as Content-Length says),
      "count": N}.

  http_hostile.py abandon --port P --path PATH --count N
      N times: sends a GET for PATH, reads the first 1000 bytes of the answer, closes.
      Prints {"abandoned": N}.

Every loop is bounded in count and time; only loopback addresses are used.
"""
import argparse
import json
import socket
import sys
import time

HOST = b"Host: 127.0.0.1\r\n"
CASES = {
    # two Content-Length headers that disagree: which one frames the body?
    "two-lengths": b"POST /metrics HTTP/1.1\r\n" + HOST
    + b"Content-Length: 1\r\nContent-Length: 20\r\n\r\nx"
    + b"GET /metrics HTTP/1.1\r\n" + HOST + b"\r\n",
    "negative-length": b"POST /metrics HTTP/1.1\r\n" + HOST + b"Content-Length: -1\r\n\r\n",
    # Transfer-Encoding beside Content-Length: the classic smuggling request
    "te-and-length": b"POST /metrics HTTP/1.1\r\n" + HOST
    + b"Content-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n"
    + b"GET /metrics HTTP/1.1\r\n" + HOST + b"\r\n",
    "bad-chunk": b"POST /metrics HTTP/1.1\r\n" + HOST
    + b"Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
    "nul-in-name": b"GET /metrics HTTP/1.1\r\n" + HOST + b"X-A\x00B: 1\r\n\r\n",
    "huge-header": b"GET /metrics HTTP/1.1\r\n" + HOST + b"X-Big: " + b"a" * 100000 + b"\r\n\r\n",
    "huge-url": b"GET /" + b"a" * 100000 + b" HTTP/1.1\r\n" + HOST + b"\r\n",
    # 1,500 Accept clauses (within the 32 KiB request head), then an answer as usual
    "many-accepts": b"GET /metrics HTTP/1.1\r\n" + HOST + b"Accept: "
    + b",".join(b"x/%d;q=0.%d" % (i, i % 10) for i in range(1500))
    + b",text/plain;version=0.0.4;q=0.01\r\nConnection: close\r\n\r\n",
    # a TLS 1.2 ClientHello record header and some of its body, sent to a plain port
    "tls-to-plain": bytes.fromhex("16030100f4010000f00303") + bytes(range(32)) + b"\x00" * 180,
}


def loopback_connect(port, timeout, rcvbuf=None):
    s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    if rcvbuf:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, rcvbuf)
    s.settimeout(timeout)
    s.connect(("127.0.0.1", port))
    return s


def probe(args):
    data = CASES[args.case]
    s = loopback_connect(args.port, args.wait)
    start = time.monotonic()
    deadline = start + args.wait
    buf = b""
    closed = False
    try:
        s.sendall(data)
    except (BrokenPipeError, ConnectionResetError):
        pass
    while time.monotonic() < deadline:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        try:
            chunk = s.recv(65536)
        except socket.timeout:
            break
        except ConnectionResetError:
            closed = True
            break
        if not chunk:
            closed = True
            break
        buf += chunk
        if len(buf) > 1 << 20:
            break
    after = time.monotonic() - start
    s.close()
    status = None
    if buf.startswith(b"HTTP/1."):
        try:
            status = int(buf.split(b" ", 2)[1])
        except (IndexError, ValueError):
            status = None
    print(json.dumps({"status": status, "closed": closed, "after_s": round(after, 3),
                      "responses": buf.count(b"HTTP/1.1 ") + buf.count(b"HTTP/1.0 ")}))


def read_whole(s, deadline):
    buf = b""
    while b"\r\n\r\n" not in buf:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(65536)
        if not chunk:
            return False
        buf += chunk
    head, _, body = buf.partition(b"\r\n\r\n")
    lines = head.split(b"\r\n")
    if b" 200 " not in lines[0] + b" ":
        return False
    length = None
    for line in lines[1:]:
        k, _, v = line.partition(b":")
        if k.strip().lower() == b"content-length":
            length = int(v.strip())
    if length is None:
        return False
    while len(body) < length:
        s.settimeout(max(0.01, deadline - time.monotonic()))
        chunk = s.recv(1 << 20)
        if not chunk:
            return False
        body += chunk
    return len(body) == length


def slow(args):
    socks = []
    req = b"GET " + args.path.encode() + b" HTTP/1.1\r\n" + HOST + b"Connection: close\r\n\r\n"
    for _ in range(args.count):
        s = loopback_connect(args.port, 10, rcvbuf=2048)
        s.sendall(req)
        socks.append(s)
    time.sleep(args.hold)
    complete = 0
    deadline = time.monotonic() + 60
    for s in socks:
        try:
            if read_whole(s, deadline):
                complete += 1
        except (socket.timeout, ConnectionResetError):
            pass
        s.close()
    print(json.dumps({"complete": complete, "count": args.count}))


def abandon(args):
    req = b"GET " + args.path.encode() + b" HTTP/1.1\r\n" + HOST + b"\r\n"
    for _ in range(args.count):
        s = loopback_connect(args.port, 10, rcvbuf=2048)
        s.sendall(req)
        got = b""
        while len(got) < 1000:
            chunk = s.recv(1000 - len(got))
            if not chunk:
                break
            got += chunk
        s.close()
    print(json.dumps({"abandoned": args.count}))


def main():
    p = argparse.ArgumentParser()
    sub = p.add_subparsers(dest="cmd", required=True)
    a = sub.add_parser("probe")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--case", choices=sorted(CASES), required=True)
    a.add_argument("--wait", type=float, default=5.0)
    a = sub.add_parser("slow")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--path", default="/metrics")
    a.add_argument("--count", type=int, default=8)
    a.add_argument("--hold", type=float, default=3.0)
    a = sub.add_parser("abandon")
    a.add_argument("--port", type=int, required=True)
    a.add_argument("--path", default="/metrics")
    a.add_argument("--count", type=int, default=20)
    args = p.parse_args()
    if args.cmd == "probe":
        probe(args)
    elif args.cmd == "slow":
        if not 0 < args.count <= 64 or not 0 <= args.hold <= 30:
            sys.exit("http_hostile.py: --count 1..64, --hold 0..30")
        slow(args)
    else:
        if not 0 < args.count <= 200:
            sys.exit("http_hostile.py: --count 1..200")
        abandon(args)


if __name__ == "__main__":
    main()
